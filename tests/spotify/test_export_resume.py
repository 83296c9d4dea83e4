"""A stopped Spotify export, resumed: it goes by what the Spotify playlist holds (no chunk sent
twice, none lost), and a playlist deleted (unfollowed) or changed in Spotify since gets a new
one, said so. Against the loopback fake."""

# ruff: noqa: F811 (fixtures imported from export_support are parameters here)
from __future__ import annotations

import argparse
import time
from dataclasses import replace

import pytest
from export_support import FAST, URIS, locations, playlists  # noqa: F401 (fixtures)
from fake_spotify import ANSWER_LOST, PASS, FakeSpotify, Fault

from mpdtui.data.saved_playlists import SavedPlaylists
from mpdtui.locations import Locations
from mpdtui.spotify.client import open_client
from mpdtui.spotify.errors import SpotifyError, clock_after
from mpdtui.spotify.export import export_to_spotify


def held(fake: FakeSpotify, playlist_id: str) -> list[str]:
    return [item["uri"] for item in fake.state.playlists[playlist_id]["items"]]


def stopped_export(fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists,
                   *faults: Fault) -> str:
    """An export that stopped part way; the Spotify playlist's id."""
    fake.fail_next("playlists/*/items", *faults)
    with pytest.raises(SpotifyError, match="stopped after"):
        export_to_spotify(playlists, "Long drive",
                          open_client(locations, policy=FAST))
    state = playlists.export_state("Long drive")
    assert state is not None and not state.finished
    return state.spotify_id


def test_the_fake_s_unfollow_is_what_deleting_in_spotify_s_app_does(
        fake: FakeSpotify, locations: Locations) -> None:
    client = open_client(locations, policy=FAST)
    kept = fake.add_user_playlist("Kept", [])
    gone = fake.add_user_playlist("Deleted in the app", [])
    fake.unfollow(gone)
    assert [p["id"] for p in client.my_playlists()] == [kept]
    assert client.my_playlist(kept) is not None and client.my_playlist(gone) is None
    client.add_items(gone, URIS[:2])  # still there: it answers and takes more
    assert client.playlist_item_uris(gone) == URIS[:2]


def test_a_chunk_sent_but_not_recorded_is_not_sent_again(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    """Killed between sending the second chunk and recording it: the rerun sent it again
    (100 duplicates in the Spotify playlist)."""
    spotify_id = stopped_export(fake, locations, playlists, PASS, PASS, Fault(400))
    state = playlists.export_state("Long drive")
    assert state is not None and state.added == 200
    playlists.record_export(playlists.get("Long drive").id,
                            type(state)(state.spotify_id, state.url, state.content, 100, False))
    sent = len(fake.calls(f"playlists/{spotify_id}/items", "POST"))

    result = export_to_spotify(playlists, "Long drive",
                               open_client(locations, policy=FAST))

    assert held(fake, spotify_id) == URIS  # no duplicates, nothing lost
    assert result.resumed and result.spotify_id == spotify_id and not result.notice
    adds = fake.calls(f"playlists/{spotify_id}/items", "POST")[sent:]
    assert [call.body["uris"] for call in adds] == [URIS[200:]]
    assert playlists.export_state("Long drive").finished


def test_a_chunk_spotify_added_but_whose_answer_was_lost_is_not_sent_again(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    """Spotify added the second chunk, then the connection dropped before its answer (a
    reset, a timeout): the retry sent it again, and the Spotify playlist held 350 tracks,
    100 of them twice, while the export said "exported 'Long drive' (250 tracks)"."""
    fake.fail_next("POST playlists/*/items", PASS, ANSWER_LOST, Fault(503))

    result = export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))

    assert held(fake, result.spotify_id) == URIS
    assert result.added == 250 and playlists.export_state("Long drive").finished
    adds = fake.calls(f"playlists/{result.spotify_id}/items", "POST")
    assert [len(call.body["uris"]) for call in adds] == [100, 100, 50, 50]  # the 503's again


