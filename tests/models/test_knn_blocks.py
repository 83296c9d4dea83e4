"""Item-kNN's blocked neighbours: the same as implicit's one-call `all_pairs_knn`, and a fit that
stops between blocks."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import scipy.sparse as sp
from implicit.nearest_neighbours import (
    BM25Recommender,
    CosineRecommender,
    ItemItemRecommender,
    all_pairs_knn,
    bm25_weight,
)
from model_data import genre_data

from models import knn_blocks
from models.knn import ItemKNNRecommender, ItemKNNSettings, damped_cosine
from models.knn_blocks import nearest_tracks
from models.progress import Cancelled, Progress


def _ties_matrix(seed: int, n_playlists: int = 400, n_tracks: int = 300) -> sp.csr_matrix:
    """Binary playlists of 2-12 tracks drawn from a skewed catalog: many tracks share their
    playlists exactly, so ties at the K-th neighbour are common."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_tracks + 1)
    rows = [rng.choice(n_tracks, rng.integers(2, 13), replace=False, p=popularity / popularity.sum())
            for _ in range(n_playlists)]
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    matrix = sp.csr_matrix((np.ones(indptr[-1]), np.concatenate(rows), indptr),
                           shape=(n_playlists, n_tracks))
    matrix.sort_indices()
    return matrix


def _assert_same(found: sp.csr_matrix, expected: sp.csr_matrix) -> None:
    expected = expected.tocsr()
    expected.eliminate_zeros()  # all_pairs_knn's padding of short rows, summed into (0, 0)
    np.testing.assert_array_equal(found.indptr, expected.indptr)
    np.testing.assert_array_equal(found.indices, expected.indices)
    np.testing.assert_array_equal(found.data, expected.data)


def _tied_rows(similarity: sp.csr_matrix, full: sp.csr_matrix, k: int) -> int:
    """Rows whose k-th score is shared by a track left out: where the choice among ties shows."""
    tied = 0
    for row in range(full.shape[0]):
        scores = full.data[full.indptr[row]:full.indptr[row + 1]]
        if len(scores) > k:
            kth = np.sort(scores)[-k]
            tied += int((scores == kth).sum() > (similarity[row].data == kth).sum())
    return tied


@pytest.mark.parametrize("weighting", ["cosine", "bm25"])
@pytest.mark.parametrize("threads", [1, 3])
def test_blocks_give_implicits_neighbours_ties_included(weighting, threads):
    counts = _ties_matrix(seed=7)
    by_track = counts.T
    weighted = (damped_cosine(by_track, 5.0) if weighting == "cosine"
                else bm25_weight(by_track, 1.2, 0.75)).T.tocsr()
    k = 10
    expected = all_pairs_knn(weighted, k, num_threads=1, show_progress=False)
    reports: list[tuple[int, int]] = []
    found = nearest_tracks(weighted, k, threads, lambda done, total: reports.append((done, total)),
                           block_work=3_000)
    assert len(reports) > 5 and reports[-1] == (300, 300)
    assert _tied_rows(expected.tocsr(), weighted.T @ weighted, k) > 20
    _assert_same(found, expected)


@pytest.mark.filterwarnings("ignore:Method expects CSR input")  # implicit's own BM25 fit
@pytest.mark.parametrize("settings", [ItemKNNSettings(neighbours=15, damping=0.0),
                                      ItemKNNSettings(neighbours=15, weighting="bm25")])
def test_item_knn_fit_keeps_implicits_recommender_similarities(settings):
    dataset = genre_data(seed=2).dataset
    model = ItemKNNRecommender(settings)
    model.fit(dataset)
    reference: ItemItemRecommender = (
        BM25Recommender(K=15, K1=settings.bm25_k1, B=settings.bm25_b, num_threads=1)
        if settings.weighting == "bm25" else CosineRecommender(K=15, num_threads=1))
    reference.fit(dataset.interactions, show_progress=False)
    expected = reference.similarity.astype(np.float32)
    _assert_same(model.similarity, expected)


def test_a_stop_set_after_the_first_block_ends_the_fit_before_the_last(monkeypatch):
    monkeypatch.setattr(knn_blocks, "BLOCK_WORK", 3_000)
    dataset = genre_data(seed=1).dataset
    cancel = threading.Event()
    seen: list[Progress] = []

    def progress(report: Progress) -> None:
        seen.append(report)
        if report.done > 0:
            cancel.set()

    model = ItemKNNRecommender(ItemKNNSettings(neighbours=20, num_threads=1))
    with pytest.raises(Cancelled):
        model.fit(dataset, progress, cancel)
    blocks = [r for r in seen if r.done > 0]
    assert len(blocks) == 1 and blocks[0].done < blocks[0].total == dataset.n_tracks
    assert model.similarity.shape == (0, 0)  # nothing half-made kept
