"""The app's end when its terminal goes (the window closed, the connection lost) or it is told
to end (`kill`, a logout): what the builder has unsaved is kept as it is at that moment, then
the app ends at once.

A hangup or terminate signal (the kernel's, the shell's to its jobs, `kill`'s) ends the app
through its handler; where none comes with the terminal's end (a shell that sends its jobs
none, zsh's NO_HUP, a hangup ignored) a poll finds the terminal gone within `POLL_S`. Without
it Textual would read the closed terminal's end of file in a loop, a core kept busy for good.
Textual's own exit can wait for good on writes to that terminal, so the end is then `os._exit`;
on a terminal still there (`kill` from another one) it is Textual's exit, which leaves the
terminal as it found it. A running job stops at a point it resumes from, as it does whenever
its parent is gone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from textual.app import App

POLL_S = 1.0
"""How often the app checks that its terminal is still there."""
ENDING_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
GONE_EXIT = 128 + signal.SIGHUP
"""The exit status once the terminal went away, as a hangup's; after a signal, 128 + its
number, as the shell reports a process it ended."""


def watch_terminal(app: App[Any], keep: Callable[[], None]) -> None:
    """From the app's mount: `keep`, then the end, once the terminal goes. Only on a terminal
    (not under the tests' pilot, nor a driver the user chose, which have their own ends)."""
    stdin = sys.__stdin__
    if app.is_headless or stdin is None or not os.isatty(stdin.fileno()):
        return
    fd = stdin.fileno()

    def end(status: int) -> None:
        try:
            keep()
        finally:  # whatever keeping met, the app is to end
            if os.isatty(fd):  # told to end (`kill`) on a terminal still there: left as found
                app.exit(return_code=status)
            else:
                os._exit(status)

    app.set_interval(POLL_S, lambda: None if os.isatty(fd) else end(GONE_EXIT))
    loop = asyncio.get_running_loop()
    for ending in ENDING_SIGNALS:
        loop.add_signal_handler(ending, end, 128 + ending)
