"""The app as its screens see it: the options, the cache dir's services, the job runner,
one error reporter, and the navigation the screens ask for (`MpdtuiApp` implements it).
Screens and the palette import this module, never `tui.app`, which imports them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from textual.app import ScreenStackError
from textual.events import Resize
from textual.worker import Worker, WorkerState

import mpdtui.advice
from mpdtui.errors import UserError, user_line
from mpdtui.locations import Locations, closed_error, closed_to_this_user, default_export_dir
from mpdtui.pipeline.display import spotify_import_said
from mpdtui.pipeline.events import Event, JobFailed, JobFinished, ModelSaved, Notice, is_final
from mpdtui.pipeline.request import JobRequest
from mpdtui.printable import printable
from mpdtui.spotify.unsaved import UNSAVED
from mpdtui.tui.jobs import Headline, JobRunner
from mpdtui.tui.key_order import KeysInOrder
from mpdtui.tui.text import DATA_STEP, FEATURES_STEP, TRAINING_STEP, in_app

RESUMED_AT = {"setup": TRAINING_STEP, "evaluate": TRAINING_STEP, "data": DATA_STEP,
              "features": FEATURES_STEP}
"""The setup step that runs a job of each goal again (the Spotify import has none)."""

if TYPE_CHECKING:
    from mpdtui.services.root import Services
    from mpdtui.tui.screens.confirm import ConfirmScreen

SHORT_ROWS = 20
"""Below this many rows (a terminal split across), text fields and buttons take one line, so
that lists and a step's field keep rows under the titles (at 80x12 the builder had no list
rows): the app, the builder and the setup steps get the class `-short`."""

NARROW_COLUMNS = 64
"""Below this many columns (a pane split down), two panes side by side go one above the
other: the builder's playlist above the suggestions (at 45 columns the suggestions were 13
cells wide), the saved playlists' list above the preview (at 50, names 3 cells wide)."""

TURNS_ROWS = 24
"""Below this many rows, narrow, the builder's search results and suggestions take turns
while a search is typed (the results while the cursor is in the search or them): at 60x20 the
results' rows pushed the suggestions' bottom border, the sound filter and the status line
below the screen."""

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class AppOptions:
    """Choices the CLI leaves at their defaults and tests change."""

    demo_playlists: int | None = None
    """Size of the demo dataset the data step generates (None: the services' default)."""
    demo_seed: int = 0
    train_models: tuple[str, ...] | None = None
    """Models ticked in the training step (None: every model)."""
    export_dir: Path | None = None
    """Where file exports go (None: config.json's `export_dir`, else the default folder;
    the export dialog sets it for the session and in config.json)."""
    open_browser: bool = True
    """Open web pages in a browser where one can open (the Spotify login, a track's page);
    else only show (and copy) their links."""


