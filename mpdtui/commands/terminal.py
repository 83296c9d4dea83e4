"""Plain lines in a terminal: wrapped at words, not wherever the terminal's edge falls."""

from __future__ import annotations

import shutil
import sys
import textwrap

NARROWEST = 20
"""A value never wraps narrower than this, however long its label."""


def in_terminal_width(label: str, value: str) -> str:
    """`label` then `value`, wrapped at words to a terminal's width under the value's first
    word; whole in a file or a pipe (one line a field, for scripts)."""
    if not sys.stdout.isatty():
        return label + value
    room = max(shutil.get_terminal_size().columns - len(label), NARROWEST)
    lines = textwrap.wrap(value, room, break_long_words=False, break_on_hyphens=False)
    return label + ("\n" + " " * len(label)).join(lines)
