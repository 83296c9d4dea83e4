"""Spotify login: Authorization Code with PKCE through spotipy, client id only.

The token file lives in the cache dir (`Locations.spotify_token`, mode 600 from creation), so
each cache dir is its own login. Besides spotipy's token fields it keeps a few `mpdtui_*`
fields: the client id and redirect URI (needed to refresh), the user, when the login happened
and a random login id (the "token" a remembered 403 belongs to).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import re
import secrets
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import orjson
import requests
from spotipy.cache_handler import CacheFileHandler
from spotipy.exceptions import SpotifyOauthError
from spotipy.oauth2 import SpotifyPKCE

from mpdtui.locations import Locations
from mpdtui.printable import printable
from mpdtui.spotify.errors import DamagedLogin, LoginFailed, LoginRequired, SpotifyError
from mpdtui.spotify.settings import SCOPES, SpotifySettings

DEFAULT_PORT = 8765
LOGIN_TIMEOUT_S = 300.0
CALLBACK_IDLE_S = 10.0
"""How long the redirect catcher waits on a connection that sends nothing."""
REFRESH_TOKEN_LIFETIME_S = 182 * 24 * 3600  # refresh tokens expire 6 months after login
REQUEST_TIMEOUT_S = 20.0

NOT_LOGGED_IN = "not logged in to Spotify: run `mpdtui auth` first"
LOG_IN_AGAIN = "the Spotify login has expired or was revoked: run `mpdtui auth` to log in again"

_META_KEYS = ("mpdtui_client_id", "mpdtui_redirect_uri", "mpdtui_login_id",
              "mpdtui_authorized_at", "mpdtui_user_id", "mpdtui_display_name")


def redirect_uri_for(port: int) -> str:
    return f"http://127.0.0.1:{port}/callback"


# --- keeping tokens out of logs ---------------------------------------------------------

_SECRET_PATTERNS = (
    re.compile(r"(Bearer\s+)[^\s'\",}]+"),
    re.compile(r"((?:access_token|refresh_token|code_verifier|code)['\"]?\s*[:=]\s*['\"]?)"
               r"[^\s'\"&,}]+"),
)


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1<redacted>", text)
    return text


class _RedactTokens(logging.Filter):
    """spotipy logs request headers and token payloads at debug level: mask them. Its
    error-level lines about HTTP errors we handle ourselves are demoted to debug so that
    Python's last-resort handler does not print them on every retried 429."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.levelno >= logging.WARNING and record.name == "spotipy.client":
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def install_log_redaction() -> None:
    for name in ("spotipy.client", "spotipy.oauth2", "spotipy.cache_handler"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactTokens) for f in logger.filters):
            logger.addFilter(_RedactTokens())


install_log_redaction()


# --- the token file ---------------------------------------------------------------------

class TokenFile(CacheFileHandler):
    """spotipy's file cache, written atomically and created with mode 600 (never briefly
    world-readable); keeps the `mpdtui_*` fields across refreshes."""

    def __init__(self, path: Path) -> None:
        super().__init__(cache_path=str(path))
        self.path = path
        self.pending_meta: dict[str, Any] = {}

    def get_cached_token(self) -> dict[str, Any] | None:
        try:
            document = orjson.loads(self.path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        return document if isinstance(document, dict) else None

    def save_token_to_cache(self, token_info: dict[str, Any]) -> None:
        previous = self.get_cached_token() or {}
        merged = {key: previous[key] for key in _META_KEYS
                  if key in previous and _field_problem(key, previous[key]) is None}
        merged.update(self.pending_meta)
        merged.update(token_info)
        if "refresh_token" not in merged and "refresh_token" in previous:
            merged["refresh_token"] = previous["refresh_token"]  # refresh may omit it
        self._write(merged)

    def update(self, **fields: Any) -> None:
        current = self.get_cached_token()
        if current is not None:
            self._write({**current, **fields})

    def _write(self, document: dict[str, Any]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                   dir=self.path.parent)  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps(document))
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


_TEXT_FIELDS = ("access_token", "refresh_token", "scope", "token_type", *(
    key for key in _META_KEYS if key != "mpdtui_authorized_at"))
_TIME_FIELDS = ("expires_at", "mpdtui_authorized_at")
_SECRET_FIELDS = ("access_token", "refresh_token")
_LATEST_TIMESTAMP = 2.0**34  # the year 2514: later is not a time, it is damage
REPAIR = "run `mpdtui auth` to log in again (it replaces the file)"


