"""Three lines under the playlist: the highlighted track's sound in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Label

from mpdtui.tui.text import shown

if TYPE_CHECKING:
    from mpdtui.tui.widgets.track_table import TrackTable

ROWS = 3  # the widget's height in the stylesheet
SEPARATOR = " · "
MORE = " …"


class TrackSound(Label):
    """"often with X · 113 BPM · F# minor (11A) · energy 0.70 · danceability 0.63 · …"."""

    _parts: tuple[str, ...] = ()

    def describe(self, table: TrackTable | None,
                 why_none: Callable[[str], str] = lambda uri: "no audio features") -> None:
        """Describe the highlighted track of `table` (None: nothing); one without features by
        `why_none` of its URI: why it has none and where to get them, where "no audio
        features" had left a user guessing."""
        parts: list[str] = []
        if table is not None and (track := table.current()) is not None:
            sound = table.current_audio()
            # a reason all suggestions share is said once, under the list
            reason = table.current_reason() if table.reason_column else ""
            parts = [shown(reason)] if reason else []
            parts += sound.describe_parts() if sound is not None else [why_none(track.uri)]
        self._parts = tuple(parts)
        self._show()

    def on_resize(self) -> None:
        self._show()

    def _show(self) -> None:
        self.update(Text(packed(self._parts, self.content_size.width, ROWS)))


def packed(parts: tuple[str, ...], width: int, rows: int) -> str:
    """`parts` joined by " · " in lines of `width` cells, broken only between parts (a part
    wider than a line, a long reason say, starts a line and wraps at its spaces), as many as
    `rows` lines hold; " …" ends the last line when anything was left out. Without a width
    yet (not laid out): one line."""
    if width <= 0:
        return SEPARATOR.join(parts)
    lines: list[str] = []
    for part in parts:
        if lines and cell_len(lines[-1] + SEPARATOR + part) <= width:
            lines[-1] += SEPARATOR + part
            continue
        for piece in wrapped(part, width):
            if len(lines) == rows:
                return "\n".join(_with_more(lines, width))
            lines.append(piece)
    return "\n".join(lines)


def wrapped(part: str, width: int) -> list[str]:
    """Lines of at most `width` cells, broken at spaces (a word wider than a line is cut)."""
    lines: list[str] = []
    for word in part.split(" "):
        if lines and cell_len(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(cut_to(word, width))
    return lines


def cut_to(text: str, width: int) -> str:
    cut = Text(text)
    cut.truncate(width, overflow="ellipsis")
    return cut.plain


def _with_more(lines: list[str], width: int) -> list[str]:
    """The last line ends with " …", dropping its last parts where it has no room for it."""
    last = lines[-1]
    while cell_len(last + MORE) > width and SEPARATOR in last:
        last = last.rsplit(SEPARATOR, 1)[0]
    return [*lines[:-1], cut_to(last + MORE, width)]
