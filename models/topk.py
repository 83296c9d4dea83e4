"""Top-k selection shared by every model that scores the whole catalog."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from models.base import Recommendations


def top_k(scores: np.ndarray, k: int, exclude: Iterable[int] = ()) -> Recommendations:
    """The k highest scores, best first, never an excluded id. `scores` is modified in place."""
    excluded = np.unique(np.fromiter(exclude, dtype=np.int64))
    if excluded.size:
        scores[excluded] = -np.inf
    available = scores.shape[0] - excluded.size
    k = max(0, min(k, available))
    if k == 0:
        return Recommendations(np.empty(0, np.int64), np.empty(0, np.float32))
    whole = k >= scores.shape[0]
    candidates = np.arange(scores.shape[0]) if whole else _best_ids(scores, k)
    # stable tie-break on track id keeps results deterministic
    order = np.lexsort((candidates, -scores[candidates]))
    best = candidates[order]
    return Recommendations(best.astype(np.int64), scores[best].astype(np.float32))


def _best_ids(scores: np.ndarray, k: int) -> np.ndarray:
    """The ids of the k best scores, ties at the k-th score going to the lowest ids (so the
    first k of a longer answer are the same as the answer for k)."""
    candidates = np.argpartition(-scores, k - 1)[:k]
    kth = scores[candidates].min()
    better = candidates[scores[candidates] > kth]
    tied = np.flatnonzero(scores == kth)[: k - better.size]
    return np.concatenate([better, tied])
