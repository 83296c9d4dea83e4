"""`mpdtui auth` as typed: what a failed login says to run next logs in when run as written.
Against the loopback fake, with a desktop's browser that follows the login's redirect."""

from __future__ import annotations

import re
import shlex
import socket
from pathlib import Path

import pytest
from desktop_browser import desktop_browser
from fake_spotify import FakeSpotify, Fault

from mpdtui.cli import parse_arguments
from mpdtui.errors import UserError
from mpdtui.locations import Locations


@pytest.fixture
def locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Locations:
    monkeypatch.delenv("MPDTUI_SPOTIFY_CLIENT_ID", raising=False)
    return Locations.resolve(tmp_path / "cache").ensure()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def advised_command(message: str) -> list[str]:
    """The arguments of the `mpdtui auth ...` command a message quotes."""
    found = re.search(r"`mpdtui (auth[^`]*)`", message)
    assert found, message
    return shlex.split(found.group(1))


def test_a_failed_login_s_advice_logs_in_when_followed(
        fake: FakeSpotify, locations: Locations, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`mpdtui auth --client-id ID --port P` whose code Spotify refused said "run `mpdtui
    auth` again", which answered "no Spotify client id" (a client id is kept once a login
    works) and would have listened on the default port."""
    from mpdtui.commands import spotify as spotify_command

    desktop_browser(monkeypatch, tmp_path, follow=True)
    fake.fail_next("api/token", Fault(400))  # the code refused (expired, used already)
    typed = ["auth", "--client-id", fake.state.client_id, "--port", str(free_port())]
    with pytest.raises(UserError) as caught:
        spotify_command.run_auth(parse_arguments(typed), locations)
    assert str(caught.value).startswith("Spotify refused the login code")

    again = advised_command(str(caught.value))
    assert spotify_command.run_auth(parse_arguments(again), locations) == 0
    assert "Logged in to Spotify as Fake User" in capsys.readouterr().out


def test_a_taken_port_s_advice_names_the_client_id_given(
        fake: FakeSpotify, locations: Locations, monkeypatch: pytest.MonkeyPatch) -> None:
    from mpdtui.commands import spotify as spotify_command

    monkeypatch.setenv("DISPLAY", ":0")  # a desktop: the redirect comes to the port (without
    # one, the address is pasted, and a taken port is no matter)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        typed = ["auth", "--client-id", fake.state.client_id, "--port", str(port)]
        with pytest.raises(UserError) as caught:
            spotify_command.run_auth(parse_arguments(typed), locations)
    assert (f"log in on a free port with `mpdtui auth --client-id {fake.state.client_id} "
            "--port PORT`") in str(caught.value)


def test_the_app_s_taken_port_advice_names_the_client_id_typed(
        fake: FakeSpotify, locations: Locations) -> None:
    """The app's Spotify step, its port taken, said to log in with `mpdtui auth --port PORT`,
    which answered "no Spotify client id" where the id typed in the step had not logged in
    yet (it is kept once a login works)."""
    from mpdtui.services.root import open_services

    spotify = open_services(locations).spotify
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(UserError) as caught:
            spotify.login(fake.state.client_id, port=taken.getsockname()[1], open_browser=False)
    assert (f"`mpdtui auth --client-id {fake.state.client_id} --port PORT`"
            in str(caught.value))


def test_a_login_the_browser_ended_does_not_go_on_the_paste_prompt_s_line(
        fake: FakeSpotify, locations: Locations, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`mpdtui auth --no-browser`, the browser on this machine after all: the login ended
    through the redirect while the prompt waited for a paste, and its result went on the
    prompt's line ("... (it starts with http://127.0.0.1): Logged in to Spotify as ...")."""
    import threading

    import requests

    from mpdtui.commands import spotify as spotify_command

    shown: list[str] = []
    show_url = spotify_command._show_url
    monkeypatch.setattr(spotify_command, "_show_url",
                        lambda url, no_browser: (shown.append(url), show_url(url, no_browser)))
    ended = threading.Event()

    def the_browser_not_a_paste() -> str:
        requests.get(shown[0], timeout=10)  # the redirect reaches the login's catcher
        ended.wait(10)  # nothing typed
        raise EOFError

    monkeypatch.setattr(spotify_command, "read_stdin_line", the_browser_not_a_paste)
    typed = ["auth", "--client-id", fake.state.client_id, "--port", str(free_port()),
             "--no-browser"]
    try:
        assert spotify_command.run_auth(parse_arguments(typed), locations) == 0
        said = capsys.readouterr().out
    finally:
        ended.set()
    assert f"{spotify_command.PASTE_PROMPT}\nLogged in to Spotify as Fake User" in said


def test_a_pasted_redirect_cut_short_asks_again_and_one_in_quotes_logs_in(
        fake: FakeSpotify, locations: Locations, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`mpdtui auth --no-browser`: an address pasted without the end of its `state=` (a
    selection one character short) ended the login with "a stale or forged redirect", and
    the same address pasted whole in quotes (as copied from a chat or a shell) did too."""
    import requests

    from mpdtui.commands import spotify as spotify_command

    shown: list[str] = []
    show_url = spotify_command._show_url
    monkeypatch.setattr(spotify_command, "_show_url",
                        lambda url, no_browser: (shown.append(url), show_url(url, no_browser)))
    pasted: list[str] = []

    def the_user_pastes() -> str:
        redirect = requests.get(shown[0], allow_redirects=False, timeout=10)
        whole = redirect.headers["Location"]
        pasted.append(whole[:-1] if not pasted else f"'{whole}'")
        return pasted[-1]

    monkeypatch.setattr(spotify_command, "read_stdin_line", the_user_pastes)
    typed = ["auth", "--client-id", fake.state.client_id, "--port", str(free_port()),
             "--no-browser"]
    assert spotify_command.run_auth(parse_arguments(typed), locations) == 0
    said = capsys.readouterr().out
    assert "That is not it: the pasted address is cut short" in said
    assert "Logged in to Spotify as Fake User" in said
    assert len(pasted) == 2
