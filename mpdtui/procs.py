"""Process hygiene shared by the job process and its workers: no orphans; the job process's
memory allocator settings."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Called first thing in a worker process: the kernel SIGKILLs it when its parent dies
    (Linux; SIGKILL of the parent included), and it exits now if the parent is gone already.
    Ctrl-C is its parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(0)


M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -2, -3, -8
"""glibc's mallopt parameters (malloc.h)."""


def keep_freed_memory() -> bool:
    """Called first thing in the job process: glibc keeps the memory it frees (up to 1 GB) for
    reuse instead of handing it back to the system and faulting it in again. With glibc's
    defaults a third of a two-tower training step's CPU went to page faults when the fit came
    first in its process (two epochs on the 10k demo: 44.5 -> 28.1 CPU-s); later in a whole
    `--train` the earlier stages' frees have raised glibc's thresholds already. Whether every
    option was taken (False without glibc)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    settings = ((M_MMAP_THRESHOLD, 32 * 2**20), (M_TRIM_THRESHOLD, 2**30),
                (M_TOP_PAD, 256 * 2**20), (M_ARENA_MAX, 2))
    return all(libc.mallopt(parameter, value) == 1 for parameter, value in settings)
