"""The Web API client: spotipy for the HTTP calls, our own retry loop around them.

spotipy's built-in retry sleeps silently for as long as `Retry-After` says (sometimes hours),
so the spotipy client gets `retries=0, status_retries=0` and a plain `requests.Session`; this
module retries 5xx and dropped connections with exponential backoff, honours 429
`Retry-After` while reporting each wait (so a UI can show a countdown and cancel), refreshes
the token once on 401 and turns 403 into `Forbidden`.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import requests
import spotipy
from spotipy.exceptions import SpotifyException
from urllib3.exceptions import NewConnectionError

from models.progress import Cancelled, check_cancel
from mpdtui.spotify.errors import (
    ApiUnavailable,
    Forbidden,
    LoginRequired,
    NotFound,
    SpotifyError,
    clock_after,
)
from mpdtui.spotify.redaction import install_log_redaction
from mpdtui.spotify.session import (
    LOG_IN_AGAIN,
    REQUEST_TIMEOUT_S,
    RenewalUnavailable,
    Session,
)
from mpdtui.spotify.settings import SpotifySettings

ITEMS_PER_ADD = 100  # POST playlists/{id}/items takes at most 100 URIs
ITEMS_PER_PAGE = 50  # GET playlists/{id}/items and me/playlists: `limit` at most 50
SCOPE_MISSING = ("the Spotify login lacks a permission this needs (Spotify answered 403 to "
                 "{endpoint}: {reason}; a login made by an older mpdtui?): run `mpdtui auth` to "
                 "log in again, allowing all that its page asks")
"""A login whose token lacks a permission (scope): a new login asks for all mpdtui needs."""
LONG_WAIT_S = 120.0
"""A rate limit's wait this long says when it ends: "retrying in 3600 s" is an hour to work out."""
RENEWAL_RATE_LIMITED = "Spotify's accounts service rate-limits renewing the login"
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)

