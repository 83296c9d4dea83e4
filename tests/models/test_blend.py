"""Blend: the shared contract, weights per seed bucket, given components, sibling save/load."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from model_contract import ModelContract
from model_data import genre_data

from models.base import PlaylistQuery
from models.blend import (
    BUCKETS,
    BlendRecommender,
    BlendSettings,
    bucket_of,
    rank_scores,
    simplex_grid,
)
from models.dataset import Dataset
from models.evaluation import evaluate, make_challenge_split
from models.model_dir import ModelFormatError
from models.registry import create_model

FAST = BlendSettings(components=("item_knn", "title", "popularity"), val_playlists=40,
                     grid_step=0.25, candidates=100)


class TestBlendContract(ModelContract):
    def make_model(self) -> BlendRecommender:
        return BlendRecommender(FAST)


def test_buckets_take_the_largest_at_or_below_the_seed_count():
    assert [bucket_of(n) for n in (0, 1, 2, 4, 5, 9, 10, 24, 25, 99, 100, 250)] == [
        0, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert len(BUCKETS) == 6


def test_rank_scores_fall_from_one_towards_zero():
    scores = rank_scores(100, 50.0)
    assert scores[0] == pytest.approx(1.0) and np.all(np.diff(scores) < 0) and scores[-1] > 0


def test_simplex_grid_holds_every_single_model_and_sums_to_one():
    grid = simplex_grid(3, 0.25)
    assert len(grid) == 15 and np.allclose(grid.sum(axis=1), 1.0)
    for i in range(3):
        assert any(np.array_equal(row, np.eye(3)[i]) for row in grid)


@pytest.fixture(scope="module")
def world() -> tuple[Dataset, Dataset, list]:
    """Genre playlists long enough for every challenge category; a held-out evaluation."""
    data = genre_data(n_genres=4, tracks_per_genre=80, n_playlists=900, min_len=12, max_len=120,
                      seed=5).dataset
    split = make_challenge_split(data.interactions.indptr, data.interactions.indices,
                                 data.playlist_names, 150, seed=1)
    return data, data.with_rows(split.train_rows, "train"), list(split.cases)


@pytest.fixture(scope="module")
def trained(world) -> tuple[BlendRecommender, dict]:
    _, train, _ = world
    components = {}
    for name in ("item_knn", "title", "popularity"):
        components[name] = create_model(name)
        components[name].fit(train)
    blend = BlendRecommender(dataclasses.replace(FAST, val_playlists=120), components=components)
    blend.fit(train)
    return blend, components


def test_blend_beats_every_single_model_on_held_out_playlists(world, trained):
    data, _, cases = world
    blend, components = trained
    report = evaluate({**components, "blend": blend}, cases, data.track_artist, k=100)
    overall = {name: r["overall"] for name, r in report["models"].items()}
    for name in components:
        assert overall["blend"]["r_precision"] > overall[name]["r_precision"], overall
        assert overall["blend"]["ndcg"] > overall[name]["ndcg"], overall


def test_weights_differ_by_seed_count(trained):
    blend, _ = trained
    title = blend.settings.components.index("title")
    assert blend.weights[0, title] > 0, "a query without seeds needs the title model"
    assert blend.weights[bucket_of(10), title] < blend.weights[0, title]
    assert np.allclose(blend.weights.sum(axis=1), 1.0)
    assert set(blend.validation) == {str(b) for b in BUCKETS}


def test_given_components_are_served_as_they_are(trained):
    blend, components = trained
    for name, model in components.items():
        assert blend.components[name] is model
    assert not blend.owned


def test_components_trained_on_other_data_are_refused(world, trained):
    data, _, _ = world
    _, components = trained
    with pytest.raises(ValueError, match="other data"):
        BlendRecommender(FAST, components=components).fit(data)


def test_save_load_finds_components_in_sibling_directories(world, trained, tmp_path: Path):
    _, train, _ = world
    blend, components = trained
    for name, model in components.items():
        model.save(tmp_path / name)
    blend.save(tmp_path / "blend")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*components, "blend"])
    loaded = BlendRecommender.load(tmp_path / "blend", train)
    query = PlaylistQuery.of("rock", [0, 1, 2])
    np.testing.assert_array_equal(loaded.recommend(query, 50).ids, blend.recommend(query, 50).ids)
    np.testing.assert_array_equal(loaded.weights, blend.weights)


def test_load_refuses_a_missing_component(world, trained, tmp_path: Path):
    _, train, _ = world
    blend, _ = trained
    blend.save(tmp_path / "blend")
    with pytest.raises(ModelFormatError, match="item_knn"):
        BlendRecommender.load(tmp_path / "blend", train)


def test_blend_that_trains_its_components_saves_them_beside_itself(world, tmp_path: Path):
    _, train, _ = world
    blend = BlendRecommender(dataclasses.replace(FAST, refit=False))
    blend.fit(train)
    assert blend.owned == set(FAST.components)
    blend.save(tmp_path / "blend")
    loaded = BlendRecommender.load(tmp_path / "blend", train)
    query = PlaylistQuery.of("", [3, 4])
    np.testing.assert_array_equal(loaded.recommend(query, 30).ids, blend.recommend(query, 30).ids)
