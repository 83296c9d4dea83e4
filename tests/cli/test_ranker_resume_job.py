"""A training stopped in the ranker's boosting continues from the rounds it kept, says so, and
saves the ranker an uninterrupted training saves (it made its candidates and rounds again)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from models.progress import Cancelled
from mpdtui import config
from mpdtui.locations import Locations
from mpdtui.pipeline.events import Event, Notice, StageProgress
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.runner import run_job

pytestmark = pytest.mark.slow

RANKER = {"components": ["als", "item_knn", "title"], "max_rounds": 60, "early_stopping": 60,
          "max_cases": 200, "candidates": 50}
"""No two-tower (TensorFlow), and every round run: the stop comes before the last. Fewer cases
and candidates than the defaults (8,000 and 300): the same resume on a sixth of the rows."""


@pytest.fixture(autouse=True)
def every_round_said(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each round's progress is sent, so the stop comes at round 5, not at the first round sent
    after 0.2 s: rounds of a sixth of the rows can all be boosted by then (the ranker saved,
    the stop then taken in the evaluation)."""
    monkeypatch.setattr("mpdtui.pipeline.job.PROGRESS_INTERVAL_S", 0.0)


def _store(small_store: Locations, folder: Path) -> Locations:
    shutil.copytree(small_store.root, folder)
    locations = Locations.resolve(folder)
    config.update(locations, model_settings={"ranker": RANKER, "als": {"iterations": 3}})
    return locations


def _train(locations: Locations, cancel: threading.Event | None = None,
           stop_at_round: int = 0) -> list[Event]:
    events: list[Event] = []

    def emit(event: Event) -> None:
        events.append(event)
        if (cancel is not None and isinstance(event, StageProgress) and event.stage == "ranker"
                and event.unit == "rounds" and event.done >= stop_at_round):
            cancel.set()

    run_job(locations, JobRequest("setup", models=("ranker",)), emit, cancel)
    return events


def _booster(locations: Locations) -> str:
    """The saved ranker's trees (not the parameters of the call that made them)."""
    with np.load(locations.model_dir("ranker") / "arrays.npz") as arrays:
        text = bytes(arrays["booster"]).decode()
    return text.partition("\nparameters:\n")[0]


def test_a_ranker_stopped_in_its_rounds_continues_from_them(small_store: Locations,
                                                            tmp_path: Path) -> None:
    whole = _store(small_store, tmp_path / "whole")
    _train(whole)
    stopped = _store(small_store, tmp_path / "stopped")
    with pytest.raises(Cancelled):
        _train(stopped, threading.Event(), stop_at_round=5)
    assert not stopped.model_dir("ranker").exists()

    events = _train(stopped)
    notices = [event.message for event in events
               if isinstance(event, Notice) and event.stage == "ranker"]
    assert len(notices) == 1 and notices[0].startswith("continuing from round "), notices
    assert not any(isinstance(event, StageProgress) and event.stage == "ranker"
                   and event.message == "candidate features" for event in events)
    assert _booster(stopped) == _booster(whole)
    assert not stopped.checkpoint_dir("ranker").exists(), "a saved ranker needs no progress"
