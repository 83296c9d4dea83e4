"""Plain lines in a terminal: wrapped at words, not wherever the terminal's edge falls; and where
a command's own lines go when its output went elsewhere."""

from __future__ import annotations

import shutil
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
