"""The builder open while its cache dir is moved away (or deleted, or its disk unmounted):
it says so once and goes on suggesting from the models it loaded, instead of "No data yet:
ingest..." (whose advice would fill an empty folder made in its place); and a save is refused
until the folder is back."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from pathlib import Path

import pytest
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    builder,
    builder_ready,
    make_app,
    noted,
    settle,
    trained_copy,
    trained_dir,
)

from mpdtui.locations import Locations
from mpdtui.tui.screens.builder import MISSING_DATA

pytestmark = pytest.mark.asyncio


async def test_the_builder_says_its_cache_dir_is_gone(trained_copy: Locations,
                                                      tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen, said = builder(app), noted(app)
        model = screen.model_name
        trained_copy.root.rename(tmp_path / "moved")
        screen._check_models()  # its poll, every 3 s
        await settle(pilot)
        assert screen.model_name == model is not None  # suggestions go on
        assert MISSING_DATA not in said
        assert [note for note in said if "is gone" in note] == [
            f"The cache dir {trained_copy.root} is gone (moved, deleted, or its disk "
            "unmounted): put it back and try again (nothing was made in its place), or choose "
            "another folder (--cache-dir, or the app's setup: f2). Suggestions go on from the "
            "models loaded."]
        screen._check_models()
        await settle(pilot)
        assert len([note for note in said if "is gone" in note]) == 1  # said once
        assert not trained_copy.root.exists()
