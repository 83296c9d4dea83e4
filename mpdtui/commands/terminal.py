"""Plain lines in a terminal: wrapped at words, not wherever the terminal's edge falls; and where
a command's own lines go when its output went elsewhere."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import textwrap
from pathlib import Path
from typing import TextIO

from mpdtui import advice
from mpdtui.data.files import is_device_or_pipe

NARROWEST = 20
"""A value never wraps narrower than this, however long its label."""

def in_terminal_width(label: str, value: str) -> str:
    """`label` then `value`, wrapped at words to a terminal's width under the value's first
    word; whole in a file or a pipe (one line a field, for scripts)."""
    value = advice.advised(value)  # before it is wrapped: it lengthens the lines
    if not sys.stdout.isatty():
        return label + value
    room = max(shutil.get_terminal_size().columns - len(label), NARROWEST)
    lines = textwrap.wrap(value, room, break_long_words=False, break_on_hyphens=False)
    return label + ("\n" + " " * len(label)).join(lines)


def said_beside(out: Path) -> TextIO:
    """Where a command says what it wrote to `out`: standard error when `out` is a device or a
    pipe (`--out /dev/stdout`), so that what goes through it is the file alone."""
    return sys.stderr if is_device_or_pipe(out) else sys.stdout


def standard_input_ended() -> str | None:
    """What standard input is where nothing will ever be typed into it: "/dev/null" (also a
    closed one: `cli.open_closed_standard_streams`, as cron or `0<&-` leave it) or "a file";
    None for a terminal or a pipe (a person, or a program that answers), or one it cannot tell."""
    try:
        mode, device = (found := os.fstat(sys.stdin.fileno())).st_mode, found.st_rdev
    except (AttributeError, OSError, ValueError):  # not a descriptor (a test's stand-in)
        return None
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISCHR(mode) and device == os.stat(os.devnull).st_rdev:
        return "/dev/null"
    return None
