"""One writer per cache dir: an advisory lock every job holds while it runs.

`fcntl.flock` on `writer.lock` in the cache dir: the kernel releases it when its holder
exits, however it exits (SIGKILL included), so a stale lock never needs cleaning up. The
holder writes what it does, its pid and since when into `writer.json`, for the message a
second writer gets. Readers (suggestions, info, the builder) never take it.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from datetime import datetime

from mpdtui.data.files import read_json, remove_abandoned_writes, write_json
from mpdtui.errors import UserError
from mpdtui.locations import Locations

HOLDER_FORMAT = "mpdtui-writer"
ANOTHER_PROCESS = "another mpdtui process"
ACQUIRE_ATTEMPTS = 5
"""Tries 50 ms apart: `is_locked` probes hold the lock for an instant, which must not make a
writer starting at that moment think the cache dir is busy."""


@dataclass(frozen=True)
class Holder:
    """Who holds the writer lock."""

    what: str
    pid: int
    since: float

    def describe(self) -> str:
        started = datetime.fromtimestamp(self.since).strftime("%H:%M:%S")
        return f"{self.what} (pid {self.pid}) since {started}"


class CacheBusy(UserError):
    """Another process is writing to the cache dir."""

    def __init__(self, locations: Locations, holder: Holder | None) -> None:
        self.holder = holder
        who = holder.describe() if holder else ANOTHER_PROCESS
        # its pid is the job process's, which SIGTERM stops where the next run resumes
        stop = (f"stop it with `kill {holder.pid}` (what it finished is kept: run it again to "
                "resume)" if holder and holder.pid > 0 else "stop it")
        super().__init__(f"the cache dir {locations.root} is busy: {who}. Wait for it to finish, "
                         f"or {stop}, or use another --cache-dir")


class WriterLock:
    """`with WriterLock(locations, "training"):` holds the cache dir's writer lock, or raises
    `CacheBusy` at once."""

    def __init__(self, locations: Locations, what: str) -> None:
        self.locations = locations
        self.what = what
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        self.locations.ensure()
        fd = os.open(self.locations.writer_lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if not _try_lock(fd, ACQUIRE_ATTEMPTS):
            os.close(fd)
            raise CacheBusy(self.locations, current_holder(self.locations))
        self._fd = fd
        # before anything is written: the space they take may be what this writer needs
        remove_abandoned_writes(self.locations.written_folders())
        write_json(self.locations.writer_json, HOLDER_FORMAT, 1,
                   {"what": self.what, "pid": os.getpid(), "since": time.time()})
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None


def _try_lock(fd: int, attempts: int) -> bool:
    for attempt in range(attempts):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if attempt + 1 < attempts:
                time.sleep(0.05)
    return False


def is_locked(locations: Locations) -> bool:
    """Whether a writer holds the cache dir now (takes and drops the lock to find out)."""
    try:
        fd = os.open(locations.writer_lock, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except OSError:  # a read-only mount, another user's file: flock needs no write access
        fd = os.open(locations.writer_lock, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return not _try_lock(fd, 1)
    finally:
        os.close(fd)


def current_holder(locations: Locations) -> Holder | None:
    """What the writer says it does (None when no writer or it has not said yet)."""
    if not is_locked(locations):
        return None
    try:
        document = read_json(locations.writer_json, HOLDER_FORMAT, 1, "")
    except Exception:  # written by another version, or being replaced: not worth failing for
        return None
    if not document:
        return None
    return Holder(str(document.get("what", "a job")), int(document.get("pid", 0)),
                  float(document.get("since", 0.0)))


def describe_holder(locations: Locations) -> str:
    """Who writes to the cache dir, for a message ("training (pid 12) since 14:03:12")."""
    holder = current_holder(locations)
    return holder.describe() if holder else ANOTHER_PROCESS
