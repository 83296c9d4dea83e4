"""A cache dir on a read-only file system (a read-only mount, volume or snapshot) serves what
only reads, as one whose files cannot be written does (`test_hostile_cache`): SQLite cannot
make its WAL's -wal and -shm files there, which it says as "unable to open database file"
(every command stopped at "unexpected error: OperationalError")."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from hostile_support import InProcessJob, file_digests

from mpdtui.cli import main
from mpdtui.locations import Locations
from mpdtui.services.root import open_services

PLAYLISTS = 200


@pytest.fixture(scope="module")
def template(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("read-only-mount")
    source = root / "mpd"
    source.mkdir()
    playlists = orjson.loads((small_demo / "mpd.slice.0-999.json").read_bytes())["playlists"]
    (source / f"mpd.slice.0-{PLAYLISTS - 1}.json").write_bytes(
        orjson.dumps({"playlists": playlists[:PLAYLISTS]}))
    cache = root / "cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)
        assert main(["--cache-dir", str(cache), "ingest", str(source)]) == 0
    open_services(Locations.resolve(cache)).jobs.train(["popularity", "title"])
    return cache


def run_on_read_only_mount(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`mpdtui --cache-dir CACHE ARGS` with `cache` bind-mounted read-only over itself, in a
    mount namespace of its own (skipped where one cannot be made)."""
    command = shlex.join([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), *args])
    folder = shlex.quote(str(cache))
    script = (f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} "
              f"&& touch {folder}/probe 2>/dev/null && exit 97; exec {command}")
    if shutil.which("unshare") is None:
        pytest.skip("no unshare here")
    done = subprocess.run(["unshare", "--mount", "--map-root-user", "sh", "-c", script],
                          capture_output=True, text=True, timeout=300)
    if done.returncode == 97 or "unshare:" in done.stderr or "mount:" in done.stderr:
        pytest.skip(f"cannot mount read-only here: {done.stderr.strip()}")
    return done


@pytest.mark.parametrize("args", [("info",), ("playlists",), ("search", "a"),
                                  ("suggest", "--name", "chill", "--k", "3")])
def test_a_cache_on_a_read_only_mount_serves_what_only_reads(template: Path, tmp_path: Path,
                                                              args: tuple[str, ...]) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(template, cache)
    before = file_digests(cache)
    done = run_on_read_only_mount(cache, *args)
    assert done.returncode == 0, done.stderr
    assert "unexpected error" not in done.stderr
    if args[0] == "suggest":
        assert done.stdout.count("spotify:track:") == 3
    assert file_digests(cache) == before


def test_training_there_names_the_file_it_cannot_write(template: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(template, cache)
    done = run_on_read_only_mount(cache, "--train", "--models", "popularity")
    assert done.returncode == 2
    assert done.stderr.startswith(f"mpdtui: {cache}/")
    assert done.stderr.endswith(": Read-only file system (that disk is mounted read-only: mount "
                                "it writable, or use a folder on another disk)\n")
    assert done.stderr.count("\n") == 1
