"""Recommendations restricted to some tracks (e.g. those matching an audio filter), filtered
before the top k is cut: the model is asked for a growing candidate list until k of them are
allowed, up to its whole ranking of the catalog.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from models.base import PlaylistQuery, Recommendations, Recommender
from models.topk import top_k

GROWTH = 4
"""How much longer each next candidate list is."""
HEADROOM = 2.0
"""The first list is this many times what the allowed share of the catalog suggests."""
MIN_CANDIDATES = 200
SCORED_SHARE = 0.125
"""`retrieve_allowed` scores the allowed tracks directly when at most this share of the
catalog is allowed: a matrix-vector product over them, where ranking the catalog until enough
of them turn up would cost up to a product over every track and a sort."""


def recommend_allowed(model: Recommender, query: PlaylistQuery, k: int,
                      allowed: np.ndarray) -> Recommendations:
    """The k best tracks of `model` among those where `allowed` is True (fewer only when fewer
    allowed tracks exist, or the model ranks fewer), best first; what the model said about
    its seeds and fallbacks is kept. Pass `model.restricted_to(allowed)`."""
    return _best_allowed(model.recommend, query, k, allowed)


def retrieve_allowed(model: Recommender, query: PlaylistQuery, k: int,
                     allowed: np.ndarray) -> Recommendations:
    """`model.retrieve` (its own ranking, no fallback) kept to the allowed tracks: the k best
    of them, or fewer when the model ranks fewer. A model that ranks by `score` scores just
    the allowed tracks when they are few (`SCORED_SHARE`), instead of ranking past them."""
    if model.ranks_by_score and np.count_nonzero(allowed) <= SCORED_SHARE * len(allowed):
        return _best_scored(model, query, k, allowed)
    return _best_allowed(model.retrieve, query, k, allowed)


def _best_scored(model: Recommender, query: PlaylistQuery, k: int,
                 allowed: np.ndarray) -> Recommendations:
    ids = np.flatnonzero(allowed)
    ids = ids[~np.isin(ids, np.asarray(query.seeds, np.int64))]
    scores = model.score(query, ids)  # NaN throughout when the model has nothing to go on
    scores = np.where(np.isfinite(scores), scores, -np.inf).astype(np.float32)
    best = top_k(scores, min(k, int(np.count_nonzero(scores > -np.inf))))
    return Recommendations(ids[best.ids], best.scores)


def _best_allowed(ranking: Callable[[PlaylistQuery, int], Recommendations],
                  query: PlaylistQuery, k: int, allowed: np.ndarray) -> Recommendations:
    n_tracks = len(allowed)
    available = int(np.count_nonzero(allowed))
    if k <= 0 or available == 0:
        return Recommendations(np.empty(0, np.int64), np.empty(0, np.float32))
    wanted = first_request(k, available, n_tracks)
    while True:
        ranked = ranking(query, wanted)
        keep = allowed[ranked.ids]
        if np.count_nonzero(keep) >= k or wanted >= n_tracks or len(ranked) < wanted:
            return ranked.keeping(keep, k)
        wanted = min(n_tracks, wanted * GROWTH)


def first_request(k: int, available: int, n_tracks: int) -> int:
    """Candidates to ask for first: enough for k allowed ones if they were spread evenly."""
    expected = math.ceil(k * n_tracks / available * HEADROOM)
    return min(n_tracks, max(MIN_CANDIDATES, k, expected))
