"""The builder with a track that has no title (the MPD holds some): its notes and its Why
column name it by its artist, never by a blank ("Added ''.", "often with ")."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from pathlib import Path

import pytest
from hostile_support import jobs_in_process, playlists_from, write_slice  # noqa: F401
from tui_support import builder, builder_ready, make_app, noted, settle, type_text, wait_for

from mpdtui.cli import main
from mpdtui.locations import Locations
from mpdtui.tui.widgets.track_table import TrackTable

UNTITLED_URI = "spotify:track:AAAAAAAAAAAAAAAAAAAAA1"  # Jóga in the hand-made slice
NAMED = "'(no title) by Björk'"

pytestmark = pytest.mark.asyncio


@pytest.fixture
def untitled_cache(tmp_path: Path, jobs_in_process: None) -> Locations:
    """The hand-made slice with Jóga's title blank, item-kNN trained on it."""
    playlists = playlists_from(0)
    for track in (t for p in playlists for t in p["tracks"] if t["track_uri"] == UNTITLED_URI):
        track["track_name"] = "  "
    source = write_slice(tmp_path / "mpd", 0, playlists)
    cache = tmp_path / "cache"
    assert main(["--cache-dir", str(cache), "--train", "--mpd", str(source.parent),
                 "--models", "item_knn"]) == 0
    return Locations.resolve(cache)


async def test_the_builder_names_an_untitled_track_by_its_artist(
        untitled_cache: Locations, tmp_path: Path) -> None:
    app = make_app(untitled_cache, tmp_path, train_models=("item_knn",))
    said = noted(app)
    async with app.run_test(size=(130, 40)) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await pilot.press("slash")
        await type_text(pilot, "bjork")
        await wait_for(pilot, lambda: screen.query_one("#results").row_count, what="results")
        await pilot.press("enter")  # the most popular match: Jóga, in two playlists
        await wait_for(pilot, lambda: screen.playlist, what="the track added")
        assert [t.uri for t in screen.playlist] == [UNTITLED_URI]
        assert f"Added {NAMED}." in said
        await settle(pilot)
        suggestions = screen.query_one("#suggestions", TrackTable)
        await wait_for(pilot, lambda: suggestions.tracks, what="suggestions")
        assert "often with (no title) by Björk" in suggestions.reasons, suggestions.reasons
        await pilot.press("escape", "tab")  # from the search to the playlist
        await pilot.press("u")
        await wait_for(pilot, lambda: not screen.playlist, what="the add undone")
        assert any(note.startswith(f"Undone: added {NAMED}") for note in said), said
