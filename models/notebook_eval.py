"""The old notebook's view, for comparison with the challenge protocol.

The notebook hid 20% of every playlist's tracks with `implicit.evaluation.train_test_split`,
trained ALS on the BM25-weighted rest and measured `precision_at_k`; it then swept the
confidence alpha over 0..9 (precision@100 rose from 0.003 at alpha 0 to 0.18 at alpha 9 on
1,000 real playlists). Here the same, on any Dataset, with our ALS settings otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from models.als import BM25, ALSSettings, implicit_als
from models.dataset import Dataset
from models.progress import ProgressCallback, check_cancel, report


@dataclass(frozen=True)
class AlphaPoint:
    """precision@k of ALS trained with one confidence alpha."""

    alpha: float
    precision: float


def notebook_split(data: Dataset, train_percentage: float = 0.8, seed: int = 0,
                   max_playlists: int | None = None) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Train and test matrices as the notebook made them (optionally on a playlist sample)."""
    from implicit.evaluation import train_test_split

    interactions = data.interactions
    if max_playlists is not None and max_playlists < interactions.shape[0]:
        rows = np.sort(np.random.default_rng(seed).choice(
            interactions.shape[0], max_playlists, replace=False))
        interactions = interactions[rows]
    train, test = train_test_split(interactions.tocoo(), train_percentage, random_state=seed)
    return train.tocsr().astype(np.float32), test.tocsr().astype(np.float32)


def precision_at_k(train: sp.csr_matrix, test: sp.csr_matrix, settings: ALSSettings | None = None,
                   k: int = 100) -> float:
    """Train implicit's ALS on BM25(train) with `settings`, then implicit's precision@k."""
    from implicit.evaluation import precision_at_k as implicit_precision

    settings = settings or ALSSettings()
    bm25 = BM25.fit(train, settings.bm25_k1, settings.bm25_b)
    with threadpool_limits(1, "blas"):
        model = implicit_als(settings)
        model.fit(bm25.weigh(train), show_progress=False)
        return float(implicit_precision(model, train, test, K=k, show_progress=False))


def alpha_sweep(data: Dataset, alphas: Iterable[float] = range(10), k: int = 100,
                settings: ALSSettings | None = None, train_percentage: float = 0.8,
                seed: int = 0, max_playlists: int | None = None,
                progress: ProgressCallback | None = None,
                cancel: threading.Event | None = None) -> list[AlphaPoint]:
    """precision@k for each alpha, on one notebook-style split."""
    alphas = [float(a) for a in alphas]
    train, test = notebook_split(data, train_percentage, seed, max_playlists)
    settings = settings or ALSSettings()
    points = []
    for done, alpha in enumerate(alphas):
        check_cancel(cancel)
        report(progress, "alpha sweep", done, len(alphas), f"alpha {alpha:g}")
        points.append(AlphaPoint(alpha, precision_at_k(train, test, replace(settings, alpha=alpha),
                                                       k)))
    report(progress, "alpha sweep", len(alphas), len(alphas), "done")
    return points
