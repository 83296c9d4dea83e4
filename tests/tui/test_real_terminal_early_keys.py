"""Keys typed at once after `mpdtui` Enter, before the app's first screen is shown, reach that
screen: the terminal holds them until the app reads them, and the builder's name field gets
every letter, and the Enter after it moves on from the name, as it would have once the
builder showed (they went to the loading screen, which took none)."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from terminal import Terminal
from tui_support import trained_dir  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


def test_a_name_typed_before_the_first_paint_keeps_every_letter(trained_dir: Path,
                                                                 tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(trained_dir, cache, ignore=shutil.ignore_patterns("demo-mpd"))
    term = Terminal(cache, cols=80, rows=24)
    try:
        # at once: the app has not even imported Textual yet, and the terminal, in its line
        # mode still, turns the Enter into a line feed
        term.child.send("rainy sunday\r")
        text = term.wait_for(lambda t: "Suggestions" in t and "rainy sunday" in t, timeout=90)
        assert "rainy sunday" in text.splitlines()[2]  # the name field, whole
        # Enter in the name: the cursor goes to the suggestions, their keys in the footer
        term.wait_for(lambda t: "Search" in t.splitlines()[-1], timeout=30)
    finally:
        term.close()


def test_on_a_first_run_keys_typed_early_stay_out_of_the_cache_dir_field(tmp_path: Path) -> None:
    """A name typed for the builder does not belong in the setup's first field, a path."""
    cache = tmp_path / "fresh"
    term = Terminal(cache, cols=80, rows=24)
    try:
        term.child.send("rainy sunday")
        term.wait_for("Setup 1/5", timeout=90)
        term.type("/x")  # typed now, it goes in after any key handed on before it
        text = term.wait_for("/x ", timeout=30)
        assert "▊  /x " in text and "rainy" not in text  # the field (empty: its folder above)
    finally:
        term.close()


def test_on_a_first_run_a_key_pressed_as_the_first_step_shows_acts(tmp_path: Path) -> None:
    """ctrl+n pressed as soon as the setup's first step showed was dropped with the keys typed
    while loading (three times in four in tmux at 80x24): the step stayed, and a person pressed
    it again. The keys held were dropped only once the step was drawn."""
    term = Terminal(tmp_path / "fresh", cols=80, rows=24)
    try:
        term.wait_for("Setup 1/5", timeout=90)
        term.child.send("\x0e")  # ctrl+n, at once
        term.wait_for("Setup 2/5", timeout=30)
    finally:
        term.close()


def test_after_a_start_that_failed_the_setups_field_takes_keys(tmp_path: Path) -> None:
    """The catalog cannot be read: no builder comes, and the note says to delete it and use
    the setup's data step (f2). Its field took no key: every key was held for a first screen
    that never came."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "catalog.sqlite3").write_bytes(b"not a database" * 600)
    term = Terminal(cache, cols=80, rows=24)
    try:
        term.wait_for("Could not finish", timeout=90)
        (cache / "catalog.sqlite3").unlink()  # as the note says
        term.press("f2")
        term.wait_for("Cache directory ›", timeout=30)
        term.type("/x")
        assert "▊  /x " in term.wait_for("/x ", timeout=30)
    finally:
        term.close()
