"""A cache dir of another user's, or one where a command once run with sudo left root's files:
every command (and the app, which starts through the same door) said "unexpected error:
OperationalError: unable to open database file" (exit 1), or "Permission denied (check the
path and permissions)" and the app's setup step ended in a traceback. Now one line (exit 2)
names the folder or file, whose it is, and the `chown` that gives it back, which works."""

from __future__ import annotations

import os
import pwd
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_support import without_file_capabilities

from mpdtui.errors import user_name

NOBODY = 65534

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="gives files to another user (chown)")


def run_as_plain_user(*argv: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([sys.executable, *argv], capture_output=True, text=True,
                              timeout=120, preexec_fn=without_file_capabilities)
    except subprocess.SubprocessError as exc:  # the capabilities could not be dropped
        pytest.skip(f"cannot run as a plain user here: {exc}")


def mpdtui(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_as_plain_user("-m", "mpdtui.cli", "--cache-dir", str(cache), *args)


def give_away(path: Path, mode: int) -> None:
    os.chown(path, NOBODY, -1)
    path.chmod(mode)


def follow(advice: str) -> None:
    """Do what `sudo chown -R USER DIR` says, as root: everything in DIR becomes USER's."""
    command = advice.split("`")[1].split()
    assert command[:3] == ["sudo", "chown", "-R"], advice
    uid = pwd.getpwnam(command[3]).pw_uid
    root = Path(command[4])
    for path in (root, *root.rglob("*")):
        os.chown(path, uid, -1)


def a_catalog_in(cache: Path) -> Path:
    cache.mkdir(mode=0o700)
    catalog = cache / "catalog.sqlite3"
    sqlite3.connect(catalog).close()
    return catalog


def test_a_cache_dir_of_another_users_is_one_line_whose_advice_works(tmp_path: Path) -> None:
    cache = tmp_path / "theirs"
    a_catalog_in(cache)
    give_away(cache, 0o700)
    for command in (("info",), ("playlists",), ("search", "love")):
        done = mpdtui(cache, *command)
        assert done.returncode == 2, done.stderr
        assert done.stderr == (
            f"mpdtui: the cache dir {cache} belongs to user {user_name(NOBODY)}, and you cannot "
            f"read it (mode 700): make the cache dir yours with `sudo chown -R "
            f"{user_name(0)} {cache}`, or give another directory with --cache-dir or "
            "$MPDTUI_CACHE_DIR\n")
    follow(done.stderr)
    assert mpdtui(cache, "playlists").returncode == 0


def test_a_file_left_by_sudo_is_one_line_not_an_unexpected_error(tmp_path: Path) -> None:
    cache = tmp_path / "mine"
    catalog = a_catalog_in(cache)
    give_away(catalog, 0o600)
    done = mpdtui(cache, "info")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        f"mpdtui: {catalog} in the cache dir belongs to user {user_name(NOBODY)}, and you "
        "cannot read it (mode 600): make the cache dir yours with `sudo chown -R ")
    assert "unexpected error" not in done.stderr and len(done.stderr.splitlines()) == 1
    follow(done.stderr)
    assert "unexpected error" not in mpdtui(cache, "info").stderr


def test_a_store_that_cannot_be_opened_names_its_file(tmp_path: Path) -> None:
    """Past the start's check (a file given away while the app runs): SQLite's "unable to open
    database file" is the file error it is, naming the file."""
    catalog = a_catalog_in(tmp_path / "cache")
    give_away(catalog, 0o600)
    opened = run_as_plain_user("-c", (
        "import sys; from pathlib import Path\n"
        "from mpdtui.data.sqlite_store import connect\n"
        "from mpdtui.errors import user_line\n"
        "try:\n"
        "    connect(Path(sys.argv[1]), ValueError)\n"
        "except OSError as exc:\n"
        "    print(user_line(exc))\n"), str(catalog))
    assert opened.stdout == f"{catalog}: Permission denied (check the path and permissions)\n", \
        opened.stderr
