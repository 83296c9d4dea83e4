"""The one definition of mpdtui's long work: the stages that set up a cache dir.

    source -> demo files -> ingest -> features -> split -> each model -> evaluation

Every stage knows whether it is done for the current data (`is_done`), so a job skips what
is done and an interrupted job, run again, resumes where it stopped. Each job runs a slice of
this list (`stages_for`): `mpdtui --train` and the app's training step all of it, `mpdtui
ingest` and the data step the data stages, and so on. Stages report typed events through
the job (`Job.emit`, `Job.progress`) and stop at a resumable point when `Job.cancel` is set.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from models.base import Recommender
from models.dataset import Dataset
from models.progress import Progress, ProgressCallback, check_cancel
from models.registry import DEFAULT_MODELS, MODEL_NAMES
from mpdtui import config, training
from mpdtui.data.catalog import Catalog
from mpdtui.data.demo import FEATURES_CSV, generate_demo
from mpdtui.data.files import FormatVersionError, read_json, write_json
from mpdtui.data.ingest import IngestResult, ingest
from mpdtui.data.matrices import matrices_are_current
from mpdtui.data.mpd import find_slices
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.pipeline.events import Event, ModelSaved, Notice, StageProgress
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.sources import (
    DataSource,
    DataState,
    DemoSpec,
    SourcePlan,
    drop_playlists,
    plan_source,
    read_state,
)

DEMO_MARKER_FORMAT = "mpdtui-demo"
PROGRESS_INTERVAL_S = 0.2
"""At most this often a stage's progress ticks are sent (the first and the last always are)."""
HEARTBEAT_S = 1.0


@dataclass
class JobSummary:
    """What a job did, for the front ends' closing lines (JSON-able)."""

    source: str | None = None
    ingest: dict[str, Any] | None = None
    features: list[str] = field(default_factory=list)
    trained: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None
    spotify: dict[str, Any] | None = None


class Job:
    """One run of some stages: the request, where, how to report, when to stop."""

    def __init__(self, locations: Locations, request: JobRequest, emit: Callable[[Event], None],
                 cancel: threading.Event | None = None) -> None:
        self.locations = locations
        self.request = request
        self.emit = emit
        self.cancel = cancel or threading.Event()
        self.summary = JobSummary()
        self.settings = config.read(locations)
        self.heartbeat = Heartbeat(emit)
        self.models: dict[str, Recommender] = {}
        """Models trained or loaded by this job (the ranker, the blend and the evaluation use them)."""
        self._plan: SourcePlan | None = None
        self._split: training.Split | None = None
        self._data: Dataset | None = None

    # --- what the stages share ---------------------------------------------------------------
    @property
    def demo_spec(self) -> DemoSpec:
        request = self.request
        playlists = request.demo_playlists or self.settings.demo_playlists
        seed = request.demo_seed if request.demo_playlists else self.settings.demo_seed
        return DemoSpec(playlists, seed)

    def plan(self) -> SourcePlan:
        """Which source the data stages ingest (the rules of `pipeline.sources`)."""
        if self._plan is None:
            wanted = self._wanted_source()
            if wanted is not None and not wanted.is_demo:
                find_slices(Path(wanted.path))  # a wrong path is named before anything else
            self._plan = plan_source(self.locations, read_state(self.locations), wanted,
                                     self.request.replace, self.demo_spec)
        return self._plan

    def _wanted_source(self) -> DataSource | None:
        if self.request.demo:
            return DataSource.of_demo(self.locations, self.demo_spec)
        if self.request.source is None:
            return None
        return source_for_path(self.locations, Path(self.request.source))

    def split(self) -> training.Split:
        if self._split is None:
            self._split = training.training_split(self.locations)
        return self._split

    def training_data(self) -> Dataset:
        if self._data is None:
            self._data = training.training_dataset(self.locations, self.split())
        return self._data

    def model_names(self) -> tuple[str, ...]:
        """The models asked for and those they are built on, in training order."""
        return training.with_components(self.request.models or DEFAULT_MODELS,
                                        self.settings.model_settings)

    def progress(self, stage: str, unit: str = "", name_inner: bool = False) -> ProgressCallback:
        """A `models.base.Progress` callback sending `StageProgress` events for `stage`, with
        the rate and time left so far (`ProgressRelay`)."""
        return ProgressRelay(stage, unit, self.heartbeat.send, name_inner)


