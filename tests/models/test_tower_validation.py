"""The two-tower validation's pruned count equals scoring every track (numpy only)."""

from __future__ import annotations

import numpy as np
import pytest

from models.tower_validation import count_above, top_k_accuracy


def brute_force(queries: np.ndarray, candidates: np.ndarray, targets: np.ndarray,
                cap: int) -> np.ndarray:
    scores = queries @ candidates.T
    target_scores = scores[np.arange(len(targets)), targets]
    above = scores > target_scores[:, None]
    above[np.arange(len(targets)), targets] = False
    return np.minimum(above.sum(axis=1), cap)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("block", [1, 7, 64, 10_000])
def test_count_above_equals_scoring_every_track(seed: int, block: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 600)), int(rng.integers(1, 80))
    # values on a coarse grid (exact float sums: no rounding ties) and very different norms
    candidates = (rng.integers(-8, 9, (n, 16)) / 8 * rng.choice([0.25, 1, 4], (n, 1)))
    queries = rng.integers(-8, 9, (m, 16)) / 8
    candidates[rng.integers(0, n)] = candidates[0]  # a duplicate vector: a tie, not above
    targets = rng.integers(0, n, m)
    cap = int(rng.choice([1, 10, 100]))
    got = count_above(queries.astype(np.float32), candidates.astype(np.float32), targets, cap,
                      block)
    np.testing.assert_array_equal(got, brute_force(queries, candidates, targets, cap))


def test_top_k_accuracy_is_the_share_below_k() -> None:
    counts = np.array([0, 5, 9, 10, 50, 100])
    assert top_k_accuracy(counts, (10, 100)) == {10: 0.5, 100: 5 / 6}
    assert top_k_accuracy(np.empty(0, np.int64)) == {10: 0.0, 100: 0.0}
