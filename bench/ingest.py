"""Ingest speed against a bare orjson parse of the same files, and peak memory.

    python bench/ingest.py [--playlists 20000 100000] [--dense] [--seed N] [--repeats 5] [--floor]

For each size: generates the demo dataset once (kept under .bench-data/; `--dense`: the
first, dense demo), times reading + orjson-parsing every slice (the floor any ingest pays),
then times a full ingest into a fresh cache dir in a child process that also reports its peak
RSS (the writer's own high-water mark, and the sum over it and its workers, sampled) and CPU
seconds (its own and its workers'; on a shared machine the CPU ratio moves less with the load
than the wall-time one). With two sizes it extrapolates
the peak RSS to the full MPD (1M playlists, 66M rows, 2.26M tracks). Also reports
`Catalog.search` latency on the catalog it built (1-3 letter prefixes and whole title words),
and the size of its search tables.

Each pair also prints the ingest's CPU seconds spread over the machine's cores, against the
bare parse: the wall-time ratio it could reach if no core ever waited. `--floor` also times
the parsing processes alone (ingest's own pool reading, checking and compacting every slice,
with no writer), and SQLite's own work alone (what the ingest stored, inserted again from rows
made beforehand, then its indexes, matrices and popularity) beside the cheapest checked parse
(msgspec's typed decode), each against the bare parse in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import psutil

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".bench-data"
MPD_PLAYLISTS, MPD_ROWS, MPD_TRACKS = 1_000_000, 66_346_428, 2_262_292
CORES = os.cpu_count() or 1

CHILD = """
import json, resource, sys, time
from pathlib import Path
from mpdtui.data.ingest import ingest
from mpdtui.locations import Locations
from mpdtui.data.catalog import Catalog
started = time.perf_counter()
locations = Locations.resolve(sys.argv[2])
result = ingest(locations, Path(sys.argv[1]))
seconds = time.perf_counter() - started
cpu_seconds = sum(getattr(resource.getrusage(who), field) for who in
                  (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                  for field in ("ru_utime", "ru_stime"))
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so it would report the bench
# process's own RSS (the demo it generated, the slices it parsed) whenever that is larger
peak_mb = next(int(line.split()[1]) for line in open("/proc/self/status")
               if line.startswith("VmHWM:")) / 1024
print("ingested", flush=True)  # the parent stops sampling the processes' memory here
# the matrices' share of memory: rebuild them under tracemalloc (numpy reports to it)
import tracemalloc
from mpdtui.data.matrices import finalize
with Catalog.open(locations) as catalog:
    counts = catalog.counts()
    catalog.db.execute("DELETE FROM meta WHERE key = 'finalized'")
    tracemalloc.start()
    finalize(locations, catalog)
    finalize_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
# search latency on the index the ingest built: 1-3 letter prefixes and whole words of titles
with Catalog.open(locations) as catalog:
    words = [w for (n,) in catalog.query("SELECT name FROM tracks WHERE id % 997 = 0 LIMIT 100")
             for w in n.lower().split()[:1] if w.isalnum()]
    queries = [w[:k] for w in words for k in (1, 2, 3, len(w))]
    latencies = []
    for query in queries:
        tick = time.perf_counter()
        catalog.search(query)
        latencies.append(time.perf_counter() - tick)
    index_mb = sum(catalog.scalar(f"SELECT coalesce(sum(length(block)), 0) FROM {table}_data")
                   for table in ("tracks_fts", "search_head_fts")) / 1e6
latencies.sort()
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "rows": result.rows,
                  "tracks": counts.tracks, "search_index_mb": index_mb,
                  "peak_rss_mb": peak_mb, "finalize_bytes_per_row": finalize_peak / result.rows,
                  "search_p50_ms": 1e3 * latencies[len(latencies) // 2],
                  "search_p95_ms": 1e3 * latencies[int(len(latencies) * 0.95)]}))
