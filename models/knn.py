"""Item-kNN: tracks that co-occur with the seeds, via implicit's item-item neighbours.

The similarity of every track to its `neighbours` nearest tracks is computed once, in blocks of
tracks (`models.knn_blocks`: implicit's neighbours, stoppable between blocks), from the cosine or
BM25 weighting of the playlist x track matrix; a playlist's score for a track is the sum of its
seeds' similarities to it. Tracks no seed is near, and every track when there are no seeds, are
ranked by popularity.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from implicit.nearest_neighbours import bm25_weight

from models.base import PlaylistQuery, Reason, Recommendations, Recommender
from models.dataset import Dataset
from models.knn_blocks import nearest_tracks
from models.model_dir import ModelFormatError, settings_from_json
from models.popularity import backoff_scores, check_arrays, seed_ids
from models.progress import ProgressCallback, check_cancel, report
from models.topk import best_first, sparse_top_k

Weighting = Literal["bm25", "cosine"]


@dataclass(frozen=True)
class ItemKNNSettings:
    """Item-item similarity settings."""

    weighting: Weighting = "cosine"
    """Item vectors: "cosine" (best on the demo data) or "bm25" (down-weights popular tracks
    and long playlists)."""
    damping: float = 5.0
    """Added to every track's norm before the cosine: a track in one playlist is then less
    similar to its neighbours than a track in fifty that co-occur every time. 0 = plain cosine,
    whose neighbours on MPD-like data are mostly one-playlist tracks (overall R-precision on the
    10k demo: 0 -> 0.018, 2 -> 0.059, 5 -> 0.060, 20 -> 0.060)."""
    neighbours: int = 200
    """Similar tracks kept per track (fewer: slightly better R-precision, worse NDCG)."""
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    num_threads: int = 0
    """Threads for the similarity computation (0 = all cores); results do not depend on it."""


def damped_cosine(by_track: sp.spmatrix, damping: float) -> sp.csr_matrix:
    """Track vectors divided by (their norm + damping): implicit's `normalize` at damping 0."""
    by_track = sp.csr_matrix(by_track, dtype=np.float64)
    norms = np.sqrt(np.asarray(by_track.multiply(by_track).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms + damping, out=np.zeros_like(norms), where=norms + damping > 0)
    return sp.diags(scale) @ by_track


class ItemKNNRecommender(Recommender):
    """Sum of the seeds' item-item similarities."""

    name = "item_knn"
    version = 1

    def __init__(self, settings: ItemKNNSettings | None = None) -> None:
        super().__init__()
        self.settings: ItemKNNSettings = settings or ItemKNNSettings()
        self.similarity = sp.csr_matrix((0, 0), dtype=np.float32)
        self.popularity = np.zeros(0, np.int64)
        self._backoff = np.zeros(0, np.float32)
        self._backoff_order = np.zeros(0, np.int64)
        self._last_similarities: tuple[tuple[bytes, bytes], np.ndarray] | None = None

    def fit(self, data: Dataset, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> None:
        check_cancel(cancel)
        self._remember(data)
        s = self.settings
        if s.weighting not in ("bm25", "cosine"):
            raise ValueError(f"item_knn weighting '{s.weighting}': use 'bm25' or 'cosine'")
        report(progress, self.name, 0, data.n_tracks,
               f"{s.weighting} similarities of {data.n_tracks:,} tracks", unit="tracks")
        # the weighting implicit's BM25Recommender / CosineRecommender apply, kept in CSR
        by_track = data.interactions.T
        weighted = (bm25_weight(by_track, s.bm25_k1, s.bm25_b) if s.weighting == "bm25"
                    else damped_cosine(by_track, s.damping)).T.tocsr()

        def block_done(done: int, total: int) -> None:
            report(progress, self.name, done, total, "similarities", unit="tracks")

        similarity = nearest_tracks(weighted, s.neighbours, s.num_threads, block_done, cancel)
        self._set(similarity.astype(np.float32), data.track_popularity())
        report(progress, self.name, data.n_tracks, data.n_tracks,
               f"{self.similarity.nnz:,} similarities", unit="tracks")

    def _set(self, similarity: sp.csr_matrix, popularity: np.ndarray) -> None:
        self.similarity = similarity
        self._last_similarities = None
        self.popularity = popularity
        self._backoff = backoff_scores(popularity)
        self._backoff_order = best_first(self._backoff)

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        seeds = seed_ids(query, self.n_tracks)
        summed = _row_sum(self.similarity[seeds])
        return sparse_top_k(summed.indices, summed.data, k, seeds, self._backoff,
                            self._backoff_order)

    def _score(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        return self.seed_similarities(seed_ids(query, self.n_tracks), ids).sum(axis=0)

    def explain(self, query: PlaylistQuery, ids: np.ndarray) -> list[Reason]:
        """The seed each track is most often with; popular where it shares no playlist with
        any seed (the back-off fills the list then)."""
        seeds = seed_ids(self._usable(query)[0], self.n_tracks)
        similarity = self.seed_similarities(seeds, np.asarray(ids, np.int64))
        if not similarity.size:
            return [Reason("popular")] * len(ids)
        best = similarity.argmax(axis=0)
        return [Reason("often_with", seed=int(seeds[b])) if similarity[b, i] > 0
                else Reason("popular") for i, b in enumerate(best)]

    def seed_similarities(self, seeds: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Similarity of each seed (rows) to each track of `ids` (columns), dense. The last
        answer is kept: the ranker asks for the same one as a score and as co-occurrence."""
        if not len(seeds):
            return np.zeros((0, len(ids)), np.float32)
        key = (np.asarray(seeds, np.int64).tobytes(), np.asarray(ids, np.int64).tobytes())
        last = self._last_similarities
        if last is not None and last[0] == key:
            return last[1]
        found = self.similarity[seeds][:, ids].toarray()
        found.setflags(write=False)
        self._last_similarities = (key, found)
        return found

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        m = self.similarity
        return asdict(self.settings), {
            "data": m.data, "indices": m.indices, "indptr": m.indptr,
            "popularity": self.popularity,
        }

    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        check_arrays(self.name, arrays, self.n_tracks, "data", "indices", "indptr", "popularity")
        if arrays["indptr"].shape[0] != self.n_tracks + 1:
            raise ModelFormatError(f"saved '{self.name}' model is inconsistent: retrain it")
        self.settings = settings_from_json(ItemKNNSettings, settings)
        self._set(sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]),
                                shape=(self.n_tracks, self.n_tracks)),
                  arrays["popularity"].astype(np.int64))


def _row_sum(rows: sp.csr_matrix) -> sp.csr_matrix:
    """The sum of `rows` as one sparse row, indices ascending: only the tracks some seed is
    near (a dense sum would cost the whole catalog per query)."""
    ones = sp.csr_matrix(np.ones((1, rows.shape[0]), rows.dtype))
    summed = (ones @ rows).tocsr()
    summed.sum_duplicates()
    return summed
