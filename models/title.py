"""Title model: the cold-start baseline for a playlist that has a name and no tracks yet.

A name's tracks are counted over the training playlists with that normalised name; names that
share words with it add their counts, weighted by an IDF-weighted token overlap (so "chill
vibes" borrows from "chill" and "sunday chill" more than from "my vibes"). Tracks no similar
name holds are ranked by popularity.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.base import PlaylistQuery, Reason, Recommendations, Recommender
from models.dataset import Dataset
from models.model_dir import ModelFormatError, settings_from_json
from models.popularity import backoff_scores, check_arrays, seed_ids
from models.progress import ProgressCallback, check_cancel, report
from models.text import normalize_name
from models.topk import best_first, sparse_top_k


@dataclass(frozen=True)
class TitleSettings:
    """How much names that only share words count, relative to the exact name."""

    similar_weight: float = 0.5
    """Weight of a similar name at overlap 1.0 (the exact name weighs 1.0)."""
    max_similar: int = 100
    """Most similar names used per query (the rest add noise and time)."""


class _NameIndex:
    """Token -> names lookup with IDF-weighted overlap between a query and each name."""

    def __init__(self, names: list[str]) -> None:
        self.position = {name: i for i, name in enumerate(names)}
        vocabulary: dict[str, int] = {}
        rows, cols = [], []
        for col, name in enumerate(names):
            for token in dict.fromkeys(name.split()):
                rows.append(vocabulary.setdefault(token, len(vocabulary)))
                cols.append(col)
        self.vocabulary = vocabulary
        self.tokens_names = sp.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(vocabulary), len(names))
        )
        df = np.asarray(self.tokens_names.getnnz(axis=1), dtype=np.float64)
        self.unknown_idf = float(np.log1p(max(len(names), 1)))
        self.idf = np.log1p(len(names) / np.maximum(df, 1.0)).astype(np.float32)
        self.name_weight = np.asarray(self.tokens_names.T @ self.idf).ravel()

    def similarities(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Names sharing a word with `name` and their weighted Jaccard overlap in (0, 1]."""
        tokens = list(dict.fromkeys(name.split()))
        known = [self.vocabulary[t] for t in tokens if t in self.vocabulary]
        if not known:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        query_weight = float(self.idf[known].sum()) + self.unknown_idf * (len(tokens) - len(known))
        common = self.tokens_names[known].T @ self.idf[known]
        names = np.flatnonzero(common > 0)
        union = self.name_weight[names] + query_weight - common[names]
        return names, (common[names] / union).astype(np.float32)


class TitleRecommender(Recommender):
    """Tracks most frequent in training playlists with the same (or a similar) name."""

    name = "title"
    version = 1
    reads_names = True

    def __init__(self, settings: TitleSettings | None = None) -> None:
        super().__init__()
        self.settings: TitleSettings = settings or TitleSettings()
        self.names: list[str] = []
        self.name_tracks = sp.csr_matrix((0, 0), dtype=np.float32)
        self.popularity = np.zeros(0, np.int64)
        self._index = _NameIndex([])
        self._backoff = np.zeros(0, np.float32)
        self._backoff_order = np.zeros(0, np.int64)
        self._last_name: tuple[str, tuple[np.ndarray, np.ndarray]] | None = None

    def fit(self, data: Dataset, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> None:
        check_cancel(cancel)
        self._remember(data)
        report(progress, self.name, 0, 2, "grouping playlists by name")
        playlist_names = [normalize_name(n) for n in data.playlist_names]
        names = sorted({n for n in playlist_names if n})
        position = {name: i for i, name in enumerate(names)}
        rows = [i for i, n in enumerate(playlist_names) if n]
        group = sp.csr_matrix(
            (np.ones(len(rows), np.float32), ([position[playlist_names[r]] for r in rows], rows)),
            shape=(len(names), data.n_playlists),
        )
        check_cancel(cancel)
        report(progress, self.name, 1, 2, "counting tracks per name")
        self._set(names, (group @ data.interactions).tocsr(), data.track_popularity())
        report(progress, self.name, 2, 2, f"{len(names):,} distinct names")

    def _set(self, names: list[str], name_tracks: sp.csr_matrix, popularity: np.ndarray) -> None:
        self.names = names
        self._last_name = None
        self.name_tracks = name_tracks.astype(np.float32)
        self.popularity = popularity
        self._index = _NameIndex(names)
        self._backoff = backoff_scores(popularity)
        self._backoff_order = best_first(self._backoff)

    def name_weights(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The names this query borrows tracks from, and their weights (the last name's are
        kept: the ranker asks for a query's candidates, then for their scores)."""
        last = self._last_name
        if last is not None and last[0] == name:
            return last[1]
        found = self._name_weights(name)
        for array in found:
            array.setflags(write=False)
        self._last_name = (name, found)
        return found

    def _name_weights(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        names, overlap = self._index.similarities(normalize_name(name))
        if names.size > self.settings.max_similar:
            keep = np.lexsort((names, -overlap))[: self.settings.max_similar]
            names, overlap = names[keep], overlap[keep]
        weights = overlap * np.float32(self.settings.similar_weight)
        exact = self._index.position.get(normalize_name(name))
        if exact is not None:
            weights[names == exact] = 1.0
        return names, weights

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        names, weights = self.name_weights(query.name)
        seeds = seed_ids(query, self.n_tracks)
        if not names.size:
            ranked = sparse_top_k(np.empty(0, np.int64), np.empty(0, np.float32), k, seeds,
                                  self._backoff, self._backoff_order)
            # seeds and no name: there is no name to find playlists by, not an unknown one
            why = "no training playlist has a name like this" if query.name.strip() else "no name"
            return Recommendations(ranked.ids, ranked.scores,
                                   fallback=f"title: {why}; answered by popularity")
        # one sparse row: only the tracks these names hold, not the whole catalog
        summed = (sp.csr_matrix(weights[None, :]) @ self.name_tracks[names]).tocsr()
        summed.sum_duplicates()
        return sparse_top_k(summed.indices, summed.data, k, seeds, self._backoff,
                            self._backoff_order)

    def _score(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        """How often each track is in playlists named like the query (NaN: no such name)."""
        names, weights = self.name_weights(query.name)
        if not names.size:
            return np.full(len(ids), np.nan, np.float32)
        return np.asarray(self.name_tracks[names][:, ids].T @ weights).ravel()

    def explain(self, query: PlaylistQuery, ids: np.ndarray) -> list[Reason]:
        """Fits the name where playlists named like it hold the track, else popular overall."""
        fits = np.nan_to_num(self._score(query, np.asarray(ids, np.int64))) > 0
        return [Reason("fits_name") if fit else Reason("popular") for fit in fits]

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        m = self.name_tracks
        return asdict(self.settings), {
            "names": np.array(self.names, dtype=np.str_),
            "data": m.data, "indices": m.indices, "indptr": m.indptr,
            "popularity": self.popularity,
        }

    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        check_arrays(self.name, arrays, self.n_tracks,
                     "names", "data", "indices", "indptr", "popularity")
        names = [str(n) for n in arrays["names"]]
        if arrays["indptr"].shape[0] != len(names) + 1:
            raise ModelFormatError(f"saved '{self.name}' model is inconsistent: retrain it")
        matrix = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]),
                               shape=(len(names), self.n_tracks))
        self.settings = settings_from_json(TitleSettings, settings)
        self._set(names, matrix, arrays["popularity"].astype(np.int64))
