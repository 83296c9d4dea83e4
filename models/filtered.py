"""Recommendations restricted to some tracks (e.g. those matching an audio filter), filtered
before the top k is cut: the model is asked for a growing candidate list until k of them are
allowed, up to its whole ranking of the catalog.
"""

from __future__ import annotations

import math

import numpy as np

from models.base import PlaylistQuery, Recommendations, Recommender

GROWTH = 4
"""How much longer each next candidate list is."""
HEADROOM = 2.0
"""The first list is this many times what the allowed share of the catalog suggests."""
MIN_CANDIDATES = 200


def recommend_allowed(model: Recommender, query: PlaylistQuery, k: int,
                      allowed: np.ndarray) -> Recommendations:
    """The k best tracks of `model` among those where `allowed` is True (fewer only when fewer
    allowed tracks exist, or the model ranks fewer), best first; what the model said about
    its seeds and fallbacks is kept."""
    n_tracks = len(allowed)
    available = int(np.count_nonzero(allowed))
    if k <= 0 or available == 0:
        return Recommendations(np.empty(0, np.int64), np.empty(0, np.float32))
    wanted = first_request(k, available, n_tracks)
    while True:
        ranked = model.recommend(query, wanted)
        keep = allowed[ranked.ids]
        if np.count_nonzero(keep) >= k or wanted >= n_tracks or len(ranked) < wanted:
            return ranked.keeping(keep, k)
        wanted = min(n_tracks, wanted * GROWTH)


def first_request(k: int, available: int, n_tracks: int) -> int:
    """Candidates to ask for first: enough for k allowed ones if they were spread evenly."""
    expected = math.ceil(k * n_tracks / available * HEADROOM)
    return min(n_tracks, max(MIN_CANDIDATES, k, expected))
