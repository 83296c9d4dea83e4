"""A model whose answers run short, as a retriever or an approximate index can: it ranks
tracks 7, 8 and 9 only (less its seeds), so a fallback answers the rest. `OneModel` serves one
model to `Suggester` in place of the model store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from models.base import PlaylistQuery, Recommendations, Recommender
from models.dataset import Dataset

OWN_TRACKS = (7, 8, 9)


class ShortModel(Recommender):
    name = "short"

    def fit(self, data: Dataset, progress: Any = None, cancel: Any = None) -> None:
        self._remember(data)

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        ids = np.array([t for t in OWN_TRACKS if t not in query.seeds][:k], np.int64)
        return Recommendations(ids, np.array([3.0, 2.0, 1.0][: ids.size], np.float32))

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {}, {}

    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        """Nothing to restore."""


class OneModel:
    """What `Suggester` asks of the model store, for one model."""

    def __init__(self, model: Recommender) -> None:
        self._model = model

    def default(self) -> str:
        return self._model.name

    def model(self, name: str) -> Recommender:
        return self._model
