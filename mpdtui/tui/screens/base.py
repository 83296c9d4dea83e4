"""What every screen shares: worker failures go to the app's one error reporter."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.worker import Worker


class BaseScreen(Screen[Any]):
    """Worker state changes reach the screen that started the worker (they do not bubble):
    forward failures to `MpdtuiApp.report_worker`, and let subclasses react in `worker_done`."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.report_worker(event.worker)  # type: ignore[attr-defined]
        if event.worker.is_finished:
            self.worker_done(event.worker)

    def worker_done(self, worker: Worker[Any]) -> None:
        """Called once a worker succeeded, failed or was cancelled."""

    @property
    def service(self) -> Any:
        return self.app.service  # type: ignore[attr-defined]
