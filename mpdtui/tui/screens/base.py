"""What every screen shares: worker failures go to the app's one error reporter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ScreenStackError
from textual.screen import Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:  # the app imports the screens; for the checker only
    from textual import getters

    from mpdtui.services.root import Services
    from mpdtui.tui.context import MpdtuiAppBase

FINISHED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)


class BaseScreen(Screen[Any]):
    """Worker state changes reach the screen that started the worker (they do not bubble):
    forward failures to `MpdtuiAppBase.report_worker`, and let subclasses react in `worker_done`."""

    if TYPE_CHECKING:
        app = getters.app(MpdtuiAppBase)

    HELP_SECTION: ClassVar[str | None] = None
    """The help's section for this screen, which `?` and f1 open at (None: the top)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.report_worker(event)
        if event.state in FINISHED:  # the event's: the worker may have finished since
            self.worker_done(event.worker)

    def worker_done(self, worker: Worker[Any]) -> None:
        """Called once a worker succeeded, failed or was cancelled."""

    @property
    def services(self) -> Services:
        return self.app.ready_services

    @property
    def on_top(self) -> bool:
        """The screen the keys go to, none over it. Textual's `is_current` is also true for
        the screen just beneath the top one (it "may be visible" through it), so the builder
        under the saved playlists took their delete for one in another terminal."""
        try:
            return self.app.screen is self
        except ScreenStackError:
            return False