def test_a_playlist_spotify_made_but_whose_answer_was_lost_is_not_made_again(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    """The answer to making the playlist was lost: the retry made a second one, and the
    user's account kept an empty 'Long drive' beside the exported one."""
    other = fake.add_user_playlist("Long drive", [])  # the user's own, not made by mpdtui
    fake.fail_next("POST me/playlists", ANSWER_LOST)

    result = export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))

    assert len(fake.calls("me/playlists", "POST")) == 1
    assert sorted(fake.state.playlists) == sorted([other, result.spotify_id])
    assert held(fake, result.spotify_id) == URIS and held(fake, other) == []
    assert result.url == f"https://open.spotify.com/playlist/{result.spotify_id}"


def test_a_chunk_spotify_added_after_the_request_timed_out_is_not_sent_again(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow Spotify added the second chunk after the client's timeout (20 s), and after the
    look at the playlist that followed it: the chunk was sent again, and the Spotify playlist
    held 350 tracks while the export said 250 (by hand: 25 s for the second chunk)."""
    import threading

    from fake_spotify import held_until, releasing

    from mpdtui.spotify import client

    monkeypatch.setattr(client, "REQUEST_TIMEOUT_S", 1.0)
    looked = threading.Event()  # Spotify finishes the slow request once the client looked
    fake.fail_next("POST playlists/*/items", PASS, held_until(looked))
    fake.fail_next("GET playlists/*/items", PASS, releasing(looked))  # its 2 pages

    policy = replace(FAST, settle_s=2.0)
    result = export_to_spotify(playlists, "Long drive", open_client(locations, policy=policy))

    assert held(fake, result.spotify_id) == URIS
    assert result.added == 250


def test_a_stopped_export_whose_playlist_was_deleted_in_spotify_s_app_makes_a_new_one(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Deleting in Spotify's app only unfollows: the playlist still answered, and the rerun
    finished the export into a playlist the user no longer sees."""
    from mpdtui.commands.spotify import run_export

    spotify_id = stopped_export(fake, locations, playlists, PASS, Fault(400))
    fake.unfollow(spotify_id)

    args = argparse.Namespace(name="Long drive", to="spotify", out=None, public=False)
    assert run_export(args, locations) == 0

    out = capsys.readouterr().out
    state = playlists.export_state("Long drive")
    assert state is not None and state.finished and state.spotify_id != spotify_id
    assert held(fake, state.spotify_id) == URIS
    assert held(fake, spotify_id) == URIS[:100]  # the unfollowed one is left alone
    assert (f"the Spotify playlist the earlier export stopped in (https://open.spotify.com/"
            f"playlist/{spotify_id}) is no longer among your playlists (deleted in Spotify?), "
            "so this export made a new one") in out
    assert f"exported 'Long drive' (250 tracks) to Spotify: {state.url}" in out


def test_a_stopped_export_whose_playlist_was_changed_in_spotify_makes_a_new_one(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    spotify_id = stopped_export(fake, locations, playlists, PASS, Fault(400))
    fake.state.playlists[spotify_id]["items"].pop(0)  # the user took a track out

    result = export_to_spotify(playlists, "Long drive",
                               open_client(locations, policy=FAST))

    assert not result.resumed and result.spotify_id != spotify_id
    assert "was changed in Spotify since, so this export made a new one" in result.notice
    assert held(fake, result.spotify_id) == URIS
    assert len(held(fake, spotify_id)) == 99


def test_an_export_stopped_by_spotify_s_trouble_gives_one_piece_of_advice(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    """It said "(... 3 times: run the command again later; everything fetched so far is
    kept); the local playlist is unchanged: run the same export again ...", and of a long
    rate limit "asked to wait 7200 s, 1 times in a row"; then "run the same export again",
    which, run at once, met the same rate limit: it says when the wait is over."""
    from fake_spotify import too_many

    fake.fail_next("playlists/*/items", PASS, too_many(7200))
    before = time.time()
    with pytest.raises(SpotifyError) as caught:
        export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))
    after = time.time()
    state = playlists.export_state("Long drive")
    assert state is not None
    assert str(caught.value) in {(
        f"export of 'Long drive' stopped after 100 of 250 tracks (Spotify rate-limits "
        f"playlists/{state.spotify_id}/items (asked to wait 7200 s)); the local playlist is "
        f"unchanged: run the same export again after {clock_after(7200, now)} to continue "
        f"into {state.url}") for now in (before, after)}
    fake.fail_next("POST playlists/*/items", *[Fault(503)] * FAST.max_attempts)
    with pytest.raises(SpotifyError) as caught:
        export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))
    assert str(caught.value).startswith(
        f"export of 'Long drive' stopped after 100 of 250 tracks (Spotify answered 503 to "
        f"playlists/{state.spotify_id}/items 3 times); the local playlist is unchanged")


