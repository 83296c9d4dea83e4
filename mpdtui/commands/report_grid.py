"""The evaluation's tables (`evaluate`, `score`, `--train`): categories across where the line
has room, else down, with the models (or submissions) across in as many tables as it takes
for each name and figure to show whole."""

from __future__ import annotations

import sys

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mpdtui.printable import printable

GAP = 3
"""A column's share of the line besides its text: a space each side and the rule between."""


def print_grid(title: str, header: list[str], rows: list[list[str]], width: int,
               down: str = "category") -> None:
    """A table with the categories across, `width` columns wide (a file or a pipe keeps every
    line whole); in a terminal narrower than that, with the categories down (under `down`),
    since the terminal would wrap each wide line into the next."""
    # names (a submission's path) are text: never markup, control characters escaped
    header, rows = [printable(name) for name in header], [[printable(v) for v in row] for row in rows]
    terminal = Console(file=sys.stdout)
    width = max(width, _whole_width(header, rows))  # long paths left the figures "0.0…"
    if terminal.is_terminal and terminal.width < width:
        terminal.print(Text(printable(title)))  # its own lines: a title on a narrow table wraps
        turned = ([down, *(row[0] for row in rows)],
                  [[name, *(row[i] for row in rows)] for i, name in enumerate(header) if i])
        for table in narrow_tables(*turned, terminal.width):
            terminal.print(table)
            terminal.print()
        return
    table = Table(title=Text(printable(title), style="table.title"))
    table.add_column(Text(header[0]), no_wrap=True)
    for name in header[1:]:
        table.add_column(Text(name), justify="right")
    for row in rows:
        table.add_row(Text(row[0]), *row[1:])  # the figures as before (highlighted)
    Console(file=sys.stdout, width=width).print(table)


def _whole_width(header: list[str], rows: list[list[str]]) -> int:
    """The narrowest table across whose every word shows whole: the names' column (which
    does not wrap) and each other column as wide as the longest word of any (the table
    narrows its widest columns first, to one width)."""
    names = max(len(text) for text in [header[0], *(row[0] for row in rows)])
    word = max((len(word) for i, name in enumerate(header) if i
                for text in [name, *(row[i] for row in rows)] for word in text.split()),
               default=0)
    return names + word * (len(header) - 1) + GAP * len(header) + 1


def one_line_width(header: list[str], rows: list[list[str]]) -> int:
    """The width of the table across with every name and figure on one line (in a narrower
    one, a long name squeezed the others' names: "behind s_ranker.csv… by")."""
    widths = [max(len(printable(text)) for text in [name, *(row[i] for row in rows)])
              for i, name in enumerate(header)]
    return sum(widths) + GAP * len(widths) + 1


def narrow_tables(header: list[str], rows: list[list[str]], room: int) -> list[Table]:
    """The first column (the row names) and, in each table, as many of the others as fit in
    `room` with their figures and every word of their names whole (a name wraps at its
    words), the tables as even as they can be: six models' names had been cut to "popular…"
    and "two_tow…" at 80 columns, and the seeds' "popularity: fallback cases" to "po… fa…
    ca…"."""
    widths = [_column_width(name, [row[i] for row in rows]) for i, name in enumerate(header)]
    left = room - widths[0]  # beside the names' column (no edges, no padding there)
    widths[1:] = [min(width, left - GAP) for width in widths[1:]]  # a longer name folds
    columns = list(range(1, len(header)))
    for count in range(1, len(columns) + 1):
        size = -(-len(columns) // count)  # the columns shared out evenly, in their order
        groups = [columns[i:i + size] for i in range(0, len(columns), size)]
        if all(sum(widths[i] + GAP for i in group) <= left for group in groups):
            break
    return [_table(header, rows, widths, [0, *group]) for group in groups]


def _column_width(name: str, values: list[str]) -> int:
    return max([len(value) for value in values] + [len(word) for word in name.split()])


def _table(header: list[str], rows: list[list[str]], widths: list[int],
           columns: list[int]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(Text(header[column], overflow="fold"), width=widths[column],
                         justify="right" if column else "left")
    for row in rows:
        table.add_row(Text(row[0]), *(row[i] for i in columns[1:]))
    return table
