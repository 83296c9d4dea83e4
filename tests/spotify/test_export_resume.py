"""A stopped Spotify export whose playlist was deleted in Spotify since: the rerun makes a new
one (it said HTTP 404 and "run the same export again" on every rerun), against the fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fake_spotify import PASS, FakeSpotify, Fault

from mpdtui.data.saved_playlists import SavedPlaylists
from mpdtui.locations import Locations
from mpdtui.spotify import auth
from mpdtui.spotify.client import RetryPolicy, open_client
from mpdtui.spotify.errors import SpotifyError
from mpdtui.spotify.export import export_to_spotify

FAST = RetryPolicy(max_attempts=3, backoff_base=0.001)
URIS = [f"spotify:track:{n:022d}" for n in range(250)]


@pytest.fixture
def locations(tmp_path: Path, fake: FakeSpotify) -> Locations:
    locations = Locations.resolve(tmp_path / "cache").ensure()
    auth.login(locations, fake.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    return locations


@pytest.fixture
def playlists(locations: Locations) -> Iterator[SavedPlaylists]:
    with SavedPlaylists.open(locations) as store:
        store.create("Long drive", URIS)
        yield store


def test_a_stopped_export_whose_playlist_is_gone_starts_a_new_one(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    client = open_client(locations, policy=FAST)
    fake.fail_next("playlists/*/items", PASS, Fault(400))
    with pytest.raises(SpotifyError, match="stopped after 100 of 250 tracks"):
        export_to_spotify(playlists, "Long drive", client)
    stopped = playlists.export_state("Long drive")
    assert stopped is not None
    del fake.state.playlists[stopped.spotify_id]  # deleted in Spotify's app

    result = export_to_spotify(playlists, "Long drive", client)

    assert result.spotify_id != stopped.spotify_id and not result.resumed
    assert [item["uri"] for item in fake.state.playlists[result.spotify_id]["items"]] == URIS
    assert playlists.export_state("Long drive").finished


def test_a_stopped_export_resumes_into_its_playlist_while_it_is_there(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    client = open_client(locations, policy=FAST)
    fake.fail_next("playlists/*/items", PASS, Fault(400))
    with pytest.raises(SpotifyError):
        export_to_spotify(playlists, "Long drive", client)
    result = export_to_spotify(playlists, "Long drive", client)
    assert result.resumed and len(fake.state.playlists) == 1
    assert [item["uri"] for item in fake.state.playlists[result.spotify_id]["items"]] == URIS
