"""Training beside the app: the builder open while `mpdtui --train` runs in another terminal
picks up the models that process saves, and says so (before, the suggestions' model changed
without a word); a training or a retrain the app quit during is said at its next start."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    builder,
    builder_ready,
    make_app,
    noted,
    notifications,
    settle,
    steady_copy,
    steady_dir,
    trained_dir,
    type_text,
    wait_for,
)

from models.registry import MODEL_NAMES
from mpdtui.locations import Locations
from mpdtui.tui.models_news import models_news, removed_between, saved_between
from mpdtui.tui.text import stopped_training


def _train_in_another_process(cache: Locations, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache.root), "--train", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.mark.asyncio
async def test_models_saved_by_another_process_are_said_and_the_apps_own_are_not(
        steady_copy: Locations, tmp_path: Path) -> None:
    from mpdtui.pipeline.request import JobRequest

    app = make_app(steady_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "summer")
        notes = noted(app)  # as they come: a 5-s note may be gone by the time a wait ends
        # the app's own training: its header says what runs, and no notice says it is another's
        assert app.jobs.start(JobRequest("setup", models=("als",), demo_features=False))
        await wait_for(pilot, lambda: not app.jobs.running, timeout=300, what="the app's job")
        saved = app.services.models.signature()
        # checked once the job had ended: a check while it ran takes the next save for its own
        await wait_for(pilot, lambda: (screen._models_seen, screen._jobs_seen)
                       == (saved, (app.jobs.started, False)), what="the save checked")
        await settle(pilot)
        assert "als" in screen.models
        assert not [n for n in notes if "another mpdtui" in n]

        before = screen.model_name
        training = _train_in_another_process(steady_copy, "--retrain", "--models", "title")
        await wait_for(pilot, lambda: training.poll() is not None, timeout=300,
                       what="the training in another process")
        assert training.returncode == 0, training.stderr.read() if training.stderr else ""
        said = "title saved by another mpdtui (a training in another terminal): "
        await wait_for(pilot, lambda: any(n.startswith(said) for n in notes),
                       what="the builder saying what the other process saved")
        await settle(pilot)
        assert models_news(["title"], before, screen.model_name) in notes


def test_the_news_names_what_changed() -> None:
    before = (1.0,) * (len(MODEL_NAMES) + 1)  # each model's save time, then the evaluation's
    after = list(before)
    after[MODEL_NAMES.index("als")], after[MODEL_NAMES.index("title")] = 2.0, 0.0  # title gone
    assert saved_between(before, tuple(after)) == ["als"]
    assert models_news(["als"], "item_knn", "als") == (
        "als saved by another mpdtui (a training in another terminal): suggesting with als now, "
        "not item_knn (m switches).")
    assert models_news(["als"], "ranker", "ranker") == (
        "als saved by another mpdtui (a training in another terminal): still suggesting with "
        "ranker (m switches).")
    assert models_news(["ranker"], "ranker", "ranker").endswith(
        ": suggestions from ranker as it is saved now.")
    assert models_news([], "als", "als").startswith("An evaluation was saved by another mpdtui")


@pytest.mark.tf
@pytest.mark.asyncio
async def test_a_stopped_retrain_is_said_at_the_next_start(
        steady_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app quit (or closed) during R's retrain of the two-tower model: the saved one serves
    on, and its retrain waits at the training step. The next start said nothing of it (only a
    training that left models untrained was said); now it says it, and where to continue."""
    import threading

    from models.progress import Cancelled
    from models.two_tower import TwoTowerRecommender, TwoTowerSettings
    from mpdtui import training

    small = TwoTowerSettings(dim=16, epochs=3, patience=3, batch_size=256,
                             examples_per_playlist=2)

    class SmallTwoTower(TwoTowerRecommender):
        def __init__(self, settings: TwoTowerSettings | None = None, **overrides: object) -> None:
            super().__init__(settings or small, **overrides)  # type: ignore[arg-type]

    usual = training.model_class
    monkeypatch.setattr(training, "model_class",
                        lambda name: SmallTwoTower if name == "two_tower" else usual(name))
    training.train_models(steady_copy, ["two_tower"])
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        training.train_models(steady_copy, ["two_tower"], retrain=True, cancel=cancel,
                              progress=lambda p: cancel.set() if p.message.startswith("epoch 2/")
                              else None)
    app = make_app(steady_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        assert ("A retrain of two_tower stopped before it saved (the saved one serves meanwhile): "
                "continue it at the setup's training step (f2).") in notifications(app)


def test_the_start_names_a_stopped_training_and_a_stopped_retrain_together() -> None:
    assert stopped_training(["ranker"], ["two_tower"]) == (
        "The last training stopped before ranker, and a retrain of two_tower stopped before it "
        "saved: continue them at the setup's training step (f2).")
    assert stopped_training(["als"], []) == (
        "The last training stopped before als: continue it at the setup's training step (f2).")


def test_models_removed_by_another_process_are_not_said_saved() -> None:
    """The cache dir deleted (or `ingest --replace` in another terminal) while the app ran:
    the builder said "An evaluation was saved by another mpdtui."."""
    before = (1.0,) * (len(MODEL_NAMES) + 1)
    gone = (0.0,) * (len(MODEL_NAMES) + 1)
    removed = removed_between(before, gone)
    assert saved_between(before, gone) == [] and removed[-1] == "the evaluation"
    assert models_news([], "ranker", None, removed) == (
        f"{MODEL_NAMES[0]}, {MODEL_NAMES[1]} and {len(MODEL_NAMES) - 1} more removed by another "
        "mpdtui (or the cache dir's files deleted).")
    evaluation_gone = (*before[:-1], 0.0)
    assert models_news([], "als", "als", removed_between(before, evaluation_gone)) == (
        "the evaluation removed by another mpdtui (or the cache dir's files deleted): still "
        "suggesting with als (m switches).")


@pytest.mark.asyncio
async def test_the_builder_says_models_removed_elsewhere_as_removed(
        steady_copy: Locations, tmp_path: Path) -> None:
    import shutil

    app = make_app(steady_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await type_text(pilot, "summer")
        notes = noted(app)
        shutil.rmtree(steady_copy.models_dir)  # as `ingest --replace` in another terminal does
        steady_copy.evaluation_json.unlink()
        await wait_for(pilot, lambda: any("another mpdtui" in n for n in notes),
                       what="the builder saying what the other process did")
        said = [n for n in notes if "another mpdtui" in n]
        assert "removed by another mpdtui" in said[0] and "saved" not in said[0], said
