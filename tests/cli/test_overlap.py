"""Stages that can overlap run at once (`mpdtui.pipeline.overlap`): a stage that leaves cores
idle runs in a background thread beside those that do not need it; what needs it waits.

Fake stages synchronise on `threading.Event`s: two stages that did not run at once would
wait for each other until `WAIT_S` and fail, never pass by luck; nothing is timed."""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from models.progress import Cancelled, check_cancel, report
from mpdtui import config
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.pipeline import job as job_module
from mpdtui.pipeline import overlap, runner
from mpdtui.pipeline.events import (
    Event,
    JobFailed,
    StageFinished,
    StageProgress,
    StageStarted,
)
from mpdtui.pipeline.job import Heartbeat, Job, JobCancel, Stage
from mpdtui.pipeline.model_stages import EvaluateStage, ModelStage
from mpdtui.pipeline.request import JobRequest
from mpdtui.progress_view import HeadlessProgress
from mpdtui.tui.jobs import Headline

WAIT_S = 60.0
"""How long a fake stage waits for the other before the test fails (never reached when
the stages overlap)."""


class FakeStage(Stage):
    """A stage whose work is `work(job)`; `beside`: it may run beside others; `needs`: the
    stages it waits for (None: every earlier one); `done`: the set of stages already done."""

    def __init__(self, name: str, work: Callable[[Job], None], done: set[str], *,
                 beside: bool = False, needs: set[str] | None = None) -> None:
        self.name = self.title = name
        self.work, self.done, self.beside, self.needs = work, done, beside, needs
        self.threads: list[str] = []

    def is_done(self, job: Job) -> bool:
        return self.name in self.done

    def run(self, job: Job) -> str:
        self.threads.append(threading.current_thread().name)
        self.work(job)
        self.done.add(self.name)
        return "ran"

    def may_run_beside(self, job: Job) -> bool:
        return self.beside

    def waits_for(self, other: Stage, job: Job) -> bool:
        return self.needs is None or other.name in self.needs


def waited(event: threading.Event, what: str) -> None:
    if not event.wait(WAIT_S):
        raise AssertionError(f"waited {WAIT_S:.0f} s for {what}: the stages did not overlap")


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[
        Callable[[list[Stage]], None]]:
    """Makes `run_job` run the given stages (no data needed), on two cores."""
    monkeypatch.setattr(Job, "share", lambda self: None)
    monkeypatch.setattr(overlap, "usable_cores", lambda: 2)

    def use(stages: list[Stage]) -> None:
        monkeypatch.setattr(runner, "stages_for", lambda request, models: stages)

    yield use
    assert not [t for t in threading.enumerate() if t.name.startswith("stage-")], \
        "a background stage outlived its job"


def run(tmp_path: Path, cancel: threading.Event | None = None) -> list[Event]:
    events: list[Event] = []
    runner.run_job(Locations.resolve(tmp_path / "cache"), JobRequest("setup"), events.append,
                   cancel)
    return events


def position(events: list[Event], kind: type[Event], stage: str) -> int:
    return next(i for i, e in enumerate(events)
                if isinstance(e, kind) and getattr(e, "stage", None) == stage)


def test_independent_stages_run_at_once_and_the_dependent_one_waits(
        tmp_path: Path, pipeline: Callable[[list[Stage]], None]) -> None:
    slow_started, quick_done = threading.Event(), threading.Event()
    openmp: list[int] = []

    def slow(job: Job) -> None:
        slow_started.set()
        waited(quick_done, "the quick stage")  # finishes only once the other stage has run

    def quick(job: Job) -> None:
        waited(slow_started, "the slow stage")
        report(job.progress("quick"), "quick", 1, 2)
        openmp.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp")
        quick_done.set()

    done: set[str] = set()
    stages = [FakeStage("data", lambda job: None, done),
              FakeStage("quick", quick, done, needs={"data"}),
              FakeStage("slow", slow, done, beside=True, needs={"data"}),
              FakeStage("after", lambda job: None, done)]
    pipeline(stages)
    import implicit  # noqa: F401 (loads OpenMP, so that the limit below reaches it)

    with threadpool_limits(2, user_api="openmp"):  # a thread per core, as without the suite's 1
        events = run(tmp_path)
    started, finished = position(events, StageStarted, "slow"), position(events, StageFinished, "slow")
    assert position(events, StageFinished, "data") < started, "it starts after what it needs"
    assert started < position(events, StageStarted, "quick"), "the longest starts first"
    assert started < position(events, StageProgress, "quick") < finished
    assert position(events, StageFinished, "quick") < position(events, StageStarted, "after")
    assert finished < position(events, StageStarted, "after"), "a stage waits for what it needs"
    assert stages[2].threads == ["stage-slow"] and stages[1].threads == ["MainThread"]
    assert openmp and set(openmp) == {1}, "beside it, the main thread's pools leave it a core"
    assert done == {"data", "quick", "slow", "after"}


