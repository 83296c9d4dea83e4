"""The builder's playlist name as a save or an export needs it: one, that no other saved
playlist has. Without it the cursor goes to the name, and what asked for it waits there:
enter in the name goes on with it (the save that a quit asked for, then the quit), while
leaving the name another way drops it."""

from __future__ import annotations

from collections.abc import Callable

from textual.events import DescendantBlur
from textual.widgets import Input

from mpdtui.printable import printable
from mpdtui.tui.screens.builder_filter import BuilderFilter
from mpdtui.tui.text import quoted_name


class BuilderNaming(BuilderFilter):
    """The name a save or an export needs, asked for and waited for."""

    editing: int | None = None
    """The id of the saved playlist on screen (opened or saved), None for a new one."""
    _when_named: Callable[[], object] | None = None
    """What waits for the name being typed (a save, an export): enter in the name runs it."""

    def _name_or_wait(self, then: Callable[[], object]) -> str | None:
        """The name to save under, or None: the cursor in the name, `then` waiting for it."""
        name = self._playlist_name()
        if name is None or self._name_taken(name):
            self._when_named = then
            return None
        return name

    # Textual calls these beside BuilderScreen's own handlers, which move the cursor on
    def on_input_submitted(self, event: Input.Submitted) -> None:
        waiting, self._when_named = self._when_named, None
        if waiting is not None and event.input.id == "name" and event.value.strip():
            waiting()

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        if event.widget.id == "name":  # left without enter: the save or export given up
            self._when_named = None

    def _playlist_name(self) -> str | None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.notify("Give the playlist a name first: type it, then enter (the cursor is in "
                        "the name).", severity="warning")
            self.query_one("#name", Input).focus()
            return None
        return name

    def _name_taken(self, name: str) -> bool:
        """Whether another saved playlist has this name (saving would replace its tracks);
        says so, and what to do. Also true when the saved playlists cannot be read (a full
        disk, say): the app has said why, once."""
        looked_up = self.app.attempt(lambda: (self.services.playlists.find(name),))
        if looked_up is None:
            return True
        other = looked_up[0]
        if other is None or other.id == self.editing:
            return False
        count = len(other.tracks)
        self.notify(printable(f"{quoted_name(other.name)} is saved already ({count:,} track"
                              f"{'s' * (count != 1)}): type another name for this playlist (the "
                              "cursor is in the name), or open that one to change it (esc, p)."),
                    severity="warning", markup=False, timeout=8)
        self.query_one("#name", Input).focus()
        return True
