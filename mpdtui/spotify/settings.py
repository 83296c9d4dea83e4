"""Where Spotify lives (overridable for tests) and which client id to use."""

from __future__ import annotations

import os
from dataclasses import dataclass

import orjson

from mpdtui.locations import Locations

API_URL_ENV = "MPDTUI_SPOTIFY_API_URL"
ACCOUNTS_URL_ENV = "MPDTUI_SPOTIFY_ACCOUNTS_URL"
CLIENT_ID_ENV = "MPDTUI_SPOTIFY_CLIENT_ID"
CONFIG_CLIENT_ID_KEY = "spotify_client_id"

DEFAULT_API_URL = "https://api.spotify.com/v1/"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com/"

# export needs modify, import-spotify needs read-private
SCOPES = "playlist-modify-private playlist-modify-public playlist-read-private"


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


def configured_client_id(locations: Locations) -> str | None:
    """`spotify_client_id` from config.json; a missing or unreadable file means none."""
    try:
        document = orjson.loads(locations.config_json.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    value = document.get(CONFIG_CLIENT_ID_KEY) if isinstance(document, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def resolve_client_id(locations: Locations, explicit: str | None = None,
                      previous: str | None = None) -> str | None:
    """`--client-id`, then `MPDTUI_SPOTIFY_CLIENT_ID`, then config.json, then the last login's."""
    for candidate in (explicit, os.environ.get(CLIENT_ID_ENV), configured_client_id(locations),
                      previous):
        if candidate and candidate.strip():
            return candidate.strip()
    return None
