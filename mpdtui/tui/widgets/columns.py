"""Column widths that follow the width a table gets.

Every column has a least useful width and a most useful one (`cap`: a longer name is cut).
A table gets the widths of its columns from `fit`: every column its least width, then what is
left shared evenly up to what each column's content wants (its longest cell, at most its
cap; the columns always shown first, those that `yield` after them, then the others), and
what is still left to the `rest`
column (the reason, or the track name) so no space stays empty.
When even the least widths do not fit, the columns that matter least are left out first
(`drop`: the higher, the sooner), also while the columns always shown would get less than
their `good` width, so a narrow table shows track and artist readably rather than a time.
A `spare` column (the playlist's album, its energy) shows only where the others have all
they want; where not all of them fit so, the highest `drop` goes first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

CELL_PADDING = 2  # DataTable draws one space either side of every cell


@dataclass(frozen=True)
class Column:
    name: str
    least: int
    cap: int
    drop: int = 0
    """0: always shown; else left out when the width is short, the highest first."""
    audio: bool = False
    """Only shown when audio features are known."""
    good: int = 0
    """For a column always shown: below this, droppable columns make room first."""
    spare: bool = False
    """Shown only where the columns always shown get all their content wants (up to their
    cap): the playlist's album, never at its track names' cost."""
    yields: bool = False
    """For a column always shown: widened only once the others always shown are whole (the
    suggestions' reason, whose whole text the list's border shows for the highlighted one)."""


def fit(columns: Sequence[Column], wanted: Mapping[str, int], width: int,
        rest: str | None = None) -> list[tuple[str, int]]:
    """(name, width) of the columns shown in `width` cells; `wanted` is each column's
    content width (the longest cell or header)."""
    shown = _drop_to_fit(list(columns), wanted, width)
    widths = {c.name: c.least for c in shown}
    spare = width - sum(widths.values()) - CELL_PADDING * len(shown)
    if spare < 0:  # narrower than the least widths (a split pane): cut, rather than clip
        _narrow(widths, -spare, rest)
    wants = {c.name: max(0, min(wanted.get(c.name, c.least), c.cap) - c.least) for c in shown}
    rounds = ([c for c in shown if not c.drop and not c.yields],  # track, artist
              [c for c in shown if not c.drop and c.yields],  # the reason
              [c for c in shown if c.drop])  # album, time, the audio columns
    for columns_of_round in rounds:
        _share(widths, {c.name: wants[c.name] for c in columns_of_round}, spare)
        spare = width - sum(widths.values()) - CELL_PADDING * len(shown)
    if spare > 0 and rest in widths:
        widths[rest] += spare  # the reason (or the name) takes what is left
    return [(c.name, widths[c.name]) for c in shown]


NARROWEST = 3  # "ab…"


def _narrow(widths: dict[str, int], excess: int, rest: str | None) -> None:
    """Take `excess` cells off the widths: from the `rest` column first, then a cell at a
    time from the widest, none below `NARROWEST`."""
    if rest in widths:
        cut = max(0, min(excess, widths[rest] - NARROWEST))
        widths[rest] -= cut
        excess -= cut
    while excess > 0:
        widest = max(widths, key=lambda name: widths[name])
        if widths[widest] <= NARROWEST:
            return
        widths[widest] -= 1
        excess -= 1


def _drop_to_fit(columns: list[Column], wanted: Mapping[str, int],
                 width: int) -> list[Column]:
    def least(c: Column) -> int:
        return c.least if c.drop else max(c.least, min(c.good, wanted.get(c.name, 0)))

    def need(cols: list[Column]) -> int:
        return sum(least(c) + CELL_PADDING for c in cols)

    def roomy(c: Column) -> int:
        return c.least if c.drop else max(c.least, min(c.cap, wanted.get(c.name, 0)))

    while sum(roomy(c) + CELL_PADDING for c in columns) > width and any(c.spare for c in columns):
        first_to_go = max((c for c in columns if c.spare), key=lambda c: c.drop)
        columns = [c for c in columns if c is not first_to_go]
    while need(columns) > width and any(c.drop for c in columns):
        first_to_go = max((c for c in columns if c.drop), key=lambda c: c.drop)
        columns = [c for c in columns if c is not first_to_go]
    return columns


def _share(widths: dict[str, int], wants: dict[str, int], spare: int) -> None:
    """Raise the widths evenly, each up to what it wants (a short artist is whole before a
    long title takes the rest)."""
    wanting = {name: want for name, want in wants.items() if want > 0}
    while spare > 0 and wanting:
        step = max(1, min(min(wanting.values()), spare // len(wanting)))
        for name in list(wanting)[:spare]:
            widths[name] += step
            wanting[name] -= step
            spare -= step
            if wanting[name] <= 0:
                del wanting[name]
            if spare <= 0:
                break
