"""The challenge split (no leaks, right categories) and the evaluation report."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from model_data import genre_data

from models.base import PlaylistQuery, Recommendations, Recommender
from models.evaluation import (
    CATEGORIES,
    CATEGORY_KEYS,
    SEEDED_KEYS,
    distinct_in_order,
    evaluate,
    make_challenge_split,
    ratio,
    table_rows,
    without_per_case,
)
from models.leads import lead_rows, leads
from models.popularity import PopularityRecommender
from models.progress import Cancelled
from models.topk import top_k


@pytest.fixture(scope="module")
def synthetic():
    # lengths up to 260 so that every category can be served; a few repeats inside playlists
    data = genre_data(n_genres=4, tracks_per_genre=500, n_playlists=600, min_len=8,
                      max_len=260, seed=5)
    indices = data.indices.copy()
    indices[data.indptr[1:-1] - 1] = indices[data.indptr[:-2]]  # last track repeats the first
    return data, indices


@pytest.fixture(scope="module")
def split(synthetic):
    data, indices = synthetic
    return make_challenge_split(data.indptr, indices, data.names, 200, seed=11)


def playlist(synthetic, row: int) -> np.ndarray:
    data, indices = synthetic
    return indices[data.indptr[row]:data.indptr[row + 1]]


def test_held_out_playlists_never_reach_training(synthetic, split):
    data, _ = synthetic
    rows = {case.row for case in split.cases}
    assert rows == set(split.held_out_rows.tolist())
    assert not rows & set(split.train_rows.tolist())
    assert len(split.train_rows) + len(split.held_out_rows) == data.dataset.n_playlists
    train = data.dataset.with_rows(split.train_rows, "train")
    held = {tuple(data.dataset.interactions[r].indices) for r in rows}
    trained = {tuple(train.interactions[r].indices) for r in range(train.n_playlists)}
    assert not held & trained
    # the held-out interactions are exactly what training lacks
    assert train.interactions.nnz + sum(
        data.dataset.interactions[r].nnz for r in rows) == data.dataset.interactions.nnz


def test_cases_follow_the_ten_categories(synthetic, split):
    data, _ = synthetic
    assert split.counts() == dict.fromkeys(CATEGORY_KEYS, 20)
    spec = {c.key: c for c in CATEGORIES}
    for case in split.cases:
        category = spec[case.category]
        tracks = distinct_in_order(playlist(synthetic, case.row))
        assert category.min_tracks <= tracks.size
        assert len(case.query.seeds) == category.n_seeds
        assert (case.query.name != "") == category.with_title
        if category.with_title:
            assert case.query.name == data.names[case.row]
        if not category.random_seeds:
            assert list(case.query.seeds) == tracks[:category.n_seeds].tolist()
        assert set(case.query.seeds) <= set(tracks.tolist())
        # the truth is the rest of the playlist: distinct, without the seeds
        assert len(set(case.truth.tolist())) == case.truth.size > 0
        assert set(case.truth.tolist()) == set(tracks.tolist()) - set(case.query.seeds)


def test_random_seeds_are_not_the_first_tracks(synthetic, split):
    random_cases = [c for c in split.cases if c.category == "title_random_25"]
    firsts = [distinct_in_order(playlist(synthetic, c.row))[:25].tolist() for c in random_cases]
    assert any(list(c.query.seeds) != f for c, f in zip(random_cases, firsts, strict=True))


def test_split_is_deterministic_given_the_seed(synthetic, split):
    data, indices = synthetic
    again = make_challenge_split(data.indptr, indices, data.names, 200, seed=11)
    other = make_challenge_split(data.indptr, indices, data.names, 200, seed=12)
    assert [(c.row, c.query) for c in again.cases] == [(c.row, c.query) for c in split.cases]
    np.testing.assert_array_equal(again.train_rows, split.train_rows)
    assert [c.row for c in other.cases] != [c.row for c in split.cases]


def test_short_data_gives_fewer_cases_for_long_categories():
    data = genre_data(n_playlists=200, min_len=8, max_len=60, seed=2)
    split = make_challenge_split(data.indptr, data.indices, data.names, 100, seed=0)
    counts = split.counts()
    assert counts["title_first_100"] == counts["title_random_100"] == 0
    assert counts["title_only"] == 10
    assert len(split.train_rows) == 200 - len(split.cases)


class Oracle(Recommender):
    """Returns each case's truth first (cases asked in order): the best any model can do."""

    name = "oracle"

    def __init__(self, cases, n_tracks: int) -> None:
        super().__init__()
        self.answers: dict[PlaylistQuery, list[np.ndarray]] = {}
        for case in cases:
            self.answers.setdefault(case.query, []).append(case.truth)
        self.n_tracks = n_tracks

    def fit(self, data, progress=None, cancel=None) -> None:
        raise NotImplementedError

    def recommend(self, query: PlaylistQuery, k: int = 500) -> Recommendations:
        scores = np.zeros(self.n_tracks, np.float32)
        scores[self.answers[query].pop(0)] = 1.0
        return top_k(scores, k, query.seeds)

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        return self.recommend(query, k)  # unused: `recommend` answers every case itself

    def _state(self):
        raise NotImplementedError

    def _restore(self, settings, arrays, data) -> None:
        raise NotImplementedError


