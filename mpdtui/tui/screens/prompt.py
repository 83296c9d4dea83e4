"""Ask for one line of text (e.g. a new playlist name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from mpdtui.tui.text import data_text


class PromptScreen(ModalScreen[str | None]):
    """Dismissed with the answer (None: cancelled or blank). `accept` does what the answer is
    for and says why it could not (a name taken, say); the dialog then shows why and stays
    open, the answer there to change."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "",
                 accept: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.accept = accept

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(data_text(self.question))  # it may quote a name
            yield Input(self.value, id="prompt-input")
            refused = Label("", id="prompt-refused", classes="error")
            refused.display = False  # until an answer is refused
            yield refused
            yield Label("enter: OK · escape: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        answer = event.value.strip() or None
        refused = self.accept(answer) if answer is not None and self.accept else None
        if refused:
            why = self.query_one("#prompt-refused", Label)
            why.update(data_text(refused))
            why.display = True
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)
