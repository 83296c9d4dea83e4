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
    candidates = np.arange(scores.shape[0]) if whole else np.argpartition(-scores, k - 1)[:k]
    # stable tie-break on track id keeps results deterministic
    order = np.lexsort((candidates, -scores[candidates]))
    best = candidates[order]
    return Recommendations(best.astype(np.int64), scores[best].astype(np.float32))
