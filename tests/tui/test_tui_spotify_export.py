"""The app's export to Spotify says a rate limit's wait as it starts (it showed nothing until
the export ended: the app looked idle through waits of many seconds), against the fake."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    builder,
    builder_ready,
    make_app,
    notifications,
    settle,
    trained_copy,
    trained_dir,
    type_text,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.spotify import auth

pytestmark = pytest.mark.asyncio


@pytest.fixture
def fake_spotify(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from fake_spotify import FakeSpotify

    with FakeSpotify() as server:
        for key, value in server.env.items():
            monkeypatch.setenv(key, value)
        yield server


async def test_the_export_says_a_rate_limits_wait(fake_spotify: Any, trained_copy: Locations,
                                                   tmp_path: Path) -> None:
    from fake_spotify import too_many

    auth.login(trained_copy, fake_spotify.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    fake_spotify.fail_next("playlists/*/items", too_many(1))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await type_text(pilot, "for spotify")
        builder(app).playlist = app.services.catalog.tracks([1, 2, 3])
        await pilot.press("escape", "e", "j", "j", "j", "enter")
        await wait_for(pilot, lambda: "Spotify export: rate limited, retrying in 1 s"
                       in notifications(app), what="the wait said")
        await settle(pilot)
        assert any("Exported to Spotify: 3 tracks" in n for n in notifications(app))
