"""`mpdtui demo-data OUT` into a folder whose slices the cache dir ingested (README's `cp
demo/mpd.slice.0-999.json train/`, then a demo written into train/): a demo that would change
one of them is refused, with nothing written, since the next `--train` of that data would stop
on the changed slice; one that writes them as they are (the same seed) goes on."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hostile_support import (  # noqa: F401 (jobs_in_process: a fixture)
    assert_refused,
    jobs_in_process,
    run_cli,
)

pytestmark = pytest.mark.usefixtures("jobs_in_process")


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_demo_that_would_change_an_ingested_slice_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache, data = tmp_path / "cache", tmp_path / "train"
    assert run_cli(capsys, cache, "demo-data", str(data), "--playlists", "5", "--seed", "3").code == 0
    assert run_cli(capsys, cache, "ingest", str(data)).code == 0
    before = _digest(data)
    line = assert_refused(run_cli(capsys, cache, "demo-data", str(data), "--playlists", "5"),
                          f"{data / 'mpd.slice.0-999.json'} is a slice this cache dir ingested, "
                          "and this demo would change it")
    assert line.endswith("give demo-data another folder, or the --seed and --playlists that "
                         "wrote it (more playlists keep its slices that hold 1,000)")
    assert _digest(data) == before  # nothing written, no staging folder left
    trained = run_cli(capsys, cache, "--train", "--models", "popularity")
    assert trained.code == 0, trained
    # the same seed and size write the slice as it is: that goes on
    again = run_cli(capsys, cache, "demo-data", str(data), "--playlists", "5", "--seed", "3")
    assert again.code == 0, again
    assert _digest(data) == before
