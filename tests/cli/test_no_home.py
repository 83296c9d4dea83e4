"""No home folder at all: HOME unset and a user id without a passwd entry (a container run with
`--user 1234`, a service manager's dynamic user). platformdirs raises RuntimeError for the
default cache dir, which mpdtui said as "unexpected error: RuntimeError: ..." with exit code 1,
and `--cache-dir` given did not help (the commands' advice compares it with the default)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NO_PASSWD_ENTRY = """
import pwd, sys
def no_entry(uid):
    raise KeyError(f"getpwuid(): uid not found: {uid}")
pwd.getpwuid = no_entry
from mpdtui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _without_a_home(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "MPDTUI_CACHE_DIR")}
    return subprocess.run([sys.executable, "-c", NO_PASSWD_ENTRY, *args], cwd=cwd,
                          env=environment, capture_output=True, text=True, timeout=120)


def test_without_a_home_the_default_cache_dir_is_one_line_naming_the_way_out(
        tmp_path: Path) -> None:
    done = _without_a_home("info", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"mpdtui: no home folder to keep mpdtui's files in (HOME is not set, and user id "
        f"{os.getuid()} has none): give one with --cache-dir DIR or $MPDTUI_CACHE_DIR, or set "
        "HOME or $XDG_CACHE_HOME\n")
    assert list(tmp_path.iterdir()) == []  # no `~` folder made where it ran


@pytest.mark.parametrize("command", [("info",), ("playlists",)])
def test_without_a_home_a_cache_dir_given_works(tmp_path: Path, command: tuple[str, ...]) -> None:
    done = _without_a_home("--cache-dir", str(tmp_path / "cache"), *command, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")


def test_without_a_home_an_export_names_out(tmp_path: Path) -> None:
    from mpdtui.data.saved_playlists import SavedPlaylists, TrackEntry
    from mpdtui.locations import Locations

    cache = tmp_path / "cache"
    with SavedPlaylists.open(Locations.resolve(cache).ensure()) as store:
        store.create("Mix", [TrackEntry("spotify:track:" + "a" * 22, "Song", "Artist", 200_000)])
    done = _without_a_home("--cache-dir", str(cache), "export", "--to", "m3u", "Mix",
                           cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "give a folder with --out, or `export_dir` in the cache dir's config.json" in done.stderr
    followed = _without_a_home("--cache-dir", str(cache), "export", "--to", "m3u", "Mix",
                               "--out", str(tmp_path / "out") + "/", cwd=tmp_path)
    assert followed.returncode == 0, followed.stderr
    assert (tmp_path / "out" / "Mix.m3u8").is_file()
