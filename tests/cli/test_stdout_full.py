"""Standard output on a full disk (`> /dev/full`, a log file on a disk that filled): the one
line said "No space left on device (free some space on that disk, ...)" and named no file;
it names standard output now."""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from pathlib import Path

import pytest

from mpdtui.data.saved_playlists import SavedPlaylists, TrackEntry
from mpdtui.errors import user_line
from mpdtui.locations import Locations

FULL = ("standard output: No space left on device (free some space on that disk, then run it "
        "again: what was finished is kept)")

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")


def test_a_command_printing_into_a_full_disk_names_standard_output(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir",
                               str(tmp_path / "cache"), "info"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (2, f"mpdtui: {FULL}\n")


def test_an_export_to_standard_output_on_a_full_disk_names_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mpdtui.commands.spotify import run_export

    locations = Locations.resolve(tmp_path / "cache")
    with SavedPlaylists.open(locations.ensure()) as store:
        store.create("Mix", [TrackEntry("spotify:track:" + "a" * 22, "Song", "Artist", 200_000)])
    full = open("/dev/full", "w")  # noqa: SIM115 (its close fails too: the bytes still wait)
    monkeypatch.setattr(sys, "stdout", full)
    with pytest.raises(OSError) as failed:
        run_export(argparse.Namespace(name="Mix", to="m3u", out="-", public=False), locations)
    with contextlib.suppress(OSError):
        full.close()
    assert user_line(failed.value) == FULL
