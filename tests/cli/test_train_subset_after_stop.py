"""A training stopped (Ctrl-C) after some models saved, before its evaluation, then a training
of another subset (`--train --models popularity`) run to the end: the models the stopped one
saved are scored too, and what it left to train is still said."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mpdtui.locations import Locations
from mpdtui.services.root import open_services

pytestmark = pytest.mark.slow

STOPPED_ONES = ["popularity", "title", "item_knn", "als"]


def _mpdtui(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), *args],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def stopped_in_als(small_store: Locations, tmp_path: Path) -> Path:
    """The small store, its training of the baselines stopped by Ctrl-C as ALS began."""
    cache = tmp_path / "cache"
    shutil.copytree(small_store.root, cache)
    process = subprocess.Popen(
        [sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), "--train", "--models",
         *STOPPED_ONES], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("als:"):
            break
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    return cache


def test_a_subset_trained_after_a_stop_scores_what_the_stop_left_unscored(
        stopped_in_als: Path) -> None:
    """It scored popularity alone: `info` then said "default: popularity (R-precision 0.019
    on held-out playlists, the best)" over item_knn's 0.049, and the builder served it."""
    done = _mpdtui(stopped_in_als, "--train", "--models", "popularity")
    assert done.returncode == 0, done.stderr
    services = open_services(Locations.resolve(stopped_in_als))
    saved = services.models.servable()
    assert {"popularity", "title", "item_knn"} <= set(saved)
    scores = services.info()["r_precision"]
    assert set(scores) == set(saved)
    assert services.models.default() == max(scores, key=scores.__getitem__)


def test_what_a_stopped_training_left_is_said_after_a_subset_finishes(
        stopped_in_als: Path) -> None:
    """The subset's end erased the stopped training's mark: `info` no longer said that ALS
    was left (`mpdtui --train` continues it), nor did the app at its next start."""
    done = _mpdtui(stopped_in_als, "--train", "--models", "popularity")
    assert done.returncode == 0, done.stderr
    left = open_services(Locations.resolve(stopped_in_als)).info()["training_left"]
    assert left == ["als"]
    info = _mpdtui(stopped_in_als, "info")
    assert (f"(a training stopped before als: `mpdtui --cache-dir {stopped_in_als} --train` "
            "continues it)") in " ".join(info.stdout.split())
    assert _mpdtui(stopped_in_als, "--train", "--models", "als").returncode == 0
    assert open_services(Locations.resolve(stopped_in_als)).info()["training_left"] == []
