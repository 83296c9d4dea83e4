"""The ranking stage: the retrievers propose candidates, a LightGBM LambdaRank model orders them.

How the RecSys Challenge 2018 was won (vl6, MIPT-MSU, Avito): each retriever (ALS, two-tower,
item-kNN, title) ranks its own top `candidates` tracks, with no fallback; their union, seeds
excluded, is described by pairwise features (`CandidateFeatures`), and a gradient-boosted
ranker trained on playlists the retrievers never saw orders it.

Contract with the training pipeline:
- `RankerRecommender(components={name: model}, cases=[Case...])`: the retrievers, trained on
  the same `data` that `fit(data)` gets, and validation cases cut the challenge's way from
  playlists held out of `data` (so their features look like a new playlist's). The retrievers
  are served as they are: each is trained once.
- `save(dir)` writes the booster (LightGBM's text format, as bytes in `arrays.npz`: no pickle)
  and the component names; `load(dir, data, components)` takes the components loaded already
  (or loads them from `dir.parent / <name>`).
- `explain(query, ids)`: for each track, what moved it up most (per-feature contributions).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Self, cast

import numpy as np

from models.base import (
    Dataset,
    ModelFormatError,
    PlaylistQuery,
    Reason,
    Recommendations,
    Recommender,
    SeedSimilarities,
    link_fallbacks,
    settings_from_json,
)
from models.evaluation import Case
from models.progress import ProgressCallback, check_cancel, report
from models.text import normalize_name
from models.topk import top_k

BOOSTER_FORMAT = "lightgbm-text"
AUDIO = ("tempo", "energy", "danceability", "valence", "acousticness", "loudness",
         "instrumentalness", "speechiness")
"""Audio features compared with the seeds' mean (where the feature store has them)."""


@dataclass(frozen=True)
class RankerSettings:
    components: tuple[str, ...] = ("als", "two_tower", "item_knn", "title")
    """Retrievers proposing candidates, by registry name."""
    candidates: int = 300
    """Tracks each retriever proposes (the union is ranked)."""
    max_cases: int = 8000
    """Validation cases the booster learns from at most (a deterministic sample of them)."""
    negatives: int = 100
    """Candidates not in the playlist kept per case for training (a random sample; every one
    that is in it is kept): the same R-precision and NDCG as all ~600 on the demo, 8x faster."""
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int = 40
    max_rounds: int = 400
    early_stopping: int = 40
    """Rounds without a better validation NDCG before training stops."""
    truncation: int = 100
    """LambdaRank's truncation level: pairs below this rank weigh nothing."""
    valid_share: float = 0.2
    """Cases kept out of the booster's training for early stopping."""
    seed: int = 0


