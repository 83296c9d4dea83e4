"""ALS training wall time: our ALSRecommender.fit vs implicit called directly, same matrix.

Both sides do the same work a user of implicit would: BM25-weight the playlist x track matrix
(K1=100, B=0.8) and fit the CPU AlternatingLeastSquares with the same settings and threads.
Runs alternate (ours, direct, ours, ...) so machine noise hits both; the overhead compares the
best runs (least disturbed by other processes) in wall time and in process CPU time (all
threads), and for reference the medians. `--threads 1` gives steadier figures on a busy box.

    .venv/bin/python bench/train.py [--playlists 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from implicit.cpu.als import AlternatingLeastSquares
from implicit.nearest_neighbours import bm25_weight
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
from model_data import bench_data

from models.als import ALSRecommender, ALSSettings
from models.dataset import Dataset

Timing = tuple[float, float]  # wall seconds, CPU seconds


def ours(data: Dataset, settings: ALSSettings) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    ALSRecommender(settings).fit(data, progress=lambda report: None)
    return time.perf_counter() - wall, time.process_time() - cpu


def direct(data: Dataset, settings: ALSSettings) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    with threadpool_limits(1, "blas"):
        weighted = bm25_weight(data.interactions, K1=settings.bm25_k1, B=settings.bm25_b).tocsr()
        model = AlternatingLeastSquares(
            factors=settings.factors, regularization=settings.regularization,
            alpha=settings.alpha, iterations=settings.iterations,
            random_state=settings.random_state, num_threads=settings.num_threads)
        model.fit(weighted, show_progress=False)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--playlists", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=ALSSettings.num_threads,
                        help="ALS solver threads for both sides (0 = all cores)")
    args = parser.parse_args()
    data = bench_data(args.playlists).dataset
    settings = ALSSettings(num_threads=args.threads)
    print(f"data: {data.n_playlists} playlists x {data.n_tracks} tracks, "
          f"{data.interactions.nnz} interactions; ALS {settings.factors} factors, "
          f"{settings.iterations} iterations, num_threads={settings.num_threads}")
    direct(data, settings)  # warm-up: imports, page cache
    times: dict[str, list[Timing]] = {"ours": [], "direct": []}
    for _ in range(args.repeats):
        times["ours"].append(ours(data, settings))
        times["direct"].append(direct(data, settings))
    for label, key in (("implicit directly", "direct"), ("ALSRecommender", "ours")):
        walls, cpus = [t[0] for t in times[key]], [t[1] for t in times[key]]
        print(f"{label:18} wall best {min(walls):6.2f} s median {statistics.median(walls):6.2f} s"
              f" {_runs(walls)}   cpu best {min(cpus):6.2f} s")
    for i, measure in enumerate(("wall", "cpu")):
        best = [min(t[i] for t in times[key]) for key in ("ours", "direct")]
        median = [statistics.median(t[i] for t in times[key]) for key in ("ours", "direct")]
        print(f"overhead ({measure}): {100 * (best[0] / best[1] - 1):+.1f}% best-to-best, "
              f"{100 * (median[0] / median[1] - 1):+.1f}% median-to-median (target <= 5%)")


def _runs(values: list[float]) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in values) + ")"


if __name__ == "__main__":
    main()
