"""`mpdtui info` on where the slices came from: the sources that added none are not listed
beside the dataset, and the slices `--skip-bad` left out are said, with the ingest that tries
them again, until the data has them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hostile_support import (  # noqa: F401 (jobs_in_process: a fixture)
    jobs_in_process,
    run_cli,
    slice_name,
    write_slice,
)

from mpdtui.locations import Locations
from mpdtui.pipeline.sources import read_state

pytestmark = pytest.mark.usefixtures("jobs_in_process")


def _info_line(capsys: pytest.CaptureFixture[str], cache: Path, label: str) -> str:
    said = run_cli(capsys, cache, "info")
    assert said.code == 0, said
    return next(line for line in said.out.splitlines() if line.startswith(f"{label:>12}: "))


def _ingest(capsys: pytest.CaptureFixture[str], cache: Path, path: Path, *extra: str) -> str:
    done = run_cli(capsys, cache, "ingest", str(path), *extra)
    assert done.code == 0, done
    return done.out


def test_sources_that_added_no_slice_are_not_listed(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    cache, data = tmp_path / "cache", tmp_path / "mpd"
    first = write_slice(data, 0)
    _ingest(capsys, cache, data)
    again = tmp_path / "elsewhere"  # the same slice, ingested already: nothing added
    again.mkdir()
    shutil.copy(first, again / first.name)
    assert "1 already there" in _ingest(capsys, cache, again / first.name)
    copies = tmp_path / "copies"  # a renamed copy: not added (its playlists would count twice)
    copies.mkdir()
    shutil.copy(first, copies / slice_name(6))
    assert "is a copy of" in _ingest(capsys, cache, copies)
    assert _info_line(capsys, cache, "data_source") == f" data_source: {data.resolve()}"
    more = tmp_path / "more"  # a folder that adds a slice is listed
    write_slice(more, 3)
    shutil.copy(first, more / first.name)
    _ingest(capsys, cache, more)
    assert _info_line(capsys, cache, "data_source") == (
        f" data_source: {data.resolve()}; also {more.resolve()}")


def test_a_slice_skip_bad_left_out_is_said_until_an_ingest_takes_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache, data = tmp_path / "cache", tmp_path / "mpd"
    write_slice(data, 0)
    bad = write_slice(data, 3, raw=b'{"playlists": [')
    _ingest(capsys, cache, data, "--skip-bad")
    assert _info_line(capsys, cache, "slices") == (
        f"      slices: 1 (1 left out as bad by --skip-bad: {bad.name}; "
        f"`mpdtui ingest {data.resolve()}` tries it again)")
    said = run_cli(capsys, cache, "info", "--json")
    assert json.loads(said.out)["slices_skipped"] == [bad.name]
    write_slice(data, 3)  # fixed: the ingest the line quotes takes it
    _ingest(capsys, cache, data.resolve())
    assert _info_line(capsys, cache, "slices") == "      slices: 2"
    assert json.loads(run_cli(capsys, cache, "info", "--json").out)["slices_skipped"] == []


def test_a_skipped_slice_of_a_source_that_brought_nothing_says_to_fix_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every slice of the source skipped: the source is not recorded, so no command names it."""
    cache, data = tmp_path / "cache", tmp_path / "mpd"
    bad = write_slice(data, 0, raw=b"{bad")
    _ingest(capsys, cache, data, "--skip-bad")
    assert _info_line(capsys, cache, "slices") == (
        f"      slices: 0 (1 left out as bad by --skip-bad: {bad.name}; fix it, then ingest it "
        "(`mpdtui ingest PATH`))")


def test_a_hand_written_config_json_is_read_beside_data_of_an_earlier_version(
        capsys: pytest.CaptureFixture[str], small_store: Locations, tmp_path: Path) -> None:
    """Data whose sources are not recorded (ingested by an earlier version, which kept its
    source in config.json; the small store's), and a config.json written by hand as README
    shows it (no "format"): reading it for that source had refused it ("is not an
    mpdtui-config file: delete ..."), so `info` and `--train` stopped with exit code 2, and
    the advice, followed, lost the settings."""
    cache = tmp_path / "cache"
    shutil.copytree(small_store.root, cache)
    assert read_state(Locations.resolve(cache)).sources == ()  # as an earlier version left it
    (cache / "config.json").write_text(json.dumps({"model_settings": {"als": {"factors": 8}}}))
    said = run_cli(capsys, cache, "info")
    assert said.code == 0, said
    assert "config.json" not in said.out + said.err
