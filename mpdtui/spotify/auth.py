"""Spotify login: Authorization Code with PKCE through spotipy, client id only.

The interactive part: the redirect catcher on 127.0.0.1, the pasted-URL fallback, the code
exchange and remembering who logged in. The token file it writes and the access tokens handed
to the API client are in `session`.
"""

from __future__ import annotations

import contextlib
import queue
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
from spotipy.exceptions import SpotifyOauthError
from spotipy.oauth2 import SpotifyPKCE

from mpdtui.browser import can_open_a_browser, open_in_browser
from mpdtui.locations import Locations
from mpdtui.spotify.client import RetryPolicy, SpotifyClient, retry_after_seconds
from mpdtui.spotify.errors import LoginFailed, SpotifyError, clock_after
from mpdtui.spotify.redaction import short_redacted
from mpdtui.spotify.session import (
    DEFAULT_PORT,
    LoginStatus,
    Session,
    TokenFile,
    TokenHttp,
    passing_trouble,
    redirect_uri_for,
    spotify_pkce,
    status,
)
from mpdtui.spotify.settings import SpotifySettings, pasted_redirect, state_problem

LOGIN_TIMEOUT_S = 300.0
CALLBACK_IDLE_S = 10.0
"""How long the redirect catcher waits on a connection that sends nothing."""


