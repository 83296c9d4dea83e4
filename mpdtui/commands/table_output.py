"""Tables printed whole: to a terminal fitted to it, to a file or a pipe every row on one
line, as wide as it takes; measured without Rich measuring every cell again (seconds a pass
for a 10,000-track playlist)."""

from __future__ import annotations

import sys
from typing import IO

from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

_MEASURE_WIDTH = 10_000
"""Room enough to measure a table's natural width (a console clamps measures to its own)."""


def measured(table: Table) -> Measurement:
    """The table's widths with no terminal to fit (its maximum: every line whole)."""
    return Console(width=_MEASURE_WIDTH).measure(table)


def natural_widths(table: Table) -> Table:
    """`table` with each column fixed at its widest cell's (or header's) width, so that Rich
    measures no cell again: it took seconds a pass for a 10,000-track playlist. For a table
    shown whole; one to fit a terminal keeps Rich's own widths."""
    for column in table.columns:
        if column.width is None:
            widest = max((_cell_width(cell) for cell in column.cells), default=0)
            column.width = max(widest, _cell_width(column.header), column.min_width or 0)
    return table


def _cell_width(cell: object) -> int:
    text = cell.plain if isinstance(cell, Text) else str(cell)
    return max(cell_len(line) for line in text.split("\n"))


def print_whole_lines(table: Table, file: IO[str]) -> None:
    """Every row on one line, as wide as it takes (for a file or a pipe)."""
    Console(file=file, width=_MEASURE_WIDTH).print(natural_widths(table))


def print_table(table: Table) -> None:
    """To the terminal, fitted to it (Rich's widths); a file or a pipe gets every row on one
    line."""
    console = Console(file=sys.stdout)
    if console.is_terminal:
        console.print(table)
    else:
        print_whole_lines(table, sys.stdout)
