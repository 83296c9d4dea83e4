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


def sparse_top_k(ids: np.ndarray, values: np.ndarray, k: int, exclude: np.ndarray,
                 backoff: np.ndarray, backoff_order: np.ndarray) -> Recommendations:
    """`top_k(with_backoff(dense, backoff), k, exclude)` for scores that are zero but at `ids`
    (distinct, ascending), without building or sorting the catalog-sized vector: the positive
    scores first (ties to the lowest id, as `top_k`), then the back-off's own order
    (`backoff_order`: best first, ties to the lowest id) for what they leave.

    Item-kNN and title scores touch a small part of the catalog: this is what makes their
    answers (and the ranker's candidates) cheap on a large one."""
    excluded = np.unique(np.asarray(exclude, np.int64))
    positive = (values > 0) & ~np.isin(ids, excluded, assume_unique=True)
    found_ids = np.asarray(ids, np.int64)[positive]
    k = max(0, min(k, backoff.size - excluded.size))
    best = top_k(np.asarray(values[positive], np.float32), k)
    ranked, scores = found_ids[best.ids], best.scores
    missing = k - ranked.size
    if missing <= 0:
        return Recommendations(ranked, scores)
    taken = np.concatenate([found_ids, excluded])
    head = backoff_order[:missing + taken.size]
    extra = head[~np.isin(head, taken)][:missing]
    return Recommendations(np.concatenate([ranked, extra]).astype(np.int64),
                           np.concatenate([scores, backoff[extra]]).astype(np.float32))


def best_first(scores: np.ndarray) -> np.ndarray:
    """Every id, highest score first, ties to the lowest id (`sparse_top_k`'s back-off order)."""
    return np.lexsort((np.arange(scores.size), -scores)).astype(np.int64)
