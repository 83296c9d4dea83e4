"""Setup 4 (optional): audio features from Spotify, or from a CSV file, or none."""

from __future__ import annotations

import time

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from mpdtui.pipeline.display import OTHER_DATA, describe_progress, learned_from_other_audio
from mpdtui.pipeline.events import Event, JobFailed, JobFinished, Notice, StageProgress
from mpdtui.pipeline.request import JobRequest
from mpdtui.training import AudioBehind
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.typed_path import typed_path
from mpdtui.tui.widgets.path_input import PathInput
from mpdtui.tui.widgets.stage_progress import StageProgress as StageBar

EXPLAIN = """Audio features (tempo, key, energy...) let the builder filter and order by sound, \
and help the two-tower model. Give a features CSV (Kaggle's tracks_features.csv or dataset.csv, \
Exportify's export of your playlists, or the zip they came in; the demo dataset brings its \
own) and press enter, or leave the field empty and press ctrl+r to download them from Spotify \
(needs the login; Spotify closed this endpoint to apps created after 2024-11-27: mpdtui then \
says so and uses the CSV and the MPD itself).
Or skip with ctrl+n: every model works without features."""


class FeaturesStep(SetupStep):
    STEP = 3
    RUN_LABEL = "Import / download"
    JOB_GOAL = "features"

    def __init__(self) -> None:
        super().__init__()
        self.wait_until = 0.0
        self.asked = False  # an import or download asked for: its status stands

    def body(self) -> ComposeResult:
        yield Static(EXPLAIN, classes="explain")
        field = PathInput(id="csv-path", file_suffixes=(".csv", ".zip"))
        field.fit_placeholder("features CSV (empty: download from Spotify)",
                              "features CSV (empty: download)", "features CSV")
        yield field
        yield StageBar("features", "features", id="features-progress")
        yield Label("", id="countdown")

    def on_mount(self) -> None:
        offered = self.app.features_csv_offered  # an imported playlist's, else the data's
        beside = None if offered else self.app.attempt(self.services.features.csv_beside_the_data)
        if offered or beside is not None:
            self.query_one("#csv-path", Input).value = offered or str(beside)
        self.query_one("#csv-path", Input).focus()
        self.set_interval(1.0, self._tick)
        self._say_what_is_known()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_run()

    def run(self) -> None:
        self.asked = True
        state = self.app.attempt(self.services.data.state)
        if state is None:
            return  # the app has said why
        if not state.sources:
            self.status("Ingest data first (step 2: escape twice), or skip with ctrl+n.")
            return
        path = typed_path(self.query_one("#csv-path", Input).value)
        request = self.app.attempt(lambda: JobRequest("features", features_csv=(path,),
                                                      download="no") if path
                                   else JobRequest("features", download="yes"))
        if request is None:
            return  # the app has said why
        doing = f"Importing {path}" if path else "Downloading from Spotify"
        self.status(f"{doing}… (escape cancels)")  # as the data step's ingest says
        if path == self.app.features_csv_offered:
            self.app.features_csv_offered = ""  # offered once it is imported
        self.query_one("#features-progress", StageBar).reset()
        self.start_job(request)

    def job_event(self, event: Event) -> None:
        if isinstance(event, Notice):
            if event.wait_s:
                self.wait_until = time.monotonic() + event.wait_s
                self._tick()
            else:
                self.status(event.message)
        elif isinstance(event, StageProgress):
            self.wait_until = 0.0
            self.query_one("#features-progress", StageBar).show(
                event.done, event.total, describe_progress(event))

    def _tick(self) -> None:
        left = self.wait_until - time.monotonic()
        self.query_one("#countdown", Label).update(
            f"Spotify asked us to wait: retrying in {left:.0f} s" if left > 0 else "")

    def job_finished(self, event: Event) -> None:
        self.wait_until = 0.0
        self._tick()
        if isinstance(event, JobFinished):
            self.query_one("#features-progress", StageBar).finish("done")
            outcome = " ".join(_sentence(line) for line in event.summary.get("features") or [])
            next_step = _next_step(AudioBehind(event.summary.get("behind_on_audio") or [],
                                               event.summary.get("audio_gained")))
            self.status(f"{outcome} {next_step}")
            self._add_coverage(outcome, next_step,
                               other_data=bool(event.summary.get("other_data_csv")))
        elif isinstance(event, JobFailed) and event.reason == "user":
            # running it again would fail the same way: say what to fix, beside the path
            self.status(f"Not imported: {event.message}. Fix it and run it again (ctrl+r), or "
                        "go on without features (ctrl+n).")
        else:
            self.status("No features this time; the models work without them. Retry (ctrl+r) "
                        "or go on (ctrl+n).")
            self._say_what_was_kept()

    @work(thread=True, exclusive=True, exit_on_error=False, group="coverage",
          description="features coverage")
    def _add_coverage(self, outcome: str, next_step: str, other_data: bool = False) -> None:
        """The rows a CSV brings are not the catalog's tracks (Kaggle's 1.2M rows could cover
        at most about half of the MPD's): say how many of those have features now (2-3 s at
        2.26M tracks, `bench/catalog_features.py`)."""
        beside = self.services.features.csv_beside_the_data()  # Spotify's 403 names it
        if beside is not None:
            self.app.call_from_thread(self._offer_csv, str(beside))
        counts = self._coverage()
        if counts is not None and other_data:  # a CSV none of whose tracks is in the catalog
            self.app.call_from_thread(
                self._coverage_ready, f"{outcome[:-1]}, but {OTHER_DATA} (enter imports it), "
                                      "or go on without features (ctrl+n).")
        elif counts is not None:
            self.app.call_from_thread(
                self._coverage_ready, f"{outcome} Features now cover {_of_the_catalog(*counts)}. "
                                      f"{next_step}")

    @work(thread=True, exclusive=True, exit_on_error=False, group="coverage",
          description="features coverage")
    def _say_what_is_known(self) -> None:
        """On arriving, the features imported or downloaded before (as the data step says what
        it holds), and the models that have not learned from them yet."""
        counts = self._coverage()
        if counts is not None and counts[0]:
            behind = self.services.training.behind_on_audio()
            self.app.call_from_thread(
                self._known_ready, f"Features are known for {_of_the_catalog(*counts)}. "
                                   f"{_next_step(behind)}")

    @work(thread=True, exclusive=True, exit_on_error=False, group="coverage",
          description="features coverage")
    def _say_what_was_kept(self) -> None:
        """A stopped import keeps the batches it had written (a download, the answers it had):
        "No features this time" was said over 40,000 tracks' features."""
        counts = self._coverage()
        if counts is not None and counts[0]:
            self.app.call_from_thread(
                self._coverage_ready, f"Stopped: features are known for "
                                      f"{_of_the_catalog(*counts)}, kept. Run it again (ctrl+r) "
                                      "for the rest, or go on (ctrl+n).")

    def _coverage(self) -> tuple[int, int] | None:
        """(tracks with features, the catalog's tracks); None before any data."""
        coverage = self.services.features.coverage()
        if coverage is None or not coverage.get("tracks"):
            return None
        tracks = coverage["tracks"]
        return tracks - coverage.get("missing", 0), tracks

    def _offer_csv(self, path: str) -> None:
        """The CSV that came with the data, in the empty field: enter imports it."""
        field = self.query_one("#csv-path", Input)
        if not field.value and self.running is None:
            field.value = path

    def _coverage_ready(self, text: str) -> None:
        if self.running is None:  # else a newer job's status stands
            self.status(text)

    def _known_ready(self, text: str) -> None:
        if not self.asked:
            self.status(text)
            self.query_one("#features-progress", StageBar).finish("imported")  # as step 5 says


def _of_the_catalog(covered: int, tracks: int) -> str:
    return f"{covered:,} of the catalog's {tracks:,} tracks ({covered / tracks:.0%})"


def _sentence(line: str) -> str:
    """A summary line as a sentence of the status ("… (dataset layout)" gets its full stop)."""
    return line if line.endswith((".", "!", "?")) else line + "."


def _next_step(behind: AudioBehind) -> str:
    """The status's last sentence: the next step, and what it does when saved models learned
    from other features than these."""
    if not behind.models:
        return "Press ctrl+n for the next step."
    return (f"{learned_from_other_audio(behind.models, gained=behind.gained)}: train them again "
            "at the next step (ctrl+n) to use them.")
