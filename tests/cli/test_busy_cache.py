"""Two things at once on one cache dir: what a command meets while another process writes to it
(a training, an ingest), with real processes on both sides."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_support import as_typed

from mpdtui.locations import Locations
from mpdtui.pipeline.lock import WriterLock


def mpdtui(*args: str, cache: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), *args],
                          capture_output=True, text=True, timeout=timeout)
    done.stdout, done.stderr = as_typed(done.stdout, cache), as_typed(done.stderr, cache)
    return done


@pytest.fixture(scope="module")
def evaluated_cache(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("busy-evaluated")
    done = mpdtui("--train", "--mpd", str(small_demo), "--models", "popularity", "title",
                  cache=cache)
    assert done.returncode == 0, done.stderr
    return cache


def _saved_files(locations: Locations) -> dict[str, tuple[bytes, int]]:
    """What an evaluation may write: the report and the split, with their times."""
    return {path.name: (path.read_bytes(), path.stat().st_mtime_ns)
            for path in (locations.evaluation_json, locations.split_npz)}


def test_evaluate_while_another_process_writes_scores_without_saving(
        evaluated_cache: Path) -> None:
    """Before, `mpdtui evaluate` during a training was refused (exit code 2, "busy"): the user
    got no scores until the training ended. Now it scores the models as saved, writes nothing
    (the report is the writer's to save) and says so, naming the writer."""
    locations = Locations.resolve(evaluated_cache)
    before = _saved_files(locations)
    with WriterLock(locations, "training"):  # this test's process is the other writer
        done = mpdtui("evaluate", "--models", "title", cache=evaluated_cache)
    assert done.returncode == 0, done.stderr
    assert "r_precision" in done.stdout and "title" in done.stdout
    assert "report saved" not in done.stdout
    busy = f"the cache dir is busy: training (pid {os.getpid()}) since"
    assert done.stderr.count(busy) == 2, done.stderr  # before the scoring, and after it
    assert "scoring the models as saved now without saving the report" in done.stderr
    assert "`mpdtui evaluate` saves it once that ends" in done.stderr
    assert "Traceback" not in done.stderr
    assert _saved_files(locations) == before


def test_evaluate_no_save_leaves_the_saved_report_as_it_was(evaluated_cache: Path) -> None:
    locations = Locations.resolve(evaluated_cache)
    before = _saved_files(locations)
    done = mpdtui("evaluate", "--no-save", "--json", cache=evaluated_cache)
    assert done.returncode == 0, done.stderr
    assert '"popularity"' in done.stdout and '"title"' in done.stdout
    assert "report not saved (--no-save: the saved report is as it was)" in done.stderr
    assert _saved_files(locations) == before
    assert mpdtui("evaluate", "--models", "title", cache=evaluated_cache).returncode == 0
    assert _saved_files(locations) != before, "without --no-save, the report is saved"
