"""The one interface every recommender implements, and the queries and answers it deals in.

Track ids are column indices of the interaction matrix (the catalog's track rows); the
application maps them to Spotify URIs. Models learn from a `models.dataset.Dataset` and are
saved as a directory holding `meta.json` (format, version, model name, settings, data
fingerprint) and `arrays.npz`, no pickle: `models.model_dir` writes and reads it.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

import numpy as np

from models.dataset import Dataset
from models.model_dir import (
    MODEL_FORMAT,
    DamagedModelError,
    ModelFormatError,
    read_model_dir,
    retrain_hint,
    write_model_dir,
)
from models.progress import ProgressCallback
from models.text import normalize_name

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_META_TYPES: dict[str, type] = {"fingerprint": str, "n_tracks": int, "settings": dict}
"""The meta.json fields `Recommender.load` reads, and their types."""


@dataclass(frozen=True)
class Reason:
    """Why a model suggests a track, for the app to put in words.

    `kind`: "often_with" (the seed `seed` shares many playlists with it), "same_artist" /
    "same_album" (as `count` seeds), "fits_name", "similar_playlists", "similar_sound",
    "popular"; `feature` names what sounds alike for "similar_sound" ("tempo", "duration"...)."""

    kind: str
    seed: int | None = None
    count: int = 0
    feature: str = ""


@dataclass(frozen=True)
class PlaylistQuery:
    """A playlist being built: its name (may be empty) and its seed tracks (track ids)."""

    name: str = ""
    seeds: tuple[int, ...] = ()

    @classmethod
    def of(cls, name: str = "", seeds: Sequence[int] = ()) -> PlaylistQuery:
        return cls(name, tuple(int(s) for s in dict.fromkeys(seeds)))


@dataclass(frozen=True)
class Recommendations:
    """Ranked track ids (best first) and their scores; never contains the query's seeds."""

    ids: np.ndarray
    scores: np.ndarray
    unknown_seeds: tuple[int, ...] = ()
    """Seeds the model ignored: not in its catalog, or in no playlist it learned from."""
    fallback: str = ""
    """Why (some of) the answer comes from another model, and which ("" when it does not)."""
    own: int | None = None
    """How many leading tracks are the model's own, the rest coming from `fallback` (None: all
    of them), so that each track can be explained by whoever chose it."""

    def __len__(self) -> int:
        return len(self.ids)

    def keeping(self, keep: np.ndarray, k: int | None = None) -> Recommendations:
        """Only the tracks where `keep` is True (the first k of them); `own` counted again."""
        ids, scores = self.ids[keep][:k], self.scores[keep][:k]
        own = kept_own(self, keep)
        return replace(self, ids=ids, scores=scores, own=None if own is None else min(own, len(ids)))




