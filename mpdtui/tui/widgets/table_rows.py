"""What a track table's edit changed, and its columns' content widths kept as rows come and
go: a 10,000-track playlist's edit (a track added, taken out, moved, undone) works on the rows
that changed, not on all of them (measuring every cell again took most of a second an edit).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from rich.cells import cell_len
from rich.text import Text

T = TypeVar("T")

NUMBER = "#"
"""The playlist's column of row numbers: the table gives each row its number as it draws it
(`TrackTable.get_row_at`), so a track taken out or put back renumbers no cell."""


def changed_span(before: Sequence[T], after: Sequence[T]) -> tuple[int, int]:
    """(first, same_after): `before[first:len(before) - same_after]` became
    `after[first:len(after) - same_after]`, the rows around it unchanged (equal)."""
    limit = min(len(before), len(after))
    first = 0
    while first < limit and before[first] == after[first]:
        first += 1
    last = 0
    while last < limit - first and before[-1 - last] == after[-1 - last]:
        last += 1
    return first, last


class ContentWidths:
    """Each column's widest cell, kept as rows are added and taken out (a count of the cells
    of each width: the widest after a row goes is known without measuring the others)."""

    def __init__(self, rows: Iterable[Mapping[str, Text | str]] = ()) -> None:
        self._counts: dict[str, Counter[int]] = {}
        self.add(rows)

    def add(self, rows: Iterable[Mapping[str, Text | str]], sign: int = 1) -> None:
        for cells in rows:
            for name, cell in cells.items():
                counts = self._counts.setdefault(name, Counter())
                width = cell_len(cell.plain if isinstance(cell, Text) else cell)
                counts[width] += sign
                if not counts[width]:
                    del counts[width]

    def remove(self, rows: Iterable[Mapping[str, Text | str]]) -> None:
        self.add(rows, -1)

    def widest(self, name: str) -> int:
        return max(self._counts.get(name) or (0,))


BORDER_TITLE_MARGIN = 6
"""A border's corners, the lines beside its title and the spaces around it: "╭─ Title ─╮"."""


def place_title(title: str, row: int, rows: int, border_width: int) -> str:
    """`title` with the cursor's place ("Playlist · row 1,234 of 10,000"), shorter where
    the border has less room than that: the count whole rather than cut ("of 10,…")."""
    forms = [f"{title} · row {row:,} of {rows:,}", f"{title} · {row:,} of {rows:,}",
             f"{title} · {row:,}/{rows:,}", f"{row:,}/{rows:,}"]
    room = border_width - BORDER_TITLE_MARGIN
    return next((form for form in forms if cell_len(form) <= room), forms[-1])
