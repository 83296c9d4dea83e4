"""Benchmark of the builder's playlist table on a long playlist: an edit (a track taken out,
one added, one moved, one put back, the order reversed) shown by changing only the rows that
changed, against drawing every row again, and against the table of another commit
(`--against`), in the same process.

    .venv/bin/python bench/track_table.py [--tracks 2000] [--repeats 5] [--against REV]

A headless app holds one numbered `TrackTable` (the builder's playlist) of synthetic tracks;
each figure is the median of `--repeats` runs of `show` plus the next screen update, in CPU
time (the process's: its threads are idle here).
`--against 350364f` times that commit's `TrackTable` too (read with `git show`), which made
and measured every row's cells again at each edit.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time
import types
from collections.abc import Callable
from pathlib import Path

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from mpdtui.data.catalog import Track
from mpdtui.tui.widgets.track_table import TrackTable

EDITS: list[tuple[str, Callable[[list[Track]], list[Track]]]] = [
    ("take one out (x)", lambda t: t[: len(t) // 2] + t[len(t) // 2 + 1:]),
    ("add one (enter)", lambda t: [*t, t[0]]),
    ("move one down (J)", lambda t: [*t[: len(t) // 2], t[len(t) // 2 + 1], t[len(t) // 2],
                                     *t[len(t) // 2 + 2:]]),
    ("put one back (u after x)", lambda t: [*t[: len(t) // 2], t[0], *t[len(t) // 2:]]),
    ("order for flow (o)", lambda t: t[::-1]),
]


def synthetic_tracks(count: int) -> list[Track]:
    return [Track(i, f"spotify:track:{i:022d}", f"Song {i} " + "la " * (i % 9), f"Artist {i % 97}",
                  f"spotify:artist:{i % 97}", f"Album {i % 301}", "", 150_000 + 37 * i, 1)
            for i in range(count)]


class TableApp(App[None]):
    def __init__(self, table: type[TrackTable] = TrackTable) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table(numbered=True, id="playlist")


def table_of(rev: str) -> type[TrackTable]:
    """`TrackTable` as commit `rev` had it."""
    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(["git", "show", f"{rev}:mpdtui/tui/widgets/track_table.py"],
                            cwd=root, check=True, capture_output=True, text=True).stdout
    module = types.ModuleType(f"track_table_{rev}")
    exec(compile(source, f"{rev}:track_table.py", "exec"), module.__dict__)
    return module.TrackTable


async def timed(pilot: Pilot, show: Callable[[], None]) -> float:
    """The CPU time of `show` and the screen update after it: the app's own work, which a
    busy machine (other processes) does not add to, as it does to the wall time."""
    start = time.process_time()
    show()
    await pilot.pause()
    return time.process_time() - start


async def edit_times(table_class: type[TrackTable], count: int, repeats: int,
                     every_row: bool = False) -> dict[str, float]:
    """Each edit's median time; `every_row`: drawn again whole (`show` without keep_cursor)."""
    app = TableApp(table_class)
    times = {}
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(TrackTable)
        tracks = synthetic_tracks(count)
        for name, edit in EDITS:
            runs = []
            for _ in range(repeats):
                table.show(tracks)
                table.move_cursor(row=count // 2)
                await pilot.pause()
                edited = edit(tracks)

                def show(edited: list[Track] = edited) -> None:
                    table.show(edited, keep_cursor=not every_row)

                runs.append(await timed(pilot, show))
            times[name] = statistics.median(runs)
    return times


async def measure(count: int, repeats: int, against: str | None) -> None:
    now = await edit_times(TrackTable, count, repeats)
    again = await edit_times(TrackTable, count, repeats, every_row=True)
    before = await edit_times(table_of(against), count, repeats) if against else {}
    print(f"{count:,} tracks, median of {repeats}:")
    for name, _ in EDITS:
        line = (f"  {name}: {now[name] * 1000:.0f} ms, every row drawn again "
                f"{again[name] * 1000:.0f} ms")
        if before:
            line += (f", {against}'s table {before[name] * 1000:.0f} ms "
                     f"= {before[name] / now[name]:.1f}x the time")
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--against", metavar="REV", help="also time this commit's table")
    args = parser.parse_args()
    asyncio.run(measure(args.tracks, args.repeats, args.against))


if __name__ == "__main__":
    main()
