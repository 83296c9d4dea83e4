"""What the Spotify export tests share: a cache dir logged in to the loopback fake through the
real browser flow, and a saved playlist of 250 tracks (three chunks of 100) to export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fake_spotify import FakeSpotify

from mpdtui.data.saved_playlists import SavedPlaylists
from mpdtui.locations import Locations
from mpdtui.spotify import auth
from mpdtui.spotify.client import RetryPolicy

FAST = RetryPolicy(max_attempts=3, backoff_base=0.001)
URIS = [f"spotify:track:{n:022d}" for n in range(250)]


@pytest.fixture
def locations(tmp_path: Path, fake: FakeSpotify) -> Locations:
    """Logged in to the fake through the real browser flow."""
    locations = Locations.resolve(tmp_path / "cache").ensure()
    auth.login(locations, fake.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    return locations


@pytest.fixture
def playlists(locations: Locations) -> Iterator[SavedPlaylists]:
    with SavedPlaylists.open(locations) as store:
        store.create("Long drive", URIS)
        yield store
