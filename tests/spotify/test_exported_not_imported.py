"""`import-spotify` leaves out every playlist mpdtui's own export made, not only the latest
export of each saved playlist, against the loopback fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fake_spotify import FakeSpotify

from mpdtui.data.saved_playlists import SavedPlaylists
from mpdtui.locations import Locations
from mpdtui.spotify import auth
from mpdtui.spotify.client import RetryPolicy, open_client
from mpdtui.spotify.export import export_to_spotify, import_own_playlists

FAST = RetryPolicy(max_attempts=3, backoff_base=0.001)
URIS = [f"spotify:track:{n:022d}" for n in range(5)]


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
        store.create("Gone", URIS[:2])
        yield store


def test_earlier_exports_and_those_of_deleted_playlists_are_not_imported_back(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    """Exported again (a finished export makes a new Spotify playlist), the earlier Spotify
    playlist was forgotten, as were those of a saved playlist deleted since: import-spotify
    brought them back as 'Long drive 2' and as training data."""
    client = open_client(locations, policy=FAST)
    export_to_spotify(playlists, "Long drive", client)
    playlists.set_tracks("Long drive", URIS[:3])  # edited, exported again
    export_to_spotify(playlists, "Long drive", client)
    export_to_spotify(playlists, "Gone", client)
    playlists.delete("Gone")
    assert len(fake.state.playlists) == 3
    ingested: list[int] = []

    result = import_own_playlists(client, playlists,
                                  ingest=lambda pls, source: ingested.append(len(pls)))

    assert (result.imported, result.skipped_exported, result.created) == (0, 3, 0)
    assert [s.name for s in playlists.list()] == ["Long drive"]
    assert ingested == []