class RankerRecommender(Recommender):
    name = "ranker"
    version = 1
    reads_names = True

    def __init__(self, settings: RankerSettings | None = None,
                 components: Mapping[str, Recommender] | None = None,
                 cases: Sequence[Case] = (), **overrides: Any) -> None:
        super().__init__()
        self.settings: RankerSettings = replace(settings or RankerSettings(), **overrides)
        self.components = dict(components or {})
        self.cases = tuple(cases)
        self.booster: Any = None
        self.features: CandidateFeatures | None = None
        self.history: dict[str, Any] = {}
        self._saved_names: tuple[str, ...] = ()

    def components_needed(self) -> tuple[str, ...]:
        return self.settings.components

    # -- training -------------------------------------------------------------------------

    def fit(self, data: Dataset, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> None:
        self._remember(data)
        for name in self.settings.components:
            model = self.components.get(name)
            if model is None or model.fingerprint != data.fingerprint:
                raise ValueError(f"the ranker needs '{name}' trained on the same data first")
        link_fallbacks(self.components)
        self.features = CandidateFeatures(self.components, data, self.settings)
        rows = self._training_rows(progress, cancel)
        self.booster, self.history = train_booster(rows, self.features.names, self.settings,
                                                   progress, cancel)
        report(progress, self.name, 1, 1, f"{self.history.get('rounds', 0)} rounds")

    def _training_rows(self, progress: ProgressCallback | None,
                       cancel: threading.Event | None) -> list[tuple[np.ndarray, np.ndarray]]:
        """(features, labels) of each validation case's candidates."""
        assert self.features is not None
        rows = []
        rng = np.random.default_rng(self.settings.seed)
        cases = _sample(self.cases, self.settings.max_cases, self.settings.seed)
        for done, case in enumerate(cases):
            check_cancel(cancel)
            report(progress, self.name, done, len(cases),
                   f"features of {done:,} of {len(cases):,} validation playlists",
                   unit="playlists")
            ids, matrix = self.features.of(case.query)
            labels = np.isin(ids, case.truth).astype(np.int32)
            keep = _some_negatives(labels, self.settings.negatives, rng)
            rows.append((matrix[keep], labels[keep]))
        return rows

    # -- serving ----------------------------------------------------------------------------

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        features = self._fitted()
        ids, matrix = features.of(query)
        if not ids.size:
            return Recommendations(ids, np.empty(0, np.float32))
        return _pick(ids, self._predict(matrix), k)

    def _predict(self, matrix: np.ndarray) -> np.ndarray:
        if self.booster is None:  # no validation playlists to learn from: rank fusion
            return self._fitted().rank_fusion(matrix)
        return self.booster.predict(matrix, num_threads=1).astype(np.float32)

    def explain(self, query: PlaylistQuery, ids: np.ndarray) -> list[Reason]:
        """What moved each track up most: the feature group whose values, set to the median of
        the tracks asked about, lower its score most (one prediction per group: LightGBM's exact
        per-feature contributions cost ~15x more, too slow for a builder refresh)."""
        features = self._fitted()
        ids = np.asarray(ids, np.int64)
        matrix = features.of_ids(query, ids)
        if self.booster is None or not ids.size:
            return [features.reason(query, int(t), "collaborative") for t in ids]
        lift = _group_lift(self._predict, matrix, features.groups)
        typical = _typical(matrix)
        reasons = []
        for row, track in enumerate(ids):
            best = max(lift, key=lambda g: lift[g][row])
            reason = features.reason(query, int(track), best)
            if reason.kind == "similar_sound":  # which: the closest to the seeds', for its scale
                sound = features.groups["sound"]
                relative = matrix[row, sound] / np.maximum(typical[sound], 1e-6)
                column = sound[int(np.nan_to_num(relative, nan=np.inf).argmin())]
                reason = replace(reason, feature=features.names[column].removesuffix("_distance"))
            reasons.append(reason)
        return reasons

    def _fitted(self) -> CandidateFeatures:
        if self.features is None:
            raise RuntimeError("ranker is not trained: call fit() or load()")
        return self.features

    # -- saving -----------------------------------------------------------------------------

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        text = self.booster.model_to_string() if self.booster is not None else ""
        settings = {**asdict(self.settings), "booster": BOOSTER_FORMAT, "history": self.history,
                    "feature_names": list(self._fitted().names)}
        return settings, {"booster": np.frombuffer(text.encode(), dtype=np.uint8)}

    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        if settings.get("booster") != BOOSTER_FORMAT:
            raise ModelFormatError("saved ranker holds no LightGBM text model: retrain it with "
                                   "`mpdtui --train`")
        self.settings = settings_from_json(RankerSettings, settings)
        self.history = dict(settings.get("history", {}))
        text = bytes(np.asarray(arrays["booster"], dtype=np.uint8)).decode()
        if text:
            import lightgbm

            self.booster = lightgbm.Booster(model_str=text)
        self._saved_names = tuple(settings.get("feature_names", ()))

    @classmethod
    def load(cls, directory: Path, data: Dataset,
             components: Mapping[str, Recommender] | None = None) -> Self:
        """The booster, and each component from `components` or `directory.parent/<name>`."""
        from models.registry import model_class

        model = super().load(directory, data)
        given = dict(components or {})
        for name in model.settings.components:
            model.components[name] = (given[name] if name in given
                                      else model_class(name).load(Path(directory).parent / name, data))
        link_fallbacks(model.components)
        # the audio features it learned from, whatever the store holds now (missing: NaN)
        audio = tuple(n.removesuffix("_distance") for n in model._saved_names
                      if n.endswith("_distance") and n != "duration_distance")
        model.features = CandidateFeatures(model.components, data, model.settings, audio)
        if model.features.names != model._saved_names:
            raise ModelFormatError("saved ranker was trained on other retrievers or features: "
                                   "retrain it with `mpdtui --train --retrain --models ranker`")
        return model


class CandidateFeatures:
    """Candidates of a query and their features, one row per candidate.

    Per retriever: its score and its rank (NaN and a rank past the list when it did not
    propose the track). Then how many retrievers proposed it, its popularity, how many seeds
    share its artist and its album, its item-kNN similarity to the seeds (max, mean), the
    two-tower score of the name alone, distances to the seeds' mean audio features and
    duration, the seed count and whether there is a name.
    """

    def __init__(self, components: Mapping[str, Recommender], data: Dataset,
                 settings: RankerSettings, audio: Sequence[str] | None = None) -> None:
        self.components = {n: components[n] for n in settings.components}
        self.settings = settings
        self.artist = data.track_artist
        self.album = data.track_album
        self.log_duration = np.log1p(np.maximum(data.track_duration_ms, 0)).astype(np.float32)
        self.log_popularity = np.log1p(data.track_popularity()).astype(np.float32)
        self.audio, self.audio_names = _audio(data, audio)
        self.names = (
            *(f"{n}_{what}" for n in self.components for what in ("score", "rank")),
            "n_retrievers", "log_popularity", "artist_seeds", "artist_share", "album_seeds",
            "cooccurrence_max", "cooccurrence_mean", "two_tower_name",
            *(f"{a}_distance" for a in self.audio_names), "duration_distance",
            "n_seeds", "has_name",
        )
        self.groups = _groups(self.names)
        self._last: tuple[PlaylistQuery, dict[str, np.ndarray]] | None = None

    def of(self, query: PlaylistQuery) -> tuple[np.ndarray, np.ndarray]:
        """The candidates (track ids) and their feature rows."""
        lists = self._lists(query)
        non_empty = [ids for ids in lists.values() if ids.size]
        ids = np.unique(np.concatenate(non_empty)) if non_empty else np.empty(0, np.int64)
        return ids, self._rows(query, ids, lists)

    def of_ids(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        """Feature rows of given tracks (for explanations), ranks as the retrievers give them."""
        return self._rows(query, ids, self._lists(query))

    def _lists(self, query: PlaylistQuery) -> dict[str, np.ndarray]:
        """Each retriever's list; the last query's are kept (explain follows recommend)."""
        last = self._last
        if last is not None and last[0] == query:
            return last[1]
        lists = {name: model.retrieve(query, self.settings.candidates).ids
                 for name, model in self.components.items()}
        self._last = (query, lists)
        return lists

    def _rows(self, query: PlaylistQuery, ids: np.ndarray,
              lists: Mapping[str, np.ndarray]) -> np.ndarray:
        n = self.settings.candidates
        columns: list[np.ndarray] = []
        proposed = np.zeros(ids.size, np.float32)
        for name, model in self.components.items():
            columns.append(model.score(query, ids))
            rank = _ranks(lists.get(name, np.empty(0, np.int64)), ids, n)
            columns.append(rank)
            proposed += rank <= n
        seeds = np.array([s for s in query.seeds if 0 <= s < len(self.artist)], np.int64)
        columns += [proposed, self.log_popularity[ids], *self._shared(seeds, ids),
                    *self._cooccurrence(seeds, ids), self._name_only(query, ids),
                    *self._distances(seeds, ids),
                    np.full(ids.size, len(seeds), np.float32),
                    np.full(ids.size, float(bool(normalize_name(query.name))), np.float32)]
        return np.column_stack(columns).astype(np.float32) if ids.size else np.zeros(
            (0, len(self.names)), np.float32)

    def _shared(self, seeds: np.ndarray, ids: np.ndarray) -> list[np.ndarray]:
        artists = _counts(self.artist[seeds], self.artist[ids])
        albums = _counts(self.album[seeds], self.album[ids])
        share = artists / max(len(seeds), 1)
        return [artists, share.astype(np.float32), albums]

    def _cooccurrence(self, seeds: np.ndarray, ids: np.ndarray) -> list[np.ndarray]:
        knn = cast("SeedSimilarities | None", self.components.get("item_knn"))  # item-kNN has it
        if knn is None or not seeds.size:
            return [np.full(ids.size, np.nan, np.float32)] * 2
        similarity = knn.seed_similarities(seeds, ids)
        return [similarity.max(axis=0), similarity.mean(axis=0)]

    def _name_only(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        tower = self.components.get("two_tower")
        if tower is None or not normalize_name(query.name):
            return np.full(ids.size, np.nan, np.float32)
        return tower.score(PlaylistQuery(query.name), ids)

    def _distances(self, seeds: np.ndarray, ids: np.ndarray) -> list[np.ndarray]:
        out = []
        for column in range(self.audio.shape[1]):
            values = self.audio[:, column]
            mean = np.nanmean(values[seeds]) if seeds.size and np.isfinite(values[seeds]).any() else np.nan
            out.append(np.abs(values[ids] - mean))
        duration = (np.abs(self.log_duration[ids] - self.log_duration[seeds].mean())
                    if seeds.size else np.full(ids.size, np.nan, np.float32))
        return [*out, duration]

    def rank_fusion(self, matrix: np.ndarray) -> np.ndarray:
        """Without a booster: the sum of 1/(60 + rank) over the retrievers (reciprocal rank
        fusion), the usual untrained way to merge ranked lists."""
        ranks = matrix[:, [self.names.index(f"{n}_rank") for n in self.components]]
        return (1.0 / (60.0 + ranks)).sum(axis=1).astype(np.float32)

    def reason(self, query: PlaylistQuery, track: int, group: str) -> Reason:
        seeds = [s for s in query.seeds if 0 <= s < len(self.artist)]
        if group == "artist":
            return Reason("same_artist", count=int(sum(self.artist[s] == self.artist[track]
                                                       for s in seeds)))
        if group == "album":
            return Reason("same_album", count=int(sum(self.album[s] == self.album[track]
                                                      for s in seeds)))
        if group == "cooccurrence" and seeds and "item_knn" in self.components:
            knn = cast(SeedSimilarities, self.components["item_knn"])  # item-kNN has it
            similarity = knn.seed_similarities(np.array(seeds), np.array([track]))
            if similarity.max() > 0:
                return Reason("often_with", seed=int(seeds[int(similarity[:, 0].argmax())]))
        if group == "name" and normalize_name(query.name):
            return Reason("fits_name")
        if group == "sound":
            return Reason("similar_sound")
        if group == "popularity":
            return Reason("popular")
        return Reason("similar_playlists")


def _audio(data: Dataset, wanted: Sequence[str] | None) -> tuple[np.ndarray, tuple[str, ...]]:
    """The audio features `wanted` (default: those of `AUDIO` the data has), NaN where the
    data lacks one."""
    known = data.feature_names if data.track_features is not None else ()
    names = tuple(wanted) if wanted is not None else tuple(a for a in AUDIO if a in known)
    columns = np.full((data.n_tracks, len(names)), np.nan, np.float32)
    for i, name in enumerate(names):
        if name in known:
            assert data.track_features is not None
            columns[:, i] = data.track_features[:, known.index(name)]
    return columns, names


def _group_lift(predict: Callable[[np.ndarray], np.ndarray], matrix: np.ndarray,
                groups: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per group, how much each row's score drops when that group's columns take the median
    of the rows (NaN, "not proposed", where most rows have no value)."""
    typical = _typical(matrix)
    variants = [matrix]
    for columns in groups.values():
        neutral = matrix.copy()
        neutral[:, columns] = typical[columns]
        variants.append(neutral)
    # one prediction call for all: each call has a fixed cost of its own
    scores = predict(np.concatenate(variants)).reshape(len(variants), len(matrix))
    return {group: scores[0] - scores[i + 1] for i, group in enumerate(groups)}


def _typical(matrix: np.ndarray) -> np.ndarray:
    """Each column's median over the rows, ignoring NaN (NaN where all are)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
        return np.nanmedian(matrix, axis=0)


def _groups(names: Sequence[str]) -> dict[str, np.ndarray]:
    """Feature columns by what they say about a track, for explanations."""
    def group(feature: str) -> str:
        if feature.startswith(("item_knn", "cooccurrence")):
            return "cooccurrence"
        if feature.startswith(("title", "two_tower_name")) or feature == "has_name":
            return "name"
        if feature.startswith("artist"):
            return "artist"
        if feature.startswith("album"):
            return "album"
        if feature.endswith("_distance"):
            return "sound"
        if feature == "log_popularity":
            return "popularity"
        return "collaborative"

    found: dict[str, list[int]] = {}
    for i, feature in enumerate(names):
        found.setdefault(group(feature), []).append(i)
    return {g: np.array(cols) for g, cols in found.items()}


def _ranks(listed: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    """1-based position of each of `ids` in `listed`, 2n where it is not listed."""
    position = {int(t): i + 1 for i, t in enumerate(listed.tolist())}
    return np.array([position.get(int(t), 2 * n) for t in ids.tolist()], np.float32)


def _counts(seed_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """How many seeds share each candidate's key (artist or album)."""
    if not seed_keys.size:
        return np.zeros(keys.size, np.float32)
    values, counts = np.unique(seed_keys, return_counts=True)
    where = np.searchsorted(values, keys)
    where = np.minimum(where, values.size - 1)
    return np.where(values[where] == keys, counts[where], 0).astype(np.float32)


def _some_negatives(labels: np.ndarray, most: int, rng: np.random.Generator) -> np.ndarray:
    """Row numbers to train on: every positive and at most `most` random negatives."""
    negatives = np.flatnonzero(labels == 0)
    if negatives.size > most:
        negatives = rng.choice(negatives, most, replace=False)
    return np.sort(np.concatenate([np.flatnonzero(labels), negatives]))


def _sample(cases: Sequence[Case], most: int, seed: int) -> Sequence[Case]:
    if len(cases) <= most:
        return cases
    keep = np.random.default_rng(seed).choice(len(cases), most, replace=False)
    return [cases[i] for i in np.sort(keep)]


def _pick(ids: np.ndarray, scores: np.ndarray, k: int) -> Recommendations:
    best = top_k(scores, k)
    return Recommendations(ids[best.ids], best.scores)


def train_booster(rows: list[tuple[np.ndarray, np.ndarray]], names: Sequence[str],
                  settings: RankerSettings, progress: ProgressCallback | None,
                  cancel: threading.Event | None) -> tuple[Any, dict[str, Any]]:
    """LambdaRank on the cases' candidates, early-stopped on the held-back cases' NDCG
    (None: too few cases with a relevant candidate to learn from)."""
    useful = [(x, y) for x, y in rows if y.any()]
    if len(useful) < 10:
        return None, {"rounds": 0, "cases": len(useful)}
    import lightgbm

    valid = np.arange(len(useful)) % round(1 / settings.valid_share) == 0
    train_set = _dataset(lightgbm, [r for r, v in zip(useful, valid, strict=True) if not v], names)
    valid_set = _dataset(lightgbm, [r for r, v in zip(useful, valid, strict=True) if v], names,
                         reference=train_set)
    params = {
        "objective": "lambdarank", "metric": "ndcg", "eval_at": [10, 100],
        "learning_rate": settings.learning_rate, "num_leaves": settings.num_leaves,
        "min_data_in_leaf": settings.min_data_in_leaf,
        "lambdarank_truncation_level": settings.truncation, "feature_pre_filter": False,
        "seed": settings.seed, "deterministic": True, "num_threads": 0, "verbose": -1,
    }
    evaluations: dict[str, Any] = {}
    booster = lightgbm.train(
        params, train_set, settings.max_rounds, valid_sets=[valid_set], valid_names=["valid"],
        callbacks=[lightgbm.early_stopping(settings.early_stopping, verbose=False),
                   lightgbm.record_evaluation(evaluations),
                   _reporter(progress, cancel, settings.max_rounds)])
    history = {"rounds": int(booster.best_iteration), "cases": len(useful),
               "valid_ndcg@100": evaluations.get("valid", {}).get("ndcg@100", [])}
    importance = booster.feature_importance("gain")
    history["importance"] = {n: float(v) for n, v in zip(names, importance, strict=True)}
    return booster, history


def _dataset(lightgbm: Any, rows: list[tuple[np.ndarray, np.ndarray]], names: Sequence[str],
             reference: Any = None) -> Any:
    return lightgbm.Dataset(np.concatenate([x for x, _ in rows]),
                            np.concatenate([y for _, y in rows]),
                            group=[len(y) for _, y in rows], feature_name=list(names),
                            reference=reference, free_raw_data=True)


def _reporter(progress: ProgressCallback | None, cancel: threading.Event | None,
              rounds: int) -> Callable[[Any], None]:
    def callback(env: Any) -> None:
        check_cancel(cancel)
        ndcg = next((v for _, metric, v, _ in env.evaluation_result_list
                     if metric == "ndcg@100"), 0.0)
        report(progress, "ranker", env.iteration + 1, rounds,
               f"boosting round {env.iteration + 1}: validation NDCG@100 {ndcg:.3f}",
               unit="rounds")

    return callback