class _CallbackHandler(BaseHTTPRequestHandler):
    timeout = CALLBACK_IDLE_S  # a connection that sends nothing is dropped
    server: _RedirectServer

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path.rstrip("/") != "/callback":
            self.send_error(404)
            return
        if parse_qs(url.query).get("state", [""])[0] != self.server.state:
            self.send_error(400, "Not the redirect of the login mpdtui is waiting for")
            return  # a stale tab or another page: keep waiting for the real redirect
        self.server.answers.put(self.path)
        body = (b"<html><body><h1>mpdtui: login received</h1>"
                b"<p>You can close this window and go back to the terminal.</p></body></html>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # the URL holds the code
        return


class _RedirectServer(ThreadingHTTPServer):
    """One thread per connection (an idle one never holds up the redirect), none waited for
    on close, and a connection that fails is no one's concern: no traceback."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, port: int, answers: queue.Queue[str], state: str) -> None:
        super().__init__(("127.0.0.1", port), _CallbackHandler)
        self.answers, self.state = answers, state

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


class _CallbackServer:
    """The redirect target: 127.0.0.1 only, served from a daemon thread. Only a redirect
    carrying this login's `state` ends the wait."""

    def __init__(self, port: int, answers: queue.Queue[str], state: str) -> None:
        try:
            self._server = _RedirectServer(port, answers, state)
        except OSError as exc:
            raise LoginFailed(
                f"cannot listen on 127.0.0.1:{port} for the login redirect ({exc.strerror}): "
                "end what holds it (another login waiting?), or log in on a free port with "
                "`mpdtui auth --port PORT` (the app has no --port; its login is the app's too), "
                "http://127.0.0.1:PORT/callback added to your app's Redirect URIs") from None
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def login(locations: Locations, client_id: str, *, settings: SpotifySettings | None = None,
          port: int = DEFAULT_PORT,
          open_url: Callable[[str], object] | None = open_in_browser,
          paste: Callable[[], str] | None = None,
          on_url: Callable[[str], None] | None = None,
          timeout: float = LOGIN_TIMEOUT_S,
          cancel: threading.Event | None = None) -> LoginStatus:
    """Run the PKCE login and store the token. The redirect is caught by a callback server
    on 127.0.0.1:`port` (0 = any free port); `paste`, when given, is called in a thread and
    may return the redirected URL instead (for SSH sessions). `on_url` receives the
    authorize URL to show; `open_url` opens it (None: do not open a browser)."""
    settings = settings or SpotifySettings.from_env()
    state = secrets.token_urlsafe(16)
    answers: queue.Queue[str] = queue.Queue()
    pasted_only = paste is not None and (open_url is None or not can_open_a_browser())
    server = _catcher(port, answers, state, pasted_only)
    try:
        redirect_uri = redirect_uri_for(port if server is None else server.port)
        tokens = TokenFile(locations.spotify_token)
        http = TokenHttp()
        pkce = spotify_pkce(client_id, redirect_uri, settings, tokens, state, http)
        url = pkce.get_authorize_url()
        if on_url is not None:
            on_url(url)
        if paste is not None:
            threading.Thread(target=_read_paste, args=(paste, answers), daemon=True).start()
        if open_url is not None:
            open_url(url)
        answer = _wait_for_answer(answers, timeout, cancel, redirect_uri)
    finally:
        if server is not None:
            server.close()
    code = _code_from_redirect(answer, state)
    # who logged in is asked next: never the earlier login's user (someone else, perhaps)
    tokens.pending_meta = {
        "mpdtui_client_id": client_id, "mpdtui_redirect_uri": redirect_uri,
        "mpdtui_login_id": secrets.token_hex(8), "mpdtui_authorized_at": time.time(),
        "mpdtui_user_id": None, "mpdtui_display_name": None,
    }
    _exchange(pkce, code, settings, http)
    _remember_user(locations, settings)
    return status(locations)


def _catcher(port: int, answers: queue.Queue[str], state: str,
             pasted_only: bool) -> _CallbackServer | None:
    """The redirect catcher on `port`; None where the port is taken and the redirect is to be
    pasted anyway (no browser here: over ssh, the browser's machine is another one, and its
    redirect never reaches this one), so the port registered in the app still serves."""
    try:
        return _CallbackServer(port, answers, state)
    except LoginFailed:
        if pasted_only and port != 0:
            return None
        raise


def _read_paste(paste: Callable[[], str], answers: queue.Queue[str]) -> None:
    """A pasted redirected URL; end of input just leaves the callback server waiting."""
    try:
        answer = paste()
    except (EOFError, OSError, ValueError):
        return
    if answer and answer.strip():
        answers.put(answer)


def _wait_for_answer(answers: queue.Queue[str], timeout: float,
                     cancel: threading.Event | None, redirect_uri: str) -> str:
    """The redirected URL; a login that waited in vain says the likely why: Spotify's page
    refused it (INVALID_CLIENT, in the browser only), and the same login again would too."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cancel is not None and cancel.is_set():
            raise LoginFailed("Spotify login cancelled")
        with contextlib.suppress(queue.Empty):
            return answers.get(timeout=0.1)
    raise LoginFailed(f"no login redirect arrived within {timeout:.0f} s: if Spotify's page "
                      "said INVALID_CLIENT, check the Client ID, and that your app's Redirect "
                      "URIs (developer.spotify.com/dashboard, your app, Settings) hold "
                      f"{redirect_uri} exactly; then run `mpdtui auth` again")


def _code_from_redirect(answer: str, state: str) -> str:
    query = parse_qs(urlparse(pasted_redirect(answer)).query)
    if "error" in query:
        raise LoginFailed(_refusal(query["error"][0]))
    if "code" not in query:
        raise LoginFailed("that is not the redirected URL (it has no `code=`): paste the whole "
                          "address the browser was sent to")
    if problem := state_problem(answer, state):
        raise LoginFailed(f"{problem}: run `mpdtui auth` again, then paste the whole address "
                          "the browser lands on")
    return query["code"][0]


def _refusal(error: str) -> str:
    if error == "access_denied":  # the Cancel button on Spotify's page
        return ("Spotify login was refused (access_denied: Cancel was chosen on Spotify's "
                "page): run `mpdtui auth` again and choose Agree")
    return f"Spotify login was refused ({short_redacted(error)}): run `mpdtui auth` again"


def _exchange(pkce: SpotifyPKCE, code: str, settings: SpotifySettings,
              http: TokenHttp) -> None:
    http.answered = None
    try:
        pkce.get_access_token(code=code, check_cache=False)
    except SpotifyOauthError as exc:
        if passing_trouble(http.answered):
            raise LoginFailed(f"Spotify's accounts service answered {http.answered} to the "
                              "login (busy or down, not a refusal): run `mpdtui auth` again "
                              f"{_when_over(http)}") from None
        raise LoginFailed(f"Spotify refused the login code ({short_redacted(exc.error)}): "
                          "run `mpdtui auth` again") from None
    except requests.RequestException as exc:
        raise LoginFailed(f"cannot reach {settings.token_url} ({type(exc).__name__}): check "
                          "the connection, then run `mpdtui auth` again") from None


def _when_over(http: TokenHttp) -> str:
    """When to log in again after the accounts service's trouble: "in a while", or once the
    rate limit it set is over ("after 14:39"; at once, the login met the same limit)."""
    if http.answered == 429 and http.retry_after is not None:
        seconds = retry_after_seconds({"Retry-After": http.retry_after}, default=-1)
        if seconds >= 0:
            return f"after {clock_after(seconds)}"
    return "in a while"


def _remember_user(locations: Locations, settings: SpotifySettings) -> None:
    """Store who logged in, for `auth --status`; a failure here does not undo the login."""
    try:
        client = SpotifyClient(Session(locations, settings), settings,
                               RetryPolicy(max_attempts=2, backoff_base=0.5))
        me = client.me()
    except SpotifyError:
        return
    TokenFile(locations.spotify_token).update(mpdtui_user_id=me.get("id"),
                                              mpdtui_display_name=me.get("display_name"))
