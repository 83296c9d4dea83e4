"""Tables printed whole: to a terminal fitted to it, to a file or a pipe every row on one
line, as wide as it takes; measured without Rich measuring every cell again (seconds a pass
for a 10,000-track playlist), and written as Rich would print them without Rich rendering
every row (seconds more)."""

from __future__ import annotations

import sys
from typing import IO

from rich.cells import cell_len
from rich.console import Console
from rich.control import strip_control_codes
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
    """Every row on one line, as wide as it takes (for a file or a pipe): written here, line
    by line, what Rich would print (Rich's rendering took 4-6 s for 10,000 rows); Rich prints
    the tables this does not know how to write the same (see `_plain_lines`)."""
    console = Console(file=file, width=_MEASURE_WIDTH)
    lines = _plain_lines(natural_widths(table), console)
    if lines is None:
        console.print(table)
        return
    for start in range(0, len(lines), 1000):
        file.write("".join(line + "\n" for line in lines[start:start + 1000]))
    file.flush()


def _plain_lines(table: Table, console: Console) -> list[str] | None:
    """The lines Rich prints for `table` (every column's width fixed, every cell one line of
    text no wider) where no colour or style is written; None for any other table or console."""
    plain_console = (console.color_system is None and console.encoding.lower().startswith("utf")
                     and not console.legacy_windows)
    shape = (table.box is not None and table.show_header and not table.show_footer
             and not table.show_lines and not table.leading and table.padding == (0, 1, 0, 1)
             and table.pad_edge and not table.collapse_padding and not table.expand
             and table.width is None and table.caption is None and not table.row_styles
             and not any(row.end_section for row in table.rows))
    if not (plain_console and shape and table.columns):
        return None
    columns = table.columns
    if any(c.width is None or c.max_width is not None or c.ratio for c in columns):
        return None
    widths = [c.width + 2 for c in columns if c.width is not None]
    if sum(widths) + table._extra_width > console.width:
        return None
    body = [[_plain(console, cell) for cell in column.cells] for column in columns]
    grid = [[_plain(console, column.header) for column in columns], *map(list, zip(*body, strict=True))]
    if any(text is None for row in grid for text in row):
        return None
    box, edge = table.box, table.show_edge
    assert box is not None
    lines = _title_lines(table, console, sum(widths) + table._extra_width)
    if edge:
        lines.append(box.get_top(widths))
    last = len(grid) - 1
    for index, row in enumerate(grid):
        left, right, divider = ((box.head_left, box.head_right, box.head_vertical) if index == 0
                                else (box.foot_left, box.foot_right, box.foot_vertical)
                                if index == last else
                                (box.mid_left, box.mid_right, box.mid_vertical))
        cells = divider.join(f" {_justified(text, c.width or 0, c.justify)} "
                             for text, c in zip(row, columns, strict=True))
        lines.append(f"{left}{cells}{right}" if edge else cells)
        if index == 0:
            lines.append(box.get_row(widths, "head", edge=edge))
    if edge:
        lines.append(box.get_bottom(widths))
    return lines


def _plain(console: Console, cell: object) -> str | None:
    """A cell's one line of text as Rich renders it (markup and emoji codes of a str cell
    read as Rich reads them); None where it is not one line of plain text."""
    if isinstance(cell, str):  # highlights are styles, not text; an emoji code takes 2 ":"
        marked = "[" in cell or cell.count(":") > 1
        plain = (console.render_str(cell, highlight=False).plain if marked
                 else strip_control_codes(cell))  # as Text does
    elif isinstance(cell, Text) and cell.justify is None:
        plain = cell.plain
    else:
        return None
    if "\n" in plain or "\t" in plain:
        return None
    return plain.rstrip()  # as Rich's justifying does


def _justified(text: str, width: int, justify: str) -> str:
    room = width - cell_len(text)
    if justify == "right":
        return " " * room + text
    if justify == "center":
        return " " * (room // 2) + text + " " * (room - room // 2)
    return text + " " * room


def _title_lines(table: Table, console: Console, width: int) -> list[str]:
    if not table.title:
        return []
    title = table.title
    text = console.render_str(title, highlight=False) if isinstance(title, str) else title
    options = console.options.update(width=width, highlight=table.highlight, height=None,
                                     justify=table.title_justify)
    rendered = "".join(s.text for s in console.render(text, options) if not s.control)
    return rendered.split("\n")[:-1]


def print_table(table: Table) -> None:
    """To the terminal, fitted to it (Rich's widths); a file or a pipe gets every row on one
    line."""
    console = Console(file=sys.stdout)
    if console.is_terminal:
        console.print(table)
    else:
        print_whole_lines(table, sys.stdout)
