"""One labelled progress bar: a stage's name, its bar and a line of detail."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class StageProgress(Horizontal):
    """Shows `done` of `total` for one stage (a model, "evaluate", the ingest...)."""

    DEFAULT_CSS = """
    StageProgress { height: 1; }
    StageProgress > .stage-name { width: 14; }
    StageProgress > ProgressBar { width: 46; }
    StageProgress > .stage-info { width: 1fr; color: $text-muted; }
    """

    def __init__(self, stage: str, label: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stage = stage
        self.label = label or stage

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="stage-name")
        # a known total from the start: an indeterminate bar animates (and snapshots flicker)
        yield ProgressBar(total=1, show_eta=False)
        yield Label("waiting", classes="stage-info")

    def show(self, done: float, total: float | None, info: str = "") -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=total if total else None, progress=done)
        self.query_one(".stage-info", Label).update(info)

    def finish(self, info: str) -> None:
        self.query_one(ProgressBar).update(total=1, progress=1)
        self.query_one(".stage-info", Label).update(info)

    def reset(self, info: str = "waiting") -> None:
        self.query_one(ProgressBar).update(total=1, progress=0)
        self.query_one(".stage-info", Label).update(info)
