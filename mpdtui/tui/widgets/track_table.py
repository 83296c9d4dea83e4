"""A table of tracks (title, artist, album, duration, and optionally why) with vim keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from mpdtui.tui.text import data_text, duration


class TrackTable(DataTable):
    """Rows are tracks; `tracks` holds them in row order."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(self, *, with_reason: bool = False, numbered: bool = False,
                 with_album: bool = True, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.with_reason = with_reason
        self.numbered = numbered
        self.with_album = with_album
        self.tracks: list[Any] = []

    def on_mount(self) -> None:
        # fixed widths: long names are cut instead of pushing the duration out of view
        if self.numbered:
            self.add_column("#", width=3)
        self.add_column("Track", width=18 if self.with_album else 16)
        self.add_column("Artist", width=12 if self.with_album else 10)
        if self.with_album:
            self.add_column("Album", width=12)
        self.add_column("Time", width=7)
        if self.with_reason:
            self.add_column("Why", width=28)

    def show(self, tracks: Sequence[Any], reasons: Sequence[str] | None = None,
             keep_cursor: bool = False) -> None:
        row = self.cursor_row
        self.clear()
        self.tracks = list(tracks)
        for index, track in enumerate(self.tracks):
            cells: list[str | Text] = [str(index + 1)] if self.numbered else []
            cells += [data_text(track.name), data_text(track.artist_name)]
            cells += [data_text(track.album_name)] if self.with_album else []
            cells.append(duration(track.duration_ms))
            if self.with_reason:
                cells.append(data_text(reasons[index]) if reasons else "")
            self.add_row(*cells)
        if keep_cursor and self.tracks:
            self.move_cursor(row=min(row, len(self.tracks) - 1))

    def current(self) -> Any | None:
        """The highlighted track, if any."""
        if not self.tracks or not 0 <= self.cursor_row < len(self.tracks):
            return None
        return self.tracks[self.cursor_row]
