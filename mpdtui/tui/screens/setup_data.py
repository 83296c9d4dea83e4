"""Setup 2: the demo dataset or the MPD, ingested with progress (cancellable, resumable)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Input, Label, RadioSet, Static

from mpdtui.data.files import FormatVersionError
from mpdtui.errors import UserError, user_line
from mpdtui.pipeline.display import describe_progress
from mpdtui.pipeline.events import Event, JobFailed, JobFinished, StageFinished, StageProgress
from mpdtui.pipeline.request import JobRequest
from mpdtui.progress_view import QUIET_SKIPS
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.text import data_text, in_app
from mpdtui.tui.typed_path import typed_path
from mpdtui.tui.widgets.demo_size import DemoSizeChoice
from mpdtui.tui.widgets.path_input import PathInput
from mpdtui.tui.widgets.stage_progress import StageProgress as StageBar

if TYPE_CHECKING:
    from mpdtui.pipeline.sources import DataState

EXPLAIN = ("Leave the path empty for the built-in demo dataset (playlists in MPD format, "
           "generated here, as many as chosen below), or give the MPD's data folder, one slice "
           "file or the MPD zip. An interrupted ingest continues where it stopped.")
EXPLAIN_WITH_SOURCE = ("Leave the path empty to continue or refresh {source}, type demo for the "
                       "built-in demo dataset (playlists in MPD format, generated here, as many "
                       "as chosen below), or give another MPD data folder, slice file or zip. An "
                       "interrupted ingest continues where it stopped.")
SIZE_LABEL = "Demo size, with its time to train on 2 cores (shift+tab to change):"
DEMO_WORD = "demo"
"""Typed as the path: the built-in demo dataset (where no file of that name is)."""


class DataStep(SetupStep):
    STEP = 1
    RUN_LABEL = "Ingest"
    JOB_GOAL = "data"
    ingested = False
    """The last ingest run here finished: the path typed for it is done with."""
    last_request: JobRequest | None = None
    """The last ingest run here: run again without its bad slices when that is asked for."""

    def body(self) -> ComposeResult:
        yield Static(EXPLAIN, classes="explain", id="data-explain")
        yield Label("", id="data-now")
        yield Label(SIZE_LABEL, id="demo-size-label")
        yield DemoSizeChoice(self._demo_size_there(), id="demo-size")
        yield PathInput(placeholder="empty: the demo dataset; or an MPD folder or zip",
                        id="mpd-path", file_suffixes=(".json", ".zip"))
        yield Label("", id="path-error", classes="error")
        yield StageBar("demo", "demo data", id="demo-progress")
        yield StageBar("ingest", "ingest", id="ingest-progress")

    def on_mount(self) -> None:
        state = self.show_data()
        if state is not None and state.primary is not None and self.services.data.has_data():
            # as the training step's bars say it, not "not started" under "Ingested: ..."
            self.query_one("#ingest-progress", StageBar).finish("data ready")
            demo = self.query_one("#demo-progress", StageBar)
            if state.primary.is_demo:
                demo.finish("written")
            else:
                demo.reset("not needed")
        field = self.query_one("#mpd-path", Input)
        field.value, self.app.data_path_given = self.app.data_path_given, ""
        field.focus()

    def show_data(self) -> DataState | None:
        """Say what the cache dir holds; its data state (None: unreadable, the app said why)."""
        services = self.services
        state = self.app.attempt(services.data.state)
        if services.data.has_data():
            counts = self.app.attempt(services.data.counts)
            if counts is not None:
                self.query_one("#data-now", Label).update(
                    f"Ingested: {counts.playlists:,} playlists, {counts.rows:,} rows, "
                    f"{counts.tracks:,} tracks. Ingest more, or press ctrl+n.")
        elif state is not None and state.primary is not None:
            stopped = self.app.attempt(services.data.unfinished_source) or state.primary
            self.query_one("#data-now", Label).update(data_text(
                f"An ingest of {stopped.describe()} was interrupted: ctrl+r with an empty path "
                "continues it."))
        else:
            self.query_one("#data-now", Label).update("No data yet.")
        if state is None or state.primary is None:
            playlists = f"{self._demo_size():,} playlists"
            self.query_one("#mpd-path", PathInput).fit_placeholder(
                f"empty: the demo dataset ({playlists}); or an MPD folder or zip",
                f"empty: the demo ({playlists}); or an MPD folder or zip",
                f"empty: the demo ({playlists})")
        else:
            field = self.query_one("#mpd-path", PathInput)
            described = state.primary.describe()
            if not state.primary.is_demo:  # empty is that source: the demo needs its word
                self.query_one("#data-explain", Static).update(data_text(EXPLAIN_WITH_SOURCE.format(
                    source=described)))
            if self._other_demo_size(state):
                field.fit_placeholder(f"empty: the demo at {self._demo_size():,} playlists, "
                                      f"replacing {described}",
                                      f"empty: the demo at {self._demo_size():,} playlists")
            else:  # what empty means first: a narrow field cuts the rest
                field.fit_placeholder(f"empty: {described}; or an MPD folder or zip",
                                      f"empty: {described}", "empty: the data there")
        return state

    def on_resize(self, _: Resize) -> None:
        """The field with the cursor stays in view as the terminal gets smaller (at 60x20 the
        sizes, one under the other, pushed the path below the step's fold)."""
        self.call_after_refresh(self._focused_into_view)

    def _focused_into_view(self) -> None:
        if self.focused is not None:
            self.focused.scroll_visible(animate=False, immediate=True)

    def _demo_size_there(self) -> int:
        """The size the choice starts at: the demo's ingested, else the one configured."""
        state = self.app.attempt(self.services.data.state)
        demo = state.primary.demo if state is not None and state.primary is not None else None
        return demo.playlists if demo is not None else self.demo_playlists()

    def _demo_size(self) -> int:
        return self.query_one("#demo-size", DemoSizeChoice).playlists

    def _other_demo_size(self, state: DataState) -> bool:
        """Whether the demo there is of another size than the one chosen: empty is the chosen
        one then (other data: asked first)."""
        demo = state.primary.demo if state.primary is not None else None
        return demo is not None and demo.playlists != self._demo_size()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """A size chosen: said with what an empty path does now, the cursor back in the path."""
        event.stop()
        state = self.show_data()
        primary = state.primary if state is not None else None
        run = ("ctrl+r (or enter in an empty path)" if primary is None or primary.is_demo
               else "demo typed as the path")
        replaces = (f"; it replaces {primary.describe()}, asked first"
                    if state is not None and primary is not None and self._other_demo_size(state)
                    else "")
        self.status(f"The demo: {self._demo_size():,} playlists. {run} generates and ingests "
                    f"it{replaces}.")
        self.query_one("#mpd-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_run()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#path-error", Label).update("")
        if self.running is None:
            self.status("")  # what the last run said is about another path
        self.app.data_path_given = event.value  # still there when the step is shown again

    def on_unmount(self) -> None:
        if self.ingested:
            self.app.data_path_given = ""  # done with: the field starts empty (the data there)

    def _demo_request(self) -> JobRequest:
        options = self.app.options
        configured = None if options.demo_playlists else self.app.attempt(
            self.services.data.demo_spec)
        seed = configured.seed if configured is not None else options.demo_seed
        return JobRequest("data", demo=True, demo_playlists=self._demo_size(), demo_seed=seed)

    def run(self) -> None:
        self.status("")  # what the last attempt said is stale now
        text = typed_path(self.query_one("#mpd-path", Input).value)
        request = self._request(text)
        if request is None:
            return
        try:
            question = self._replacement_question(request)
        except (UserError, FormatVersionError, OSError) as exc:  # no data to replace with
            self.query_one("#path-error", Label).update(data_text(in_app(user_line(exc))))
            return
        if question:
            from mpdtui.tui.screens.confirm import ConfirmScreen

            def answered(yes: bool | None) -> None:
                if yes:
                    self._ingest(replace(request, replace=True))

            self.app.push_screen(ConfirmScreen(f"{question[0].upper()}{question[1:]}. Replace?"),
                                 answered)
            return
        self._ingest(request)

    def _replacement_question(self, request: JobRequest) -> str | None:
        data = self.services.data
        if not (request.demo or request.source):
            return data.refresh_question()  # the data there: a slice of it changed since?
        return data.replacement_question(Path(request.source) if request.source else None,
                                         request.demo_playlists, request.demo_seed)

    def _request(self, text: str) -> JobRequest | None:
        if not text:
            state = self.app.attempt(self.services.data.state)
            if state is not None and state.primary is not None and not self._other_demo_size(
                    state):
                return JobRequest("data")  # the data there: continue or refresh it
            return self._demo_request()
        if text.casefold() == DEMO_WORD and not Path(text).exists():
            return self._demo_request()
        try:
            self.services.data.check_source(Path(text))
        except (UserError, OSError) as exc:  # OSError: a folder it may not read, a traceback
            self.query_one("#path-error", Label).update(data_text(in_app(user_line(exc))))
            return None
        return JobRequest("data", source=text)

    def _ingest(self, request: JobRequest) -> None:
        self.last_request = request
        if request.demo and request.demo_playlists:  # the size chosen, for the next runs too
            self.app.attempt(self.services.preferences.set_demo, request.demo_playlists,
                             request.demo_seed)
        where = request.source or ("the demo dataset" if request.demo else "the data there")
        self.status(f"Ingesting {where}… (escape cancels)")
        self.query_one("#demo-progress", StageBar).reset()
        self.query_one("#ingest-progress", StageBar).reset()
        self.start_job(request)

    def job_event(self, event: Event) -> None:
        bars = {"demo": "#demo-progress", "ingest": "#ingest-progress"}
        if isinstance(event, StageProgress) and event.stage in bars:
            self.query_one(bars[event.stage], StageBar).show(
                event.done, event.total, describe_progress(event))
        elif isinstance(event, StageFinished) and event.stage in bars:
            bar = self.query_one(bars[event.stage], StageBar)
            if event.outcome == "skipped" and event.message in QUIET_SKIPS:
                bar.reset(event.message)  # the demo, not used: an empty bar, not a full one
            else:
                bar.finish(event.message)

    def job_finished(self, event: Event) -> None:
        self.ingested = isinstance(event, JobFinished)
        if isinstance(event, JobFinished):
            self.status(f"Data ready.{_copies_said(event.summary)}{_skipped_said(event.summary)}"
                        " Press ctrl+n for the next step.")
        elif isinstance(event, JobFailed) and event.reason == "user":
            # running it again would fail the same way: say what to fix, beside the path
            again = "" if "run the same command again" in event.message else \
                " Fix it and run it again (ctrl+r)."
            self.status(f"Ingest stopped: {event.message}.{again}")
            if SKIP_BAD in event.message and self.last_request is not None:
                self._ask_to_skip(event.message, self.last_request)
        else:
            self.status("Ingest stopped. Run it again (ctrl+r) to continue where it stopped.")
        self.show_data()

    def _ask_to_skip(self, message: str, request: JobRequest) -> None:
        """A bad slice among others (the CLI says to add --skip-bad): offer to ingest the
        others without it, as --skip-bad does (later runs leave it out too)."""
        from mpdtui.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes and self.running is None:
                self._ingest(replace(request, skip_bad=True))

        said = in_app(message, self.here)
        self.app.push_screen(ConfirmScreen(
            f"{said[0].upper()}{said[1:]}. Ingest the other slices without it? It stays left "
            "out until this path is ingested again (given here, not left empty)."), answered)


SKIP_BAD = "--skip-bad"
"""In a failure's message: the CLI would ingest the other slices with it (the step asks)."""


def _skipped_said(summary: dict[str, Any]) -> str:
    """The bad slices left out (asked for after a failure, as the CLI's --skip-bad)."""
    skipped = (summary.get("ingest") or {}).get("skipped") or []
    if len(skipped) == 1:
        return f" Left out: {Path(skipped[0][0]).name}, which cannot be used."
    return f" Left out: {len(skipped)} slices that cannot be used." if skipped else ""


def _copies_said(summary: dict[str, Any]) -> str:
    """The files not ingested because they repeat a slice already there, byte for byte."""
    copies = (summary.get("ingest") or {}).get("copies") or []
    if len(copies) == 1:
        label, original = copies[0]
        return f" Not added: {Path(label).name} is a copy of {original}, ingested before."
    return f" Not added: {len(copies)} copies of slices ingested before." if copies else ""
