"""Two-tower bench: training throughput on CPU, and query encode + top-500 latency.

    .venv/bin/python bench/two_tower.py [--tracks 50000] [--playlists 10000] [--epochs 2]

Data: synthetic genre playlists (mean length ~60) over `--tracks` tracks with audio features.
Prints training examples/s (steady state, from the Keras step callbacks, and over the whole
fit), then the latency of `recommend(query, 500)` (numpy query tower + scores + top-500) for
queries with 0..100 seeds, next to a bare `candidates @ q` + `top_k` baseline in this process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.base import PlaylistQuery
from models.dataset import Dataset
from models.progress import Progress
from models.topk import top_k
from models.two_tower import TwoTowerRecommender

WORDS = ["chill", "rock", "party", "sleep", "gym", "jazz", "rap", "country", "indie", "edm",
         "study", "summer", "sad", "latin", "metal", "worship"]


def synthetic(n_tracks: int, n_playlists: int, seed: int = 0) -> Dataset:
    """Playlists of 1-2 themes with Zipf-popular tracks; features for 90% of the tracks."""
    rng = np.random.default_rng(seed)
    n_themes = len(WORDS)
    theme = rng.integers(0, n_themes, n_tracks)
    members = [np.flatnonzero(theme == t) for t in range(n_themes)]
    weights = [1.0 / np.arange(1, m.size + 1) ** 0.8 for m in members]
    rows, cols, names = [], [], []
    for p in range(n_playlists):
        t = int(rng.integers(n_themes))
        length = int(np.clip(rng.lognormal(np.log(50), 0.6), 5, 250))
        picked = rng.choice(members[t], size=min(length, members[t].size), replace=False,
                            p=weights[t] / weights[t].sum())
        rows.append(np.full(picked.size, p))
        cols.append(picked)
        names.append(f"{WORDS[t]} {rng.integers(100)}" if rng.random() < 0.3 else WORDS[t])
    r, c = np.concatenate(rows), np.concatenate(cols)
    matrix = sp.csr_matrix((np.ones(r.size, np.float32), (r, c)), shape=(n_playlists, n_tracks))
    matrix.indices = matrix.indices.astype(np.int32)
    features = rng.normal(theme[:, None] / n_themes, 0.1, (n_tracks, 12)).astype(np.float32)
    features[rng.random(n_tracks) < 0.1] = np.nan
    artist = theme * 1000 + rng.integers(0, 200, n_tracks)
    return Dataset(matrix, names, artist, artist * 5 + rng.integers(0, 5, n_tracks),
                   rng.integers(120_000, 300_000, n_tracks), f"bench-{n_tracks}-{n_playlists}",
                   features, tuple(f"f{i}" for i in range(12)))


class StepClock:
    """Records when each training step ended, from the model's progress reports."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self, progress: Progress) -> None:
        if progress.message.startswith("epoch"):
            self.times.append(time.perf_counter())


def bench_training(data: Dataset, epochs: int) -> TwoTowerRecommender:
    model = TwoTowerRecommender(epochs=epochs, patience=epochs)
    clock = StepClock()
    start = time.perf_counter()
    model.fit(data, progress=clock)
    wall = time.perf_counter() - start
    batch = model.settings.batch_size
    steps = len(clock.times)
    steady = (steps - 1) * batch / (clock.times[-1] - clock.times[0]) if steps > 1 else 0.0
    print(f"training: {data.n_playlists} playlists, {data.n_tracks} tracks, "
          f"{len(model.history['loss'])} epochs x {steps // max(1, len(model.history['loss']))} "
          f"steps x {batch}")
    print(f"  steady state: {steady:,.0f} examples/s")
    print(f"  whole fit (vocabularies, tracing, validation, export): {wall:.1f} s, "
          f"{steps * batch / wall:,.0f} examples/s")
    return model


def bench_serving(model: TwoTowerRecommender, data: Dataset, n_queries: int) -> None:
    rng = np.random.default_rng(1)
    queries = [PlaylistQuery.of(str(rng.choice(WORDS)) if rng.random() < 0.8 else "",
                                rng.choice(data.n_tracks, int(rng.choice([0, 1, 5, 10, 25, 100])),
                                           replace=False).tolist())
               for _ in range(n_queries)]
    tower, candidates = model.tower, model.candidates
    assert tower is not None and candidates is not None
    model.recommend(queries[0], 500)  # warm caches
    encode = _timed(lambda q: tower.encode(q.name, list(q.seeds)), queries)
    full = _timed(lambda q: model.recommend(q, 500), queries)
    vector = tower.encode("chill", [])
    bare = _timed(lambda q: top_k(candidates @ vector, 500, q.seeds), queries)
    print(f"serving: {n_queries} queries, 0..100 seeds, top-500 of {data.n_tracks} tracks")
    for label, ms in (("query encode (numpy)", encode), ("encode + scores + top-500", full),
                      ("baseline: bare matvec + top-500", bare)):
        print(f"  {label:34s} median {np.median(ms):6.2f} ms   p95 {np.percentile(ms, 95):6.2f} ms")
    print(f"  recommend / baseline (median): {np.median(full) / np.median(bare):.2f}x   "
          f"target median <= 20 ms: {'met' if np.median(full) <= 20 else 'NOT met'}")


def _timed(call, queries: list[PlaylistQuery]) -> np.ndarray:
    times = []
    for query in queries:
        start = time.perf_counter()
        call(query)
        times.append((time.perf_counter() - start) * 1000)
    return np.asarray(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=50_000)
    parser.add_argument("--playlists", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    data = synthetic(args.tracks, args.playlists)
    model = bench_training(data, args.epochs)
    bench_serving(model, data, args.queries)


if __name__ == "__main__":
    main()
