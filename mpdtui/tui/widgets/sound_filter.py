"""The builder's filter by audio features: an input that reads what is typed as a filter."""

from __future__ import annotations

from mpdtui.audio.filters import AudioFilter, FilterError, parse_filter
from mpdtui.tui.widgets.keyed_input import KeyedInput

LABEL = "Filter by sound: tempo 150-170, energy > 0.7, key 8A, acoustic"
SHORTER = ("Filter by sound: tempo 150-170, energy > 0.7", "Filter by sound: tempo 150-170",
           "Filter by sound", "Filter")
"""Where the whole example does not fit (at 80x24: "…tempo 150-170, energ")."""


class SoundFilter(KeyedInput):
    """`audio_filter` is the filter in force: what the text says, or while the text cannot be
    read (half typed, mistyped), the last text that could; `error` says why it cannot be read
    ("" when it can)."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(LABEL, "f", id=id, select_on_focus=False,  # f amends the filter
                         shorter=SHORTER)
        self.audio_filter = AudioFilter()
        self.error = ""

    def read(self) -> None:
        """Parse the current text into `audio_filter` / `error`."""
        try:
            self.audio_filter, self.error = parse_filter(self.value), ""
        except FilterError as exc:  # the suggestions keep following the last filter read
            self.error = str(exc)
        self.set_class(bool(self.error), "-invalid")
