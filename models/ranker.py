"""The ranking stage: the retrievers propose candidates, a LightGBM LambdaRank model orders them.

How the RecSys Challenge 2018 was won (vl6, MIPT-MSU, Avito): each retriever (ALS, two-tower,
item-kNN, title) ranks its own top `candidates` tracks, with no fallback; their union, seeds
excluded, is described by pairwise features (`CandidateFeatures`, in `models.ranker_features`),
and a gradient-boosted ranker trained on playlists the retrievers never saw orders it
(`models.ranker_booster`); `RankerSettings` (`models.ranker_settings`) tunes both.

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

import copy
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Self

import numpy as np

from models.base import PlaylistQuery, Reason, Recommendations, Recommender, link_fallbacks
from models.dataset import Dataset
from models.evaluation import Case
from models.model_dir import ModelFormatError, settings_from_json
from models.progress import ProgressCallback, check_cancel, note, report
from models.ranker_booster import train_booster
from models.ranker_features import CandidateFeatures
from models.ranker_progress import PART_CASES, RankerProgress, progress_key
from models.ranker_settings import RankerSettings
from models.topk import top_k

BOOSTER_FORMAT = "lightgbm-text"
EXPLAIN_REFERENCE = 50
"""Explanations compare a track with the median of the query's best this many candidates (the
builder's list): what set it apart among them, the same however many tracks are explained."""


