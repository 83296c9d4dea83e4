"""Headless progress: a job's events as rich progress bars on a terminal, plain periodic
lines otherwise (logs, pipes, CI)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

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
QUIET_SKIPS = frozenset({"not used"})


class HeadlessProgress:
    """Renders job events: one rich bar per stage on a terminal, else a line per stage at
    most every `PLAIN_INTERVAL_S` (and its last one)."""

    def __init__(self, out: TextIO | None = None, force_plain: bool = False) -> None:
        self.out = out or sys.stdout
        self.plain = force_plain or not self.out.isatty()
        self.bars: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.last_line: dict[str, float] = {}

    def __enter__(self) -> HeadlessProgress:
        if not self.plain:
            columns = (TextColumn("[bold]{task.description:<12}"), BarColumn(),
                       TextColumn("{task.fields[info]}", markup=False), TimeElapsedColumn())
            self.bars = Progress(*columns, console=Console(file=self.out))
            self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bars is not None:
            self.bars.stop()

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
        text = printable(text)  # names and paths from data: no control characters
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
        info = printable(describe_progress(event))
        if self.bars is not None:
            self.bars.update(self._task(event.stage), completed=event.done, total=event.total,
                             info=info)
            return
        now = time.monotonic()
        finished = event.total is not None and event.done >= event.total
        if finished or now - self.last_line.get(event.stage, 0.0) >= PLAIN_INTERVAL_S:
            self.last_line[event.stage] = now
            print(f"{event.stage}: {info}".rstrip(), file=self.out, flush=True)

    def _finished(self, event: StageFinished) -> None:
        if self.bars is None:
            return  # plain lines: the progress lines and the closing summary say it
        if event.stage in self.tasks:
            self.bars.update(self.tasks[event.stage], completed=1, total=1,
                             info=printable(event.message))
        elif event.message not in QUIET_SKIPS:
            self.bars.console.print(Text(printable(f"{event.stage}: {event.message}"), style="dim"))
