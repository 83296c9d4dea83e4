"""Suggestion scores on one scale for people: 0 to 1, relative to the list's best.

Each model scores on its own scale (the blend's fused ranks near 1, the title model's BM25 in
the tens, ALS dot products that may be negative), so a raw score says nothing across models.
The front ends show `relative(scores)`: each suggestion's score over the best one's, so the
top suggestion is 1.00 and 0.50 means "half the top one's score" for any model. When the
best score is not positive (nothing to divide by) the scale is by rank: 1 for the first,
falling evenly towards 0 for the last. The raw number stays available as `model_score`.
"""

from __future__ import annotations

from collections.abc import Sequence


def relative(scores: Sequence[float]) -> list[float]:
    """Scores in list order (best first) on the 0-1 scale, rounded to 4 places."""
    if not scores:
        return []
    top = max(scores)
    if top <= 0:
        count = len(scores)
        return [round(1 - index / count, 4) for index in range(count)]
    return [round(min(max(score / top, 0.0), 1.0), 4) for score in scores]
