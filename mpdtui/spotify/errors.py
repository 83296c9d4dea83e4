"""Spotify failures the user can act on: each is one line and never contains a token."""

from __future__ import annotations

import time

from mpdtui.errors import UserError


class SpotifyError(UserError):
    """A Spotify request or login that did not work out."""


class LoginRequired(SpotifyError):
    """No usable login: never logged in, logged out, or the refresh token was refused."""


class DamagedLogin(LoginRequired):
    """The token file cannot be used (not JSON, a field of the wrong type)."""


class LoginFailed(SpotifyError):
    """The interactive login did not complete (refused, state mismatch, timeout)."""


class Forbidden(SpotifyError):
    """HTTP 403: the endpoint is closed to this app (e.g. audio features for new apps)."""


class NotFound(SpotifyError):
    """HTTP 404: what the request names is not there (a playlist deleted since)."""


class ApiUnavailable(SpotifyError):
    """Retries exhausted (5xx, dropped connections) or a rate limit longer than we wait
    (`wait_s`: what Spotify asked). `reason` is what happened without the advice, for a message
    that gives its own; `when` says when to try again: "later", or "after 16:25" once a rate
    limit is over (run at once, the command met the same limit and stopped again)."""

    def __init__(self, reason: str, wait_s: float | None = None) -> None:
        self.reason = reason
        self.when = "later" if wait_s is None else f"after {clock_after(wait_s)}"
        super().__init__(f"{reason}: run the command again {self.when}; everything fetched so "
                         "far is kept")


def clock_after(seconds: float, now: float | None = None) -> str:
    """The local time `seconds` from `now` (default: now), a minute later than the second
    (so that "after" holds): "16:25", or "2026-12-08 16:25" from tomorrow on."""
    start = time.time() if now is None else now
    then, today = time.localtime(start + seconds + 60), time.localtime(start)
    same_day = (then.tm_year, then.tm_yday) == (today.tm_year, today.tm_yday)
    return time.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M", then)
