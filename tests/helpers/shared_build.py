"""What the test processes of one run build once and share: `make test` runs two (xdist), and
each built the same session fixtures before (the demo, its store, the TUI's trained cache)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def shared_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's base temp dir: under xdist each process has its own (popen-gwN) in the
    controller's, which both share."""
    basetemp = tmp_path_factory.getbasetemp()
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


@contextlib.contextmanager
def built_by_one(root: Path) -> Iterator[Path]:
    """Hold `root`'s lock while it is built or checked: the other process waits for the one
    building it, then finds it built."""
    with open(root.parent / f"{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield root


def built_once(root: Path, build: Callable[[Path], object]) -> Path:
    """`root`, built by `build(root)` unless a process of this run built it already (a marker
    beside it says so; a build stopped midway is started over)."""
    marker = root.parent / f"{root.name}.ok"
    with built_by_one(root):
        if not marker.exists():
            shutil.rmtree(root, ignore_errors=True)
            build(root)
            marker.write_text("ok")
    return root
