"""Reading saved models: their arrays mapped from the file without a CRC pass while its stamp
holds (`models.npz_arrays`, now) against the same mapping with the CRC pass and `np.load`
copying them into the process (before), in the same run.

    .venv/bin/python bench/model_files.py [--tracks 2262292] [--neighbours 200] [--repeats 3]
    .venv/bin/python bench/model_files.py --cache-dir DIR   # also every file of a cache dir
    .venv/bin/python bench/model_files.py --cold            # every read from the disk

The synthetic file is an item-kNN model at `--tracks` (the MPD's 2.26M by default, 200
neighbours a track: 3.6 GB), written once under a temporary folder. For each file the ways
alternate `--repeats` times; the figures are the median wall time of a read, the process
memory of its own that the arrays take (RssAnon) and what is the OS's file cache, shared with
every other process reading the same file (RssFile), and, for the synthetic model, the first
suggestion after the read (the rows of 10 seeds summed, as item-kNN answers). The files sit in
the OS's cache for every way (the first read of each file warms it), or with `--cold` are
dropped from it before every read: then the first two ways read the whole file from disk, the
stamped one only the pages a query touches. A cache dir's files written before stamps have
none: their two mapped ways are the same.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from models.npz_arrays import MAP_FROM_BYTES, load_arrays, save_arrays, stamp_path, write_stamp

MPD_TRACKS = 2_262_292
Reader = Callable[[Path], dict[str, np.ndarray]]


def copied(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def crc_checked(path: Path) -> dict[str, np.ndarray]:
    """`load_arrays` with the file's stamp moved aside while it reads: the CRC pass."""
    stamp = stamp_path(path)
    aside = stamp.with_name(f"{stamp.name}.aside")
    moved = stamp.exists()
    if moved:
        stamp.rename(aside)
    try:
        return load_arrays(path)
    finally:
        if moved:
            aside.rename(stamp)


NOW = "mapped, stamped (now)"
WAYS: dict[str, Reader] = {"np.load, copied": copied, "mapped, CRC pass": crc_checked,
                           NOW: load_arrays}
"""Files under `npz_arrays.MAP_FROM_BYTES` are copied every way."""


def rss_kib() -> dict[str, int]:
    with open("/proc/self/status") as status:
        return {line.split(":")[0]: int(line.split()[1]) for line in status
                if line.startswith(("RssAnon", "RssFile"))}


def synthetic_knn(folder: Path, tracks: int, neighbours: int) -> Path:
    """An item-kNN model's arrays at `tracks` x `neighbours`, random neighbours."""
    path = folder / "item_knn.npz"
    rng = np.random.default_rng(0)
    nnz = tracks * neighbours
    print(f"writing a synthetic item-kNN model: {tracks:,} tracks x {neighbours} "
          f"neighbours ({nnz * 8 / 1e9:.1f} GB) ...", flush=True)
    arrays = {
        "data": rng.random(nnz, dtype=np.float32),
        "indices": rng.integers(0, tracks, nnz, dtype=np.int32),
        "indptr": np.arange(0, nnz + 1, neighbours, dtype=np.int64),
        "popularity": rng.integers(1, 1000, tracks, dtype=np.int64),
    }
    with open(path, "wb") as fh:
        save_arrays(fh, arrays)
    write_stamp(path)
    return path


def first_suggestion(arrays: dict[str, np.ndarray], tracks: int) -> None:
    similarity = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]),
                               shape=(tracks, tracks))
    seeds = np.random.default_rng(1).integers(0, tracks, 10)
    np.ones((1, len(seeds)), np.float32) @ similarity[seeds]


def measure(path: Path, read: Reader, query: Callable[[dict[str, np.ndarray]], None] | None
            ) -> tuple[float, float, int, int]:
    gc.collect()
    before = rss_kib()
    start = time.perf_counter()
    arrays = read(path)
    seconds = time.perf_counter() - start
    query_start = time.perf_counter()
    if query:
        query(arrays)
    query_seconds = time.perf_counter() - query_start
    after = rss_kib()
    del arrays
    return (seconds, query_seconds, after["RssAnon"] - before["RssAnon"],
            after["RssFile"] - before["RssFile"])


def evict(path: Path) -> None:
    """Drop the file's pages from the OS's cache, as after a reboot (no root needed)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def compare(label: str, path: Path, repeats: int, cold: bool,
            query: Callable[[dict[str, np.ndarray]], None] | None = None) -> None:
    copied(path)  # into the OS's file cache for every way
    runs: dict[str, list[tuple[float, float, int, int]]] = {way: [] for way in WAYS}
    for _ in range(repeats):
        for way, read in WAYS.items():
            if cold:
                evict(path)
            runs[way].append(measure(path, read, query))
    size_mb = path.stat().st_size / 1e6
    stamped = "" if stamp_path(path).exists() else ", no stamp"
    if path.stat().st_size < MAP_FROM_BYTES:
        stamped = f", under {MAP_FROM_BYTES >> 20} MB: copied every way"
    disk = "from a cold disk" if cold else "in the OS's cache"
    print(f"\n{label} ({size_mb:,.0f} MB{stamped}), {disk}, median of {repeats}:")
    medians = {}
    for way, results in runs.items():
        seconds, query_s, anon, file = (statistics.median(column) for column in zip(*results, strict=True))
        medians[way] = seconds + query_s
        suggestion = f", first suggestion {query_s * 1000:7.1f} ms" if query else ""
        print(f"  {way:23} read {seconds * 1000:8.1f} ms{suggestion}, "
              f"own memory +{anon / 1024:7.1f} MB, file cache +{file / 1024:7.1f} MB")
    now = medians.pop(NOW)
    print("  now / " + ", now / ".join(f"{way}: {now / before:.3f}x" for way, before in medians.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=MPD_TRACKS)
    parser.add_argument("--neighbours", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, help="also every .npz model of this cache dir")
    parser.add_argument("--cold", action="store_true",
                        help="drop each file from the OS's cache before every read")
    args = parser.parse_args()
    if args.cache_dir:
        for path in sorted(args.cache_dir.glob("models/*/arrays.npz")):
            compare(f"{path.parent.name} in {args.cache_dir}", path, args.repeats, args.cold)
    with tempfile.TemporaryDirectory() as folder:
        path = synthetic_knn(Path(folder), args.tracks, args.neighbours)
        compare(f"item_knn at {args.tracks:,} tracks", path, args.repeats, args.cold,
                lambda arrays: first_suggestion(arrays, args.tracks))


if __name__ == "__main__":
    main()