def test_nothing_overlaps_with_nothing_to_overlap_when_turned_off_or_on_one_core(
        tmp_path: Path, pipeline: Callable[[list[Stage]], None],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def stages(done: set[str]) -> list[Stage]:
        return [FakeStage("quick", lambda job: None, done),
                FakeStage("slow", lambda job: None, done, beside=True, needs=set()),
                FakeStage("after", lambda job: None, done)]

    only_slow = stages({"quick"})  # the other one is done: nothing to run beside it
    pipeline(only_slow)
    run(tmp_path)
    assert only_slow[1].threads == ["MainThread"]

    config.update(Locations.resolve(tmp_path / "cache"), overlap_stages=False)
    turned_off = stages(set())
    pipeline(turned_off)
    run(tmp_path)
    assert turned_off[1].threads == ["MainThread"]

    config.update(Locations.resolve(tmp_path / "cache"), overlap_stages=True)
    monkeypatch.setattr(overlap, "usable_cores", lambda: 1)
    one_core = stages(set())
    pipeline(one_core)
    run(tmp_path)
    assert one_core[1].threads == ["MainThread"]


@pytest.mark.parametrize(("error", "reason", "code"), [
    (UserError("two_tower: bad settings"), "user", runner.EXIT_BAD_INPUT),
    (RuntimeError("boom"), "unexpected", runner.EXIT_FAILED),
])
def test_a_failure_in_the_background_stops_the_job_as_itself(
        tmp_path: Path, pipeline: Callable[[list[Stage]], None], error: Exception, reason: str,
        code: int) -> None:
    quick_started = threading.Event()

    def slow(job: Job) -> None:
        waited(quick_started, "the quick stage")
        raise error

    def quick(job: Job) -> None:
        quick_started.set()
        waited(job.cancel, "the job to stop")  # the main thread's next cancel check
        check_cancel(job.cancel)

    done: set[str] = set()
    pipeline([FakeStage("slow", slow, done, beside=True, needs=set()),
              FakeStage("quick", quick, done, needs=set()),
              FakeStage("after", lambda job: None, done)])
    events: list[Event] = []
    caller_cancel = threading.Event()
    assert runner.execute(Locations.resolve(tmp_path / "cache"), JobRequest("setup"),
                          events.append, caller_cancel) == code
    failed = events[-1]
    assert isinstance(failed, JobFailed) and failed.reason == reason
    assert str(error) in failed.message and "Cancelled" not in failed.details
    assert not any(isinstance(e, StageStarted) and e.stage == "after" for e in events)
    assert not caller_cancel.is_set(), "the job stops itself without setting its caller's event"


def test_cancel_stops_both_and_a_rerun_resumes(tmp_path: Path,
                                               pipeline: Callable[[list[Stage]], None]) -> None:
    cancel, slow_started = threading.Event(), threading.Event()
    done: set[str] = set()

    def slow(job: Job) -> None:
        slow_started.set()
        waited(job.cancel, "the cancel")
        check_cancel(job.cancel)

    def cancels(job: Job) -> None:
        waited(slow_started, "the slow stage")
        cancel.set()  # Ctrl-C
        check_cancel(job.cancel)

    def stages(second: Callable[[Job], None], first_slow: Callable[[Job], None]) -> list[Stage]:
        return [FakeStage("first", lambda job: None, done),
                FakeStage("slow", first_slow, done, beside=True, needs={"first"}),
                FakeStage("second", second, done, needs=set()),
                FakeStage("after", lambda job: None, done)]

    pipeline(stages(cancels, slow))
    with pytest.raises(Cancelled):
        run(tmp_path, cancel)
    assert done == {"first"}, "what was finished is kept"

    again = stages(lambda job: None, lambda job: None)
    pipeline(again)
    events = run(tmp_path, threading.Event())
    skipped = [e.stage for e in events if isinstance(e, StageFinished) and e.outcome == "skipped"]
    assert skipped == ["first"] and done == {"first", "slow", "second", "after"}
    assert again[1].threads == ["stage-slow"]


def test_the_model_stages_know_what_they_are_built_on(tmp_path: Path) -> None:
    job = Job(Locations.resolve(tmp_path / "cache"), JobRequest("setup"), lambda event: None)
    two_tower, als, ranker = ModelStage("two_tower"), ModelStage("als"), ModelStage("ranker")
    assert two_tower.may_run_beside(job) and not als.may_run_beside(job)
    assert ranker.waits_for(two_tower, job) and ranker.waits_for(als, job)
    assert not als.waits_for(two_tower, job) and not ModelStage("popularity").waits_for(als, job)
    assert EvaluateStage().waits_for(two_tower, job)
    config.update(job.locations, model_settings={"ranker": {"components": ["als", "title"]}})
    job = Job(job.locations, JobRequest("setup"), lambda event: None)
    assert not ranker.waits_for(two_tower, job), "the ranker's components are its settings"


def test_pick_overlaps_only_what_has_something_beside_it(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    job = Job(Locations.resolve(tmp_path / "cache"), JobRequest("setup"), lambda event: None)
    done: set[str] = set()
    monkeypatch.setattr(ModelStage, "is_done", lambda self, job: self.name in done)
    stages = [ModelStage(n) for n in ("popularity", "als", "two_tower", "ranker")]
    assert overlap.pick([*stages, EvaluateStage()], job, set()) is stages[2]
    assert overlap.pick([FakeStage("split", lambda job: None, set()), *stages], job, set()) \
        is None, "not before the split"
    done.update({"popularity", "als"})
    assert overlap.pick(stages, job, set()) is None, "the ranker needs it: nothing to overlap"
    done.add("two_tower")
    assert overlap.pick(stages, job, set()) is None


def test_models_and_the_summary_keep_pipeline_order(tmp_path: Path) -> None:
    job = Job(Locations.resolve(tmp_path / "cache"), JobRequest("setup"), lambda event: None)
    for name in ("popularity", "title", "als", "two_tower"):  # two_tower came first
        job.keep_model(name, object(), "reused" if name == "title" else "trained")  # type: ignore[arg-type]
    job.keep_model("item_knn", object(), "trained")  # type: ignore[arg-type]
    job.order_models(["popularity", "title", "item_knn", "als", "two_tower"])
    assert list(job.models) == ["popularity", "title", "item_knn", "als", "two_tower"]
    assert job.summary.trained == ["popularity", "item_knn", "als", "two_tower"]
    assert job.summary.reused == ["title"]


def test_events_from_two_threads_are_sent_one_at_a_time(tmp_path: Path) -> None:
    inside = threading.Lock()

    def emit(event: Event) -> None:
        assert inside.acquire(blocking=False), "two events sent at once"
        inside.release()

    job = Job(Locations.resolve(tmp_path / "cache"), JobRequest("setup"), emit)
    errors: list[BaseException] = []

    def send(stage: str) -> None:
        try:
            for i in range(2000):
                job.emit(StageProgress(stage, i, None))
        except AssertionError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(s,)) for s in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_the_heartbeat_beats_for_each_running_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_module, "HEARTBEAT_S", 0.01)
    seen: dict[str, threading.Event] = {"two_tower": threading.Event(), "als": threading.Event()}
    beats: list[StageProgress] = []

    def emit(event: Event) -> None:
        assert isinstance(event, StageProgress)
        beats.append(event)
        # a heartbeat (not what was sent); two_tower's, once it beats with what was sent (one
        # before that, a loaded machine's, says only the seconds)
        if event.stage == "als" or event.message.startswith("epoch 1/30 · "):
            seen[event.stage].set()

    heartbeat = Heartbeat(emit)
    with heartbeat.beating("two_tower"):
        heartbeat.send(StageProgress("two_tower", 1, 30, "", "epoch 1/30"))
        with heartbeat.beating("als"):
            for event in seen.values():
                waited(event, "a heartbeat")
        assert set(heartbeat.running) == {"two_tower"}
    assert not heartbeat.running
    assert any(b.stage == "two_tower" and b.message.startswith("epoch 1/30 · ") for b in beats)


