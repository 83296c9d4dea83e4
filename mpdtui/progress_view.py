"""Headless progress: rich progress bars on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

PLAIN_INTERVAL_S = 2.0


class StageProgress:
    """Updates one stage's bar (or prints a line now and then when not on a terminal)."""

    def __init__(self, name: str, rich_progress: Progress | None, out: TextIO) -> None:
        self.name = name
        self.rich = rich_progress
        self.out = out
        self.task = rich_progress.add_task(name, total=None, info="") if rich_progress else None
        self.last_line = 0.0

    def update(self, done: float, total: float | None, info: str = "") -> None:
        if self.rich is not None and self.task is not None:
            self.rich.update(self.task, completed=done, total=total, info=info)
            return
        now = time.monotonic()
        finished = total is not None and done >= total
        if finished or now - self.last_line >= PLAIN_INTERVAL_S:
            self.last_line = now
            of_total = f"/{total:g}" if total is not None else ""
            print(f"{self.name}: {done:g}{of_total} {info}".rstrip(), file=self.out, flush=True)

    def message(self, text: str) -> None:
        if self.rich is not None:
            self.rich.console.print(f"[yellow]{self.name}:[/] {text}")
        else:
            print(f"{self.name}: {text}", file=self.out, flush=True)


class HeadlessProgress:
    """Creates one StageProgress per stage of a long job."""

    def __init__(self, out: TextIO | None = None, force_plain: bool = False) -> None:
        self.out = out or sys.stdout
        self.plain = force_plain or not self.out.isatty()
        self.console = Console(file=self.out)

    @contextmanager
    def stage(self, name: str) -> Iterator[StageProgress]:
        if self.plain:
            yield StageProgress(name, None, self.out)
            return
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=self.console, transient=False) as rich_progress:
            yield StageProgress(name, rich_progress, self.out)