def read_login(path: Path) -> dict[str, Any] | None:
    """The stored login (None when there is none); DamagedLogin naming the file, the field
    and what is wrong when it cannot be used."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise DamagedLogin(f"{path} is damaged (not JSON): {REPAIR}") from None
    if not isinstance(document, dict):
        raise DamagedLogin(f"{path} is damaged (not a JSON object): {REPAIR}")
    for key, value in document.items():
        problem = _field_problem(key, value)
        if problem is not None:
            raise DamagedLogin(f'{path} is damaged: field "{key}" {problem}: {REPAIR}')
    return document


def _field_problem(key: str, value: Any) -> str | None:
    """What is wrong with a token file field (None: nothing); never shows a token."""
    shown = type(value).__name__ if key in _SECRET_FIELDS else printable(repr(value))[:40]
    if key in _TEXT_FIELDS and not (value is None or isinstance(value, str)):
        return f"is {shown}, expected a string"
    if key in _TIME_FIELDS and not (value is None or _is_timestamp(value)):
        return f"is {shown}, expected a time in seconds"
    return None


def _is_timestamp(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and 0 <= value < _LATEST_TIMESTAMP)


def _pkce(client_id: str, redirect_uri: str, settings: SpotifySettings, tokens: TokenFile,
          state: str | None) -> SpotifyPKCE:
    pkce = SpotifyPKCE(client_id=client_id, redirect_uri=redirect_uri, state=state,
                       scope=SCOPES, open_browser=False, cache_handler=tokens,
                       requests_timeout=REQUEST_TIMEOUT_S)
    pkce.OAUTH_AUTHORIZE_URL = settings.authorize_url
    pkce.OAUTH_TOKEN_URL = settings.token_url
    return pkce


# --- status and logout ------------------------------------------------------------------

@dataclass(frozen=True)
class LoginStatus:
    """What the token file says; no network involved."""

    logged_in: bool
    user_id: str | None = None
    display_name: str | None = None
    client_id: str | None = None
    scope: str = ""
    access_expires_at: float | None = None
    authorized_at: float | None = None
    login_id: str | None = None

    @property
    def login_expires_at(self) -> float | None:
        if self.authorized_at is None:
            return None
        return self.authorized_at + REFRESH_TOKEN_LIFETIME_S

    def describe(self) -> str:
        if not self.logged_in:
            return "Not logged in to Spotify (run `mpdtui auth`)."
        who = self.display_name or self.user_id or "an unknown user"
        if self.user_id and self.display_name and self.display_name != self.user_id:
            who = f"{self.display_name} ({self.user_id})"
        parts = [f"Logged in to Spotify as {who} with app {self.client_id}"]
        if self.access_expires_at is not None:
            parts.append(f"access token valid until {_when(self.access_expires_at)} "
                         "(renewed automatically)")
        if self.login_expires_at is not None:
            parts.append(f"login valid until about {_when(self.login_expires_at)}, "
                         "then run `mpdtui auth` again")
        return "; ".join(parts) + "."


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M %Z")


def status(locations: Locations) -> LoginStatus:
    """What the token file says; DamagedLogin when it cannot be used."""
    info = read_login(locations.spotify_token)
    if not info or not info.get("refresh_token"):
        return LoginStatus(logged_in=False)
    return LoginStatus(
        logged_in=True,
        user_id=info.get("mpdtui_user_id"),
        display_name=info.get("mpdtui_display_name"),
        client_id=info.get("mpdtui_client_id"),
        scope=info.get("scope", ""),
        access_expires_at=info.get("expires_at"),
        authorized_at=info.get("mpdtui_authorized_at"),
        login_id=info.get("mpdtui_login_id"),
    )


def logout(locations: Locations) -> bool:
    """Remove the token file; False when there was none."""
    try:
        locations.spotify_token.unlink()
    except FileNotFoundError:
        return False
    return True


# --- access tokens for API calls --------------------------------------------------------

class Session:
    """Hands access tokens to the API client: from the file, refreshed when expired or when
    the API answered 401. Never starts an interactive login (that is `login`'s job)."""

    def __init__(self, locations: Locations, settings: SpotifySettings | None = None) -> None:
        self._tokens = TokenFile(locations.spotify_token)
        self._lock = threading.Lock()
        info = read_login(locations.spotify_token)
        if not info or not info.get("refresh_token") or not info.get("mpdtui_client_id"):
            raise LoginRequired(NOT_LOGGED_IN)
        self._info = info
        redirect = info.get("mpdtui_redirect_uri") or redirect_uri_for(DEFAULT_PORT)
        self._pkce = _pkce(info["mpdtui_client_id"], redirect,
                           settings or SpotifySettings.from_env(), self._tokens, None)

    @property
    def login_id(self) -> str:
        return str(self._info.get("mpdtui_login_id") or "")

    def get_access_token(self, as_dict: bool = False) -> str:
        """spotipy's auth-manager hook."""
        with self._lock:
            if SpotifyPKCE.is_token_expired(self._info):
                self._refresh()
            return str(self._info["access_token"])

    def force_refresh(self) -> None:
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        try:
            self._pkce.refresh_access_token(self._info["refresh_token"])
        except SpotifyOauthError as exc:
            if exc.error == "invalid_grant":
                raise LoginRequired(LOG_IN_AGAIN) from None
            raise SpotifyError(f"Spotify refused to renew the login ({_short(exc.error)}): "
                               "run `mpdtui auth` to log in again") from None
        self._info = self._tokens.get_cached_token() or self._info


def _short(text: object) -> str:
    return redact(str(text))[:120]


# --- interactive login ------------------------------------------------------------------

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
                "pass --port with a free port (and register that redirect URI)") from None
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def login(locations: Locations, client_id: str, *, settings: SpotifySettings | None = None,
          port: int = DEFAULT_PORT,
          open_url: Callable[[str], object] | None = webbrowser.open,
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
    server = _CallbackServer(port, answers, state)
    try:
        redirect_uri = redirect_uri_for(server.port)
        tokens = TokenFile(locations.spotify_token)
        pkce = _pkce(client_id, redirect_uri, settings, tokens, state)
        url = pkce.get_authorize_url()
        if on_url is not None:
            on_url(url)
        if paste is not None:
            threading.Thread(target=_read_paste, args=(paste, answers), daemon=True).start()
        if open_url is not None:
            open_url(url)
        answer = _wait_for_answer(answers, timeout, cancel)
    finally:
        server.close()
    code = _code_from_redirect(answer, state)
    tokens.pending_meta = {
        "mpdtui_client_id": client_id, "mpdtui_redirect_uri": redirect_uri,
        "mpdtui_login_id": secrets.token_hex(8), "mpdtui_authorized_at": time.time(),
    }
    _exchange(pkce, code, settings)
    _remember_user(locations, settings)
    return status(locations)


def _read_paste(paste: Callable[[], str], answers: queue.Queue[str]) -> None:
    """A pasted redirected URL; end of input just leaves the callback server waiting."""
    try:
        answer = paste()
    except (EOFError, OSError, ValueError):
        return
    if answer and answer.strip():
        answers.put(answer)


def _wait_for_answer(answers: queue.Queue[str], timeout: float,
                     cancel: threading.Event | None) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cancel is not None and cancel.is_set():
            raise LoginFailed("Spotify login cancelled")
        with contextlib.suppress(queue.Empty):
            return answers.get(timeout=0.1)
    raise LoginFailed(f"no login redirect arrived within {timeout:.0f} s: run `mpdtui auth` again")


def _code_from_redirect(answer: str, state: str) -> str:
    query = parse_qs(urlparse(answer.strip()).query)
    if "error" in query:
        raise LoginFailed(f"Spotify login was refused ({_short(query['error'][0])})")
    if "code" not in query:
        raise LoginFailed("that is not the redirected URL (it has no `code=`): paste the whole "
                          "address the browser was sent to")
    if query.get("state", [""])[0] != state:
        raise LoginFailed("the redirect's state does not match this login (a stale or forged "
                          "redirect): run `mpdtui auth` again")
    return query["code"][0]


def _exchange(pkce: SpotifyPKCE, code: str, settings: SpotifySettings) -> None:
    try:
        pkce.get_access_token(code=code, check_cache=False)
    except SpotifyOauthError as exc:
        raise LoginFailed(f"Spotify refused the login code ({_short(exc.error)}): "
                          "run `mpdtui auth` again") from None
    except requests.RequestException as exc:
        raise LoginFailed(f"cannot reach {settings.token_url} ({type(exc).__name__})") from None


def _remember_user(locations: Locations, settings: SpotifySettings) -> None:
    """Store who logged in, for `auth --status`; a failure here does not undo the login."""
    from mpdtui.spotify.client import RetryPolicy, SpotifyClient

    try:
        client = SpotifyClient(Session(locations, settings), settings,
                               RetryPolicy(max_attempts=2, backoff_base=0.5))
        me = client.me()
    except SpotifyError:
        return
    TokenFile(locations.spotify_token).update(mpdtui_user_id=me.get("id"),
                                              mpdtui_display_name=me.get("display_name"))
