"""Setup 2: the demo dataset or the MPD, ingested with progress (cancellable, resumable)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState

from mpdtui.tui.messages import IngestUpdate, StageUpdate
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.text import data_text, eta
from mpdtui.tui.widgets.stage_progress import StageProgress


class DataStep(SetupStep):
    STEP = 1
    RUN_LABEL = "Ingest"

    def body(self) -> ComposeResult:
        yield Static("Leave the path empty for the built-in demo dataset (a few thousand "
                     "playlists in MPD format), or give the MPD's data folder, one slice file "
                     "or the MPD zip. An interrupted ingest continues where it stopped.",
                     classes="explain")
        yield Label("", id="data-now")
        yield Input(placeholder="MPD folder or zip (empty: demo dataset)", id="mpd-path")
        yield Label("", id="path-error", classes="error")
        yield StageProgress("demo", "demo data", id="demo-progress")
        yield StageProgress("ingest", "ingest", id="ingest-progress")

    def on_mount(self) -> None:
        self.show_data()
        self.query_one("#mpd-path", Input).focus()

    def show_data(self) -> None:
        service = self.service
        if service.has_data():
            info = self.app.attempt(service.info) or {}
            self.query_one("#data-now", Label).update(
                f"Ingested: {info.get('playlists', 0):,} playlists, {info.get('rows', 0):,} rows, "
                f"{info.get('tracks', 0):,} tracks. Ingest more, or press ctrl+n.")
        else:
            self.query_one("#data-now", Label).update("No data yet.")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_run()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#path-error", Label).update("")

    def run(self) -> Worker[Any] | None:
        text = self.query_one("#mpd-path", Input).value.strip()
        if text:
            from mpdtui.errors import UserError

            try:
                slices = self.service.check_source(Path(text))
            except UserError as exc:
                self.query_one("#path-error", Label).update(data_text(str(exc)))
                return None
            self.status(f"Ingesting {slices} slices from {text}…")
        else:
            self.status("Preparing the demo dataset…")
        self.query_one("#demo-progress", StageProgress).reset()
        self.query_one("#ingest-progress", StageProgress).reset()
        return self._ingest(text or None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="setup", description="ingest")
    def _ingest(self, path: str | None) -> Any:
        service = self.service
        if path is None:
            from mpdtui.service import DemoSpec

            options = self.app.options  # type: ignore[attr-defined]
            spec = (DemoSpec(options.demo_playlists, options.demo_seed)
                    if options.demo_playlists else DemoSpec(seed=options.demo_seed))
            source = service.demo_source(spec, progress=self._demo_progress)
        else:
            source = Path(path)
        return service.ingest(source, progress=lambda p: self.post_message(IngestUpdate(p)),
                              cancel=self.cancel)

    def _demo_progress(self, done: int, total: int) -> None:
        from models.base import Progress

        self.post_message(StageUpdate(Progress("demo", done, total, f"{done:,} of {total:,}")))
        if self.cancel.is_set():
            from models.base import Cancelled

            raise Cancelled

    def on_stage_update(self, message: StageUpdate) -> None:
        p = message.progress
        self.query_one("#demo-progress", StageProgress).show(p.done, p.total, p.message)

    def on_ingest_update(self, message: IngestUpdate) -> None:
        p = message.progress
        rate = p.rows_per_second
        info = (f"{p.slices_done}/{p.slices_total} slices · {p.playlists:,} playlists · "
                f"{rate:,.0f} rows/s · ETA {eta(p.slices_done, p.slices_total, p.elapsed)}")
        self.query_one("#ingest-progress", StageProgress).show(p.slices_done, p.slices_total, info)

    def job_done(self, worker: Worker[Any]) -> None:
        if worker.state == WorkerState.SUCCESS:
            result = worker.result
            self.query_one("#ingest-progress", StageProgress).finish(
                f"done: {result.ingested} new slices, {result.already_done} already there")
            self.status("Data ready. Press ctrl+n for the next step.")
        else:
            self.status("Ingest stopped. Run it again (ctrl+r) to continue where it stopped.")
        self.show_data()
