"""The training step's rows: a progress bar per stage (data, features, each model, the
evaluation), each model's with a line under it for what happens to the work a stopped training
kept: "continuing from round 16 (...)", "resuming after epoch 17/30", "starting over"."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, ParamSpec, Protocol, TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from mpdtui.pipeline.display import describe_progress, trained_before
from mpdtui.pipeline.events import Event, Notice, StageFinished, StageProgress, StageStarted
from mpdtui.services.training_state import as_configured
from mpdtui.tui.screens.setup_training_text import SETTINGS_CHANGED, SETTINGS_CHANGED_STOPPED
from mpdtui.tui.text import data_text
from mpdtui.tui.widgets.stage_progress import StageProgress as StageBar

if TYPE_CHECKING:
    from mpdtui.services.root import Services

P = ParamSpec("P")
R = TypeVar("R")
RESUMING = "resuming after epoch"
"""How the two-tower model's first report begins when it resumes: said under its bar, since
its next report replaces the bar's words."""


class Attempt(Protocol):
    """The app's `attempt`: a quick service call, None where it failed (and said why)."""

    def __call__(self, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        ...


class TrainingBars(Vertical):
    """One `StageBar` per stage, `#bar-NAME`; under each model's, `#kept-NAME`, shown only
    while it says something."""

    DEFAULT_CSS = """
    TrainingBars > .kept-work {
        display: none; width: 1fr; height: auto; padding-left: 14; color: $text-warning;
    }
    TrainingBars > .kept-work.-said { display: block; }
    """

    def __init__(self, models: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.models = tuple(models)

    def compose(self) -> ComposeResult:
        for stage in ("ingest", "features", *self.models, "evaluate"):
            yield StageBar(stage, id=f"bar-{stage}")
            if stage in self.models:
                yield Label("", id=f"kept-{stage}", classes="kept-work")

    def bar(self, stage: str) -> StageBar:
        return self.query_one(f"#bar-{stage}", StageBar)

    def say_kept(self, model: str, text: str) -> Label | None:
        """The line under `model`'s bar ("" hides it); None for a stage without one."""
        found = self.query(f"#kept-{model}").results(Label)
        line = next(iter(found), None)
        if line is not None:
            line.update(data_text(text))  # from data (a model's words): not markup
            line.set_class(bool(text), "-said")
        return line

    def show_event(self, event: Event) -> StageBar | None:
        """Moves the bar of `event`'s stage; returns it (None: no bar moved). What a model does
        with kept work (a `Notice`, the two-tower model's "resuming after epoch") goes under
        its bar, in view."""
        stage = getattr(event, "stage", None)
        if stage is None or not self.query(f"#bar-{stage}"):
            return None
        bar = self.bar(stage)
        if isinstance(event, Notice):
            if (line := self.say_kept(stage, event.message)) is not None:
                # once laid out: its second row (at 80 columns) had stayed below the fold
                self.call_after_refresh(line.scroll_visible, animate=False)
            return None
        if isinstance(event, StageStarted):
            self.say_kept(stage, "")  # what it said before the run: the run says its own
            bar.show(0, None, "starting…")
            bar.scroll_visible(animate=False)  # below the fold in a short terminal
        elif isinstance(event, StageProgress):
            if event.message.startswith(RESUMING) and (
                    line := self.say_kept(stage, event.message.split(",")[0])) is not None:
                self.call_after_refresh(line.scroll_visible, animate=False)
            bar.show(event.done, event.total, describe_progress(event))
        elif isinstance(event, StageFinished):
            bar.finish(event.message)
        return bar

    def describe(self, services: Services, attempt: Attempt, moved: Collection[str] = (),
                 behind_on_audio: Collection[str] = ()) -> list[str]:
        """What each stage's bar shows outside a run (data, features, models, evaluation); after
        a failed run, on the bars it did not move: one refused at its start had left "0%
        stopped" on models trained for this data, and "not selected" on the data. Returns the
        models a training that did not finish left untrained."""
        bars = {bar.stage: bar for bar in self.query(StageBar) if bar.stage not in moved}
        for bar in bars.values():
            bar.reset("not started")
        if "ingest" in bars and attempt(services.data.has_data):
            bars["ingest"].finish("data ready")
        if "features" in bars:
            if services.locations.features_db.exists():
                bars["features"].finish("imported")
            else:
                bars["features"].reset("none (optional)")
        added = attempt(services.training.added_since_training)
        done = ("trained for this data" if added is None  # the bar leaves a short line
                else trained_before(added, with_tracks=False))
        servable = attempt(services.models.servable) or []
        left = attempt(services.training.left_untrained) or []
        for name in (name for name in servable if name in bars):
            replaced = attempt(services.training.built_on_replaced, name) or []
            earlier = "an earlier " if len(replaced) == 1 else "earlier "
            changed = None if replaced or as_configured(services.locations, name) else (
                SETTINGS_CHANGED_STOPPED if name in left else SETTINGS_CHANGED)
            bars[name].finish(f"built on {earlier}{', '.join(replaced)}: ctrl+r trains it again"
                              if replaced else changed or done)
            if name in behind_on_audio:
                bars[name].finish("trained on other features")
        for name in (name for name in self.models if name in bars and name not in servable):
            self._say_epochs_stopped(services, attempt, name)
        retrains = attempt(services.training.retrains_left) or []
        for name in (name for name in retrains if name in bars):
            self._say_epochs_stopped(services, attempt, name, retrain=True)
        self._say_kept_work(services, attempt, [name for name in self.models if name in bars],
                            [*left, *retrains])
        evaluated = attempt(services.models.evaluated) or set()
        if "evaluate" in bars and servable and set(servable) <= evaluated:
            bars["evaluate"].finish("results below")
        return left

    def _say_kept_work(self, services: Services, attempt: Attempt, models: list[str],
                       stopped: list[str]) -> None:
        """Under the ranker's bar, what its next training does with the rounds a stopped one
        kept ("continues from round 36"), as `info` says; the two-tower model's bar says its
        epochs itself. `stopped`: the models a stopped training or retrain left."""
        for name in models:
            self.say_kept(name, "")
        kept = attempt(services.training.kept_work, stopped) or {}
        if "ranker" in models and "ranker" in kept:
            self.say_kept("ranker", kept["ranker"].removeprefix("ranker "))

    def _say_epochs_stopped(self, services: Services, attempt: Attempt, name: str,
                            retrain: bool = False) -> None:
        """A training of `name` stopped between epochs (the two-tower model's checkpoint):
        ctrl+r resumes after them, not from the start, so the bar says so rather than "not
        started"; a retrain (R) of a model that serves meanwhile, R resumes."""
        stopped = attempt(services.training.epochs_stopped, name)
        if stopped is None:
            return
        done, epochs, resumes = stopped
        if not resumes:  # its settings or data changed since: the next training starts over
            self.bar(name).reset(f"settings or data changed since it stopped after epoch "
                                 f"{done}: {'R' if retrain else 'ctrl+r'} starts it over")
            return
        of = f" of {epochs}" if epochs else ""
        # R retrains every ticked model: the one to resume is ticked alone
        said = (f"retrain at epoch {done}{'/' + str(epochs) if epochs else ''}: tick it alone, "
                "R resumes" if retrain else f"stopped after epoch {done}{of}: ctrl+r resumes it")
        self.bar(name).paused(done, epochs or done + 1, said)
