"""An input whose placeholder names the key that focuses it, while that key would not type
into it: focused, "Playlist name (n)" reads "Playlist name", since n now types an n."""

from __future__ import annotations

from textual.events import Blur, Focus
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
