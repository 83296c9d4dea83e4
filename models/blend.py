"""Blend: ALS, two-tower, item-kNN and the title model mixed with weights per seed count.

Each component ranks its top `candidates` tracks; a track's normalised score from a component
is rank-based (1 at the top, falling to 0 past the list), and the blend ranks the weighted sum.
Weights are chosen separately for each seed-count bucket (0, 1, 5, 10, 25, 100 seeds: a query
uses the largest bucket <= its seed count) by a grid search on validation playlists that the
weight-search components never saw.

Contract with the training pipeline:
- `BlendRecommender(components={name: model})`: models already trained on the same `data`
  that `fit(data)` gets (fingerprints checked) are used for serving as they are. `fit` still
  needs components that did not see the validation playlists: it holds out `val_playlists`
  playlists of `data` and trains fresh models of the same classes and settings on the rest,
  only to choose the weights (the held-out ones would flatter in-sample models otherwise).
- `BlendRecommender()` (no components): `fit` trains the components too; with `refit` it
  retrains them on all of `data` for serving, else it serves the weight-search ones.
- `save(dir)` writes the weights and component names; the components live in sibling
  directories `dir.parent / <name>` (where `Locations.model_dir(name)` puts them). Components
  the blend trained itself are saved there by `save`; components passed in are the caller's to
  save. `load(dir, data)` loads them from there (refused if missing or trained on other data).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from models.base import PlaylistQuery, Recommendations, Recommender, link_fallbacks
from models.dataset import Dataset
from models.evaluation import Case, make_challenge_split
from models.model_dir import ModelFormatError, settings_from_json
from models.progress import ProgressCallback, check_cancel, report
from models.topk import top_k

if TYPE_CHECKING:
    from models.registry import ModelClass

BUCKETS = (0, 1, 5, 10, 25, 100)


@dataclass(frozen=True)
class BlendSettings:
    components: tuple[str, ...] = ("als", "two_tower", "item_knn", "title")
    """Models blended, by registry name."""
    candidates: int = 500
    """How many tracks each component ranks per query."""
    rank_offset: float = 50.0
    """Normalised score of rank r (0-based): (offset / (offset + r)) - floor, 0 past the list."""
    grid_step: float = 0.1
    """Weights are searched on the simplex in steps of this size."""
    val_playlists: int = 2000
    """Validation playlists held out of `data` to choose the weights (at most a quarter of
    them). 1000 left 100-200 cases per seed bucket, and the chosen weights varied: on the demo
    the blend's R-precision was 1.046x the best single model with 1000, 1.060x with 2000."""
    refit: bool = True
    """Without given components: retrain them on all of `data` after choosing weights."""
    seed: int = 0


