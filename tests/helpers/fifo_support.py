"""A named pipe with a reader, for `--out` given a pipe (a shell's `>(…)`) rather than a file."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path


class PipeReader:
    """`mkfifo path` and a thread that reads it until the writer closes it."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.received = b""
        # daemon: a writer that never opens the pipe must not hold up the test run's exit
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with open(self.path, "rb") as pipe:
            self.received = pipe.read()

    def read(self, timeout: float = 30.0) -> bytes:
        """What came through the pipe, once its writer closed it; the pipe must still be one."""
        self._thread.join(timeout)
        assert stat.S_ISFIFO(self.path.stat().st_mode), f"{self.path} was replaced by a file"
        assert not self._thread.is_alive(), "nothing opened the pipe to write"
        return self.received
