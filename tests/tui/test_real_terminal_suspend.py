"""ctrl+z in a real terminal: the app goes to the shell as other terminal programs do, and `fg`
brings it back, drawn again, taking keys. The app runs as a job of an interactive bash (a
process the kernel may stop: one started outside job control would have ctrl+z discarded)."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest
from terminal import Terminal

pytestmark = pytest.mark.slow


def test_ctrl_z_stops_the_app_and_fg_brings_it_back(tmp_path: Path) -> None:
    term = Terminal(tmp_path / "cache", cols=100, rows=30, in_shell=True)
    try:
        term.wait_for("Setup 1/5", timeout=60)  # an empty cache dir: the first step
        shell = psutil.Process(term.child.pid)
        (app,) = shell.children()
        term.press("ctrl+z")
        term.wait_for("Stopped", timeout=15)
        assert app.status() == psutil.STATUS_STOPPED
        term.screen.reset()  # what is drawn from here is drawn again
        term.type("fg\r")
        term.wait_for("Setup 1/5", timeout=20)
        assert app.status() != psutil.STATUS_STOPPED
        term.type("x")  # keys reach it: the cache step's field takes the letter
        term.wait_for(lambda text: "another folder" not in text, timeout=10)
        assert not term.seen_errors
    finally:
        term.close()
