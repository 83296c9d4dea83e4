"""The RecSys Challenge 2018 metrics for one playlist: R-precision, NDCG, clicks.

`truth` is the held-out tracks (distinct), `ranked` the recommended track ids, best first. A
track the list repeats is relevant at its first position only, as the challenge's set
intersections count it (its submissions could not repeat one; a model's list is not checked).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ARTIST_CREDIT = 0.25
PAGE = 10
NO_CLICK = 51
CUTOFF = 500
"""The challenge's list length: NDCG's ideal list holds at most this many relevant tracks."""


def _hits(truth: Sequence[int] | np.ndarray, ranked: Sequence[int] | np.ndarray) -> np.ndarray:
    """Per position of `ranked`: a relevant track at its first position in the list."""
    ranked = np.asarray(ranked, np.int64)
    first = np.zeros(ranked.size, bool)
    first[np.unique(ranked, return_index=True)[1]] = True
    return first & np.isin(ranked, np.asarray(truth, np.int64))


def r_precision(truth: Sequence[int] | np.ndarray, ranked: Sequence[int] | np.ndarray,
                track_artist: np.ndarray | None = None) -> float:
    """Relevant tracks among the first |truth| recommended, over |truth|.

    With `track_artist`, the challenge's variant: each distinct ground-truth artist of a wrong
    track among those first |truth| adds 0.25 (an artist counts once however many of its
    wrong tracks appear).
    """
    truth = np.unique(np.asarray(truth, np.int64))
    if truth.size == 0:
        return 0.0
    head = np.asarray(ranked, np.int64)[: truth.size]
    hit = np.isin(head, truth)
    score = float(_hits(truth, head).sum())
    if track_artist is not None:
        wrong_artists = np.unique(track_artist[head[~hit]])
        score += ARTIST_CREDIT * np.isin(wrong_artists, track_artist[truth]).sum()
    return score / truth.size


def ndcg(truth: Sequence[int] | np.ndarray, ranked: Sequence[int] | np.ndarray,
         cutoff: int = CUTOFF) -> float:
    """DCG of the first `cutoff` tracks (rel_1 + sum rel_i / log2 i) over the DCG of the ideal
    ranking: min(|truth|, cutoff) relevant tracks first.

    The ideal does not shrink with a short list: a list of one hit would otherwise be perfect
    however many tracks it missed. (The challenge's text sized the ideal by |truth ∩ ranked|,
    which has that flaw for every list; the ideal here is the usual one.)
    """
    truth_size = np.unique(np.asarray(truth, np.int64)).size
    ranked = np.asarray(ranked, np.int64)[:cutoff]
    if truth_size == 0 or ranked.size == 0:
        return 0.0
    discount = 1.0 / np.log2(np.maximum(np.arange(1, max(ranked.size, truth_size) + 1), 2))
    dcg = float(discount[: ranked.size][_hits(truth, ranked)].sum())
    ideal = float(discount[: min(truth_size, cutoff)].sum())
    return dcg / ideal


def clicks(truth: Sequence[int] | np.ndarray, ranked: Sequence[int] | np.ndarray) -> int:
    """Recommended Songs Clicks: 10-track pages seen before the first relevant one; 51 if none."""
    hit = np.flatnonzero(_hits(truth, ranked))
    return int(hit[0] // PAGE) if hit.size else NO_CLICK


METRICS: tuple[str, ...] = ("r_precision", "r_precision_artist", "ndcg", "clicks")
"""Names of the metrics `score` returns, in report order."""


def score(truth: Sequence[int] | np.ndarray, ranked: Sequence[int] | np.ndarray,
          track_artist: np.ndarray, cutoff: int = CUTOFF) -> dict[str, float]:
    """Every metric for one playlist; `cutoff`: the list length asked for."""
    return {
        "r_precision": r_precision(truth, ranked),
        "r_precision_artist": r_precision(truth, ranked, track_artist),
        "ndcg": ndcg(truth, ranked, cutoff),
        "clicks": float(clicks(truth, ranked)),
    }
