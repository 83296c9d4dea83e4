"""Setup 5: train the models (one progress bar each), then the evaluation table and chart."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Label, SelectionList, Static
from textual.worker import Worker, WorkerState

from mpdtui.tui.messages import StageUpdate
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.widgets.metric_chart import MetricChart
from mpdtui.tui.widgets.stage_progress import StageProgress

MAIN_METRICS = ("r_precision", "ndcg", "clicks", "r_precision_artist")
EXPLAIN = ("Tick the models to train (space), then ctrl+r. Models already trained for this "
           "data are reused, so a cancelled run continues where it stopped. The evaluation "
           "follows the RecSys Challenge 2018 (held-out playlists in ten categories).")


class TrainingStep(SetupStep):
    STEP = 4
    RUN_LABEL = "Train"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("v", "next_metric", "Metric")]

    def __init__(self) -> None:
        super().__init__()
        self.metric = MAIN_METRICS[0]
        self.report: Any | None = None

    def body(self) -> ComposeResult:
        yield Static(EXPLAIN, classes="explain")
        wanted = self.app.options.train_models  # type: ignore[attr-defined]
        names = self.service.trainable_models()
        yield SelectionList[str](*((name, name, wanted is None or name in wanted)
                                   for name in names), id="models")
        with Vertical(id="bars"):
            for name in (*names, "evaluate"):
                yield StageProgress(name, id=f"bar-{name}")
        yield Label("", id="eval-title")
        yield DataTable(id="evaluation", zebra_stripes=True)
        yield MetricChart(id="chart")

    def on_mount(self) -> None:
        self.query_one("#models").border_title = "Models"
        for name in self.app.attempt(self.service.servable_models) or []:
            self.query_one(f"#bar-{name}", StageProgress).finish("trained for this data")
        self.show_report(self.app.attempt(self.service.evaluation))
        self.query_one("#models").focus()

    def _selected(self) -> list[str]:
        chosen = set(self.query_one("#models", SelectionList).selected)
        return [name for name in self.service.trainable_models() if name in chosen]

    def run(self) -> Worker[Any] | None:
        if not self.service.has_data():
            self.status("Ingest data first (step 2: escape twice).")
            return None
        models = self._selected()
        if not models:
            self.status("Tick at least one model (space).")
            return None
        for bar in self.query(StageProgress):
            bar.reset("waiting" if bar.stage in (*models, "evaluate") else "not selected")
        self.status(f"Training {', '.join(models)}… (escape cancels)")
        return self._train(models)

    @work(thread=True, exclusive=True, exit_on_error=False, group="setup", description="training")
    def _train(self, models: list[str]) -> Any:
        return self.service.train(models, progress=lambda p: self.post_message(StageUpdate(p)),
                                  cancel=self.cancel)

    def on_stage_update(self, message: StageUpdate) -> None:
        p = message.progress
        bars = self.query(f"#bar-{p.stage}").results(StageProgress)
        for bar in bars:
            info = p.message or (f"{p.done:g}/{p.total:g}" if p.total else f"{p.done:g}")
            bar.show(p.done, p.total, info)

    def job_done(self, worker: Worker[Any]) -> None:
        if worker.state == WorkerState.SUCCESS:
            result = worker.result
            for name in result.trained:
                self.query_one(f"#bar-{name}", StageProgress).finish("trained")
            for name in result.reused:
                self.query_one(f"#bar-{name}", StageProgress).finish("already trained")
            self.query_one("#bar-evaluate", StageProgress).finish("done")
            self.show_report(result.report)
            self.status("Done. Press ctrl+n to start building playlists.")
        else:
            self.status("Training stopped; finished models are kept. ctrl+r continues.")

    # --- evaluation ----------------------------------------------------------------------------
    def show_report(self, report: Any | None) -> None:
        self.report = report
        table = self.query_one("#evaluation", DataTable)
        table.clear(columns=True)
        chart = self.query_one("#chart", MetricChart)
        if not report or not report.get("models"):
            self.query_one("#eval-title", Label).update("No evaluation yet.")
            chart.update("")
            return
        from models.evaluation import table_rows

        header, rows = table_rows(report, self.metric)
        table.add_columns(*header)
        for row in rows:
            table.add_row(*row)
        self.query_one("#eval-title", Label).update(
            f"Evaluation: {self.metric} on {report['n_cases']} held-out playlists "
            f"(v: next metric)")
        chart.show(report, self.metric)

    def action_next_metric(self) -> None:
        metrics = list(self.report.get("metrics", MAIN_METRICS)) if self.report else MAIN_METRICS
        index = metrics.index(self.metric) if self.metric in metrics else -1
        self.metric = metrics[(index + 1) % len(metrics)]
        self.show_report(self.report)
