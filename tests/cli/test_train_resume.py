"""The training pipeline resumes a cancelled two-tower fit after its last whole epoch."""

from __future__ import annotations

import itertools
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from models.progress import Cancelled, Progress
from models.two_tower import TwoTowerRecommender, TwoTowerSettings
from mpdtui import config, training
from mpdtui.cli import main
from mpdtui.locations import Locations
from mpdtui.pipeline.events import Event, Notice, StageStarted
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.runner import run_job
from mpdtui.pipeline.unfinished import TrainingMark
from mpdtui.services.root import open_services

pytestmark = [pytest.mark.slow, pytest.mark.tf]

SMALL = TwoTowerSettings(dim=16, epochs=3, patience=3, batch_size=256, examples_per_playlist=2)


class SmallTwoTower(TwoTowerRecommender):
    def __init__(self, settings: TwoTowerSettings | None = None, **overrides: Any) -> None:
        super().__init__(settings or SMALL, **overrides)


@pytest.fixture
def store(small_store: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Locations:
    shutil.copytree(small_store.root, tmp_path / "cache")
    monkeypatch.setattr(training, "model_class", lambda name: SmallTwoTower)
    return Locations.resolve(tmp_path / "cache")


@pytest.fixture(scope="module")
def two_tower_trained_dir(small_store: Locations, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small store with the small two-tower model trained once for the module: what the
    retrain tests each did first (`training.train_models(store, ["two_tower"])`)."""
    root = tmp_path_factory.mktemp("two-tower-trained") / "cache"
    shutil.copytree(small_store.root, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "model_class", lambda name: SmallTwoTower)
        assert training.train_models(Locations.resolve(root), ["two_tower"]).trained == [
            "two_tower"]
    return root


@pytest.fixture
def trained(two_tower_trained_dir: Path, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Locations:
    """A private copy of the store with the two-tower model trained."""
    shutil.copytree(two_tower_trained_dir, tmp_path / "cache")
    monkeypatch.setattr(training, "model_class", lambda name: SmallTwoTower)
    return Locations.resolve(tmp_path / "cache")


def test_cancelled_training_resumes_and_cleans_up(store: Locations) -> None:
    cancel = threading.Event()

    def cancel_in_epoch_2(progress: Progress) -> None:
        if progress.message.startswith("epoch 2/"):
            cancel.set()

    with pytest.raises(Cancelled):
        training.train_models(store, ["two_tower"], progress=cancel_in_epoch_2, cancel=cancel)
    checkpoints = store.checkpoint_dir("two_tower")
    assert (checkpoints / "state.json").exists()
    assert not store.model_dir("two_tower").exists()

    messages: list[str] = []
    result = training.train_models(store, ["two_tower"],
                                   progress=lambda p: messages.append(p.message))
    assert result.trained == ["two_tower"]
    assert _shown_before_the_first_batch(messages).startswith("resuming after epoch 1/3, training on ")
    assert not any(m.startswith("epoch 1/") for m in messages)
    assert (store.model_dir("two_tower") / "meta.json").exists()
    assert not checkpoints.exists(), "a saved model needs no checkpoint"


def test_retrain_starts_over(store: Locations) -> None:
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        training.train_models(store, ["two_tower"], cancel=cancel,
                              progress=lambda p: cancel.set() if p.message.startswith("epoch 2/")
                              else None)
    messages: list[str] = []
    training.train_models(store, ["two_tower"], retrain=True,
                          progress=lambda p: messages.append(p.message))
    assert any(m.startswith("epoch 1/3 · loss ") for m in messages)
    assert not any(m.startswith("resuming") for m in messages)


def test_an_interrupted_retrain_resumes_when_run_again(
        trained: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    """`--retrain` starts over once: run again after a Ctrl-C it went on from its last epoch
    (it started over each time, hours of the two-tower model's at the MPD's scale)."""
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        training.train_models(trained, ["two_tower"], retrain=True, cancel=cancel,
                              progress=lambda p: cancel.set() if p.message.startswith("epoch 2/")
                              else None)
    assert open_services(trained).training.retrains_left() == ["two_tower"]
    assert main(["--cache-dir", str(trained.root), "info"]) == 0  # it had said nothing of it
    assert ("models: two_tower (a retrain of two_tower stopped before it saved: `mpdtui --train "
            "--retrain --models two_tower` continues it; the saved one serves meanwhile; "
            "two_tower resumes after epoch 1 of 3)"
            ) in capsys.readouterr().out
    messages: list[str] = []
    result = training.train_models(trained, ["two_tower"], retrain=True,
                                   progress=lambda p: messages.append(p.message))
    assert result.trained == ["two_tower"]
    assert _shown_before_the_first_batch(messages).startswith("resuming after epoch 1/3, training on ")
    assert not trained.checkpoint_dir("two_tower").exists(), "a saved model needs no checkpoint"
    assert open_services(trained).training.retrains_left() == []

    again: list[str] = []  # a retrain of the model it saved starts over
    training.train_models(trained, ["two_tower"], retrain=True,
                          progress=lambda p: again.append(p.message))
    assert any(m.startswith("epoch 1/3 · loss ") for m in again)
    assert not any(m.startswith("resuming") for m in again)


def test_info_names_a_stopped_retrain_beside_a_stopped_training(
        trained: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    """A retrain of every model stopped in the two-tower fit leaves both: a retrain to resume
    and models left to train (the ranker, built on the ALS it replaced). `info` named the
    training alone ("`mpdtui --train` continues it"), which keeps the old two-tower model and
    drops the retrain's epochs; it names both now, the retrain first."""
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        training.train_models(trained, ["two_tower"], retrain=True, cancel=cancel,
                              progress=lambda p: cancel.set() if p.message.startswith("epoch 2/")
                              else None)
    mark = TrainingMark(trained, lambda event: None)  # as the job asked for both had left it
    mark.models = ("two_tower", "popularity")
    mark.emit(StageStarted("two_tower", "two_tower"))
    assert main(["--cache-dir", str(trained.root), "info"]) == 0
    assert ("models: two_tower (a retrain of two_tower stopped before it saved, and a training "
            "before popularity: `mpdtui --train --retrain --models two_tower` continues the "
            "retrain, then `mpdtui --train` what is left; the saved ones serve meanwhile; "
            "two_tower resumes after epoch 1 of 3)"
            ) in " ".join(capsys.readouterr().out.split())


def _shown_before_the_first_batch(messages: list[str]) -> str:
    """The words the bar (and a log's line) shows until the first batch ends."""
    return list(itertools.takewhile(lambda m: not m.startswith("epoch "), messages))[-1]



def test_a_stopped_training_of_other_settings_says_it_starts_over(store: Locations) -> None:
    """config.json's epochs changed after a stop: the checkpoint is not resumed, and the job
    says so (the app's bar did; `--train` started over silently, after `info` had said
    "continues it")."""
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        training.train_models(store, ["two_tower"], cancel=cancel,
                              progress=lambda p: cancel.set() if p.message.startswith("epoch 2/")
                              else None)
    config.update(store, model_settings={"two_tower": {"epochs": 2}})
    events: list[Event] = []
    run_job(store, JobRequest("setup", models=("two_tower",)), events.append)
    notices = [event.message for event in events if isinstance(event, Notice)]
    assert notices == ["settings or data changed since it stopped after epoch 1: starting over"]


def test_info_says_whether_the_two_tower_resumes_or_starts_over(
        store: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    """`info` said "`mpdtui --train` continues it" of a checkpoint whose settings had changed
    since (config.json edited after the stop), which the run then started over: it says what
    the run will do."""
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        training.train_models(store, ["two_tower"], cancel=cancel,
                              progress=lambda p: cancel.set() if p.message.startswith("epoch 2/")
                              else None)
    mark = TrainingMark(store, lambda event: None)  # as the job asked for it had left it
    mark.models = ("two_tower",)
    mark.emit(StageStarted("two_tower", "two_tower"))

    def said() -> str:
        assert main(["--cache-dir", str(store.root), "info"]) == 0
        return " ".join(capsys.readouterr().out.split())

    assert ("(a training stopped before two_tower: `mpdtui --train` continues it; two_tower "
            "resumes after epoch 1 of 3)") in said()
    config.update(store, model_settings={"two_tower": {"epochs": 2}})
    assert ("(a training stopped before two_tower: `mpdtui --train` continues it; two_tower "
            "starts over, as its settings or data changed since it stopped after epoch 1)") in said()
