"""`sparse_top_k` answers exactly what `top_k` over the dense, backed-off scores answers."""

from __future__ import annotations

import numpy as np
import pytest

from models.popularity import backoff_scores, with_backoff
from models.ranker_features import _ranks
from models.topk import best_first, sparse_top_k, top_k


@pytest.mark.parametrize("seed", range(40))
def test_sparse_top_k_equals_dense(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    popularity = rng.integers(0, 5, n)  # many ties, in the back-off too
    backoff = backoff_scores(popularity)
    ids = np.sort(rng.choice(n, int(rng.integers(0, n + 1)), replace=False))
    values = rng.choice([0.0, 0.5, 1.0, 2.0, 3.5], ids.size).astype(np.float32)  # ties, zeros
    exclude = rng.choice(n, int(rng.integers(0, min(n, 10) + 1)), replace=False)
    k = int(rng.integers(0, n + 5))
    dense = np.zeros(n, np.float32)
    dense[ids] = values
    expected = top_k(with_backoff(dense, backoff), k, exclude)
    got = sparse_top_k(ids, values, k, exclude, backoff, best_first(backoff))
    np.testing.assert_array_equal(got.ids, expected.ids)
    np.testing.assert_array_equal(got.scores, expected.scores)


def test_ranks_are_positions_in_the_list() -> None:
    listed = np.array([40, 7, 12, 3])
    ids = np.array([3, 5, 7, 40, 99, 12])
    np.testing.assert_array_equal(_ranks(listed, ids, 10), [4, 20, 2, 1, 20, 3])
    np.testing.assert_array_equal(_ranks(np.empty(0, np.int64), ids, 10), [20] * 6)
