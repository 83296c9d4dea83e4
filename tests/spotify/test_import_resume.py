"""An import of the user's Spotify playlists stopped part way (a long rate limit, the network
gone): what it fetched is kept, and its rerun goes on from there. Against the loopback fake,
through `main`."""

# ruff: noqa: F811 (fixtures imported from export_support are parameters here)
from __future__ import annotations

from typing import Any

import orjson
import pytest
from export_support import locations  # noqa: F401 (fixture)
from fake_spotify import FakeSpotify, too_many

from mpdtui.cli import main
from mpdtui.data.saved_playlists import SavedPlaylists
from mpdtui.locations import Locations


def track(n: int) -> dict[str, Any]:
    return {"uri": f"spotify:track:{n:022d}", "id": f"{n:022d}", "type": "track",
            "name": f"Song {n}", "duration_ms": 200_000,
            "artists": [{"name": f"Artist {n % 7}", "uri": f"spotify:artist:{n % 7}"}],
            "album": {"name": f"Album {n % 11}", "uri": f"spotify:album:{n % 11}"}}


def import_spotify(locations: Locations) -> int:
    return main(["--cache-dir", str(locations.root), "import-spotify", "--no-training"])


def saved(locations: Locations) -> dict[str, int]:
    with SavedPlaylists.open(locations) as store:
        return {summary.name: len(store.get(summary.name).tracks) for summary in store.list()}


def test_an_import_stopped_by_a_long_rate_limit_goes_on_where_it_stopped(
        fake: FakeSpotify, locations: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    """It said "everything fetched so far is kept", and kept nothing: the rerun asked for
    every playlist again, and met the same rate limit at the same place, run after run. A
    playlist changed in Spotify since is asked for again."""
    first = fake.add_user_playlist("First", [track(n) for n in range(70)])  # two pages
    second = fake.add_user_playlist("Second", [track(n) for n in range(70, 75)])
    third = fake.add_user_playlist("Third", [track(n) for n in range(75, 80)])
    fake.fail_next(f"GET playlists/{third}/items", too_many(7200))
    assert import_spotify(locations) == 2
    assert "run the command again after" in capsys.readouterr().err
    assert saved(locations) == {}
    asked = len(fake.calls(f"playlists/{first}/items"))
    assert asked == 2
    fake.state.playlists[second]["items"].append(track(99))  # added in Spotify's app...
    fake.state.playlists[second]["snapshot_id"] = "changed"  # ...a new version of it

    fake.fail_next(f"GET playlists/{first}/items", too_many(7200))  # were it asked again
    assert import_spotify(locations) == 0
    assert len(fake.calls(f"playlists/{first}/items")) == asked  # taken as fetched
    assert saved(locations) == {"First": 70, "Second": 6, "Third": 5}
    assert not locations.spotify_import_fetched.exists()  # done: nothing kept


def test_a_line_cut_short_by_a_crash_or_of_another_version_is_fetched_again(
        fake: FakeSpotify, locations: Locations) -> None:
    from mpdtui.spotify.fetched import FetchedPlaylists

    first = fake.add_user_playlist("First", [track(n) for n in range(3)])
    snapshot = fake.state.playlists[first]["snapshot_id"]
    kept = FetchedPlaylists(locations.spotify_import_fetched)
    kept.put(first, snapshot, (track(1),))
    with locations.spotify_import_fetched.open("ab") as cut:
        cut.write(b'{"id": "' + first.encode() + b'", "snapshot_id": "')
    assert FetchedPlaylists(locations.spotify_import_fetched).get(first, snapshot) == (track(1),)
    assert FetchedPlaylists(locations.spotify_import_fetched).get(first, "other") is None
    with locations.spotify_import_fetched.open("wb") as later:  # a later mpdtui's lines
        later.write(orjson.dumps({"format": "mpdtui-spotify-import", "version": 2, "id": first,
                                  "snapshot_id": snapshot, "tracks": [track(1)]}) + b"\n")
    assert FetchedPlaylists(locations.spotify_import_fetched).get(first, snapshot) is None
