"""The model stages: train (or reuse) each model on the training split, then evaluate them.

Each knows whether its output is current for the job's data (`Stage.is_done`) and which
models it is built on (`Stage.waits_for`); the order they run in is `mpdtui.pipeline.stages`,
which of them may overlap `mpdtui.pipeline.overlap`.
"""

from __future__ import annotations

from typing import Any

from models.base import Recommender
from models.registry import MODEL_NAMES, model_info
from mpdtui import splits, training
from mpdtui.data.files import FormatVersionError
from mpdtui.errors import UserError
from mpdtui.pipeline.events import ModelSaved
from mpdtui.pipeline.job import Job, Stage


class ModelStage(Stage):
    """Train one model on the training split and save it; readers can serve it at once."""

    def __init__(self, model: str) -> None:
        self.name = self.title = model

    def _overrides(self, job: Job) -> dict[str, Any] | None:
        return job.settings.model_settings.get(self.name)

    def _retrains(self, job: Job) -> bool:
        """`--retrain` for this model: named in `--models`, or any without it. The models a
        named one is built on, and a saved ranker that follows one, train only when not
        current."""
        return job.request.retrain and self.name in (job.request.models or job.asked_models())

    def is_done(self, job: Job) -> bool:
        return not self._retrains(job) and training.model_is_current(
            job.locations, self.name, job.split().fingerprint, self._overrides(job))

    def run(self, job: Job) -> str:
        model = training.train_model(
            job.locations, self.name, job.training_data(), job.models,
            job.progress(self.name, name_inner=True), job.cancel, self._retrains(job),
            self._overrides(job))
        job.keep_model(self.name, model, "trained")
        job.emit(ModelSaved(self.name))
        return "trained"

    def skip(self, job: Job) -> str:
        model = training.load_model(job.locations, self.name, job.training_data(), job.models)
        job.keep_model(self.name, model, "reused")
        return "already trained for this data"

    def may_run_beside(self, job: Job) -> bool:
        return model_info(self.name).trains_beside

    def waits_for(self, other: Stage, job: Job) -> bool:
        """Another model only when built on it (the ranker, the blend); any other stage (the
        data, the split) always."""
        if not isinstance(other, ModelStage):
            return True
        return other.name in training.components_of(self.name, self._overrides(job))


class EvaluateStage(Stage):
    """Score the models on the held-out playlists, the RecSys Challenge 2018 way."""

    name, title = "evaluate", "evaluation"

    def _models(self, job: Job) -> dict[str, Recommender]:
        if job.request.goal != "evaluate":
            return job.models
        names = job.request.models or _servable(job)
        if not names:
            raise UserError("no trained model to evaluate: run `mpdtui --train` first")
        missing = sorted(set(names) - set(_servable(job)))
        if missing:
            raise UserError(f"not trained for this data: {', '.join(missing)}: run "
                            "`mpdtui --train`")
        for name in training.with_components(names):
            job.models[name] = training.load_model(job.locations, name, job.training_data(),
                                                   job.models)
        return {n: job.models[n] for n in names}

    def is_done(self, job: Job) -> bool:
        if job.request.goal == "evaluate" or job.summary.trained:
            return False
        try:
            saved = training.load_report(job.locations)
        except FormatVersionError:
            return False  # damaged, or of another version: evaluated again
        return training.report_covers(job.locations, saved, job.split().fingerprint, job.models)

    def run(self, job: Job) -> str:
        models = self._models(job)
        if job.request.goal != "evaluate":
            models = self._not_scored_yet(job, models)
        fallback = training.title_fallback(job.locations, job.split().fingerprint,
                                           job.training_data(), job.models)
        report = training.evaluate_models(
            job.locations, models, progress=job.progress(self.name, "playlists"),
            cancel=job.cancel, force=True, fallback=fallback)
        # `mpdtui evaluate --models als` shows als; the saved report keeps the others' too
        job.summary.report = (training.only_models(report, list(models))
                              if job.request.goal == "evaluate" and job.request.models else report)
        return "done"

    def skip(self, job: Job) -> str:
        job.summary.report = training.load_report(job.locations)
        return "already evaluated for this data"

    @staticmethod
    def _not_scored_yet(job: Job, models: dict[str, Recommender]) -> dict[str, Recommender]:
        """Those of `models` whose saved results do not score them as saved now (the ranker
        trained again, not the retrievers it reused); the report keeps the others'."""
        try:
            saved = training.load_report(job.locations)
        except FormatVersionError:
            return models
        current = training.current_results(job.locations, saved, job.split().fingerprint)
        return {name: model for name, model in models.items() if name not in current} or models


def _servable(job: Job) -> list[str]:
    split = splits.current_split(job.locations)
    if split is None:
        return []
    return [n for n in MODEL_NAMES
            if training.saved_model_fingerprint(job.locations, n) == split.fingerprint]
