"""A cache dir given through a link that leads nowhere (a drive not mounted, a folder moved):
refused, naming the link and its target, rather than made at the target, where the data of a
training would fill the disk beneath the mount point and hide once the drive is mounted; a
folder to write (`demo-data OUT`) through such a link is named with its target too."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_support import HANDMADE, assert_refused, run_cli

COMMANDS = [("info",), ("info", "--json"), ("playlists",), ("ingest", str(HANDMADE)),
            ("--train", "--mpd", str(HANDMADE))]


@pytest.mark.parametrize("argv", COMMANDS)
def test_a_cache_dir_that_is_a_link_to_nowhere_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    target = tmp_path / "unmounted" / "mpdtui"
    link = tmp_path / "cache"
    link.symlink_to(target)
    outcome = run_cli(capsys, link, *argv)
    assert_refused(outcome, f"the cache dir {link} is a link to {target}, which does not exist",
                   f"`mkdir -p {target}`")
    assert outcome.out == ""
    assert not target.parent.exists(), "nothing made at the link's target"


def test_a_cache_dir_below_a_link_to_nowhere_names_the_link(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "unmounted"
    (tmp_path / "data").symlink_to(target)
    monkeypatch.setenv("MPDTUI_CACHE_DIR", str(tmp_path / "data" / "mpdtui"))
    assert_refused(run_cli(capsys, None, "ingest", str(HANDMADE)),
                   f"goes through {tmp_path / 'data'}, a link to {target}, which does not exist",
                   "$MPDTUI_CACHE_DIR")
    assert not target.exists()


def test_the_advice_to_make_the_target_works(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "unmounted" / "mpdtui"
    link = tmp_path / "cache"
    link.symlink_to(target)
    assert_refused(run_cli(capsys, link, "info"), "mkdir -p")
    target.mkdir(parents=True)  # what the advice says: `mkdir -p TARGET`
    outcome = run_cli(capsys, link, "info")
    assert outcome.code == 0, outcome
    assert f"cache_dir: {target}" in outcome.out


def test_a_folder_to_write_that_is_a_link_to_nowhere_is_named_with_its_target(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`demo-data OUT`, OUT a link to a folder not there: it said "OUT: File exists (check the
    path and permissions)", which the path, checked, did not explain."""
    target = tmp_path / "unmounted" / "demo"
    out = tmp_path / "out"
    out.symlink_to(target)
    cache = tmp_path / "cache"
    assert_refused(run_cli(capsys, cache, "demo-data", str(out), "--playlists", "10"),
                   f"{out} is a link to {target}, which does not exist: make it (`mkdir -p "
                   f"{target}`), or give another path")
    target.mkdir(parents=True)  # as the advice says
    assert run_cli(capsys, cache, "demo-data", str(out), "--playlists", "10").code == 0
    assert (target / "mpd.slice.0-999.json").exists()
