"""A training for new model settings (config.json changed) that stopped, as the app shows it."""
# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    builder_ready,
    label_text,
    make_app,
    notifications,
    run_command,
    screen_name,
    settle,
    trained_copy,
    trained_dir,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.pipeline.events import StageStarted
from mpdtui.pipeline.unfinished import TrainingMark
from mpdtui.tui.screens.setup_training_text import SETTINGS_CHANGED, SETTINGS_CHANGED_STOPPED

pytestmark = pytest.mark.asyncio


async def test_a_training_for_new_settings_that_stopped_is_said_at_the_start_and_on_its_bar(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The app quit while als trained for config.json's new settings: the saved als (of the
    old ones) serves on, so neither the start nor the step had said the training stopped (its
    bar read "trained for this data")."""
    trained_copy.config_json.write_text(json.dumps({"model_settings": {"als": {"factors": 8}}}))
    mark = TrainingMark(trained_copy, lambda event: None)
    mark.models = ("popularity", "title", "item_knn", "als")
    mark.emit(StageStarted("als"))  # and the app quit before the new als was saved
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        assert ("The last training stopped before als: continue it at the setup's training "
                "step (f2).") in notifications(app)
        await pilot.press("f2")
        assert screen_name(pilot) == "TrainingStep"
        await settle(pilot)
        assert label_text(pilot, "#bar-als .stage-info") == SETTINGS_CHANGED_STOPPED
        assert label_text(pilot, "#bar-item_knn .stage-info") == "trained for this data"


async def test_a_model_trained_with_other_settings_than_config_json_says_so_on_its_bar(
        trained_copy: Locations, tmp_path: Path) -> None:
    """config.json changed since als was trained: ctrl+r trains it again, and its bar had read
    "trained for this data"."""
    trained_copy.config_json.write_text(json.dumps({"model_settings": {"als": {"factors": 8}}}))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "training")
        await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep")
        await settle(pilot)
        assert label_text(pilot, "#bar-als .stage-info") == SETTINGS_CHANGED
        assert label_text(pilot, "#bar-item_knn .stage-info") == "trained for this data"
