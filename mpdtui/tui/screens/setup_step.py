"""What every setup step shares: title, Back/Run/Next, cancel of the running job."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.widgets import Button, Label, Static
from textual.worker import Worker

from mpdtui.pipeline.events import Event, JobFinished, is_final
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.sources import DemoSpec
from mpdtui.tui.context import SHORT_ROWS
from mpdtui.tui.jobs import JobRunner, JobUpdate, JobWaiting
from mpdtui.tui.screens.base import BaseScreen
from mpdtui.tui.text import DATA_STEP, FEATURES_STEP, LOGIN_STEP, TRAINING_STEP, data_text, in_app
from mpdtui.tui.widgets.stage_progress import StageProgress
from mpdtui.tui.widgets.whole_key_footer import WholeKeyFooter

STEP_TITLES = ("Cache directory", "Data", "Spotify (optional)", "Audio features (optional)",
               "Training")
STEP_NAMES = {1: DATA_STEP, 2: LOGIN_STEP, 3: FEATURES_STEP, 4: TRAINING_STEP}
"""How the app's messages name each step ("the setup's Spotify step (f2)"): said on it, "here"."""
STEP_BUTTONS_COLUMNS = 72
"""Narrower than this (a split pane), the step's buttons are one line high and name no keys
(the footer does), so all three stay on screen."""


class SetupStep(BaseScreen):
    """One step. Subclasses set STEP and RUN_LABEL, compose `body`, implement `run`.

    A step's work is either a job (`start_job`: ingest, features, training, in the job
    process) or a thread worker (the Spotify login); `running` is whichever is going on."""

    STEP: ClassVar[int] = 0
    RUN_LABEL: ClassVar[str] = "Run"
    JOB_GOAL: ClassVar[str | None] = None
    """The goal of this step's jobs: a job of it still running when the step opens is its."""
    HELP_SECTION = "Setup wizard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "run", "Run"),
        Binding("ctrl+n", "next", "Next"),
        Binding("escape", "back", "Back / cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cancel = threading.Event()
        self.running: Worker[Any] | JobRequest | None = None

    def compose(self) -> ComposeResult:
        titles = " › ".join(f"[b]{t}[/b]" if i == self.STEP else t
                            for i, t in enumerate(STEP_TITLES))
        yield Static(f"Setup {self.STEP + 1}/{len(STEP_TITLES)}: {titles}", id="steps")
        with VerticalScroll(id="step"):  # the title stays above what scrolls
            yield from self.body()
        # below the scrolling part: what happened and what to press stay on screen
        yield Label("", id="step-status")
        with Horizontal(id="step-buttons"):
            for button_id, (label, key) in self._buttons().items():
                yield Button(f"{label} ({key})", id=button_id,
                             variant="primary" if button_id == "run" else "default")
        yield WholeKeyFooter()

    def _buttons(self) -> dict[str, tuple[str, str]]:
        """Each button's label and key, by id."""
        last = len(STEP_TITLES) - 1 == self.STEP
        return {"back": ("Back", "esc"), "run": (self.RUN_LABEL, "ctrl+r"),
                "next": ("Finish" if last else "Next", "ctrl+n")}

    def on_resize(self, event: Resize) -> None:
        narrow, short = event.size.width < STEP_BUTTONS_COLUMNS, event.size.height < SHORT_ROWS
        for button_id, (label, key) in self._buttons().items():
            button = self.query_one(f"#{button_id}", Button)
            button.compact = narrow or short
            button.label = label if narrow else f"{label} ({key})"
        self.query_one("#step-buttons").set_class(narrow, "-narrow")
        self.set_class(short, "-short")

    def body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        request = self.jobs.request
        if request is not None and request.goal == self.JOB_GOAL:
            self._started(request)  # started before this step was last left
            self.status("Still running (escape cancels)…")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"back": self.action_back, "run": self.action_run, "next": self.action_next}[
            str(event.button.id)]()

    def demo_playlists(self) -> int:
        """The demo dataset's size: the app's option, else config.json's, else the default."""
        if self.app.options.demo_playlists:
            return self.app.options.demo_playlists
        return (self.app.attempt(self.services.data.demo_spec) or DemoSpec()).playlists

    @property
    def here(self) -> str | None:
        """How messages name this step: on it, they say "here" instead (`in_app`)."""
        return STEP_NAMES.get(self.STEP)

    def status(self, text: str) -> None:
        # data (paths) is not markup; the services' CLI hints become the app's steps
        self.query_one("#step-status", Label).update(data_text(in_app(text, self.here)))

    @property
    def jobs(self) -> JobRunner:
        return self.app.jobs

    # --- actions ---------------------------------------------------------------------------
    def action_run(self) -> None:
        if self.running is not None or self.jobs.running:
            self.notify("Still running: wait, or press escape to cancel.", severity="warning")
            return
        self.cancel = threading.Event()
        worker = self.run()
        if worker is not None:
            self._started(worker)

    def run(self) -> Worker[Any] | None:
        """Start the step's work: `start_job(request)`, or return a thread worker."""
        return None

    def start_job(self, request: JobRequest) -> None:
        if self.jobs.start(request):
            self._started(request)

    def _started(self, work: Worker[Any] | JobRequest) -> None:
        self.running = work
        self.query_one("#run", Button).disabled = True

    def _stopped(self) -> None:
        self.running = None
        self.query_one("#run", Button).disabled = False

    def worker_done(self, worker: Worker[Any]) -> None:
        if worker is self.running:
            self._stopped()
            self.job_done(worker)

    def job_done(self, worker: Worker[Any]) -> None:
        """The step's worker finished (succeeded, failed or was cancelled)."""

    def on_job_update(self, message: JobUpdate) -> None:
        if message.request is not self.running:
            return
        event = message.event
        if is_final(event):
            self._stopped()
            if not isinstance(event, JobFinished):
                for bar in self.query(StageProgress):
                    bar.stop()  # not "waiting" or at 40% (ticking on) under "Ingest stopped"
            self.job_finished(event)
        else:
            self.job_event(event)

    def on_job_waiting(self, message: JobWaiting) -> None:
        if message.request is self.running:
            self.status(f"The cache dir is busy: {message.holder}. Waiting for it to finish… "
                        "(escape stops waiting)")

    def job_event(self, event: Event) -> None:
        """A progress event of the step's job."""

    def job_finished(self, event: Event) -> None:
        """The step's job ended (`JobFinished`, or `JobFailed`: the app has said why)."""

    def action_next(self) -> None:
        if self.running is not None:
            self.notify("Still running: wait, or press escape to cancel.", severity="warning")
            return
        self.app.goto_step(self.STEP + 1)

    def action_back(self) -> None:
        if isinstance(self.running, JobRequest):
            self.jobs.cancel()
            self.status("Cancelling…")
            return
        if self.running is not None:
            self.cancel.set()
            self.status("Cancelling…")
            return
        self.app.step_back(self.STEP)
