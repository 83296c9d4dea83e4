"""A real HTTP server on 127.0.0.1 that behaves like Spotify's accounts services and Web API.

Accounts (under /accounts/): `GET authorize` redirects to the redirect URI with a code and the
state (playing a user who consents), `POST api/token` exchanges a code after checking the PKCE
S256 challenge, client id and redirect URI, refreshes tokens, and answers `invalid_grant`.
API (under /v1/): me, audio-features, me/playlists (GET, POST), playlists/{id}/items (GET,
POST). `unfollow` plays a user deleting a playlist in Spotify's app: Spotify only unfollows it
(it leaves GET me/playlists; its items still answer). Faults are injected per endpoint with
`fail_next` (`slow` answers late; `ANSWER_LOST` carries the request out and drops the
connection unanswered, as a reset after Spotify acted does; `after(change)` runs `change`
first, as the user's edit in Spotify's app meanwhile); `forbid_audio_features` answers
403 like the API does for apps created after 2024-11-27. Every request is logged in
`requests`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import secrets
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

FEATURE_KEYS = ("danceability", "energy", "valence", "acousticness", "instrumentalness",
                "speechiness", "liveness")


@dataclass(frozen=True)
class Fault:
    """One injected answer: an HTTP status (with optional Retry-After) or a dropped connection."""

    status: int = 500  # 0: no fault, answer normally (to place faults after a success)
    retry_after: float | None = None
    drop: bool = False
    page: bool = False  # an HTML page with `status`, not JSON: a proxy's, a network login's
    delay: float = 0.0  # seconds before anything happens (a slow server); then the rest
    hold: threading.Event | None = None  # no answer until it is set (at most 30 s)
    releases: threading.Event | None = None  # set once this request is answered
    answer_lost: bool = False  # the request is carried out, then the connection drops unanswered
    before: Callable[[], None] | None = None  # run first: the user's change in Spotify's app


DROP = Fault(drop=True)
PASS = Fault(status=0)
ANSWER_LOST = Fault(status=0, answer_lost=True)


def slow(seconds: float) -> Fault:
    """Answer normally, after `seconds`."""
    return Fault(status=0, delay=seconds)


def held_until(event: threading.Event) -> Fault:
    """Answer normally once `event` is set: a slow server, for as long as a test needs."""
    return Fault(status=0, hold=event)


def releasing(event: threading.Event) -> Fault:
    """Answer normally, then set `event` (a held request goes on once this one is answered)."""
    return Fault(status=0, releases=event)


def after(change: Callable[[], None]) -> Fault:
    """Answer normally, once `change` has run: what the user did meanwhile in Spotify's app."""
    return Fault(status=0, before=change)


def too_many(retry_after: float = 0) -> Fault:
    return Fault(429, retry_after=retry_after)


@dataclass
class Logged:
    method: str
    endpoint: str
    query: dict[str, list[str]]
    body: Any
    status: int


@dataclass
class FakeState:
    client_id: str = "test-client-id"
    user_id: str = "fake-user"
    display_name: str = "Fake User"
    access_ttl: int = 3600
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access_tokens: dict[str, float] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)  # every token ever handed out
    omit_refresh_token: bool = False
    granted_scope: str = "playlist-modify-private playlist-modify-public playlist-read-private"
    """What logins from now on allow (an older mpdtui asked for less)."""
    scopes: dict[str, str] = field(default_factory=dict)  # access token -> its scope
    forbid_audio_features: bool = False
    no_feature_ids: set[str] = field(default_factory=set)
    playlists: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    requests: list[Logged] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def features_for(track_id: str) -> dict[str, Any]:
    """Deterministic features per id, shaped like the API's audio-features objects."""
    rng = random.Random(track_id)
    entry: dict[str, Any] = {key: round(rng.random(), 4) for key in FEATURE_KEYS}
    entry.update(mode=rng.randint(0, 1), key=rng.randint(0, 11),
                 loudness=round(-30 * rng.random(), 3), tempo=round(60 + 120 * rng.random(), 3),
                 duration_ms=rng.randint(90_000, 400_000), time_signature=4,
                 id=track_id, uri=f"spotify:track:{track_id}", type="audio_features")
    return entry


