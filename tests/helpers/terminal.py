"""Drive the real app in a pseudo-terminal: keys in, the screen read back with pyte.

Not the Textual pilot: the app runs as `mpdtui` does for a person, in its own process, with
its own terminal driver, file descriptors and job processes.
"""

from __future__ import annotations

import array
import contextlib
import fcntl
import os
import shlex
import signal
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pexpect
import pyte

KEYS = {"ctrl+n": "\x0e", "ctrl+r": "\x12", "ctrl+q": "\x11", "ctrl+u": "\x15", "ctrl+z": "\x1a",
        "ctrl+p": "\x10",
        "enter": "\r",
        "escape": "\x1b", "tab": "\t", "shift+tab": "\x1b[Z", "down": "\x1b[B", "up": "\x1b[A",
        "right": "\x1b[C", "left": "\x1b[D", "f1": "\x1bOP",
        "f2": "\x1bOQ"}
ERROR_WORDS = ("Unexpected error", "Traceback", "Could not finish", "Error:")
# Textual takes a lone ESC for the escape key only once 0.1 s (ESCDELAY) pass with nothing after
# it, as its input thread sees at ticks 0.1 s apart: a key sent sooner joins it (alt+/, not "/")
ESCAPE_SETTLES = 0.35


def _unread(tty: int) -> int:
    """How many bytes typed into the terminal `tty` its reader has not read yet."""
    count = array.array("i", [0])
    fcntl.ioctl(tty, termios.FIONREAD, count)
    return count[0]


def _hangup_ends_it() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _hangup_ignored() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


class Terminal:
    """`mpdtui` in a `cols` x `rows` pseudo-terminal; `text()` is what the screen shows."""

    def __init__(self, cache: Path, cols: int = 160, rows: int = 45,
                 args: tuple[str, ...] = (), hangup_ignored: bool = False,
                 in_shell: str = "") -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        env = {**os.environ, "MPDTUI_CACHE_DIR": str(cache), "TERM": "xterm-256color",
               "COLUMNS": str(cols), "LINES": str(rows), "PS1": "$ "}
        app = [sys.executable, "-m", "mpdtui.cli", *args]
        # in_shell: typed into an interactive shell, as a person starts it ("{app}", or in
        # a command line of its own such as "sh -c '{app}; true'", as `make run` starts it)
        command = ["bash", "--norc", "--noprofile", "-i"] if in_shell else app
        # SIGHUP as a terminal window's child gets it, unless `hangup_ignored` (`nohup`, or a
        # shell that sends none): a suite run under nohup would otherwise pass that on
        self.child = pexpect.spawn(command[0], command[1:], env=env,
                                   dimensions=(rows, cols), timeout=5,
                                   preexec_fn=_hangup_ignored if hangup_ignored
                                   else _hangup_ends_it)
        self.in_shell = bool(in_shell)
        if in_shell:
            self.child.sendline(in_shell.format(app=shlex.join(app)))
        self.seen_errors: list[str] = []

    def pump(self, seconds: float = 0.05) -> None:
        """Read what the app drew during `seconds` into the screen."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.02))
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                return
            if time.monotonic() >= deadline:
                break
        text = self.text()
        self.seen_errors += [w for w in ERROR_WORDS if w in text and w not in self.seen_errors]

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def press(self, *keys: str) -> None:
        for key in keys:
            self.child.send(KEYS.get(key, key))
            self._wait_until_read()  # a loaded machine: "/" and the next text read as one
            self.pump(ESCAPE_SETTLES if key == "escape" else 0.15)

    def _wait_until_read(self, timeout: float = 15) -> None:
        """Pump until the app has read every key sent: its terminal's input queue is empty (a
        loaded machine can leave the app unscheduled for longer than a pause between keys)."""
        deadline = time.monotonic() + timeout
        with contextlib.suppress(OSError):  # the app has ended
            tty = os.open(os.readlink(f"/proc/{self.child.pid}/fd/0"),
                          os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
            try:
                while _unread(tty) and time.monotonic() < deadline:
                    self.pump(0.02)
            finally:
                os.close(tty)

    def type(self, text: str) -> None:
        self.child.send(text)
        self.pump(0.2)

    def paste(self, text: str) -> None:
        """Paste as a terminal does (bracketed paste, which Textual turns on)."""
        self.child.send(f"\x1b[200~{text}\x1b[201~")
        self.pump(0.2)

    def wait_for(self, condition: str | Callable[[str], bool], timeout: float = 60,
                 every: Callable[[str], None] | None = None) -> str:
        """Pump until `condition` (a text on screen, or a test of the screen) holds."""
        test = (lambda text: condition in text) if isinstance(condition, str) else condition
        deadline = time.monotonic() + timeout
        while True:
            self.pump(0.1)
            text = self.text()
            if every is not None:
                every(text)
            if test(text):
                return text
            if time.monotonic() > deadline or not self.child.isalive():
                raise AssertionError(f"timed out waiting for {condition!r}; the screen:\n{text}")

    def hang_up(self, timeout: float = 30) -> None:
        """The window closed: the terminal's side of the pty goes, and the kernel hangs the
        app up (SIGHUP, unless ignored). Waits for it to end: a loaded machine takes well
        over the 0.1 s that pexpect's own close gives it before it reports the child as
        unkillable."""
        self.child.ptyproc.fileobj.close()
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not self.child.isalive(), f"the app outlived its terminal by {timeout} s"

    def close(self) -> None:
        if self.child.isalive() and not self.child.ptyproc.fileobj.closed:  # not hung up
            self.press("ctrl+q")
            if "Discard (d)" in self.text():  # a playlist with unsaved changes: asked first
                self.press("d")
            if self.in_shell:  # once the app has quit to the shell's prompt, the shell ends
                with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
                    self.child.expect_exact("$ ", timeout=15)
                self.child.sendline("exit")
            with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
                self.child.expect(pexpect.EOF, timeout=15)
        self.child.close(force=True)
