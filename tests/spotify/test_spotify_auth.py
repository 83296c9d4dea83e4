"""Spotify PKCE login against the loopback fake: browser and pasted-URL flows, token file,
refresh, invalid_grant, 401, status/logout, client id resolution, no tokens in logs."""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest
import requests
from desktop_browser import desktop_browser
from fake_spotify import DROP, FakeSpotify, Fault, s256, too_many

from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.services.root import open_services
from mpdtui.spotify import auth, redaction, session
from mpdtui.spotify.client import RetryPolicy, Wait, open_client
from mpdtui.spotify.errors import ApiUnavailable, LoginFailed, LoginRequired, clock_after
from mpdtui.spotify.settings import SpotifySettings
from mpdtui.tui.text import in_app


@pytest.fixture
def fake(fake: FakeSpotify, monkeypatch: pytest.MonkeyPatch) -> FakeSpotify:
    """The shared fake server, with no client id in the environment."""
    monkeypatch.delenv("MPDTUI_SPOTIFY_CLIENT_ID", raising=False)
    return fake


@pytest.fixture
def locations(tmp_path) -> Locations:
    return Locations.resolve(tmp_path / "cache").ensure()


def browser(url: str) -> None:
    """Plays the user's browser: follows the authorize URL and its redirect to the callback."""
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200, answer.text


def log_in(fake: FakeSpotify, locations: Locations) -> session.LoginStatus:
    return auth.login(locations, fake.state.client_id, port=0, open_url=browser, timeout=20)


def token_file(locations: Locations) -> dict:
    return json.loads(locations.spotify_token.read_text())