class FakeSpotify:
    """Start with `with FakeSpotify() as fake:`; `fake.env` holds the base-URL variables."""

    def __init__(self) -> None:
        self.state = FakeState()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self.port = int(self._server.server_address[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.base}/v1/"
        self.accounts_url = f"{self.base}/accounts/"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def env(self) -> dict[str, str]:
        return {"MPDTUI_SPOTIFY_API_URL": self.api_url,
                "MPDTUI_SPOTIFY_ACCOUNTS_URL": self.accounts_url}

    def __enter__(self) -> FakeSpotify:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- switches --

    def fail_next(self, endpoint: str, *faults: Fault) -> None:
        """Answer the next requests to `endpoint` (e.g. "audio-features", "api/token",
        "playlists/{id}/items" or "playlists/*/items") with these faults, in order; one
        method's alone when it starts with it ("POST playlists/*/items")."""
        with self.state.lock:
            self.state.faults[endpoint].extend(faults)

    def expire_access_tokens(self) -> None:
        """Every access token handed out so far now answers 401."""
        with self.state.lock:
            self.state.access_tokens.clear()

    def revoke_refresh_tokens(self) -> None:
        """Refreshing now answers 400 invalid_grant (the 6-month expiry, or a revoked app)."""
        with self.state.lock:
            self.state.refresh_tokens.clear()

    def delete_app(self) -> None:
        """The user deleted the app from Spotify's dashboard and made another: the old client
        id is refused (invalid_client), `state.client_id` is the new one's."""
        with self.state.lock:
            self.state.client_id = "new-app-" + secrets.token_hex(4)

    def calls(self, endpoint: str, method: str | None = None) -> list[Logged]:
        with self.state.lock:
            return [r for r in self.state.requests
                    if r.endpoint == endpoint and (method is None or r.method == method)]

    def login_token(self) -> dict[str, str]:
        """Issue tokens directly (skipping the browser), as the token endpoint would."""
        with self.state.lock:
            return self._issue_tokens(refresh=None)

    def _issue_tokens(self, refresh: str | None) -> dict[str, Any]:
        access = "AT-" + secrets.token_urlsafe(24)
        self.state.access_tokens[access] = time.time() + self.state.access_ttl
        self.state.scopes[access] = self.state.granted_scope
        self.state.issued.append(access)
        answer: dict[str, Any] = {"access_token": access, "token_type": "Bearer",
                                  "expires_in": self.state.access_ttl,
                                  "scope": self.state.granted_scope}
        if refresh is None or not self.state.omit_refresh_token:
            new_refresh = "RT-" + secrets.token_urlsafe(24)
            if refresh is not None:
                self.state.refresh_tokens.discard(refresh)
            self.state.refresh_tokens.add(new_refresh)
            self.state.issued.append(new_refresh)
            answer["refresh_token"] = new_refresh
        return answer

    def add_user_playlist(self, name: str, tracks: list[dict[str, Any]]) -> str:
        playlist_id = "pl" + secrets.token_hex(6)
        with self.state.lock:
            self.state.playlists[playlist_id] = {"id": playlist_id, "name": name,
                                                 "owner": self.state.user_id, "public": False,
                                                 "description": "", "items": list(tracks),
                                                 "followed": True,
                                                 "snapshot_id": secrets.token_hex(8)}
        return playlist_id

    def unfollow(self, playlist_id: str) -> None:
        """What deleting a playlist in Spotify's app does: the user no longer follows it, so
        it leaves their playlists (GET me/playlists), but it is still there: its items answer
        and take more."""
        with self.state.lock:
            self.state.playlists[playlist_id]["followed"] = False


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    @property
    def fake(self) -> FakeSpotify:
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # -- plumbing --

    def _dispatch(self, method: str) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path.startswith("/accounts/"):
            endpoint = url.path.removeprefix("/accounts/")
        else:
            endpoint = url.path.removeprefix("/v1/").strip("/")
        fault = fault_taken = self._take_fault(method, endpoint)
        if fault is not None and fault.before is not None:
            fault.before()
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.hold is not None:
            fault.hold.wait(30)
        lost = fault is not None and fault.answer_lost
        if fault is not None and fault.status == 0 and not fault.drop:
            fault = None
        if fault is not None and fault.drop:
            self._log(method, endpoint, query, raw, 0)
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if fault is not None and fault.page:
            self._log(method, endpoint, query, raw, fault.status)
            page = b"<html><body>Log in to the network first</body></html>"
            self.send_response(fault.status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if fault is not None:
            headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
            self._log(method, endpoint, query, raw, fault.status)
            self._json(fault.status, {"error": {"status": fault.status,
                                                "message": "injected fault"}}, headers)
            return
        if url.path.startswith("/accounts/"):
            status, body, headers = self._accounts(method, endpoint, query, raw)
        else:
            status, body, headers = self._api(method, endpoint, query, raw)
        self._log(method, endpoint, query, raw, status)
        if lost:
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if status == 302:
            self.send_response(302)
            self.send_header("Location", headers["Location"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._json(status, body, headers)
        if fault_taken is not None and fault_taken.releases is not None:
            fault_taken.releases.set()

    def _take_fault(self, method: str, endpoint: str) -> Fault | None:
        wildcard = "/".join("*" if i == 1 and endpoint.startswith("playlists/") else part
                            for i, part in enumerate(endpoint.split("/")))
        with self.fake.state.lock:
            for key in (f"{method} {endpoint}", f"{method} {wildcard}", endpoint, wildcard):
                if self.fake.state.faults.get(key):
                    return self.fake.state.faults[key].popleft()
        return None

    def _log(self, method: str, endpoint: str, query: dict[str, list[str]], raw: bytes,
             status: int) -> None:
        try:
            body = json.loads(raw) if raw and raw[:1] in b"[{" else parse_qs(raw.decode())
        except ValueError:
            body = raw
        with self.fake.state.lock:
            self.fake.state.requests.append(Logged(method, endpoint, query, body, status))

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    # -- accounts --

    def _accounts(self, method: str, endpoint: str, query: dict[str, list[str]],
                  raw: bytes) -> tuple[int, Any, dict[str, str]]:
        if method == "GET" and endpoint == "authorize":
            return self._authorize({k: v[0] for k, v in query.items()})
        if method == "POST" and endpoint == "api/token":
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            return self._token(form)
        return 404, {"error": "not_found"}, {}

    def _authorize(self, q: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        state = self.fake.state
        redirect = q.get("redirect_uri", "")
        host = urlparse(redirect).hostname
        if q.get("client_id") != state.client_id:
            return 400, {"error": "invalid_client"}, {}
        if host not in ("127.0.0.1", "::1"):  # `localhost` is rejected since 2025
            return 400, {"error": "invalid_request", "error_description": "bad redirect"}, {}
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return 400, {"error": "invalid_request"}, {}
        code = "C-" + secrets.token_urlsafe(16)
        with state.lock:
            state.codes[code] = {"challenge": q.get("code_challenge", ""), "redirect": redirect,
                                 "client_id": q["client_id"]}
        params = {"code": code}
        if "state" in q:
            params["state"] = q["state"]
        return 302, None, {"Location": f"{redirect}?{urlencode(params)}"}

    def _token(self, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        state = self.fake.state
        with state.lock:
            if form.get("grant_type") == "authorization_code":
                pending = state.codes.pop(form.get("code", ""), None)
                if (pending is None or pending["client_id"] != form.get("client_id")
                        or pending["redirect"] != form.get("redirect_uri")
                        or s256(form.get("code_verifier", "")) != pending["challenge"]):
                    return 400, {"error": "invalid_grant",
                                 "error_description": "Invalid authorization code"}, {}
                return 200, self.fake._issue_tokens(refresh=None), {}
            if form.get("grant_type") == "refresh_token":
                refresh = form.get("refresh_token", "")
                if form.get("client_id") != state.client_id:  # an app deleted, or never made
                    return 400, {"error": "invalid_client",
                                 "error_description": "Invalid client"}, {}
                if refresh not in state.refresh_tokens:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "Refresh token revoked"}, {}
                return 200, self.fake._issue_tokens(refresh=refresh), {}
        return 400, {"error": "unsupported_grant_type"}, {}

    # -- API --

    def _api(self, method: str, endpoint: str, query: dict[str, list[str]],
             raw: bytes) -> tuple[int, Any, dict[str, str]]:
        state = self.fake.state
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with state.lock:
            if state.access_tokens.get(token, 0) < time.time():
                return 401, {"error": {"status": 401, "message": "The access token expired"}}, {}
            scope = state.scopes.get(token, "").split()
        if method == "POST" and "playlist-modify-private" not in scope:  # writes a playlist
            return 403, {"error": {"status": 403, "message": "Insufficient client scope"}}, {}
        parts = endpoint.split("/")
        if method == "GET" and endpoint == "me":
            return 200, {"id": state.user_id, "display_name": state.display_name}, {}
        if method == "GET" and endpoint == "audio-features":
            return self._audio_features(query)
        if endpoint == "me/playlists":
            if method == "POST":
                return self._create_playlist(json.loads(raw or b"{}"))
            followed = [p for p in state.playlists.values() if p.get("followed", True)]
            return self._page(followed, query, endpoint, self._simplified)
        if len(parts) == 3 and parts[0] == "playlists" and parts[2] == "items":
            playlist = state.playlists.get(parts[1])
            if playlist is None:
                return 404, {"error": {"status": 404, "message": "Not found"}}, {}
            if method == "POST":
                return self._add_items(playlist, json.loads(raw or b"{}"))
            return self._page(playlist["items"], query, endpoint,
                              lambda t: {"added_at": "2026-01-01T00:00:00Z", "is_local": False,
                                         "item": t})
        return 404, {"error": {"status": 404, "message": "Service not found"}}, {}

    def _audio_features(self, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        state = self.fake.state
        if state.forbid_audio_features:
            return 403, {"error": {"status": 403, "message": "Forbidden"}}, {}
        ids = query.get("ids", [""])[0].split(",")
        if not ids or len(ids) > 100:
            return 400, {"error": {"status": 400, "message": "Too many ids requested"}}, {}
        return 200, {"audio_features": [None if i in state.no_feature_ids else features_for(i)
                                        for i in ids]}, {}

    def _create_playlist(self, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if not body.get("name"):
            return 400, {"error": {"status": 400, "message": "Missing name"}}, {}
        playlist_id = "pl" + secrets.token_hex(6)
        playlist = {"id": playlist_id, "name": body["name"], "public": body.get("public", True),
                    "description": body.get("description", ""), "owner": self.fake.state.user_id,
                    "items": [], "followed": True, "snapshot_id": secrets.token_hex(8)}
        with self.fake.state.lock:
            self.fake.state.playlists[playlist_id] = playlist
        return 201, self._simplified(playlist), {}

    def _add_items(self, playlist: dict[str, Any],
                   body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        uris = body.get("uris")
        if not isinstance(uris, list) or not 0 < len(uris) <= 100:
            return 400, {"error": {"status": 400, "message": "You can add max 100 items"}}, {}
        with self.fake.state.lock:
            playlist["items"].extend({"uri": uri, "id": uri.rsplit(":", 1)[-1], "type": "track",
                                      "name": f"Track {uri[-4:]}", "duration_ms": 200_000,
                                      "artists": [{"name": "Someone",
                                                   "uri": "spotify:artist:someone"}],
                                      "album": {"name": "Some album",
                                                "uri": "spotify:album:somealbum"}}
                                     for uri in uris)
            playlist["snapshot_id"] = secrets.token_hex(8)  # a new version of it
        return 201, {"snapshot_id": playlist["snapshot_id"]}, {}

    def _simplified(self, playlist: dict[str, Any]) -> dict[str, Any]:
        return {"id": playlist["id"], "name": playlist["name"], "public": playlist["public"],
                "description": playlist["description"], "uri": f"spotify:playlist:{playlist['id']}",
                "snapshot_id": playlist["snapshot_id"],
                "owner": {"id": playlist["owner"]},
                "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist['id']}"},
                "items": {"total": len(playlist["items"]),
                          "href": f"{self.fake.api_url}playlists/{playlist['id']}/items"}}

    def _page(self, items: list[Any], query: dict[str, list[str]], endpoint: str,
              shape: Any) -> tuple[int, Any, dict[str, str]]:
        limit = int(query.get("limit", ["20"])[0])
        if not 0 < limit <= 50:  # the documented range of GET me/playlists and playlist items
            return 400, {"error": {"status": 400, "message": "Invalid limit"}}, {}
        offset = int(query.get("offset", ["0"])[0])
        chunk = items[offset:offset + limit]
        following = offset + limit
        next_url = (f"{self.fake.api_url}{endpoint}?offset={following}&limit={limit}"
                    if following < len(items) else None)
        return 200, {"items": [shape(item) for item in chunk], "limit": limit, "offset": offset,
                     "total": len(items), "next": next_url}, {}
