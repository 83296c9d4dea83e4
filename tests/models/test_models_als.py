"""ALS: the shared contract, fidelity to implicit, progress/cancel, behaviour, notebook view."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest
from implicit.nearest_neighbours import bm25_weight
from model_contract import ModelContract
from model_data import UNPLAYED, contract_dataset, genre_data

from models.als import BM25, ALSRecommender, ALSSettings
from models.base import PlaylistQuery
from models.notebook_eval import alpha_sweep, notebook_split, precision_at_k
from models.progress import Cancelled

SMALL = ALSSettings(factors=16, iterations=6)


class TestALSContract(ModelContract):
    def make_model(self):
        return ALSRecommender(SMALL)


@pytest.fixture(scope="module")
def genres():
    return genre_data(n_genres=4, tracks_per_genre=60, n_playlists=400, seed=3)


@pytest.fixture(scope="module")
def fitted(genres):
    model = ALSRecommender(SMALL)
    model.fit(genres.dataset)
    return model


def test_bm25_matches_implicit_and_weighs_new_playlists_alike(genres):
    matrix = genres.dataset.interactions
    bm25 = BM25.fit(matrix, 100.0, 0.8)
    ours = bm25.weigh(matrix)
    theirs = bm25_weight(matrix, K1=100, B=0.8).tocsr()
    theirs.sort_indices()
    np.testing.assert_array_equal(ours.indices, theirs.indices)
    np.testing.assert_allclose(ours.data, theirs.data, rtol=1e-5)
    row = matrix[5]
    folded = bm25.weigh_seeds(row.indices)
    np.testing.assert_allclose(folded.data, ours[5].data, rtol=1e-6)


def test_fold_in_equals_implicits_recalculate_user(fitted):
    seeds = np.array([3, 17, 42, 99])
    ours = fitted.recommend(PlaylistQuery.of("", seeds.tolist()), 50)
    ids, scores = fitted.model.recommend(0, fitted.bm25.weigh_seeds(seeds), N=50,
                                         recalculate_user=True)
    np.testing.assert_array_equal(ours.ids, ids)
    np.testing.assert_allclose(ours.scores, scores, rtol=1e-4, atol=1e-5)


def test_seeds_from_one_genre_give_that_genre(genres, fitted):
    for genre in range(4):
        seeds = np.flatnonzero(genres.track_genre == genre)[:5]
        ids = fitted.recommend(PlaylistQuery.of("", seeds.tolist()), 20).ids
        assert np.mean(genres.track_genre[ids] == genre) >= 0.8


def test_no_seeds_falls_back_to_popularity(genres, fitted):
    ids = fitted.recommend(PlaylistQuery.of("rock"), 10).ids
    counts = genres.dataset.track_popularity()
    assert np.all(np.diff(counts[ids]) <= 0) and counts[ids[0]] == counts.max()


def test_progress_reports_every_iteration(genres):
    seen = []
    ALSRecommender(SMALL).fit(genres.dataset, progress=seen.append)
    iterations = [p.done for p in seen if p.done > 0]
    assert iterations == list(range(1, SMALL.iterations + 1))
    assert all(p.stage == "als" and p.total == SMALL.iterations for p in seen)


def test_cancel_stops_fit_between_iterations(genres):
    cancel = threading.Event()
    seen = []

    def progress(report):
        seen.append(report.done)
        if report.done == 2:
            cancel.set()

    model = ALSRecommender(SMALL)
    with pytest.raises(Cancelled):
        model.fit(genres.dataset, progress=progress, cancel=cancel)
    assert max(seen) == 2


def test_the_notebook_view_rises_with_alpha(genres):
    train, test = notebook_split(genres.dataset, seed=1)
    assert train.multiply(test).nnz == 0
    assert train.nnz + test.nnz == genres.dataset.interactions.nnz
    points = alpha_sweep(genres.dataset, alphas=[0, 1], k=10, settings=SMALL, seed=1)
    assert [p.alpha for p in points] == [0.0, 1.0]
    assert 0.0 <= points[0].precision < points[1].precision <= 1.0
    assert points[1].precision == precision_at_k(train, test, SMALL, k=10)


def test_seeds_in_no_training_playlist_still_get_k_tracks_through_the_index():
    """Their factors are zero, and so is the folded-in playlist: the fallbacks answer, not an
    index search for a zero vector (the real-MPD `submit` failure of issue 18)."""
    data = contract_dataset()
    model = ALSRecommender(dataclasses.replace(SMALL, ann_min_items=50))
    model.fit(data)
    unplayed = [data.n_tracks - 1 - i for i in range(UNPLAYED)]
    assert model.index is not None and model.index.banded is not None
    recs = model.recommend(PlaylistQuery.of("", unplayed), 20)
    assert len(set(recs.ids.tolist())) == 20 and not set(recs.ids.tolist()) & set(unplayed)
    assert recs.fallback.startswith("als: no seed"), "the fallbacks answer, not a zero vector"
    assert recs.fallback.startswith("als: no seed in any training playlist")
