"""One labelled progress bar: a stage's name, its bar, a line of detail and its running time."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from mpdtui.pipeline.display import clock
from mpdtui.tui.text import data_text


class StageProgress(Horizontal):
    """Shows `done` of `total` for one stage (a model, "evaluate", the ingest...), and how long
    it has been running, ticking every second: a long step without news (loading TensorFlow, a
    first compile) still shows that the stage is at work."""

    DEFAULT_CSS = """
    StageProgress { height: 1; }
    StageProgress > .stage-name { width: 14; }
    StageProgress > ProgressBar { width: 2fr; max-width: 46; }
    StageProgress > ProgressBar Bar { width: 1fr; }
    StageProgress > .stage-info {
        width: 3fr; padding-left: 1; color: $text-muted;
        text-wrap: nowrap; text-overflow: ellipsis;  /* one row: cut with …, never mid-wrap */
    }
    StageProgress > .stage-time { width: 8; color: $text-muted; text-align: right; }
    """

    def __init__(self, stage: str, label: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stage = stage
        self.label = label or stage
        self.started: float | None = None
        self.active = False
        """Running or waiting to: what `stop` says has stopped."""

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="stage-name")
        # a known total from the start: an indeterminate bar animates (and snapshots flicker)
        yield ProgressBar(total=1, show_eta=False)
        yield Label("not started", classes="stage-info")  # "waiting" once its job is queued
        yield Label("", classes="stage-time")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def show(self, done: float, total: float | None, info: str = "") -> None:
        self.active = True
        if self.started is None:
            self.started = time.monotonic()
        bar = self.query_one(ProgressBar)
        bar.update(total=total if total else None, progress=done)
        self.query_one(".stage-info", Label).update(data_text(info))  # from data: not markup
        self._tick()

    def finish(self, info: str) -> None:
        self._tick()
        self.started, self.active = None, False
        self.query_one(ProgressBar).update(total=1, progress=1)
        self.query_one(".stage-info", Label).update(data_text(info))

    def paused(self, done: float, total: float, info: str) -> None:
        """Where an earlier run stopped and the next one resumes (its epochs done): the bar
        shows them, the clock does not run."""
        self.reset(info)
        self.active = False
        self.query_one(ProgressBar).update(total=total, progress=done)

    def reset(self, info: str = "waiting") -> None:
        self.started, self.active = None, info == "waiting"
        self.query_one(ProgressBar).update(total=1, progress=0)
        self.query_one(".stage-info", Label).update(data_text(info))
        self.query_one(".stage-time", Label).update("")

    def stop(self, info: str = "stopped") -> None:
        """The job ended before this stage did: says so where the bar had said "waiting" or
        its progress, which it keeps. A full bar stopped says it is not done: ALS's read "100%
        stopped" once its iterations were done and its save was not."""
        if self.active:
            self._tick()
            self.started, self.active = None, False
            bar = self.query_one(ProgressBar)
            if info == "stopped" and bar.total and bar.progress >= bar.total:
                info = "stopped, not done"
            self.query_one(".stage-info", Label).update(info)

    def _tick(self) -> None:
        if self.started is not None:
            self.query_one(".stage-time", Label).update(clock(time.monotonic() - self.started))
