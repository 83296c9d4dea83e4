"""Popularity: the most-played tracks, and the back-off every other model falls to.

Also holds the small helpers the other baselines share: the query's usable seeds and a
popularity back-off that fills a ranking up to k tracks.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from models.base import PlaylistQuery, Reason, Recommendations
from models.dataset import Dataset
from models.filtered import RanksByScore
from models.model_dir import ModelFormatError, settings_from_json
from models.progress import ProgressCallback, check_cancel, report
from models.topk import top_k


def seed_ids(query: PlaylistQuery, n_tracks: int) -> np.ndarray:
    """The query's seeds that are tracks of this catalog (others cannot be used or returned)."""
    seeds = np.fromiter(query.seeds, dtype=np.int64, count=len(query.seeds))
    return seeds[(seeds >= 0) & (seeds < n_tracks)]


def backoff_scores(popularity: np.ndarray) -> np.ndarray:
    """Scores in [-1, 0): popularity order, below every positive score of a real model."""
    pop = popularity.astype(np.float64)
    return (pop / (pop.max(initial=0.0) + 1.0) - 1.0).astype(np.float32)


def with_backoff(scores: np.ndarray, backoff: np.ndarray) -> np.ndarray:
    """Tracks a model gave no positive score are ranked after the others, by popularity."""
    return np.where(scores > 0, scores, backoff).astype(np.float32)


def check_arrays(model: str, arrays: Mapping[str, np.ndarray], n_tracks: int, *names: str) -> None:
    """Refuse saved arrays that are missing or sized for another catalog."""
    for key in names:
        if key not in arrays:
            raise ModelFormatError(f"saved '{model}' model lacks array '{key}': retrain it")
    if "popularity" in arrays and arrays["popularity"].shape[0] != n_tracks:
        raise ModelFormatError(f"saved '{model}' model has another number of tracks: retrain it")


@dataclass(frozen=True)
class PopularitySettings:
    """Popularity has nothing to tune."""


class PopularityRecommender(RanksByScore):
    """Ranks every track by the number of training playlists holding it."""

    name = "popularity"
    version = 1

    def __init__(self, settings: PopularitySettings | None = None) -> None:
        super().__init__()
        self.settings: PopularitySettings = settings or PopularitySettings()
        self.popularity = np.zeros(0, np.int64)

    def fit(self, data: Dataset, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> None:
        check_cancel(cancel)
        self._remember(data)
        report(progress, self.name, 0, 1, "counting playlists per track")
        self.popularity = data.track_popularity()
        report(progress, self.name, 1, 1, f"{int(np.count_nonzero(self.popularity)):,} tracks")

    def can_answer(self, query: PlaylistQuery) -> bool:
        return True

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        scores = self.popularity.astype(np.float32)
        return top_k(scores, k, seed_ids(query, self.n_tracks))

    def _score(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        return self.popularity[ids].astype(np.float32)

    def explain(self, query: PlaylistQuery, ids: np.ndarray) -> list[Reason]:
        return [Reason("popular")] * len(ids)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return asdict(self.settings), {"popularity": self.popularity}

    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        check_arrays(self.name, arrays, self.n_tracks, "popularity")
        self.settings = settings_from_json(PopularitySettings, settings)
        self.popularity = arrays["popularity"].astype(np.int64)
