"""Tables printed whole: to a terminal fitted to it, to a file or a pipe every row on one
line, every cell whole (one wider than 60 cells runs past its column, on its own row);
measured without Rich measuring every cell again (seconds a pass for a 10,000-track
playlist), and written as Rich would print them without Rich rendering every row (seconds
more)."""

from __future__ import annotations

import sys
from copy import copy
from dataclasses import replace
from typing import IO

from rich.cells import cell_len
from rich.console import Console
from rich.control import strip_control_codes
from rich.measure import Measurement
from rich.table import Column, Table
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
            column.width = _natural_width(column)
    return table


def _natural_width(column: Column) -> int:
    widest = max((_cell_width(cell) for cell in column.cells), default=0)
    return max(widest, _cell_width(column.header), column.min_width or 0)


def _cell_width(cell: object) -> int:
    text = cell.plain if isinstance(cell, Text) else str(cell)
    return max(cell_len(line) for line in text.split("\n"))


WHOLE_LINE_COLUMN_CELLS = 60
"""The widest a column of a table printed into a file or a pipe is padded to: a cell wider
(a 300-character name) is written whole, past its column on its own row, rather than every
other row padded to its width (380-900 columns of spaces where `less` or an editor show them)."""


def print_whole_lines(table: Table, file: IO[str]) -> None:
    """Every row on one line, every cell whole (for a file or a pipe): written here, line by
    line, what Rich would print (Rich's rendering took 4-6 s for 10,000 rows), with columns at
    most `WHOLE_LINE_COLUMN_CELLS` wide; Rich prints the tables this does not know how to write
    the same (see `_plain_lines`), as wide as their widest cells."""
    console = Console(file=file, width=_MEASURE_WIDTH)
    natural = [column.width for column in natural_widths(table).columns]
    lines = _plain_lines(_capped(table), console)
    if lines is None:
        for column, width in zip(table.columns, natural, strict=True):
            column.width = width  # Rich would wrap a cell wider than its column
        console.print(table)
        return
    _write(lines, file)


def _capped(table: Table) -> Table:
    """`table` (its widths fixed) with no column wider than `WHOLE_LINE_COLUMN_CELLS`, or than
    its header where that is wider."""
    for column in table.columns:
        cap = max(WHOLE_LINE_COLUMN_CELLS, _cell_width(column.header), column.min_width or 0)
        column.width = min(column.width or 0, cap)
    return table


def _write(lines: list[str], file: IO[str]) -> None:
    for start in range(0, len(lines), 1000):
        file.write("".join(line + "\n" for line in lines[start:start + 1000]))
    file.flush()


def _plain_lines(table: Table, console: Console) -> list[str] | None:
    """The lines Rich prints for `table` (every column's width fixed, every cell one line of
    text no wider) where no colour or style is written; None for any other table or console."""
    if console.color_system is not None:
        return None
    parts = _rows(table, console, styled=False)
    if parts is None:
        return None
    widths, header, rows = parts
    box, edge = table.box, table.show_edge
    assert box is not None
    lines = _title_lines(table, console, sum(widths) + table._extra_width)
    return [*lines, *([box.get_top(widths)] if edge else []), header,
            box.get_row(widths, "head", edge=edge), *rows, *_bottom(table, widths)]


def _terminal_lines(table: Table, console: Console) -> list[str] | None:
    """What Rich prints for `table` on the terminal where it fits whole (its widths are then
    the cells' own): the title and header as Rich renders them (styled), the rows, no colour
    or style in them, written here; None for any other table (Rich fits it its own way)."""
    widths = [c.width if c.width is not None else _natural_width(c) for c in table.columns]
    if sum(widths) + 2 * len(widths) + table._extra_width > console.width or \
            any(str(style) not in ("", "none") for style in
                (table.style, table.border_style or "", *(c.style for c in table.columns))):
        return None
    given = [column.width for column in table.columns]
    parts = _rows(natural_widths(table), console, styled=True)
    if parts is None:  # Rich prints it with its own widths
        for column, width in zip(table.columns, given, strict=True):
            column.width = width
        return None
    header_only = copy(table)
    header_only.rows = []
    header_only.columns = [replace(column, _cells=[]) for column in table.columns]
    with console.capture() as captured:
        console.print(header_only)
    head, bottom = captured.get().split("\n")[:-1], _bottom(table, parts[0])
    return [*head[:len(head) - len(bottom)], *parts[2], *bottom]  # Rich's bottom edge is plain


def _bottom(table: Table, widths: list[int]) -> list[str]:
    return [table.box.get_bottom(widths)] if table.show_edge and table.box else []


def _rows(table: Table, console: Console,
          styled: bool) -> tuple[list[int], str, list[str]] | None:
    """(the columns' widths with their padding, the header's line, the rows' lines) of a
    table whose every cell is one line of text (unstyled where `styled`: Rich would write the
    style) as wide as its column at most; None for any other."""
    plain_console = console.encoding.lower().startswith("utf") and not console.legacy_windows
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
    body = [[_plain(console, cell, styled) for cell in column.cells] for column in columns]
    grid = [[_plain(console, column.header, False) for column in columns],
            *map(list, zip(*body, strict=True))]
    if any(text is None for row in grid for text in row):
        return None
    box, edge = table.box, table.show_edge
    assert box is not None
    lines, last = [], len(grid) - 1
    for index, row in enumerate(grid):
        left, right, divider = ((box.head_left, box.head_right, box.head_vertical) if index == 0
                                else (box.foot_left, box.foot_right, box.foot_vertical)
                                if index == last else
                                (box.mid_left, box.mid_right, box.mid_vertical))
        cells = divider.join(f" {_justified(text or '', c.width or 0, c.justify)} "
                             for text, c in zip(row, columns, strict=True))
        lines.append(f"{left}{cells}{right}" if edge else cells)
    return widths, lines[0], lines[1:]


def _plain(console: Console, cell: object, styled: bool) -> str | None:
    """A cell's one line of text as Rich renders it (markup and emoji codes of a str cell
    read as Rich reads them); None where it is not one line of plain text (`styled`: or
    where it has a style)."""
    if isinstance(cell, str) and "[" not in cell and cell.count(":") < 2:  # no markup, no emoji
        text = None  # (highlights are styles, not text)
        plain = strip_control_codes(cell)  # as Text does
    elif isinstance(cell, str):
        text = console.render_str(cell, highlight=False)
        if styled and text.plain != cell:  # its width is that of the words it was
            return None
    elif isinstance(cell, Text) and cell.justify is None:
        text = cell
    else:
        return None
    if text is not None:
        plain = text.plain
    if "\n" in plain or "\t" in plain or (styled and text is not None and (text.style or text.spans)):
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
    """To the terminal, fitted to it (Rich's widths; where the table fits whole, its rows
    written here, `_terminal_lines`); a file or a pipe gets every row on one line."""
    console = Console(file=sys.stdout)
    if console.is_terminal:
        lines = _terminal_lines(table, console)
        if lines is None:
            console.print(table)
        else:
            _write(lines, sys.stdout)
    else:
        print_whole_lines(table, sys.stdout)
