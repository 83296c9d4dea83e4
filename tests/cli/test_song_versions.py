"""A song under several URIs (the single, the album's copy, a remaster) is suggested once, and
not at all when the playlist has one of its versions; ingested from a slice, ranked by a
real model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest
from short_model import OneModel

from models.popularity import PopularityRecommender
from mpdtui.data.catalog import Track
from mpdtui.data.dataset import load_dataset
from mpdtui.data.ingest import ingest
from mpdtui.locations import Locations
from mpdtui.services.root import open_services
from mpdtui.services.suggester import Suggester


def _track(number: int, name: str, artist: str) -> dict[str, Any]:
    return {"pos": 0, "artist_name": artist, "track_uri": f"spotify:track:{number:022d}",
            "artist_uri": f"spotify:artist:{artist.upper():0>22}"[:37], "track_name": name,
            "album_uri": f"spotify:album:{number:022d}", "duration_ms": 200_000,
            "album_name": f"Album {number}"}


# the more playlists a track is in, the higher popularity ranks it: versions of "Closer" lead
TRACKS = {1: _track(1, "Closer", "Chainsmokers"),  # the single
          2: _track(2, "Closer", "Chainsmokers"),  # the album's copy
          3: _track(3, "CLOSER ", "Chainsmokers"),  # a compilation's, written otherwise
          4: _track(4, "Closer", "Nine Inch Nails"),  # another song of that title
          5: _track(5, "Roses", "Chainsmokers"),
          6: _track(6, "Paris", "Chainsmokers"),
          7: _track(7, "Hurt", "Nine Inch Nails")}
IN_PLAYLISTS = {1: 9, 2: 8, 3: 7, 4: 6, 5: 5, 6: 4, 7: 3}


def _slice() -> dict[str, Any]:
    playlists = []
    for pid in range(10):
        tracks = [dict(TRACKS[n], pos=pos)
                  for pos, n in enumerate(n for n in TRACKS if pid < IN_PLAYLISTS[n])]
        playlists.append({"name": f"mix {pid}", "collaborative": "false", "pid": pid,
                          "modified_at": 1500000000, "num_tracks": len(tracks),
                          "num_albums": len(tracks), "num_followers": 1, "num_edits": 1,
                          "duration_ms": 200_000 * len(tracks), "num_artists": 2,
                          "tracks": tracks})
    return {"info": {}, "playlists": playlists}


@pytest.fixture
def suggester(tmp_path: Path) -> tuple[Suggester, dict[int, int]]:
    folder = tmp_path / "mpd"
    folder.mkdir()
    (folder / "mpd.slice.0-9.json").write_bytes(orjson.dumps(_slice()))
    locations = Locations.resolve(tmp_path / "cache")
    ingest(locations, folder)
    services = open_services(locations)
    popularity = PopularityRecommender()
    popularity.fit(load_dataset(locations, with_features=False))
    ids = dict(zip(TRACKS, services.catalog.resolve_uris(
        [t["track_uri"] for t in TRACKS.values()]), strict=True))
    return Suggester(OneModel(popularity), services.catalog), ids  # type: ignore[arg-type]


def test_a_song_is_suggested_once(suggester: tuple[Suggester, dict[int, int]]) -> None:
    found, ids = suggester
    shown = [s.track.id for s in found.suggest("", [], k=4)]
    assert shown == [ids[1], ids[4], ids[5], ids[6]]  # the single, not its other two versions
    # (and k of them still: the list is cut after the versions are left out)


def test_no_version_of_a_song_the_playlist_has(suggester: tuple[Suggester, dict[int, int]]) -> None:
    found, ids = suggester
    shown = [s.track.id for s in found.suggest("", [ids[2]], k=10)]
    assert shown == [ids[4], ids[5], ids[6], ids[7]]  # no "Closer" by them; NIN's stays


def test_a_song_hidden_or_left_out_goes_in_every_version(
        suggester: tuple[Suggester, dict[int, int]]) -> None:
    """x on the single hides the album's copy too; "more like this" leaves out the playlist's
    songs, whichever version it has."""
    found, ids = suggester
    shown = [s.track.id for s in found.suggest("", [ids[5]], k=10, exclude=[ids[1]])]
    assert shown == [ids[4], ids[6], ids[7]]


def test_a_song_is_its_title_by_its_artist() -> None:
    closer = Track(1, "spotify:track:1", "Closer", "Them", "spotify:artist:them", "Album",
                   "spotify:album:1", 200_000, 5)
    single = replace(closer, id=2, uri="spotify:track:2", name=" CLOSER  ", album_name="Single")
    assert single.song == closer.song
    assert replace(closer, artist_uri="spotify:artist:other").song != closer.song
    assert replace(closer, name="Closer (Live)").song != closer.song
    untitled = replace(closer, name="")
    assert untitled.song != replace(untitled, id=2, uri="spotify:track:2").song