class Recommender(ABC):
    """Base class: `fit`, `recommend`, `save`, `load`.

    Subclasses set `name` and `version`, implement `fit`, `_recommend` (the k best tracks for
    a query whose seeds are all known to them), `_state` (JSON-able settings plus numpy arrays
    to save) and `_restore`.

    `recommend` always answers with k tracks (fewer only when the catalog has fewer that are
    not seeds): seeds the model does not know are reported and ignored; when nothing usable is
    left (no known seed, and no name the model reads) or the model returns too few tracks,
    the rest comes from `fallback` (the title model, set by whoever serves) and then from
    popularity, and `Recommendations.fallback` says so.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    reads_names: ClassVar[bool] = False
    """Whether a playlist name alone is something this model can answer."""
    reads_audio: ClassVar[bool] = False
    """Whether fitting reads the tracks' audio features: its save records how many tracks had
    some (`Dataset.tracks_with_audio`)."""
    restricted: bool = False
    """Whether this is a view from `restricted_to` whose own answers are all allowed tracks
    (the fallback's may not be)."""
    settings: DataclassInstance
    """The model's frozen settings dataclass (each subclass names its own)."""

    def __init__(self) -> None:
        self.fingerprint: str | None = None
        self.token: str | None = None
        """Which save this model is (meta.json's `token`): set by `save` and `load`."""
        self.n_tracks: int = 0
        self.tracks_with_audio: int | None = None
        """`Dataset.tracks_with_audio` of the training data, for a model that `reads_audio`."""
        self.popularity = np.zeros(0, np.int64)
        """Training playlists holding each track: which seeds are known, and the last resort."""
        self.fallback: Recommender | None = None
        """Answers what this model cannot (the title model); popularity when None."""
        self.checkpoint_dir: Path | None = None
        """Where `fit` may keep its state between epochs, so that a fit cancelled or killed
        resumes there (set by the caller, who deletes it once the model is saved). Models
        quick to train ignore it."""

    @abstractmethod
    def fit(self, data: Dataset, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> None:
        """Learn from `data`. Reports through `progress`; raises `Cancelled` when `cancel` is set."""

    def recommend(self, query: PlaylistQuery, k: int = 500) -> Recommendations:
        """The k best tracks for `query`, excluding its seeds, whatever the query."""
        usable, in_catalog = self._usable(query)
        known = set(usable.seeds)  # once: per seed, a 10,000-track playlist's took seconds
        unknown = tuple(s for s in query.seeds if s not in known)
        ranked = self.retrieve(query, k)
        own = 0 if ranked.fallback else len(ranked)  # a retrieval answered by a back-off
        if not self.can_answer(usable):
            ranked = Recommendations(ranked.ids, ranked.scores,
                                     fallback=self._nothing_usable(query))
        ranked = self._fill(ranked, usable, k, in_catalog)
        return Recommendations(ranked.ids[:k], ranked.scores[:k], unknown, ranked.fallback,
                               min(own, k) if ranked.fallback else None)

    def retrieve(self, query: PlaylistQuery, k: int) -> Recommendations:
        """The model's own k best tracks, with no fallback: fewer, or none when the model has
        nothing to go on (unknown seeds are ignored). A ranking stage's candidates."""
        usable, in_catalog = self._usable(query)
        if not self.can_answer(usable):
            return Recommendations(np.empty(0, np.int64), np.empty(0, np.float32))
        # unknown catalog seeds are no seeds to the model, so it may return them: ask for more
        ranked = self._own_ranking(usable, k + in_catalog.size - len(usable.seeds))
        return _without(ranked, in_catalog)

    def _own_ranking(self, query: PlaylistQuery, k: int) -> Recommendations:
        """`_recommend`, or what a view from `restricted_to` ranks instead."""
        return self._recommend(query, k)

    def score(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        """The model's score of each track of `ids` for `query` (higher is better), NaN where
        it has nothing to go on: a ranking stage's features."""
        usable, _ = self._usable(query)
        if not self.can_answer(usable):
            return np.full(len(ids), np.nan, np.float32)
        return np.asarray(self._score(usable, np.asarray(ids, np.int64)), np.float32)

    def _score(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        """Scores of `ids` for a query the model can answer; NaN when it has no such score."""
        return np.full(len(ids), np.nan, np.float32)

    def restricted_to(self, allowed: np.ndarray) -> Recommender:
        """This model for requests that may only answer tracks where `allowed` (a mask by track
        id) is True, as `models.filtered.recommend_allowed` asks them; explain with the same
        object. Itself, or a view (`restricted`) whose own answers are allowed tracks: a model
        that ranks by score scores just them when they are few (`models.filtered.RanksByScore`),
        one that ranks a few candidates (the ranker) draws them from the allowed tracks."""
        return self

    def explain(self, query: PlaylistQuery, ids: np.ndarray) -> list[Reason]:
        """Why each of `ids` was suggested, as far as the model can tell. By default what it
        went on: the seeds (playlists like yours), else the name; models that know more say it."""
        usable, _ = self._usable(query)
        if usable.seeds:
            kind = "similar_playlists"
        else:
            kind = "fits_name" if self.reads_names and usable.name.strip() else "popular"
        return [Reason(kind)] * len(ids)

    def components_needed(self) -> tuple[str, ...]:
        """Models this one is built on (trained, and loaded, before it)."""
        return ()

    def components_in_use(self) -> Mapping[str, Recommender]:
        """The models this one is built on, as it uses them ({} for a retriever)."""
        return {}

    def _usable(self, query: PlaylistQuery) -> tuple[PlaylistQuery, np.ndarray]:
        """The query with only the seeds this model knows, and every seed in the catalog."""
        in_catalog = np.array([s for s in query.seeds if 0 <= s < self.n_tracks], np.int64)
        known = in_catalog[self.knows(in_catalog)]
        return PlaylistQuery(query.name, tuple(known.tolist())), in_catalog

    @abstractmethod
    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        """The k best tracks for `query` (every seed known to this model), excluding its seeds."""

    def knows(self, tracks: np.ndarray) -> np.ndarray:
        """Which of these catalog tracks the model learned something about (as seeds)."""
        return self.popularity[tracks] > 0 if self.popularity.size else np.ones(tracks.size, bool)

    def can_answer(self, query: PlaylistQuery) -> bool:
        """Whether the model has something to go on: a known seed, or a name it reads."""
        return bool(query.seeds) or (self.reads_names and bool(normalize_name(query.name)))

    def _nothing_usable(self, query: PlaylistQuery) -> str:
        """Why the model has nothing to go on, e.g. "als: no seed in any training playlist and
        no name" (a seed outside its catalog, one added since it was trained, is in none)."""
        seeds = "no seed in any training playlist" if query.seeds else "no seeds"
        if not query.name.strip():
            return f"{self.name}: {seeds} and no name"
        if not self.reads_names:  # ("a name it cannot read" read as a fault of the name)
            return f"{self.name}: {seeds}, and it reads no names"
        return f"{self.name}: {seeds} and a name of no words it reads"  # "!!!"

    def _fill(self, ranked: Recommendations, query: PlaylistQuery, k: int,
              seeds: np.ndarray) -> Recommendations:
        """`ranked` topped up to k tracks: the fallback model's, then the most popular."""
        wanted = min(k, self.n_tracks - seeds.size)
        found, reason, used = len(ranked), ranked.fallback, []
        for source, answer in self._fallbacks():
            if len(ranked) >= wanted:
                break
            extra = answer(query, k + seeds.size)
            passed_on = extra.fallback.rpartition(ANSWERED_BY)[2]  # the fallback's own fallback
            used.append(f"{source} then {passed_on}" if passed_on else source)
            ranked = _appended(ranked, _without(extra, seeds))
        if used:
            why = reason or f"{self.name}: {found} tracks found"
            reason = f"{why}{ANSWERED_BY}{' then '.join(used)}"
        return Recommendations(ranked.ids, ranked.scores, fallback=reason)

    def _fallbacks(self) -> list[tuple[str, Callable[[PlaylistQuery, int], Recommendations]]]:
        """(what, how to ask it) for each fallback, in order: the title model, popularity."""
        chain: list[tuple[str, Callable[[PlaylistQuery, int], Recommendations]]] = []
        if self.fallback is not None and self.fallback is not self:
            chain.append((self.fallback.name, self.fallback.recommend))
        chain.append(("popularity", lambda _query, k: most_popular(self.popularity, k)))
        return chain

    @abstractmethod
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Settings (JSON) and arrays that `_restore` needs."""

    @abstractmethod
    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        """Rebuild the fitted model from what `_state` returned."""

    def _remember(self, data: Dataset) -> None:
        """Call at the start of `fit`."""
        self.fingerprint = data.fingerprint
        self.n_tracks = data.n_tracks
        self.popularity = data.track_popularity()
        if self.reads_audio:
            self.tracks_with_audio = data.tracks_with_audio()

    def save(self, directory: Path) -> None:
        """Write the model atomically: a temporary directory renamed over the old one."""
        if self.fingerprint is None:
            raise ModelFormatError(f"model '{self.name}' is not trained: nothing to save")
        settings, arrays = self._state()
        meta = {
            "format": MODEL_FORMAT,
            "model": self.name,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "n_tracks": self.n_tracks,
            "settings": settings,
        }
        if self.tracks_with_audio is not None:
            meta["tracks_with_audio"] = self.tracks_with_audio
        built_on = {name: model.token for name, model in self.components_in_use().items()
                    if model.token is not None}
        if built_on:  # which saves it learned from: one of them saved again no longer fits
            meta["component_tokens"] = built_on
        self.token = write_model_dir(Path(directory), meta, arrays)

    @classmethod
    def load(cls, directory: Path, data: Dataset) -> Self:
        """Load a saved model; refuse one of another format/version or trained on other data."""
        meta, arrays = read_model_dir(Path(directory), cls.name, cls.version)
        if any(not isinstance(meta.get(key), kind) for key, kind in _META_TYPES.items()):
            raise DamagedModelError(directory, f"{Path(directory) / 'meta.json'} is damaged (a "
                                    "field is missing or of another type): "
                                    f"{retrain_hint(Path(directory), cls.name)}")
        if meta["fingerprint"] != data.fingerprint:
            raise ModelFormatError(
                f"model '{cls.name}' in {directory} was trained on other data: "
                f"retrain it with `mpdtui --train --models {cls.name}`"  # a plain one skips the blend
            )
        model = cls()
        model.fingerprint = meta["fingerprint"]
        model.token = meta.get("token")
        model.n_tracks = int(meta["n_tracks"])
        model.tracks_with_audio = meta.get("tracks_with_audio")
        model.popularity = data.track_popularity()
        try:
            model._restore(meta["settings"], arrays, data)
        except (KeyError, TypeError, ValueError) as exc:  # files that do not fit together
            raise DamagedModelError(directory, f"{directory} does not hold what a '{cls.name}' "
                                    f"model saves ({type(exc).__name__}: {exc}): "
                                    f"{retrain_hint(Path(directory), cls.name)}") from None
        return model


ANSWERED_BY = "; answered by "
FALLBACK_MODEL = "title"
"""The model that answers for the others when they have nothing to go on."""


class SeedSimilarities(Protocol):
    """A model that says how alike each seed and each track are (item-kNN's co-occurrence),
    which the ranker uses as features and reasons."""

    def seed_similarities(self, seeds: np.ndarray, ids: np.ndarray) -> np.ndarray: ...


def link_fallbacks(models: Mapping[str, Recommender]) -> None:
    """Let the title model among `models` answer for each of the others that cannot."""
    title = models.get(FALLBACK_MODEL)
    for name, model in models.items():
        if title is not None and name not in (FALLBACK_MODEL, "popularity"):
            model.fallback = title


def most_popular(popularity: np.ndarray, k: int) -> Recommendations:
    """The k tracks in the most playlists (ties by track id), scored by that count."""
    order = np.lexsort((np.arange(popularity.size), -popularity))[:k]
    return Recommendations(order.astype(np.int64), popularity[order].astype(np.float32))


def _without(ranked: Recommendations, excluded: np.ndarray) -> Recommendations:
    keep = ~np.isin(ranked.ids, excluded)
    return Recommendations(ranked.ids[keep], ranked.scores[keep], fallback=ranked.fallback,
                           own=kept_own(ranked, keep))


def kept_own(ranked: Recommendations, keep: np.ndarray) -> int | None:
    """`ranked.own` once only the tracks where `keep` is True are left."""
    return None if ranked.own is None else int(np.count_nonzero(keep[:ranked.own]))


def _appended(ranked: Recommendations, extra: Recommendations) -> Recommendations:
    """`ranked`, then the tracks of `extra` it lacks, scored below its last (best first)."""
    new = extra.ids[~np.isin(extra.ids, ranked.ids)]
    if not len(ranked):
        return Recommendations(new, extra.scores[~np.isin(extra.ids, ranked.ids)])
    floor = float(ranked.scores[-1]) if np.isfinite(ranked.scores[-1]) else 0.0
    scores = floor - 1.0 - np.arange(new.size, dtype=np.float32)
    return Recommendations(np.concatenate([ranked.ids, new]),
                           np.concatenate([ranked.scores, scores]).astype(np.float32))
