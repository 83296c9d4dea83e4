"""The builder at 60x20 with a search typed and the cursor back in the suggestions: they, the
sound filter and the status line under it stay in view, the results taking their turn while
the cursor is in the search or them (the results' rows had pushed the suggestions' bottom
border, the filter and "50 suggestions from …", or why a filter cannot be read, below the
screen)."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Label
from tui_support import (  # noqa: F401 (fixtures)
    builder,
    builder_ready,
    make_app,
    settle,
    trained_copy,
    trained_dir,
    type_text,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.tui.widgets.track_table import TrackTable

pytestmark = pytest.mark.asyncio


def screen_text(app: Any) -> str:
    return "\n".join("".join(strip.text for strip in row)
                     for row in app.screen._compositor.render_full_update().strips)


async def test_the_status_line_stays_in_view_at_60x20_with_a_search_typed(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "road")
        await pilot.press("escape", "slash")
        await type_text(pilot, "love")
        results = screen.query_one("#results", TrackTable)
        await wait_for(pilot, lambda: results.tracks, what="results")
        suggestions = screen.query_one("#suggestions", TrackTable)
        suggestions.focus()  # the cursor back in the suggestions: they take the results' turn
        await settle(pilot)
        await pilot.pause(0.2)
        shown = screen_text(app)
        status = str(screen.query_one("#suggest-status", Label).render())
        assert "suggestions from" in status, status
        assert status.split(":")[0] in shown, shown  # "50 suggestions from als"
        assert "Filter by sound" in shown and suggestions.region.bottom <= 19, shown
        assert not results.display, shown
        await pilot.press("f")
        await type_text(pilot, "tempo 100-")
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert "write a feature and a value" in screen_text(app), screen_text(app)
        await pilot.press("escape", "slash")  # the search again: its results take their turn
        await pilot.pause(0.2)
        assert results.display and results.region.height >= 4, screen_text(app)
