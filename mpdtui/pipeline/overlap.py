"""Which stages of a job run at once: one that leaves cores idle runs in a background thread.

`stages.stages_for` still defines the pipeline and its order; this decides what may overlap.
A stage that `may_run_beside` others (the two-tower fit: TensorFlow's steps keep about one
core busy for most of a `--train`) starts in a background thread as soon as it needs none of
the stages still to run before it (`Stage.waits_for`: the data and the split, not the other
retrievers), and only when at least one stage still to run does not need it: overlapping
must have something to overlap. The main thread goes on in pipeline order without it and
waits for it before the first stage that needs it (the ranker, the blend, the evaluation).

While a background stage runs, the main thread's OpenMP pools (implicit's ALS and item-kNN)
leave it a core: on two cores, two threads each would slow the stage that decides the job's
time.

Each stage reports its own events as before. A failure in the background stage stops the
main thread at its next cancel check and becomes the job's error; a cancel, or a failure in
the main thread, stops the background stage; the thread never outlives the job (`Overlap`
is a context manager). Nothing overlaps with `overlap_stages: false` in config.json, or on
one core.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from types import TracebackType

from threadpoolctl import threadpool_limits

from models.progress import Cancelled
from mpdtui.pipeline.events import StageFinished, StageStarted
from mpdtui.pipeline.job import Job, Stage


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run_stage(job: Job, stage: Stage) -> None:
    """Run `stage`, already announced (`StageStarted`), beating, then say it is done."""
    with job.heartbeat.beating(stage.name):
        outcome = stage.run(job)
    job.emit(StageFinished(stage.name, "done", outcome))


def pick(rest: Sequence[Stage], job: Job, taken: set[str]) -> Stage | None:
    """The stage of `rest` (the stages still to run, the next one first; `taken`: those the
    background ran already) to start in the background now, if any."""
    for index, candidate in enumerate(rest):
        if candidate.name in taken or not candidate.may_run_beside(job):
            continue
        before = [s for s in rest[:index] if s.name not in taken]
        if any(candidate.waits_for(s, job) for s in before) or candidate.is_done(job):
            continue
        after = [s for s in rest[index + 1:]
                 if s.name not in taken and not s.waits_for(candidate, job)]
        if any(not s.is_done(job) for s in (*before, *after)):
            return candidate
    return None


class Overlap:
    """The job's background lane: at most one stage at a time runs in it, beside the main
    thread's. Use as a context manager around the main thread's stages."""

    def __init__(self, job: Job, stages: Sequence[Stage]) -> None:
        self.job = job
        self.order = [stage.name for stage in stages]
        self.enabled = job.settings.overlap_stages and usable_cores() > 1
        self.taken: set[str] = set()
        """Stages run in the background (running or done): the main thread skips them."""
        self.stage: Stage | None = None
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def runs(self, stage: Stage) -> bool:
        return stage.name in self.taken

    def maybe_start(self, rest: Sequence[Stage]) -> None:
        """Start a stage of `rest` (the stages still to run, the next one first) in the
        background when that overlaps work (`pick`)."""
        if not self.enabled or self.thread is not None:
            return
        stage = pick(rest, self.job, self.taken)
        if stage is None:
            return
        self.job.share()  # computed once, here, not by both threads
        self.job.emit(StageStarted(stage.name, stage.title))
        self.taken.add(stage.name)
        self.stage = stage
        self.thread = threading.Thread(target=self._run, args=(stage,),
                                       name=f"stage-{stage.name}")
        self.thread.start()

    def run_here(self, stage: Stage) -> None:
        """Run `stage` (announced) in the main thread, leaving the background stage a core."""
        if self.thread is None or not self.thread.is_alive():
            run_stage(self.job, stage)
            return
        # per thread: only the main thread's parallel regions get fewer threads
        with threadpool_limits(max(1, usable_cores() - 1), user_api="openmp"):
            run_stage(self.job, stage)

    def wait_before(self, stage: Stage) -> None:
        """Wait for the background stage when `stage` needs it; raises its error."""
        if self.stage is None or self.runs(stage) or not stage.waits_for(self.stage, self.job):
            return
        error = self._join()
        if error is not None:
            raise error

    def _run(self, stage: Stage) -> None:
        try:
            run_stage(self.job, stage)
        except BaseException as exc:  # run_job raises it once the main thread has stopped
            self.error = exc
            self.job.cancel.set()

    def _join(self) -> BaseException | None:
        """Wait for the background stage, put the models back in pipeline order; its error."""
        assert self.thread is not None
        self.thread.join()
        self.thread = self.stage = None
        self.job.order_models(self.order)
        error, self.error = self.error, None
        return error

    def __enter__(self) -> Overlap:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.thread is None:
            return
        if exc is not None:
            self.job.cancel.set()  # the main thread failed or was cancelled: stop the other
        error = self._join()
        if error is None or (isinstance(error, Cancelled) and exc is not None):
            return
        if exc is None:
            raise error
        if isinstance(exc, Cancelled):
            # the main thread stopped because of it: that Cancelled is no cause of `error`
            raise error from None
