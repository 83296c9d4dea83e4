"""Setup 5: train the models (one progress bar each), then the evaluation table and chart."""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Label, SelectionList, Static

from models.registry import model_info
from mpdtui.pipeline.display import (
    NOTHING_HELD_OUT,
    learned_from_other_audio,
)
from mpdtui.pipeline.events import (
    Event,
    JobFailed,
    JobFinished,
    ModelSaved,
    StageFinished,
)
from mpdtui.pipeline.request import JobRequest
from mpdtui.training import AudioBehind, saved_dependents
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.screens.setup_training_text import (
    EXPLAIN,
    RETRAIN_QUESTION,
    fill_overall_first,
    stopped_training,
)
from mpdtui.tui.widgets.metric_chart import MetricChart
from mpdtui.tui.widgets.stage_progress import StageProgress as StageBar
from mpdtui.tui.widgets.training_bars import TrainingBars

FOLLOW_EVALUATION_S = 2.0
"""How long the step keeps the new evaluation in view while it is laid out."""
MAIN_METRICS = ("r_precision", "ndcg", "clicks", "r_precision_artist")


def described(model: str) -> Content:
    """A model's row: its name, then what it is in plain words ("songs of playlists named
    like yours"), which a new user could not tell from "item_knn"."""
    return Content.assemble(f"{model:<11}", (model_info(model).summary, "dim"))


