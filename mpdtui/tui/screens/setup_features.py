"""Setup 4 (optional): audio features from Spotify, or from a CSV file, or none."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState

from mpdtui.tui.messages import StageUpdate
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.widgets.stage_progress import StageProgress

EXPLAIN = """Audio features (danceability, energy, tempo...) help the two-tower model suggest
tracks that sound alike. Give a features CSV (Kaggle's tracks_features.csv or dataset.csv; the
demo dataset brings its own) and press enter, or leave the field empty and press ctrl+r to
download them from Spotify (needs the login; Spotify closed this endpoint to apps created after
2024-11-27, in which case mpdtui says so and uses the CSV and the MPD itself instead).
Or skip with ctrl+n: every model works without features."""


class FeaturesStep(SetupStep):
    STEP = 3
    RUN_LABEL = "Import / download"

    def __init__(self) -> None:
        super().__init__()
        self.wait_until = 0.0

    def body(self) -> ComposeResult:
        yield Static(EXPLAIN, classes="explain")
        yield Input(placeholder="features CSV (empty: download from Spotify)", id="csv-path")
        yield StageProgress("features", "features", id="features-progress")
        yield Label("", id="countdown")

    def on_mount(self) -> None:
        csv_path = self.app.attempt(self.service.demo_features_csv)
        if csv_path is not None:
            self.query_one("#csv-path", Input).value = str(csv_path)
        self.query_one("#csv-path", Input).focus()
        self.set_interval(1.0, self._tick)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_run()

    def run(self) -> Worker[Any] | None:
        if not self.service.has_data():
            self.status("Ingest data first (previous step), or skip with ctrl+n.")
            return None
        path = self.query_one("#csv-path", Input).value.strip()
        self.status(f"Importing {path}…" if path else "Downloading from Spotify…")
        return self._import(path) if path else self._download()

    @work(thread=True, exclusive=True, exit_on_error=False, group="setup", description="features")
    def _import(self, path: str) -> str:
        from models.base import Progress

        def forward(done: int, total: int) -> None:
            self.post_message(StageUpdate(Progress("features-csv", done, total, "reading")))

        return str(self.service.import_features_csv(Path(path), progress=forward,
                                                    cancel=self.cancel))

    @work(thread=True, exclusive=True, exit_on_error=False, group="setup", description="features")
    def _download(self) -> str:
        result = self.service.download_features(
            progress=lambda p: self.post_message(StageUpdate(p)), cancel=self.cancel)
        return str(result.describe())

    def on_stage_update(self, message: StageUpdate) -> None:
        p = message.progress
        kind = getattr(p, "kind", "batch")
        if kind in ("rate_limited", "retry"):
            self.wait_until = time.monotonic() + float(getattr(p, "wait_s", 0.0))
            self._tick()
        elif kind == "forbidden":
            self.status(p.message)
        else:
            self.wait_until = 0.0
            self.query_one("#features-progress", StageProgress).show(p.done, p.total, p.message)

    def _tick(self) -> None:
        left = self.wait_until - time.monotonic()
        self.query_one("#countdown", Label).update(
            f"Spotify asked us to wait: retrying in {left:.0f} s" if left > 0 else "")

    def job_done(self, worker: Worker[Any]) -> None:
        self.wait_until = 0.0
        self._tick()
        if worker.state == WorkerState.SUCCESS:
            self.query_one("#features-progress", StageProgress).finish("done")
            self.status(f"{worker.result} Press ctrl+n for the next step.")
        elif worker.state == WorkerState.ERROR:
            self.status("No features this time; the models work without them. Retry (ctrl+r) "
                        "or go on (ctrl+n).")
