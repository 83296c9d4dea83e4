"""Ask for one line of text (e.g. a new playlist name), or a path (completed as a shell's tab
completes it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from mpdtui.tui.text import data_text
from mpdtui.tui.widgets.in_order_input import InOrderInput
from mpdtui.tui.widgets.path_input import PathInput
from mpdtui.tui.widgets.whole_key_footer import WholeKeyFooter

OK_KEY: list[BindingType] = [Binding("enter", "submit", "OK", key_display="enter")]
"""The answer's enter, named in the footer: it showed "esc Cancel" alone."""


class Answer(InOrderInput):
    BINDINGS: ClassVar[list[BindingType]] = OK_KEY


class PathAnswer(PathInput):
    BINDINGS: ClassVar[list[BindingType]] = OK_KEY


class PromptScreen(ModalScreen[str | None]):
    """Dismissed with the answer (None: cancelled or blank). `accept` does what the answer is
    for and says why it could not (a name taken, say); the dialog then shows why and stays
    open, the answer there to change."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "",
                 accept: Callable[[str], str | None] | None = None,
                 file_suffixes: tuple[str, ...] | None = None, blank: str | None = None) -> None:
        """`file_suffixes`: the answer is a path, to a folder or a file of these suffixes.
        `blank`: why a blank answer is refused (the dialog says it and stays open); None: a
        blank answer cancels."""
        super().__init__()
        self.blank = blank
        self.question = question
        self.value = value
        self.accept = accept
        self.file_suffixes = file_suffixes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(data_text(self.question))  # it may quote a name
            if self.file_suffixes is None:
                yield Answer(self.value, id="prompt-input")
            else:
                yield PathAnswer(self.value, file_suffixes=self.file_suffixes, id="prompt-input")
            refused = Label("", id="prompt-refused", classes="error")
            refused.display = False  # until an answer is refused
            yield refused
            tab = "tab: complete · " if self.file_suffixes is not None else ""
            yield Label(f"{tab}enter: OK · escape: cancel", classes="hint")
        yield WholeKeyFooter()  # the dialog's keys, not those of the screen beneath

    def on_mount(self) -> None:
        # the notices shown before it opened: at 80x24 they covered its field (those said while
        # it is open show)
        self.app.clear_notifications()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        answer = event.value.strip() or None
        refused = self.accept(answer) if answer is not None and self.accept else None
        if answer is None and self.blank is not None:
            refused = self.blank
        if refused:
            why = self.query_one("#prompt-refused", Label)
            why.update(data_text(refused))
            why.display = True
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)
