"""A renewal of the access token that the accounts service rate-limits (429 with Retry-After)
is waited out as the API's rate limits are, or, when too long, stops with the local time to
run again; one whose connection failed is retried as the renewal's failure, not the request's.
Against the loopback fake."""

# ruff: noqa: F811 (fixtures imported from export_support are parameters here)
from __future__ import annotations

import time

import pytest
from export_support import FAST, URIS, locations, playlists  # noqa: F401 (fixtures)
from fake_spotify import DROP, FakeSpotify, Fault, after, slow, too_many

from mpdtui.cli import main
from mpdtui.data.saved_playlists import SavedPlaylists
from mpdtui.locations import Locations
from mpdtui.spotify.client import Wait, open_client
from mpdtui.spotify.errors import ApiUnavailable, clock_after
from mpdtui.spotify.export import export_to_spotify


def test_a_rate_limited_renewal_waits_as_long_as_the_accounts_service_asks(
        fake: FakeSpotify, locations: Locations) -> None:
    """It was retried after the usual backoff ("answered 429 (renewing the login), retrying
    in 1 s (try 2 of 6)"), its Retry-After unread: 1 s, 2 s, 4 s... at a rate limit."""
    waits: list[Wait] = []
    client = open_client(locations, policy=FAST, on_wait=waits.append)
    fake.expire_access_tokens()
    fake.fail_next("api/token", too_many(0.05))
    assert client.me()["id"] == "fake-user"
    assert waits == [Wait("rate_limited", 0.05,
                          "rate limited (renewing the login), retrying in 0 s")]


def test_a_long_rate_limit_on_renewal_stops_with_the_time_to_run_again(
        fake: FakeSpotify, locations: Locations) -> None:
    client = open_client(locations, policy=FAST)
    fake.expire_access_tokens()
    fake.fail_next("api/token", too_many(7200))
    before = time.time()
    with pytest.raises(ApiUnavailable) as caught:
        client.me()
    after = time.time()
    assert len(fake.calls("api/token")) == 2  # the login's, and this one: not tried again
    assert str(caught.value) in {
        "Spotify's accounts service rate-limits renewing the login (asked to wait 7200 s): "
        f"run the command again after {clock_after(7200, now)}; everything fetched so far is "
        "kept" for now in (before, after)}


def test_the_cli_s_import_stopped_by_a_rate_limited_renewal_says_when_to_run_it(
        fake: FakeSpotify, locations: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_user_playlist("Mine", [])
    fake.expire_access_tokens()
    fake.fail_next("api/token", too_many(7200))
    before = time.time()
    assert main(["--cache-dir", str(locations.root), "import-spotify"]) == 2
    after = time.time()
    said = capsys.readouterr().err.strip().splitlines()
    assert said[-1] in {
        "mpdtui: Spotify's accounts service rate-limits renewing the login (asked to wait "
        f"7200 s): run the command again after {clock_after(7200, now)}; everything fetched "
        "so far is kept" for now in (before, after)}, said
    assert main(["--cache-dir", str(locations.root), "import-spotify"]) == 0  # then it works


def test_an_export_stopped_by_a_rate_limited_renewal_says_when_to_run_it_again(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists,
        capsys: pytest.CaptureFixture[str]) -> None:
    fake.expire_access_tokens()
    fake.fail_next("api/token", too_many(7200))
    before = time.time()
    assert main(["--cache-dir", str(locations.root), "export", "Long", "drive",
                 "--to", "spotify"]) == 2
    after = time.time()
    assert capsys.readouterr().err.strip() in {
        "mpdtui: export of 'Long drive' stopped before its Spotify playlist was made (Spotify's "
        "accounts service rate-limits renewing the login (asked to wait 7200 s)); the local "
        f"playlist is unchanged: run the same export again after {clock_after(7200, now)}"
        for now in (before, after)}
    assert not fake.state.playlists  # made by none of its tries
    assert main(["--cache-dir", str(locations.root), "export", "Long", "drive",
                 "--to", "spotify"]) == 0


@pytest.mark.parametrize("fault", [DROP, slow(5.0)], ids=["dropped", "timed-out"])
def test_a_renewal_that_failed_on_its_way_is_not_taken_for_the_request_it_was_for(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists,
        monkeypatch: pytest.MonkeyPatch, fault: Fault) -> None:
    """A renewal whose connection dropped or timed out, before a batch of the export was
    sent, was taken for the batch's own: the export looked whether Spotify had added the
    batch (never sent), and after the timeout waited 20 s more to look again ("no answer from
    playlists/.../items in time")."""
    from mpdtui.spotify import session

    monkeypatch.setattr(session, "REQUEST_TIMEOUT_S", 0.5)  # the slow renewal: 5 s
    waits: list[Wait] = []
    client = open_client(locations, policy=FAST, on_wait=waits.append)
    fake.fail_next("POST playlists/*/items", after(fake.expire_access_tokens))  # its 401
    fake.fail_next("api/token", fault)
    result = export_to_spotify(playlists, "Long drive", client)
    assert [item["uri"] for item in fake.state.playlists[result.spotify_id]["items"]] == URIS
    assert not fake.calls(f"playlists/{result.spotify_id}/items", "GET")  # no look
    assert [wait.kind for wait in waits] == ["retry"], waits
    assert waits[0].message.startswith("connection to Spotify's accounts service failed ("
                                       f"{'ConnectionError' if fault is DROP else 'ReadTimeout'})"
                                       " (renewing the login), retrying in")
