"""An input whose placeholder names the key that focuses it, while that key would not type
into it: focused, "Playlist name (n)" reads "Playlist name", since n now types an n. The
builder's name is a NameInput, where `/` and `?` act while it is empty."""

from __future__ import annotations

from textual.events import Blur, Focus, Key
from textual.widgets import Input


class KeyedInput(Input):
    def __init__(self, label: str, key: str, *, id: str | None = None,
                 select_on_focus: bool = True) -> None:
        super().__init__(placeholder=self._with_key(label, key), id=id,
                         select_on_focus=select_on_focus)
        self.label, self.key = label, key

    @staticmethod
    def _with_key(label: str, key: str) -> str:
        # the key goes after the label's first part, so that a long placeholder cut at the
        # input's width still shows it ("Filter by sound (f): tempo 150-170, …")
        head, colon, rest = label.partition(":")
        return f"{head} ({key}){colon}{rest}"

    def on_focus(self, _: Focus) -> None:
        self.placeholder = self.label

    def on_blur(self, _: Blur) -> None:
        self.placeholder = self._with_key(self.label, self.key)


KEYS_WHILE_EMPTY = {"/": "screen.focus_search", "?": "app.help"}
"""What NameInput does with these keys before any name is typed, instead of typing them."""


class NameInput(KeyedInput):
    """The builder's playlist name. It has the cursor as the builder opens, so `/` and `?`
    before any name is typed are the search and help keys, not a name's first letter. `n`
    puts the cursor at the end of the name, to amend it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Playlist name", "n", id=id, select_on_focus=False)

    def takes_action(self, action: str) -> bool:
        """Whether the key of `action` ("help", "focus_search") acts here now, not types."""
        return not self.value and any(
            target.rpartition(".")[2] == action for target in KEYS_WHILE_EMPTY.values())

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Textual leaves the keys an input consumes out of the footer."""
        return self._action_of(character) is None and super().check_consume_key(key, character)

    def _action_of(self, character: str | None) -> str | None:
        return KEYS_WHILE_EMPTY.get(character or "") if not self.value else None

    async def on_key(self, event: Key) -> None:
        action = self._action_of(event.character)
        if action is not None:
            event.prevent_default()  # not typed
            event.stop()
            await self.run_action(action)

    def watch_value(self, old: str, new: str) -> None:
        if self.is_mounted and bool(old) != bool(new):  # the footer offers them while empty
            self.screen.refresh_bindings()
