"""Two things at once on one cache dir: what a command meets while another process writes to it
(a training, an ingest), with real processes on both sides."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import SMALL_DEMO_PLAYLISTS
from hostile_support import as_typed
from store_support import ingest_stopped_after_one_slice

from mpdtui.data.catalog import Catalog
from mpdtui.locations import Locations
from mpdtui.pipeline.lock import WriterLock, current_holder


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


def test_the_busy_message_says_how_to_stop_the_writer_and_that_advice_works(
        tmp_path: Path, small_demo: Path) -> None:
    """Before, a second writer was told "Wait for it to finish (or stop it)", and not how. Now
    it names `kill PID`; followed, the first job stops where it resumes, and run again it
    finishes the data as one uninterrupted run would."""
    cache = tmp_path / "cache"
    first = subprocess.Popen(
        [sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), "ingest", str(small_demo)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    locations = Locations.resolve(cache)
    deadline = time.monotonic() + 120
    while (holder := current_holder(locations)) is None:
        assert first.poll() is None and time.monotonic() < deadline, "the ingest never began"
        time.sleep(0.02)
    job = psutil.Process(holder.pid)
    job.suspend()  # the first writer holds the cache dir while the second tries
    try:
        second = mpdtui("ingest", str(small_demo), cache=cache)
        advice = re.search(r"stop it with `(kill \d+)` \(what it finished is kept: run it again "
                           r"to resume\)", second.stderr)
        assert second.returncode == 2 and advice, second.stderr
        subprocess.run(advice.group(1).split(), check=True)  # as typed in another terminal
    finally:
        job.resume()
    _out, err = first.communicate(timeout=120)
    # `kill` of the job ends the command as a kill of the command would: 128 + SIGTERM
    assert first.returncode == 143 and re.search(  # (the ingest's stage had begun or not)
        r"interrupted( during ingest)?: what was finished is kept", err), err
    again = mpdtui("ingest", str(small_demo), cache=cache)
    assert again.returncode == 0, again.stderr
    with Catalog.open(locations) as catalog:
        assert catalog.counts().playlists == SMALL_DEMO_PLAYLISTS


def test_an_ingest_under_way_is_said_to_run_not_to_be_run_again(tmp_path: Path,
                                                                  small_demo: Path) -> None:
    """`info` and a search that found nothing said, while an ingest ran, "an ingest was
    interrupted, or is running: run `mpdtui ingest ...` again to finish it", advice that is
    refused (busy) while it runs. They name the ingest that runs now, and the advice comes
    back once no writer holds the cache dir."""
    locations = Locations.resolve(tmp_path / "cache")
    ingest_stopped_after_one_slice(locations, small_demo)
    with WriterLock(locations, "ingest"):  # this test's process is the ingest under way
        info = mpdtui("info", cache=locations.root)
        missing = mpdtui("search", "zzqqxx", cache=locations.root)
    running = f"the data is not fully ingested yet: ingest (pid {os.getpid()}) since"
    assert info.returncode == 0 and running in info.stdout, info.stdout
    assert missing.returncode == 0 and running in missing.stdout, missing.stdout
    assert "is writing it, and it is ready once that ends" in missing.stdout
    assert "again to finish it" not in info.stdout + missing.stdout
    assert "again to finish it" in mpdtui("info", cache=locations.root).stdout


def test_info_while_another_process_trains_names_it(evaluated_cache: Path) -> None:
    """Before, `info` during a training listed the models saved so far as if they were all
    there would be, with nothing to say that a training ran and would save more."""
    with WriterLock(Locations.resolve(evaluated_cache), "training"):
        text, as_json = mpdtui("info", cache=evaluated_cache), mpdtui("info", "--json",
                                                                       cache=evaluated_cache)
    assert text.returncode == as_json.returncode == 0, (text.stderr, as_json.stderr)
    pid = os.getpid()
    writing = next(line for line in text.stdout.splitlines() if "writing:" in line)
    assert f"writing: training (pid {pid}) since" in writing
    assert f"stop it with `kill {pid}` (what it finished is kept" in writing
    writer = json.loads(as_json.stdout)["writer"]
    assert (writer["what"], writer["pid"]) == ("training", pid)
    assert "writing:" not in mpdtui("info", cache=evaluated_cache).stdout
    assert json.loads(mpdtui("info", "--json", cache=evaluated_cache).stdout)["writer"] is None
