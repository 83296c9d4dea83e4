"""The one progress/cancel contract of every long job: models' fits, the data ingest, the
Spotify client and both front ends report `Progress` (or a typed subclass of it) and stop with
`Cancelled`. It imports nothing of the app or the recommenders, so any layer can use it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


class Cancelled(Exception):
    """Raised by a long job (a fit, an ingest, a download) when its cancel event is set."""


@dataclass(frozen=True)
class Progress:
    """One progress report from a long job: `done` of `total` units (total None = unknown)."""

    stage: str
    done: float
    total: float | None
    message: str = ""
    unit: str = ""
    """What `done` counts ("iterations", "playlists"...), for rates ("" when it goes unsaid)."""


@dataclass(frozen=True)
class Note(Progress):
    """A report to say on a line of its own, not as a bar's passing words: what a stage takes
    up from a stopped run ("continuing from round 120"), or drops ("starting over")."""


ProgressCallback = Callable[[Progress], None]


def report(progress: ProgressCallback | None, stage: str, done: float, total: float | None,
           message: str = "", unit: str = "") -> None:
    if progress is not None:
        progress(Progress(stage, done, total, message, unit))


def note(progress: ProgressCallback | None, stage: str, message: str) -> None:
    if progress is not None:
        progress(Note(stage, 0, None, message))


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled
