"""Benchmark of filtered suggestions: how well each model finds held-out tracks that match an
audio filter, and how fast, against the ranker as it was asked before (in the same process).

    .venv/bin/python bench/filtered.py CACHE_DIR [--queries 200] [--k 50]

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
- ALS: its ranking of the whole catalog, kept to the matching tracks.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from models.base import Recommendations
from models.evaluation import Case
from models.filtered import recommend_allowed
from mpdtui import training
from mpdtui.audio.filters import parse_filter
from mpdtui.locations import Locations
from mpdtui.services.root import open_services

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache_dir", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=50)
    args = parser.parse_args()
    locations = Locations.resolve(args.cache_dir)
    services = open_services(locations)
    ranker, als = services.models.model("ranker"), services.models.model("als")
    features = services.audio.catalog_features()
    split = training.training_split(locations, need_cases=True)
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
            "als, whole ranking": lambda c, m=allowed: recommend_allowed(
                als, c.query, args.k, m),
        }
        results = {name: measure(way, cases, allowed) for name, way in ways.items()}
        for name, (recall, own, times) in results.items():
            print(f"  {name:<34} recall {recall:.3f}  own {own:5.1%}  "
                  f"median {statistics.median(times) * 1000:6.1f} ms  p95 {p95(times) * 1000:6.1f} ms")
        before, now = results["ranker, whole ranking (before)"], results["ranker, allowed candidates (now)"]
        print(f"  now / before: recall {now[0] / max(before[0], 1e-9):.2f}x, median time "
              f"{statistics.median(now[2]) / statistics.median(before[2]):.2f}x")


if __name__ == "__main__":
    main()
