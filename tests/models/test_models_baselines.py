"""Popularity, title and item-kNN: the shared contract, their behaviour, and the registry."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from model_contract import ModelContract
from model_data import genre_data

from models.base import PlaylistQuery
from models.knn import ItemKNNRecommender, ItemKNNSettings
from models.popularity import PopularityRecommender
from models.registry import (
    MODEL_NAMES,
    UnknownModelError,
    check_settings,
    create_model,
    default_settings,
    model_class,
)
from models.title import TitleRecommender, TitleSettings


class TestPopularityContract(ModelContract):
    def make_model(self):
        return PopularityRecommender()


class TestTitleContract(ModelContract):
    def make_model(self):
        return TitleRecommender()


class TestItemKNNContract(ModelContract):
    def make_model(self):
        return ItemKNNRecommender(ItemKNNSettings(neighbours=30))


class TestItemKNNBM25Contract(ModelContract):
    def make_model(self):
        return ItemKNNRecommender(ItemKNNSettings(weighting="bm25", neighbours=30))


@pytest.fixture(scope="module")
def genres():
    return genre_data(n_genres=4, tracks_per_genre=60, n_playlists=400, seed=3)


def genre_share(ids: np.ndarray, track_genre: np.ndarray, genre: int) -> float:
    return float(np.mean(track_genre[ids] == genre))


def test_popularity_ranks_by_playlist_count(genres):
    model = PopularityRecommender()
    model.fit(genres.dataset)
    counts = genres.dataset.track_popularity()
    ids = model.recommend(PlaylistQuery.of(), 50).ids
    assert np.all(np.diff(counts[ids]) <= 0)
    assert counts[ids[0]] == counts.max()


@pytest.mark.parametrize("settings", [ItemKNNSettings(), ItemKNNSettings(weighting="bm25")])
def test_item_knn_seeds_from_one_genre_give_that_genre(genres, settings):
    model = ItemKNNRecommender(settings)
    model.fit(genres.dataset)
    for genre in range(4):
        seeds = np.flatnonzero(genres.track_genre == genre)[:5]
        ids = model.recommend(PlaylistQuery.of("", seeds.tolist()), 20).ids
        assert genre_share(ids, genres.track_genre, genre) >= 0.8


def test_title_gives_the_named_genres_tracks(genres):
    model = TitleRecommender()
    model.fit(genres.dataset)
    for genre, name in enumerate(["Rock", "smooth", "rap bars", "country roads"]):
        ids = model.recommend(PlaylistQuery.of(name), 20).ids
        assert genre_share(ids, genres.track_genre, genre) >= 0.8, name


def test_title_borrows_from_similar_names_and_backs_off_to_popularity(genres):
    model = TitleRecommender(TitleSettings(similar_weight=0.5))
    model.fit(genres.dataset)
    _, weights = model.name_weights("jazz sax")
    assert weights.max() == 1.0 and weights.min() < 1.0  # exact name plus "jazz", "sax", ...
    borrowed = model.recommend(PlaylistQuery.of("late night jazz"), 20).ids
    assert genre_share(borrowed, genres.track_genre, 1) >= 0.8
    popularity = PopularityRecommender()
    popularity.fit(genres.dataset)
    unknown = model.recommend(PlaylistQuery.of("zzqx"), 20)
    np.testing.assert_array_equal(unknown.ids, popularity.recommend(PlaylistQuery.of(), 20).ids)


def test_seeds_outside_the_catalog_are_ignored(genres):
    for model in (PopularityRecommender(), TitleRecommender(), ItemKNNRecommender()):
        model.fit(genres.dataset)
        n = genres.dataset.n_tracks
        recs = model.recommend(PlaylistQuery.of("rock", [0, n + 5, -1]), 10)
        assert len(recs) == 10 and 0 not in recs.ids.tolist()


class _CountedSeeds(tuple):
    """Seeds that count how often they are read through."""

    reads = 0

    def __iter__(self):
        type(self).reads += 1
        return super().__iter__()


class _CountingPopularity(PopularityRecommender):
    def _usable(self, query):
        usable, in_catalog = super()._usable(query)
        return PlaylistQuery(usable.name, _CountedSeeds(usable.seeds)), in_catalog


def test_a_long_playlists_seeds_are_read_through_a_few_times_not_once_a_seed():
    """A 10,000-track playlist's suggestions took seconds (the known seeds were made a set
    again for each seed: read through once a seed), holding the builder's app back meanwhile."""
    data = genre_data(n_genres=2, tracks_per_genre=1_000, n_playlists=100, seed=3).dataset
    model = _CountingPopularity()
    model.fit(data)
    seeds = [*range(2_000), data.n_tracks + 5]
    _CountedSeeds.reads = 0
    recs = model.recommend(PlaylistQuery.of("", seeds), 10)
    assert _CountedSeeds.reads < 10, _CountedSeeds.reads
    assert data.n_tracks + 5 in recs.unknown_seeds


