"""The suggestions' filter by sound belongs to the playlist it was set on: "rainy sunday",
opened after "road trip" was filtered to tempo 100-140, starts with no filter, "road trip"
opened again gets its own back, and a new playlist (ctrl+n) starts with none; each change is
said. The filter had stayed set on whatever was opened or started next."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    audio_copy,
    audio_dir,
    builder,
    builder_ready,
    make_app,
    notifications,
    settle,
    steady_copy,
    steady_dir,
    trained_copy,
    trained_dir,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.services.root import open_services
from mpdtui.tui.widgets.sound_filter import SoundFilter

ROAD_TRIP, RAINY_SUNDAY = list(range(0, 60, 5)), list(range(1, 61, 5))


def status(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#suggest-status", Label).render())


async def open_saved(pilot: Pilot, name: str) -> None:
    """From the builder's lists: p, its name in the filter of the saved playlists, enter."""
    await pilot.press("p")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "PlaylistsScreen",
                   what="the saved playlists")
    await pilot.press("/", *name, "enter")
    screen = builder(pilot.app)
    await wait_for(pilot, lambda: pilot.app.screen is screen
                   and screen.query_one("#name", Input).value == name, what=name)
    await settle(pilot)


@pytest.mark.asyncio
async def test_the_filter_stays_with_the_playlist_it_was_set_on(audio_copy: Locations,
                                                                tmp_path: Path) -> None:
    services = open_services(audio_copy)
    services.playlists.save("rainy sunday", services.catalog.tracks(RAINY_SUNDAY))
    services.playlists.save("road trip", services.catalog.tracks(ROAD_TRIP))
    app = make_app(audio_copy, tmp_path, services)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await pilot.press("escape")
        await open_saved(pilot, "road trip")
        await pilot.press("f", *"tempo 100-140", "enter")
        await wait_for(pilot, lambda: "matching tempo 100-140" in status(pilot),
                       what="the filtered suggestions")
        field = screen.query_one(SoundFilter)

        await open_saved(pilot, "rainy sunday")
        assert field.value == ""
        await wait_for(pilot, lambda: "matching" not in status(pilot), what="unfiltered ones")
        assert any("The filter by sound 'tempo 100-140' stays with 'road trip': none on this "
                   "playlist (f sets one)." in note for note in notifications(app))

        await open_saved(pilot, "road trip")  # its own filter back
        assert field.value == "tempo 100-140"
        await wait_for(pilot, lambda: "matching tempo 100-140" in status(pilot),
                       what="its filtered suggestions")
        assert any("Its filter by sound is back: 'tempo 100-140' (f changes it)." in note
                   for note in notifications(app))

        await pilot.press("ctrl+n")  # a new playlist: none
        await wait_for(pilot, lambda: field.value == "", what="the filter cleared")
        assert any(note.startswith("New playlist. The filter by sound 'tempo 100-140' stays "
                                   "with 'road trip'") for note in notifications(app))


@pytest.mark.asyncio
async def test_the_help_says_the_filter_belongs_to_its_playlist(trained_copy: Locations,
                                                               tmp_path: Path) -> None:
    """The help's `f` told how to write a filter, not that it stays with the playlist it was
    set on: a person who opened another playlist found it gone and nothing that said why."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen", what="help")
        rows = [str(row.render()) for row in app.screen.query("#help .what").results(Static)]
        (filter_row,) = [row for row in rows if row.startswith("filter suggestions by sound")]
        assert ("belongs to the playlist it was set on: another playlist opened (p) or a new "
                "one (ctrl+n) starts with none" in " ".join(filter_row.split()))
