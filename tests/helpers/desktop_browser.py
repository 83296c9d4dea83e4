"""A desktop's browser for tests, real as far as mpdtui can tell: a display is named, and
$BROWSER is a script that records each page it is given (with whether it got a terminal and
a TERM), and fetches it as a browser would (a login's redirect then reaches its callback)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = """#!{python}
import os, sys
try:
    open("/dev/tty").close()
    terminal = "a terminal"
except OSError:
    terminal = "no terminal"
with open({record!r}, "a") as record:
    record.write("\\t".join([sys.argv[1], os.environ.get("TERM", "no TERM"), terminal]) + "\\n")
if {follow!r}:
    import requests
    requests.get(sys.argv[1], timeout=10)
"""


@dataclass(frozen=True)
class OpenedPage:
    url: str
    term: str
    terminal: str


class DesktopBrowser:
    def __init__(self, folder: Path, follow: bool) -> None:
        self.record = folder / "pages-opened.tsv"
        self.script = folder / "browser.py"
        self.script.write_text(SCRIPT.format(python=sys.executable, record=str(self.record),
                                             follow=follow))
        self.script.chmod(0o755)

    def opened(self) -> list[OpenedPage]:
        if not self.record.exists():
            return []
        return [OpenedPage(*line.split("\t")) for line in self.record.read_text().splitlines()]


def desktop_browser(monkeypatch: pytest.MonkeyPatch, folder: Path,
                    follow: bool = False) -> DesktopBrowser:
    """Pages opened from now on go to a recording browser on a named display."""
    browser = DesktopBrowser(folder, follow)
    monkeypatch.setenv("DISPLAY", ":97")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("BROWSER", str(browser.script))
    return browser


def no_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    """An ssh login or a server: no display to open a browser on."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
