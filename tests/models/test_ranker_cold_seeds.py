"""The ranker with seeds in no training playlist (imported, or only in held-out playlists):
where a retriever still knows them (the two-tower model, by their artist), they are the
playlist's seeds, not a reason to answer by popularity."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from model_data import Synthetic, genre_data
from test_ranker import FAST, cases_of, train_components

from models.base import PlaylistQuery
from models.dataset import Dataset
from models.ranker import RankerRecommender
from models.two_tower import TwoTowerRecommender, TwoTowerSettings

pytestmark = pytest.mark.tf

GENRE = 1
"""The genre of the seeds in no training playlist."""
COLD = 4
"""How many such tracks, each by an artist of that genre whom training playlists hold."""


def with_cold_tracks(synthetic: Synthetic) -> Dataset:
    """`COLD` tracks added to the catalog, in no playlist, by artists of genre `GENRE`."""
    data = synthetic.dataset
    matrix = data.interactions.copy()
    matrix.resize((matrix.shape[0], matrix.shape[1] + COLD))
    artists = np.unique(data.track_artist[synthetic.track_genre == GENRE])[:COLD]
    return dataclasses.replace(
        data,
        interactions=matrix.tocsr(),
        track_artist=np.concatenate([data.track_artist, artists]),
        track_album=np.concatenate([data.track_album, artists * 3]),
        track_duration_ms=np.concatenate([data.track_duration_ms, [200_000] * COLD]),
        fingerprint=data.fingerprint + "-cold",
    )


@pytest.fixture(scope="module")
def genres() -> Synthetic:
    return genre_data(n_genres=4, tracks_per_genre=50, n_playlists=400, seed=11)


@pytest.fixture(scope="module")
def ranker(genres: Synthetic) -> tuple[RankerRecommender, Dataset]:
    data = with_cold_tracks(genres)
    settings = dataclasses.replace(FAST, components=("als", "two_tower", "title"))
    components = train_components(data, ("als", "title"))
    tower = TwoTowerRecommender(TwoTowerSettings(dim=16, hidden=16, epochs=4, batch_size=64,
                                                 learning_rate=0.02, val_fraction=0.1))
    tower.fit(data)
    components["two_tower"] = tower
    model = RankerRecommender(settings, components=components,
                              cases=cases_of(data, np.arange(0, data.n_playlists, 3)))
    model.fit(data)
    return model, data


def test_seeds_in_no_training_playlist_that_a_retriever_knows_are_seeds(genres, ranker):
    model, data = ranker
    cold = np.arange(genres.track_genre.size, data.n_tracks)
    assert not model.popularity[cold].any(), "in no training playlist"
    assert model.components["two_tower"].knows(cold).all(), "the two-tower knows their artists"
    ranked = model.recommend(PlaylistQuery.of("", cold.tolist()), 20)
    assert ranked.fallback == "", "answered by its own candidates, not by popularity"
    assert ranked.unknown_seeds == (), "no seed is reported as unknown"
    genre = genres.track_genre[ranked.ids[ranked.ids < genres.track_genre.size]]
    assert np.mean(genre == GENRE) >= 0.6, genre  # popularity's share of a genre: about 1/4



def test_a_name_no_playlist_has_is_answered_by_popularity_though_the_two_tower_reads_it(ranker):
    """With no seeds, the two-tower still reads "für die arbeit" (its letters) and proposes
    popular tracks; the booster reordered them, and each was called "popular overall" out of
    popularity's order. Now popularity answers, in its order, and the note says why."""
    model, data = ranker
    query = PlaylistQuery.of("für die arbeit")
    assert len(model.components["two_tower"].retrieve(query, 20)) == 20  # it reads the name
    ranked = model.recommend(query, 20)
    np.testing.assert_array_equal(ranked.ids,
                                  model.components["title"].recommend(PlaylistQuery.of(), 20).ids)
    assert ranked.own == 0 and ranked.fallback == (
        "ranker: no training playlist has a name like this; answered by popularity")
    named = model.recommend(PlaylistQuery.of(data.playlist_names[0]), 20)
    assert named.fallback == "" and named.own is None  # a name playlists have: its own ranking
