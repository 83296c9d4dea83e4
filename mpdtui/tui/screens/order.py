"""Order the playlist for flow: each way to order it, with what it would change."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

TITLES = {None: "Smooth: compatible keys, close tempos", "rise": "Energy rising",
          "fall": "Energy falling"}
KEYS = {None: "smooth", "rise": "rise", "fall": "fall"}
EXPLAIN = ("Neighbours in compatible keys (the same, one step on the Camelot wheel, or the "
           "relative major/minor) with close tempos. The first track stays first.")


class OrderScreen(ModalScreen[Any]):
    """Dismisses with the chosen `FlowResult`, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel"),
        Binding("j", "down", show=False),
        Binding("k", "up", show=False),
    ]

    def __init__(self, results: dict[Any, Any]) -> None:
        super().__init__()
        self.results = results  # direction -> FlowResult

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="order"):
            yield Label("Order the playlist for flow:")
            yield OptionList(*(self._option(direction, result)
                               for direction, result in self.results.items()), id="orders")
            yield Label(EXPLAIN, classes="hint")

    @staticmethod
    def _option(direction: Any, result: Any) -> Option:
        text = Text(TITLES[direction], style="bold")
        for line in result.summary_lines():
            text.append(f"\n  {line}", style="")
        return Option(text, id=KEYS[direction])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = next(d for d, key in KEYS.items() if key == event.option.id)
        self.dismiss(self.results[chosen])

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
