"""Recommendations restricted to some tracks (e.g. those matching an audio filter), filtered
before the top k is cut: the model is asked for a growing candidate list until k of them are
allowed, up to its whole ranking of the catalog. Served through `Recommender.restricted_to`
first: the ranker then draws its candidates from the allowed tracks, and a model that ranks
by score (`RanksByScore`) scores just them when they are few.
"""

from __future__ import annotations

import copy
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
SCORE_OR_SEARCH = 20.0
"""A model that ranks by score, restricted to m of its n tracks and asked for k, scores just
those m while m * m <= SCORE_OR_SEARCH * k * n; else its own ranking is grown until k of them
turn up. Scoring a track costs about a tenth of what an item index spends on a track it
returns, and it must return about 2 * k * n / m of them (`bench/filtered.py --scale`, 2.26M
tracks, k = 50: 2.3k scored 1.2 ms against 92 ms searched, 68k 7.2 ms against 4.0 ms)."""


def recommend_allowed(model: Recommender, query: PlaylistQuery, k: int,
                      allowed: np.ndarray) -> Recommendations:
    """The k best tracks of `model` among those where `allowed` is True (fewer only when fewer
    allowed tracks exist, or the model ranks fewer), best first; what the model said about
    its seeds and fallbacks is kept. Pass `model.restricted_to(allowed)`: a view whose own
    answers are all allowed is asked for k at first, the others for more."""
    return best_allowed(model.recommend, query, k, allowed, model.restricted)


def retrieve_allowed(model: Recommender, query: PlaylistQuery, k: int,
                     allowed: np.ndarray) -> Recommendations:
    """`model.retrieve` (its own ranking, no fallback) kept to the allowed tracks: the k best
    of them, or fewer when the model ranks fewer."""
    view = model.restricted_to(allowed)
    return best_allowed(view.retrieve, query, k, allowed, view.restricted)


def best_allowed(ranking: Callable[[PlaylistQuery, int], Recommendations],
                 query: PlaylistQuery, k: int, allowed: np.ndarray,
                 restricted: bool = False) -> Recommendations:
    """The k best allowed tracks of `ranking`, asking it for a longer list each round (only k
    when its own answers are all allowed, `restricted`)."""
    n_tracks = len(allowed)
    available = int(np.count_nonzero(allowed))
    if k <= 0 or available == 0:
        return Recommendations(np.empty(0, np.int64), np.empty(0, np.float32))
    seeds = np.asarray([s for s in query.seeds if 0 <= s < n_tracks], np.int64)
    answerable = available - int(np.count_nonzero(allowed[seeds]))  # seeds never come back
    wanted = min(k, n_tracks) if restricted else first_request(k, available, n_tracks)
    while True:
        ranked = ranking(query, wanted)
        keep = allowed[ranked.ids]
        found = int(np.count_nonzero(keep))
        if found >= min(k, answerable) or wanted >= n_tracks or len(ranked) < wanted:
            return ranked.keeping(keep, k)
        wanted = min(n_tracks, wanted * GROWTH)


def first_request(k: int, available: int, n_tracks: int) -> int:
    """Candidates to ask for first: enough for k allowed ones if they were spread evenly."""
    expected = math.ceil(k * n_tracks / available * HEADROOM)
    return min(n_tracks, max(MIN_CANDIDATES, k, expected))


class RanksByScore(Recommender):
    """A model whose own ranking is the whole catalog by `score` (through an approximate index
    at most): ALS, the two-tower, popularity. Restricted to some tracks, it finds its best of
    them by scoring just them when they are few for the number asked (`SCORE_OR_SEARCH`)."""

    _allowed: np.ndarray | None = None
    """The mask a view from `restricted_to` answers from (None: any track)."""
    _n_allowed: int = 0

    def restricted_to(self, allowed: np.ndarray) -> Recommender:
        view = copy.copy(self)
        view.restricted, view._allowed = True, allowed
        view._n_allowed = int(np.count_nonzero(allowed))
        return view

    def _own_ranking(self, query: PlaylistQuery, k: int) -> Recommendations:
        allowed = self._allowed
        if allowed is None:
            return self._recommend(query, k)
        if self._n_allowed ** 2 > SCORE_OR_SEARCH * k * len(allowed):
            return best_allowed(self._recommend, query, k, allowed)
        ids = np.flatnonzero(allowed)
        ids = ids[~np.isin(ids, np.asarray(query.seeds, np.int64))]
        scores = np.asarray(self._score(query, ids), np.float32)
        scored = np.isfinite(scores)
        ids, scores = ids[scored], scores[scored]
        best = top_k(scores, k)
        return Recommendations(ids[best.ids], best.scores)
