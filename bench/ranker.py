"""Benchmark of the ranking stage: where one suggestion's time goes, against ALS alone.

    .venv/bin/python bench/ranker.py CACHE_DIR [--queries 200] [--k 50]

CACHE_DIR holds data and a trained `ranker` (e.g. after `mpdtui --cache-dir DIR --train`).
Queries are the held-out evaluation playlists (every challenge category), one at a time, as
the builder asks: the ranker's `recommend` + `explain` split into its parts (each retriever's
candidates, the candidates' features, the booster), and ALS's `recommend` as the baseline run
in the same process. Also the candidates' recall: how many of the held-out tracks the union
of the retrievers' lists holds, against each retriever's own list.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from models.evaluation import Case
from models.ranker import RankerRecommender
from mpdtui import splits
from mpdtui.locations import Locations
from mpdtui.services.root import open_services


def timed(into: list[float], call: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    value = call()
    into.append(time.perf_counter() - start)
    return value


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def line(name: str, values: list[float]) -> str:
    return (f"  {name:<34} median {statistics.median(values) * 1000:7.1f} ms   "
            f"p95 {p95(values) * 1000:7.1f} ms")


def parts(ranker: RankerRecommender, case: Case, k: int,
          times: dict[str, list[float]]) -> None:
    """One suggestion as the builder asks for it, timed part by part."""
    features = ranker.features
    assert features is not None
    query = case.query
    for name, model in ranker.components.items():
        timed(times[f"candidates: {name}"], lambda m=model: m.retrieve(query, features.settings.candidates))
    ids, matrix = timed(times["candidates + features"], lambda: features.of(query))
    scores = timed(times["booster"], lambda: ranker._predict(matrix))
    best = ids[np.argsort(-scores)[:k]]
    timed(times["explain (reasons)"], lambda: ranker.explain(query, best))


def recall(ranker: RankerRecommender, cases: list[Case]) -> dict[str, float]:
    """Share of the held-out tracks among the candidates: the union and each retriever's."""
    assert ranker.features is not None
    n = ranker.features.settings.candidates
    found: dict[str, int] = defaultdict(int)
    total = 0
    for case in cases:
        truth = set(case.truth.tolist())
        total += len(truth)
        ids, _ = ranker.features.of(case.query)
        found["union"] += len(truth & set(ids.tolist()))
        for name, model in ranker.components.items():
            found[name] += len(truth & set(model.retrieve(case.query, n).ids.tolist()))
        found["als@500"] += len(truth & set(ranker.components["als"].retrieve(case.query, 500)
                                            .ids.tolist())) if "als" in ranker.components else 0
    return {name: count / max(total, 1) for name, count in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache_dir", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=50)
    args = parser.parse_args()
    locations = Locations.resolve(args.cache_dir)
    services = open_services(locations)
    ranker = services.models.model("ranker")
    assert isinstance(ranker, RankerRecommender)
    als = services.models.model("als")
    split = splits.training_split(locations, need_cases=True)
    assert split.challenge is not None
    cases = list(split.challenge.cases)[:: max(1, len(split.challenge.cases) // args.queries)]
    n_tracks = ranker.n_tracks
    print(f"{len(cases)} held-out playlists, {n_tracks:,} tracks, k={args.k}, "
          f"{ranker.features.settings.candidates if ranker.features else 0} candidates per retriever")
    times: dict[str, list[float]] = defaultdict(list)
    for case in cases[:5]:  # warm-up (first calls build caches)
        ranker.recommend(case.query, args.k)
    for case in cases:
        timed(times["ALS recommend (baseline)"], lambda c=case: als.recommend(c.query, args.k))
        timed(times["ranker recommend + explain"],
              lambda c=case: ranker.explain(c.query, ranker.recommend(c.query, args.k).ids))
        parts(ranker, case, args.k, times)
    for name, values in times.items():
        print(line(name, values))
    whole, base = times["ranker recommend + explain"], times["ALS recommend (baseline)"]
    print(f"  ranker / ALS (medians): {statistics.median(whole) / statistics.median(base):.1f}x")
    print("candidate recall (share of held-out tracks among the candidates):")
    for name, value in recall(ranker, cases).items():
        print(f"  {name:<12} {value:.3f}")


if __name__ == "__main__":
    main()
