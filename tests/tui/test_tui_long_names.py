"""Pilot tests of names from data in notifications: a long one is cut, as the dialogs cut
it, so that a note keeps to a few lines of an 80x24 terminal and still says what it says."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_spotify import FakeSpotify, Fault
from textual.pilot import Pilot
from textual.widgets import Input
from textual.widgets._toast import Toast
from tui_support import (  # noqa: F401 (fixtures)
    builder,
    builder_ready,
    make_app,
    notifications,
    settle,
    trained_copy,
    trained_dir,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.tui.screens.playlists import PlaylistsScreen

pytestmark = pytest.mark.asyncio

LONG = "N" * 300
SHORTENED = "'" + "N" * 39 + "…'"  # QUESTION_NAME_CELLS: 40 cells with the "…"


async def to_the_long_one_saved(pilot: Pilot) -> None:
    """The saved playlists, with LONG saved (two tracks), no notification showing."""
    app = pilot.app
    await builder_ready(pilot)
    app.services.playlists.save(LONG, app.services.catalog.tracks([3, 1]))
    await pilot.press("escape", "p")
    await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="playlists")
    await settle(pilot)
    app.clear_notifications()


@pytest.mark.parametrize(("keys", "said"), [
    (("enter",), f"Opened {SHORTENED}."),
    (("d",), f"Duplicated as {SHORTENED[:-1]}"),
    (("x", "y"), f"Deleted {SHORTENED}."),
])
async def test_a_long_name_keeps_a_notification_to_a_few_lines(
        trained_copy: Locations, tmp_path: Path, keys: tuple[str, ...], said: str) -> None:
    """"Opened 'NNN…'" quoted a 300-character name whole: the note took 9 rows of an 80x24
    terminal, over the lists, until it timed out."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await to_the_long_one_saved(pilot)
        await pilot.press(*keys)
        await wait_for(pilot, lambda: any(said in n for n in notifications(app)), what=said)
        await settle(pilot)
        toasts = list(app.screen.query(Toast))
        assert toasts and all(toast.region.height <= 5 for toast in toasts), [
            (toast.region, notifications(app)) for toast in toasts]


async def test_a_long_name_saved_is_said_cut_and_kept_whole(
        trained_copy: Locations, tmp_path: Path) -> None:
    """ctrl+s with a 300-character name: saved whole, said in a few lines."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await builder_ready(pilot)
        builder(app).query_one("#name", Input).value = LONG  # as typed: 300 keys take 20 s
        builder(app).playlist = app.services.catalog.tracks([1])
        await settle(pilot)
        app.clear_notifications()
        await pilot.press("escape", "ctrl+s")
        await wait_for(pilot, lambda: any(n.startswith(f"Saved {SHORTENED} (1 track)")
                                          for n in notifications(app)), what="saved")
        assert [p.name for p in app.services.playlists.summaries()] == [LONG]
        await settle(pilot)
        assert all(toast.region.height <= 5 for toast in app.screen.query(Toast))


@pytest.fixture
def logged_in(trained_copy: Locations, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSpotify]:
    """The loopback Spotify, logged in to through the real browser flow."""
    import requests

    from mpdtui.spotify import auth

    with FakeSpotify() as fake:
        for key, value in fake.env.items():
            monkeypatch.setenv(key, value)
        auth.login(trained_copy, fake.state.client_id, port=0, timeout=20,
                   open_url=lambda url: requests.get(url, timeout=10))
        yield fake


async def test_a_long_name_in_a_stopped_export_s_message_is_cut(
        logged_in: FakeSpotify, trained_copy: Locations, tmp_path: Path) -> None:
    """An export to Spotify of a playlist with a 300-character name, stopped by Spotify: the
    note ("export of 'NNN…' stopped after 0 of 2 tracks ...", from the service) quoted it
    whole: 20 rows of an 80x24 terminal (now 13, its advice and URL); "Exporting 'NNN…'"
    too, 14 rows (now 6), pushed above the screen's top."""
    logged_in.fail_next("POST playlists/*/items", Fault(400))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await to_the_long_one_saved(pilot)
        await pilot.press("e", "j", "j", "j", "enter")  # the fourth choice: Spotify
        stopped = f"export of {SHORTENED} stopped after 0 of 2 tracks"
        await wait_for(pilot, lambda: any(stopped in n for n in notifications(app)),
                       what=stopped)
        assert f"Exporting {SHORTENED} to Spotify (2 tracks)" in " ".join(notifications(app))
        assert not any(LONG[:41] in n for n in notifications(app))
        await settle(pilot)
        toasts = list(app.screen.query(Toast))
        assert toasts and all(toast.region.height <= 13 for toast in toasts), [
            (toast.region, notifications(app)) for toast in toasts]


async def test_a_long_name_taken_is_said_cut_by_the_import(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A file of a playlist named as a saved one of 300 characters, imported (i): "Imported
    'NNN… 2' ('NNN…' is taken)" quoted both names whole: 21 rows of an 80x24 terminal (now
    7)."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await builder_ready(pilot)
        app.services.playlists.save(LONG, app.services.catalog.tracks([3, 1]))
        exported = app.services.playlist_files.export_file(LONG, "json", to=tmp_path / "a.json")
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="playlists")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        app.screen.query_one(Input).value = str(exported)
        app.clear_notifications()
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.startswith("Imported") for n in notifications(app)),
                       what="imported")
        assert notifications(app) == [f"Imported {SHORTENED[:-1]}' ({SHORTENED} is taken): "
                                      "2 tracks."]
        assert sorted(p.name for p in app.services.playlists.summaries()) == [LONG, f"{LONG} 2"]
        await settle(pilot)
        assert all(toast.region.height <= 7 for toast in app.screen.query(Toast))
