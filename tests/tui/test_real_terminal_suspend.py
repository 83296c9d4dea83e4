"""ctrl+z in a real terminal: the app goes to the shell as other terminal programs do, and `fg`
brings it back, drawn again, taking keys. Typed into an interactive bash, it is one of the
shell's jobs: alone, or with the command that started it (`make run` runs it under make,
which must stop too for the shell to take over). Started as the terminal's own command (no
shell, no job control), a stopped app could never be woken: it says so and runs on."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest
from terminal import Terminal

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("started", ["{app}", "sh -c '{app}; true'"], ids=["alone", "under-sh"])
def test_ctrl_z_stops_the_app_and_fg_brings_it_back(tmp_path: Path, started: str) -> None:
    term = Terminal(tmp_path / "cache", cols=100, rows=30, in_shell=started)
    try:
        term.wait_for("Setup 1/5", timeout=60)  # an empty cache dir: the first step
        job = psutil.Process(term.child.pid).children(recursive=True)
        term.press("ctrl+z")
        term.wait_for("Stopped", timeout=15)  # the shell's word: the whole job stopped
        assert {p.status() for p in job} == {psutil.STATUS_STOPPED}
        term.screen.reset()  # what is drawn from here is drawn again
        term.type("fg\r")
        term.wait_for("Setup 1/5", timeout=20)
        assert psutil.STATUS_STOPPED not in {p.status() for p in job}
        term.type("x")  # keys reach it: the cache step's field takes the letter
        term.wait_for(lambda text: "another folder" not in text, timeout=10)
        assert not term.seen_errors
    finally:
        term.close()


def test_ctrl_z_without_a_shell_to_go_back_to_says_so(tmp_path: Path) -> None:
    term = Terminal(tmp_path / "cache", cols=100, rows=30)  # the terminal's own command
    try:
        term.wait_for("Setup 1/5", timeout=60)
        term.press("ctrl+z")
        term.wait_for("ctrl+z has no shell to go back to", timeout=10)
        assert psutil.Process(term.child.pid).status() != psutil.STATUS_STOPPED
        term.type("x")
        term.wait_for(lambda text: "another folder" not in text, timeout=10)
    finally:
        term.close()
