"""Item-kNN's blocked neighbours against implicit's one-call `all_pairs_knn`, in one process.

    .venv/bin/python bench/knn_blocks.py CACHE_DIR [--repeats 3] [--weighting cosine]
                                         [--threads 0] [--neighbours 200]

CACHE_DIR holds ingested data (after `mpdtui --cache-dir DIR --train` or `ingest`); the matrix
is the training split's, weighted as `ItemKNNRecommender.fit` weights it. The two fits
alternate (`--repeats` of each); printed: each one's median seconds, the ratio, the peak
resident memory each added above what the process held before it (sampled every 5 ms, C++
allocations included), the blocks and the longest wait between two block reports (what a
stop waits for), and whether the two results are identical (indptr, indices, data).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
import scipy.sparse as sp
from implicit.nearest_neighbours import all_pairs_knn, bm25_weight

from models.knn import ItemKNNSettings, damped_cosine
from models.knn_blocks import nearest_tracks
from mpdtui.locations import Locations
from mpdtui.splits import training_dataset, training_split


class PeakMemory:
    """The most resident memory the process held above its level at the start, sampled."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._start = self._process.memory_info().rss
        self._peak = self._start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._peak = max(self._peak, self._process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def added_mb(self) -> float:
        return (self._peak - self._start) / 2**20


def weighted_matrix(cache_dir: Path, weighting: str) -> sp.csr_matrix:
    locations = Locations.resolve(cache_dir)
    data = training_dataset(locations, training_split(locations))
    s = ItemKNNSettings()
    by_track = data.interactions.T
    weighted = (bm25_weight(by_track, s.bm25_k1, s.bm25_b) if weighting == "bm25"
                else damped_cosine(by_track, s.damping))
    return sp.csr_matrix(weighted.T)


def timed(fit: Callable[[], sp.csr_matrix]) -> tuple[float, float, sp.csr_matrix]:
    with PeakMemory() as memory:
        start = time.perf_counter()
        result = fit()
        seconds = time.perf_counter() - start
    return seconds, memory.added_mb, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache_dir", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--weighting", choices=("cosine", "bm25"), default="cosine")
    parser.add_argument("--threads", type=int, default=0, help="0 = every core")
    parser.add_argument("--neighbours", type=int, default=ItemKNNSettings().neighbours)
    args = parser.parse_args()
    weighted = weighted_matrix(args.cache_dir, args.weighting)
    k, threads = args.neighbours, args.threads
    print(f"{weighted.shape[0]:,} playlists x {weighted.shape[1]:,} tracks, "
          f"{weighted.nnz:,} entries, K={k}, threads={threads or len(os.sched_getaffinity(0))}")
    gaps: list[float] = []

    def blocked() -> sp.csr_matrix:
        gaps.clear()
        last = [time.perf_counter()]

        def block_done(_done: int, _total: int) -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now
        return nearest_tracks(weighted, k, threads, block_done)

    def one_call() -> sp.csr_matrix:
        found = all_pairs_knn(weighted, k, num_threads=threads, show_progress=False).tocsr()
        found.eliminate_zeros()
        return found

    runs: dict[str, list[tuple[float, float]]] = {"all_pairs_knn": [], "blocked": []}
    results: dict[str, sp.csr_matrix] = {}
    for _ in range(args.repeats):
        for name, fit in (("all_pairs_knn", one_call), ("blocked", blocked)):
            results.pop(name, None)  # its memory given back before the next run is measured
            seconds, added_mb, results[name] = timed(fit)
            runs[name].append((seconds, added_mb))
            print(f"  {name}: {seconds:.2f} s, peak +{added_mb:,.0f} MB")
    medians = {name: statistics.median(s for s, _ in r) for name, r in runs.items()}
    for name, r in runs.items():
        print(f"{name:>13}: median {medians[name]:.2f} s, peak +{max(m for _, m in r):,.0f} MB")
    print(f"ratio blocked / all_pairs_knn: {medians['blocked'] / medians['all_pairs_knn']:.2f}")
    print(f"blocks: {len(gaps)}, longest wait between reports {max(gaps):.3f} s, "
          f"median {statistics.median(gaps):.3f} s")
    a, b = results["all_pairs_knn"], results["blocked"]
    same = all(np.array_equal(x, y) for x, y in
               ((a.indptr, b.indptr), (a.indices, b.indices), (a.data, b.data)))
    print(f"identical: {same} ({b.nnz:,} similarities)")


if __name__ == "__main__":
    main()
