"""Save, discard or stay: asked before the builder lets go of a playlist with unsaved changes
(quitting, starting a new one, opening a saved one)."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from mpdtui.pipeline.display import counted
from mpdtui.tui.text import data_text, quoted_name
from mpdtui.tui.widgets.whole_key_footer import WholeKeyFooter

Choice = Literal["save", "discard", "stay"]


class UnsavedScreen(ModalScreen[Choice]):
    """Dismissed with "save", "discard" or "stay" (escape: nothing is lost by staying)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "answer('save')", "Save"),
        Binding("d", "answer('discard')", "Discard"),
        Binding("escape,c", "answer('stay')", "Cancel"),
    ]

    def __init__(self, name: str, n_tracks: int) -> None:
        super().__init__()
        self.question = (quoted_name(name) if name else "This playlist") + (
            f" ({counted(n_tracks, 'track')}) has changes that are not saved.")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(data_text(self.question))  # it quotes the name as typed
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (s)", id="save", variant="primary")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Cancel (esc)", id="stay")
        yield WholeKeyFooter()  # the dialog's keys, not those of the screen beneath

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer(str(event.button.id))

    def action_answer(self, choice: str) -> None:
        self.dismiss("save" if choice == "save" else "discard" if choice == "discard" else "stay")