def test_the_end_of_a_rate_limit_is_said_as_the_time_on_the_clock() -> None:
    noon = time.mktime((2026, 12, 7, 12, 0, 0, 0, 0, -1))
    assert clock_after(7200, noon) == "14:01"  # a minute on: "after" the wait, not at its end
    assert clock_after(13 * 3600, noon) == "2026-12-08 01:01"


def test_an_export_whose_login_was_revoked_says_to_log_in_before_running_it_again(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    """It ended "(the Spotify login has expired or was revoked: run `mpdtui auth` to log in
    again); the local playlist is unchanged: run the same export again to continue into
    ...": the last advice, followed, failed the same way."""
    import requests

    from mpdtui.spotify import auth

    fake.revoke_refresh_tokens()  # the access token still works, until the 401
    fake.fail_next("POST playlists/*/items", PASS, Fault(401))
    with pytest.raises(SpotifyError) as caught:
        export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))
    state = playlists.export_state("Long drive")
    assert state is not None
    assert str(caught.value) == (
        "export of 'Long drive' stopped after 100 of 250 tracks (the Spotify login has expired "
        "or was revoked); the local playlist is unchanged: run `mpdtui auth` to log in again, "
        f"then run the same export again to continue into {state.url}")

    auth.login(locations, fake.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    result = export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))
    assert result.resumed and held(fake, state.spotify_id) == URIS


def test_one_export_to_spotify_at_a_time(fake: FakeSpotify, locations: Locations,
                                         playlists: SavedPlaylists) -> None:
    """The app's `e` pressed again while its export ran (or an export in another terminal)
    resumed the unfinished export beside the first: 400 tracks, 150 of them twice."""
    import fcntl

    from mpdtui.errors import UserError
    from mpdtui.services.root import open_services

    spotify = open_services(locations).spotify
    with open(locations.root / "spotify-export.lock", "a") as running:  # an export on
        fcntl.flock(running, fcntl.LOCK_EX)
        with pytest.raises(UserError, match=r"^another export to Spotify is running \(in the "
                                            r"app or another terminal\): wait for it to "
                                            r"finish, then export again$"):
            spotify.export("Long drive")
        assert not fake.calls("me/playlists", "POST")
    result = spotify.export("Long drive")  # that one ended: this one goes
    assert held(fake, result.spotify_id) == URIS


def test_public_on_a_resumed_export_says_the_playlist_stays_private(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    """`--public` on the rerun of a stopped private export finished it, still private, and
    said nothing."""
    spotify_id = stopped_export(fake, locations, playlists, PASS, Fault(400))
    result = export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST),
                               public=True)
    assert result.resumed and result.spotify_id == spotify_id
    assert held(fake, spotify_id) == URIS
    assert result.notice == (
        f"the Spotify playlist the earlier export stopped in (https://open.spotify.com/playlist/"
        f"{spotify_id}) is private, as that export made it: --public is for a new playlist; "
        "make this one public in Spotify's app")


