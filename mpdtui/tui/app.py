"""The mpdtui Textual app and its factory `create_app`, used by the CLI and the tests.

First paint comes before any heavy import: the app shows a loading line, then a thread worker
imports and opens the application services (numpy, scipy, SQLite) and picks the first screen.
TensorFlow and implicit load only when a model that needs them is used.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from platformdirs import user_downloads_path
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.widgets import Header, Label, Static
from textual.worker import Worker, WorkerState

from mpdtui.locations import Locations
from mpdtui.pipeline.display import trained_before
from mpdtui.printable import printable
from mpdtui.tui.action_cache import import_screens, parse_binding_actions
from mpdtui.tui.context import AppOptions, MpdtuiAppBase
from mpdtui.tui.messages import ServiceReady
from mpdtui.tui.palette import MpdtuiCommands
from mpdtui.tui.screens.help import HelpScreen
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.screens.wizard import SETUP_STEPS, advised_step
from mpdtui.tui.terminal_watch import watch_terminal
from mpdtui.tui.text import even_width, stopped_training
from mpdtui.tui.widgets.whole_key_footer import WholeKeyFooter

if TYPE_CHECKING:  # the services load after the first paint (numpy, SQLite, the models)
    from textual.screen import Screen

    from mpdtui.services.root import Services
    from mpdtui.tui.screens.builder import BuilderScreen

class MpdtuiApp(MpdtuiAppBase):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses may live anywhere
    TITLE = "mpdtui"
    COMMANDS = App.COMMANDS | {MpdtuiCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        # in a text field, where `?` is typed, f1 still opens the help, and the footer says so
        Binding("f1", "help('field')", "Help"),
        Binding("f2", "setup", "Setup"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),  # in dialogs, too
        # to the shell, as other terminal programs go, dialogs or not; `fg` brings it back
        Binding("ctrl+z", "suspend_process", "Suspend", show=False, priority=True),
    ]

    awaiting_first_screen = True  # keys typed while loading go to the first screen
    _setup_entered_at = 0
    """The step the setup was last opened at (from the builder, or the first run's)."""
    _saved_theme: str | None = None
    """The theme config.json holds, once read (None: not read yet)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Loading mpdtui… (cache: {self.locations.root})", id="loading")
        yield WholeKeyFooter()

    def on_mount(self) -> None:
        self.call_after_refresh(self._parse_actions_then_open)
        watch_terminal(self, self._keep_drafts)

    def _parse_actions_then_open(self) -> None:
        """After the first paint, on the main thread: the bindings' actions parsed before the
        first thread starts (`action_cache`), then the services opened in one."""
        import_screens()
        parse_binding_actions()
        self._open_service()

    def _keep_drafts(self) -> None:
        """What the builder has unsaved, kept now: the terminal is gone."""
        for screen in self.screen_stack:
            if isinstance(screen, builder_screen()):
                screen.keep_draft()

    @work(thread=True, exclusive=True, exit_on_error=False, group="startup",
          description="opening the data")
    def _open_service(self) -> None:
        if self.services is None:
            from mpdtui.services.root import open_services

            self.services = open_services(self.locations)
        first_run = not self.services.data.has_data()
        models, training = self.services.models, self.services.training
        left = [] if first_run else training.left_untrained()
        added = None if first_run else training.added_since_training()
        unservable = [] if first_run else models.unservable()
        retrains = [] if first_run else training.retrains_left()
        self.post_message(ServiceReady(self.services, first_run, left, added, unservable, retrains))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The start failed (a damaged catalog): no first screen comes, so keys typed are no
        longer held for one; the setup (f2), as the note advises, takes them. (Textual calls
        the base class's handler too: it says why.)"""
        if event.worker.group == "startup" and event.state == WorkerState.ERROR:
            self.first_screen_shown(hand_on=False)

    def on_service_ready(self, message: ServiceReady) -> None:
        self._use_saved_theme(message.services)
        while len(self.screen_stack) > 1:  # the help or the palette, opened while loading:
            self.pop_screen()  # the first screen went over them, left beneath it for good
        # keys typed before it was shown (a name, typed at once) go to the builder then; the
        # setup's first step, a path in its field, is no place for those typed while loading.
        # Those typed from now on are for the step: held until it is shown, a ctrl+n pressed
        # as it showed was dropped with them
        if message.first_run:
            self.drop_held_keys()
        self.call_after_refresh(self.first_screen_shown)
        if message.first_run:
            self.goto_step(0)
            return
        self.open_builder()
        if message.training_left or message.retrains_left:  # the app quit during it, or it
            self.notify(stopped_training(message.training_left, message.retrains_left),  # failed
                        severity="warning", timeout=20)
        elif message.unservable:
            self.notify(f"{', '.join(message.unservable)}: saved by another version of mpdtui, "
                        "or built on a model that is gone, so the others serve: the setup's "
                        "training step (f2) trains them again.", severity="warning", timeout=20)
        elif message.added:  # slices or a Spotify import since: their tracks are not suggested
            self.notify(f"The models serve on, {trained_before(message.added)}: train them on "
                        "these too at the setup's training step (f2).", timeout=15)

    # --- the theme ---------------------------------------------------------------------------
    def _use_saved_theme(self, services: Services) -> None:
        """The theme last chosen in the palette (config.json's `theme`); one no longer known
        (a Textual without it, a typo) is said, and the default kept."""
        saved = self.attempt(services.preferences.theme)
        self._saved_theme = saved or self.theme
        if saved is None or saved == self.theme:
            return
        if saved in self.available_themes:
            self.theme = saved
        else:
            self.notify(printable(f"{self.locations.config_json}: no theme is named '{saved}', "
                                  "so the default is used: ctrl+p, Theme, picks one."),
                        severity="warning", markup=False, timeout=10)

    def watch_theme(self, theme: str) -> None:
        """A theme chosen in the palette is kept for the next starts."""
        if self.services is not None and theme != self._saved_theme:
            self._saved_theme = theme
            self.attempt(self.services.preferences.set_theme, theme)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every note with emoji as wide as laid out (`even_width`): most quote names. The
        same note said again replaces the one still shown: `a` pressed three times on the
        playlist had stacked three copies of its three-line note over the suggestions."""
        message, title = even_width(message), even_width(title)
        for shown in list(self._notifications):
            if (shown.message, shown.title, shown.severity) == (message, title, severity):
                self._unnotify(shown, refresh=False)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # --- navigation ----------------------------------------------------------------------
    def open_builder(self) -> None:
        self.push_screen(builder_screen()())

    def _builder_open(self) -> bool:
        return any(isinstance(s, builder_screen()) for s in self.screen_stack)

    def goto_step(self, index: int) -> None:
        """Show setup step `index`; before the first, back to the builder; after the last,
        the builder."""
        steps = SETUP_STEPS
        in_setup = isinstance(self.screen, SetupStep)
        if not in_setup:
            self._setup_entered_at = index
        if 0 <= index < len(steps):
            (self.switch_screen if in_setup else self.push_screen)(steps[index]())
            self._forget_advice_for(index)
        elif self._builder_open():
            if in_setup:
                self.pop_screen()
        elif index >= len(steps):
            self.switch_screen(builder_screen()())
        else:  # back from the first step of a first run: nothing behind it
            self.notify("This is the first step: Next (ctrl+n) goes on, ctrl+q quits.")

    def action_setup(self, step: int | None = None) -> None:
        """f2: the setup at the step a message now shown sends the user to ("train one at the
        setup's training step (f2)"), else at its start; the palette names its step."""
        super().action_setup(self._step_advised_on_screen() if step is None else step)

    def _forget_advice_for(self, step: int) -> None:
        """Notifications that send the user to step `step` ("continue it at the setup's
        training step (f2)") are taken down once it is shown: over it, they read as stale."""
        for notification in list(self._notifications):
            if advised_step(notification.message) == step:
                self._unnotify(notification)

    def _step_advised_on_screen(self) -> int:
        shown = [n.message for n in reversed(list(self._notifications))]  # the newest first
        shown += [str(label.content) for label in self.screen.query(Label)]  # status lines
        return next((step for step in map(advised_step, shown) if step is not None), 0)

    def step_back(self, index: int) -> None:
        """Back from step `index`: the step before it, or the builder from the step the setup
        was opened at (f2 to the training step, then escape: the builder again)."""
        if index == self._setup_entered_at and self._builder_open():
            self.pop_screen()
        else:
            self.goto_step(index - 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In a text field `?` types a question mark: no "? Help" in the footer there (but
        in the builder's empty name it is help)."""
        from textual.widgets import Input

        from mpdtui.tui.widgets.keyed_input import NameInput

        if action != "help":
            return True
        focused = self.screen.focused
        if isinstance(focused, NameInput):
            question_mark_helps = focused.takes_action(action)
        else:
            question_mark_helps = not isinstance(focused, Input)
        # f1 as "help('field')" where `?` is typed, as plain "help" elsewhere
        return question_mark_helps != (parameters == ("field",))

    async def action_quit(self) -> None:
        """ctrl+q: as the builder's q, asking first where a playlist's changes are unsaved
        or a job runs."""
        builder = next((s for s in self.screen_stack if isinstance(s, builder_screen())), None)
        if builder is None:
            self.leave()
        else:
            builder.let_go(self.leave)

    def action_help_quit(self) -> None:
        """ctrl+c outside a field (where it copies): Textual names the screen's quit key, which
        in the builder is `q`, and `q` in the saved playlists goes back. ctrl+q works on every
        screen."""
        self.notify("Press ctrl+q to quit the app.", title="Do you want to quit?", timeout=4)

    def action_suspend_process(self) -> None:
        """ctrl+z: to the shell that started the app, whose `fg` brings it back. An app that
        is no shell's job (a terminal window's own command, `ssh -t host mpdtui`) would stop
        with nothing to wake it: it says so instead."""
        if not hasattr(os, "killpg"):
            return  # Windows: no job control
        if os.getpgrp() == os.getsid(0):  # the session's own group: no job control
            self.notify("ctrl+z has no shell to go back to: mpdtui was not started from one "
                        "(as a window's own command, say), so nothing could bring it back. "
                        "ctrl+q quits.", severity="warning", timeout=8)
            return
        # the terminal given back first, then the whole job stopped, as the terminal's own
        # ctrl+z does: started by `make run`, make stops too, and the shell takes over
        # (Textual's action stops this process alone: the shell, waiting on make, never came)
        with self.suspend():
            os.killpg(os.getpgrp(), signal.SIGTSTP)

    def action_command_palette(self) -> None:
        """ctrl+p, but not over a dialog (the footer offers it there no more than f2): its
        commands would act behind the dialog, which stayed open, waiting, under a setup step
        that could switch the cache dir or replace the data beneath the playlist it asked
        about."""
        from textual.command import CommandPalette
        from textual.screen import ModalScreen

        if isinstance(self.screen, ModalScreen) and not isinstance(self.screen, CommandPalette):
            self.notify("The command palette works on the screens, not in a dialog: close it "
                        "first (esc).", timeout=4)
            return
        super().action_command_palette()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's, less its "Keys", which squeezed the builder into a side panel of
        Textual's own keys ("Page Left", "Copy selected text"): the palette's Keys opens the
        app's help instead."""
        for command in super().get_system_commands(screen):
            if command.title == "Keys":
                command = SystemCommand("Keys", "every key, at this screen's (? or f1)",
                                        self.action_help)
            yield command

    def action_help(self, _from: str = "") -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(getattr(self.screen, "HELP_SECTION", None)))

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The palette's Screenshot: an SVG of the screen, saved at once, and where it went
        said (or why it was not). Textual's own writes to ~/Downloads only, and where that
        folder is missing (an account on a server) says "Failed to save screenshot"."""
        from mpdtui.data.files import atomic_write_bytes  # numpy: after the first paint

        folder = Path(path) if path else screenshot_folder(self.export_folder())
        taken = datetime.now().strftime(time_format or "%Y-%m-%d-%H%M%S")
        saved = folder / (filename or f"mpdtui-screenshot-{taken}.svg")  # no space to quote
        try:
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(saved, self.export_screenshot().encode())
        except OSError as error:
            self.notify(printable(f"{saved}: {error.strerror or error}"),
                        title="The screenshot was not saved", severity="error", markup=False)
            return None
        self.notify(printable(f"Saved the screenshot to {saved}"), title="Screenshot", markup=False)
        return str(saved)


def screenshot_folder(export_folder: Path) -> Path:
    """The Downloads folder where the user has one, else the export folder (made if missing)."""
    downloads = user_downloads_path()
    return downloads if downloads.is_dir() else export_folder


def builder_screen() -> type[BuilderScreen]:
    """The builder's class, imported on first use: it brings numpy, after the first paint."""
    from mpdtui.tui.screens.builder import BuilderScreen

    return BuilderScreen


def create_app(locations: Locations, options: AppOptions | None = None,
               services: Services | None = None) -> MpdtuiApp:
    """The app for one cache directory. `services` replaces the usual `Services` (tests)."""
    return MpdtuiApp(locations, options, services)
