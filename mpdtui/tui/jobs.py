"""The app's long jobs: one job process at a time, its events turned into Textual messages.

The job runs in a child process (`mpdtui.pipeline.client`): TensorFlow, process pools and
native log lines stay out of the app's process. A thread worker reads the job's events and
posts each as a `JobUpdate` to every screen on the stack; the job outlives the screen that
started it (training goes on while the builder is open), and quitting the app stops it at a
resumable point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message
from textual.timer import Timer
from textual.worker import get_current_worker

from mpdtui.pipeline.client import JobProcess
from mpdtui.pipeline.events import (
    Event,
    JobFailed,
    StageFinished,
    StageProgress,
    StageStarted,
    is_final,
)
from mpdtui.pipeline.lock import current_holder, is_locked
from mpdtui.pipeline.request import JobRequest

if TYPE_CHECKING:
    from textual.app import App

    from mpdtui.locations import Locations

WAIT_POLL_S = 1.0
JOB_NICENESS = 5
"""The app's jobs yield the CPU to the app itself: the screen stays responsive on few cores."""


@dataclass
class JobUpdate(Message):
    """One event of the running job (`request` says which job)."""

    request: JobRequest
    event: Event


@dataclass
class JobWaiting(Message):
    """The cache dir is busy with another writer: the job starts when it is free."""

    request: JobRequest
    holder: str


def cache_dir_unusable(root: Path, exc: OSError) -> str:
    """Why a job could not start in the cache dir `root` (made, locked, its log written), and
    the way on."""
    from mpdtui.data.files import file_in_the_way

    blocker = file_in_the_way(root)
    why = (f"cannot be made: {blocker} is a file" if blocker is not None
           else f"cannot be written: {exc.filename or root}: {exc.strerror or exc}")
    return f"the cache dir {root} {why}: choose another folder at the setup's first step"


class JobRunner:
    """Starts the app's jobs and relays their events; at most one runs at a time."""

    def __init__(self, app: App[None], locations: Callable[[], Locations],
                 on_event: Callable[[JobRequest, Event], None]) -> None:
        """`locations`: the app's cache dir now; `on_event` sees every event first."""
        self.app, self._locations, self._on_event = app, locations, on_event
        self.process: JobProcess | None = None
        self.request: JobRequest | None = None
        self.waiting: JobRequest | None = None
        self._wait_timer: Timer | None = None
        self.started = 0
        """Jobs started so far: the models a job of this app saved are not another process's."""

    @property
    def running(self) -> bool:
        return self.request is not None

    def start(self, request: JobRequest) -> bool:
        """Start `request` now (False when another of this app's jobs runs). When another
        process holds the cache dir, the job waits for it (`JobWaiting`), then starts."""
        if self.running:
            return False
        self.request = request
        self.started += 1
        try:
            busy = is_locked(self._locations())
        except OSError as exc:  # its lock cannot be there: a file is where the cache dir goes
            self._cannot_start(request, exc)
            return True
        if busy:
            self._wait(request)
        else:
            self._launch(request)
        return True

    def cancel(self) -> None:
        """Ask the job to stop at a resumable point (or stop waiting for the cache dir)."""
        if self.waiting is not None:
            request = self.waiting
            self._stop_waiting()
            self._deliver(request, JobFailed("cancelled", "stopped waiting for the cache dir"))
        elif self.process is not None:
            self.process.cancel()

    def close(self) -> None:
        """The app quits: the job stops at a resumable point (it resumes next time)."""
        if self.process is not None:
            self.process.cancel()
            self.process.close()

    # --- inside -----------------------------------------------------------------------------
    def _launch(self, request: JobRequest) -> None:
        try:
            self.process = JobProcess.start(self._locations(), request, nice=JOB_NICENESS)
        except OSError as exc:  # the cache dir cannot be made or written: a traceback ended the app
            self._cannot_start(request, exc)
            return
        self.app.run_worker(lambda: self._relay(request), thread=True, group="job",
                            description=f"job: {request.describe()}", exit_on_error=False)

    def _cannot_start(self, request: JobRequest, exc: OSError) -> None:
        failure = JobFailed("user", cache_dir_unusable(self._locations().root, exc))
        # once the step has taken the job as its own: it says why, no notification over it
        self.app.call_later(self._deliver, request, failure)

    def _relay(self, request: JobRequest) -> None:
        """Thread worker: every event of the job to the screens, in order."""
        assert self.process is not None
        worker = get_current_worker()
        for event in self.process.events():
            if worker.is_cancelled:
                self.process.cancel()
            self.app.call_from_thread(self._deliver, request, event)

    def _deliver(self, request: JobRequest, event: Event) -> None:
        if is_final(event):
            self.process = None
            self.request = None
        self._on_event(request, event)
        self._broadcast(lambda: JobUpdate(request, event))

    def _broadcast(self, message: Callable[[], Message]) -> None:
        """A message of its own to each screen on the stack (the job outlives screens)."""
        for screen in list(self.app.screen_stack):
            screen.post_message(message())

    def _wait(self, request: JobRequest) -> None:
        self.waiting = request
        holder = current_holder(self._locations())
        who = holder.describe() if holder else "another mpdtui"
        self._broadcast(lambda: JobWaiting(request, who))
        self._wait_timer = self.app.set_interval(WAIT_POLL_S, self._poll_lock)

    def _poll_lock(self) -> None:
        if self.waiting is not None and not is_locked(self._locations()):
            request = self.waiting
            self._stop_waiting()
            self._launch(request)

    def _stop_waiting(self) -> None:
        if self._wait_timer is not None:
            self._wait_timer.stop()
            self._wait_timer = None
        self.waiting = None


class Headline:
    """A few words on what the job does now, for the header: each running stage's (two may run
    at once: "two_tower 40% · als 12%"), in the order they started."""

    def __init__(self) -> None:
        self.running: dict[str, str] = {}
        self.first_units: dict[str, str] = {}

    def update(self, event: Event) -> str | None:
        """The header's words after `event` (None: keep the last ones)."""
        if isinstance(event, StageStarted):
            self.running[event.stage] = f"{event.title}…"
        elif isinstance(event, StageProgress):
            share = f" {100 * event.done / event.total:.0f}%" if event.total else ""
            self.running[event.stage] = f"{event.stage}{self._phase(event)}{share}"
        elif not isinstance(event, StageFinished) or self.running.pop(event.stage, None) is None:
            return None
        return " · ".join(self.running.values()) or None

    def _phase(self, event: StageProgress) -> str:
        """" rounds" once a stage counts other units than it began with (the ranker's
        validation playlists, then its rounds): its share starts again, and says of what."""
        first = self.first_units.setdefault(event.stage, event.unit)
        return f" {event.unit}" if event.unit and event.unit != first else ""
