"""Paths typed or pasted into the app's fields, as terminals paste them."""

from __future__ import annotations

import shlex
from pathlib import Path
from urllib.parse import unquote, urlsplit

_SHELL_QUOTING = ("'", '"', "\\")


def typed_path(text: str) -> str:
    """The path in a field's text, stripped of what terminals add when a file is dropped on
    them or copied from a file manager: shell quotes ('/my music/mpd.zip'), backslashes
    (/my\\ music/mpd.zip) or a file URL (file:///my%20music/mpd.zip). Text that names an
    existing file as typed is kept as it is, as is text that is not one quoted path."""
    text = text.strip()
    if not text or _exists(text):
        return text
    if text.startswith("file://"):
        url = urlsplit(text)
        return unquote(url.path) if url.netloc in ("", "localhost") else text
    if not any(mark in text for mark in _SHELL_QUOTING):
        return text
    try:
        words = shlex.split(text)
    except ValueError:  # a quote left open: not shell quoting
        return text
    return words[0] if len(words) == 1 else text


def _exists(text: str) -> bool:
    try:
        return Path(text).expanduser().exists()
    except (OSError, ValueError, RuntimeError):  # too long, a NUL, ~nobody: the caller says
        return False