def test_the_jobs_cancel_sees_its_callers_and_never_sets_it() -> None:
    outer = threading.Event()
    cancel = JobCancel(outer)
    assert not cancel.is_set() and not cancel.wait(0)
    outer.set()
    assert cancel.is_set() and cancel.wait(WAIT_S)
    inner_only = JobCancel(threading.Event())
    inner_only.set()
    assert inner_only.is_set() and not inner_only.outer.is_set()  # type: ignore[union-attr]


def test_two_running_stages_render_in_the_header_and_the_progress_lines() -> None:
    events: list[Event] = [
        StageStarted("two_tower", "two_tower"), StageStarted("als", "als"),
        StageProgress("two_tower", 1, 4, "epochs"), StageProgress("als", 3, 15, "iterations"),
        StageProgress("als", 15, 15, "iterations"), StageFinished("als", "done", "trained"),
        StageProgress("two_tower", 4, 4, "epochs")]
    headline = Headline()
    words = [headline.update(e) for e in events]
    assert words[1] == "two_tower… · als…"
    assert words[3] == "two_tower 25% · als 20%"
    assert words[5] == "two_tower 25%", "the finished one leaves the header"
    assert headline.update(StageFinished("split", "skipped")) is None
    # a phase in other units: its share starts again, and says of what (it read 78%, then 4%)
    assert headline.update(StageProgress("ranker", 78, 100, "validation playlists")) == (
        "two_tower 100% · ranker 78%")
    assert headline.update(StageProgress("ranker", 4, 100, "rounds")) == (
        "two_tower 100% · ranker rounds 4%")

    out = io.StringIO()
    with HeadlessProgress(out) as view:
        for event in events:
            view.show(event)
    lines = out.getvalue().splitlines()
    assert lines == ["two_tower: 1/4 epochs", "als: 3/15 iterations", "als: 15/15 iterations",
                     "two_tower: 4/4 epochs"]