class ProgressRelay:
    """Turns a stage's `Progress` reports into `StageProgress` events with a rate and time
    left, sending progress ticks at most every `PROGRESS_INTERVAL_S` (a new phase, a report
    that does not move `done`, always goes).

    Reports under another name (a model training inside the blend) are shown on this stage's
    bar, with that name leading the message when `name_inner`."""

    def __init__(self, stage: str, unit: str, send: Callable[[StageProgress], None],
                 name_inner: bool = False) -> None:
        self.stage, self.unit, self.send, self.name_inner = stage, unit, send, name_inner
        self.started = time.monotonic()
        self.first_done: float | None = None
        self.last_done: float | None = None
        self.last_sent = 0.0

    def __call__(self, report: Progress) -> None:
        now = time.monotonic()
        finished = report.total is not None and report.done >= report.total
        if self.first_done is None or report.done < self.first_done:
            self.first_done, self.started = report.done, now  # a new phase: measure afresh
        elif (report.done != self.last_done and not finished
              and now - self.last_sent < PROGRESS_INTERVAL_S):
            return
        self.last_sent, self.last_done = now, report.done
        message = report.message
        if self.name_inner and report.stage != self.stage:
            message = f"{report.stage}: {message}" if message else report.stage
        rate = eta = None
        elapsed = now - self.started
        if elapsed > 0.5 and report.done > self.first_done:
            rate = (report.done - self.first_done) / elapsed
            if report.total is not None:
                eta = max(0.0, (report.total - report.done) / rate)
        self.send(StageProgress(self.stage, float(report.done),
                                None if report.total is None else float(report.total),
                                getattr(report, "unit", "") or self.unit, message, rate, eta))


