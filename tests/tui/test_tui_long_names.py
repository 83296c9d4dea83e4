"""Pilot tests of names from data in notifications: a long one is cut, as the dialogs cut
it, so that a note keeps to a few lines of an 80x24 terminal and still says what it says."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from pathlib import Path

import pytest
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
        await builder_ready(pilot)
        app.services.playlists.save(LONG, app.services.catalog.tracks([3, 1]))
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="playlists")
        await settle(pilot)
        app.clear_notifications()
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
