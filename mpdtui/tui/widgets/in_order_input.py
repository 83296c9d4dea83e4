"""The app's text fields: keys act in the order they were typed, editing keys included."""

from __future__ import annotations

from textual.events import Key
from textual.widgets import Input


class InOrderInput(Input):
    """An Input whose own bound keys (backspace, the arrows, ctrl+u, enter, tab where bound)
    act in turn with the letters typed around them.

    Textual types a letter in the field's own key handler, but runs a bound key's action only
    once the key has bubbled up to the app. Keys that arrive together (a fast typist, a key
    macro, a machine busy training) then act out of order: "ab", backspace, "c" gave "ab"
    (Textual issue 6605). Here the field's own bindings run in its key handler, as typing
    does; keys bound elsewhere (the screen's, the app's) bubble on as before."""

    async def _on_key(self, event: Key) -> None:
        # Textual calls each class's handler in turn: Input's, which types, comes next
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()  # not typed, and not run again by the app
                return