def test_an_export_that_fails_before_sending_a_track_says_it_was_the_export(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    """Failing while making the playlist, or while looking at the one a stopped export left,
    said only "connection to Spotify failed (...) to me/playlists 3 times: run the command
    again later; everything fetched so far is kept", no word of the export."""
    from fake_spotify import DROP

    fake.fail_next("POST me/playlists", *[DROP] * FAST.max_attempts)
    with pytest.raises(SpotifyError) as caught:
        export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))
    assert str(caught.value).startswith("export of 'Long drive' stopped before its Spotify "
                                        "playlist was made (connection to Spotify failed")
    assert str(caught.value).endswith("me/playlists 3 times); the local playlist is "
                                      "unchanged: run the same export again")
    assert playlists.export_state("Long drive") is None

    spotify_id = stopped_export(fake, locations, playlists, PASS, Fault(400))
    state = playlists.export_state("Long drive")
    assert state is not None
    fake.fail_next("me/playlists", *[Fault(503)] * FAST.max_attempts)
    with pytest.raises(SpotifyError) as caught:
        export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))
    assert str(caught.value) == (
        "export of 'Long drive' stopped while looking at the Spotify playlist the earlier "
        "export stopped in (Spotify answered 503 to me/playlists 3 times); the local playlist "
        f"is unchanged: run the same export again to continue into {state.url}")
    result = export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))
    assert result.resumed and held(fake, spotify_id) == URIS  # the advice works


def test_an_export_whose_playlist_was_changed_during_it_says_what_the_rerun_does(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A chunk's answer lost, and the look at the playlist found a track the user added in
    Spotify's app meanwhile: the export said "run the same export again to continue into
    URL", and the rerun made a new playlist instead (saying so only then)."""
    from fake_spotify import after

    from mpdtui.cli import main

    mine = {"uri": "spotify:track:" + "u" * 22, "name": "Added in the app"}

    def user_adds_a_track() -> None:
        (made,) = fake.state.playlists.values()
        made["items"].append(mine)

    fake.fail_next("POST playlists/*/items", PASS, Fault(503))
    fake.fail_next("GET playlists/*/items", after(user_adds_a_track))  # the look that follows
    typed = ["--cache-dir", str(locations.root), "export", "Long drive", "--to", "spotify"]
    assert main(typed) == 2
    (changed,) = fake.state.playlists
    url = f"https://open.spotify.com/playlist/{changed}"
    assert capsys.readouterr().err.strip() == (
        f"mpdtui: export of 'Long drive' stopped after 100 of 250 tracks: the Spotify playlist "
        f"{url} was changed in Spotify during the export (it holds other tracks than those "
        "sent), so the export left it as it is; the local playlist is unchanged: run the same "
        "export again to make a new Spotify playlist with all 250 tracks")

    assert main(typed) == 0  # the advice, followed
    out = capsys.readouterr().out
    state = playlists.export_state("Long drive")
    assert state is not None and state.finished and state.spotify_id != changed
    assert held(fake, state.spotify_id) == URIS
    assert held(fake, changed) == [*URIS[:100], mine["uri"]]  # the user's track kept, alone
    assert (f"the Spotify playlist the earlier export stopped in ({url}) was changed in "
            "Spotify during it, so this export made a new one (that one is left as it is)"
            ) in out
    assert f"exported 'Long drive' (250 tracks) to Spotify: {state.url}" in out


def test_a_stopped_export_whose_last_tracks_were_taken_out_in_spotify_makes_a_new_one(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    """The user took the last 30 of the 200 tracks sent out of the playlist in Spotify's app:
    what was left still began as the export does, so the rerun went on from track 170 and
    put the 30 back."""
    spotify_id = stopped_export(fake, locations, playlists, PASS, PASS, Fault(400))
    del fake.state.playlists[spotify_id]["items"][170:]

    result = export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))

    assert not result.resumed and result.spotify_id != spotify_id
    assert "was changed in Spotify since, so this export made a new one" in result.notice
    assert held(fake, result.spotify_id) == URIS
    assert held(fake, spotify_id) == URIS[:170]  # as the user left it
