"""`mpdtui auth` where nothing will be typed (cron, `< /dev/null`, `0<&-`, a file) and no
browser opens (`--no-browser`, or no desktop): the login could only end by a paste that
cannot come, and it waited 5 minutes for it. Now it says so at once (exit code 2), with the
command to run in a terminal, which logs in when followed. Against the local fake Spotify."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from desktop_browser import desktop_browser, no_desktop
from fake_spotify import FakeSpotify

STDINS = {"/dev/null": "< /dev/null", "closed": "0<&-", "a file": "< {file}"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _auth(cache: Path, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`mpdtui --cache-dir CACHE auth ARGS` with standard input as `stdin` (STDINS) says; a
    guard of 60 s against the old wait of 5 minutes (not a timed assertion: it never ends
    sooner than the login would)."""
    empty = cache.parent / "answers.txt"
    empty.write_text("")
    redirect = STDINS[stdin].format(file=shlex.quote(str(empty)))
    command = shlex.join([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache),
                          "auth", *args])
    return subprocess.run(["sh", "-c", f"exec {command} {redirect}"], capture_output=True,
                          text=True, timeout=60)


def _follow_in_a_terminal(advised: str) -> str:
    """The advised command run as a person would: the URL it shows opened in a browser on any
    machine, and the address the browser lands on pasted; what it said (it ended well)."""
    words = shlex.split(advised)
    assert words[0] == "mpdtui"
    child = subprocess.Popen([sys.executable, "-m", "mpdtui.cli", *words[1:]],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        url = ""
        while "/authorize?" not in url:
            url = _line_of(child)
            assert url or child.poll() is None, child.stderr.read()  # type: ignore[union-attr]
        landed = requests.get(url.strip(), allow_redirects=False, timeout=10).headers["Location"]
        out, err = child.communicate(f"{landed}\n", timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, err
    return out


def _line_of(child: subprocess.Popen[str]) -> str:
    """A line of output, read a byte at a time (so that `communicate` loses nothing after)."""
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(child.stdout.fileno(), 1)  # type: ignore[union-attr]
        if not byte:
            break
        line += byte
    return line.decode()


@pytest.mark.parametrize("stdin", list(STDINS))
def test_no_browser_and_nothing_to_paste_says_so_at_once(
        fake: FakeSpotify, tmp_path: Path, stdin: str) -> None:
    cache, port = tmp_path / "cache", str(_free_port())
    done = _auth(cache, stdin, "--no-browser", "--client-id", fake.state.client_id, "--port", port)
    assert done.returncode == 2, done
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    shown = {"closed": "/dev/null"}.get(stdin, stdin)
    assert done.stderr.startswith("mpdtui: this login cannot end here: it opens no browser "
                                  "(--no-browser, or no desktop) and its redirected address "
                                  f"cannot be pasted (standard input is {shown}): run `mpdtui ")
    advised = re.findall(r"`([^`]+)`", done.stderr)[0]
    assert advised == shlex.join(["mpdtui", "--cache-dir", str(cache), "auth", "--client-id",
                                  fake.state.client_id, "--port", port, "--no-browser"])
    assert "Logged in to Spotify as Fake User" in _follow_in_a_terminal(advised)


def test_without_a_desktop_the_same(fake: FakeSpotify, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Over ssh or in cron no browser opens even without --no-browser."""
    no_desktop(monkeypatch)
    done = _auth(tmp_path / "cache", "/dev/null", "--client-id", fake.state.client_id,
                 "--port", str(_free_port()))
    assert done.returncode == 2 and "standard input is /dev/null" in done.stderr, done


def test_a_desktop_browser_logs_in_without_a_terminal(
        fake: FakeSpotify, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a browser opens, its redirect ends the login: nothing needs pasting (a guard:
    this worked before too)."""
    desktop_browser(monkeypatch, tmp_path, follow=True)
    done = _auth(tmp_path / "cache", "/dev/null", "--client-id", fake.state.client_id,
                 "--port", str(_free_port()))
    assert done.returncode == 0, done
    assert "Logged in to Spotify as Fake User" in done.stdout
