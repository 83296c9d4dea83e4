"""The stored Spotify login and the access tokens it hands to the API client.

The token file lives in the cache dir (`Locations.spotify_token`, mode 600 from creation), so
each cache dir is its own login. Besides spotipy's token fields it keeps a few `mpdtui_*`
fields: the client id and redirect URI (needed to refresh), the user, when the login happened
and a random login id (the "token" a remembered 403 belongs to). Reading it, `status`,
`logout` and refreshing need no browser; the interactive login is in `auth`.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import requests
from spotipy.cache_handler import CacheFileHandler
from spotipy.exceptions import SpotifyOauthError
from spotipy.oauth2 import SpotifyPKCE

from mpdtui.locations import Locations
from mpdtui.printable import printable
from mpdtui.spotify.errors import DamagedLogin, LoginRequired, SpotifyError
from mpdtui.spotify.redaction import short_redacted
from mpdtui.spotify.settings import DEFAULT_PORT, SCOPES, SpotifySettings
from mpdtui.spotify.unsaved import unsaved_renewal

REFRESH_TOKEN_LIFETIME_S = 182 * 24 * 3600  # refresh tokens expire 6 months after login
REQUEST_TIMEOUT_S = 20.0

NOT_LOGGED_IN = "not logged in to Spotify: run `mpdtui auth` first"
LOG_IN_AGAIN = "the Spotify login has expired or was revoked: run `mpdtui auth` to log in again"
APP_GONE_ADVICE = ("run `mpdtui auth --client-id ID` with the Client ID of an app that is there "
                   "(developer.spotify.com/dashboard, your app, Settings)")
"""`mpdtui auth` alone would log in with the Client ID that Spotify no longer knows."""


def app_gone(client_id: str | None) -> str:
    """Renewing the login was refused with `invalid_client`: its app is no longer there."""
    return (f"Spotify no longer knows the app this login was made with (Client ID "
            f"{printable(str(client_id))[:40]}: deleted from the dashboard?): {APP_GONE_ADVICE}")

_META_KEYS = ("mpdtui_client_id", "mpdtui_redirect_uri", "mpdtui_login_id",
              "mpdtui_authorized_at", "mpdtui_user_id", "mpdtui_display_name")


def redirect_uri_for(port: int) -> str:
    return f"http://127.0.0.1:{port}/callback"


# --- the token file ---------------------------------------------------------------------

class TokenFile(CacheFileHandler):
    """spotipy's file cache, written atomically and created with mode 600 (never briefly
    world-readable); keeps the `mpdtui_*` fields across refreshes."""

    def __init__(self, path: Path, keep_unsaved: bool = False) -> None:
        super().__init__(cache_path=str(path))
        self.path, self.keep_unsaved = path, keep_unsaved
        self.pending_meta: dict[str, Any] = {}
        self.unsaved: tuple[dict[str, Any], OSError, str | None] | None = None
        """`keep_unsaved`: a renewal the file could not take (the login, the error, the
        refresh token left in the file), for this process to go on with."""

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
        try:
            self._write(merged)
            self.unsaved = None
        except OSError as exc:  # a read-only folder, an immutable file: Spotify has replaced
            if not self.keep_unsaved:  # the refresh token, so the new one is kept in memory
                raise
            self.unsaved = (merged, exc, previous.get("refresh_token"))

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


_REFUSAL_FIELD = "mpdtui_refused_error"  # why Spotify refused to renew it: invalid_grant...
_TEXT_FIELDS = ("access_token", "refresh_token", "scope", "token_type", _REFUSAL_FIELD, *(
    key for key in _META_KEYS if key != "mpdtui_authorized_at"))
_TIME_FIELDS = ("expires_at", "mpdtui_authorized_at", "mpdtui_refused_at")
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
    _kept_private(path)
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


def _kept_private(path: Path) -> None:
    """The login made readable to others (a copy, a restored backup, a chmod): its refresh
    token lets anyone act as the user for months, so it is made the owner's alone again."""
    with contextlib.suppress(OSError):  # another's file: reading it is all we may do
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)


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


