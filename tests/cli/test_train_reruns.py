"""`mpdtui --train` run again from a script: a features CSV imported already is not read again,
and the line of what was trained names only what there is."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from store_support import demo_csv_head

from mpdtui.data.demo import generate_demo
from mpdtui.locations import Locations
from mpdtui.pipeline.job import JobSummary
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.runner import run_job


@pytest.fixture
def store(small_store: Locations, tmp_path: Path) -> Locations:
    shutil.copytree(small_store.root, tmp_path / "cache")
    return Locations.resolve(tmp_path / "cache")


def _run(locations: Locations, csv: Path, goal: str = "setup") -> JobSummary:
    request = JobRequest("setup", models=("popularity",), features_csv=(str(csv),),
                         download="no") if goal == "setup" else \
        JobRequest("features", features_csv=(str(csv),), download="no")
    return run_job(locations, request, lambda event: None)


def _features(locations: Locations, csv: Path, goal: str = "setup") -> list[str]:
    return _run(locations, csv, goal).features



def test_a_csv_imported_already_is_not_read_again_until_it_changes(
        store: Locations, small_demo: Path, tmp_path: Path) -> None:
    csv = tmp_path / "features.csv"
    demo_csv_head(small_demo, csv)
    first = _features(store, csv)
    assert len(first) == 1 and "rows imported" in first[0]

    again = _features(store, csv)
    assert again == ["features.csv: imported already (unchanged since: same size and time); "
                     "not read again"]

    stat = csv.stat()
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # changed since
    assert "rows imported" in _features(store, csv)[0]
    assert "imported already" in _features(store, csv)[0]
    # `mpdtui features --csv FILE` is asked for the import itself: it reads the file again
    assert "rows imported" in _features(store, csv, goal="features")[0]


def test_a_folder_of_csvs_unchanged_is_not_read_again_until_one_of_its_files_changes(
        store: Locations, small_demo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exportify"
    folder.mkdir()
    demo_csv_head(small_demo, folder / "a.csv")
    assert "rows imported" in _features(store, folder)[0]
    assert _features(store, folder) == [
        "exportify: imported already (none of its CSV files added, removed or changed since: "
        "same names, sizes and times); not read again"]

    csv = folder / "a.csv"
    stat = csv.stat()
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # changed since
    assert "rows imported" in _features(store, folder)[0]
    assert "imported already" in _features(store, folder)[0]
    demo_csv_head(small_demo, folder / "b.csv")  # a CSV added
    assert "rows imported" in _features(store, folder)[0]
    (folder / "b.csv").unlink()  # and taken out again
    assert "rows imported" in _features(store, folder)[0]
    assert "rows imported" in _features(store, folder, goal="features")[0]


def test_a_csv_of_other_data_not_read_again_is_still_said_to_be(store: Locations,
                                                                tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate_demo(other, 100, 99)
    first = _run(store, other / "tracks_features.csv")
    again = _run(store, other / "tracks_features.csv")
    assert "imported already" in again.features[0]
    assert first.other_data_csv == again.other_data_csv == ["tracks_features.csv"]


def test_train_says_what_was_reused_only_when_something_was(store: Locations) -> None:
    done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(store.root),
                           "--train", "--models", "popularity"],
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "trained: popularity\n" in done.stdout
    assert "already trained for this data" not in done.stdout
    again = subprocess.run(done.args, capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
    assert "trained: none; already trained for this data: popularity\n" in again.stdout
