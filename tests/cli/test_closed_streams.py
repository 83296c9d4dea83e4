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


def test_an_export_to_dev_stdout_whose_reader_stopped_early_ends_quietly(tmp_path: Path) -> None:
    """`mpdtui export ... --out /dev/stdout | head -1` said "/dev/stdout: cannot write the
    playlist (Broken pipe): give another folder to write it to with --out DIR/" (submit's:
    "Broken pipe (check the path and permissions)"), exit 2, where standard output itself is
    dropped quietly."""
    import os

    from mpdtui.data.saved_playlists import SavedPlaylists, TrackEntry
    from mpdtui.locations import Locations

    cache = tmp_path / "cache"
    tracks = [TrackEntry(f"spotify:track:{n:022d}", f"Song {n}", "Artist", 200_000)
              for n in range(2000)]  # an M3U8 past a pipe's 64 KB buffer
    with SavedPlaylists.open(Locations.resolve(cache).ensure()) as store:
        store.create("Mix", tracks)
    reader, writer = os.pipe()
    os.close(reader)  # `| head -1` that has already exited
    try:
        done = subprocess.run([sys.executable, "-m", "mpdtui", "--cache-dir", str(cache),
                               "export", "--to", "m3u", "Mix", "--out", "/dev/stdout"],
                              stdout=writer, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(writer)
    assert done.returncode == 0, done.stderr
    assert "Broken pipe" not in done.stderr
