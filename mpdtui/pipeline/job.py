"""A job: one run of some pipeline stages, and what its stages share.

`Job` holds the request, the cache dir, how to report (`Job.emit`, `Job.progress`) and when to
stop (`Job.cancel`), and computes once what several stages need (the source plan, the
training split and data, the models trained so far). `Stage` is what every stage is: done
for the current data (`is_done`, then skipped) or run. `ProgressRelay` and `Heartbeat` turn a
stage's progress reports into `StageProgress` events, with a rate, the time left and a sign
of life during long silent steps. Two stages may run at once (`pipeline.overlap`): what they
share is locked.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from models.base import Recommender
from models.dataset import Dataset
from models.progress import Note, Progress, ProgressCallback
from models.registry import DEFAULT_MODELS
from mpdtui import config, splits, training
from mpdtui.data.files import read_json
from mpdtui.data.mpd import find_slices
from mpdtui.errors import UserError
from mpdtui.locations import Locations, real_path
from mpdtui.pipeline.display import counted
from mpdtui.pipeline.events import Event, Notice, StageProgress
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.sources import DataSource, DemoSpec, SourcePlan, plan_source, read_state

DEMO_MARKER_FORMAT = "mpdtui-demo"
PROGRESS_INTERVAL_S = 0.2
"""At most this often a stage's progress ticks are sent (the first and the last always are)."""
HEARTBEAT_S = 1.0
CANCEL_POLL_S = 0.1


@dataclass
class JobSummary:
    """What a job did, for the front ends' closing lines (JSON-able)."""

    source: str | None = None
    ingest: dict[str, Any] | None = None
    features: list[str] = field(default_factory=list)
    other_data_csv: list[str] = field(default_factory=list)
    """The features CSVs imported none of whose tracks is in the catalog (`OTHER_DATA`)."""
    behind_on_audio: list[str] = field(default_factory=list)
    """After a features job: the saved models that learned from other audio features."""
    audio_gained: int | None = None
    """How many more tracks have features than those models learned from (`AudioBehind`)."""
    trained: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None
    spotify: dict[str, Any] | None = None