class MpdtuiAppBase(KeysInOrder):
    """State and services shared by every screen; navigation is the subclass's."""

    SUB_TITLE = "playlist assistant"  # the header's second line when no job runs

    def __init__(self, locations: Locations, options: AppOptions | None = None,
                 services: Services | None = None) -> None:
        super().__init__()
        self.locations = locations
        self.options = options or AppOptions()
        self.services: Services | None = services
        self.jobs = JobRunner(self, lambda: self.locations, self.job_event)
        self.stopping = threading.Event()
        """Set as the app closes: work in its threads (a Spotify export waiting out a rate
        limit) stops at a resumable point, rather than hold the closed app's process."""
        self.spotify_export_stop: threading.Event | None = None
        """Set to stop the export to Spotify that runs (the palette's command); None: none."""
        self.job_headline = Headline()
        self._leave_question: ConfirmScreen | None = None
        """Quitting's question while a job runs, until answered."""
        self.data_path_given = ""
        """The MPD's path, given at the cache step by a slip: the data step's field takes it."""
        self.features_csv_offered = ""
        """A playlist file imported that holds its tracks' audio features (Exportify's): the
        features step's field has it ready, until a job imports it."""

    @property
    def ready_services(self) -> Services:
        """The services, for what is only opened once they are ready (screens, exports)."""
        assert self.services is not None, "opened once the services are ready"
        return self.services

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.height < SHORT_ROWS, "-short")

    # --- navigation (implemented by `MpdtuiApp`, which knows the screens) -------------------
    def goto_step(self, index: int) -> None:
        """Show setup step `index`; before the first, back to the builder; after the last,
        the builder."""
        raise NotImplementedError

    def step_back(self, index: int) -> None:
        """Back from setup step `index`."""
        raise NotImplementedError

    def open_builder(self) -> None:
        raise NotImplementedError

    def action_help(self) -> None:
        raise NotImplementedError

    def action_setup(self, step: int = 0) -> None:
        if self.services is not None:
            self.goto_step(step)

    def use_cache_dir(self, path: str) -> None:
        """Switch this session to another cache directory."""
        from mpdtui.services.root import open_services

        if self.jobs.running:
            raise OSError(0, "a job is still running in the current folder")
        locations = Locations.resolve(path).ensure(remake=True)  # an OSError leaves the session as it was
        if (closed := closed_to_this_user(locations)) is not None:  # another user's files
            raise closed_error(locations, closed)
        self.locations, self.services = locations, open_services(locations)
        mpdtui.advice.name_cache_dir(locations.root)  # in the commands its messages quote

    # --- jobs ------------------------------------------------------------------------------
    def job_event(self, request: JobRequest, event: Event) -> None:
        """Every event of the app's job, before the screens get it: the header says what
        runs, the services forget what the job changed, failures are reported."""
        if isinstance(event, ModelSaved) and self.services is not None:
            self.services.forget_models()
        if isinstance(event, Notice) and event.message.startswith(UNSAVED):  # a step's status
            self.notify(printable(self.in_app(event.message)), markup=False,  # would go over it
                        severity="warning", timeout=30)
        if is_final(event):
            self.sub_title = self.SUB_TITLE
            self.job_headline = Headline()
            if self.services is not None and request.goal != "evaluate":
                self.services.forget_loaded()
            if isinstance(event, JobFailed) and not self._said_by_its_step(request, event):
                self.report_failure(event, request)
            elif (request.goal == "import_spotify" and isinstance(event, JobFinished)
                  and event.summary.get("spotify")):
                said = spotify_import_said(event.summary["spotify"], request.spotify_training)
                self.notify(printable(said[:1].upper() + said[1:]), markup=False, timeout=12)
            if self._leave_question is not None:  # it asked about stopping the job: ended now
                self._leave_question.ask_instead(
                    f"The {request.describe()} has ended: quitting stops nothing now. Quit?")
            return
        words = self.job_headline.update(event)
        if words:  # "training: als 40%"; "ingest 70%", not "ingest: ingest 70%"
            what = request.describe()
            self.sub_title = words if words.startswith(what) else f"{what}: {words}"

    def _said_by_its_step(self, request: JobRequest, failure: JobFailed) -> bool:
        """Whether the setup step on screen ran this job and says in its status line why it
        stopped: a notification would repeat that, over the line, for 12 s."""
        return (failure.reason in ("user", "cancelled")
                and getattr(self.screen, "running", None) is request)

    def action_stop_job(self) -> None:
        """Stop the running job at a resumable point (the palette's command): training left
        to run behind the builder, the saved playlists' Spotify import."""
        request = self.jobs.request
        if request is None:
            self.notify("No job is running.")
            return
        self.jobs.cancel()
        self.notify(f"Stopping the running job ({request.describe()}) where it can resume…")

    def action_stop_export(self) -> None:
        """Stop the export to Spotify where it can resume (the palette's command): a long rate
        limit's wait could be left only by quitting."""
        if self.spotify_export_stop is None:
            self.notify("No export to Spotify is running.")
            return
        self.spotify_export_stop.set()
        self.notify("Stopping the export to Spotify where it can resume…")

    def report_failure(self, failure: JobFailed, request: JobRequest | None = None) -> None:
        """A job that stopped before its end. A cancelled or killed one says where it resumes:
        "run it again" said nothing of where, over the builder (the palette's Stop), and f2
        opened the first step."""
        step = None if request is None else RESUMED_AT.get(request.goal)
        resume = (f"continue it at {step}" if step else "run it again to resume")
        if failure.reason == "cancelled":
            self.notify(f"Cancelled. What was finished is kept: {resume}.", severity="warning")
        elif failure.reason in ("user", "busy"):
            self.notify(printable(self.in_app(failure.message)), title="Could not finish", severity="error",
                        markup=False, timeout=12)
        elif failure.reason == "killed":
            said = failure.message.replace("run it again to resume", resume)
            self.notify(printable(said), title="Stopped", severity="error", markup=False,
                        timeout=15)
        else:
            self.log.error(failure.details)
            self.notify(printable(f"{in_app(failure.message)} (details: {self.locations.job_log})"),
                        title="Unexpected error", severity="error", markup=False, timeout=15)

    def leave(self) -> None:
        """Quit; while a job runs, after asking, since quitting stops it."""
        from mpdtui.tui.screens.confirm import ConfirmScreen

        if self._leave_question is not None:
            return  # ctrl+q while asked: the question stands
        request = self.jobs.request
        if request is None:
            self.exit()
            return
        running = (f"{request.describe()}: waiting for the cache dir" if self.jobs.waiting
                   else self.sub_title if self.sub_title != self.SUB_TITLE else request.describe())
        question = (f"{running[:1].upper()}{running[1:]}. Quit and stop it? What is finished "
                    "is kept: run it again to continue from there.")

        def answered(stop: bool | None) -> None:
            self._leave_question = None
            if stop:
                self.exit()

        self._leave_question = ConfirmScreen(question)
        self.push_screen(self._leave_question, answered)

    def on_unmount(self) -> None:
        self.stopping.set()
        if self.spotify_export_stop is not None:
            self.spotify_export_stop.set()
        self.jobs.close()  # the job stops at a resumable point and continues next time

    def export_folder(self) -> Path:
        """Where files the app writes go: the app's option (tests), else config.json's
        `export_dir` (a damaged config.json is said and the default used)."""
        chosen = self.options.export_dir
        if chosen is None and self.services is not None:
            chosen = self.attempt(self.services.playlist_files.export_folder)
        return chosen or default_export_dir()

    # --- errors ----------------------------------------------------------------------------
    def in_app(self, text: str) -> str:
        """A service's message in the app's words (`text.in_app`), "here" for the step on
        screen where it names that step."""
        try:
            here = getattr(self.screen, "here", None)
        except ScreenStackError:  # no screen yet, or none left
            here = None
        return in_app(text, here)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker(event)

    def report_worker(self, changed: Worker.StateChanged) -> None:
        """The one place a failed worker becomes a notification (never a crash). The event's
        state, not the worker's: a worker that fails at once is ERROR already when its
        PENDING and RUNNING events are handled, and each said it again."""
        if changed.state != WorkerState.ERROR:
            return
        from models.progress import Cancelled

        worker = changed.worker
        error = worker.error
        if isinstance(error, Cancelled):
            self.notify("Cancelled. What was finished is kept: run it again to resume.",
                        severity="warning")
        elif isinstance(error, _user_fixable()):
            self.notify(printable(self.in_app(user_line(error))), title="Could not finish",
                        severity="error", markup=False, timeout=12)
        else:
            self.log.error(f"worker {worker.description!r} failed", error)
            self.notify(printable(f"{type(error).__name__}: {error}"), title="Unexpected error",
                        severity="error", markup=False, timeout=15)

    def take_down_notes(self, opening: str) -> None:
        """Take down the notes that start with `opening`: a newer one says it now (`m`
        pressed four times had left four notes over the suggestions, three of them stale)."""
        for notification in list(self._notifications):
            if notification.message.startswith(opening):
                self._unnotify(notification)

    def attempt(self, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        """Run a quick service call on the UI thread; a user-fixable error becomes a
        notification and the result None."""
        try:
            return call(*args, **kwargs)
        except _user_fixable() as exc:
            self.notify(printable(self.in_app(user_line(exc))), title="Could not do that",
                        severity="error", markup=False)
            return None

    def refusal(self, call: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> str | None:
        """Run a quick service call on the UI thread: None when it was done, else its
        user-fixable error in words, for a dialog that shows it and stays open to fix the
        answer."""
        try:
            call(*args, **kwargs)
        except _user_fixable() as exc:
            return printable(self.in_app(user_line(exc)))
        return None


def _user_fixable() -> tuple[type[Exception], ...]:
    """What a quick service call raises for the user to fix (OSError: a full disk, say; a
    file of another format version, or one being written as it is read: a catalog that an
    ingest replacing the data there has only just created)."""
    from models.model_dir import ModelFormatError
    from mpdtui.data.files import FormatVersionError

    return (UserError, ModelFormatError, FormatVersionError, OSError)
