"""Spotify failures the user can act on: each is one line and never contains a token."""

from __future__ import annotations

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
    """Retries exhausted (5xx, dropped connections) or a rate limit longer than we wait.
    `reason` is what happened without the advice, for a message that gives its own."""

    ADVICE = "run the command again later; everything fetched so far is kept"

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason}: {self.ADVICE}")
        self.reason = reason
