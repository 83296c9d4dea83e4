"""The setup's Spotify step: a paste that is not the redirect (an empty enter, a stray word)
keeps the login waiting for the real one, as `mpdtui auth --no-browser` asks again."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from textual.widgets import Input
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    builder_ready,
    label_text,
    make_app,
    screen_name,
    trained_copy,
    trained_dir,
    type_text,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.services.root import open_services
from mpdtui.services.spotify import SpotifyService
from mpdtui.tui.screens.setup_spotify import NOT_A_REDIRECT

pytestmark = pytest.mark.asyncio


class AnyPort(SpotifyService):
    def login(self, client_id: str, **kwargs: Any) -> Any:
        return super().login(client_id, **{**kwargs, "port": 0})


@pytest.fixture
def fake_spotify(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from fake_spotify import FakeSpotify

    with FakeSpotify() as server:
        for key, value in server.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("MPDTUI_SPOTIFY_CLIENT_ID", raising=False)
        yield server


async def test_a_paste_that_is_not_the_redirect_keeps_the_login_waiting(
        fake_spotify: Any, trained_copy: Locations, tmp_path: Path) -> None:
    """An empty enter ended the paste's reader (then "Checking the pasted URL…" for the 5
    minutes the login waits, the real paste unread), a stray word the login."""
    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, spotify=AnyPort))
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("f2", "ctrl+n", "ctrl+n")
        assert screen_name(pilot) == "SpotifyStep"
        await type_text(pilot, fake_spotify.state.client_id)
        await pilot.press("enter")
        step = app.screen
        paste = step.query_one("#redirect-url", Input)
        await wait_for(pilot, lambda: paste.has_focus, what="the paste field")
        shown = "".join(str(step.query_one("#login-url").render()).split("\n"))
        url = shown.split("(copied to the clipboard): ", 1)[1].strip()
        for slip in ("", "hello"):
            paste.value = slip
            await pilot.press("enter")
            await wait_for(pilot, lambda: label_text(pilot, "#step-status") == NOT_A_REDIRECT,
                           what="asked again")
        paste.value = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Logged in" in label_text(pilot, "#step-status"),
                       what="the login")
        assert "Fake User" in label_text(pilot, "#spotify-user")
