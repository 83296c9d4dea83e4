"""An older catalog's search is reindexed once, by a job's first data stage, which says so
exactly once (`search_upkeep.bring_search_up_to_date`: the one place that decides, whatever
stage comes next); a job that replaces the data, or a catalog that cannot be written (a
read-only file or mount), reindexes nothing and says nothing of it."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_support import (  # noqa: F401 (a fixture)
    InProcessJob,
    file_digests,
    jobs_in_process,
    run_cli,
    write_slice,
)
from store_support import older_mpdtui

from mpdtui.data.ingest import ingest
from mpdtui.locations import Locations

NOTICE = "reindexing the track search once"


@pytest.fixture(params=["source recorded", "source not recorded"])
def older(request: pytest.FixtureRequest, small_demo: Path, tmp_path: Path,
          capsys: pytest.CaptureFixture[str]) -> Path:
    """A cache dir holding the small demo as an older mpdtui ingested it: with `mpdtui ingest`
    (its source recorded), or its slices alone (the source stage records it next)."""
    cache = tmp_path / "cache"
    with older_mpdtui(2), pytest.MonkeyPatch.context() as patch:
        patch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)  # made as it was made
        if request.param == "source recorded":
            assert run_cli(capsys, cache, "ingest", str(small_demo)).code == 0
        else:
            ingest(Locations.resolve(cache), small_demo)
    return cache


@pytest.mark.usefixtures("jobs_in_process")
def test_ingest_says_the_reindex_once(older: Path, small_demo: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    first = run_cli(capsys, older, "ingest", str(small_demo))
    assert first.code == 0 and first.out.count(NOTICE) == 1, first
    again = run_cli(capsys, older, "ingest", str(small_demo))
    assert again.code == 0 and NOTICE not in again.out + again.err, again


@pytest.mark.usefixtures("jobs_in_process")
def test_training_says_the_reindex_once(older: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trained = run_cli(capsys, older, "--train", "--models", "popularity")
    assert trained.code == 0 and trained.out.count(NOTICE) == 1, trained
    assert NOTICE not in trained.err


@pytest.mark.usefixtures("jobs_in_process")
def test_replacing_the_data_reindexes_nothing(older: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The catalog is dropped first: there is nothing to reindex (before, it was said)."""
    other = write_slice(tmp_path / "other", 0).parent
    replaced = run_cli(capsys, older, "ingest", str(other), "--replace")
    assert replaced.code == 0, replaced
    assert NOTICE not in replaced.out + replaced.err


def run_with_catalog_read_only(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`mpdtui --cache-dir CACHE ARGS` with CACHE's catalog bind-mounted read-only over itself,
    in a mount namespace of its own (skipped where one cannot be made); the folder stays
    writable (the job's log, its lock)."""
    command = shlex.join([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), *args])
    catalog = shlex.quote(str(cache / "catalog.sqlite3"))
    script = (f"mount --bind {catalog} {catalog} && mount -o remount,ro,bind {catalog} "
              f"&& (: >> {catalog}) 2>/dev/null && exit 97; exec {command}")
    if shutil.which("unshare") is None:
        pytest.skip("no unshare here")
    done = subprocess.run(["unshare", "--mount", "--map-root-user", "sh", "-c", script],
                          capture_output=True, text=True, timeout=300)
    if done.returncode == 97 or "unshare:" in done.stderr or "mount:" in done.stderr:
        pytest.skip(f"cannot mount read-only here: {done.stderr.strip()}")
    return done


@pytest.mark.parametrize("older", ["source recorded"], indirect=True)
def test_a_read_only_catalog_is_read_as_before_and_no_reindex_is_said(
        older: Path, small_demo: Path) -> None:
    before = file_digests(older)
    done = run_with_catalog_read_only(older, "ingest", str(small_demo))
    assert done.returncode == 0, done.stderr
    assert NOTICE not in done.stdout + done.stderr
    assert "data ready" in done.stdout
    searched = run_with_catalog_read_only(older, "search", "love", "--json")
    assert searched.returncode == 0 and searched.stdout.startswith("["), searched.stderr
    assert {k: v for k, v in file_digests(older).items() if not k.startswith("logs")} == {
        k: v for k, v in before.items() if not k.startswith("logs")}
