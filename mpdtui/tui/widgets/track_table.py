"""A table of tracks (title, artist, album, duration, and optionally why) with vim keys.

With `with_audio` on (the builder turns it on when audio features are known) it also shows
each track's tempo, key ("Am 8A") and, where there is room, energy. Cells hold text from the
data as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from mpdtui.tui.text import data_text, duration

if TYPE_CHECKING:
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.data.catalog import Track

# column widths: (plain, with audio); None = no such column
PLAYLIST = {"#": (3, 3), "Track": (16, 12), "Artist": (10, 8), "Time": (7, 5), "BPM": (None, 3),
            "Key": (None, 7)}
RESULTS = {"Track": (18, 14), "Artist": (12, 9), "Album": (12, 10), "Time": (7, 5),
           "BPM": (None, 3), "Key": (None, 7), "Energy": (None, 6)}
SUGGESTIONS = {"Track": (18, 14), "Artist": (12, 9), "Album": (12, None), "Time": (7, 5),
               "BPM": (None, 3), "Key": (None, 7), "Energy": (None, 6), "Why": (28, 14)}


class TrackTable(DataTable):
    """Rows are tracks; `tracks` holds them in row order, `audio` their features (or None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(self, *, with_reason: bool = False, numbered: bool = False,
                 with_album: bool = True, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.layout_widths = PLAYLIST if numbered else SUGGESTIONS if with_reason else RESULTS
        if not with_album:
            self.layout_widths = {k: v for k, v in self.layout_widths.items() if k != "Album"}
        self.with_audio = False
        self.tracks: list[Track] = []
        self.reasons: list[str] = []
        self.audio: list[TrackAudio | None] = []

    def on_mount(self) -> None:
        self._add_columns()

    def _columns(self) -> list[tuple[str, int]]:
        choice = int(self.with_audio)
        return [(name, width) for name, widths in self.layout_widths.items()
                if (width := widths[choice]) is not None]

    def _add_columns(self) -> None:
        # fixed widths: long names are cut instead of pushing the duration out of view
        for name, width in self._columns():
            self.add_column(name, width=width, key=name)

    def set_audio(self, on: bool) -> None:
        """Show (or hide) the audio columns."""
        if on == self.with_audio:
            return
        self.with_audio = on
        self.clear(columns=True)
        self._add_columns()
        self.show(self.tracks, self.reasons, keep_cursor=True, audio=self.audio)

    def show(self, tracks: Sequence[Track], reasons: Sequence[str] | None = None,
             keep_cursor: bool = False, audio: Sequence[TrackAudio | None] | None = None) -> None:
        row = self.cursor_row
        self.clear()
        self.tracks = list(tracks)
        self.reasons = list(reasons or [])
        self.audio = list(audio) if audio is not None else [None] * len(self.tracks)
        for index, track in enumerate(self.tracks):
            self.add_row(*self._cells(index, track))
        if keep_cursor and self.tracks:
            self.move_cursor(row=min(row, len(self.tracks) - 1))

    def _cells(self, index: int, track: Track) -> list[Text | str]:
        sound = self.audio[index]
        values: dict[str, Text | str] = {
            "#": str(index + 1), "Track": data_text(track.name), "Artist": data_text(track.artist_name),
            "Album": data_text(track.album_name), "Time": duration(track.duration_ms),
            "BPM": sound.bpm_text() if sound else "", "Key": sound.key_text() if sound else "",
            "Energy": sound.energy_text() if sound else "",
            "Why": data_text(self.reasons[index] if index < len(self.reasons) else ""),
        }
        return [values[name] for name, _ in self._columns()]

    def current(self) -> Track | None:
        """The highlighted track, if any."""
        if not self.tracks or not 0 <= self.cursor_row < len(self.tracks):
            return None
        return self.tracks[self.cursor_row]

    def current_audio(self) -> TrackAudio | None:
        """The highlighted track's features, if known."""
        if self.current() is None:
            return None
        return self.audio[self.cursor_row]

    def current_reason(self) -> str:
        """Why the highlighted track is suggested ("" when not a suggestion)."""
        row = self.cursor_row
        return self.reasons[row] if self.current() is not None and row < len(self.reasons) else ""
