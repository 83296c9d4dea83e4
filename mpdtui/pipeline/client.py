"""Start a job process and read its events: what both front ends use to run long work.

The caller's own file descriptors, signals and environment are left alone: the job gets
a pipe for its events, a pipe on stdin that tells it when its parent is gone, and the
cache dir's job log for its stdout and stderr.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from mpdtui.locations import Locations
from mpdtui.pipeline.events import Event, JobFailed, decode, is_final
from mpdtui.pipeline.request import JobRequest

LOG_ROTATE_BYTES = 5 * 2**20


class JobProcess:
    """One running job. Iterate `events()` until it ends; `cancel()` asks it to stop at a
    resumable point; the job also stops when this process exits or is killed."""

    def __init__(self, process: subprocess.Popen[bytes], events: IO[bytes], log: Path) -> None:
        self.process = process
        self._events = events
        self.log = log
        self.cancelled = False

    @classmethod
    def start(cls, locations: Locations, request: JobRequest, nice: int = 0) -> JobProcess:
        """Start `request`; `nice` lowers the job's CPU priority (and its workers')."""
        locations.ensure()
        log_path = _rotated(locations.job_log)
        read_fd, write_fd = os.pipe()
        try:
            with open(log_path, "ab") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "mpdtui.pipeline.child", "--cache-dir",
                     str(locations.root), "--events-fd", str(write_fd), "--nice", str(nice),
                     request.to_json()],
                    stdin=subprocess.PIPE, stdout=log, stderr=log, pass_fds=(write_fd,),
                    start_new_session=True, env=_job_environment())
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        return cls(process, os.fdopen(read_fd, "rb"), log_path)

    @property
    def pid(self) -> int:
        return self.process.pid

    def events(self) -> Iterator[Event]:
        """Every event until the final one (`JobFinished` or `JobFailed`). A job process that
        dies without saying why ends with a `JobFailed` naming its exit code and log."""
        with self._events:
            for line in self._events:
                try:
                    event = decode(line)
                except ValueError:
                    continue
                yield event
                if is_final(event):
                    self.process.wait()
                    return
        code = self.process.wait()
        if self.cancelled:  # stopped by the cancel before it could say so
            yield JobFailed("cancelled", "cancelled: what was finished is kept")
            return
        if code < 0:  # a signal: the work is cut at a resumable point like a cancel's
            yield JobFailed("killed", f"the job process was stopped by {_signal_name(-code)} "
                            "before finishing (out of memory, or killed): what it finished is "
                            "kept; run it again to resume")
            return
        yield JobFailed("unexpected", f"the job process stopped (exit code {code}) before "
                        f"finishing: see {self.log}")

    def cancel(self) -> None:
        """Ask the job to stop at a resumable point (what it finished is kept)."""
        self.cancelled = True
        self._signal(signal.SIGINT)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def pause(self) -> None:
        """Stop the job and its workers where they are (its own session: the terminal's ctrl+z
        does not reach it), until `resume`."""
        self._signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal_group(signal.SIGCONT)

    def _signal_group(self, signum: int) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)  # the job leads its process group

    def _signal(self, signum: int) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)

    def close(self) -> None:
        """Let go of the job: it sees its parent gone, cancels and exits."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _rotated(log: Path) -> Path:
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        if log.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(log, log.with_name(log.name + ".1"))
    except FileNotFoundError:
        pass
    return log


def _job_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("TF_USE_LEGACY_KERAS", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env
