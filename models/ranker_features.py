"""The ranker's candidates and their features: what each retriever says of a track, how it
relates to the seeds, and which feature group explains it (`CandidateFeatures`)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np

from models.base import PlaylistQuery, Reason, Recommendations, Recommender, SeedSimilarities
from models.dataset import Dataset
from models.filtered import retrieve_allowed
from models.ranker_settings import RankerSettings
from models.text import normalize_name

AUDIO = ("tempo", "energy", "danceability", "valence", "acousticness", "loudness",
         "instrumentalness", "speechiness")
"""Audio features compared with the seeds' mean (where the feature store has them)."""


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
        self.allowed: np.ndarray | None = None
        """Candidates only among these tracks (a mask by track id; None: any)."""
        self._last: tuple[PlaylistQuery, dict[str, np.ndarray], bool] | None = None

    def restricted_to(self, allowed: np.ndarray) -> CandidateFeatures:
        """The same features of candidates drawn from the allowed tracks only: each
        retriever's best allowed ones, ranked among them as if the catalog held no other."""
        view = copy.copy(self)
        view.allowed, view._last = allowed, None
        return view

    def of(self, query: PlaylistQuery) -> tuple[np.ndarray, np.ndarray]:
        """The candidates (track ids) and their feature rows."""
        lists = self._lists(query)
        non_empty = [ids for ids in lists.values() if ids.size]
        ids = np.unique(np.concatenate(non_empty)) if non_empty else np.empty(0, np.int64)
        return ids, self._rows(query, ids, lists)

    def of_ids(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        """Feature rows of given tracks (for explanations), ranks as the retrievers give them."""
        return self._rows(query, ids, self._lists(query))

    def read_query(self, query: PlaylistQuery) -> bool:
        """Whether some retriever ranked candidates by the query itself: by seeds it knows,
        or by a name that playlists have (the title model's own list, not its popularity
        back-off). A name no playlist has, read by the two-tower's letters alone, gets the
        popular tracks there (median popularity rank 46 of 88k for "für die arbeit" on a
        3,000-playlist demo): the booster would only reorder popularity's list."""
        self._lists(query)
        assert self._last is not None
        return self._last[2]

    def _lists(self, query: PlaylistQuery) -> dict[str, np.ndarray]:
        """Each retriever's list; the last query's are kept (explain follows recommend)."""
        last = self._last
        if last is not None and last[0] == query:
            return last[1]
        n, allowed = self.settings.candidates, self.allowed
        found = {name: (model.retrieve(query, n) if allowed is None
                        else retrieve_allowed(model, query, n, allowed))
                 for name, model in self.components.items()}
        lists = {name: ranked.ids for name, ranked in found.items()}
        self._last = (query, lists, self._read(query, found))
        return lists

    def _read(self, query: PlaylistQuery, found: Mapping[str, Recommendations]) -> bool:
        own = {name: bool(len(ranked)) and not ranked.fallback for name, ranked in found.items()}
        seeds = np.array([s for s in query.seeds if 0 <= s < len(self.artist)], np.int64)
        if seeds.size and any(own[name] and self.components[name].knows(seeds).any()
                              for name in own):
            return True
        return own["title"] if "title" in own else any(own.values())

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

    def fits_name(self, query: PlaylistQuery, row: np.ndarray) -> bool:
        """Whether the track of feature row `row` fits the query's name: playlists named like
        it hold the track (the title model's score). A name no playlist has still moves tracks
        up, by the popularity the title model's list falls back to, but fits none of them."""
        if not normalize_name(query.name):
            return False
        if "title" not in self.components:
            return True  # only the two-tower's reading of the name is left to go by
        score = row[self.names.index("title_score")]
        return bool(np.isfinite(score) and score > 0)

    def reason(self, query: PlaylistQuery, track: int, group: str, row: np.ndarray) -> Reason:
        """What `group` says of the track of feature row `row`."""
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
        if seeds:
            return Reason("similar_playlists")
        # no seeds: the retrievers went by the name (those that do not read names fell back to
        # the title model's list, then to popularity's), so "playlists like yours" is no reason
        return Reason("fits_name" if self.fits_name(query, row) else "popular")


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
    """1-based position of each of `ids` in `listed` (distinct), 2n where it is not listed."""
    ranks = np.full(len(ids), 2 * n, np.float32)
    if not listed.size or not len(ids):
        return ranks
    order = np.argsort(listed, kind="stable")
    where = np.minimum(np.searchsorted(listed, ids, sorter=order), listed.size - 1)
    found = listed[order[where]] == ids
    ranks[found] = order[where[found]] + 1
    return ranks


def _counts(seed_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """How many seeds share each candidate's key (artist or album)."""
    if not seed_keys.size:
        return np.zeros(keys.size, np.float32)
    values, counts = np.unique(seed_keys, return_counts=True)
    where = np.searchsorted(values, keys)
    where = np.minimum(where, values.size - 1)
    return np.where(values[where] == keys, counts[where], 0).astype(np.float32)
