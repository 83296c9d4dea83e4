"""The RecSys Challenge 2018 protocol: held-out playlists in ten categories, scored per model.

`make_challenge_split` holds out whole playlists (train on `split.train_rows` only) and turns
each into a case: a title and/or seed tracks, and the rest of the playlist as ground truth.
`evaluate` asks every model for k tracks per case and averages the challenge's metrics per
category and overall. Everything is deterministic given the seed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.base import PlaylistQuery, Recommender
from models.metrics import METRICS, score
from models.progress import ProgressCallback, check_cancel, report


@dataclass(frozen=True)
class Category:
    """One challenge category and the playlist lengths (distinct tracks) it draws from.

    Lengths follow the challenge's choice: short playlists for few seeds, long ones for 100.
    Playlists shorter than `min_tracks` never serve; longer than `max_tracks` only when the
    data has too few in range.
    """

    key: str
    label: str
    n_seeds: int
    with_title: bool
    random_seeds: bool
    min_tracks: int
    max_tracks: int


CATEGORIES: tuple[Category, ...] = (
    Category("title_only", "title only", 0, True, False, 10, 50),
    Category("title_first_1", "title + first 1", 1, True, False, 10, 50),
    Category("title_first_5", "title + first 5", 5, True, False, 10, 50),
    Category("first_5", "first 5, no title", 5, False, False, 10, 50),
    Category("title_first_10", "title + first 10", 10, True, False, 40, 100),
    Category("first_10", "first 10, no title", 10, False, False, 40, 100),
    Category("title_first_25", "title + first 25", 25, True, False, 40, 100),
    Category("title_random_25", "title + 25 random", 25, True, True, 40, 100),
    Category("title_first_100", "title + first 100", 100, True, False, 150, 250),
    Category("title_random_100", "title + 100 random", 100, True, True, 150, 250),
)
CATEGORY_KEYS = tuple(c.key for c in CATEGORIES)
SEEDED_KEYS = tuple(c.key for c in CATEGORIES if c.n_seeds > 0)


@dataclass(frozen=True)
class Case:
    """One held-out playlist as the models see it, and what they should find."""

    category: str
    row: int
    query: PlaylistQuery
    truth: np.ndarray


@dataclass(frozen=True)
class ChallengeSplit:
    """Playlist rows to train on, and the evaluation cases built from the others."""

    train_rows: np.ndarray
    held_out_rows: np.ndarray
    cases: tuple[Case, ...]
    seed: int

    def counts(self) -> dict[str, int]:
        """Cases per category (a category may get fewer when the data lacks long playlists)."""
        found = dict.fromkeys(CATEGORY_KEYS, 0)
        for case in self.cases:
            found[case.category] += 1
        return found


def distinct_in_order(tracks: np.ndarray) -> np.ndarray:
    """A playlist's tracks without repeats, each at its first position."""
    _, first = np.unique(tracks, return_index=True)
    return tracks[np.sort(first)]


def make_challenge_split(indptr: np.ndarray, indices: np.ndarray, names: Sequence[str],
                         n_holdout: int, seed: int = 0) -> ChallengeSplit:
    """Hold out about `n_holdout` playlists, n_holdout/10 per category where lengths allow.

    `indptr`/`indices` hold each playlist's track ids in playlist order (repeats allowed);
    seeds are the first (or random) distinct tracks, the truth the remaining distinct ones.
    """
    rng = np.random.default_rng(seed)
    n_playlists = len(indptr) - 1
    lengths = _distinct_lengths(np.asarray(indptr), np.asarray(indices))
    quota = _quotas(n_holdout)
    available = np.ones(n_playlists, bool)
    cases: list[Case] = []
    # longest requirements first, so short playlists are not spent on categories that need none
    for group in _groups_by_length():
        rows = _draw(rng, lengths, available, group[0], sum(quota[c.key] for c in group))
        available[rows] = False
        for i, row in enumerate(rows):
            category = group[i % len(group)]
            tracks = distinct_in_order(np.asarray(indices[indptr[row]:indptr[row + 1]]))
            cases.append(_case(rng, category, int(row), tracks, names[row]))
    order = {key: i for i, key in enumerate(CATEGORY_KEYS)}
    cases.sort(key=lambda c: (order[c.category], c.row))
    held_out = np.flatnonzero(~available)
    return ChallengeSplit(np.flatnonzero(available), held_out, tuple(cases), seed)


