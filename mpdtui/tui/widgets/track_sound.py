"""One line (or three) under the playlist: the highlighted track's sound in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Label

from mpdtui.tui.text import data_text

if TYPE_CHECKING:
    from mpdtui.tui.widgets.track_table import TrackTable


class TrackSound(Label):
    """"often with X · 113 BPM · F# minor (11A) · energy 0.70 · danceability 0.63 · …"."""

    def describe(self, table: TrackTable | None) -> None:
        """Describe the highlighted track of `table` (None: nothing)."""
        if table is None or table.current() is None:
            self.update("")
            return
        sound = table.current_audio()
        parts = [table.current_reason(),
                 sound.describe() if sound is not None else "no audio features"]
        self.update(data_text(" · ".join(part for part in parts if part)))
