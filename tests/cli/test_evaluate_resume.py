"""`mpdtui evaluate` stopped part way keeps each model it finished: run again, it scores only
the rest (the interrupted line says "what was finished is kept")."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from models.progress import Cancelled
from mpdtui.evaluation_saves import UNFINISHED
from mpdtui.locations import Locations
from mpdtui.pipeline.events import Event, StageProgress
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.runner import run_job
from mpdtui.services.root import open_services

pytestmark = pytest.mark.slow

MODELS = ("popularity", "title", "item_knn")


def _scored(events: list[Event]) -> set[str]:
    """The models the evaluation scored (`NAME: done` once each is)."""
    return {e.message.removesuffix(": done") for e in events
            if isinstance(e, StageProgress) and e.stage == "evaluate" and e.message.endswith(": done")}


def test_an_evaluation_stopped_after_a_model_scores_only_the_rest(small_store: Locations,
                                                                  tmp_path: Path) -> None:
    shutil.copytree(small_store.root, tmp_path / "cache")
    locations = Locations.resolve(tmp_path / "cache")
    run_job(locations, JobRequest("setup", models=MODELS), lambda event: None)
    whole = open_services(locations).models.evaluation()
    assert whole is not None and list(whole["models"]) == list(MODELS)

    cancel, events = threading.Event(), []

    def stop_after_the_first(event: Event) -> None:
        events.append(event)
        if _scored(events):
            cancel.set()

    with pytest.raises(Cancelled):
        run_job(locations, JobRequest("evaluate"), stop_after_the_first, cancel)
    assert _scored(events) == {"popularity"}
    kept = open_services(locations).models.evaluation()
    assert kept is not None and kept[UNFINISHED] == {"asked": list(MODELS),
                                                     "done": ["popularity"]}

    events = []
    shown = run_job(locations, JobRequest("evaluate"), events.append).report
    assert _scored(events) == {"title", "item_knn"}, "popularity's result was kept"
    assert any("popularity: kept" in getattr(e, "message", "") for e in events)
    saved = open_services(locations).models.evaluation()
    assert saved is not None and UNFINISHED not in saved and shown is not None
    assert shown["models"] == saved["models"]
    assert saved["models"] == whole["models"]  # the same figures as one whole run

    events = []  # finished: `mpdtui evaluate` scores every model again, as before
    run_job(locations, JobRequest("evaluate"), events.append)
    assert _scored(events) == set(MODELS)
