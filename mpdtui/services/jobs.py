"""Jobs run in this process, for the callers that own it (tests, benchmarks, scripts). The
front ends run the same jobs in a job process (`pipeline.client`), which owns pools,
descriptors and TensorFlow."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from mpdtui import training
from mpdtui.data.ingest import IngestResult
from mpdtui.locations import Locations
from mpdtui.pipeline.events import Event, StageProgress
from mpdtui.pipeline.job import JobSummary
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.runner import run_job

EventCallback = Callable[[Event], None]


class Jobs:
    """Runs pipeline jobs here; `after_job` drops what a job may have changed (even a
    cancelled job may have changed the data or the models)."""

    def __init__(self, locations: Locations, after_job: Callable[[], None]) -> None:
        self.locations, self._after_job = locations, after_job

    def run(self, request: JobRequest, progress: EventCallback | None = None,
            cancel: threading.Event | None = None) -> JobSummary:
        try:
            return run_job(self.locations, request, progress or (lambda event: None), cancel)
        finally:
            self._after_job()

    def ingest(self, source: Path, skip_bad: bool = False, progress: EventCallback | None = None,
               cancel: threading.Event | None = None, replace: bool = False) -> IngestResult:
        """Ingest an MPD source (the rules of `pipeline.sources`); `progress` gets the ingest
        stage's progress events."""

        def ingest_progress(event: Event) -> None:
            if progress is not None and isinstance(event, StageProgress) and event.stage == "ingest":
                progress(event)

        summary = self.run(JobRequest("data", source=str(source), skip_bad=skip_bad,
                                      replace=replace), ingest_progress, cancel)
        done = summary.ingest or {}
        return IngestResult(done.get("ingested", 0), done.get("already_done", 0),
                            done.get("playlists", 0), done.get("rows", 0),
                            [tuple(s) for s in done.get("skipped", [])],
                            [tuple(c) for c in done.get("copies", [])])

    def import_features_csv(self, path: Path, progress: EventCallback | None = None,
                            cancel: threading.Event | None = None) -> str:
        """Import a features CSV (either public layout); returns a one-line summary."""
        summary = self.run(JobRequest("features", features_csv=(str(path),), download="no"),
                           progress, cancel)
        return summary.features[-1]

    def train(self, models: Sequence[str] | None = None, progress: EventCallback | None = None,
              cancel: threading.Event | None = None, retrain: bool = False) -> training.TrainResult:
        """The whole pipeline (data already there, else the demo), training `models`."""
        summary = self.run(JobRequest("setup", models=tuple(models) if models else None,
                                      retrain=retrain), progress, cancel)
        return training.TrainResult(summary.trained, summary.reused, summary.report)
