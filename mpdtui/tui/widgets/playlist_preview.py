"""A saved playlist's tracks (#, track, artist, album, time) beside the saved playlists' list, its
columns fitted to its width as the builder's lists are (`columns.fit`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from mpdtui.pipeline.display import playlist_length
from mpdtui.tui.text import cell_text, data_text, duration
from mpdtui.tui.widgets.columns import Column, fit
from mpdtui.tui.widgets.track_table import SCROLLBAR, UNSIZED

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mpdtui.data.saved_playlists import SavedPlaylist

COLUMNS = (Column("#", 2, 4, drop=3), Column("Track", 8, 48, good=12),
           Column("Artist", 6, 28, good=10), Column("Album", 8, 28, drop=4, spare=True),
           Column("Time", 4, 7, drop=2))
PREVIEW_ROWS = 500
"""The most tracks shown, then a row counting the others: the rows of a 10,000-track playlist
took seconds to make, and the app did nothing else meanwhile (opened, it shows them all)."""


class PlaylistPreview(DataTable):
    """Shown, not visited: the keys act on the list beside it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="none", zebra_stripes=True)
        self.can_focus = False
        self._rows: list[dict[str, Text]] = []

    def show(self, playlist: SavedPlaylist, albums: Mapping[str, str]) -> None:
        """`albums`: the catalog's, by URI (a saved playlist keeps none of its own)."""
        self._rows = [{"#": Text(str(position)), "Track": cell_text(track.title or track.uri),
                       "Artist": cell_text(track.artist),
                       "Album": cell_text(albums.get(track.uri, "")),
                       "Time": Text("" if track.duration_ms is None else duration(track.duration_ms))}
                      for position, track in enumerate(playlist.tracks[:PREVIEW_ROWS], 1)]
        if (more := len(playlist.tracks) - PREVIEW_ROWS) > 0:
            said = cell_text(f"… and {more:,} more (enter opens the playlist)")
            said.stylize("italic")
            self._rows.append({"#": Text(""), "Track": said, "Artist": Text(""),
                               "Album": Text(""), "Time": Text("")})
        total = sum(track.duration_ms or 0 for track in playlist.tracks)
        self.border_title = data_text(f"{playlist.name} · {playlist_length(total)}")
        self._draw()

    def on_resize(self, _: events.Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        wanted = {c.name: max([cell_len(c.name), *(r[c.name].cell_len for r in self._rows)])
                  for c in COLUMNS}
        width = self.size.width - SCROLLBAR if self.size.width else UNSIZED
        layout = fit(COLUMNS, wanted, width, rest="Track")
        self.clear(columns=True)
        for name, column_width in layout:
            self.add_column(name, width=column_width, key=name)
        for row in self._rows:
            self.add_row(*(row[name] for name, _ in layout))
