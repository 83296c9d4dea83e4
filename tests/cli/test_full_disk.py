"""A disk that fills up or fails a write: one line naming the file and what to do (exit 2),
nothing half-written left taking the space, and the next run continues."""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pytest
from hostile_support import Outcome, assert_refused

from models import model_dir
from mpdtui.data.catalog import Catalog
from mpdtui.data.saved_playlists import SavedPlaylists, TrackEntry
from mpdtui.errors import file_error_line
from mpdtui.locations import Locations
from mpdtui.pipeline.lock import WriterLock

FILE_SIZE_LIMIT = 2_000_000
"""Bytes a child may write to one file: the catalog outgrows it in the first slice."""


def _limit_file_size() -> None:
    # Python ignores SIGXFSZ, so a write past the limit fails (EFBIG) as on a disk that takes
    # no larger file; SQLite reports it as an I/O error
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def ingest_child(cache: Path, source: Path, limited: bool) -> Outcome:
    done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache),
                           "ingest", str(source)], capture_output=True, text=True, timeout=300,
                          preexec_fn=_limit_file_size if limited else None)
    return Outcome(done.returncode, done.stdout, done.stderr)


def test_an_ingest_the_disk_fails_says_so_and_the_next_run_completes(
        small_demo: Path, small_store: Locations, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    failed = ingest_child(cache, small_demo, limited=True)
    assert_refused(failed, f"mpdtui: {cache / 'catalog.sqlite3'}: ", "then run it again")
    done = ingest_child(cache, small_demo, limited=False)
    assert done.code == 0, done.err
    with Catalog.open(Locations.resolve(cache)) as catalog, Catalog.open(small_store) as whole:
        assert catalog.counts() == whole.counts()


def test_a_full_sqlite_file_is_a_file_error_with_advice(tmp_path: Path) -> None:
    store = SavedPlaylists(tmp_path / "playlists.sqlite3")
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
    entries = [TrackEntry(f"spotify:track:{n:022d}", f"song {n}", "artist") for n in range(2000)]
    with pytest.raises(OSError) as raised:
        store.save("long", entries)
    assert raised.value.errno == errno.ENOSPC
    assert raised.value.filename == str(tmp_path / "playlists.sqlite3")
    assert "free some space on that disk, then run it again" in file_error_line(raised.value)
    store._db.execute(f"PRAGMA max_page_count = {2**30}")
    assert store.list() == []  # the failed save changed nothing
    store.close()


def test_a_model_save_the_disk_fails_leaves_the_saved_model_and_no_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "models" / "als"
    token = model_dir.write_model_dir(directory, {"name": "als"}, {"x": np.arange(3)})

    def disk_full(fh: BinaryIO, arrays: object) -> None:
        fh.write(b"the first part of it")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(model_dir, "save_arrays", disk_full)
    with pytest.raises(OSError) as raised:
        model_dir.write_model_dir(directory, {"name": "als"}, {"x": np.arange(5)})
    assert (raised.value.errno, raised.value.filename) == (errno.ENOSPC, str(directory))
    assert sorted(p.name for p in directory.parent.iterdir()) == ["als"]
    assert '"token": "' + token + '"' in (directory / "meta.json").read_text()


def dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def test_a_writer_deletes_what_writers_that_died_left(tmp_path: Path) -> None:
    locations = Locations.resolve(tmp_path / "cache")
    locations.models_dir.mkdir(parents=True)
    gone, running = dead_pid(), os.getppid()
    left = [locations.models_dir / f".als.tmp-{gone}", locations.models_dir / f".als.old-{gone}",
            locations.root / f".interactions.npz.{gone}-k2j3h4l5.tmp"]
    kept = [locations.models_dir / f".als.tmp-{running}", locations.models_dir / "als",
            locations.root / f".config.json.{running}-abcdefgh.tmp",
            locations.root / "old-name.tmp"]  # not a name of ours: never touched
    for path in left[:2] + kept[:2]:
        path.mkdir()
        (path / "arrays.npz").write_bytes(b"x" * 1000)
    for path in left[2:] + kept[2:]:
        path.write_bytes(b"x")
    with WriterLock(locations, "training"):
        pass
    assert [p for p in left if p.exists()] == []
    assert [p for p in kept if not p.exists()] == []



def test_a_file_that_cannot_replace_a_folder_is_named_not_its_temp_file(tmp_path: Path) -> None:
    """A folder where the Spotify login's file goes: it named '.spotify-token.json.6aij.tmp'."""
    from mpdtui.spotify.session import TokenFile

    target = tmp_path / "spotify-token.json"
    target.mkdir()
    with pytest.raises(OSError) as raised:
        TokenFile(target).save_token_to_cache({"access_token": "A", "refresh_token": "R"})
    line = file_error_line(raised.value)
    assert line.startswith(f"{target}: ") and ".tmp" not in line, line
    assert [p.name for p in tmp_path.iterdir()] == ["spotify-token.json"], "no temp file left"
