"""Formatting helpers for the screens (durations, sizes, rates, text from data)."""

from __future__ import annotations

from rich.text import Text

from mpdtui.printable import printable


def data_text(text: str) -> Text:
    """Text from data (names, paths, messages naming them) for a widget: control characters
    escaped, and `[red]` shown as typed, never read as markup."""
    return Text(printable(text))


def duration(ms: float) -> str:
    """3:05, or 1:02:03 from an hour on."""
    seconds = round(ms / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def size(n_bytes: float) -> str:
    value = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{value:.1f} TB"


def eta(done: float, total: float, elapsed: float) -> str:
    """Time left at the rate so far, as m:ss ("?" before any progress)."""
    if done <= 0 or elapsed <= 0:
        return "?"
    return duration((total - done) * elapsed / done * 1000)