SMALL_TWO_TOWER = {"dim": 8, "hidden": 0, "epochs": 1, "batch_size": 256,
                   "examples_per_playlist": 1}


@pytest.mark.tf
def test_a_real_train_overlaps_the_two_tower_fit(small_store: Locations, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The real stages: two-tower in the background, the others beside it, the evaluation
    after both, the summary in pipeline order."""
    monkeypatch.setattr(overlap, "usable_cores", lambda: 2)
    shutil.copytree(small_store.root, tmp_path / "cache")
    locations = Locations.resolve(tmp_path / "cache")
    config.update(locations, model_settings={"two_tower": SMALL_TWO_TOWER})
    events: list[Event] = []
    summary = runner.run_job(locations, JobRequest("setup", models=("popularity", "two_tower",
                                                                    "title")), events.append)
    started = position(events, StageStarted, "two_tower")
    assert started < position(events, StageStarted, "popularity")
    assert position(events, StageFinished, "two_tower") < position(events, StageStarted, "evaluate")
    assert summary.trained == ["popularity", "title", "two_tower"]
    assert summary.report is not None
    assert list(summary.report["models"]) == ["popularity", "title", "two_tower"]


def test_the_setting_is_a_boolean(tmp_path: Path) -> None:
    locations = Locations.resolve(tmp_path / "cache")
    assert config.read(locations).overlap_stages
    config.update(locations, overlap_stages="no")
    with pytest.raises(UserError, match='"overlap_stages" must be true or false'):
        config.read(locations)
