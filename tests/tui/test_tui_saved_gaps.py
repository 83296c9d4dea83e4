"""Pilot tests of small gaps in the saved playlists and the builder: a blank rename, the
list's top / bottom keys, the Spotify import while logged out, the features import's cancel
key and a long draft's restore said first."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    builder,
    builder_ready,
    label_text,
    make_app,
    noted,
    notifications,
    run_command,
    screen_name,
    settle,
    trained_copy,
    trained_dir,
    type_text,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.tui.screens.playlists import PlaylistsScreen

pytestmark = pytest.mark.asyncio


async def test_a_blank_rename_keeps_its_dialog_open_with_why(trained_copy: Locations,
                                                             tmp_path: Path) -> None:
    """`r`, ctrl+u, spaces, enter closed the dialog and said nothing (the CLI says why)."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        app.services.playlists.save("gym", app.services.catalog.tracks([1]))
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: screen_name(pilot) == "PlaylistsScreen")
        await pilot.press("r", "ctrl+u", "space", "space", "enter")
        assert screen_name(pilot) == "PromptScreen"
        assert label_text(pilot, "#prompt-refused") == (
            "A playlist name cannot be empty: type one, or escape to keep 'gym'.")
        await pilot.press("escape")
        assert screen_name(pilot) == "PlaylistsScreen"
        assert [p.name for p in app.services.playlists.summaries()] == ["gym"]


@pytest.mark.parametrize(("bottom", "top"), [("G", "g"), ("end", "home")])
async def test_the_saved_playlists_go_to_their_top_and_bottom(
        trained_copy: Locations, tmp_path: Path, bottom: str, top: str) -> None:
    """As the builder's lists (README: g / G, top / bottom of a list); only j / k moved."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        for name in ("a", "b", "c", "d"):
            app.services.playlists.save(name, app.services.catalog.tracks([1]))
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen))
        await settle(pilot)
        listed = app.screen.query_one("#saved", DataTable)
        assert listed.cursor_row == 0
        await pilot.press(bottom)
        assert listed.cursor_row == 3
        await pilot.press(top)
        assert listed.cursor_row == 0


async def test_the_spotify_import_logged_out_says_where_to_log_in_at_once(
        trained_copy: Locations, tmp_path: Path) -> None:
    """It started the job, said "Importing your Spotify playlists…", and only then failed."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen))
        await pilot.press("I")
        await settle(pilot)
        said = notifications(app)
        assert ("Not logged in to Spotify: log in at the setup's Spotify step (f2), then "
                "import (I).") in said
        assert not [n for n in said if n.startswith("Importing")]
        assert app.jobs.request is None
        await pilot.press("f2")  # where it sends the user
        await wait_for(pilot, lambda: screen_name(pilot) == "SpotifyStep", what="the Spotify step")


async def test_the_features_import_says_escape_cancels_it(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the data step's ingest: "Ingesting …… (escape cancels)"."""
    from mpdtui.tui.screens.setup_features import FeaturesStep

    monkeypatch.setattr(FeaturesStep, "start_job", lambda self, request: None)
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: audio features")
        await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep", what="features step")
        app.screen.query_one("#csv-path", Input).value = "features.csv"
        await pilot.press("ctrl+r")
        assert label_text(pilot, "#step-status") == "Importing features.csv… (escape cancels)"


async def test_restoring_a_long_draft_says_so_first(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """10,000 tracks showed "0 tracks" for 15 s before "Restored …", as opening a long saved
    playlist did before it said "Opening 'NAME': N tracks, a few seconds…"."""
    from mpdtui.tui.screens import builder_files

    monkeypatch.setattr(builder_files, "LONG_PLAYLIST", 3)  # a long one, as the catalog allows
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "mix")
        screen.playlist = app.services.catalog.tracks([1, 2, 3])
        screen._check_data()  # what the builder does every few seconds: the draft kept
        assert trained_copy.builder_draft_of(os.getpid()).exists()
    app = make_app(trained_copy, tmp_path)
    said = noted(app)  # as they come: a note shown 5 s may be gone when a slow run looks
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await wait_for(pilot, lambda: builder(app).playlist, what="the draft")
        assert "Opening 'mix': 3 tracks, a few seconds…" in said
        assert said.index("Opening 'mix': 3 tracks, a few seconds…") < next(
            i for i, n in enumerate(said) if n.startswith("Restored 'mix'"))


async def test_a_blank_import_path_keeps_its_dialog_open_with_why(trained_copy: Locations,
                                                                  tmp_path: Path) -> None:
    """ctrl+u, enter closed the import dialog and nothing happened."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen))
        await pilot.press("i", "ctrl+u", "enter")
        assert screen_name(pilot) == "PromptScreen"
        assert label_text(pilot, "#prompt-refused") == (
            "Type the path of a playlist file, or of a folder or zip of them (tab completes it).")


@pytest.mark.parametrize("steps", ["filter", "import"])
async def test_the_saved_playlists_columns_fit_once_the_preview_shows_again(
        trained_copy: Locations, tmp_path: Path, steps: str) -> None:
    """A filter that matched nothing, cleared (or the first playlist imported into an empty
    list): the columns were fitted while the list had the preview's room too, so Tracks and
    Changed stood out of view to its right, behind a scrollbar, once the preview came back."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await builder_ready(pilot)
        if steps == "filter":
            app.services.playlists.save("N" * 300, app.services.catalog.tracks([3, 1]))
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="playlists")
        await settle(pilot)
        if steps == "filter":
            await pilot.press("slash")
            await type_text(pilot, "zzz")
            await settle(pilot)
            await pilot.press("backspace", "backspace", "backspace")
        else:
            links = tmp_path / "links.txt"
            uris = [t.uri for t in app.services.catalog.tracks([3, 1])]
            links.write_text("".join(f"{uri}\n" for uri in uris))
            await pilot.press("i")
            await type_text(pilot, str(links))
            await pilot.press("enter")
        table = app.screen.query_one("#saved", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="the playlist listed")
        await settle(pilot)
        widths = [column.width for column in table.columns.values()]
        assert [str(c.label) for c in table.columns.values()] == ["Name", "Tracks", "Changed"]
        assert sum(widths) + 2 * len(widths) <= table.size.width  # no column out of view


@pytest.mark.parametrize(("key", "last"), [("e", "#export-folder"), ("x", "#no"),
                                           ("r", "#prompt-input")])
async def test_a_long_name_leaves_a_dialogs_choices_in_view(
        trained_copy: Locations, tmp_path: Path, key: str, last: str) -> None:
    """At 60x20 the export dialog quoted a 300-character name whole, in seven lines: its
    folder field (and the delete question's buttons) stood below the screen's edge."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await builder_ready(pilot)
        app.services.playlists.save("N" * 300, app.services.catalog.tracks([3, 1]))
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="playlists")
        await settle(pilot)
        await pilot.press(key)
        await wait_for(pilot, lambda: not isinstance(app.screen, PlaylistsScreen), what="dialog")
        await settle(pilot)
        region = app.screen.query_one(last).region
        assert region.height and region.bottom <= 20 - 1, region  # above the footer
        assert "N…'" in label_text(pilot, ".dialog Label")  # the name, cut short
