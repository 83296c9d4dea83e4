"""The mpdtui Textual app and its factory `create_app`, used by the CLI and the tests.

First paint comes before any heavy import: the app shows a loading line, then a thread worker
imports and opens the application service (numpy, scipy, SQLite) and picks the first screen.
TensorFlow and implicit load only when a model that needs them is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, TypeVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from mpdtui.locations import Locations
from mpdtui.pipeline.events import Event, JobFailed, ModelSaved, is_final
from mpdtui.pipeline.request import JobRequest
from mpdtui.printable import printable
from mpdtui.tui.commands import MpdtuiCommands
from mpdtui.tui.jobs import JobRunner, headline
from mpdtui.tui.messages import ServiceReady
from mpdtui.tui.text import in_app

if TYPE_CHECKING:
    from mpdtui.service import AppService

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class AppOptions:
    """Choices the CLI leaves at their defaults and tests change."""

    demo_playlists: int | None = None
    """Size of the demo dataset the data step generates (None: the service's default)."""
    demo_seed: int = 0
    train_models: tuple[str, ...] | None = None
    """Models ticked in the training step (None: every model)."""
    export_dir: Path | None = None
    """Where file exports go (None: config.json's `export_dir`, else the default folder;
    the export dialog sets it for the session and in config.json)."""
    open_browser: bool = True
    """Open the Spotify login page in a browser (else only show its URL)."""


class MpdtuiApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses may live anywhere
    TITLE = "mpdtui"
    SUB_TITLE = "playlist assistant"
    COMMANDS = App.COMMANDS | {MpdtuiCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f2", "setup", "Setup"),
        Binding("ctrl+q", "quit", "Quit", show=False),
    ]

    def __init__(self, locations: Locations, options: AppOptions | None = None,
                 service: AppService | None = None) -> None:
        super().__init__()
        self.locations = locations
        self.options = options or AppOptions()
        self.service: AppService | None = service
        self.jobs = JobRunner(self)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Loading mpdtui… (cache: {self.locations.root})", id="loading")
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self._open_service)

    @work(thread=True, exclusive=True, exit_on_error=False, group="startup",
          description="opening the data")
    def _open_service(self) -> None:
        if self.service is None:
            from mpdtui.service import AppService

            self.service = AppService(self.locations)
        self.post_message(ServiceReady(self.service, not self.service.has_data()))

    def on_service_ready(self, message: ServiceReady) -> None:
        if message.first_run:
            self.goto_step(0)
        else:
            self.open_builder()

    # --- navigation ----------------------------------------------------------------------
    def open_builder(self) -> None:
        from mpdtui.tui.screens.builder import BuilderScreen

        self.push_screen(BuilderScreen())

    def _builder_open(self) -> bool:
        from mpdtui.tui.screens.builder import BuilderScreen

        return any(isinstance(s, BuilderScreen) for s in self.screen_stack)

    def goto_step(self, index: int) -> None:
        """Show setup step `index`; before the first, back to the builder; after the last,
        the builder."""
        from mpdtui.tui.screens.setup_step import SetupStep, setup_steps

        steps = setup_steps()
        in_setup = isinstance(self.screen, SetupStep)
        if 0 <= index < len(steps):
            (self.switch_screen if in_setup else self.push_screen)(steps[index]())
        elif self._builder_open():
            if in_setup:
                self.pop_screen()
        elif index >= len(steps):
            from mpdtui.tui.screens.builder import BuilderScreen

            self.switch_screen(BuilderScreen())

    def action_setup(self, step: int = 0) -> None:
        if self.service is not None:
            self.goto_step(step)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In a text field `?` types a question mark: no "? Help" in the footer there."""
        from textual.widgets import Input

        return not (action == "help" and isinstance(self.screen.focused, Input))

    def action_help(self) -> None:
        from mpdtui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def use_cache_dir(self, path: str) -> None:
        """Switch this session to another cache directory."""
        from mpdtui.service import AppService

        if self.jobs.running:
            raise OSError(0, "a job is still running in the current folder")
        self.locations = Locations.resolve(path)
        self.service = AppService(self.locations)

    # --- jobs ------------------------------------------------------------------------------
    def job_event(self, request: JobRequest, event: Event) -> None:
        """Every event of the app's job, before the screens get it: the header says what
        runs, the service forgets what the job changed, failures are reported."""
        if isinstance(event, ModelSaved) and self.service is not None:
            self.service.forget_models()
        if is_final(event):
            self.sub_title = self.SUB_TITLE
            if self.service is not None and request.goal != "evaluate":
                self.service.forget_loaded()
            if isinstance(event, JobFailed):
                self.report_failure(event)
            return
        words = headline(event)
        if words:
            self.sub_title = f"{request.describe()}: {words}"

    def report_failure(self, failure: JobFailed) -> None:
        if failure.reason == "cancelled":
            self.notify("Cancelled. What was finished is kept: run it again to resume.",
                        severity="warning")
        elif failure.reason in ("user", "busy"):
            self.notify(printable(in_app(failure.message)), title="Could not finish", severity="error",
                        markup=False, timeout=12)
        else:
            self.log.error(failure.details)
            self.notify(printable(f"{in_app(failure.message)} (details: {self.locations.job_log})"),
                        title="Unexpected error", severity="error", markup=False, timeout=15)

    def on_unmount(self) -> None:
        self.jobs.close()  # the job stops at a resumable point and continues next time

    # --- errors ----------------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker(event.worker)

    def report_worker(self, worker: Worker[Any]) -> None:
        """The one place a failed worker becomes a notification (never a crash)."""
        if worker.state != WorkerState.ERROR:
            return
        from models.model_dir import ModelFormatError
        from models.progress import Cancelled
        from mpdtui.errors import UserError

        error = worker.error
        if isinstance(error, Cancelled):
            self.notify("Cancelled. What was finished is kept: run it again to resume.",
                        severity="warning")
        elif isinstance(error, UserError | ModelFormatError):
            self.notify(printable(in_app(str(error))), title="Could not finish",
                        severity="error", markup=False, timeout=12)
        else:
            self.log.error(f"worker {worker.description!r} failed", error)
            self.notify(printable(f"{type(error).__name__}: {error}"), title="Unexpected error",
                        severity="error", markup=False, timeout=15)

    def attempt(self, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        """Run a quick service call on the UI thread; a user-fixable error becomes a
        notification and the result None."""
        from models.model_dir import ModelFormatError
        from mpdtui.errors import UserError

        try:
            return call(*args, **kwargs)
        except (UserError, ModelFormatError) as exc:
            self.notify(printable(in_app(str(exc))), title="Could not do that", severity="error",
                        markup=False)
            return None


def create_app(locations: Locations, options: AppOptions | None = None,
               service: AppService | None = None) -> MpdtuiApp:
    """The app for one cache directory. `service` replaces the `AppService` (tests)."""
    return MpdtuiApp(locations, options, service)
