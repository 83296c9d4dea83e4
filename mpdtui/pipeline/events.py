"""The typed events a job reports, and their one-line JSON form.

A job (`mpdtui.pipeline.runner.execute`) reports through a callback taking these events; a
job running in a child process writes them as JSON lines on a pipe, and its parent reads
them back with `decode`. Both front ends render the same events: the CLI as progress bars
or plain lines, the app as progress widgets.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, Literal

import orjson

StageOutcome = Literal["done", "skipped"]
FailureKind = Literal["user", "busy", "cancelled", "killed", "unexpected"]
"""Why a job ended unfinished; "killed": its process was ended by a signal it could not
answer (SIGKILL: out of memory, or `kill -9`), which leaves what it finished resumable."""


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = "event"


@dataclass(frozen=True)
class StageStarted(Event):
    """A stage begins (it was not done for the current data)."""

    kind: ClassVar[str] = "stage_started"
    stage: str
    title: str = ""


@dataclass(frozen=True)
class StageProgress(Event):
    """`done` of `total` `unit`s (total None: unknown), with the rate and time left so far."""

    kind: ClassVar[str] = "progress"
    stage: str
    done: float
    total: float | None
    unit: str = ""
    message: str = ""
    rate: float | None = None
    """Units per second since the stage started (None before there is a measure)."""
    eta_s: float | None = None


@dataclass(frozen=True)
class StageFinished(Event):
    kind: ClassVar[str] = "stage_finished"
    stage: str
    outcome: StageOutcome = "done"
    message: str = ""


@dataclass(frozen=True)
class Notice(Event):
    """Something the user should read (a skipped bad slice, a rate limit, a 403...)."""

    kind: ClassVar[str] = "notice"
    stage: str
    message: str
    wait_s: float = 0.0
    """A pause that starts now (rate limits), for a countdown; 0 when none."""


@dataclass(frozen=True)
class ModelSaved(Event):
    """A trained model is on disk and servable: readers may load it now."""

    kind: ClassVar[str] = "model_saved"
    model: str


@dataclass(frozen=True)
class JobFinished(Event):
    kind: ClassVar[str] = "finished"
    summary: dict[str, Any] = field(default_factory=dict)
    """What the job did: see `runner.JobSummary`."""


@dataclass(frozen=True)
class JobFailed(Event):
    """The job stopped: `kind` says why (bad input, busy cache dir, cancelled, a bug)."""

    kind: ClassVar[str] = "failed"
    reason: FailureKind
    message: str
    details: str = ""
    """A traceback for "unexpected" failures (shown with --debug)."""
    stopped_by: int | None = None
    """For "cancelled": the signal that reached the job process itself (`kill PID` with the pid
    that `info` and a busy cache dir name), so the command exits 128 + it as if stopped itself."""


EVENT_TYPES: dict[str, type[Event]] = {cls.kind: cls for cls in (
    StageStarted, StageProgress, StageFinished, Notice, ModelSaved, JobFinished, JobFailed)}


def encode(event: Event) -> bytes:
    """One JSON line (ending in a newline)."""
    return orjson.dumps({"event": event.kind, **asdict(event)}) + b"\n"


def decode(line: bytes | str) -> Event:
    """The event of one JSON line; ValueError for anything else."""
    try:
        document = orjson.loads(line)
        cls = EVENT_TYPES[document.pop("event")]
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in document.items() if k in known})
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a job event: {str(line)[:80]!r}") from exc


def is_final(event: Event) -> bool:
    return isinstance(event, JobFinished | JobFailed)
