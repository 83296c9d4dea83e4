"""Pages open in the desktop's browser apart from the terminal, or not at all without a
desktop (never a console browser in the app's terminal, never a browser's output on its
screen)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from desktop_browser import OpenedPage, desktop_browser, no_desktop
from ptyprocess import PtyProcess

from mpdtui.browser import can_open_a_browser, open_in_browser

PAGE = "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"


def test_a_page_opens_in_the_desktops_browser_with_no_terminal(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Opened from a program in a terminal (as the app is), the browser gets none."""
    browser = desktop_browser(monkeypatch, tmp_path)
    monkeypatch.setenv("TERM", "xterm-256color")
    opener = PtyProcess.spawn([sys.executable, "-c", OPEN, str(browser.record)],
                              env=dict(os.environ))
    opener.wait()
    assert opener.exitstatus == 0, "can open a browser, and opened it"
    # no terminal to draw on or read keys from, and no TERM to pick a console browser by
    assert browser.opened() == [OpenedPage(PAGE, "no TERM", "no terminal")]


OPEN = f"""import sys, time
from pathlib import Path
from mpdtui.browser import can_open_a_browser, open_in_browser
if not (can_open_a_browser() and open_in_browser({PAGE!r})):
    sys.exit(1)
deadline = time.monotonic() + 30  # the terminal stays while the browser starts
while not Path(sys.argv[1]).exists() and time.monotonic() < deadline:
    time.sleep(0.05)
"""


def test_without_a_desktop_nothing_is_opened(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    browser = desktop_browser(monkeypatch, tmp_path)
    no_desktop(monkeypatch)  # an ssh login: $BROWSER may be set, no display to show it on
    assert not can_open_a_browser() and not open_in_browser(PAGE)
    time.sleep(0.5)
    assert browser.opened() == []
