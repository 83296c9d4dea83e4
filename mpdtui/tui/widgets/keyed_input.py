"""An input whose placeholder names the key that focuses it, while that key would not type
into it: focused, "Playlist name (n)" reads "Playlist name", since n now types an n."""

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


class NameInput(KeyedInput):
    """The builder's playlist name. It has the cursor as the builder opens, so `/` before any
    name is typed is the search key the search box names, not a name's first letter. `n`
    puts the cursor at the end of the name, to amend it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Playlist name", "n", id=id, select_on_focus=False)

    async def on_key(self, event: Key) -> None:
        if event.character == "/" and not self.value:
            event.prevent_default()  # not typed
            event.stop()
            await self.run_action("screen.focus_search")

    def watch_value(self, old: str, new: str) -> None:
        if self.is_mounted and bool(old) != bool(new):  # the footer offers `/` while empty
            self.screen.refresh_bindings()