class TokenHttp(requests.Session):
    """The HTTP session of spotipy's PKCE manager: remembers the status of the accounts
    service's last answer, seen first-hand by a response hook (not dug out of how spotipy
    chains its exceptions), to tell Spotify's passing trouble from a refusal."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: int | None = None
        self.retry_after: str | None = None  # a 429's Retry-After, as sent
        self.hooks["response"].append(self._seen)

    def _seen(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.answered = response.status_code
        self.retry_after = response.headers.get("Retry-After")


def passing_trouble(status: int | None) -> bool:
    """An answer that says Spotify is busy or down (5xx, 429 rate limited), not "no"."""
    return status is not None and (status >= 500 or status == 429)


def spotify_pkce(client_id: str, redirect_uri: str, settings: SpotifySettings,
                 tokens: TokenFile, state: str | None,
                 http: requests.Session | None = None) -> SpotifyPKCE:
    """spotipy's PKCE manager for the app `client_id`, on `settings`' accounts URLs, keeping
    its tokens in `tokens` (its requests through `http` when given)."""
    pkce = SpotifyPKCE(client_id=client_id, redirect_uri=redirect_uri, state=state,
                       scope=SCOPES, open_browser=False, cache_handler=tokens,
                       requests_timeout=REQUEST_TIMEOUT_S,
                       requests_session=True if http is None else http)
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
    refused_at: float | None = None  # when Spotify refused to renew it (expired, revoked)
    refused_error: str | None = None  # how: invalid_grant, invalid_client (its app deleted)

    @property
    def usable(self) -> bool:
        return self.logged_in and self.refused_at is None

    @property
    def login_expires_at(self) -> float | None:
        if self.authorized_at is None:
            return None
        return self.authorized_at + REFRESH_TOKEN_LIFETIME_S

    def unusable_why(self) -> str:
        """Why it cannot be used, with what to do (for a login that is not `usable`)."""
        if not self.logged_in:
            return NOT_LOGGED_IN
        return app_gone(self.client_id) if self.refused_error == "invalid_client" else LOG_IN_AGAIN

    def describe(self) -> str:
        if not self.logged_in:
            return "Not logged in to Spotify (run `mpdtui auth`)."
        who = self.display_name or self.user_id or "an unknown user"
        if self.user_id and self.display_name and self.display_name != self.user_id:
            who = f"{self.display_name} ({self.user_id})"
        if self.refused_at is not None and self.refused_error == "invalid_client":
            return (f"Spotify refused to renew the login as {who} on {_when(self.refused_at)}: "
                    f"it no longer knows its app {self.client_id} (deleted from the "
                    f"dashboard?): {APP_GONE_ADVICE}.")
        if self.refused_at is not None:
            return (f"Spotify refused to renew the login as {who} with app {self.client_id} "
                    f"on {_when(self.refused_at)} (it expired or was revoked): run `mpdtui "
                    "auth` to log in again.")
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
        refused_at=info.get("mpdtui_refused_at"),
        refused_error=info.get(_REFUSAL_FIELD),
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
        self._tokens = TokenFile(locations.spotify_token, keep_unsaved=True)
        self.on_unsaved: Callable[[str], None] | None = None  # said once (`unsaved_renewal`)
        self._lock = threading.Lock()
        info = read_login(locations.spotify_token)
        if not info or not info.get("refresh_token") or not info.get("mpdtui_client_id"):
            raise LoginRequired(NOT_LOGGED_IN)
        self._info = info
        self._settings = settings or SpotifySettings.from_env()
        self._http = TokenHttp()
        self._pkce = self._pkce_for(info)

    def _pkce_for(self, info: dict[str, Any]) -> SpotifyPKCE:
        """spotipy's PKCE manager for the app (client id) that `info`'s login was made with."""
        redirect = info.get("mpdtui_redirect_uri") or redirect_uri_for(DEFAULT_PORT)
        return spotify_pkce(str(info["mpdtui_client_id"]), redirect, self._settings,
                            self._tokens, None, self._http)

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

    def _adopt_newer(self) -> bool:
        """Take the token file's login when another process renewed it (or logged in) since
        this one read it: a refresh token is good for one renewal, so ours is spent. True when
        its access token is still good (no renewal needed)."""
        stored = self._tokens.get_cached_token()
        left = None if self._tokens.unsaved is None else self._tokens.unsaved[2]
        if (not stored or not isinstance(stored.get("refresh_token"), str)
                or stored["refresh_token"] in (self._info.get("refresh_token"), left)):
            return False
        if stored.get("mpdtui_client_id") not in (None, self._info.get("mpdtui_client_id")):
            self._pkce = self._pkce_for(stored)  # a login with another app: renewed by it
        self._info = stored
        return not SpotifyPKCE.is_token_expired(stored)

    def _refresh(self) -> None:
        if self._adopt_newer():
            return
        self._http.answered = None
        try:
            self._pkce.refresh_access_token(self._info["refresh_token"])
        except SpotifyOauthError as exc:
            if exc.error in ("invalid_grant", "invalid_client"):
                if self._adopt_newer():  # renewed by another process meanwhile: not refused
                    return
                with contextlib.suppress(OSError):  # for `auth --status` (a login drops it)
                    self._tokens.update(mpdtui_refused_at=time.time(),
                                        **{_REFUSAL_FIELD: exc.error})
                raise LoginRequired(LOG_IN_AGAIN if exc.error == "invalid_grant"
                                    else app_gone(self._info.get("mpdtui_client_id"))) from None
            answered = self._http.answered
            if passing_trouble(answered):  # Spotify's trouble: retried
                raise RenewalUnavailable(answered, self._http.retry_after) from None
            raise SpotifyError(f"Spotify refused to renew the login "
                               f"({short_redacted(exc.error)}): "
                               "run `mpdtui auth` to log in again") from None
        except ValueError:  # a 200 that is not JSON (requests' JSONDecodeError, an OSError
            raise RenewalUnavailable(None) from None  # too, said as a file's error before)
        except requests.RequestException as exc:  # dropped, or no answer in time: the API
            raise RenewalUnavailable(None, failed=type(exc).__name__) from None  # never asked
        if self._tokens.unsaved is None:
            self._info = self._tokens.get_cached_token() or self._info
            return
        self._info, error, _ = self._tokens.unsaved
        if self.on_unsaved is not None:
            self.on_unsaved(unsaved_renewal(self._tokens.path, error))
            self.on_unsaved = None


class RenewalUnavailable(SpotifyError):
    """The token endpoint answered 5xx or 429 to a refresh, or a page that is not JSON (None:
    a proxy's, a network login's), or the connection to it `failed` (how: ConnectionError,
    ReadTimeout): passing trouble, not a refused login (the API client retries it like any
    5xx, and a 429 after its `retry_after`, the header as sent). The API request that needed
    the renewal was not sent: no look whether Spotify carried it out."""

    def __init__(self, status: int | None, retry_after: str | None = None,
                 failed: str | None = None) -> None:
        super().__init__(
            f"Spotify's accounts service answered {status} (renewing the login)"
            if status is not None else
            f"connection to Spotify's accounts service failed ({failed}) (renewing the login)"
            if failed is not None else "Spotify's accounts service sent a page that is not "
            "its answer (renewing the login; a network login page in the way?)")
        self.status = status
        self.retry_after = retry_after if status == 429 else None