class JobCancel(threading.Event):
    """A job's cancel flag: set by the caller's event (Ctrl-C, the app's escape), or by the job
    itself (`set`: a stage running beside the others failed, so they stop too) without
    setting the caller's."""

    def __init__(self, outer: threading.Event | None) -> None:
        super().__init__()
        self.outer = outer

    def is_set(self) -> bool:
        return super().is_set() or (self.outer is not None and self.outer.is_set())

    def wait(self, timeout: float | None = None) -> bool:
        """`Event.wait`, seeing the caller's event too (polled: setting it wakes only its own
        waiters)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            left = CANCEL_POLL_S if deadline is None else deadline - time.monotonic()
            if left <= 0:
                return False
            super().wait(min(left, CANCEL_POLL_S))
        return True


class Job:
    """One run of some stages: the request, where, how to report, when to stop."""

    def __init__(self, locations: Locations, request: JobRequest, emit: Callable[[Event], None],
                 cancel: threading.Event | None = None) -> None:
        self.locations = locations
        self.request = request
        self._emit, self._emit_lock = emit, threading.Lock()
        self.cancel = JobCancel(cancel)
        self.summary = JobSummary()
        self.settings = config.read(locations, check_models=request.uses_models)
        self.heartbeat = Heartbeat(self.emit)
        self.models: dict[str, Recommender] = {}
        """Models trained or loaded by this job (the ranker, the blend and the evaluation use
        them), in pipeline order once no stage runs beside another (`order_models`)."""
        self._lock = threading.RLock()  # the lazy caches and the models, for stages run at once
        self._plan: SourcePlan | None = None
        self._split: splits.Split | None = None
        self._data: Dataset | None = None

    def emit(self, event: Event) -> None:
        """Report `event`; from any thread, one whole event at a time."""
        if isinstance(event, Notice) and event.wait_s > 0:  # before the lock the beat holds
            self.heartbeat.quiet(event.stage, event.wait_s)
        with self._emit_lock:
            self._emit(event)

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

    def split(self) -> splits.Split:
        with self._lock:
            if self._split is None:
                self._split = splits.training_split(self.locations)
            return self._split

    def training_data(self) -> Dataset:
        with self._lock:
            if self._data is None:
                data = splits.training_dataset(self.locations, self.split())
                if data.interactions.nnz == 0:  # every slice skipped as bad, or empty playlists
                    raise UserError(self._nothing_to_learn_from())
                self._data = data
            return self._data

    def _nothing_to_learn_from(self) -> str:
        """Why training has no playlist to learn from: the slices this job's --skip-bad left out
        (said before the skipped list is printed, which a failed job never prints), or none
        with tracks."""
        empty = f"no playlist in {self.locations.root} has a track to learn from"
        skipped = (self.summary.ingest or {}).get("skipped") or []
        if not skipped:
            return f"{empty}: ingest slices with tracks (`mpdtui ingest PATH`), then run it again"
        others = f" (and {counted(len(skipped) - 1, 'more bad slice')})" if len(skipped) > 1 else ""
        return (f"{empty}: --skip-bad skipped every slice as bad: {skipped[0][1]}{others}; fix "
                "the slices, or give others, then run it again")

    def share(self) -> None:
        """Compute now what stages about to run at once read (the split, the training data and
        its popularity), so that neither thread computes it while the other waits."""
        self.training_data().track_popularity()

    def keep_model(self, name: str, model: Recommender, how: Literal["trained", "reused"]) -> None:
        """A model trained (or loaded) by a stage, for the stages that use it and the summary."""
        with self._lock:
            self.models[name] = model
            getattr(self.summary, how).append(name)

    def order_models(self, order: list[str]) -> None:
        """Put the models and the summary's lists in `order` (pipeline order), whatever order
        stages running at once finished in; only while no stage runs beside another."""
        rank = {name: i for i, name in enumerate(order)}
        with self._lock:
            ordered = sorted(self.models.items(), key=lambda item: rank.get(item[0], len(rank)))
            self.models.clear()
            self.models.update(ordered)
            for names in (self.summary.trained, self.summary.reused):
                names.sort(key=lambda name: rank.get(name, len(rank)))

    def asked_models(self) -> tuple[str, ...]:
        """The models asked for and those they are built on, in training order."""
        return training.with_components(self.request.models or DEFAULT_MODELS,
                                        self.settings.model_settings)

    def model_names(self) -> tuple[str, ...]:
        """`asked_models`; when some are named (`--models als`), also the saved ones built on
        them (the ranker), which would not fit a retrained one, in training order."""
        asked = self.asked_models()
        if not self.request.models:
            return asked
        dependents = training.saved_dependents(self.locations, asked)
        return training.with_components((*asked, *dependents), self.settings.model_settings)

    def progress(self, stage: str, unit: str = "", name_inner: bool = False) -> ProgressCallback:
        """A `models.base.Progress` callback sending `StageProgress` events for `stage`, with
        the rate and time left so far (`ProgressRelay`)."""
        return ProgressRelay(stage, unit, self.heartbeat.send, name_inner,
                             said=lambda text: self.emit(Notice(stage, text)))


class ProgressRelay:
    """Turns a stage's `Progress` reports into `StageProgress` events with a rate and time
    left, sending progress ticks at most every `PROGRESS_INTERVAL_S` (a new phase, its first
    step and a report that does not move `done` always go). The rate is measured from a
    phase's first step on, not from its start.

    Reports under another name (a model training inside the blend) are shown on this stage's
    bar, with that name leading the message when `name_inner`."""

    def __init__(self, stage: str, unit: str, send: Callable[[StageProgress], None],
                 name_inner: bool = False, clock: Callable[[], float] = time.monotonic,
                 said: Callable[[str], None] | None = None) -> None:
        self.stage, self.unit, self.send, self.name_inner = stage, unit, send, name_inner
        self.said = said
        """Where a `Note` goes (a `Notice` of the stage); None: it shows as progress."""
        self.clock = clock
        self.started = clock()
        self.first_done = 0.0
        self.last_done: float | None = None
        self.last_unit: str | None = None  # None: nothing reported yet
        self.warming_up = True  # the phase has not moved yet
        self.last_sent = 0.0

    def __call__(self, report: Progress) -> None:
        if isinstance(report, Note) and self.said is not None:
            self.said(report.message)
            return
        now = self.clock()
        finished = report.total is not None and report.done >= report.total
        unit = getattr(report, "unit", "")
        if self._new_phase(report.done, unit):
            self.first_done, self.started = report.done, now  # measure its rate afresh
            self.last_unit, self.warming_up = unit, True
        elif self.warming_up and report.done > self.first_done and not finished:
            # a phase's first step carries its start-up (TensorFlow tracing its graph, a process
            # pool starting): its rate said "ETA 18:41" for a minute of resumed training
            self.first_done, self.started, self.warming_up = report.done, now, False
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
                                unit or self.unit, message, rate, eta))

    def _new_phase(self, done: float, unit: str) -> bool:
        """Whether a report starts counting something else: the first, one that counts back or
        one in other units (the ranker's 5,824 playlists, then its 400 rounds from 1: the
        rounds' rate is not the playlists')."""
        if unit != self.last_unit:
            return True
        return self.last_done is not None and done < self.last_done


@dataclass
class _Beat:
    """One running stage's last progress, and when its phase began and something was sent."""

    last: StageProgress | None
    phase_started: float
    last_sent: float