class TrainingStep(SetupStep):
    STEP = 4
    RUN_LABEL = "Train"
    JOB_GOAL = "setup"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("v", "next_metric", "Metric"),
                                             Binding("R", "retrain", "Retrain", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.metric = MAIN_METRICS[0]
        self.report: dict[str, Any] | None = None  # the evaluation's JSON
        self.training: set[str] = set()  # the models this run has yet to finish
        self.retraining = False  # this run trains the ticked models again (R), not ctrl+r
        self.saved: set[str] = set()  # the models this run has saved
        self.reused: list[str] = []  # the models this run found trained already
        self.follow_evaluation_until = 0.0
        self.latest_bar: StageBar | None = None  # the bar of the stage this run moved last
        self.moved: set[str] = set()  # the stages whose bars this run moved
        self.behind_on_audio: set[str] = set()  # trained models that learned other features

    def body(self) -> ComposeResult:
        yield Static(EXPLAIN, classes="explain")
        wanted = self.app.options.train_models
        names = self.services.training.trainable()
        yield SelectionList[str](*((described(name), name, wanted is None or name in wanted)
                                   for name in names), id="models")
        yield TrainingBars(names, id="bars")
        yield Label("", id="eval-title")
        yield DataTable(id="evaluation", zebra_stripes=True)
        yield Label("", id="eval-lead")
        yield MetricChart(id="chart")

    def on_mount(self) -> None:
        self.query_one("#models").border_title = "Models"
        self.watch(self.query_one("#step"), "virtual_size", self._keep_evaluation_in_view,
                   init=False)
        if left := self._describe_bars():  # the app quit during a run (or it failed): said
            self.status(self._stopped_with_kept_work(left))  # at 80x24 the bars are below the fold
        self.show_report(self.app.attempt(self.services.models.evaluation))
        self.query_one("#models").focus()
        self._say_what_is_behind()

    def _describe_bars(self, moved: Collection[str] = ()) -> list[str]:
        """The bars outside a run (`TrainingBars.describe`): the models a training that did
        not finish left untrained."""
        return self.query_one(TrainingBars).describe(self.services, self.app.attempt, moved,
                                                     self.behind_on_audio)

    def _stopped_with_kept_work(self, left: list[str]) -> str:
        """What the last training stopped before, and what the next does with the work it
        kept, as `--train` will say it: "two_tower resumes after epoch 17 of 30"."""
        kept = self.app.attempt(self.services.training.kept_work, left) or {}
        stopped, _, what_to_do = stopped_training(left, []).partition(": ")
        kept_said = f" ({'; '.join(kept.values())})" if kept else ""
        return f"{stopped}{kept_said}: {what_to_do}"

    @work(thread=True, exclusive=True, exit_on_error=False, group="behind",
          description="models behind on audio")
    def _say_what_is_behind(self) -> None:
        """Models that learned from other audio features than the catalog's now (a features
        import since) are not "trained for this data": ctrl+r trains them again. In a worker:
        it reads the catalog's features (0.2 s at 317k tracks)."""
        behind = self.services.training.behind_on_audio()
        if behind.models:
            self.app.call_from_thread(self._behind_ready, behind)

    def _behind_ready(self, behind: AudioBehind) -> None:
        if self.running is not None:
            return  # a training is under way: its bars and status stand
        self.behind_on_audio = set(behind.models)
        for name in behind.models:
            self.query_one(f"#bar-{name}", StageBar).finish("trained on other features")
        said = learned_from_other_audio(behind.models, "those stored now", behind.gained)
        self.status(f"{said}: ctrl+r trains them again to use them.")

    def _selected(self) -> list[str]:
        chosen = set(self.query_one("#models", SelectionList).selected)
        return [name for name in self.services.training.trainable() if name in chosen]

    def run(self) -> None:
        state = self.app.attempt(self.services.data.state)
        if state is None:
            return  # the app has said why
        if not state.sources:
            self.status("Ingest data first (step 2: escape three times).")
            return
        models = self._selected()
        if not models:
            self.status("Tick at least one model (space).")
            return
        self._train(models, retrain=False)

    def _train(self, models: list[str], retrain: bool) -> None:
        # a saved ranker built on a ticked model trains too (it would not fit a new one): its
        # bar waits, not "not selected", and the status does not say the evaluation runs
        following = self.app.attempt(saved_dependents, self.services.locations, models) or ()
        for bar in self.query(StageBar):
            waits = bar.stage in (*models, *following, "evaluate")
            bar.reset("waiting" if waits else "not selected")
        again = " again" if retrain else ", reusing those trained for this data already"
        self.status(f"Training {', '.join(models)}{again}… (escape cancels)")
        self.training, self.retraining, self.saved = {*models, *following}, retrain, set()
        self.reused, self.moved = [], set()
        self.start_job(JobRequest("setup", models=tuple(models), demo_features=False,
                                  retrain=retrain))

    def _say_what_trains(self) -> None:
        """The models this run trains, without those it found trained already (it names
        them reused), until the first is saved: then what that one's status says."""
        left = [name for name in self.services.training.trainable() if name in self.training]
        again = " again" if self.retraining else ""
        reused = f"{', '.join(self.reused)}: trained for this data already, reused"
        self.status(f"Training {', '.join(left)}{again}… ({reused}; escape cancels)" if left
                    else f"{reused}… (escape cancels)")

    def action_retrain(self) -> None:
        """R: the ticked models trained again from the start (`mpdtui --train --retrain
        --models ...`), after a question: ctrl+r reuses those trained for this data. A retrain
        stopped resumes with R (ctrl+r keeps the trained model)."""
        if self.running is not None or self.jobs.running:
            self.notify("Still running: wait, or press escape to cancel.", severity="warning")
            return
        models = self._selected()
        if not models:
            self.status("Tick the models to train again (space), then R.")
            return
        from mpdtui.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes and self.running is None and not self.jobs.running:
                self._train(models, retrain=True)

        stopped = self.app.attempt(self.services.training.retrains_left) or []
        resuming = [name for name in models if name in stopped]
        question = RETRAIN_QUESTION.format(
            models=", ".join(models),
            start=f" ({', '.join(resuming)}: the retrain that stopped resumes)" if resuming
            else " from the start")
        self.app.push_screen(ConfirmScreen(question), answered)

    def on_resize(self, event: events.Resize) -> None:
        """The terminal made smaller while models train (a pane split): the bar of the stage
        that moved last is scrolled to, as a bar is when its stage starts; it had gone below
        the fold."""
        if self.running is not None and self.latest_bar is not None:
            # once laid out at the new size (the refresh after this one's): before, the bar
            # was in view still, where the step was as tall as the terminal had been
            bar = self.latest_bar
            self.call_after_refresh(self.call_after_refresh, bar.scroll_visible, animate=False)

    def job_event(self, event: Event) -> None:
        stage = getattr(event, "stage", None)
        if (isinstance(event, StageFinished) and event.outcome == "skipped"
                and stage in self.training and not self.saved):
            self.training.discard(stage)
            self.reused.append(stage)
            self._say_what_trains()
        bar = self.query_one(TrainingBars).show_event(event)
        if bar is not None:
            self.moved.add(bar.stage)
            if isinstance(event, StageFinished):
                self.training.discard(bar.stage)
            else:  # the bar that moved last (two-tower's, in a thread beside, says no start)
                self.latest_bar = bar
        if isinstance(event, ModelSaved):
            self.training.discard(event.model)
            self.saved.add(event.model)
            going_on = "the other models train" if self.training else "the evaluation runs"
            # not "with it": the builder serves the best model saved so far, and switches
            # as better ones come
            self.status(f"{event.model} is ready: press ctrl+n to start building playlists "
                        f"while {going_on} (escape cancels the training).")

    def job_finished(self, event: Event) -> None:
        if not isinstance(event, JobFinished):
            self._describe_bars(moved=self.moved)
        if isinstance(event, JobFinished):
            self.show_report(event.summary.get("report"))
            self._scroll_to_evaluation()
            if event.summary.get("trained") or self.retraining:
                self.status("Done. Press ctrl+n to start building playlists.")
            else:  # ctrl+r found them all trained: say how to train them anew
                self.status("Done: the ticked models were trained for this data already (R "
                            "trains them again from the start). Press ctrl+n to start "
                            "building playlists.")
        elif isinstance(event, JobFailed) and event.reason == "user":
            # running it again would fail the same way: say what to fix, beside the models
            skip = (" Or go without it: the data step (f2) asks to ingest the other slices "
                    "without it." if "--skip-bad" in event.message else "")
            again = "" if "run the same command again" in event.message else \
                " Fix it and run it again (ctrl+r);"
            kept = " finished models are kept." if again else " Finished models are kept."
            self.status(f"Training stopped: {event.message}.{skip}{again}{kept}")
        elif self.retraining:
            self._retrain_stopped()
        else:
            self.status("Training stopped; finished models are kept. ctrl+r continues.")

    def _retrain_stopped(self) -> None:
        """What R goes on with: the ticked models not trained again yet (those that were are
        unticked, so that R does not start them over); with none left, ctrl+r trains what is
        built on those trained again (the ranker)."""
        ticked = self.query_one("#models", SelectionList)
        done = [name for name in self._selected() if name in self.saved]
        left = [name for name in self._selected() if name not in self.saved]
        if not left:
            self.status(f"Training stopped after {', '.join(done)} trained again; ctrl+r trains "
                        "the models built on them.")
            return
        for name in done:
            ticked.deselect(name)
        again = f" ({', '.join(done)} trained again: unticked)" if done else ""
        self.status(f"Training stopped; finished models are kept{again}. R goes on training "
                    f"{', '.join(left)} again, resuming where it can.")

    def _scroll_to_evaluation(self) -> None:
        """Bring the evaluation's title to the top, and again as the table and the chart below
        it are laid out, for a moment (a refresh or two later: scrolled once, a short terminal
        showed the title and two rows, since the step could not yet scroll that far)."""
        self.follow_evaluation_until = time.monotonic() + FOLLOW_EVALUATION_S
        self.call_after_refresh(self._keep_evaluation_in_view)

    def _keep_evaluation_in_view(self, *_: object) -> None:
        if self.is_attached and time.monotonic() < self.follow_evaluation_until:
            # (after that the scrolling is the user's; the step may be left meanwhile)
            self.query_one("#eval-title").scroll_visible(animate=False, top=True)

    def action_next(self) -> None:
        """Training may go on in the background once a model is ready; without any model
        the builder would have nothing to suggest: say so, and offer the step that is missing."""
        servable = self.app.attempt(self.services.models.servable) or []
        if isinstance(self.running, JobRequest) and servable:
            self.app.goto_step(self.STEP + 1)
        elif self.running is None and not servable:
            self._offer_missing_step()
        else:
            super().action_next()

    def _offer_missing_step(self) -> None:
        from mpdtui.tui.screens.confirm import ConfirmScreen

        if not self.app.attempt(self.services.data.has_data):
            question = ("There is no data yet, so there is nothing to train on or suggest "
                        "from. Go to the data step?")
            self.app.push_screen(ConfirmScreen(question), self._to_data_step)
            return
        question = ("No model is trained yet, so the builder would have nothing to suggest. "
                    "Train the ticked models now?")
        self.app.push_screen(ConfirmScreen(question), self._train_or_leave)

    def _to_data_step(self, yes: bool | None) -> None:
        if yes:
            self.app.goto_step(1)

    def _train_or_leave(self, train: bool | None) -> None:
        if train:
            self.action_run()
        else:
            self.app.goto_step(self.STEP + 1)

    # --- evaluation ----------------------------------------------------------------------------
    def show_report(self, report: dict[str, Any] | None) -> None:
        self.report = report
        self.refresh_bindings()  # `v` comes with an evaluation
        table = self.query_one("#evaluation", DataTable)
        table.clear(columns=True)
        chart = self.query_one("#chart", MetricChart)
        scored = bool(report and report.get("models"))
        if not report or not scored or not report["n_cases"]:
            self.query_one("#eval-title", Label).update(
                f"No evaluation: {NOTHING_HELD_OUT}." if scored else "No evaluation yet.")
            self.query_one("#eval-lead", Label).update("")
            chart.update("")
            return
        from models.evaluation import table_rows
        from models.leads import HOLD_OUT_MORE, held_out, leads, too_few_to_lead

        fill_overall_first(table, *table_rows(report, self.metric))
        self.query_one("#eval-title", Label).update(
            f"Evaluation: {self.metric} on {held_out(report['n_cases'])} "
            "(v: next metric; tab, then ← → scroll the categories)")
        closest = leads(report, self.metric)[:1]
        lead = f"{closest[0].describe()}." if closest else too_few_to_lead(report, HOLD_OUT_MORE)
        self.query_one("#eval-lead", Label).update(Content(lead))
        chart.show(report, self.metric)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`v` shows another metric: only once there is an evaluation to show."""
        if action == "next_metric":
            return bool(self.report and self.report.get("models") and self.report["n_cases"])
        return super().check_action(action, parameters)

    def action_next_metric(self) -> None:
        metrics = list(self.report.get("metrics", MAIN_METRICS)) if self.report else MAIN_METRICS
        index = metrics.index(self.metric) if self.metric in metrics else -1
        self.metric = metrics[(index + 1) % len(metrics)]
        self.show_report(self.report)

