"""An ingest killed with SIGKILL mid-run resumes to exactly the store of an uninterrupted run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from store_support import store_dump

from mpdtui.data.catalog import Catalog
from mpdtui.data.ingest import ingest
from mpdtui.locations import Locations

pytestmark = pytest.mark.slow


def _committed_slices(locations: Locations) -> int:
    if not locations.catalog_db.exists():
        return 0
    try:
        with Catalog.open(locations) as catalog:
            return catalog.counts().slices
    except Exception:  # the schema may not be committed yet
        return 0


def _writer(cli: subprocess.Popen[bytes]) -> psutil.Process:
    """The job process the CLI started: the one that writes the catalog."""
    jobs = [child for child in psutil.Process(cli.pid).children() if child.ppid() == cli.pid]
    assert jobs, "the ingest ended before the kill"
    return jobs[0]


def test_killed_ingest_resumes_to_the_same_store(small_demo: Path, tmp_path: Path) -> None:
    killed = Locations.resolve(tmp_path / "killed")
    command = [sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(killed.root), "ingest",
               str(small_demo)]
    cli = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _committed_slices(killed) < 1 and cli.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    # the writer itself: a killed front end would leave its job to stop in its own time
    # (cancelled, with its cleanup racing the resume below)
    writer = _writer(cli)
    writer.kill()
    writer.wait(timeout=60)
    assert cli.wait(timeout=60) == 1, "the front end reports the killed job"
    assert 1 <= _committed_slices(killed) < 3, "the kill must land mid-ingest"

    result = ingest(killed, small_demo)
    assert result.already_done >= 1 and result.ingested == 3 - result.already_done

    uninterrupted = Locations.resolve(tmp_path / "uninterrupted")
    ingest(uninterrupted, small_demo)
    assert store_dump(killed) == store_dump(uninterrupted)
