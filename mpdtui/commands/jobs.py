"""Run a job from the command line: start the job process, render its events, end with its
summary or its failure (one line, the exit code of `mpdtui.cli`)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any, TextIO

from mpdtui.commands import open_services
from mpdtui.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, UserError
from mpdtui.locations import Locations
from mpdtui.pipeline.client import JobProcess
from mpdtui.pipeline.display import trained_before
from mpdtui.pipeline.events import (
    Event,
    JobFailed,
    JobFinished,
    Notice,
    StageFinished,
    StageStarted,
)
from mpdtui.pipeline.request import JobRequest
from mpdtui.printable import printable
from mpdtui.progress_view import HeadlessProgress

RESUMES = "what was finished is kept; run the same command again to resume"
STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Ctrl-C, `kill` (a service manager's stop) and a hangup (the terminal closed, an ssh
session dropped, a logout): the job stops at a point it resumes from, and the command says
so (into its log, where its output is redirected) and exits 128 + the signal. A hangup had
ended the command at once, silently, with the job still stopping behind it. A signal that
whoever started the command ignores stays ignored: under `nohup` (SIGHUP) the job trains on,
and so it does started with `&` by a script (a shell without job control ignores SIGINT
there, so that the ctrl+c meant for its foreground command spares it)."""


class JobStopped(UserError):
    """The job ended without finishing; `cli.main` prints `line` and returns `exit_code`
    (a `UserError` for callers in this process: what the job says is for the user)."""

    def __init__(self, failure: JobFailed, stopped_by: int | None = None,
                 running: Sequence[str] = ()) -> None:
        self.failure = failure
        self.running = tuple(running)  # the stages under way when it stopped
        stopped_by = stopped_by or failure.stopped_by  # this process's signal, else the job's
        interrupted = EXIT_INTERRUPTED if stopped_by is None else 128 + stopped_by
        self.exit_code = {"user": EXIT_BAD_INPUT, "busy": EXIT_BAD_INPUT,
                          "cancelled": interrupted}.get(failure.reason, EXIT_FAILED)
        super().__init__(failure.message)

    @property
    def line(self) -> str:
        if self.failure.reason == "cancelled":
            during = f" during {', '.join(self.running)}" if self.running else ""
            return f"interrupted{during}: {RESUMES}"
        if self.failure.reason == "unexpected":
            return (f"mpdtui: unexpected error: {self.failure.message} (rerun with --debug for "
                    "details)")
        return f"mpdtui: {self.failure.message}"


def run_job(locations: Locations, request: JobRequest, out: TextIO | None = None,
            said: list[str] | None = None) -> dict[str, Any]:
    """The job's summary (see `pipeline.job.JobSummary`); `JobStopped` when it failed or
    was interrupted (Ctrl-C, SIGTERM or SIGHUP here asks the job to stop at a resumable point;
    the exit code is then 128 + the signal's number, 130, 143 or 129). `said` collects the notices
    printed as they came (`not_said`)."""
    job = JobProcess.start(locations, request)
    stopped_by: list[int] = []
    running: list[str] = []  # the stages started and not finished, for the interrupted line
    previous = {signum: signal.signal(signum, _forward_to(job, stopped_by))
                for signum in STOPPING_SIGNALS if signal.getsignal(signum) is not signal.SIG_IGN}
    try:
        with HeadlessProgress(out=out) as view, _suspended_together(job, view):
            for event in job.events():
                if isinstance(event, JobFinished):
                    return event.summary
                if isinstance(event, JobFailed):
                    raise JobStopped(event, stopped_by[0] if stopped_by else None, running)
                _follow_stages(event, running)
                if isinstance(event, Notice) and said is not None:
                    said.append(event.message)
                view.show(event)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        job.close()
    raise AssertionError("a job's events always end with JobFinished or JobFailed")


@contextlib.contextmanager
def _suspended_together(job: JobProcess, view: HeadlessProgress) -> Iterator[None]:
    """ctrl+z (SIGTSTP) suspends the job with the command, and `fg` or `bg` resumes both: the
    job runs in a session of its own, which the terminal's ctrl+z does not reach, so it had
    trained on while the shell said "Stopped"."""
    if signal.getsignal(signal.SIGTSTP) is not signal.SIG_DFL:
        yield  # ignored (no job control) or handled by whoever runs this
        return

    def suspend(signum: int, frame: FrameType | None) -> None:
        job.pause()
        view.echo_again()
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)  # stops here until SIGCONT (`fg`, `bg`)
        signal.signal(signal.SIGTSTP, suspend)
        view.echo_off_again()
        job.resume()

    signal.signal(signal.SIGTSTP, suspend)
    try:
        yield
    finally:
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)


def _follow_stages(event: Event, running: list[str]) -> None:
    if isinstance(event, StageStarted) and event.stage not in running:
        running.append(event.stage)
    elif isinstance(event, StageFinished) and event.stage in running:
        running.remove(event.stage)


def not_said(lines: list[str], said: list[str]) -> list[str]:
    """The summary's `lines` not printed already as a notice (a 403 is both: said once)."""
    return [line for line in lines if line not in said]


def _forward_to(job: JobProcess, stopped_by: list[int]) -> Any:
    terminals = _terminal_fds()  # now: a hung-up terminal is no longer said to be one

    def forward(signum: int, frame: FrameType | None) -> None:
        stopped_by.append(signum)
        if signum == signal.SIGHUP:
            _drop_output_to(terminals)
        job.cancel()

    return forward


def _terminal_fds() -> list[int]:
    terminals = []
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            if os.isatty(fd):
                terminals.append(fd)
    return terminals


def _drop_output_to(fds: list[int]) -> None:
    """After a hangup the terminal is gone: what would go to it goes nowhere instead of failing
    ("Input/output error"); output redirected into a file still gets the closing line."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def report_slices_left_out(summary: dict[str, Any]) -> None:
    """The slices an ingest did not add: bad ones skipped (--skip-bad), copies of slices there."""
    skipped = (summary.get("ingest") or {}).get("skipped") or []
    if skipped:
        slices = "slice" if len(skipped) == 1 else "slices"
        print(f"skipped {len(skipped)} bad {slices}:", file=sys.stderr)
        for _label, message in skipped:
            print(f"  {printable(message)}", file=sys.stderr)
    for label, original in (summary.get("ingest") or {}).get("copies") or []:
        print(f"not added: {printable(label)} is a copy of {printable(original)}, ingested "
              "before (its playlists would count twice)")


def report_models_serving_on(locations: Locations) -> None:
    """After playlists were added to the data: which models serve on, trained without them."""
    with open_services(locations) as services:
        serving, added = services.models.servable(), services.training.added_since_training()
    if added is not None:
        serve = "serves" if len(serving) == 1 else "serve"
        print(f"{', '.join(serving)} {serve} on, {trained_before(added)}: `mpdtui --train` "
              "trains them on these too.")