def test_item_knn_rejects_unknown_weighting(genres):
    with pytest.raises(ValueError, match="weighting"):
        ItemKNNRecommender(ItemKNNSettings(weighting="tfidf")).fit(genres.dataset)  # type: ignore[arg-type]


def test_registry_creates_every_baseline_with_settings():
    assert MODEL_NAMES[:4] == ("popularity", "title", "item_knn", "als")
    assert {"two_tower", "blend", "ranker"} <= set(MODEL_NAMES)
    for name in ("popularity", "title", "item_knn", "als"):
        assert model_class(name).name == name
        assert create_model(name).name == name
        json.dumps(default_settings(name))
    model = create_model("item_knn", neighbours=7, weighting="cosine")
    assert model.settings.neighbours == 7 and model.settings.weighting == "cosine"
    assert create_model("als", factors=8).settings.factors == 8


def test_registry_names_unknown_models_and_settings():
    with pytest.raises(UnknownModelError, match=r"unknown model 'nope'.*popularity"):
        model_class("nope")
    with pytest.raises(UnknownModelError, match=r"no setting colour.*factors"):
        create_model("als", colour=3)


@pytest.mark.parametrize(("model", "settings", "problem"), [
    ("als", {"factors": "64"}, 'setting factors: expected a whole number, got "64"'),
    ("als", {"factors": 0}, "setting factors: expected at least 1, got 0"),
    ("als", {"regularization": -0.1}, "setting regularization: expected at least 0, got -0.1"),
    ("item_knn", {"weighting": "tfidf"}, 'setting weighting: expected one of bm25, cosine, got "tfidf"'),
    ("item_knn", {"bm25_b": 1.5}, "setting bm25_b: expected at most 1, got 1.5"),
    ("two_tower", {"learning_rate": 0.0}, "setting learning_rate: expected a number above 0, got 0.0"),
    ("two_tower", {"use_name": "yes"}, 'setting use_name: expected true or false, got "yes"'),
    ("two_tower", {"epochs": True}, "setting epochs: expected a whole number, got true"),
    ("two_tower", {"seed_counts": []}, "setting seed_counts: expected a list that is not empty"),
    ("two_tower", {"seed_counts": [0, -1]},
     "setting seed_counts: expected a list of whole numbers of at least 0, got [0, -1]"),
    ("ranker", {"num_leaves": 1}, "setting num_leaves: expected at least 2, got 1"),
    ("ranker", {"components": ["als", "blend"]}, "setting components: expected some of "
     'popularity, title, item_knn, als, two_tower, got ["als", "blend"]'),
])
def test_settings_a_model_cannot_train_with_are_refused_by_name(model: str, settings: dict,
                                                                problem: str) -> None:
    with pytest.raises(UnknownModelError, match=re.escape(f"model '{model}' {problem}")):
        check_settings(model, settings)


def test_settings_of_the_defaults_types_and_sizes_are_taken() -> None:
    for name in MODEL_NAMES:
        check_settings(name, default_settings(name))
    check_settings("two_tower", {"hidden": 0, "patience": 0, "learning_rate": 1,
                                 "seed_counts": [0, 5]})  # 0 = linear; an int for a float
    check_settings("ranker", {"components": ["als", "title"]})


def test_registry_does_not_import_tensorflow_for_the_baselines():
    code = (
        "import sys\n"
        "from models.registry import create_model\n"
        "for n in ('popularity', 'title', 'item_knn', 'als'): create_model(n)\n"
        "print(any(m == 'tensorflow' or m.startswith('tensorflow.') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_model_comes_after_the_models_it_is_built_on():
    from models.registry import DEFAULT_MODELS, MODELS, SERVING_ORDER, create_model

    for position, info in enumerate(MODELS):
        earlier = {i.name for i in MODELS[:position]}
        assert set(create_model(info.name).components_needed()) <= earlier, info.name
    assert "blend" not in DEFAULT_MODELS and DEFAULT_MODELS[-1] == "ranker"
    assert SERVING_ORDER[0] == "ranker" and sorted(SERVING_ORDER) == sorted(MODEL_NAMES)
