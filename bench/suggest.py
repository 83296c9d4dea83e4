"""Suggestion latency at 50k tracks: fold a new playlist into ALS and rank all tracks (top 500).

Queries are real playlists' first 1..100 tracks (and their names). For reference the same
queries also go through implicit's own `recommend(..., recalculate_user=True)` and through the
other models, in the same process.

    .venv/bin/python bench/suggest.py [--queries 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
from model_data import bench_data

from models.als import ALSRecommender
from models.base import PlaylistQuery
from models.registry import create_model

K = 500


def latencies(queries: list[PlaylistQuery], call: Callable[[PlaylistQuery], object]) -> np.ndarray:
    call(queries[0])  # warm-up: caches such as implicit's YtY
    times = []
    for query in queries:
        start = time.perf_counter()
        call(query)
        times.append(time.perf_counter() - start)
    return 1000 * np.array(times)


def line(label: str, ms: np.ndarray) -> str:
    return (f"{label:34} median {np.median(ms):6.2f} ms  p95 {np.percentile(ms, 95):6.2f} ms  "
            f"max {ms.max():6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    synthetic = bench_data()
    data = synthetic.dataset
    rng = np.random.default_rng(0)
    queries = []
    for row in rng.choice(data.n_playlists, args.queries, replace=False):
        tracks = synthetic.indices[synthetic.indptr[row]:synthetic.indptr[row + 1]]
        n_seeds = int(rng.choice([1, 5, 10, 25, 100]))
        queries.append(PlaylistQuery.of(synthetic.names[row], tracks[:n_seeds].tolist()))
    print(f"data: {data.n_playlists} playlists x {data.n_tracks} tracks; "
          f"{len(queries)} queries of 1..100 seeds, k={K}")
    als = ALSRecommender()
    start = time.perf_counter()
    als.fit(data)
    print(f"ALS trained in {time.perf_counter() - start:.1f} s ({als.settings.factors} factors)")
    ours = latencies(queries, lambda q: als.recommend(q, K))
    print(line("ALS suggestion (fold-in + top 500)", ours) + "   target: median <= 20 ms")

    def implicit_own(query: PlaylistQuery) -> object:
        seeds = np.array(query.seeds)
        return als.model.recommend(0, als.bm25.weigh_seeds(seeds), N=K, recalculate_user=True)

    print(line("implicit recommend(recalculate_user)", latencies(queries, implicit_own)))
    for name in ("popularity", "title", "item_knn"):
        model = create_model(name)
        model.fit(data)
        print(line(f"{name} suggestion", latencies(queries, lambda q, m=model: m.recommend(q, K))))


if __name__ == "__main__":
    main()
