"""Headless progress: rich progress bars on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from models.base import Progress as StageReport
from mpdtui.printable import printable

PLAIN_INTERVAL_S = 2.0


class StageProgress:
    """One stage's bar, or a line now and then when stdout is not a terminal."""

    def __init__(self, name: str, bars: Progress | None, out: TextIO) -> None:
        self.name = name
        self.bars = bars
        self.out = out
        self.task: TaskID | None = bars.add_task(name, total=None, info="") if bars else None
        self.last_line = 0.0

    def update(self, done: float, total: float | None, info: str = "") -> None:
        if self.bars is not None and self.task is not None:
            self.bars.update(self.task, completed=done, total=total, info=printable(info))
            return
        now = time.monotonic()
        finished = total is not None and done >= total
        if finished or now - self.last_line >= PLAIN_INTERVAL_S:
            self.last_line = now
            of_total = f"/{total:g}" if total is not None else ""
            print(printable(f"{self.name}: {done:g}{of_total} {info}".rstrip()), file=self.out,
                  flush=True)

    def message(self, text: str) -> None:
        if self.bars is not None:
            self.bars.console.print(Text.assemble((f"{self.name}:", "yellow"), " ", printable(text)))
        else:
            print(printable(f"{self.name}: {text}"), file=self.out, flush=True)


class HeadlessProgress:
    """A context manager holding one bar per stage of a long job."""

    def __init__(self, out: TextIO | None = None, force_plain: bool = False) -> None:
        self.out = out or sys.stdout
        self.plain = force_plain or not self.out.isatty()
        self.bars: Progress | None = None
        self.stages: dict[str, StageProgress] = {}

    def __enter__(self) -> HeadlessProgress:
        if not self.plain:
            columns = (TextColumn("[bold]{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[info]}", markup=False), TimeElapsedColumn(),
                       TimeRemainingColumn())
            self.bars = Progress(*columns, console=Console(file=self.out))
            self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bars is not None:
            self.bars.stop()

    def stage(self, name: str) -> StageProgress:
        if name not in self.stages:
            self.stages[name] = StageProgress(name, self.bars, self.out)
        return self.stages[name]

    def report(self, progress: StageReport) -> None:
        """A `models.base.Progress` callback: route each report to its stage's bar."""
        self.stage(progress.stage).update(progress.done, progress.total, progress.message)
