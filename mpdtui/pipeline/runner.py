"""Run a job's stages under the cache dir's writer lock, reporting typed events.

`run_job` raises (for callers in the same process: the service, tests); `execute` turns
every outcome into a final event and an exit code (the job process). Stages run in pipeline
order, one of them possibly in a background thread beside the others (`pipeline.overlap`).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict

from models.model_dir import ModelFormatError
from models.progress import Cancelled, check_cancel
from models.registry import UnknownModelError, model_class
from mpdtui.data.files import FormatVersionError
from mpdtui.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UserError,
    file_error_line,
)
from mpdtui.locations import Locations
from mpdtui.pipeline.events import (
    Event,
    FailureKind,
    JobFailed,
    JobFinished,
    StageFinished,
    StageStarted,
)
from mpdtui.pipeline.job import Job, JobSummary
from mpdtui.pipeline.lock import CacheBusy, WriterLock
from mpdtui.pipeline.overlap import Overlap
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.stages import stages_for
from mpdtui.pipeline.unfinished import TrainingMark

USER_ERRORS = (UserError, FormatVersionError, ModelFormatError, UnknownModelError)
"""Problems the user can fix: one line, exit code 2."""


def run_job(locations: Locations, request: JobRequest, emit: Callable[[Event], None],
            cancel: threading.Event | None = None) -> JobSummary:
    """Every stage of `request` that is not done yet, in order (one may run beside the others:
    `pipeline.overlap`); raises `CacheBusy` when another process writes to the cache dir,
    `Cancelled` when `cancel` is set, a background stage's error as its own."""
    for name in request.models or ():
        model_class(name)  # an unknown name is bad input, said before any work
    with WriterLock(locations, request.describe()) if request.writes else nullcontext():
        trains = request.goal == "setup"
        mark = TrainingMark(locations, emit)
        job = Job(locations, request, mark.emit if trains else emit, cancel)
        mark.models = job.model_names() if request.uses_models else ()
        stages = stages_for(request, mark.models)
        with Overlap(job, stages) as overlap:
            for index, stage in enumerate(stages):
                check_cancel(job.cancel)
                overlap.wait_before(stage)
                overlap.maybe_start(stages[index:])
                if overlap.runs(stage):
                    continue
                if stage.is_done(job):
                    job.emit(StageFinished(stage.name, "skipped", stage.skip(job)))
                    continue
                job.emit(StageStarted(stage.name, stage.title))
                overlap.run_here(stage)
        if trains:
            mark.finished()
        return job.summary


def execute(locations: Locations, request: JobRequest, emit: Callable[[Event], None],
            cancel: threading.Event | None = None) -> int:
    """`run_job`, ending with one `JobFinished` or `JobFailed` event; the exit code."""
    try:
        summary = run_job(locations, request, emit, cancel)
    except CacheBusy as exc:
        return _fail(emit, "busy", exc, EXIT_BAD_INPUT)
    except USER_ERRORS as exc:
        return _fail(emit, "user", exc, EXIT_BAD_INPUT)
    except OSError as exc:  # a path that cannot be read or written: the user's to fix
        return _fail(emit, "user", _naming_file(exc), EXIT_BAD_INPUT)
    except (Cancelled, KeyboardInterrupt) as exc:
        return _fail(emit, "cancelled", exc, EXIT_INTERRUPTED)
    except Exception as exc:
        return _fail(emit, "unexpected", exc, EXIT_FAILED)
    emit(JobFinished(asdict(summary)))
    return EXIT_OK


def _naming_file(exc: OSError) -> UserError:
    return UserError(file_error_line(exc))


def _fail(emit: Callable[[Event], None], reason: FailureKind, exc: BaseException, code: int) -> int:
    message = str(exc) if reason != "unexpected" else f"{type(exc).__name__}: {exc}"
    if reason == "cancelled":
        message = "cancelled: what was finished is kept; run it again to resume"
    details = "".join(traceback.format_exception(exc))
    emit(JobFailed(reason, message, details))
    return code
