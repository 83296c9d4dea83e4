"""Playlist names as the models read them: words, else the emoji of an emoji-only name."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from model_data import genre_data, make_dataset

from models.base import PlaylistQuery
from models.text import normalize_name
from models.title import TitleRecommender


@pytest.mark.parametrize(("name", "read"), [
    ("Chill Vibes!!", "chill vibes"),
    ("Café del Mar", "cafe del mar"),
    ("Chill 🌴", "chill"),  # words say it: the emoji only decorates
    ("🔥🔥🔥", "🔥"),
    ("🔥 🔥", "🔥"),
    ("❤️", "❤"),  # without the variation selector that only styles it
    ("👍🏽", "👍"),  # nor the skin tone
    ("🌴☀️", "🌴 ☀"),
    ("😍🔥😍", "😍 🔥"),
    ("♫♪", "♫ ♪"),
    ("!!!", ""),
    ("  ", ""),
])
def test_a_name_is_read_by_its_words_else_by_its_emoji(name: str, read: str) -> None:
    assert normalize_name(name) == read
    assert normalize_name(read) == read  # stored names are normalised again when read


def test_an_emoji_only_name_finds_the_tracks_of_playlists_named_so() -> None:
    """"🎄" playlists hold one genre's tracks: the title model finds them by the emoji, where
    it answered with the most popular tracks of all before."""
    synthetic = genre_data(n_genres=4, tracks_per_genre=60, n_playlists=400, seed=3)
    names = [("🎄🎄" if i % 2 else "🎄") if genre == 2 and i % 3 == 0 else name
             for i, (genre, name) in enumerate(zip(synthetic.playlist_genre, synthetic.names,
                                                   strict=True))]
    assert sum(normalize_name(n) == "🎄" for n in names) >= 20
    data = make_dataset(synthetic.indptr, synthetic.indices, names, synthetic.dataset.n_tracks,
                        synthetic.dataset.track_artist)
    model = TitleRecommender()
    model.fit(dataclasses.replace(data, playlist_names=names))  # the raw names, too
    for query in ("🎄", "🎄🎄🎄", "🎄 🎄"):
        recs = model.recommend(PlaylistQuery.of(query), 20)
        assert not recs.fallback, query
        assert np.mean(synthetic.track_genre[recs.ids] == 2) >= 0.8, query
