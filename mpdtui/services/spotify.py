"""The user's Spotify account: login (PKCE), which app to log in with, export of a saved
playlist. Importing playlists and downloading features are jobs (`Jobs`, the job process).

spotipy (and redis, which it imports) loads when an account is used, not with the services:
most commands and the builder never touch Spotify."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from models.progress import ProgressCallback
from mpdtui import config
from mpdtui.browser import open_in_browser
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.printable import shell_word
from mpdtui.services.playlists import PlaylistService
from mpdtui.spotify.settings import CLIENT_ID_ENV, DEFAULT_PORT, not_a_client_id

if TYPE_CHECKING:
    from mpdtui.spotify.client import WaitCallback
    from mpdtui.spotify.export import ExportResult
    from mpdtui.spotify.session import LoginStatus


class SpotifyService:
    def __init__(self, locations: Locations, playlists: PlaylistService) -> None:
        self.locations, self._playlists = locations, playlists

    def status(self) -> LoginStatus:
        """The stored login; no network."""
        from mpdtui.spotify import session

        return session.status(self.locations)

    def client_id(self, explicit: str | None = None) -> str | None:
        """The Spotify app to log in with: `explicit` (--client-id), then
        `MPDTUI_SPOTIFY_CLIENT_ID`, then config.json, then the last login's."""
        for candidate in (explicit, os.environ.get(CLIENT_ID_ENV),
                          config.read(self.locations, check_models=False).spotify_client_id,
                          self._previous_client_id()):
            if candidate and candidate.strip():
                return candidate.strip()
        return None

    def _previous_client_id(self) -> str | None:
        """The stored login's client id, also from a damaged token file (a login replaces it)."""
        from mpdtui.spotify import session

        stored = session.TokenFile(self.locations.spotify_token).get_cached_token() or {}
        client_id = stored.get("mpdtui_client_id")
        return client_id if isinstance(client_id, str) else None

    def login(self, client_id: str, *, on_url: Callable[[str], None] | None = None,
              paste: Callable[[], str] | None = None, open_browser: bool = True,
              cancel: threading.Event | None = None, port: int | None = None) -> LoginStatus:
        """PKCE login, remembering the client id in config.json once it logged in (a mistyped
        one, given up, is not the next login's); the new status. `port` of the redirect
        catcher: None for the registered default, 0 for any free one (tests)."""
        client_id = client_id.strip()
        if not client_id:
            raise UserError("enter the client id of your Spotify app first")
        if problem := not_a_client_id(client_id):
            raise UserError(problem)
        from mpdtui.spotify import auth
        from mpdtui.spotify.errors import LoginFailed

        remembered = self.client_id()
        try:
            status = auth.login(self.locations, client_id, on_url=on_url, paste=paste,
                                open_url=open_in_browser if open_browser else None,
                                cancel=cancel, port=DEFAULT_PORT if port is None else port)
        except LoginFailed as exc:
            if remembered == client_id:
                raise
            raise LoginFailed(str(exc).replace(  # the CLI's login on another port needs it
                "`mpdtui auth --port PORT`",
                f"`mpdtui auth --client-id {shell_word(client_id)} --port PORT`")) from None
        config.update(self.locations, spotify_client_id=client_id)
        return status

    def logout(self) -> bool:
        """Remove the stored login; False when there was none."""
        from mpdtui.spotify import session

        return session.logout(self.locations)

    def export(self, key: int | str, *, public: bool = False,
               progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
               on_wait: WaitCallback | None = None) -> ExportResult:
        """Export a saved playlist to the logged-in account (resuming an interrupted export)."""
        from mpdtui.spotify.client import open_client
        from mpdtui.spotify.export import export_to_spotify

        client = open_client(self.locations, on_wait=on_wait)
        with _one_export_at_a_time(self.locations):
            return export_to_spotify(self._playlists.store(), key, client, public=public,
                                     progress=progress, cancel=cancel)


@contextmanager
def _one_export_at_a_time(locations: Locations) -> Iterator[None]:
    """An export to Spotify, alone: a second one at the same time (the app's `e` pressed again,
    another terminal) resumed the first's unfinished export beside it, both sending the same
    tracks. `flock`: released when its holder exits, however it exits."""
    import fcntl

    fd = os.open(locations.ensure().spotify_export_lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError("another export to Spotify is running (in the app or another "
                            "terminal): wait for it to finish, then export again") from None
        yield
    finally:
        os.close(fd)
