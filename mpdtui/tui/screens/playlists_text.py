"""The saved playlists' words: how an import ended, when a playlist changed."""

from __future__ import annotations

import time

from mpdtui.pipeline.display import counted
from mpdtui.printable import printable
from mpdtui.services.playlist_import import ImportedPlaylist, import_notes, imported_name
from mpdtui.tui.text import names_cut


def imported_text(imported: list[ImportedPlaylist]) -> str:
    """ "Imported 'rainy sunday': 25 tracks; 3 the catalog does not hold…", a playlist a
    line."""
    lines = []
    for one in imported:
        notes = "; ".join(import_notes(one))
        tracks = counted(len(one.playlist.tracks), "track")
        lines.append(printable(names_cut(f"Imported {imported_name(one)}: {tracks}"
                                         + (f"; {notes}." if notes else "."))))
    return "\n".join(lines)


def changed_text(changed: time.struct_time, now: time.struct_time) -> str:
    """When a playlist changed, as short as tells it apart (the list shares the screen with
    the tracks): "09:54" today, "12-02 09:54" this year, "2025-12-02" before."""
    if changed.tm_year != now.tm_year:
        return time.strftime("%Y-%m-%d", changed)
    if changed.tm_yday != now.tm_yday:
        return time.strftime("%m-%d %H:%M", changed)
    return time.strftime("%H:%M", changed)