"""

PARSE_ONLY_CHILD = """
import json, os, resource, sys, time
from pathlib import Path
from mpdtui.data.ingest import _parsed_slices
from mpdtui.data.mpd import find_slices
started = time.perf_counter()
for _ in _parsed_slices(find_slices(Path(sys.argv[1])), os.cpu_count() or 1):
    pass
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime}))
"""


SQLITE_ALONE_CHILD = """
import json, shutil, sys, time
from pathlib import Path
from mpdtui.data import track_search
from mpdtui.data.catalog import Catalog, without_uri_indexes
from mpdtui.data.ingest import INGEST_CACHE_KIB, INGEST_WAL_PAGES, ingest
from mpdtui.data.matrices import finalize
from mpdtui.locations import Locations
built, fresh = Locations.resolve(sys.argv[2]), Locations.resolve(sys.argv[3])
ingest(built, Path(sys.argv[1]))  # not timed: what it stored is inserted again below
with Catalog.open(built) as catalog:
    rows = {table: catalog.query(f"SELECT * FROM {table} ORDER BY rowid")
            for table in ("artists", "albums", "tracks", "playlists", "slices")}
rows["tracks"] = [(*row[:-1], 0) for row in rows["tracks"]]  # popularity comes last, as in ingest
shutil.copytree(built.chunks_dir, fresh.chunks_dir)
seconds = {}
with Catalog.create_or_open(fresh) as catalog:
    catalog.db.execute(f"PRAGMA cache_size = -{INGEST_CACHE_KIB}")
    catalog.db.execute(f"PRAGMA wal_autocheckpoint = {INGEST_WAL_PAGES}")
    started = time.perf_counter()
    with without_uri_indexes(catalog):
        with catalog.transaction() as db:
            for table, values in rows.items():
                if values:
                    db.executemany(
                        f"INSERT INTO {table} VALUES ({', '.join('?' * len(values[0]))})", values)
        seconds["inserts"] = time.perf_counter() - started
        started = time.perf_counter()  # leaving the block builds the URI indexes
    seconds["URI indexes"] = time.perf_counter() - started
    started = time.perf_counter()
    with track_search.index_search_beside(catalog):
        pass  # the build runs in its thread, then is copied in
    seconds["search index"] = time.perf_counter() - started
    started = time.perf_counter()
    finalize(fresh, catalog)
    seconds["finalize"] = time.perf_counter() - started
