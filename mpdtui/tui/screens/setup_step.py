"""What every setup step shares: title, Back/Run/Next, cancel of the running job."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Label, Static
from textual.worker import Worker

from mpdtui.tui.screens.base import BaseScreen

STEP_TITLES = ("Cache directory", "Data", "Spotify (optional)", "Audio features (optional)",
               "Training")


def setup_steps() -> list[type[SetupStep]]:
    from mpdtui.tui.screens.setup_cache import CacheStep
    from mpdtui.tui.screens.setup_data import DataStep
    from mpdtui.tui.screens.setup_features import FeaturesStep
    from mpdtui.tui.screens.setup_spotify import SpotifyStep
    from mpdtui.tui.screens.setup_training import TrainingStep

    return [CacheStep, DataStep, SpotifyStep, FeaturesStep, TrainingStep]


class SetupStep(BaseScreen):
    """One step. Subclasses set STEP and RUN_LABEL, compose `body`, implement `run`."""

    STEP: ClassVar[int] = 0
    RUN_LABEL: ClassVar[str] = "Run"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "run", "Run"),
        Binding("ctrl+n", "next", "Next"),
        Binding("escape", "back", "Back / cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cancel = threading.Event()
        self.running: Worker[Any] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="step"):
            titles = " › ".join(f"[b]{t}[/b]" if i == self.STEP else t
                                for i, t in enumerate(STEP_TITLES))
            yield Static(f"Setup {self.STEP + 1}/{len(STEP_TITLES)}: {titles}", id="steps")
            yield from self.body()
            yield Label("", id="step-status")
            with Horizontal(id="step-buttons"):
                yield Button("Back (esc)", id="back")
                yield Button(f"{self.RUN_LABEL} (ctrl+r)", id="run", variant="primary")
                last = len(STEP_TITLES) - 1 == self.STEP
                next_label = "Finish" if last else "Next"
                yield Button(f"{next_label} (ctrl+n)", id="next")
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"back": self.action_back, "run": self.action_run, "next": self.action_next}[
            str(event.button.id)]()

    def status(self, text: str) -> None:
        self.query_one("#step-status", Label).update(text)

    # --- actions ---------------------------------------------------------------------------
    def action_run(self) -> None:
        if self.running is not None:
            self.notify("Still running: wait, or press escape to cancel.", severity="warning")
            return
        self.cancel = threading.Event()
        worker = self.run()
        if worker is not None:
            self.running = worker
            self.query_one("#run", Button).disabled = True

    def run(self) -> Worker[Any] | None:
        """Start the step's job (a thread worker) and return it; None when nothing to do."""
        return None

    def worker_done(self, worker: Worker[Any]) -> None:
        if worker is self.running:
            self.running = None
            self.query_one("#run", Button).disabled = False
            self.job_done(worker)

    def job_done(self, worker: Worker[Any]) -> None:
        """The job finished (succeeded, failed or was cancelled): show where things stand."""

    def action_next(self) -> None:
        if self.running is not None:
            self.notify("Still running: wait, or press escape to cancel.", severity="warning")
            return
        self.app.goto_step(self.STEP + 1)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        if self.running is not None:
            self.cancel.set()
            self.status("Cancelling…")
            return
        self.app.goto_step(self.STEP - 1)  # type: ignore[attr-defined]
