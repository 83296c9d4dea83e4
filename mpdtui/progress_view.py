"""Headless progress: a job's events as rich progress bars on a terminal, plain periodic
lines otherwise (logs, pipes, CI)."""

from __future__ import annotations

import contextlib
import os
import sys
import termios
import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    Progress,
    ProgressBar,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column
from rich.text import Text

from mpdtui.advice import advised
from mpdtui.pipeline.display import describe_progress
from mpdtui.pipeline.events import (
    Event,
    Notice,
    StageFinished,
    StageProgress,
    StageStarted,
)
from mpdtui.printable import printable

PLAIN_INTERVAL_S = 2.0
DUMB_TERMINALS = frozenset({"dumb", "unknown"})  # as Rich's `Console.is_dumb_terminal`
QUIET_SKIPS = frozenset({"not used"})
NAME_WIDTH = 12
ELAPSED_WIDTH = 7  # "0:00:09"
BAR_WIDTHS = (10, 40)
"""A bar narrower than 10 columns says little; 40 is Rich's own width."""


class HeadlessProgress:
    """Renders job events: one rich bar per stage on a terminal, else a line per stage at
    most every `PLAIN_INTERVAL_S` (and its last one)."""

    def __init__(self, out: TextIO | None = None, force_plain: bool = False) -> None:
        self.out = out or sys.stdout
        # a dumb terminal (TERM=dumb: Emacs' shell, some CI logs) cannot redraw a bar, and Rich
        # then prints none until the stage ends: plain lines there, as into a file
        self.plain = (force_plain or not self.out.isatty()
                      or os.environ.get("TERM", "").lower() in DUMB_TERMINALS)
        self.bars: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.last_line: dict[str, float] = {}
        self.last_text: dict[str, str] = {}
        self.echo: _EchoOff | None = None

    def __enter__(self) -> HeadlessProgress:
        if not self.plain:
            columns = (TextColumn(f"[bold]{{task.description:<{NAME_WIDTH}}}",
                                  table_column=Column(no_wrap=True)),
                       _FittingBar(self._room_for_the_bar), _InfoColumn(),
                       TimeElapsedColumn(table_column=Column(no_wrap=True)))
            self.bars = Progress(*columns, console=Console(file=self.out))
            self.echo = _EchoOff.of(sys.stdin)
            self.bars.start()
        return self

    def _room_for_the_bar(self) -> int:
        """What a line leaves the bar beside the longest name and words and the time."""
        assert self.bars is not None
        tasks = self.bars.tasks
        name = max([NAME_WIDTH, *(len(task.description) for task in tasks)])
        info = max([0, *(len(task.fields.get("info", "")) for task in tasks)])
        return self.bars.console.width - name - info - ELAPSED_WIDTH - 3  # a space between

    def __exit__(self, *exc: object) -> None:
        if self.bars is not None:
            self.bars.stop()
            self.echo_again()

    def echo_again(self) -> None:
        """The terminal echoes keys again (the command is suspended, or ends)."""
        if self.echo is not None:
            self.echo.restore()
            self.echo = None

    def echo_off_again(self) -> None:
        """Back in the foreground after a suspension: no echo under the bars again."""
        if self.bars is not None and self.echo is None:
            self.echo = _EchoOff.of(sys.stdin)

    def show(self, event: Event) -> None:
        if isinstance(event, StageStarted) and self.bars is not None:
            self._task(event.stage)
        elif isinstance(event, StageProgress):
            self._progress(event)
        elif isinstance(event, StageFinished):
            self._finished(event)
        elif isinstance(event, Notice):
            self.message(event.stage, event.message)

    def message(self, stage: str, text: str) -> None:
        # names and paths from data: no control characters; the commands it quotes name the
        # cache dir before Rich wraps the line (after, they ran past the terminal's edge)
        text = advised(printable(text))
        if self.bars is not None:
            line = Text.assemble((f"{stage}: ", "yellow"), text)  # data stays text, not markup
            self.bars.console.print(line)
        else:
            print(f"{stage}: {text}", file=self.out, flush=True)

    def _task(self, stage: str) -> TaskID:
        assert self.bars is not None
        if stage not in self.tasks:
            self.tasks[stage] = self.bars.add_task(stage, total=None, info="")
        return self.tasks[stage]

    def _progress(self, event: StageProgress) -> None:
        info = advised(printable(describe_progress(event)))
        if self.bars is not None:
            self.bars.update(self._task(event.stage), completed=event.done, total=event.total,
                             info=info)
            return
        now = time.monotonic()
        finished = event.total is not None and event.done >= event.total
        line = f"{event.stage}: {info}".rstrip()
        if line == self.last_text.get(event.stage):
            return  # a stage's end reported twice (the last chunk, then done) is one line
        if finished or now - self.last_line.get(event.stage, 0.0) >= PLAIN_INTERVAL_S:
            self.last_line[event.stage], self.last_text[event.stage] = now, line
            print(line, file=self.out, flush=True)

    def _finished(self, event: StageFinished) -> None:
        if self.bars is None:  # plain lines: the progress lines and the closing summary say
            if event.outcome == "skipped" and event.message not in QUIET_SKIPS:  # what ran;
                # what a resumed run takes as done, before the stop that may end it again
                print(printable(f"{event.stage}: {event.message}"), file=self.out, flush=True)
            return
        if event.stage in self.tasks:
            self.bars.update(self.tasks[event.stage], completed=1, total=1,
                             info=advised(printable(event.message)))
        elif event.message not in QUIET_SKIPS:
            self.bars.console.print(Text(advised(printable(f"{event.stage}: {event.message}")),
                                         style="dim"))


class _FittingBar(BarColumn):
    """A bar 10-40 columns wide, as the terminal's line allows beside the rest: at 80 columns
    Rich's 40 left the stage's words and the time cut (and a long line, no bar at all)."""

    def __init__(self, room: Callable[[], int]) -> None:
        super().__init__(table_column=Column(no_wrap=True))
        self.room = room

    def render(self, task: Task) -> ProgressBar:
        low, high = BAR_WIDTHS
        self.bar_width = min(max(self.room(), low), high)
        return super().render(task)


class _InfoColumn(ProgressColumn):
    """The stage's words, ending in "…" where the line is too short for them (never wrapped
    under the bar)."""

    def render(self, task: Task) -> RenderableType:
        return Text(task.fields.get("info", ""), no_wrap=True, overflow="ellipsis")


class _EchoOff:
    """The terminal does not echo what is typed while the bars show: a key (Enter, ctrl+c's
    "^C") echoed after a bar as wide as the line moved the cursor a line down, and each redraw
    from there left a copy of the bars' first line above them."""

    def __init__(self, fd: int, saved: list) -> None:
        self.fd, self.saved = fd, saved

    @classmethod
    def of(cls, stream: TextIO) -> _EchoOff | None:
        try:
            fd = stream.fileno()
            saved = termios.tcgetattr(fd)
            if os.tcgetpgrp(fd) != os.getpgrp():
                return None  # run in the background (`&`): setting it would stop the job
        except (AttributeError, OSError, ValueError, termios.error):
            return None  # not a terminal (a pipe, a file, /dev/null, closed)
        quiet = list(saved)
        quiet[3] &= ~termios.ECHO  # lflag; ctrl+c still interrupts (ISIG)
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
        return cls(fd, saved)

    def restore(self) -> None:
        with contextlib.suppress(termios.error):  # the terminal gone (a hangup): nothing to do
            termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)
