"""An input whose placeholder names the key that focuses it, while that key would not type
into it: focused, "Playlist name (n)" reads "Playlist name", since n now types an n. The
builder's name is a NameInput, where `/` and `?` act while it is empty; its search a
SearchInput, which leaves several Spotify links pasted at once to the builder, to add."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.events import Blur, Focus, Key, Paste

from mpdtui.data.mpd_validation import linked_track_uri
from mpdtui.tui.widgets.in_order_input import InOrderInput


class KeyedInput(InOrderInput):
    """`label`: the placeholder; shorter ones after it (`shorter`) show where it does not fit."""

    def __init__(self, label: str, key: str, *, id: str | None = None,
                 select_on_focus: bool = True, shorter: tuple[str, ...] = ()) -> None:
        super().__init__(placeholder=self._with_key(label, key), id=id,
                         select_on_focus=select_on_focus)
        self.label, self.key, self.labels = label, key, (label, *shorter)
        self.fit_placeholder(*(self._with_key(text, key) for text in self.labels))

    @staticmethod
    def _with_key(label: str, key: str) -> str:
        # the key goes after the label's first part, so that a long placeholder cut at the
        # input's width still shows it ("Filter by sound (f): tempo 150-170, …")
        head, colon, rest = label.partition(":")
        return f"{head} ({key}){colon}{rest}"

    def on_focus(self, event: Focus) -> None:
        self.fit_placeholder(*self.labels)
        if not self.select_on_focus and not event.from_app_focus:
            # a field to amend (the name, the filter): the cursor at its end, wherever it was
            # when its text was last set by the app (a playlist opened, a rename)
            self.cursor_position = len(self.value)

    def on_blur(self, _: Blur) -> None:
        self.fit_placeholder(*(self._with_key(text, self.key) for text in self.labels))


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


def pasted_links(text: str) -> list[str]:
    """The track URIs of the Spotify links (or URIs) in pasted text, one a line or word."""
    return [uri for word in text.split() if (uri := linked_track_uri(word)) is not None]


class SearchInput(KeyedInput):
    """The builder's search. One link pasted finds its track; several (tracks copied in
    Spotify's app) are not typed: the paste goes on to the builder, which adds them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Input's own enter, named in the footer: a new user saw results and no key adding them
        Binding("enter", "submit", "Add best", key_display="enter"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Search tracks, artists, albums", "/", id=id)

    def _on_paste(self, event: Paste) -> None:
        """Textual calls each class's handler in turn: Input's types the paste (its first line)
        and stops it, unless it is prevented here."""
        if len(pasted_links(event.text)) >= 2:
            event.prevent_default()  # not typed; it bubbles on to the builder
