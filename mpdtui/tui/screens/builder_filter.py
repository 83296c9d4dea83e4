"""The suggestions' filter by sound belongs to the playlist it was set on: another playlist
opened (p) or a new one started (ctrl+n) starts with none, and a playlist opened again in the
same session gets its own back (an unsaved one's is kept with its draft instead). The
builder's notices show above the filter, never over it."""

from __future__ import annotations

from mpdtui.printable import printable
from mpdtui.tui.screens.builder_base import BuilderBase
from mpdtui.tui.text import quoted_name
from mpdtui.tui.widgets.sound_filter import SoundFilter


class BuilderFilter(BuilderBase):
    """Each saved playlist's filter, as it was when another was opened or started."""

    def __init__(self) -> None:
        super().__init__()
        self._filter_set_on: dict[int, str] = {}  # saved playlist id -> its filter, as typed

    def on_mount(self) -> None:
        # after each layout: the filter moves with the terminal's size and the builder's focus
        self.screen_layout_refresh_signal.subscribe(self.query_one(SoundFilter),
                                                    self._notices_above_the_filter)

    def _notices_above_the_filter(self, _: object = None) -> None:
        """Notices stack up from above the filter, over the lists, rather than from the bottom
        over the filter and the line that says why it cannot be read: at 80x24 the start's
        20-s notice covered them."""
        field = self.query_one(SoundFilter)
        for rack in self.query("#textual-toastrack"):  # each screen's (Textual's ToastRack)
            rack.styles.margin = (0, 0, max(1, self.size.height - field.region.y), 0)

    def _filter_follows(self, leaving: int | None, left_name: str,
                        opening: int | None) -> str:
        """Keep the filter of the playlist left (a saved one's `leaving` id), put the one of
        the playlist opened (`opening`; None: a new one) in its place. Returns the words that
        say a filter went or came back, "" when it stays as it is."""
        field = self.query_one(SoundFilter)
        before = field.value.strip()
        if leaving is not None:
            self._filter_set_on[leaving] = before
        after = self._filter_set_on.get(opening, "") if opening is not None else ""
        if after == before:
            return ""
        field.value = after  # read, and the suggestions asked again (on_input_changed)
        if after:
            return f" Its filter by sound is back: '{printable(after)}' (f changes it)."
        whose = f"stays with {quoted_name(printable(left_name))}" if leaving is not None else "is cleared"
        return (f" The filter by sound '{printable(before)}' {whose}: none on this playlist "
                "(f sets one).")
