"""The ranker's booster stops once validation NDCG gains less than `min_improvement`."""

from __future__ import annotations

import numpy as np

from models.ranker_booster import train_booster
from models.ranker_settings import RankerSettings


def synthetic_rows(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cases whose relevant candidates show in the first feature, with noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(200):
        labels = (rng.random(40) < 0.15).astype(np.int32)
        features = rng.normal(size=(40, 3)).astype(np.float32)
        features[:, 0] += labels * rng.uniform(0.2, 2.0)
        rows.append((features, labels))
    return rows


def rounds(min_improvement: float) -> int:
    """Boosting rounds run (as reported), not those kept."""
    settings = RankerSettings(max_rounds=120, early_stopping=10, min_data_in_leaf=5,
                              min_improvement=min_improvement)
    reported: list[float] = []
    booster, _ = train_booster(synthetic_rows(), ["signal", "a", "b"], settings,
                               lambda p: reported.append(p.done), None)
    assert booster is not None
    return int(max(reported))


def test_a_gain_below_min_improvement_counts_as_none() -> None:
    # nothing is an improvement of 1.0: the first round stays the best, 10 more are tried
    assert rounds(1.0) == 11
    assert rounds(0.0) > rounds(1.0)
