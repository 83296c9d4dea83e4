"""The saved playlists' words: how an import ended, when a playlist changed."""

from __future__ import annotations

import time

from mpdtui.pipeline.display import counted
from mpdtui.printable import printable
from mpdtui.services.playlist_import import ImportedPlaylist, import_notes, imported_name
from mpdtui.tui.text import names_cut

PLAYLISTS_SAID = 2
"""Playlists an import's note names one by one; more (an account's Playlist1.json, a folder)
are counted: a note of a line or more each (3 at 60 columns) covered the screen."""


def imported_text(imported: list[ImportedPlaylist]) -> str:
    """ "Imported 'rainy sunday': 25 tracks; 3 the catalog does not hold…", a playlist a
    line; of more than `PLAYLISTS_SAID`, how many, their tracks and how many have notes."""
    if len(imported) <= PLAYLISTS_SAID:
        return "\n".join(_imported_line(one) for one in imported)
    tracks = sum(len(one.playlist.tracks) for one in imported)
    noted = sum(bool(import_notes(one)) for one in imported)
    return (f"Imported {len(imported):,} playlists, {counted(tracks, 'track')}: the list shows "
            "them." + (f" {noted:,} of them with notes (left out, not found: `mpdtui import` "
                       "of the same files says them)." if noted else ""))


SKIPPED_SAID = 2
"""Files of a folder or zip left out that an import's note says why of; more are counted."""


def skipped_text(skipped: list[str]) -> list[str]:
    """Why each file of a folder or zip was left out, for up to `SKIPPED_SAID` of them; more
    are counted (a folder of 20 such files gave a note taller than the screen)."""
    if len(skipped) > SKIPPED_SAID:
        return [f"Skipped {len(skipped):,} files (`mpdtui import` of the folder or zip says why)."]
    return [printable(f"Skipped {why}") for why in skipped]


def _imported_line(one: ImportedPlaylist) -> str:
    notes = "; ".join(import_notes(one))
    tracks = counted(len(one.playlist.tracks), "track")
    return printable(names_cut(f"Imported {imported_name(one)}: {tracks}"
                               + (f"; {notes}." if notes else ".")))


def changed_text(changed: time.struct_time, now: time.struct_time) -> str:
    """When a playlist changed, as short as tells it apart (the list shares the screen with
    the tracks): "09:54" today, "12-02 09:54" this year, "2025-12-02" before."""
    if changed.tm_year != now.tm_year:
        return time.strftime("%Y-%m-%d", changed)
    if changed.tm_yday != now.tm_yday:
        return time.strftime("%m-%d %H:%M", changed)
    return time.strftime("%H:%M", changed)