install_log_redaction()


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Tests shrink `backoff_base` so that injected faults cost milliseconds."""

    max_attempts: int = 6  # per request, counting 5xx answers and dropped connections
    backoff_base: float = 1.0  # seconds before the 2nd try; doubles per try
    backoff_max: float = 60.0
    max_retry_after: float = 3600.0  # a longer rate limit stops the job (stored work is kept)
    max_rate_limited: int = 50  # consecutive 429 answers to one request before giving up
    settle_s: float = REQUEST_TIMEOUT_S
    """After a request not to be made twice timed out, how long Spotify may still be at it:
    the look at whether it did waits that long once more before the request is sent again."""

    def backoff(self, failures: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2 ** (failures - 1))


WaitKind = Literal["rate_limited", "retry", "notice"]


@dataclass(frozen=True)
class Wait:
    """The client is about to sleep: `kind` is "rate_limited" or "retry"; or (0 s) it has
    something to say at once: "notice" (a renewed login that could not be saved)."""

    kind: WaitKind
    seconds: float
    message: str


WaitCallback = Callable[[Wait], None]


def retry_after_seconds(headers: Any, default: float = 1.0) -> float:
    try:
        return max(0.0, float(headers.get("Retry-After")))
    except (TypeError, ValueError, AttributeError):
        return default


class SpotifyClient:
    """One user's API access. `on_wait` and `cancel` may be given per client or per call."""

    def __init__(self, session: Session, settings: SpotifySettings | None = None,
                 policy: RetryPolicy | None = None, *, on_wait: WaitCallback | None = None,
                 cancel: threading.Event | None = None) -> None:
        self.session = session
        self.policy = policy or RetryPolicy()
        self.settings = settings or SpotifySettings.from_env()
        self.on_wait = on_wait
        self.cancel = cancel
        session.on_unsaved = self._notice
        self._sp = spotipy.Spotify(auth_manager=session, requests_session=requests.Session(),
                                   retries=0, status_retries=0,
                                   requests_timeout=REQUEST_TIMEOUT_S)
        self._sp.prefix = self.settings.api_url

    # -- the retry loop --

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
             payload: Any = None, landed: Callable[[], Any] | None = None) -> Any:
        """One API request with retries; returns the decoded JSON answer. A request that is
        not to be carried out twice (making a playlist, adding items) passes `landed`: after
        a failure that Spotify may have acted on (a dropped connection, a timeout, a 5xx), it
        is asked before the request is sent again, and returns what the answer would have been
        when Spotify did act (None: it did not, send it again)."""
        failures = limited = 0
        refreshed = renew = maybe_done = late = False
        endpoint = self._endpoint(path)
        while True:
            check_cancel(self.cancel)
            if maybe_done and landed is not None:
                done = self._look(landed, endpoint, late)
                if done is not None:
                    return done
            maybe_done = late = False
            try:
                if renew:  # here, so that a renewal that fails in passing is retried too
                    self.session.force_refresh()
                    renew = False
                result = self._send(method, path, payload, dict(params or {}))
                if result is None:
                    raise _Unreadable
                return result
            except SpotifyException as exc:
                if exc.http_status == 401:
                    if refreshed:
                        raise LoginRequired(LOG_IN_AGAIN) from None
                    refreshed = renew = True
                    continue
                if exc.http_status == 403 and "scope" in _reason(exc).lower():
                    raise LoginRequired(SCOPE_MISSING.format(endpoint=endpoint,
                                                             reason=_reason(exc))) from None
                if exc.http_status == 403:
                    raise Forbidden(f"Spotify answered 403 (forbidden) to {endpoint}: "
                                    f"{_reason(exc)}") from None
                if exc.http_status == 429:
                    limited += 1
                    self._rate_limited(f"Spotify rate-limits {endpoint}",
                                       retry_after_seconds(exc.headers), limited)
                    continue
                if exc.http_status == 404:
                    raise NotFound(f"Spotify answered HTTP 404 to {method} {endpoint}: "
                                   f"{_reason(exc)}") from None
                if exc.http_status < 500:
                    raise SpotifyError(f"Spotify answered HTTP {exc.http_status} to {method} "
                                       f"{endpoint}: {_reason(exc)}") from None
                what, maybe_done = f"Spotify answered {exc.http_status}", True
            except RenewalUnavailable as exc:
                if exc.status == 429:  # the wait the accounts service asked, as the API's
                    limited += 1
                    self._rate_limited(RENEWAL_RATE_LIMITED, retry_after_seconds(
                        {"Retry-After": exc.retry_after}), limited, " (renewing the login)")
                    continue
                what, maybe_done = str(exc), False  # the request was not sent
            except _TRANSIENT as exc:
                what = f"connection to Spotify failed ({type(exc).__name__})"
                maybe_done = _maybe_received(exc)
                late = isinstance(exc, requests.ReadTimeout)  # Spotify may still be at it
            except _Unreadable:
                what, maybe_done = "Spotify sent an unreadable answer", True
            failures += 1
            self._backoff(endpoint, what, failures)

    def _send(self, method: str, path: str, payload: Any, params: dict[str, Any]) -> Any:
        """One HTTP request. A GET is given up the moment `cancel` is set: a slow or stalled
        answer held a Ctrl-C (and the app's stop) until the request timed out, 20 s later.
        A POST runs to its end: given up, it may still land (a second playlist, or tracks
        added twice on the rerun)."""
        if method != "GET" or self.cancel is None:
            return self._sp._internal_call(method, path, payload, params)
        self.session.get_access_token()  # a renewal is never given up halfway: done here
        outcome: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

        def send() -> None:
            try:
                outcome.put((True, self._sp._internal_call(method, path, payload, params)))
            except BaseException as exc:  # handed to the caller's thread
                outcome.put((False, exc))

        threading.Thread(target=send, name="spotify-request", daemon=True).start()
        while True:
            with contextlib.suppress(queue.Empty):
                succeeded, answer = outcome.get(timeout=0.1)
                if succeeded:
                    return answer
                raise answer
            check_cancel(self.cancel)

    def _look(self, landed: Callable[[], Any], endpoint: str, late: bool) -> Any:
        """What `landed` finds; after a timeout (Spotify may still be carrying the request
        out), "not yet" is looked at again once `settle_s` has passed."""
        done = landed()
        if done is None and late:
            seconds = self.policy.settle_s
            self._sleep(Wait("retry", seconds, f"no answer from {endpoint} in time: looking "
                             f"again in {seconds:g} s whether Spotify did it, before asking "
                             "again"))
            done = landed()
        return done

    def _rate_limited(self, what: str, seconds: float, limited: int, doing: str = "") -> None:
        """Wait as long as Spotify asked (`what` it rate-limits; `doing`, said in the wait),
        or stop, saying when it is over, where that is too long or it keeps asking."""
        if seconds > self.policy.max_retry_after or limited > self.policy.max_rate_limited:
            times = f", {limited} times in a row" if limited > 1 else ""
            raise ApiUnavailable(f"{what} (asked to wait {seconds:.0f} s{times})",
                                 wait_s=seconds) from None
        until = f" (after {clock_after(seconds)})" if seconds >= LONG_WAIT_S else ""
        self._sleep(Wait("rate_limited", seconds,
                         f"rate limited{doing}, retrying in {seconds:.0f} s{until}"))

    def _backoff(self, endpoint: str, what: str, failures: int) -> None:
        if failures >= self.policy.max_attempts:
            raise ApiUnavailable(f"{what} to {endpoint} {failures} times")
        seconds = self.policy.backoff(failures)
        self._sleep(Wait("retry", seconds, f"{what}, retrying in {seconds:g} s "
                                           f"(try {failures + 1} of {self.policy.max_attempts})"))

    def _notice(self, message: str) -> None:
        if self.on_wait is not None:  # whoever shows the waits shows it
            self.on_wait(Wait("notice", 0.0, message))

    def _sleep(self, wait: Wait) -> None:
        if self.on_wait is not None:
            self.on_wait(wait)
        if self.cancel is None:
            time.sleep(wait.seconds)
        elif self.cancel.wait(wait.seconds):
            raise Cancelled

    def _endpoint(self, path: str) -> str:
        path = path.removeprefix(self.settings.api_url).split("?", 1)[0]
        return path or "/"

    # -- endpoints --

    def me(self) -> dict[str, Any]:
        return self.call("GET", "me")

    def audio_features(self, track_ids: list[str]) -> list[dict[str, Any] | None]:
        """Features for up to 100 bare track ids, aligned with them (None = no features)."""
        answer = self.call("GET", "audio-features", params={"ids": ",".join(track_ids)})
        entries = answer.get("audio_features") if isinstance(answer, dict) else None
        if not isinstance(entries, list) or len(entries) != len(track_ids):
            raise SpotifyError("Spotify's audio-features answer does not match the request "
                               f"({len(track_ids)} ids asked)")
        return [entry if isinstance(entry, dict) else None for entry in entries]

    def create_playlist(self, name: str, *, public: bool = False,
                        description: str = "") -> dict[str, Any]:
        """A new playlist of the user's; made once, also when the answer to making it was lost."""
        answer = self.call("POST", "me/playlists", payload={
            "name": name, "public": public, "description": description},
            landed=lambda: self._made_already(name, description))
        if not isinstance(answer, dict) or not answer.get("id"):
            raise SpotifyError("Spotify's answer to creating a playlist has no playlist id")
        return answer

    def _made_already(self, name: str, description: str) -> dict[str, Any] | None:
        """An empty playlist of the user's named `name` with `description` (mpdtui's own):
        the one a request whose answer was lost made, or one no worse to fill."""
        user_id = self.me().get("id")
        return next((p for p in self.my_playlists()
                     if p.get("name") == name and p.get("description") == description
                     and (p.get("owner") or {}).get("id") == user_id
                     and (p.get("items") or p.get("tracks") or {}).get("total") == 0), None)

    def my_playlist(self, playlist_id: str) -> dict[str, Any] | None:
        """The playlist as listed among the user's playlists (GET me/playlists), or None when
        it is not. Deleting a playlist in Spotify's app only unfollows it: it is still there,
        its items answer and take more, but the user no longer sees it."""
        return next((p for p in self.my_playlists() if str(p.get("id")) == playlist_id), None)

    def playlist_item_uris(self, playlist_id: str) -> list[str]:
        """The URIs of everything the playlist holds, in order ("" for an item without one)."""
        return [str((entry.get("item") or entry.get("track") or {}).get("uri") or "")
                for entry in self._paged(f"playlists/{playlist_id}/items", limit=ITEMS_PER_PAGE)]

    def add_items(self, playlist_id: str, uris: list[str],
                  landed: Callable[[], bool] | None = None) -> None:
        """Append `uris` (at most 100); `landed` tells, after a failure Spotify may have acted
        on, whether they are in the playlist already (else they could be added twice)."""
        if len(uris) > ITEMS_PER_ADD:
            raise ValueError(f"at most {ITEMS_PER_ADD} URIs per call")
        self.call("POST", f"playlists/{playlist_id}/items", payload={"uris": uris},
                  landed=None if landed is None else lambda: {} if landed() else None)

    def my_playlists(self) -> Iterator[dict[str, Any]]:
        """The current user's playlists (simplified objects), all pages."""
        yield from self._paged("me/playlists", limit=ITEMS_PER_PAGE)

    def playlist_tracks(self, playlist_id: str) -> Iterator[dict[str, Any]]:
        """The track objects of a playlist in order; local files and episodes skipped."""
        for entry in self._paged(f"playlists/{playlist_id}/items", limit=ITEMS_PER_PAGE):
            track = entry.get("item") or entry.get("track")  # new name first
            if (isinstance(track, dict) and track.get("type", "track") == "track"
                    and not entry.get("is_local") and str(track.get("uri", "")).startswith(
                        "spotify:track:")):
                yield track

    def _paged(self, path: str, limit: int) -> Iterator[dict[str, Any]]:
        page = self.call("GET", path, params={"limit": limit, "offset": 0})
        while isinstance(page, dict):
            yield from (item for item in page.get("items") or () if isinstance(item, dict))
            next_url = page.get("next")
            if not next_url:
                return
            page = self.call("GET", next_url)


def _maybe_received(exc: Exception) -> bool:
    """Whether a request that failed this way may have reached Spotify: all but a connection
    that was never made (refused, no route, timed out connecting)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return not isinstance(reason, NewConnectionError)


class _Unreadable(Exception):
    """A 2xx answer that is not JSON."""


def _reason(exc: SpotifyException) -> str:
    message = str(exc.msg).split("\n", 1)[-1].strip() if exc.msg else ""
    return (message or exc.reason or "no details")[:160]


def open_client(locations: Any, *, policy: RetryPolicy | None = None,
                on_wait: WaitCallback | None = None,
                cancel: threading.Event | None = None) -> SpotifyClient:
    """A client for the login stored in `locations` (raises `LoginRequired` when none)."""
    settings = SpotifySettings.from_env()
    return SpotifyClient(Session(locations, settings), settings, policy, on_wait=on_wait,
                         cancel=cancel)