class Heartbeat:
    """While a stage runs, resends its last progress every `HEARTBEAT_S` when nothing new came,
    with how long the current phase has taken ("loading TensorFlow · 4 s"): a long step (an
    import, a first compile, a big matrix) shows as alive, not frozen."""

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self.emit = emit
        self.lock = threading.Lock()
        self.stage: str | None = None
        self.last: StageProgress | None = None
        self.phase_started = self.last_sent = time.monotonic()

    def send(self, event: StageProgress) -> None:
        with self.lock:
            self.last = event
            self.phase_started = self.last_sent = time.monotonic()
            self.emit(event)

    @contextmanager
    def beating(self, stage: str) -> Iterator[None]:
        with self.lock:
            self.stage, self.last = stage, None
            self.phase_started = self.last_sent = time.monotonic()
        stop = threading.Event()
        thread = threading.Thread(target=self._beat, args=(stop,), name="heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self.stage = None

    def _beat(self, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_S):
            with self.lock:
                now = time.monotonic()
                if self.stage is None or now - self.last_sent < HEARTBEAT_S:
                    continue
                base = self.last or StageProgress(self.stage, 0.0, None)
                took = f"{now - self.phase_started:.0f} s"
                message = f"{base.message} · {took}" if base.message else took
                self.last_sent = now
                self.emit(replace(base, message=message))


def source_for_path(locations: Locations, path: Path) -> DataSource:
    """The source `path` is: the cache dir's demo folder is the demo dataset."""
    resolved = path.expanduser().resolve()
    if resolved == locations.demo_dir.resolve():
        marker = read_json(locations.demo_dir / "demo.json", DEMO_MARKER_FORMAT, 1, "")
        if marker:
            return DataSource.of_demo(locations, DemoSpec.from_json(marker))
    return DataSource.mpd(resolved)


# --- the stages ---------------------------------------------------------------------------------

class Stage(ABC):
    name: str
    title: str

    @abstractmethod
    def is_done(self, job: Job) -> bool:
        """Whether the stage's output exists for the current data (then it is skipped)."""

    @abstractmethod
    def run(self, job: Job) -> str:
        """Do the work; a one-line outcome for the stage's bar."""

    def skip(self, job: Job) -> str:
        """Take what the stage did before into the job; a one-line outcome."""
        return "already done"


class SourceStage(Stage):
    """Record the source in the catalog (after dropping the data it replaces)."""

    name, title = "source", "data source"

    def is_done(self, job: Job) -> bool:
        plan = job.plan()
        return not (plan.record or plan.replace)

    def run(self, job: Job) -> str:
        plan = job.plan()
        assert plan.source is not None
        if plan.replace:
            drop_playlists(job.locations)
        with Catalog.create_or_open(job.locations) as catalog:
            catalog.add_source(plan.source.to_json())
        return f"using {plan.source.describe()}"

    def skip(self, job: Job) -> str:
        source = job.plan().source
        return f"using {source.describe()}" if source else "using the data there"


class DemoStage(Stage):
    """Generate the demo dataset's files into the cache dir (when it is the source)."""

    name, title = "demo", "demo data"

    def is_done(self, job: Job) -> bool:
        source = job.plan().source
        return source is None or not source.is_demo or demo_files_ready(job.locations, source.demo)

    def run(self, job: Job) -> str:
        source = job.plan().source
        assert source is not None and source.demo is not None
        write_demo_files(job.locations, source.demo, job.progress(self.name, "slices"),
                         job.cancel)
        return f"{source.demo.playlists:,} playlists"

    def skip(self, job: Job) -> str:
        source = job.plan().source
        return "ready" if source is not None and source.is_demo else "not used"


def demo_files_ready(locations: Locations, spec: DemoSpec | None) -> bool:
    marker = read_json(locations.demo_dir / "demo.json", DEMO_MARKER_FORMAT, 1,
                       f"delete {locations.demo_dir}")
    return bool(marker and spec is not None and DemoSpec.from_json(marker) == spec)


def write_demo_files(locations: Locations, spec: DemoSpec, progress: ProgressCallback | None = None,
                     cancel: threading.Event | None = None) -> Path:
    """The demo dataset in the cache dir (its marker written last: a cut run starts over)."""
    import shutil

    folder = locations.demo_dir
    if demo_files_ready(locations, spec):
        return folder
    shutil.rmtree(folder, ignore_errors=True)

    def on_slice(slices: Progress) -> None:
        if progress is not None:
            progress(slices)
        check_cancel(cancel)

    generate_demo(folder, spec.playlists, spec.seed, progress=on_slice,
                  dense=spec.generator == 1)  # resuming a demo the first generator made
    write_json(folder / "demo.json", DEMO_MARKER_FORMAT, 1, spec.to_json())
    return folder


class IngestStage(Stage):
    """Every slice of the sources not in the catalog yet, then the matrices."""

    name, title = "ingest", "ingest"

    def _paths(self, job: Job) -> list[Path]:
        plan = job.plan()
        if plan.source is not None and (plan.record or job.request.source or job.request.demo):
            return [Path(plan.source.path)]
        state = read_state(job.locations)
        return [Path(s.path) for s in state.sources
                if s.kind != "spotify" and Path(s.path).exists()]

    def is_done(self, job: Job) -> bool:
        if not job.locations.catalog_db.exists():
            return False
        with Catalog.open(job.locations) as catalog:
            if not matrices_are_current(job.locations, catalog):
                return False
            ingested = set(catalog.ingested_slices())
        return all(source.name in ingested for path in self._paths(job)
                   for source in find_slices(path))

    def run(self, job: Job) -> str:
        paths = self._paths(job)
        if not paths:
            _resume_impossible(job)
        total = IngestResult()
        relay = job.progress(self.name, "slices")
        for path in paths:
            result = ingest(job.locations, path, job.request.skip_bad,
                            progress=relay, cancel=job.cancel)
            total.ingested += result.ingested
            total.already_done += result.already_done
            total.playlists += result.playlists
            total.rows += result.rows
            total.skipped += result.skipped
        job.summary.ingest = {"ingested": total.ingested, "already_done": total.already_done,
                              "playlists": total.playlists, "rows": total.rows,
                              "skipped": [list(s) for s in total.skipped]}
        return f"{total.ingested} new slices, {total.already_done} already there"

    def skip(self, job: Job) -> str:
        there = sum(len(find_slices(path)) for path in self._paths(job))
        job.summary.ingest = {"ingested": 0, "already_done": there, "playlists": 0, "rows": 0,
                              "skipped": []}
        return "data ready"


def _resume_impossible(job: Job) -> None:
    state: DataState = read_state(job.locations)
    missing = ", ".join(s.path for s in state.sources if s.kind != "spotify")
    raise UserError(f"the ingest of {missing or 'the data'} was interrupted and it is gone: put "
                    "it back and run the same command, or ingest other data with --replace")


class FeaturesStage(Stage):
    """Audio features: the CSV files asked for (the demo's own), and a download from Spotify."""

    name, title = "features", "audio features"

    def _csv_files(self, job: Job) -> list[Path]:
        files = [Path(f).expanduser() for f in job.request.features_csv]
        demo_csv = job.locations.demo_dir / FEATURES_CSV
        holds_demo = read_state(job.locations).holds_demo()
        if (not files and holds_demo and demo_csv.exists()
                and not job.locations.features_db.exists()):
            files.append(demo_csv)
        return files

    def _download(self, job: Job) -> bool:
        wanted = job.request.download
        if wanted == "no" or (wanted == "if_logged_in" and not _logged_in(job.locations)):
            return False
        if not job.locations.catalog_db.exists():
            if wanted == "yes":
                raise UserError(f"no catalog in {job.locations.root} yet: ingest data first "
                                "(`mpdtui ingest PATH`, or the app's data step)")
            return False
        return True

    def is_done(self, job: Job) -> bool:
        return not self._csv_files(job) and not self._download(job)

    def run(self, job: Job) -> str:
        from mpdtui.data.features import FeatureStore

        outcomes = []
        relay = job.progress(self.name, "bytes")
        with FeatureStore.open(job.locations.ensure()) as store:
            for path in self._csv_files(job):
                outcomes.append(store.import_csv(path, progress=relay, cancel=job.cancel).describe())
                job.emit(Notice(self.name, outcomes[-1]))
        if self._download(job):
            outcomes.append(_download(job))
        job.summary.features = outcomes
        return outcomes[-1] if outcomes else "nothing to do"

    def skip(self, job: Job) -> str:
        return "nothing to import"


def _logged_in(locations: Locations) -> bool:
    from mpdtui.spotify import session

    return session.status(locations).logged_in


def _download(job: Job) -> str:
    from mpdtui.spotify.download import download

    with Catalog.open(job.locations) as catalog:
        uris = catalog.track_uris_by_popularity()
    relay = job.progress("features", "tracks")

    def forward(report: Progress) -> None:
        kind = getattr(report, "kind", "batch")
        if kind in ("rate_limited", "retry", "forbidden"):
            job.emit(Notice("features", report.message, float(getattr(report, "wait_s", 0.0))))
        else:
            relay(report)

    result = download(job.locations, uris, progress=forward, cancel=job.cancel,
                      retry_forbidden=job.request.retry_forbidden)
    return result.describe()


class SplitStage(Stage):
    """Hold out the evaluation playlists (deterministically); models train on the rest."""

    name, title = "split", "training split"

    def is_done(self, job: Job) -> bool:
        return training.current_split(job.locations) is not None

    def run(self, job: Job) -> str:
        split = job.split()
        return f"{len(split.train_rows):,} training playlists"

    def skip(self, job: Job) -> str:
        return "ready"


class ModelStage(Stage):
    """Train one model on the training split and save it; readers can serve it at once."""

    def __init__(self, model: str) -> None:
        self.name = self.title = model

    def _overrides(self, job: Job) -> dict[str, Any] | None:
        return job.settings.model_settings.get(self.name)

    def is_done(self, job: Job) -> bool:
        return not job.request.retrain and training.model_is_current(
            job.locations, self.name, job.split().fingerprint, self._overrides(job))

    def run(self, job: Job) -> str:
        job.models[self.name] = training.train_model(
            job.locations, self.name, job.training_data(), job.models,
            job.progress(self.name, name_inner=True), job.cancel, job.request.retrain,
            self._overrides(job))
        job.summary.trained.append(self.name)
        job.emit(ModelSaved(self.name))
        return "trained"

    def skip(self, job: Job) -> str:
        job.models[self.name] = training.load_model(job.locations, self.name,
                                                    job.training_data(), job.models)
        job.summary.reused.append(self.name)
        return "already trained for this data"


class EvaluateStage(Stage):
    """Score the models on the held-out playlists, the RecSys Challenge 2018 way."""

    name, title = "evaluate", "evaluation"

    def _models(self, job: Job) -> dict[str, Recommender]:
        if job.request.goal != "evaluate":
            return job.models
        names = job.request.models or _servable(job)
        if not names:
            raise UserError("no trained model to evaluate: run `mpdtui --train` first")
        missing = sorted(set(names) - set(_servable(job)))
        if missing:
            raise UserError(f"not trained for this data: {', '.join(missing)}: run "
                            "`mpdtui --train`")
        for name in training.with_components(names):
            job.models[name] = training.load_model(job.locations, name, job.training_data(),
                                                   job.models)
        return {n: job.models[n] for n in names}

    def is_done(self, job: Job) -> bool:
        if job.request.goal == "evaluate" or job.summary.trained:
            return False
        try:
            saved = training.load_report(job.locations)
        except FormatVersionError:
            return False  # damaged, or of another version: evaluated again
        return bool(saved and saved.get("fingerprint") == job.split().fingerprint
                    and set(saved["models"]) == set(job.models))

    def run(self, job: Job) -> str:
        job.summary.report = training.evaluate_models(
            job.locations, self._models(job), progress=job.progress(self.name, "playlists"),
            cancel=job.cancel, force=True)
        return "done"

    def skip(self, job: Job) -> str:
        job.summary.report = training.load_report(job.locations)
        return "already evaluated for this data"


def _servable(job: Job) -> list[str]:
    split = training.current_split(job.locations)
    if split is None:
        return []
    return [n for n in MODEL_NAMES
            if training.saved_model_fingerprint(job.locations, n) == split.fingerprint]


class SpotifyImportStage(Stage):
    """The user's own Spotify playlists: saved playlists, and an extra slice of training data."""

    name, title = "spotify", "Spotify import"

    def is_done(self, job: Job) -> bool:
        return False

    def run(self, job: Job) -> str:
        from mpdtui.data.saved_playlists import SavedPlaylists
        from mpdtui.spotify.client import open_client
        from mpdtui.spotify.export import import_own_playlists

        relay = job.progress(self.name, "playlists")

        def on_wait(wait: Any) -> None:
            job.emit(Notice(self.name, wait.message, float(wait.seconds)))

        client = open_client(job.locations.ensure(), on_wait=on_wait)
        ingest = _spotify_ingester(job) if job.request.spotify_training else None
        with SavedPlaylists.open(job.locations) as playlists:
            result = import_own_playlists(client, playlists, ingest=ingest, progress=relay,
                                          cancel=job.cancel)
        job.summary.spotify = {
            "user": result.user_id, "imported": result.imported, "tracks": result.tracks,
            "created": result.created, "updated": result.updated,
            "skipped_empty": result.skipped_empty, "skipped_not_own": result.skipped_not_own,
            "skipped_exported": result.skipped_exported}
        return f"{result.imported} playlists"


def _spotify_ingester(job: Job) -> Callable[[list[dict[str, Any]], str], None]:
    from mpdtui.data.ingest import ingest_playlists

    def add(playlists: list[dict[str, Any]], source_name: str) -> None:
        with Catalog.create_or_open(job.locations) as catalog:
            catalog.add_source(DataSource("spotify", source_name).to_json())
        ingest_playlists(job.locations, playlists, source_name)

    return add


DATA_STAGES: tuple[Callable[[], Stage], ...] = (SourceStage, DemoStage, IngestStage)


def stages_for(request: JobRequest, models: tuple[str, ...]) -> list[Stage]:
    """The stages a request runs, in pipeline order."""
    data = [make() for make in DATA_STAGES]
    if request.goal == "data":
        return data
    if request.goal == "features":
        return [FeaturesStage()]
    if request.goal == "evaluate":
        return [EvaluateStage()]
    if request.goal == "import_spotify":
        return [SpotifyImportStage()]
    return [*data, FeaturesStage(), SplitStage(), *(ModelStage(m) for m in models),
            EvaluateStage()]