def test_full_login_through_the_browser(fake: FakeSpotify, locations: Locations,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    result = auth.login(locations, fake.state.client_id, port=0, open_url=browser,
                        on_url=seen.append, timeout=20)

    assert result.logged_in and result.user_id == "fake-user"
    assert result.display_name == "Fake User" and result.client_id == "test-client-id"
    assert "Fake User (fake-user)" in result.describe()
    authorize = fake.calls("authorize")[0].query
    assert authorize["redirect_uri"][0].startswith("http://127.0.0.1:")
    assert authorize["redirect_uri"][0].endswith("/callback")
    assert authorize["code_challenge_method"] == ["S256"] and authorize["state"][0]
    assert seen and seen[0].startswith(fake.accounts_url + "authorize?")
    exchange = fake.calls("api/token")[0]
    assert exchange.status == 200  # the fake checked S256(code_verifier) == code_challenge
    assert s256(exchange.body["code_verifier"][0]) == authorize["code_challenge"][0]
    stored = token_file(locations)
    assert stored["access_token"] in fake.state.issued
    assert stat.S_IMODE(os.stat(locations.spotify_token).st_mode) == 0o600
    for token in fake.state.issued:  # tokens never in logs
        assert token not in caplog.text
    assert exchange.body["code_verifier"][0] not in caplog.text


def test_no_browser_accepts_the_pasted_redirect_url(fake: FakeSpotify,
                                                    locations: Locations) -> None:
    shown: list[str] = []

    def paste() -> str:  # the user opens the URL elsewhere and copies the address bar
        redirect = requests.get(shown[0], allow_redirects=False, timeout=10)
        return redirect.headers["Location"] + "\n"

    result = auth.login(locations, fake.state.client_id, port=0, open_url=None, paste=paste,
                        on_url=shown.append, timeout=20)
    assert result.logged_in and result.user_id == "fake-user"


def test_a_redirect_with_another_state_is_refused(fake: FakeSpotify,
                                                  locations: Locations) -> None:
    shown: list[str] = []

    def forged() -> str:
        location = requests.get(shown[0], allow_redirects=False, timeout=10).headers["Location"]
        return location.replace("state=", "state=forged")

    with pytest.raises(LoginFailed, match="state does not match"):
        auth.login(locations, fake.state.client_id, port=0, open_url=None, paste=forged,
                   on_url=shown.append, timeout=20)
    assert not locations.spotify_token.exists()


def test_a_pasted_redirect_cut_short_says_so_and_one_in_quotes_logs_in(
        fake: FakeSpotify, locations: Locations) -> None:
    """An address whose `state=` was cut short was called "a stale or forged redirect", and
    one pasted in quotes (copied from a chat, a shell) was refused the same way."""
    shown: list[str] = []

    def redirect() -> str:
        return str(requests.get(shown[0], allow_redirects=False, timeout=10)
                   .headers["Location"])

    with pytest.raises(LoginFailed, match=r"cut short .* again, then paste the whole address"):
        auth.login(locations, fake.state.client_id, port=0, open_url=None,
                   paste=lambda: redirect()[:-3], on_url=shown.append, timeout=20)
    shown.clear()
    result = auth.login(locations, fake.state.client_id, port=0, open_url=None,
                        paste=lambda: f' "{redirect()}" ', on_url=shown.append, timeout=20)
    assert result.logged_in


def test_a_refused_or_bogus_login_is_one_clear_error(fake: FakeSpotify,
                                                     locations: Locations) -> None:
    shown: list[str] = []

    def bogus_code() -> str:
        state = shown[0].split("state=")[1].split("&")[0]
        return f"http://127.0.0.1:1/callback?code=not-a-code&state={state}"

    with pytest.raises(LoginFailed, match=r"refused the login code \(invalid_grant\)"):
        auth.login(locations, fake.state.client_id, port=0, open_url=None, paste=bogus_code,
                   on_url=shown.append, timeout=20)
    with pytest.raises(LoginFailed, match=r"Cancel was chosen .* again and choose Agree"):
        auth.login(locations, fake.state.client_id, port=0, open_url=None,
                   paste=lambda: "http://127.0.0.1/callback?error=access_denied", timeout=20)
    with pytest.raises(LoginFailed, match="no `code=`"):
        auth.login(locations, fake.state.client_id, port=0, open_url=None,
                   paste=lambda: "hello", timeout=20)


def test_a_login_the_accounts_service_rate_limited_says_when_to_log_in_again(
        fake: FakeSpotify, locations: Locations) -> None:
    """A 429 with a Retry-After of 2 hours said "run `mpdtui auth` again in a while": logging
    in again at once met the same limit."""
    fake.fail_next("api/token", too_many(7200))
    before = time.time()
    with pytest.raises(LoginFailed) as caught:
        auth.login(locations, fake.state.client_id, port=0, timeout=20,
                   open_url=lambda url: requests.get(url, timeout=10))
    after = time.time()
    assert str(caught.value) in {
        "Spotify's accounts service answered 429 to the login (busy or down, not a refusal): "
        f"run `mpdtui auth` again after {clock_after(7200, now)}" for now in (before, after)}


@pytest.mark.parametrize("fault", [Fault(503), Fault(429)], ids=["503", "429"])
def test_a_login_the_accounts_service_was_too_busy_for_is_not_said_refused(
        fake: FakeSpotify, locations: Locations, fault: Fault) -> None:
    """A 503 or 429 to the code exchange said "Spotify refused the login code ({'status':
    503, 'message': ...})", as if the login were wrong."""
    fake.fail_next("api/token", fault)
    with pytest.raises(LoginFailed) as caught:
        auth.login(locations, fake.state.client_id, port=0, timeout=20,
                   open_url=lambda url: requests.get(url, timeout=10))
    assert str(caught.value) == (
        f"Spotify's accounts service answered {fault.status} to the login (busy or down, not "
        "a refusal): run `mpdtui auth` again in a while")
    assert not locations.spotify_token.exists()


def test_a_login_whose_token_endpoint_cannot_be_reached_says_what_to_do(
        fake: FakeSpotify, locations: Locations) -> None:
    fake.fail_next("api/token", DROP)
    with pytest.raises(LoginFailed, match=r"^cannot reach http://127.0.0.1:\d+/accounts/api/"
                                          r"token \(ConnectionError\): check the connection, "
                                          r"then run `mpdtui auth` again$"):
        auth.login(locations, fake.state.client_id, port=0, timeout=20,
                   open_url=lambda url: requests.get(url, timeout=10))


def test_a_taken_port_says_how_to_log_in_on_another(fake: FakeSpotify,
                                                    locations: Locations) -> None:
    """It said "pass --port with a free port", which the app (whose Spotify step shows the
    same line) has no way to."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    with taken, pytest.raises(LoginFailed) as caught:
        auth.login(locations, fake.state.client_id, port=port, open_url=None, timeout=5)
    assert str(caught.value).startswith(f"cannot listen on 127.0.0.1:{port} for the login "
                                        "redirect (")
    assert str(caught.value).endswith(
        "end what holds it (another login waiting?), or log in on a free port with `mpdtui "
        "auth --port PORT` (the app has no --port; its login is the app's too), "
        "http://127.0.0.1:PORT/callback added to your app's Redirect URIs")
    assert in_app(str(caught.value)) == str(caught.value)  # nothing of it dropped in the app


def test_login_can_be_cancelled(fake: FakeSpotify, locations: Locations) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(LoginFailed, match="cancelled"):
        auth.login(locations, fake.state.client_id, port=0, open_url=None, cancel=cancel)


def test_expired_token_is_refreshed_and_keeps_refresh_token(fake: FakeSpotify,
                                                            locations: Locations) -> None:
    log_in(fake, locations)
    first = token_file(locations)
    first["expires_at"] = 0  # long expired
    locations.spotify_token.write_text(json.dumps(first))
    fake.state.omit_refresh_token = True  # a refresh answer may leave it out

    assert open_client(locations).me()["id"] == "fake-user"

    renewed = token_file(locations)
    assert renewed["access_token"] != first["access_token"]
    assert renewed["refresh_token"] == first["refresh_token"]
    assert renewed["mpdtui_login_id"] == first["mpdtui_login_id"]
    assert renewed["mpdtui_user_id"] == "fake-user"
    assert stat.S_IMODE(os.stat(locations.spotify_token).st_mode) == 0o600


def test_a_login_readable_by_others_is_made_the_owner_s_alone(
        fake: FakeSpotify, locations: Locations) -> None:
    """A token file restored from a backup or copied with mode 644 stayed readable by every
    user of the machine (its refresh token acts as the user for months), also while in use."""
    log_in(fake, locations)
    os.chmod(locations.spotify_token, 0o644)

    assert session.status(locations).logged_in
    assert stat.S_IMODE(os.stat(locations.spotify_token).st_mode) == 0o600


def test_401_refreshes_once_then_retries(fake: FakeSpotify, locations: Locations) -> None:
    log_in(fake, locations)
    client = open_client(locations)
    refreshes = len(fake.calls("api/token"))
    fake.expire_access_tokens()
    assert client.me()["id"] == "fake-user"
    assert len(fake.calls("api/token")) == refreshes + 1


@pytest.mark.parametrize("fault", [DROP, Fault(500), too_many(0)], ids=["drop", "500", "429"])
def test_a_renewal_that_fails_in_passing_is_retried(fake: FakeSpotify, locations: Locations,
                                                   fault: Fault) -> None:
    """After a 401, a dropped connection to the token endpoint said only "('Connection
    aborted.', RemoteDisconnected(...))" and a 500 "Spotify refused to renew the login
    ({'status': 500, ...}): run `mpdtui auth`": neither is a refused login."""
    log_in(fake, locations)
    waits: list[Wait] = []
    client = open_client(locations, policy=RetryPolicy(backoff_base=0.01), on_wait=waits.append)
    fake.expire_access_tokens()
    fake.fail_next("api/token", fault)
    assert client.me()["id"] == "fake-user"
    assert len(waits) == 1


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_renewal_failing_in_passing_is_told_by_the_answer_not_by_spotipy_s_chaining(
        fake: FakeSpotify, locations: Locations, monkeypatch: pytest.MonkeyPatch,
        status: int) -> None:
    """Passing trouble was told from a refusal by `exc.__context__.response`, which only
    spotipy's way of raising (inside `except HTTPError`) provides: a spotipy that checks the
    status itself made a 503 "Spotify refused to renew the login: run `mpdtui auth`"."""
    from spotipy.exceptions import SpotifyOauthError
    from spotipy.oauth2 import SpotifyPKCE

    def refresh_unchained(self: SpotifyPKCE, refresh_token: str) -> dict[str, object]:
        response = self._session.post(self.OAUTH_TOKEN_URL, timeout=self.requests_timeout,
                                      data={"refresh_token": refresh_token,
                                            "grant_type": "refresh_token",
                                            "client_id": self.client_id})
        if response.status_code >= 400:
            error = response.json().get("error")
            raise SpotifyOauthError(f"error: {error}", error=error)  # nothing chained
        token_info = self._add_custom_values_to_token_info(response.json())
        self.cache_handler.save_token_to_cache(token_info)
        return token_info

    monkeypatch.setattr(SpotifyPKCE, "refresh_access_token", refresh_unchained)
    log_in(fake, locations)
    waits: list[Wait] = []
    client = open_client(locations, policy=RetryPolicy(backoff_base=0.01), on_wait=waits.append)
    fake.expire_access_tokens()
    fake.fail_next("api/token", Fault(status) if status != 429 else too_many(0))
    assert client.me()["id"] == "fake-user"
    assert len(waits) == 1
    fake.expire_access_tokens()
    fake.revoke_refresh_tokens()  # a refusal is still one
    with pytest.raises(LoginRequired):
        client.me()


def test_a_renewal_answered_by_a_page_not_json_is_passing_trouble(
        fake: FakeSpotify, locations: Locations) -> None:
    """A network login page (or a proxy's) answering the renewal 200 said only "mpdtui:
    Expecting value: line 1 column 1 (char 0)" (requests' JSONDecodeError is an OSError)."""
    log_in(fake, locations)
    client = open_client(locations, policy=RetryPolicy(max_attempts=2, backoff_base=0.01))
    fake.expire_access_tokens()
    fake.fail_next("api/token", Fault(200, page=True))
    assert client.me()["id"] == "fake-user"  # retried: the next renewal is answered
    fake.expire_access_tokens()
    fake.fail_next("api/token", Fault(200, page=True), Fault(200, page=True))
    with pytest.raises(ApiUnavailable) as caught:
        client.me()
    assert str(caught.value) == (
        "Spotify's accounts service sent a page that is not its answer (renewing the login; "
        "a network login page in the way?) to me 2 times: run the command again later; "
        "everything fetched so far is kept")


def test_a_renewal_that_keeps_failing_says_to_run_again_later(fake: FakeSpotify,
                                                               locations: Locations) -> None:
    log_in(fake, locations)
    client = open_client(locations, policy=RetryPolicy(max_attempts=2, backoff_base=0.01))
    fake.expire_access_tokens()
    fake.fail_next("api/token", Fault(503), Fault(503))
    with pytest.raises(ApiUnavailable) as caught:
        client.me()
    assert str(caught.value) == ("Spotify's accounts service answered 503 (renewing the login) "
                                 "to me 2 times: run the command again later; everything "
                                 "fetched so far is kept")


def test_a_login_renewed_by_another_process_is_taken_not_said_revoked(
        fake: FakeSpotify, locations: Locations) -> None:
    """A refresh token is good for one renewal (the fake, like Spotify's PKCE, hands a new
    one). The app's export renewed the login while a download in another terminal held the
    old one: the download's renewal said "the Spotify login has expired or was revoked" and
    marked it refused for `auth --status`, though the file held a good login."""
    log_in(fake, locations)
    long_running = open_client(locations)  # a features download, say
    fake.expire_access_tokens()
    assert open_client(locations).me()["id"] == "fake-user"  # another process renews it
    refreshes = len(fake.calls("api/token"))
    assert long_running.me()["id"] == "fake-user"  # its 401: the renewed login taken
    assert len(fake.calls("api/token")) == refreshes  # no renewal needed
    assert session.status(locations).usable
    fake.expire_access_tokens()
    first = token_file(locations)
    first["expires_at"] = 0  # both expired: the first renewal wins, the other takes it
    locations.spotify_token.write_text(json.dumps(first))
    a, b = open_client(locations), open_client(locations)
    assert a.me()["id"] == "fake-user" and b.me()["id"] == "fake-user"
    assert session.status(locations).usable


def test_invalid_grant_means_log_in_again(fake: FakeSpotify, locations: Locations) -> None:
    log_in(fake, locations)
    client = open_client(locations)
    fake.revoke_refresh_tokens()
    fake.expire_access_tokens()
    with pytest.raises(LoginRequired, match="log in again") as caught:
        client.me()
    for token in fake.state.issued:
        assert token not in str(caught.value)


def test_a_login_spotify_refused_to_renew_is_not_said_to_be_valid(
        fake: FakeSpotify, locations: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    """`auth --status` (and the setup's Spotify step) said "Logged in ... login valid until
    about <6 months on>" (exit 0) right after a command had said the login was revoked."""
    from mpdtui.commands.spotify import run_auth

    log_in(fake, locations)
    fake.revoke_refresh_tokens()
    fake.expire_access_tokens()
    with pytest.raises(LoginRequired):
        open_client(locations).me()
    assert run_auth(auth_args(status=True), locations) == 1
    said = capsys.readouterr().out
    assert said.startswith("Spotify refused to renew the login as Fake User (fake-user) with "
                           "app test-client-id on ")
    assert said.rstrip().endswith("(it expired or was revoked): run `mpdtui auth` to log in "
                                  "again.")
    log_in(fake, locations)  # a new login: valid again
    assert run_auth(auth_args(status=True), locations) == 0
    assert capsys.readouterr().out.startswith("Logged in to Spotify as Fake User")


def test_not_logged_in(locations: Locations) -> None:
    with pytest.raises(LoginRequired, match="mpdtui auth"):
        open_client(locations)
    assert not session.status(locations).logged_in


def auth_args(**overrides: object) -> argparse.Namespace:
    values = {"client_id": None, "no_browser": False, "port": 0, "status": False,
              "logout": False}
    values.update(overrides)
    return argparse.Namespace(**values)


def test_cli_auth_status_and_logout(fake: FakeSpotify, locations: Locations,
                                    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from mpdtui.commands.spotify import run_auth

    desktop_browser(monkeypatch, tmp_path, follow=True)
    assert run_auth(auth_args(client_id=fake.state.client_id), locations) == 0
    assert "Logged in to Spotify as Fake User" in capsys.readouterr().out

    assert run_auth(auth_args(status=True), locations) == 0
    said = capsys.readouterr().out
    assert "Fake User (fake-user)" in said and "valid until" in said
    assert token_file(locations)["access_token"] not in said

    assert run_auth(auth_args(logout=True), locations) == 0
    assert not locations.spotify_token.exists()
    assert run_auth(auth_args(status=True), locations) == 1
    assert "Not logged in" in capsys.readouterr().out


def test_cli_auth_without_client_id_is_a_user_error(fake: FakeSpotify,
                                                    locations: Locations) -> None:
    from mpdtui.commands.spotify import run_auth

    with pytest.raises(UserError, match="--client-id"):
        run_auth(auth_args(), locations)


def test_client_id_sources_in_order(locations: Locations,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MPDTUI_SPOTIFY_CLIENT_ID", raising=False)
    spotify = open_services(locations).spotify
    assert spotify.client_id() is None
    session.TokenFile(locations.ensure().spotify_token).save_token_to_cache(
        {"mpdtui_client_id": "old"})  # a past login
    assert spotify.client_id() == "old"
    locations.config_json.write_text(json.dumps(
        {"format": "mpdtui-config", "version": 1, "spotify_client_id": "from-config"}))
    assert spotify.client_id() == "from-config"
    monkeypatch.setenv("MPDTUI_SPOTIFY_CLIENT_ID", "from-env")
    assert spotify.client_id() == "from-env"
    assert spotify.client_id("from-flag") == "from-flag"


def test_a_client_id_that_did_not_log_in_is_not_kept(fake: FakeSpotify,
                                                     locations: Locations) -> None:
    """A mistyped --client-id, its login given up (Spotify's page said INVALID_CLIENT), was
    saved in config.json before the login: every later `mpdtui auth` took it again."""
    log_in(fake, locations)
    services = open_services(locations)
    given_up = threading.Event()
    given_up.set()
    with pytest.raises(LoginFailed, match="cancelled"):
        services.spotify.login("mistyped0id", port=0, open_browser=False, cancel=given_up)
    assert services.spotify.client_id() == fake.state.client_id


def test_a_login_that_waited_in_vain_says_what_to_check_before_trying_again(
        fake: FakeSpotify, locations: Locations) -> None:
    """A mistyped Client ID: Spotify's page said INVALID_CLIENT (in the browser only), and the
    login ended "no login redirect arrived within 300 s: run `mpdtui auth` again", which, run
    again with the same Client ID, waited in vain again (the hint shown before the wait was
    gone from the app's step by then)."""
    answers = []
    with pytest.raises(LoginFailed) as caught:
        auth.login(locations, "mistyped0id", port=0, timeout=1,
                   open_url=lambda url: answers.append(requests.get(url, timeout=10)))
    assert answers[0].status_code == 400  # Spotify's page: INVALID_CLIENT
    redirect = answers[0].url.split("redirect_uri=")[1].split("&")[0].replace("%3A", ":")
    redirect = redirect.replace("%2F", "/")
    assert str(caught.value) == (
        "no login redirect arrived within 1 s: if Spotify's page said INVALID_CLIENT, check the "
        "Client ID, and that your app's Redirect URIs (developer.spotify.com/dashboard, your "
        f"app, Settings) hold {redirect} exactly; then run `mpdtui auth` again")


def test_base_urls_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MPDTUI_SPOTIFY_API_URL", raising=False)
    monkeypatch.delenv("MPDTUI_SPOTIFY_ACCOUNTS_URL", raising=False)
    default = SpotifySettings.from_env()
    assert default.api_url == "https://api.spotify.com/v1/"
    assert default.token_url == "https://accounts.spotify.com/api/token"
    monkeypatch.setenv("MPDTUI_SPOTIFY_ACCOUNTS_URL", "http://127.0.0.1:9/acc")
    assert SpotifySettings.from_env().authorize_url == "http://127.0.0.1:9/acc/authorize"


def test_redaction_masks_tokens() -> None:
    text = redaction.redact("Headers: {'Authorization': 'Bearer abc.def'} "
                            "Body: {'refresh_token': 'RT-1', 'code': 'C-2', 'code_verifier': 'v'}")
    assert "abc.def" not in text and "RT-1" not in text and "C-2" not in text
    assert "'v'" not in text


def test_a_login_as_another_user_never_says_the_earlier_user(fake: FakeSpotify,
                                                             locations: Locations) -> None:
    """Logging in again as someone else over a login (no logout first), where Spotify did not
    say who (GET me failed): the login is kept, and its user is unknown, not the one before,
    which `auth --status` went on naming."""
    log_in(fake, locations)
    assert session.status(locations).user_id == "fake-user"
    fake.state.user_id, fake.state.display_name = "someone-else", "Someone Else"
    fake.fail_next("me", Fault(503), Fault(503))
    again = log_in(fake, locations)
    assert again.logged_in and again.user_id is None and again.display_name is None
    assert "Fake User" not in again.describe() and "fake-user" not in again.describe()
    log_in(fake, locations)  # Spotify says who, this time
    assert session.status(locations).user_id == "someone-else"


def test_a_pasted_login_needs_no_free_port(fake: FakeSpotify, locations: Locations,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Over ssh (`auth --no-browser`) the browser runs on another machine: its redirect never
    reaches this one, and the address is pasted. A port taken here (8765 by another service)
    refused that login all the same, with advice to register another redirect URI."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        shown: list[str] = []

        def paste() -> str:
            return requests.get(shown[0], allow_redirects=False, timeout=10).headers["Location"]

        result = auth.login(locations, fake.state.client_id, port=port, open_url=None,
                            paste=paste, on_url=shown.append, timeout=20)
        assert result.logged_in
        assert f"127.0.0.1%3A{port}%2Fcallback" in shown[0]  # the redirect URI registered
        monkeypatch.setenv("DISPLAY", ":0")  # a desktop: the browser's redirect comes here
        with pytest.raises(LoginFailed, match=f"cannot listen on 127.0.0.1:{port}"):
            auth.login(locations, fake.state.client_id, port=port, open_url=lambda url: None,
                       paste=paste, timeout=20)
