"""A training for new model settings (config.json changed) that is stopped is said as stopped:
the saved model serves on with its old settings, and `info` names the training left."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_support import as_typed

from mpdtui.locations import Locations
from mpdtui.services.root import open_services

pytestmark = pytest.mark.slow


def _mpdtui(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), *args],
                          capture_output=True, text=True, timeout=600)
    done.stdout, done.stderr = as_typed(done.stdout, cache), as_typed(done.stderr, cache)
    return done


@pytest.fixture
def als_trained(small_store: Locations, tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    shutil.copytree(small_store.root, cache)
    done = _mpdtui("--train", "--models", "popularity", "als", cache=cache)
    assert done.returncode == 0, done.stderr
    return cache


def _interrupted_in_als(cache: Path) -> None:
    """`mpdtui --train --models als` stopped by Ctrl-C (a real SIGINT) while ALS trains."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), "--train", "--models",
         "als"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("als:"):
            break
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("interrupted during als")


def test_a_stopped_training_for_new_settings_is_said_until_one_finishes(als_trained: Path) -> None:
    """The ALS saved with the old settings serves on, so the stopped training had been said
    nowhere: `info` listed als as if trained as config.json asks, the app's start said nothing."""
    (als_trained / "config.json").write_text(json.dumps(
        {"model_settings": {"als": {"factors": 8, "iterations": 400}}}))
    _interrupted_in_als(als_trained)
    locations = Locations.resolve(als_trained)
    assert open_services(locations).info()["training_left"] == ["als"]
    assert "(a training stopped before als: `mpdtui --train` continues it)" in _mpdtui(
        "info", cache=als_trained).stdout
    (als_trained / "config.json").write_text(json.dumps(
        {"model_settings": {"als": {"factors": 8, "iterations": 2}}}))
    rerun = _mpdtui("--train", "--models", "als", cache=als_trained)
    assert rerun.returncode == 0, rerun.stderr
    assert "trained: als" in rerun.stdout
    assert open_services(locations).info()["training_left"] == []
    assert "a training stopped" not in _mpdtui("info", cache=als_trained).stdout