class RankerRecommender(Recommender):
    name = "ranker"
    version = 1
    reads_names = True
    reads_audio = True

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
        self._last_scored: tuple[PlaylistQuery, np.ndarray, np.ndarray] | None = None
        """The last query's candidate rows and scores (explain follows recommend)."""

    def components_needed(self) -> tuple[str, ...]:
        return self.settings.components

    def components_in_use(self) -> Mapping[str, Recommender]:
        return self.components

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
        cases = _sample(self.cases, self.settings.max_cases, self.settings.seed)
        kept = self._kept_progress(data, cases, progress)
        rows = self._training_rows(cases, kept, progress, cancel)
        self.booster, self.history = train_booster(rows, self.features.names, self.settings,
                                                   progress, cancel, kept)
        self._report_end(progress, len(rows))

    def _kept_progress(self, data: Dataset, cases: Sequence[Case],
                       progress: ProgressCallback | None) -> RankerProgress:
        """What a stopped training of this ranker kept in `checkpoint_dir` (saved retrievers
        only: a token says which save each is), said when continued or dropped."""
        assert self.features is not None
        tokens = {name: model.token for name, model in self.components.items()}
        if self.checkpoint_dir is None or None in tokens.values():
            return RankerProgress(None)
        key = progress_key(data.fingerprint, self.settings, tokens, self.features.names,
                           self.features.audio, cases)
        kept = RankerProgress.load(self.checkpoint_dir, key)
        kept.made_for, kept.tracks_with_audio = (data.fingerprint, self.settings), self.tracks_with_audio
        if kept.dropped:
            note(progress, self.name, f"{kept.dropped}: starting over")
        elif kept.rounds:
            note(progress, self.name, f"continuing from round {kept.rounds} (the candidates of "
                                      f"all {len(cases):,} validation playlists kept)")
        elif kept.rows:
            note(progress, self.name, f"continuing from the candidates of {len(kept.rows):,} of "
                                      f"{len(cases):,} validation playlists")
        return kept

    def _report_end(self, progress: ProgressCallback | None, cases: int) -> None:
        """The bar's last words: full, on the rounds the booster ran (early stopping may end
        before `max_rounds`: "stopped early", not a bar that jumps to them), or on why there
        is no booster."""
        if self.booster is None:
            report(progress, self.name, cases, cases,
                   f"{self.history.get('cases', 0)} with a hit among the candidates: too few "
                   "to learn from, so it merges the retrievers' ranks", "validation playlists")
            return
        limit, best = self.settings.max_rounds, self.history.get("rounds", 0)
        ran = int(self.history.get("ran", limit))
        said = (f"stopped early (at most {limit:,}): " if ran < limit else "") + f"best at round {best}"
        report(progress, self.name, ran, ran, said, "rounds")

    def _training_rows(self, cases: Sequence[Case], kept: RankerProgress,
                       progress: ProgressCallback | None,
                       cancel: threading.Event | None) -> list[tuple[np.ndarray, np.ndarray]]:
        """(features, labels) of each validation case's candidates: those `kept` holds, then
        the others, kept as they are made (a part every `PART_CASES`, and when cancelled)."""
        assert self.features is not None
        rows = list(kept.rows)
        rng = np.random.default_rng(self.settings.seed)
        if kept.rng_state is not None:
            rng.bit_generator.state = kept.rng_state
        try:
            for done in range(len(rows), len(cases)):
                check_cancel(cancel)
                report(progress, self.name, done, len(cases), "candidate features",
                       unit="validation playlists")
                ids, matrix = self.features.of(cases[done].query)
                labels = np.isin(ids, cases[done].truth).astype(np.int32)
                keep = _some_negatives(labels, self.settings.negatives, rng)
                rows.append((matrix[keep], labels[keep]))
                if len(rows) % PART_CASES == 0:
                    kept.keep_rows(rows, rng)
        finally:  # cancelled too: what was made is kept
            kept.keep_rows(rows, rng)
        return rows

    # -- serving ----------------------------------------------------------------------------

    def knows(self, tracks: np.ndarray) -> np.ndarray:
        """Seeds any retriever knows: a track in no training playlist whose artist the
        two-tower model knows still gets its candidates and its features (artist, album,
        sound), as the booster saw such seeds in training, instead of popularity alone."""
        known = super().knows(tracks)
        for component in self.components.values():
            known |= component.knows(tracks)
        return known

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        features = self._fitted()
        ids, matrix = features.of(query)
        if not ids.size:
            return Recommendations(ids, np.empty(0, np.float32))
        if not features.read_query(query):  # the booster would only reorder popularity's list
            why = ("its retrievers found nothing" if query.seeds
                   else "no training playlist has a name like this")
            return Recommendations(np.empty(0, np.int64), np.empty(0, np.float32),
                                   fallback=f"{self.name}: {why}")
        scores = self._predict(matrix)
        self._last_scored = (query, matrix, scores)
        return _pick(ids, scores, k)

    def restricted_to(self, allowed: np.ndarray) -> RankerRecommender:
        """Candidates from the allowed tracks only (`CandidateFeatures.restricted_to`), so that
        a narrow audio filter still gets ranked suggestions rather than the fallback's: the
        ranker's own list is only the candidates it scores. Shares the booster and retrievers."""
        view = copy.copy(self)
        view.features, view._last_scored = self._fitted().restricted_to(allowed), None
        view.restricted = True
        return view

    def _predict(self, matrix: np.ndarray) -> np.ndarray:
        if self.booster is None:  # no validation playlists to learn from: rank fusion
            return self._fitted().rank_fusion(matrix)
        return self.booster.predict(matrix, num_threads=1).astype(np.float32)

    def explain(self, query: PlaylistQuery, ids: np.ndarray) -> list[Reason]:
        """What moved each track up most: the feature group whose values, set to the median of
        the query's best candidates (`EXPLAIN_REFERENCE`), lower its score most (one prediction
        per group: LightGBM's exact per-feature contributions cost ~15x more, too slow for a
        builder refresh), among those true of the track (the name only where it fits:
        `CandidateFeatures.fits_name`; the artist and album only where a seed shares them:
        `_true_of`); popularity, true of any hit, only where no other group moved the track
        up."""
        features = self._fitted()
        ids = np.asarray(ids, np.int64)
        matrix = features.of_ids(query, ids)
        if self.booster is None or not ids.size:
            return [features.reason(query, int(t), "collaborative", row)
                    for t, row in zip(ids, matrix, strict=True)]
        typical = self._typical_best(query)
        lift = _group_lift(self._predict, matrix, features.groups, typical)
        reasons = []
        for row, track in enumerate(ids):
            true_of_it = [g for g in lift if _true_of(features, query, g, matrix[row])]
            # popularity, true of any hit, only where nothing specific to the query moved it up
            specific = [g for g in true_of_it if g != "popularity" and lift[g][row] > 0]
            best = max(specific or true_of_it, key=lambda g: lift[g][row])
            reason = features.reason(query, int(track), best, matrix[row])
            if reason.kind == "similar_sound":  # which: the closest to the seeds', for its scale
                sound = features.groups["sound"]
                relative = matrix[row, sound] / np.maximum(typical[sound], 1e-6)
                column = sound[int(np.nan_to_num(relative, nan=np.inf).argmin())]
                reason = replace(reason, feature=features.names[column].removesuffix("_distance"))
            reasons.append(reason)
        return reasons

    def _typical_best(self, query: PlaylistQuery) -> np.ndarray:
        """Each feature's median over the query's best `EXPLAIN_REFERENCE` candidates."""
        last = self._last_scored
        if last is None or last[0] != query:
            _, matrix = self._fitted().of(query)
            last = (query, matrix, self._predict(matrix) if len(matrix) else np.empty(0))
        _, matrix, scores = last
        return _typical(matrix[np.argsort(-scores, kind="stable")[:EXPLAIN_REFERENCE]])

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


SHARED_WITH_SEEDS = {"artist": "artist_seeds", "album": "album_seeds"}
"""The groups that are a reason only where a seed shares the track's artist (album)."""


def _true_of(features: CandidateFeatures, query: PlaylistQuery, group: str,
             row: np.ndarray) -> bool:
    """Whether `group` can be said of the track of feature row `row`: the name only where it
    fits, the artist and the album only where a seed shares them (the booster can lift a track
    for sharing none: "same artist as 0 of your tracks" is no reason)."""
    if group == "name":
        return features.fits_name(query, row)
    if group in SHARED_WITH_SEEDS:
        return bool(row[features.names.index(SHARED_WITH_SEEDS[group])] > 0)
    return True


def _group_lift(predict: Callable[[np.ndarray], np.ndarray], matrix: np.ndarray,
                groups: Mapping[str, np.ndarray], typical: np.ndarray) -> dict[str, np.ndarray]:
    """Per group, how much each row's score drops when that group's columns take the
    `typical` values (NaN, "not proposed", where most of the best candidates have none)."""
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
