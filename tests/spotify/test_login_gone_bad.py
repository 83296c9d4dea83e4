"""A saved login that went bad, met by the commands that use it: what they say is one line,
and its advice, followed as written, works. Against the loopback fake, through `main`."""

# ruff: noqa: F811 (fixtures imported from export_support are parameters here)
from __future__ import annotations

import re
import shlex
import socket
from pathlib import Path

import pytest
import requests
from desktop_browser import desktop_browser
from export_support import URIS, locations, playlists  # noqa: F401 (fixtures)
from fake_spotify import FakeSpotify

from mpdtui.cli import main
from mpdtui.data.saved_playlists import SavedPlaylists
from mpdtui.locations import Locations
from mpdtui.services.root import open_services
from mpdtui.tui.text import in_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mpdtui(locations: Locations, *args: str) -> int:
    return main(["--cache-dir", str(locations.root), *args])


def advised_login(message: str, client_id: str) -> list[str]:
    """The `mpdtui auth ...` command a message quotes (tests read messages as without
    --cache-dir), as typed: ID replaced by the Client ID, on a free port (the fake's login
    takes any loopback port)."""
    found = re.search(r"`mpdtui (auth[^`]*)`", message)
    assert found, message
    return [*shlex.split(found.group(1).replace(" ID", f" {client_id}")),
            "--port", str(free_port())]


APP_GONE = ("Spotify no longer knows the app this login was made with (Client ID "
            "test-client-id: deleted from the dashboard?)")
WITH_ANOTHER = ("with the Client ID of an app that is there (developer.spotify.com/dashboard, "
                "your app, Settings)")


def test_a_login_whose_app_was_deleted_says_to_log_in_with_another_which_works(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Renewing a login whose app was deleted from the dashboard (invalid_client) said
    "Spotify refused to renew the login (invalid_client): run `mpdtui auth` to log in again",
    and `auth --status` "Logged in ...": `mpdtui auth` logged in with the Client ID Spotify no
    longer knows (config.json's), its page said INVALID_CLIENT, and the login waited 5 minutes
    in vain."""
    fake.delete_app()  # and made another, whose Client ID is fake.state.client_id
    fake.expire_access_tokens()
    assert mpdtui(locations, "export", "Long", "drive", "--to", "spotify") == 2
    said = capsys.readouterr().err.strip()
    assert said == (
        f"mpdtui: export of 'Long drive' stopped before its Spotify playlist was made "
        f"({APP_GONE}); the local playlist is unchanged: run `mpdtui auth "
        f"--client-id ID` {WITH_ANOTHER}, then run the same export again")
    assert mpdtui(locations, "import-spotify") == 2
    assert capsys.readouterr().err.strip() == (
        f"mpdtui: {APP_GONE}: run `mpdtui auth --client-id ID` "
        f"{WITH_ANOTHER}")
    assert mpdtui(locations, "auth", "--status") == 1
    assert capsys.readouterr().out.strip().endswith(
        "it no longer knows its app test-client-id (deleted from the dashboard?): run "
        f"`mpdtui auth --client-id ID` {WITH_ANOTHER}.")

    desktop_browser(monkeypatch, tmp_path, follow=True)
    assert mpdtui(locations, *advised_login(said, fake.state.client_id)) == 0
    assert mpdtui(locations, "export", "Long", "drive", "--to", "spotify") == 0
    exported = next(iter(fake.state.playlists.values()))
    assert [item["uri"] for item in exported["items"]] == URIS
    assert mpdtui(locations, "auth", "--status") == 0


def test_the_app_says_where_to_log_in_with_another_app(
        fake: FakeSpotify, locations: Locations) -> None:
    """The saved playlists' `I` (import from Spotify) said "log in again at the setup's
    Spotify step", where the Client ID Spotify no longer knows was ready to log in with."""
    from mpdtui.spotify.client import open_client
    from mpdtui.spotify.errors import LoginRequired

    fake.delete_app()
    fake.expire_access_tokens()
    with pytest.raises(LoginRequired):
        open_client(locations).me()
    status = open_services(locations).spotify.status()
    assert not status.usable
    assert in_app(status.unusable_why()) == (
        f"{APP_GONE}: log in at the setup's Spotify step (f2) {WITH_ANOTHER}")


def test_a_login_lacking_a_permission_says_to_log_in_again_which_works(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A login whose token lacks playlist-modify (403 "Insufficient client scope") said "run
    the same export again", which met the same 403, run after run."""
    desktop_browser(monkeypatch, tmp_path, follow=True)
    fake.state.granted_scope = "playlist-read-private"  # a login that allowed less
    assert mpdtui(locations, "auth", "--port", str(free_port())) == 0
    assert mpdtui(locations, "export", "Long", "drive", "--to", "spotify") == 2
    said = capsys.readouterr().err.strip()
    assert said == (
        "mpdtui: export of 'Long drive' stopped before its Spotify playlist was made (the "
        "Spotify login lacks a permission this needs (Spotify answered 403 to me/playlists: "
        "Insufficient client scope; a login made by an older mpdtui?)); the local playlist is "
        "unchanged: run `mpdtui auth` to log in again, allowing all that its page asks, then "
        "run the same export again")

    fake.state.granted_scope = "playlist-modify-private playlist-modify-public playlist-read-private"
    assert mpdtui(locations, *advised_login(said, fake.state.client_id)) == 0
    assert mpdtui(locations, "export", "Long", "drive", "--to", "spotify") == 0
    exported = next(iter(fake.state.playlists.values()))
    assert [item["uri"] for item in exported["items"]] == URIS


def test_auth_s_lines_wrap_at_words_in_a_terminal(
        fake: FakeSpotify, locations: Locations, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`auth` and `auth --status` said who is logged in until when on one line, which an
    80-column terminal cut wherever its edge fell ("access to" / "ken valid until")."""
    import os
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr("shutil.get_terminal_size", lambda *_: os.terminal_size((80, 24)))
    fake.delete_app()
    fake.expire_access_tokens()
    assert mpdtui(locations, "import-spotify") == 2
    capsys.readouterr()
    assert mpdtui(locations, "auth", "--status") == 1
    said = capsys.readouterr().out
    assert max(len(line) for line in said.splitlines()) <= 80
    assert " ".join(said.split()) == " ".join(open_services(locations).spotify.status()
                                              .describe().split())


def test_a_login_made_meanwhile_with_another_app_is_renewed_with_that_app(
        fake: FakeSpotify, locations: Locations) -> None:
    """A long job (a features download) held the login whose app was deleted; the user logged
    in with a new app in another terminal, as told: the job took the new login from the file,
    renewed it with the old app's Client ID, was refused (invalid_client), and said the new
    login's app was gone."""
    import json

    from mpdtui.spotify import auth, session
    from mpdtui.spotify.client import open_client

    long_running = open_client(locations)
    fake.delete_app()
    fake.expire_access_tokens()
    auth.login(locations, fake.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    stored = json.loads(locations.spotify_token.read_text())
    stored["expires_at"] = 0  # expired by the time the job needs it
    locations.spotify_token.write_text(json.dumps(stored))
    assert long_running.me()["id"] == "fake-user"
    assert session.status(locations).usable
