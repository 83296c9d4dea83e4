"""Text from data made safe to show on a terminal.

Names in the MPD, in Spotify answers or in file paths may hold control characters: an escape
sequence would set the window title, clear the screen or recolour it, a newline would split a
one-line message. `printable` shows each of them as a visible escape (`\\x1b`, `\\n`) instead.
`quoted` puts a name in a message this way. Rich markup is a separate matter: the CLI and the
app pass data to Rich and Textual as `Text`, which never interprets `[red]`.
"""

from __future__ import annotations

import codecs
import os
import re
import shlex

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""C0 and C1 controls and DEL, line and paragraph separators, bidirectional overrides, and
lone surrogates (a file name's bytes that are not UTF-8, which no UTF-8 stream takes)."""
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What JSON encoders leave raw (they escape C0 controls themselves)."""


def printable(text: str) -> str:
    """`text` with every control character shown as an escape: one line, nothing the terminal
    would act on."""
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """`text` with each run of control characters and spaces as one space, trimmed: a name
    from data (a file's, a Spotify playlist's) fit to keep as a saved playlist's, which the
    app puts as it is in an input box (an escape there would reach the terminal)."""
    return " ".join(_UNSAFE.sub(" ", text).split())


def quoted(text: str) -> str:
    """A name or a value from the user or the data, for a message: in single quotes, as typed
    (a backslash stays one, unlike `repr`), with control characters escaped as `printable`
    does; a message quoting it stays one safe line wherever it is shown."""
    return f"'{printable(text)}'"


def shell_word(text: str, encoding: str | None = None) -> str:
    """`text` as one shell word, for a command a message quotes: shlex's quoting, or, where it
    holds control characters, bash's $'...' with them escaped (`$'a\\x0ab'`): pasted, it gives
    `text` back; shown, it is one line with nothing the terminal would act on. Where the
    stream's `encoding` has no code for some of its characters (PYTHONIOENCODING=ascii), the
    bytes that name them on disk instead (`$'/home/j\\xc3\\xb6rg'`): bash, zsh and ksh decode them."""
    if encoding is not None and (as_bytes := _bytes_beyond(text, encoding)) is not None:
        return "$'" + "".join(map(_byte_escape, as_bytes)) + "'"
    if not _UNSAFE.search(text):
        return shlex.quote(text)
    return "$'" + "".join("\\" + c if c in "\\'" else _UNSAFE.sub(_escape, c) for c in text) + "'"


def printable_json(document: str) -> str:
    """JSON text with every control character inside its strings as a \\u escape: the same
    data, safe on a terminal."""
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", document)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for the byte code - 0xDC00
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _bytes_beyond(text: str, encoding: str) -> bytes | None:
    """`text` as the file system's bytes where `encoding` cannot write it whole; else None."""
    try:
        codecs.encode(text, encoding)
        return None
    except (UnicodeEncodeError, LookupError):
        pass
    try:
        return os.fsencode(text)
    except UnicodeEncodeError:  # a surrogate no file name holds: said as printable says it
        return None


def _byte_escape(byte: int) -> str:
    character = chr(byte)
    if character in "\\'":
        return "\\" + character
    return character if 0x20 <= byte < 0x7f else f"\\x{byte:02x}"
