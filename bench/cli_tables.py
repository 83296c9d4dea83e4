"""Benchmark of printing a long playlist's table to a file or a pipe (`mpdtui playlists NAME
> file`, `mpdtui order NAME | less`): the lines written without Rich rendering the rows
(`table_output.print_whole_lines`, now), against Rich printing the table with each column's
width fixed from its cells' text (so that it measures no cell: before), and Rich measuring the
table for its width and then again to print it (the first way), in the same process.

    .venv/bin/python bench/cli_tables.py [--sizes 1000,4000,10000] [--repeats 3]

Synthetic rows as the playlists' table has them: position, title, artist, time, BPM, key,
energy, URI; titles and artists of 3-40 characters, some with wide characters. Printed: the
median seconds of each way, their ratios, and whether the outputs are the same.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mpdtui.commands.table_output import measured, natural_widths, print_whole_lines

WORDS = ("road", "trip", "東京", "night", "drive", "🎧", "Don't", "Stop", "Me", "Now", "Lose",
         "Yourself", "remastered", "2011", "live")


def playlist_table(size: int, seed: int = 0) -> Table:
    rng = np.random.default_rng(seed)
    table = Table("#", "track", "artist", title=Text("a long playlist"))
    for name in ("time", "BPM", "key", "energy"):
        table.add_column(name, justify="right")
    table.add_column("uri", no_wrap=True)
    for position in range(1, size + 1):
        title = " ".join(rng.choice(WORDS, rng.integers(1, 6)))
        artist = " ".join(rng.choice(WORDS, rng.integers(1, 3)))
        table.add_row(str(position), Text(title), Text(artist), f"{rng.integers(1, 9)}:0{position % 10}",
                      str(rng.integers(60, 200)), "A minor 8A", f"{rng.random():.2f}",
                      f"spotify:track:{position:022d}")
    return table


def measured_then_printed(table: Table, file: io.StringIO) -> None:
    """Before: Rich's measure for the width, then Rich's print (which measures again)."""
    Console(file=file, width=measured(table).maximum).print(table)


def rich_with_fixed_widths(table: Table, file: io.StringIO) -> None:
    """Before: Rich printing the table, each column's width fixed from its cells' text."""
    Console(file=file, width=10_000).print(natural_widths(table))


def timed(way: Callable[[Table, io.StringIO], None], size: int, repeats: int) -> tuple[float, str]:
    seconds, out = [], ""
    for _ in range(repeats):
        table, file = playlist_table(size), io.StringIO()
        start = time.perf_counter()
        way(table, file)
        seconds.append(time.perf_counter() - start)
        out = file.getvalue()
    return statistics.median(seconds), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000,10000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for size in (int(text) for text in args.sizes.split(",")):
        now, now_out = timed(print_whole_lines, size, args.repeats)
        fixed, fixed_out = timed(rich_with_fixed_widths, size, args.repeats)
        first, first_out = timed(measured_then_printed, size, args.repeats)
        print(f"{size:,} rows: written {now:.2f} s, Rich with fixed widths {fixed:.2f} s "
              f"= {now / fixed:.2f}x, Rich measuring twice {first:.2f} s = {now / first:.2f}x; "
              f"same output: {now_out == fixed_out == first_out}")


if __name__ == "__main__":
    main()
