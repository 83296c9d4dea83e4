"""`--train --features-csv FILE` with a FILE that cannot be read: refused before the job
starts. It was found by the features stage, after the ingest: on the full MPD, 39 minutes
into a server's script, for a typo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hostile_support import HANDMADE

from mpdtui.locations import Locations


@pytest.mark.parametrize("given, said", [
    ("missing.csv", "missing.csv does not exist: give the features CSV"),
    ("no-csv-here", "no-csv-here is a folder without a .csv file: give the features CSV"),
])
def test_a_features_csv_not_there_is_refused_before_the_ingest(
        tmp_path: Path, given: str, said: str) -> None:
    (tmp_path / "no-csv-here").mkdir()
    cache = tmp_path / "cache"
    done = subprocess.run([sys.executable, "-m", "mpdtui", "--cache-dir", str(cache), "--train",
                           "--mpd", str(HANDMADE), "--features-csv", given], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"mpdtui: {said} (tracks_features.csv or dataset.csv, an Exportify " \
                          "export, or the zip they came in)\n"
    assert done.stdout == ""
    assert not Locations.resolve(cache).catalog_db.exists(), "nothing ingested"
