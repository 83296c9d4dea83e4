"""Where Spotify lives (overridable for tests), the login's scopes and the client id's
environment variable (which client id to use: `services.spotify.SpotifyService.client_id`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse, urlsplit

from mpdtui.printable import quoted

API_URL_ENV = "MPDTUI_SPOTIFY_API_URL"
ACCOUNTS_URL_ENV = "MPDTUI_SPOTIFY_ACCOUNTS_URL"
CLIENT_ID_ENV = "MPDTUI_SPOTIFY_CLIENT_ID"
DEFAULT_PORT = 8765  # of the login's redirect catcher, http://127.0.0.1:8765/callback
NO_CLIENT_ID = (f"no Spotify client id: pass --client-id ID, set {CLIENT_ID_ENV}, or put "
                '"spotify_client_id" in config.json (README: "Spotify")')

CLIENT_ID_FORM = re.compile(r"[A-Za-z0-9_-]+")
"""Letters, digits, - and _ (Spotify's are 32 hexadecimal digits; the tests' servers use
others): a link or the dashboard's label pasted instead is refused before the login, where
Spotify's page would only say INVALID_CLIENT."""

DEFAULT_API_URL = "https://api.spotify.com/v1/"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com/"

# export needs modify, import-spotify needs read-private
SCOPES = "playlist-modify-private playlist-modify-public playlist-read-private"


def not_a_client_id(text: str) -> str | None:
    """Why `text` cannot be a Client ID, with where to copy one (None: it can be)."""
    if CLIENT_ID_FORM.fullmatch(text.strip()):
        return None
    return (f"{quoted(text.strip())} is not a Client ID: copy your Spotify app's Client ID (32 "
            "letters and digits) from developer.spotify.com/dashboard, your app, Settings")


def login_trouble(url: str) -> str:
    """What to check when Spotify's page refuses the login at `url` (it says so in the
    browser only, and the login then waits in vain)."""
    redirect = parse_qs(urlsplit(url).query).get("redirect_uri", [""])[0]
    return ("If Spotify's page says INVALID_CLIENT: check the Client ID, and that your app's "
            f"Redirect URIs (developer.spotify.com/dashboard, your app, Settings) hold {redirect} "
            "exactly.")


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class SpotifySettings:
    """Base URLs of the Web API and of the accounts service."""

    api_url: str = DEFAULT_API_URL
    accounts_url: str = DEFAULT_ACCOUNTS_URL

    @classmethod
    def from_env(cls) -> SpotifySettings:
        return cls(
            api_url=_with_slash(os.environ.get(API_URL_ENV) or DEFAULT_API_URL),
            accounts_url=_with_slash(os.environ.get(ACCOUNTS_URL_ENV) or DEFAULT_ACCOUNTS_URL),
        )

    @property
    def authorize_url(self) -> str:
        return self.accounts_url + "authorize"

    @property
    def token_url(self) -> str:
        return self.accounts_url + "api/token"


_AROUND_A_PASTE = "\"'`<>"
"""What a copied address often comes wrapped in: a shell's or chat's quotes, a mail's <...>."""


def pasted_redirect(text: str) -> str:
    """The address in what was pasted, without the blanks and quotes around it."""
    return text.strip().strip(_AROUND_A_PASTE).strip()


def state_problem(answer: str, state: str) -> str | None:
    """Why the pasted redirect is not this login's (None: it is): an address cut short (its
    `state=` missing or part of it), or another login's (an earlier page's, a forged one)."""
    given = parse_qs(urlparse(pasted_redirect(answer)).query).get("state", [""])[0]
    if given == state:
        return None
    if state.startswith(given):
        return "the pasted address is cut short (its `state=` is missing or not whole)"
    return ("the redirect's state does not match this login (an earlier login's page, or a "
            "forged redirect)")
