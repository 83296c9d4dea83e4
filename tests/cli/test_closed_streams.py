"""Standard streams closed by whoever started the command (`0<&-`, `>&-`, `2>&-`: a script, a
supervisor): Python leaves such a stream None, and `mpdtui import -` said "unexpected error:
AttributeError: 'NoneType' object has no attribute 'isatty'", `mpdtui info >&-` printed a
traceback and exited 120, and `mpdtui auth` a thread's traceback. A closed stream reads and
writes as /dev/null now."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

IMPORT_NOTHING = "mpdtui: standard input names no track (found nothing in it): "


def _run_closing(closing: str, *command: str) -> subprocess.CompletedProcess[str]:
    """`mpdtui COMMAND` run by a shell with `closing` (`0<&-`, `>&-`, `2>&-`) applied."""
    script = f'exec "$@" {closing}'
    return subprocess.run(["sh", "-c", script, "sh", sys.executable, "-m", "mpdtui", *command],
                          capture_output=True, text=True, timeout=120)


def test_a_closed_standard_input_reads_as_empty(tmp_path: Path) -> None:
    done = _run_closing("0<&-", "--cache-dir", str(tmp_path / "cache"), "import", "-")
    assert done.returncode == 2
    assert done.stderr.startswith(IMPORT_NOTHING), done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [("info",), ("info", "--json"), ("playlists",)])
def test_output_into_a_closed_standard_output_is_dropped(tmp_path: Path,
                                                         command: tuple[str, ...]) -> None:
    done = _run_closing(">&-", "--cache-dir", str(tmp_path / "cache"), *command)
    assert (done.returncode, done.stderr) == (0, "")


def test_a_mistake_with_standard_error_closed_still_exits_2(tmp_path: Path) -> None:
    done = _run_closing("2>&- >&-", "--cache-dir", str(tmp_path / "cache"), "infoo")
    assert done.returncode == 2


def test_a_file_opened_takes_no_closed_standard_descriptor() -> None:
    """With fd 1 closed, the next file opened took it, and a child process given this
    process's standard output wrote into that file."""
    probe = ("import os, sys; from mpdtui.cli import open_closed_standard_streams; "
             "open_closed_standard_streams(); fd = os.open(os.devnull, os.O_RDONLY); "
             "sys.stderr.write(str(fd))")
    done = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-c", probe],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stderr) > 2