def test_evaluate_reports_means_per_category_and_overall(synthetic, split):
    data, _ = synthetic
    cases = split.cases
    popularity = PopularityRecommender()
    popularity.fit(data.dataset.with_rows(split.train_rows, "train"))
    oracle = Oracle(cases, data.dataset.n_tracks)
    seen = []
    report = evaluate({"popularity": popularity, "oracle": oracle}, cases,
                      data.dataset.track_artist, k=500, progress=seen.append)
    json.dumps(report, allow_nan=False)
    assert report["n_cases"] == len(cases) and report["k"] == 500
    assert [c["key"] for c in report["categories"]] == list(CATEGORY_KEYS)
    best = report["models"]["oracle"]
    assert best["overall"] == {"r_precision": 1.0, "r_precision_artist": 1.0, "ndcg": 1.0,
                               "clicks": 0.0}
    pop = report["models"]["popularity"]
    assert 0 < pop["overall"]["r_precision"] < 1 and pop["overall"]["clicks"] > 0
    assert seen and seen[-1].done == seen[-1].total
    header, rows = table_rows(report, "ndcg")
    assert header[0] == "model" and header[-1] == "overall" and len(header) == 12
    assert rows[1] == ["oracle"] + ["1.000"] * 11
    assert ratio(report, "oracle", "popularity", categories=SEEDED_KEYS) > 1


def test_the_best_models_lead_is_paired_playlist_by_playlist(synthetic, split):
    """The lead over each model: the mean of per-playlist differences, with Student's t 95%
    interval (as scipy's paired t-test gives it); within chance where the interval holds 0."""
    from scipy.stats import ttest_rel

    data, _ = synthetic
    popularity = PopularityRecommender()
    popularity.fit(data.dataset.with_rows(split.train_rows, "train"))
    oracle = Oracle(split.cases, data.dataset.n_tracks)
    report = evaluate({"popularity": popularity, "same": popularity, "oracle": oracle},
                      split.cases, data.dataset.track_artist)
    json.dumps(report, allow_nan=False)
    closest, lead = leads(report)  # closest first: the two are as far behind
    assert {closest.other, lead.other} == {"popularity", "same"} and lead.best == "oracle"
    scores = {name: np.array(result["per_case"]["r_precision"])
              for name, result in report["models"].items()}
    expected = ttest_rel(scores["oracle"], scores["popularity"]).confidence_interval(0.95)
    assert lead.ahead_by == pytest.approx(1 - report["models"]["popularity"]["overall"]["r_precision"])
    assert (lead.low, lead.high) == pytest.approx((expected.low, expected.high))
    assert lead.beyond_chance and lead.n_cases == len(split.cases)
    assert lead.describe().startswith(f"oracle leads {lead.other} by {lead.ahead_by:.3f} ")
    by_clicks = leads(report, "clicks")[0]  # fewer is better
    assert by_clicks.best == "oracle" and by_clicks.ahead_by > 0
    twins = leads(only(report, "popularity", "same"))
    assert [(t.ahead_by, t.low, t.high, t.beyond_chance) for t in twins] == [(0, 0, 0, False)]
    assert twins[0].describe() == (f"popularity and same tie on r_precision (the same score on "
                                   f"each of these {len(split.cases)} playlists)")
    earlier = without_per_case(report)  # as a report saved before the per-playlist scores
    assert leads(earlier) == [] and "per_case" not in earlier["models"]["oracle"]
    title, header, rows = lead_rows(leads(report))
    assert title == f"r_precision behind oracle, on the same {len(split.cases)} held-out playlists"
    assert header[1] == "behind oracle by" and [row[-1] for row in rows] == ["yes", "yes"]


def _two_models(first: list[float], second: list[float]) -> dict:
    """A report of two models' per-playlist R-precision, as `evaluate` saves it."""
    return {"n_cases": len(first), "models": {
        name: {"per_case": {"r_precision": scores}}
        for name, scores in (("popularity", first), ("title", second))}}


def test_equal_means_are_said_to_tie_not_to_lead_by_0_000():
    """It said "popularity ahead by 0.000" of a model with the same mean."""
    same = leads(_two_models([0.1, 0.0, 0.2], [0.1, 0.0, 0.2]))[0]
    assert same.tied and not same.beyond_chance
    assert same.describe() == ("popularity and title tie on r_precision (the same score on "
                               "each of these 3 playlists)")
    # the same mean from other scores: a tie too, with its interval
    swapped = leads(_two_models([0.1, 0.3, 0.2], [0.3, 0.1, 0.2]))[0]
    assert swapped.tied and "ahead" not in swapped.describe()
    assert swapped.describe().startswith("popularity and title tie on r_precision (the same "
                                         "mean, 95% interval -")
    _, _, rows = lead_rows([same, swapped])
    assert [row[1] for row in rows] == ["0 (a tie)", "0 (a tie)"]
    # a lead too small for three places is not shown as 0.000 either
    close = leads(_two_models([0.1003, 0.2, 0.3], [0.1, 0.2, 0.3]))[0]
    assert not close.tied and close.best == "popularity"
    assert "ahead by under 0.001 r_precision" in close.describe()
    assert lead_rows([close])[2][0][1] == "under 0.001"


def only(report, *names):
    return {**report, "models": {name: report["models"][name] for name in names}}


def test_evaluate_stops_when_cancelled(synthetic, split):
    data, _ = synthetic
    model = PopularityRecommender()
    model.fit(data.dataset)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        evaluate({"popularity": model}, split.cases, data.dataset.track_artist, cancel=cancel)


def test_split_leaves_the_callers_playlists_untouched(synthetic):
    data, synthetic_indices = synthetic
    # the store's dtypes: scipy then shares the indices array instead of converting it
    indices, indptr = synthetic_indices.astype(np.int32), data.indptr.astype(np.int64)
    before = indices.copy()
    make_challenge_split(indptr, indices, data.names, 200, seed=3)
    np.testing.assert_array_equal(indices, before)  # repeats must not be compacted in place