class Heartbeat:
    """While a stage runs, resends its last progress every `HEARTBEAT_S` when nothing new came,
    with how long the current phase has taken ("loading TensorFlow · 4 s"): a long step (an
    import, a first compile, a big matrix) shows as alive, not frozen. Each running stage beats
    on its own (two run at once: `pipeline.overlap`)."""

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self.emit = emit
        self.lock = threading.Lock()
        self.running: dict[str, _Beat] = {}

    def send(self, event: StageProgress) -> None:
        with self.lock:
            beat = self.running.get(event.stage)
            if beat is not None:
                beat.last = event
                beat.phase_started = beat.last_sent = time.monotonic()
            self.emit(event)

    def quiet(self, stage: str, seconds: float) -> None:
        """No beat for `seconds`: a wait the stage just announced ("retrying in 4 s") beat
        as bare seconds ("spotify: 1 s", "spotify: 3 s")."""
        with self.lock:
            beat = self.running.get(stage)
            if beat is not None:
                beat.last_sent = max(beat.last_sent, time.monotonic() + seconds)

    @contextmanager
    def beating(self, stage: str) -> Iterator[None]:
        now = time.monotonic()
        with self.lock:
            self.running[stage] = _Beat(None, now, now)
        stop = threading.Event()
        thread = threading.Thread(target=self._beat, args=(stage, stop), daemon=True,
                                  name=f"heartbeat-{stage}")
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            with self.lock:
                self.running.pop(stage, None)

    def _beat(self, stage: str, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_S):
            with self.lock:
                beat, now = self.running.get(stage), time.monotonic()
                if beat is None or now - beat.last_sent < HEARTBEAT_S:
                    continue
                base = beat.last or StageProgress(stage, 0.0, None)
                took = f"{now - beat.phase_started:.0f} s"
                message = f"{base.message} · {took}" if base.message else took
                beat.last_sent = now
                self.emit(replace(base, message=message))


def source_for_path(locations: Locations, path: Path) -> DataSource:
    """The source `path` is: the cache dir's demo folder is the demo dataset."""
    resolved = real_path(path)
    if resolved == real_path(locations.demo_dir):
        marker = read_json(locations.demo_dir / "demo.json", DEMO_MARKER_FORMAT, 1, "")
        if marker:
            return DataSource.of_demo(locations, DemoSpec.from_json(marker))
    return DataSource.mpd(resolved)


class Stage(ABC):
    """One step of the pipeline: `name` keys its events, `title` names its bar."""

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

    def may_run_beside(self, job: Job) -> bool:
        """Whether the stage leaves cores idle long enough that later stages not needing it
        should run beside it (`pipeline.overlap`)."""
        return False

    def waits_for(self, other: Stage, job: Job) -> bool:
        """Whether `other`, earlier in the pipeline, must be finished before this one starts
        (every stage needs all those before it, unless it knows better)."""
        return True

