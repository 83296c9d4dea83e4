"""Every model answers with k tracks: the title model, then popularity, answer what it cannot."""

from __future__ import annotations

import numpy as np
import pytest
from model_data import UNPLAYED, contract_dataset
from short_model import ShortModel

from models.base import PlaylistQuery, Recommender, link_fallbacks
from models.dataset import Dataset
from models.knn import ItemKNNRecommender, ItemKNNSettings
from models.popularity import PopularityRecommender
from models.title import TitleRecommender


@pytest.fixture(scope="module")
def data() -> Dataset:
    return contract_dataset()


@pytest.fixture(scope="module")
def fitted(data: Dataset) -> dict[str, Recommender]:
    models: dict[str, Recommender] = {"title": TitleRecommender(),
                                      "item_knn": ItemKNNRecommender(ItemKNNSettings(neighbours=30)),
                                      "popularity": PopularityRecommender()}
    for model in models.values():
        model.fit(data)
    link_fallbacks(models)
    return models


def test_link_fallbacks_lets_the_title_model_answer_for_the_others(fitted):
    assert fitted["item_knn"].fallback is fitted["title"]
    assert fitted["title"].fallback is None and fitted["popularity"].fallback is None


def test_a_name_alone_is_answered_by_the_title_model(fitted, data: Dataset):
    query = PlaylistQuery.of(data.playlist_names[3])
    recs = fitted["item_knn"].recommend(query, 20)
    np.testing.assert_array_equal(recs.ids, fitted["title"].recommend(query, 20).ids)
    assert recs.fallback == "item_knn: no seeds, and it reads no names; answered by title"
    assert recs.own == 0  # every track is the fallback's


def test_unknown_seeds_and_a_name_are_answered_by_the_title_model(fitted, data: Dataset):
    unplayed = [data.n_tracks - 1 - i for i in range(UNPLAYED)]
    query = PlaylistQuery.of(data.playlist_names[3], [*unplayed, data.n_tracks + 3])
    recs = fitted["item_knn"].recommend(query, 20)
    assert set(recs.unknown_seeds) == {*unplayed, data.n_tracks + 3}
    assert recs.fallback.startswith("item_knn: no seed in any training playlist")
    expected = fitted["title"].recommend(PlaylistQuery.of(data.playlist_names[3]), 20 + UNPLAYED)
    assert recs.ids.tolist() == [t for t in expected.ids.tolist() if t not in unplayed][:20]


def test_without_a_name_the_title_model_passes_on_to_popularity(fitted, data: Dataset):
    for name in ("!!!", " "):  # a name of no words or symbols, none
        recs = fitted["item_knn"].recommend(PlaylistQuery.of(name), 20)
        np.testing.assert_array_equal(recs.ids,
                                      fitted["popularity"].recommend(PlaylistQuery.of(), 20).ids)
        said = ", and it reads no names" if name.strip() else " and no name"
        assert recs.fallback == f"item_knn: no seeds{said}; answered by title then popularity"
    title_says = fitted["title"].recommend(PlaylistQuery.of("!!!"), 20).fallback
    assert title_says.startswith("title: no seeds and a name of no words it reads"), title_says


def test_a_short_answer_is_topped_up_below_its_own_tracks(fitted, data: Dataset):
    short = ShortModel()
    short.fit(data)
    short.fallback = fitted["title"]
    query = PlaylistQuery.of(data.playlist_names[0], [8, 1])
    recs = short.recommend(query, 20)
    assert recs.ids[:2].tolist() == [7, 9] and len(set(recs.ids.tolist())) == 20
    assert not {8, 1} & set(recs.ids.tolist())
    assert np.all(np.diff(recs.scores) < 0)  # the title model's tracks rank after its own
    assert recs.fallback == "short: 2 tracks found; answered by title"
    assert recs.own == 2  # its own two, then the title model's


def test_how_many_tracks_are_the_models_own_survives_filtering(fitted, data: Dataset):
    from models.filtered import recommend_allowed

    short = ShortModel()
    short.fit(data)
    short.fallback = fitted["title"]
    query = PlaylistQuery.of(data.playlist_names[0], [1])
    assert short.recommend(query, 2).own is None  # enough of its own: no fallback
    allowed = np.ones(data.n_tracks, bool)
    allowed[8] = False  # one of its own three filtered out
    recs = recommend_allowed(short, query, 10, allowed)
    assert recs.ids[:2].tolist() == [7, 9] and recs.own == 2 and len(recs) == 10
    assert recommend_allowed(short, query, 1, allowed).own in (None, 1)
    allowed[[7, 9]] = False  # none of its own allowed: all the fallback's
    assert recommend_allowed(short, query, 5, allowed).own == 0


def test_seeds_without_a_name_are_said_to_have_no_name_not_an_unknown_one(fitted, data: Dataset):
    """`suggest --seed URI --model title` said "no training playlist has a name like this"
    of a playlist that has no name at all."""
    seeds = data.interactions[2].indices[:2].tolist()
    recs = fitted["title"].recommend(PlaylistQuery.of("", seeds), 20)
    assert recs.fallback == "title: no name; answered by popularity" and recs.own == 0
    named = fitted["title"].recommend(PlaylistQuery.of("zzqx wvvk", seeds), 20)
    assert named.fallback == ("title: no training playlist has a name like this; "
                              "answered by popularity")
