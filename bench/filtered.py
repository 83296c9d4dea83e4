"""Benchmark of filtered suggestions: how well each model finds held-out tracks that match an
audio filter, and how fast, against the ranker as it was asked before (in the same process).

    .venv/bin/python bench/filtered.py CACHE_DIR [--queries 200] [--k 50] [--scale]

CACHE_DIR holds data, audio features and a trained `ranker` and `als` (e.g. the app's setup
on the demo, or `mpdtui --cache-dir DIR --train`). Queries are the held-out evaluation
playlists (every challenge category); for each filter, a playlist counts when some of its
held-out tracks match, and recall is the share of those found in the k filtered suggestions.
"own" is the share of the suggestions the model chose itself rather than its fallback
(title, then popularity). Three ways to answer:
- ranker, whole ranking: `recommend_allowed` on the ranker itself (before): its ranking is
  only the candidates it scores, so past them the fallback answers;
- ranker, allowed candidates: `recommend_allowed` on `ranker.restricted_to(mask)` (now): each
  retriever proposes its best matching tracks, which the booster orders;
- ALS: its ranking of the whole catalog, kept to the matching tracks (before), and as served
  now: `restricted_to(mask)` scores just the matching tracks when they are few for the number
  asked for (`SCORE_OR_SEARCH`): the same tracks, fewer operations.
With --scale, the same two ALS paths at MPD scale: ALS-like vectors for 2.26M tracks
(bench/serve.py's, 64 dimensions, with their item index), queries the mean of their seeds,
random filters of 0.1% to 14% of the catalog.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import statistics
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from models.ann import ItemIndex
from models.base import PlaylistQuery, Recommendations
from models.dataset import Dataset
from models.evaluation import Case
from models.filtered import RanksByScore, recommend_allowed, retrieve_allowed
from models.ranker_settings import RankerSettings
from mpdtui import splits
from mpdtui.audio.filters import parse_filter
from mpdtui.locations import Locations
from mpdtui.services.root import open_services

CANDIDATES = RankerSettings().candidates
FILTERS = ("tempo 150-170", "energy > 0.7, minor", "key 8A", "key 8A, tempo 150-170")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(answer: Callable[[Case], Recommendations], cases: list[Case],
            allowed: np.ndarray) -> tuple[float, float, list[float]]:
    """(recall of the matching held-out tracks, share of own suggestions, seconds per query)."""
    found = total = own = shown = 0
    times = []
    for case in cases:
        start = time.perf_counter()
        ranked = answer(case)
        times.append(time.perf_counter() - start)
        truth = case.truth[allowed[case.truth]]
        found += int(np.isin(ranked.ids, truth).sum())
        total += len(truth)
        own += len(ranked) if ranked.own is None else ranked.own
        shown += len(ranked)
    return found / max(total, 1), own / max(shown, 1), times


class DotProducts(RanksByScore):
    """ALS as it serves, but for its fold-in: an item index over item vectors, a playlist's
    vector the mean of its seeds'."""

    name = "dot_products"

    def __init__(self, vectors: np.ndarray) -> None:
        super().__init__()
        self.vectors, self.n_tracks = vectors, len(vectors)
        self.popularity = np.ones(len(vectors), np.int64)
        self.index = ItemIndex.build(vectors)

    def fit(self, data: Dataset, progress: Any = None, cancel: Any = None) -> None:
        raise NotImplementedError("built from vectors")

    def _vector(self, query: PlaylistQuery) -> np.ndarray:
        return self.vectors[list(query.seeds)].mean(axis=0)

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        return self.index.search(self._vector(query), k, query.seeds)

    def _score(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        return self.vectors[ids] @ self._vector(query)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {}, {}

    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        raise NotImplementedError("built from vectors")


def at_scale(k: int, n_queries: int = 60) -> None:
    from serve import MPD_TRACKS, als_like  # bench/ is on sys.path when run as a script

    started = time.perf_counter()
    vectors, queries = als_like(MPD_TRACKS, 64, n_queries)
    model = DotProducts(vectors)
    print(f"at MPD scale: {MPD_TRACKS:,} ALS-like vectors x 64 and their item index "
          f"({time.perf_counter() - started:.0f} s to make), {n_queries} queries, k={k}")
    rng = np.random.default_rng(1)
    for share in (0.001, 0.005, 0.01, 0.03, 0.14):
        allowed = rng.random(MPD_TRACKS) < share
        times: dict[str, list[float]] = {"whole ranking (before)": [], "as served (now)": [],
                                         "candidates": []}
        for _, seeds in queries:
            query = PlaylistQuery.of("", seeds.tolist())
            for name, served in (("whole ranking (before)", model),
                                 ("as served (now)", model.restricted_to(allowed))):
                start = time.perf_counter()
                found = recommend_allowed(served, query, k, allowed)
                times[name].append(time.perf_counter() - start)
                assert allowed[found.ids].all() and len(found) == k
            start = time.perf_counter()  # a ranker's candidates from this retriever
            retrieve_allowed(model, query, CANDIDATES, allowed)
            times["candidates"].append(time.perf_counter() - start)
        before, now = times["whole ranking (before)"], times["as served (now)"]
        print(f"  filter of {share:.1%}: whole ranking median {statistics.median(before) * 1000:.1f} ms, "
              f"p95 {p95(before) * 1000:.1f} ms; as served median {statistics.median(now) * 1000:.1f} ms, "
              f"p95 {p95(now) * 1000:.1f} ms ({statistics.median(now) / statistics.median(before):.2f}x); "
              f"{CANDIDATES} candidates for the ranker median "
              f"{statistics.median(times['candidates']) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache_dir", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--scale", action="store_true")
    args = parser.parse_args()
    if args.scale:
        at_scale(args.k)
    locations = Locations.resolve(args.cache_dir)
    services = open_services(locations)
    ranker, als = services.models.model("ranker"), services.models.model("als")
    features = services.audio.catalog_features()
    split = splits.training_split(locations, need_cases=True)
    assert split.challenge is not None
    every = list(split.challenge.cases)
    sample = every[:: max(1, len(every) // args.queries)]
    print(f"{len(sample)} held-out playlists, {ranker.n_tracks:,} tracks, k={args.k}")
    for text in FILTERS:
        allowed = parse_filter(text).mask(features)
        cases = [c for c in sample if allowed[c.truth].any()]
        print(f"filter {text!r}: {np.count_nonzero(allowed):,} tracks "
              f"({np.count_nonzero(allowed) / len(allowed):.1%}), {len(cases)} playlists "
              "with matching held-out tracks")
        ways = {
            "ranker, whole ranking (before)": lambda c, m=allowed: recommend_allowed(
                ranker, c.query, args.k, m),
            "ranker, allowed candidates (now)": lambda c, m=allowed: recommend_allowed(
                ranker.restricted_to(m), c.query, args.k, m),
            "als, whole ranking (before)": lambda c, m=allowed: recommend_allowed(
                als, c.query, args.k, m),
            "als, as served (now)": lambda c, m=allowed: recommend_allowed(
                als.restricted_to(m), c.query, args.k, m),
        }
        results = {name: measure(way, cases, allowed) for name, way in ways.items()}
        for name, (recall, own, times) in results.items():
            print(f"  {name:<34} recall {recall:.3f}  own {own:5.1%}  "
                  f"median {statistics.median(times) * 1000:6.1f} ms  p95 {p95(times) * 1000:6.1f} ms")
        before, now = results["ranker, whole ranking (before)"], results["ranker, allowed candidates (now)"]
        print(f"  ranker now / before: recall {now[0] / max(before[0], 1e-9):.2f}x, median time "
              f"{statistics.median(now[2]) / statistics.median(before[2]):.2f}x")
        before, now = results["als, whole ranking (before)"], results["als, as served (now)"]
        print(f"  als now / before: recall {now[0] / max(before[0], 1e-9):.2f}x, median time "
              f"{statistics.median(now[2]) / statistics.median(before[2]):.2f}x")


if __name__ == "__main__":
    main()
