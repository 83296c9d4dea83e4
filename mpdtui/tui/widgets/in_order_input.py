"""The app's text fields: keys act in the order they were typed, editing keys included."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.events import Key, Resize
from textual.expand_tabs import expand_tabs_inline
from textual.widgets import Input

from mpdtui.tui.text import even_width_in_place


class InOrderInput(Input):
    """An Input whose own bound keys (backspace, the arrows, ctrl+u, enter, tab where bound)
    act in turn with the letters typed around them.

    Textual types a letter in the field's own key handler, but runs a bound key's action only
    once the key has bubbled up to the app. Keys that arrive together (a fast typist, a key
    macro, a machine busy training) then act out of order: "ab", backspace, "c" gave "ab"
    (Textual issue 6605). Here the field's own bindings run in its key handler, as typing
    does; keys bound elsewhere (the screen's, the app's) bubble on as before.

    The value is drawn with emoji as wide as Rich lays them out in tmux and xterm too
    (`even_width_in_place`): a typed ❤️ drew the field's line one cell short in tmux, its
    border doubled. The value itself keeps them.

    `fit_placeholder` gives placeholders from the longest to the shortest: the longest the
    field has room for shows, whole (at 80x24 the filter's read "…tempo 150-170, energ")."""

    placeholders: tuple[str, ...] = ()

    def fit_placeholder(self, *placeholders: str) -> None:
        """Show the longest of these that the field's width takes whole (else the last)."""
        self.placeholders = placeholders
        self._fit_placeholder()

    def on_resize(self, _: Resize) -> None:
        self._fit_placeholder()

    def _fit_placeholder(self) -> None:
        if self.placeholders:
            room = self.content_size.width - 1  # the cursor's cell past the end
            self.placeholder = next((text for text in self.placeholders if cell_len(text) <= room),
                                    self.placeholders[-1])

    @property
    def _value(self) -> Text:
        drawn = super()._value
        drawn.plain = even_width_in_place(drawn.plain)  # as long: the styles stay in place
        return drawn

    def _position_to_cell(self, position: int) -> int:
        return cell_len(expand_tabs_inline(even_width_in_place(self.value[:position]), 4))

    async def _on_key(self, event: Key) -> None:
        # Textual calls each class's handler in turn: Input's, which types, comes next
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()  # not typed, and not run again by the app
                return
