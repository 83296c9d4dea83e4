"""Order the playlist for flow: each way to order it, with what it would change.

The orders are computed by a thread worker when the dialog opens, each shown as it is ready
(a long playlist's take seconds each); choosing one dismisses the dialog with its `FlowResult`
(None on escape).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from models.progress import Cancelled
from mpdtui.tui.widgets.whole_key_footer import WholeKeyFooter

if TYPE_CHECKING:  # the app imports the screens; for the checker only
    from textual import getters

    from mpdtui.audio.flow import Direction, FlowResult
    from mpdtui.tui.context import MpdtuiAppBase

TITLES: dict[Direction, str] = {None: "Smooth: compatible keys, close tempos", "rise": "Energy rising",
          "fall": "Energy falling"}
KEYS: dict[Direction, str] = {None: "smooth", "rise": "rise", "fall": "fall"}
EXPLAIN = ("Neighbours in compatible keys (the same, one step on the Camelot wheel, or the "
           "relative major/minor) with close tempos. The first track stays first.")
KEYS_HINT = "enter: reorder the playlist this way (u undoes it) · escape: leave it as it is"


class OrderScreen(ModalScreen["FlowResult | None"]):
    """Dismisses with the chosen `FlowResult`, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel"),
        Binding("j", "down", show=False),
        Binding("k", "up", show=False),
    ]
    if TYPE_CHECKING:
        app = getters.app(MpdtuiAppBase)

    @dataclass
    class Planned(Message):
        """One way to order the tracks."""

        direction: Direction
        result: FlowResult

    def __init__(self, track_ids: list[int]) -> None:
        super().__init__()
        self.track_ids = track_ids
        self.results: dict[Direction, FlowResult] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="order"):
            yield Label("Order the playlist for flow:")
            yield OptionList(id="orders")
            yield Label("working out the orders…", id="order-hint", classes="hint")
        yield WholeKeyFooter()  # the dialog's keys, not those of the screen beneath

    def on_mount(self) -> None:
        self._plan()

    @work(thread=True, exclusive=True, exit_on_error=False, group="flow", description="flow")
    def _plan(self) -> None:
        from mpdtui.audio.flow import DIRECTIONS

        services = self.app.ready_services
        worker = get_current_worker()
        try:
            for direction in DIRECTIONS:  # the dialog closed (or the app): none is wanted
                self.post_message(self.Planned(direction, services.audio.order_tracks(
                    self.track_ids, direction, stop=lambda: worker.is_cancelled)))
        except Cancelled:
            return

    def on_order_screen_planned(self, message: Planned) -> None:
        from mpdtui.audio.flow import DIRECTIONS

        self.results[message.direction] = message.result
        options = self.query_one(OptionList)
        options.add_option(self._option(message.direction, message.result))
        if len(self.results) == 1:
            options.highlighted = 0
            options.focus()
        hint = f"working out the orders… ({len(self.results)} of {len(DIRECTIONS)} ready)"
        if len(self.results) == len(DIRECTIONS):
            unchanged = not any(result.changed for result in self.results.values())
            hint = "Already in the best order found. " + EXPLAIN if unchanged else EXPLAIN
        # the keys first: a short pane cuts the dialog's end
        self.query_one("#order-hint", Label).update(f"{KEYS_HINT}\n{hint}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.report_worker(event)
        if event.state == WorkerState.ERROR:
            self.dismiss(None)  # e.g. no features: the app says why

    @staticmethod
    def _option(direction: Direction, result: FlowResult) -> Option:
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
