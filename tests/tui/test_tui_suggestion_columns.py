"""The suggestions' columns in the builder at the sizes people use: what a person reads first
(track, artist, then why) is whole before album, time and the audio columns take room."""
# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from tui_support import (  # noqa: F401 (fixtures)
    audio_copy,
    audio_dir,
    builder,
    builder_ready,
    make_app,
    settle,
    steady_dir,
    trained_dir,
    type_text,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.tui.messages import PlaylistLoaded
from mpdtui.tui.widgets.track_table import TrackTable

pytestmark = pytest.mark.asyncio

PLAYLIST = list(range(0, 60, 5))  # twelve tracks of the demo: item_knn's "often with …"
FIRST_READ = ("Track", "Artist", "Why")


async def suggestions_for_a_playlist(pilot: Pilot) -> TrackTable:
    app = pilot.app
    await builder_ready(pilot)
    screen = builder(app)
    services = app.services
    screen.post_message(PlaylistLoaded("rainy sunday", services.catalog.tracks(PLAYLIST),
                                       services.audio.audio(PLAYLIST)))
    await wait_for(pilot, lambda: len(screen.playlist) == len(PLAYLIST),
                   what="the playlist")
    await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                   what="suggestions")
    await settle(pilot)
    return screen.query_one("#suggestions", TrackTable)


def lines_on_screen(table: TrackTable) -> list[str]:
    """The table's rows as the screen shows them (its region of the whole screen)."""
    region = table.region
    rows = table.screen._compositor.render_full_update().strips
    return ["".join(strip.text for strip in rows[y])[region.x:region.right]
            for y in range(region.y, region.bottom)]


def content_widths(table: TrackTable) -> dict[str, int]:
    return {"Track": max(cell_len(t.name) for t in table.tracks),
            "Artist": max(cell_len(t.artist_name) for t in table.tracks),
            "Why": max(cell_len(reason) for reason in table.reasons)}


async def test_at_200x50_every_reason_is_whole_beside_the_audio_columns(
        audio_copy: Locations, tmp_path: Path) -> None:
    """The Why column had cut "often with Qudoka Aetara Qudodo" by a cell while the album,
    cut to 8 cells, took 10: the album gives way, time and sound stay."""
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=(200, 50)) as pilot:
        table = await suggestions_for_a_playlist(pilot)
        widths, wanted = dict(table.fitted), content_widths(table)
        assert table.reason_column and wanted["Why"] > 20  # reasons differ, some long
        assert all(widths[name] >= wanted[name] for name in FIRST_READ), (widths, wanted)
        assert {"Time", "BPM", "Key", "Energy"} <= set(widths)
        on_screen = lines_on_screen(table)
        assert len(on_screen) > 20 and not [line for line in on_screen if "…" in line]


async def test_at_120x40_track_and_artist_are_whole_before_any_other_column(
        audio_copy: Locations, tmp_path: Path) -> None:
    """The track was cut ("Eldota Noxrari Lia…") beside a BPM column: where track, artist
    and reason do not all fit, the reason, said whole in the border, is the one cut short."""
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await suggestions_for_a_playlist(pilot)
        widths, wanted = dict(table.fitted), content_widths(table)
        assert widths["Why"] < wanted["Why"] and not {"Album", "Time"} & set(widths)
        assert widths["Track"] >= wanted["Track"] and widths["Artist"] >= wanted["Artist"]
        table.focus()  # the suggestions with the focus: the whole reason in the border
        await settle(pilot)
        assert str(table.border_subtitle) == f"why: {table.current_reason()}"


async def test_at_100x30_a_search_shows_whole_names_before_time_and_sound(
        audio_copy: Locations, tmp_path: Path) -> None:
    """The results had cut "Sozata Kadodo…" beside time, BPM and key (seed 21's demo)."""
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        tracks = app.services.catalog.tracks(list(range(2000)))
        longest = max(tracks, key=lambda t: cell_len(t.name) + cell_len(t.artist_name))
        await pilot.press("slash")
        await type_text(pilot, f"{longest.name} {longest.artist_name}")
        results = screen.query_one("#results", TrackTable)
        await wait_for(pilot, lambda: longest in results.tracks, what="the results")
        await settle(pilot)
        widths = dict(results.fitted)
        wanted = {"Track": max(cell_len(t.name) for t in results.tracks),
                  "Artist": max(cell_len(t.artist_name) for t in results.tracks)}
        assert widths["Track"] >= wanted["Track"] and widths["Artist"] >= wanted["Artist"], (
            widths, wanted)
