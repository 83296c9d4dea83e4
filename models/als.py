"""ALS: implicit's AlternatingLeastSquares on BM25-weighted playlist x track interactions.

As in the notebook the binary playlist x track matrix is BM25-weighted (K1=100, B=0.8), each
playlist a document: a track's weight falls with its popularity and with the playlist's
length. The confidence `alpha` multiplies those weights. A new playlist is folded in like
implicit's `recommend(..., recalculate_user=True)`: its factors are solved against the fixed
track factors, then every track is scored. Implicit's CPU classes only, so that results do
not depend on a GPU.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import ThreadpoolController, threadpool_limits

from models.ann import ItemIndex
from models.ann_index import ANN_MIN_ITEMS, IndexSettings
from models.base import PlaylistQuery, Recommendations
from models.dataset import Dataset
from models.filtered import RanksByScore
from models.model_dir import ModelFormatError, settings_from_json
from models.popularity import check_arrays, seed_ids
from models.progress import ProgressCallback, check_cancel, report


@dataclass(frozen=True)
class ALSSettings:
    """Matrix factorisation settings (defaults tuned on the demo data)."""

    factors: int = 64
    """Latent dimensions per playlist and track."""
    regularization: float = 0.05
    """L2 penalty on the factors."""
    alpha: float = 1.0
    """Confidence multiplier of the BM25 weights (the notebook swept it over 0..9)."""
    iterations: int = 15
    """ALS sweeps (each solves all playlists, then all tracks)."""
    bm25_k1: float = 100.0
    bm25_b: float = 0.8
    random_state: int = 42
    """Seed of the initial factors: the same seed and data give the same model."""
    num_threads: int = 0
    """Training threads (0 = all cores); each row is solved alone, so results do not depend on
    it. Suggestions always use one thread: for one playlist, threads cost more than they save."""
    ann_min_items: int = ANN_MIN_ITEMS
    """Catalogs this large are served through an approximate index (models.ann)."""


@dataclass(frozen=True)
class BM25:
    """BM25 with playlists as documents and tracks as terms, kept so new playlists weigh alike.

    `weigh(X)` equals `implicit.nearest_neighbours.bm25_weight(X, K1, B)` on the binary
    playlist x track matrix, except that a track held by most playlists keeps a small
    positive IDF (a negative value would mean "disliked" to implicit).
    """

    idf: np.ndarray
    """log(N) - log1p(popularity) per track: rare tracks say more about a playlist."""
    mean_length: float
    k1: float
    b: float

    @classmethod
    def fit(cls, interactions: sp.csr_matrix, k1: float, b: float) -> BM25:
        popularity = np.asarray(interactions.getnnz(axis=0), dtype=np.float64)
        n = max(interactions.shape[0], 2)
        idf = np.maximum(np.log(n) - np.log1p(popularity), 1e-3)
        lengths = np.diff(interactions.indptr)
        mean_length = float(lengths.mean()) if lengths.size and lengths.mean() > 0 else 1.0
        return cls(idf.astype(np.float32), mean_length, k1, b)

    def playlist_weight(self, lengths: np.ndarray) -> np.ndarray:
        """(K1 + 1) / (K1 * length_norm + 1) per playlist: falls as the playlist grows."""
        norm = (1.0 - self.b) + self.b * lengths.astype(np.float64) / self.mean_length
        return ((self.k1 + 1.0) / (self.k1 * norm + 1.0)).astype(np.float32)

    def weigh(self, interactions: sp.csr_matrix) -> sp.csr_matrix:
        m = interactions.tocsr().astype(np.float32, copy=True)
        lengths = np.diff(m.indptr)
        m.data[:] = np.repeat(self.playlist_weight(lengths), lengths) * self.idf[m.indices]
        return m

    def weigh_seeds(self, seeds: np.ndarray) -> sp.csr_matrix:
        """One weighted row for a new playlist holding `seeds`."""
        seeds = np.sort(seeds)
        data = self.playlist_weight(np.array([seeds.size]))[0] * self.idf[seeds]
        return sp.csr_matrix((data.astype(np.float32), seeds.astype(np.int32),
                              np.array([0, seeds.size], np.int32)), shape=(1, self.idf.size))


def implicit_als(settings: ALSSettings) -> Any:
    """The CPU implicit model these settings describe (call under a BLAS thread limit)."""
    return AlternatingLeastSquares(
        factors=settings.factors, regularization=settings.regularization,
        alpha=settings.alpha, iterations=settings.iterations,
        random_state=settings.random_state, num_threads=settings.num_threads,
    )


@functools.cache
def _blas() -> ThreadpoolController:
    """The loaded BLAS libraries, found once (implicit is imported above, so all are loaded)."""
    return ThreadpoolController()


class ALSRecommender(RanksByScore):
    """Implicit-feedback matrix factorisation; new playlists folded in from their seeds."""

    name = "als"
    version = 2  # 2: the item index of norm bands (models/ann.py); a saved 1 is retrained

    def __init__(self, settings: ALSSettings | None = None) -> None:
        super().__init__()
        self.settings: ALSSettings = settings or ALSSettings()
        self.model: Any = None
        self.bm25 = BM25(np.zeros(0, np.float32), 1.0, self.settings.bm25_k1, self.settings.bm25_b)
        self.popularity = np.zeros(0, np.int64)
        self.index: ItemIndex | None = None
        self._last_fold: tuple[bytes, np.ndarray] | None = None

    def fit(self, data: Dataset, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> None:
        check_cancel(cancel)
        self._remember(data)
        s = self.settings
        self.bm25 = BM25.fit(data.interactions, s.bm25_k1, s.bm25_b)
        weighted = self.bm25.weigh(data.interactions)
        self.popularity = data.track_popularity()
        report(progress, self.name, 0, s.iterations, f"{s.factors} factors, alpha {s.alpha}")

        def on_iteration(iteration: int, elapsed: float, loss: float | None) -> None:
            report(progress, self.name, iteration + 1, s.iterations,
                   f"{elapsed:.2f} s each", unit="iterations")
            check_cancel(cancel)

        with threadpool_limits(1, "blas"):
            model = implicit_als(s)
            model.fit(weighted, show_progress=False, callback=on_iteration)
        self._serve(model)
        self.index = ItemIndex.build(self.item_factors, progress, cancel,
                                     IndexSettings(min_items=s.ann_min_items), self.name)

    def _serve(self, model: Any) -> None:
        self._last_fold = None
        model.user_factors = np.zeros((0, model.factors), model.dtype)  # training rows unused
        model.num_threads = 1
        self.model = model

    @property
    def item_factors(self) -> np.ndarray:
        return self.model.item_factors

    def playlist_factors(self, seeds: np.ndarray) -> np.ndarray:
        """Fold a new playlist in: its least-squares factors against the fixed track factors.

        The last playlist's are kept: the ranker asks for a query's candidates and then for
        their scores, which would solve the same playlist twice."""
        key = np.asarray(seeds, np.int64).tobytes()
        last = self._last_fold
        if last is not None and last[0] == key:
            return last[1]
        with _blas().limit(limits=1, user_api="blas"):  # threadpool_limits costs ~2 ms a call
            factors = self.model.recalculate_user(0, self.bm25.weigh_seeds(seeds))
        factors.setflags(write=False)  # shared by the calls of one query
        self._last_fold = (key, factors)
        return factors

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        seeds = seed_ids(query, self.n_tracks)
        index = self.index or ItemIndex(self.item_factors)
        return index.search(self.playlist_factors(seeds), k, seeds)

    def _score(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        return self.item_factors[ids] @ self.playlist_factors(seed_ids(query, self.n_tracks))

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        index_meta, index_arrays = (self.index or ItemIndex(self.item_factors)).state()
        return {**asdict(self.settings), "ann": index_meta}, {
            **index_arrays,
            "item_factors": self.item_factors,
            "idf": self.bm25.idf,
            "mean_length": np.array(self.bm25.mean_length),
            "popularity": self.popularity,
        }

    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        check_arrays(self.name, arrays, self.n_tracks, "item_factors", "idf", "mean_length",
                     "popularity")
        self.settings = settings_from_json(ALSSettings, settings)
        factors = np.asarray(arrays["item_factors"], np.float32)  # mapped, not copied
        if factors.shape != (self.n_tracks, self.settings.factors):
            raise ModelFormatError(f"saved '{self.name}' model has factors of shape "
                                   f"{factors.shape}: retrain it")
        with threadpool_limits(1, "blas"):
            model = implicit_als(self.settings)
        model.item_factors = factors
        self._serve(model)
        self.index = ItemIndex.from_state(settings.get("ann"), arrays, factors)
        self.bm25 = BM25(arrays["idf"].astype(np.float32), float(arrays["mean_length"]),
                         self.settings.bm25_k1, self.settings.bm25_b)
        self.popularity = arrays["popularity"].astype(np.int64)
