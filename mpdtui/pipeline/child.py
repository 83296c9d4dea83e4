"""The job process: `python -m mpdtui.pipeline.child --cache-dir DIR --events-fd N REQUEST`.

Started by `client.JobProcess` for both front ends. It owns its process-wide state: its
stdout and stderr go to the cache dir's job log (TensorFlow's native log lines land there),
its worker processes, its signals. Events go as JSON lines to the pipe `--events-fd`.
SIGINT or SIGTERM cancels (the job stops at a resumable point; a second one stops at once);
when its parent dies (stdin, a pipe from the parent, reaches end of file) it cancels too and
exits within `ORPHAN_GRACE_S`, so killing the app kills the job.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import NoReturn

CANCEL = threading.Event()
CANCELLED_BY: list[int] = []  # the first signal that cancelled the job


def _cancel(signum: int, frame: FrameType | None) -> None:
    if CANCEL.is_set():
        raise KeyboardInterrupt  # the second time: stop now
    CANCELLED_BY.append(signum)
    CANCEL.set()


# first thing: a cancel that arrives while the modules below load is kept, not a traceback
signal.signal(signal.SIGINT, _cancel)
signal.signal(signal.SIGTERM, _cancel)

# before numpy loads: implicit's ALS is slower with a multithreaded BLAS
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
from collections.abc import Sequence  # noqa: E402

from mpdtui.locations import Locations  # noqa: E402
from mpdtui.pipeline.events import Event, JobFailed, encode  # noqa: E402
from mpdtui.pipeline.request import JobRequest  # noqa: E402
from mpdtui.procs import keep_freed_memory  # noqa: E402

# The stages load in `main`: ingest's spawned workers import this module again (as
# `__mp_main__`), and each would otherwise load all of them (0.58 s) before its first slice.

ORPHAN_GRACE_S = 3.0
OWN_TEMP_DIRS: list[str] = []  # this job's temporary folder, once made


class EventWriter:
    """Writes events to the pipe, whole lines, from any thread. A closed pipe (the parent is
    gone) cancels the job."""

    def __init__(self, fd: int, cancel: threading.Event) -> None:
        self.fd, self.cancel = fd, cancel
        self.lock = threading.Lock()

    def emit(self, event: Event) -> None:
        if isinstance(event, JobFailed) and event.reason == "cancelled" and CANCELLED_BY:
            event = replace(event, stopped_by=CANCELLED_BY[0])
        data = encode(event)
        with self.lock:
            try:
                while data:
                    data = data[os.write(self.fd, data):]
            except OSError:  # BrokenPipeError: nobody reads any more
                self.cancel.set()


def watch_parent(cancel: threading.Event, exit_code: int) -> None:
    """Cancel, then exit with `exit_code`, once stdin (a pipe the parent holds open) is
    closed."""

    def watch() -> None:
        try:
            while os.read(0, 4096):  # raw reads: no buffered-stdin lock at shutdown
                pass
        except OSError:
            pass
        cancel.set()
        threading.Timer(ORPHAN_GRACE_S, exit_now, (exit_code,)).start()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


TEMP_DIR_PREFIX = "mpdtui-job-"


def use_own_temp_dir() -> str:
    """A temporary folder of this job's own, removed when it exits; one a job killed by
    SIGKILL (out of memory, say) left behind goes when the next job starts. TensorFlow's
    autograph writes a module file per traced function to the temporary folder and removes
    them at the interpreter's exit, which `os._exit` skips: each two-tower training had left
    nine `__autograph_generated_file*.py` in /tmp."""
    remove_killed_jobs_temp_dirs()
    folder = tempfile.mkdtemp(prefix=f"{TEMP_DIR_PREFIX}{os.getpid()}-")
    tempfile.tempdir = folder
    OWN_TEMP_DIRS.append(folder)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # an exit through a traceback
    return folder


def remove_killed_jobs_temp_dirs() -> None:
    """The folders of `use_own_temp_dir` (named for their job's pid) whose job is gone."""
    for folder in Path(tempfile.gettempdir()).glob(f"{TEMP_DIR_PREFIX}*-*"):
        pid = folder.name.removeprefix(TEMP_DIR_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)) and _owned_by_me(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _owned_by_me(folder: Path) -> bool:
    try:
        return folder.lstat().st_uid == os.getuid()
    except OSError:
        return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only whether it could be sent
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def exit_now(code: int) -> NoReturn:
    """Exit at once, without waiting for threads (the parent watch), temporary files removed."""
    for folder in OWN_TEMP_DIRS:
        shutil.rmtree(folder, ignore_errors=True)
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mpdtui.pipeline.child")
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--events-fd", type=int, required=True)
    parser.add_argument("--nice", type=int, default=0,
                        help="lower this job's priority (the app keeps its screen responsive)")
    parser.add_argument("request", help="a JobRequest as JSON")
    args = parser.parse_args(argv)
    use_own_temp_dir()
    keep_freed_memory()
    from mpdtui.errors import EXIT_INTERRUPTED
    from mpdtui.pipeline.runner import execute

    if args.nice:
        os.nice(args.nice)
    watch_parent(CANCEL, EXIT_INTERRUPTED)
    writer = EventWriter(args.events_fd, CANCEL)
    return execute(Locations.resolve(args.cache_dir), JobRequest.from_json(args.request),
                   writer.emit, CANCEL)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    exit_now(code)  # threads (the parent watch) must not hold up the exit