def every_category_cases(indptr: np.ndarray, indices: np.ndarray, names: Sequence[str],
                         rows: np.ndarray, seed: int = 0) -> tuple[Case, ...]:
    """Each playlist of `rows` cut in every challenge category it is long enough for (a
    ranking stage learns from many seed counts per playlist; the evaluation uses one)."""
    rng = np.random.default_rng(seed)
    cases = []
    for row in rows:
        tracks = distinct_in_order(np.asarray(indices[indptr[row]:indptr[row + 1]]))
        for category in CATEGORIES:
            if tracks.size >= category.min_tracks:
                cases.append(_case(rng, category, int(row), tracks, names[row]))
    return tuple(cases)


def _distinct_lengths(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Distinct tracks per playlist (repeats merged), without a Python loop over playlists."""
    import scipy.sparse as sp  # here: 0.2 s that commands which split nothing skip

    n_columns = int(indices.max()) + 1 if indices.size else 0
    # copies: sum_duplicates compacts in place and would scramble the caller's playlists
    matrix = sp.csr_matrix((np.ones(indices.size, np.int8), indices.copy(), indptr.copy()),
                           shape=(len(indptr) - 1, n_columns))
    matrix.sum_duplicates()
    return np.diff(matrix.indptr)


def _quotas(n_holdout: int) -> dict[str, int]:
    base, extra = divmod(max(n_holdout, 0), len(CATEGORIES))
    return {c.key: base + (i < extra) for i, c in enumerate(CATEGORIES)}


def _groups_by_length() -> list[list[Category]]:
    groups: dict[tuple[int, int], list[Category]] = {}
    for category in CATEGORIES:
        groups.setdefault((category.min_tracks, category.max_tracks), []).append(category)
    return [groups[key] for key in sorted(groups, reverse=True)]


def _draw(rng: np.random.Generator, lengths: np.ndarray, available: np.ndarray,
          category: Category, wanted: int) -> np.ndarray:
    """Random rows of the right length; longer ones only to make up the number."""
    long_enough = available & (lengths >= category.min_tracks)
    in_range = np.flatnonzero(long_enough & (lengths <= category.max_tracks))
    too_long = np.flatnonzero(long_enough & (lengths > category.max_tracks))
    chosen = np.concatenate([rng.permutation(in_range), rng.permutation(too_long)])
    return chosen[:wanted]


def _case(rng: np.random.Generator, category: Category, row: int, tracks: np.ndarray,
          name: str) -> Case:
    if category.random_seeds:
        picked = np.sort(rng.choice(tracks.size, size=category.n_seeds, replace=False))
    else:
        picked = np.arange(category.n_seeds)
    rest = np.ones(tracks.size, bool)
    rest[picked] = False
    query = PlaylistQuery.of(name if category.with_title else "", tracks[picked].tolist())
    return Case(category.key, row, query, tracks[rest].astype(np.int64))


def seed_counts(cases: Sequence[Case], known: np.ndarray) -> dict[str, dict[str, int]]:
    """Per category: the seeds its cases give, and how many of them are unknown to training
    (`known[t]` is False: no training playlist holds track t, as for a long-tail track that
    only held-out playlists hold)."""
    counts = {key: {"seeds": 0, "unknown": 0} for key in CATEGORY_KEYS}
    for case in cases:
        seeds = np.asarray(case.query.seeds, dtype=np.int64)
        in_range = (seeds >= 0) & (seeds < known.size)
        counts[case.category]["seeds"] += int(seeds.size)
        counts[case.category]["unknown"] += int(seeds.size - known[seeds[in_range]].sum())
    return counts


def evaluate(models: Mapping[str, Recommender], cases: Sequence[Case], track_artist: np.ndarray,
             k: int = 500, progress: ProgressCallback | None = None,
             cancel: threading.Event | None = None,
             on_model: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Mean metrics per model, per category and overall, as a JSON-able report (given to
    `on_model` as it is after each model, for saving what is finished).

    Each category also tells how many of its seeds no training playlist holds (by the models'
    popularity: they all learned from the same playlists), and each model in how many cases
    some of its answer came from a fallback (`Recommendations.fallback`).
    """
    categories = [c for c in CATEGORIES if any(case.category == c.key for case in cases)]
    seeds = seed_counts(cases, _trained_tracks(models))
    report_: dict[str, Any] = {
        "k": k,
        "n_cases": len(cases),
        "metrics": list(METRICS),
        "categories": [{"key": c.key, "label": c.label,
                        "n": sum(case.category == c.key for case in cases),
                        "seeds": seeds[c.key]["seeds"], "unknown_seeds": seeds[c.key]["unknown"]}
                       for c in categories],
        "models": {},
    }
    for name, model in models.items():
        rows, fell_back = [], []
        for done, case in enumerate(cases):
            if done % 50 == 0:
                check_cancel(cancel)
                report(progress, "evaluate", done, len(cases), name, unit="playlists")
            ranked = model.recommend(case.query, k)
            rows.append(score(case.truth, ranked.ids, track_artist, k))
            fell_back.append(bool(ranked.fallback))
        report(progress, "evaluate", len(cases), len(cases), f"{name}: done")
        report_["models"][name] = summarise(cases, rows, fell_back, categories)
        if on_model is not None:
            on_model(report_)
    return report_


def _trained_tracks(models: Mapping[str, Recommender]) -> np.ndarray:
    """Tracks some training playlist holds, from any model's popularity."""
    for model in models.values():
        if model.popularity.size:
            return model.popularity > 0
    return np.zeros(0, bool)


def summarise(cases: Sequence[Case], rows: list[dict[str, float]], fell_back: list[bool],
              categories: list[Category]) -> dict[str, Any]:
    """One model's part of the report: `rows` (`metrics.score` per case, in case order)
    averaged overall and per category, and its fallback cases per category."""
    def means(selected: list[dict[str, float]]) -> dict[str, float | None]:
        return {m: float(np.mean([r[m] for r in selected])) if selected else None
                for m in METRICS}

    in_category = {c.key: [i for i, case in enumerate(cases) if case.category == c.key]
                   for c in categories}
    return {
        "overall": means(rows),
        "categories": {key: means([rows[i] for i in found]) for key, found in in_category.items()},
        "fallbacks": {key: sum(fell_back[i] for i in found) for key, found in in_category.items()},
        # in case order: two models' results pair up playlist by playlist (`leads`)
        "per_case": {m: [round(float(r[m]), 6) for r in rows] for m in METRICS},
    }


def without_per_case(report_: Mapping[str, Any]) -> dict[str, Any]:
    """The report without its per-playlist scores (long lists a person reading it skips)."""
    return {**report_, "models": {name: {k: v for k, v in result.items() if k != "per_case"}
                                  for name, result in report_["models"].items()}}


def table_rows(report_: Mapping[str, Any], metric: str = "r_precision"
               ) -> tuple[list[str], list[list[str]]]:
    """Header and one row per model (categories then overall) of one metric, as text."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric '{metric}': choose from {', '.join(METRICS)}")
    places = 2 if metric == "clicks" else 3
    header = ["model"] + [c["label"] for c in report_["categories"]] + ["overall"]
    rows = []
    for name, result in report_["models"].items():
        values = [result["categories"][c["key"]][metric] for c in report_["categories"]]
        values.append(result["overall"][metric])
        rows.append([name] + ["-" if v is None else f"{v:.{places}f}" for v in values])
    return header, rows


def seed_table_rows(report_: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Per category: the seeds given, the share of them unknown to training, and per model
    the cases some of whose answer came from a fallback (empty for reports without them)."""
    categories = [c for c in report_["categories"] if "seeds" in c]
    if not categories:
        return [], []
    header = ["seeds"] + [c["label"] for c in categories] + ["overall"]
    given = [c["seeds"] for c in categories]
    unknown = [c["unknown_seeds"] for c in categories]
    rows = [["given"] + [f"{n:,}" for n in given] + [f"{sum(given):,}"],
            ["unknown to training"] + [_share(u, n) for u, n in zip(unknown, given, strict=True)]
            + [_share(sum(unknown), sum(given))]]
    for name, result in report_["models"].items():
        fallbacks = [result.get("fallbacks", {}).get(c["key"], 0) for c in categories]
        rows.append([f"{name}: fallback cases"] + [str(n) for n in fallbacks] + [str(sum(fallbacks))])
    return header, rows


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def ratio(report_: Mapping[str, Any], model: str, baseline: str, metric: str = "r_precision",
          categories: Sequence[str] | None = None) -> float:
    """model / baseline of the case-weighted mean metric over some categories (default all)."""
    keys = [c["key"] for c in report_["categories"]
            if categories is None or c["key"] in categories]
    weights = {c["key"]: c["n"] for c in report_["categories"]}

    def mean(name: str) -> float:
        result = report_["models"][name]["categories"]
        total = sum(weights[k] for k in keys)
        return sum(result[k][metric] * weights[k] for k in keys) / total if total else 0.0

    base = mean(baseline)
    return mean(model) / base if base > 0 else float("inf")
