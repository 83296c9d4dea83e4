"""The setup's training step says what each model is, and what a training does with the work
a stopped one kept (as `--train` and `info` say it): "ranker: continuing from round 16",
"two_tower resumes after epoch 3 of 5", "starting over"."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Label, SelectionList
from tui_support import (  # noqa: F401 (fixtures)
    builder_ready,
    label_text,
    make_app,
    run_command,
    screen_name,
    settle,
    trained_copy,
    trained_dir,
    wait_for,
)

from models.registry import DEFAULT_MODELS, model_info
from mpdtui import config
from mpdtui.locations import Locations
from mpdtui.pipeline.events import Notice, StageProgress, StageStarted
from mpdtui.pipeline.unfinished import TrainingMark

CONTINUING = "continuing from round 16 (the candidates of all 1,118 validation playlists kept)"


async def open_training_step(pilot) -> None:  # type: ignore[no-untyped-def]
    await builder_ready(pilot)
    await run_command(pilot, "training")
    await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep")
    await settle(pilot)


def stop_two_tower_after_epoch_3(locations: Locations) -> None:
    """As the app quit during two-tower's fourth epoch of five: its checkpoint kept, no model."""
    config.update(locations, model_settings={"two_tower": {"epochs": 5}})
    checkpoint = locations.checkpoint_dir("two_tower")
    checkpoint.mkdir(parents=True)
    (checkpoint / "state.json").write_text(json.dumps(
        {"format": "mpdtui-training-state", "version": 1, "key": "k", "epochs_done": 3,
         "finished": False}))
    shutil.rmtree(locations.model_dir("two_tower"), ignore_errors=True)
    mark = TrainingMark(locations, lambda event: None)
    mark.models = DEFAULT_MODELS
    mark.emit(StageStarted("two_tower"))


@pytest.mark.asyncio
async def test_each_model_row_says_what_the_model_is(trained_copy: Locations,
                                                     tmp_path: Path) -> None:
    """"item_knn", "als", "two_tower" told a new user nothing: each row says, whole at 80x24."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_training_step(pilot)
        ticked = app.screen.query_one("#models", SelectionList)
        width = ticked.scrollable_content_region.width
        for index, name in enumerate(DEFAULT_MODELS):
            prompt = str(ticked.get_option_at_index(index).prompt)
            summary = model_info(name).summary
            assert summary and prompt.startswith(name) and prompt.endswith(summary), prompt
            assert cell_len(prompt) + len("▐X▌ ") < width, f"{prompt!r} cut at {width} cells"


@pytest.mark.asyncio
async def test_the_step_says_what_the_next_training_does_with_kept_epochs(
        trained_copy: Locations, tmp_path: Path) -> None:
    """In the status line, in view at 80x24 where the bars are not, as `info` says it."""
    stop_two_tower_after_epoch_3(trained_copy)
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_training_step(pilot)
        assert label_text(pilot, "#step-status") == (
            "The last training stopped before two_tower, ranker (two_tower resumes after "
            "epoch 3 of 5): continue it here (ctrl+r).")


@pytest.mark.asyncio
async def test_a_run_says_under_the_bars_what_it_does_with_kept_work(
        trained_copy: Locations, tmp_path: Path) -> None:
    """What `--train` prints on lines of their own (the ranker's "continuing from round N",
    two-tower's "starting over") shows under the model's bar, whole and in view at 80x24;
    two-tower's "resuming after epoch 3/5", which its next report replaces on the bar, too."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_training_step(pilot)
        step = app.screen
        step.job_event(StageStarted("ranker"))
        step.job_event(Notice("ranker", CONTINUING))
        await settle(pilot)
        kept = step.query_one("#kept-ranker", Label)
        assert str(kept.render()) == CONTINUING
        assert step.query_one("#step").region.contains_region(kept.region), "in view"
        assert kept.region.height == 2, "whole, on two rows at 80 columns"
        step.job_event(StageProgress("two_tower", 30, 80, "batches",
                                     "resuming after epoch 3/5, training on the CPU"))
        await settle(pilot)
        assert label_text(pilot, "#kept-two_tower") == "resuming after epoch 3/5"
        step.job_event(StageStarted("ranker"))  # a new run: what the last said goes
        await settle(pilot)
        assert not step.query_one("#kept-ranker", Label).display


def test_readme_says_what_each_model_is_in_the_app_s_words() -> None:
    """The app section of README explains the models with the words of their rows."""
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text().split())
    for name in (*DEFAULT_MODELS, "blend"):
        assert f"`{name}`" in readme and model_info(name).summary in readme, name
