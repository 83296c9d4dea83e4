"""Benchmark of the builder's playlist table on a long playlist: an edit (a track taken out,
one added, one moved, the order reversed) shown by changing only the rows that changed,
against drawing every row again (the table before), in the same process.

    .venv/bin/python bench/track_table.py [--tracks 2000] [--repeats 5]

A headless app holds one numbered `TrackTable` (the builder's playlist) of synthetic tracks;
each figure is the median of `--repeats` runs of `show` plus the next screen update.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from mpdtui.data.catalog import Track
from mpdtui.tui.widgets.track_table import TrackTable

EDITS: list[tuple[str, Callable[[list[Track]], list[Track]]]] = [
    ("take one out (x)", lambda t: t[:100] + t[101:]),
    ("add one (enter)", lambda t: [*t, t[0]]),
    ("move one down (J)", lambda t: [*t[:100], t[101], t[100], *t[102:]]),
    ("order for flow (o)", lambda t: t[::-1]),
]


def synthetic_tracks(count: int) -> list[Track]:
    return [Track(i, f"spotify:track:{i:022d}", f"Song {i} " + "la " * (i % 9), f"Artist {i % 97}",
                  f"spotify:artist:{i % 97}", f"Album {i % 301}", "", 150_000 + 37 * i, 1)
            for i in range(count)]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TrackTable(numbered=True, id="playlist")


async def timed(pilot: Pilot, show: Callable[[], None]) -> float:
    start = time.perf_counter()
    show()
    await pilot.pause()
    return time.perf_counter() - start


async def measure(count: int, repeats: int) -> None:
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(TrackTable)
        tracks = synthetic_tracks(count)
        print(f"{count:,} tracks, median of {repeats}:")
        for name, edit in EDITS:
            changed, again = [], []
            for _ in range(repeats):
                table.show(tracks, keep_cursor=True)
                await pilot.pause()
                edited = edit(tracks)
                changed.append(await timed(pilot, lambda e=edited: table.show(e, keep_cursor=True)))
                table.show(tracks, keep_cursor=True)
                await pilot.pause()
                again.append(await timed(pilot, lambda e=edited: table.show(e)))  # every row
            fast, slow = statistics.median(changed), statistics.median(again)
            print(f"  {name}: {fast * 1000:.0f} ms, every row drawn again {slow * 1000:.0f} ms "
                  f"= {fast / slow:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(measure(args.tracks, args.repeats))


if __name__ == "__main__":
    main()