print(json.dumps(seconds))
"""


def demo_folder(playlists: int, dense: bool = False, seed: int = 0) -> Path:
    folder = DATA / f"demo-{'dense-' if dense else ''}{f'seed{seed}-' if seed else ''}{playlists}"
    if not (folder / "done").exists():
        from mpdtui.data.demo import generate_demo

        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating {playlists:,} demo playlists into {folder} ...", flush=True)
        generate_demo(folder, playlists, seed=seed, dense=dense)
        (folder / "done").touch()
    return folder


def bare_parse_seconds(folder: Path, parse: Callable[[bytes], object] = orjson.loads
                       ) -> tuple[float, float]:
    """Wall and CPU seconds of reading and parsing every slice (with `parse`), one after
    another."""
    started, cpu_started = time.perf_counter(), time.process_time()
    for path in sorted(folder.glob("mpd.slice.*.json")):
        parse(path.read_bytes())
    return time.perf_counter() - started, time.process_time() - cpu_started


def child_json(script: str, *args: str) -> dict[str, float]:
    """Run `script` in a fresh interpreter with `args`; the JSON its last line of output holds."""
    command = [sys.executable, "-c", script, *args]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def ingest_in_child(folder: Path) -> dict[str, float]:
    cache = DATA / "cache-ingest"
    shutil.rmtree(cache, ignore_errors=True)
    command = [sys.executable, "-c", CHILD, str(folder), str(cache)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        with TreePeak(child.pid) as tree:
            child.stdout.readline()  # "ingested"
        out = child.stdout.read()
    shutil.rmtree(cache, ignore_errors=True)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command)
    return json.loads(out.strip().splitlines()[-1]) | {"peak_all_mb": tree.peak_mb}


class TreePeak:
    """The largest sum of RSS over a process and its descendants (the ingest's writer and its
    workers), sampled every `every` seconds in a thread until the block ends. Sampling walks
    /proc, so it is kept sparse: the workers' memory moves slice by slice, not in spikes."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        self.process, self.every, self.peak_mb = psutil.Process(pid), every, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(self.every):
            self.peak_mb = max(self.peak_mb, self._total_mb())

    def _total_mb(self) -> float:
        total = 0
        with contextlib.suppress(psutil.NoSuchProcess):
            for process in [self.process, *self.process.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    total += process.memory_info().rss
        return total / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--playlists", type=int, nargs="+", default=[20_000])
    parser.add_argument("--dense", action="store_true",
                        help="the dense demo (31k tracks whatever the size; issue 16's figures)")
    parser.add_argument("--seed", type=int, default=0, help="the demo's seed (0: the figures' own)")
    parser.add_argument("--floor", action="store_true",
                        help="also time ingest's parsing processes alone, with no writer, "
                             "and SQLite's own work alone")
    parser.add_argument("--repeats", type=int, default=1,
                        help="parse + ingest pairs per size (a shared machine's load moves "
                             "single runs by 20%%); the median ratio is printed last")
    args = parser.parse_args()
    runs = []
    for playlists in args.playlists:
        folder = demo_folder(playlists, args.dense, args.seed)
        bare_parse_seconds(folder)  # warm the page cache so both timings read from memory
        ratios = []
        for _ in range(args.repeats):
            run = measure(folder, playlists)
            if args.floor:
                measure_parsing_alone(folder, playlists)
                measure_sqlite_alone(folder, playlists)
            ratios.append(run["seconds"] / run["parse_seconds"])
        runs.append(run)
        if args.repeats > 1:
            print(f"{playlists:>9,} playlists: median ratio {statistics.median(ratios):4.2f}x "
                  f"of {args.repeats} (min {min(ratios):4.2f}x, max {max(ratios):4.2f}x)")
    if len(runs) >= 2:
        print_extrapolation(runs[0], runs[-1])


def measure(folder: Path, playlists: int) -> dict[str, float]:
    """One bare parse, then one ingest of `folder`; prints the pair's line."""
    parse, parse_cpu = bare_parse_seconds(folder)
    run = ingest_in_child(folder) | {"playlists": playlists, "parse_seconds": parse}
    print(f"{playlists:>9,} playlists {run['rows']:>11,} rows {run['tracks']:>9,} tracks | "
          f"bare orjson parse {parse:6.2f} s | ingest {run['seconds']:6.2f} s "
          f"({run['rows'] / run['seconds']:,.0f} rows/s) | ratio {run['seconds'] / parse:4.2f}x | "
          f"CPU {run['cpu_seconds']:.1f} s vs {parse_cpu:.1f} s = "
          f"{run['cpu_seconds'] / parse_cpu:4.2f}x, over {CORES} cores "
          f"{run['cpu_seconds'] / CORES / parse:4.2f}x | "
          f"peak RSS {run['peak_rss_mb']:,.0f} MB writer, {run['peak_all_mb']:,.0f} MB with its "
          f"workers | search p50 {run['search_p50_ms']:.1f} ms "
          f"p95 {run['search_p95_ms']:.1f} ms, index {run['search_index_mb']:.1f} MB", flush=True)
    return run


def measure_parsing_alone(folder: Path, playlists: int) -> None:
    """ingest's worker pool alone over `folder` (in a child, as an ingest runs), then a bare
    parse; prints the pair's line."""
    alone = child_json(PARSE_ONLY_CHILD, str(folder))
    parse, _ = bare_parse_seconds(folder)
    print(f"{playlists:>9,} playlists | parsing processes alone {alone['seconds']:6.2f} s "
          f"(CPU {alone['cpu_seconds']:.1f} s) vs bare orjson parse {parse:6.2f} s | ratio "
          f"{alone['seconds'] / parse:4.2f}x", flush=True)


def measure_sqlite_alone(folder: Path, playlists: int) -> None:
    """What an ingest's writer cannot avoid: SQLite's own work (the rows it stores inserted
    again from Python lists made beforehand, then the URI indexes, search index, matrices and
    popularity, one after another), and the typed decode of every slice (msgspec, the
    cheapest parse that checks the fields), against a bare parse; prints the line."""
    built, fresh = DATA / "cache-ingest", DATA / "cache-sqlite-alone"
    for cache in (built, fresh):
        shutil.rmtree(cache, ignore_errors=True)
    try:
        parts = child_json(SQLITE_ALONE_CHILD, str(folder), str(built), str(fresh))
    finally:
        for cache in (built, fresh):
            shutil.rmtree(cache, ignore_errors=True)
    from mpdtui.data.slice_decoder import decode_slice  # the typed records ingest decodes

    parse, _ = bare_parse_seconds(folder)
    decode, _ = bare_parse_seconds(folder, decode_slice)
    sqlite_seconds = sum(parts.values())
    print(f"{playlists:>9,} playlists | SQLite and matrices alone {sqlite_seconds:5.2f} s ("
          + ", ".join(f"{name} {value:.2f}" for name, value in parts.items())
          + f") = {sqlite_seconds / parse:4.2f}x the bare orjson parse ({parse:5.2f} s); with the "
          f"typed decode ({decode:5.2f} s) over {CORES} cores "
          f"{(sqlite_seconds + decode) / CORES / parse:4.2f}x", flush=True)


def print_extrapolation(small: dict[str, float], large: dict[str, float]) -> None:
    """Peak RSS = what a run needs anyway (one parsed slice per process, libraries) plus the
    larger of two phases: the URI -> id maps while slices go in (grows with distinct tracks),
    and the matrix build at the end (grows with rows)."""
    base_mb = large["peak_rss_mb"]
    maps_mb = track_map_cost_mb() * MPD_TRACKS
    matrices_mb = large["finalize_bytes_per_row"] * MPD_ROWS / 2**20
    estimate = base_mb + max(maps_mb, matrices_mb)
    rate = large["rows"] / large["seconds"]
    print(f"peak RSS {small['peak_rss_mb']:,.0f} MB at {small['playlists']:,} playlists and "
          f"{large['peak_rss_mb']:,.0f} MB at {large['playlists']:,} ({small['tracks']:,.0f} and "
          f"{large['tracks']:,.0f} tracks; the writer alone); "
          f"matrix build {large['finalize_bytes_per_row']:.1f} bytes/row")
    print(f"full MPD estimate: peak RSS {estimate / 1024:.1f} GB (base {base_mb:,.0f} MB + "
          f"max(URI maps {maps_mb:,.0f} MB, matrices {matrices_mb:,.0f} MB)); "
          f"ingest {MPD_ROWS / rate / 60:.0f} min at {rate:,.0f} rows/s")


def track_map_cost_mb(n: int = 200_000) -> float:
    """Memory per track of ingest's URI -> id maps: the tracks' (`TrackKeys`, numpy), and
    a dict each for albums and artists as if every track had its own (the MPD has a third
    as many albums, an eighth as many artists)."""
    import tracemalloc

    from mpdtui.data.track_keys import TrackKeys

    uris = [f"spotify:track:{i:022d}" for i in range(n)]
    tracemalloc.start()
    maps = (TrackKeys(uris),
            *({f"spotify:{kind}:{i:022d}": i for i in range(n)} for kind in ("album", "artist")))
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del maps
    return size / n / 2**20


if __name__ == "__main__":
    main()