class BlendRecommender(Recommender):
    name = "blend"
    version = 1
    reads_names = True

    def __init__(self, settings: BlendSettings | None = None,
                 components: Mapping[str, Recommender] | None = None, **overrides: Any) -> None:
        super().__init__()
        self.settings: BlendSettings = replace(settings or BlendSettings(), **overrides)
        self.given = dict(components or {})
        self.components: dict[str, Recommender] = {}
        self.owned: set[str] = set()
        self.weights = np.zeros((len(BUCKETS), len(self.settings.components)), np.float64)
        self.validation: dict[str, Any] = {}

    def components_needed(self) -> tuple[str, ...]:
        return self.settings.components

    def components_in_use(self) -> Mapping[str, Recommender]:
        return self.components

    # -- training -------------------------------------------------------------------------

    def fit(self, data: Dataset, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> None:
        self._remember(data)
        names = self.settings.components
        for name, model in self.given.items():
            if model.fingerprint != data.fingerprint:
                raise ValueError(f"blend component '{name}' was trained on other data than "
                                 "the blend: train it on the same data first")
        n_val = min(self.settings.val_playlists, data.n_playlists // 4)
        split = make_challenge_split(data.interactions.indptr, data.interactions.indices,
                                     data.playlist_names, n_val, self.settings.seed)
        inner = data.with_rows(split.train_rows, "blend-weights")
        searchers = {name: self._train(name, "weights", inner, progress, cancel) for name in names}
        link_fallbacks(searchers)
        self.weights, self.validation = choose_weights(
            searchers, split.cases, self.settings, progress, cancel)
        self.components, self.owned = {}, set()
        for name in names:
            if name in self.given:
                self.components[name] = self.given[name]
            elif self.settings.refit:
                self.components[name] = self._train(name, "serving", data, progress, cancel)
                self.owned.add(name)
            else:
                # trained on part of `data`: record the blend's fingerprint so it loads with it
                self.components[name] = searchers[name]
                searchers[name].fingerprint = data.fingerprint
                self.owned.add(name)
        link_fallbacks(self.components)
        report(progress, self.name, 1, 1, "weights chosen")

    def _train(self, name: str, purpose: str, data: Dataset, progress: ProgressCallback | None,
               cancel: threading.Event | None) -> Recommender:
        check_cancel(cancel)
        report(progress, self.name, 0, None, f"training {name} on {data.n_playlists} playlists")
        model = _new_like(name, self.given.get(name))
        if self.checkpoint_dir is not None:  # the caller deletes it once the blend is saved
            model.checkpoint_dir = self.checkpoint_dir / f"{purpose}-{name}"
        model.fit(data, progress=progress, cancel=cancel)
        return model

    # -- serving ----------------------------------------------------------------------------

    def knows(self, tracks: np.ndarray) -> np.ndarray:
        """Seeds any component knows (each component ignores the ones it does not)."""
        known = np.zeros(tracks.size, bool)
        for component in self.components.values():
            known |= component.knows(tracks)
        return known

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        if not self.components:
            raise RuntimeError("blend is not trained: call fit() or load()")
        seeds = list(query.seeds)
        weights = self.weights[bucket_of(len(seeds))]
        lists = {name: self.components[name].recommend(query, max(k, self.settings.candidates))
                 for name, w in zip(self.settings.components, weights, strict=True) if w > 0}
        scores = np.full(self.n_tracks, -np.inf, np.float64)
        touched = np.zeros(self.n_tracks, bool)
        for name, w in zip(self.settings.components, weights, strict=True):
            if name in lists:
                ids = lists[name].ids
                scores[ids] = np.where(touched[ids], scores[ids], 0.0)
                scores[ids] += w * rank_scores(len(ids), self.settings.rank_offset)
                touched[ids] = True
        return top_k(scores, min(k, int(touched.sum())), exclude=seeds)

    # -- persistence ------------------------------------------------------------------------

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return ({**asdict(self.settings), "buckets": list(BUCKETS),
                 "validation": self.validation}, {"weights": self.weights})

    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        self.settings = settings_from_json(BlendSettings, settings)
        self.validation = dict(settings.get("validation", {}))
        if list(settings.get("buckets", [])) != list(BUCKETS) or arrays["weights"].shape != (
                len(BUCKETS), len(self.settings.components)):
            raise ModelFormatError("saved blend has other seed buckets or components: retrain it")
        self.weights = arrays["weights"]

    def save(self, directory: Path) -> None:
        """Components the blend trained itself in sibling directories, then the weights here
        (with the tokens of the components as saved)."""
        for name in sorted(self.owned):
            self.components[name].save(Path(directory).parent / name)
        super().save(directory)

    @classmethod
    def load(cls, directory: Path, data: Dataset,
             components: Mapping[str, Recommender] | None = None) -> Self:
        """Load the weights, and each component from `components` or `directory.parent/<name>`."""
        model = super().load(directory, data)
        given = dict(components or {})
        for name in model.settings.components:
            if name in given:
                model.components[name] = given[name]
            else:
                model.components[name] = _model_class(name).load(Path(directory).parent / name,
                                                                 data)
        link_fallbacks(model.components)
        return model


def bucket_of(n_seeds: int) -> int:
    """Index of the largest bucket <= n_seeds."""
    return int(np.searchsorted(BUCKETS, n_seeds, side="right") - 1)


def rank_scores(n: int, offset: float) -> np.ndarray:
    """Normalised scores of a ranked list: offset/(offset+r), shifted so the first is 1, and
    the value one past the end would be 0."""
    ranks = np.arange(n, dtype=np.float64)
    raw = offset / (offset + ranks)
    floor = offset / (offset + n)
    return (raw - floor) / (1.0 - floor)


def simplex_grid(n: int, step: float) -> np.ndarray:
    """Every weight vector of n non-negative multiples of `step` summing to 1."""
    units = round(1 / step)
    rows = [c for c in itertools.product(range(units + 1), repeat=n) if sum(c) == units]
    return np.asarray(rows, np.float64) / units


def choose_weights(models: Mapping[str, Recommender], cases: Sequence[Case],
                   settings: BlendSettings, progress: ProgressCallback | None,
                   cancel: threading.Event | None) -> tuple[np.ndarray, dict[str, Any]]:
    """Per bucket, the grid weights with the best mean R-precision + NDCG on `cases`."""
    names = list(settings.components)
    grid = simplex_grid(len(names), settings.grid_step)
    by_bucket: dict[int, list[Case]] = {}
    for case in cases:
        by_bucket.setdefault(bucket_of(len(case.query.seeds)), []).append(case)
    weights = np.zeros((len(BUCKETS), len(names)))
    summary: dict[str, Any] = {}
    chosen_by_bucket = [by_bucket.get(b) or _nearest_cases(by_bucket, b) for b in range(len(BUCKETS))]
    total, done = sum(map(len, chosen_by_bucket)), 0
    for b, chosen in enumerate(chosen_by_bucket):
        rows = []
        for case in chosen:
            check_cancel(cancel)
            rows.append(_grid_values(models, names, case, grid, settings))
            done += 1
            report(progress, "blend", done, total, f"choosing weights for {BUCKETS[b]} seeds")
        values = np.mean(rows, axis=0) if rows else np.zeros(len(grid))
        best = int(np.argmax(values))
        weights[b] = grid[best]
        singles = {n: float(values[_single(grid, i)]) for i, n in enumerate(names)}
        summary[str(BUCKETS[b])] = {"cases": len(chosen), "blend": float(values[best]),
                                    "single": singles, "weights": grid[best].tolist()}
    return weights, summary


def _nearest_cases(by_bucket: Mapping[int, list[Case]], b: int) -> list[Case]:
    """Cases of the closest bucket that has some (a bucket the validation split lacks)."""
    if not by_bucket:
        return []
    return by_bucket[min(by_bucket, key=lambda other: (abs(other - b), -other))]


def _single(grid: np.ndarray, i: int) -> int:
    return int(np.flatnonzero(grid[:, i] == 1.0)[0])


def _grid_values(models: Mapping[str, Recommender], names: list[str], case: Case,
                 grid: np.ndarray, settings: BlendSettings) -> np.ndarray:
    """R-precision + NDCG of every grid weighting for one validation case."""
    lists = [models[n].recommend(case.query, settings.candidates).ids for n in names]
    union = np.unique(np.concatenate(lists))
    position = {t: i for i, t in enumerate(union.tolist())}
    table = np.zeros((union.size, len(names)))
    for j, ids in enumerate(lists):
        rows = [position[t] for t in ids.tolist()]
        table[rows, j] = rank_scores(len(ids), settings.rank_offset)
    mixed = table @ grid.T  # (union, grid)
    # union is sorted, so a stable sort breaks ties by track id, as `top_k` does
    order = np.argsort(-mixed, axis=0, kind="stable")[: settings.candidates]
    hits = np.isin(union, case.truth)[order]  # (ranked, grid)
    n_truth = np.unique(case.truth).size
    if n_truth == 0:
        return np.zeros(len(grid))
    r_prec = hits[:n_truth].sum(axis=0) / n_truth
    discount = 1.0 / np.log2(np.maximum(np.arange(1, len(order) + 1), 2))
    ideal = discount[: min(n_truth, len(order))].sum()
    return r_prec + discount @ hits / ideal


def _model_class(name: str) -> ModelClass:
    from models.registry import model_class

    return model_class(name)


def _new_like(name: str, model: Recommender | None) -> Recommender:
    """A fresh, untrained model `name`, with `model`'s settings when given."""
    cls = _model_class(name)
    if model is None:
        return cls()
    return cls(settings=model.settings)
