"""Opening a web page (the Spotify login, a track's page) from a program that owns its
terminal: the browser runs in a process of its own, with no terminal and its output dropped.

`webbrowser.open` run in the app's process would let a browser's messages (Chrome's and
Firefox's logging, `xdg-open`'s complaints) draw over the app's screen, and where there is no
desktop (over ssh) it starts a console browser (lynx, w3m) in the app's own terminal, where both
fight for the keys. So it runs in a child process started in a session of its own (no
controlling terminal), with its standard streams on /dev/null and no TERM (no console browser
is even tried), and only where a desktop can show a browser: macOS, Windows, or a Linux/BSD
session with an X or Wayland display.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

_OPEN = "import sys, webbrowser; sys.exit(0 if webbrowser.open(sys.argv[1]) else 1)"


def can_open_a_browser() -> bool:
    """Whether this session has a desktop to show a browser on (not an ssh login without X
    forwarding, a server's console or a container)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_in_browser(url: str) -> bool:
    """Start opening `url` in the desktop's browser (`$BROWSER` where set, else the system's
    default); False, opening nothing, where there is no desktop to show it on."""
    if not can_open_a_browser():
        return False
    environment = {name: value for name, value in os.environ.items() if name != "TERM"}
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", _OPEN, url], env=environment, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return False
    threading.Thread(target=child.wait, name="browser", daemon=True).start()  # no zombie
    return True
