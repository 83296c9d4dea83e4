"""The model stages: train (or reuse) each model on the training split, then evaluate them.

Each knows whether its output is current for the job's data (`Stage.is_done`) and which
models it is built on (`Stage.waits_for`); the order they run in is `mpdtui.pipeline.stages`,
which of them may overlap `mpdtui.pipeline.overlap`.
"""

from __future__ import annotations

from typing import Any

from models.base import Recommender
from models.checkpoint_run import made_for
from models.model_dir import peek_meta
from models.npz_arrays import arrays_are_whole
from models.registry import DEFAULT_MODELS, model_info
from mpdtui import splits, training
from mpdtui.data.catalog import Catalog
from mpdtui.data.files import FormatVersionError
from mpdtui.data.growth import added_since
from mpdtui.errors import UserError
from mpdtui.pipeline.display import trained_before
from mpdtui.pipeline.events import ModelSaved, Notice
from mpdtui.pipeline.job import Job, Stage
from mpdtui.pipeline.unfinished import checkpoint_epochs, mark_retrained, retrained_before_a_stop


class ModelStage(Stage):
    """Train one model on the training split and save it; readers can serve it at once."""

    def __init__(self, model: str) -> None:
        self.name = self.title = model

    def _overrides(self, job: Job) -> dict[str, Any] | None:
        return job.settings.model_settings.get(self.name)

    def _retrains(self, job: Job) -> bool:
        """`--retrain` for this model: named in `--models`, or any without it. The models a
        named one is built on, and a saved ranker that follows one, train only when not
        current; so does one the same job, stopped, had trained again already."""
        return (job.request.retrain and self.name in (job.request.models or job.asked_models())
                and not retrained_before_a_stop(job.locations, self.name))

    def is_done(self, job: Job) -> bool:
        return (not self._retrains(job)
                and training.model_is_current(job.locations, self.name, job.split().fingerprint,
                                              self._overrides(job))
                and training.audio_is_current(job.locations, self.name, job.training_data))

    def run(self, job: Job) -> str:
        retrain = self._retrains(job)
        self._say_if_starting_over(job)
        model = training.train_model(
            job.locations, self.name, job.training_data(), job.models,
            job.progress(self.name, name_inner=True), job.cancel, retrain, self._overrides(job))
        if retrain:
            mark_retrained(job.locations, self.name)
        job.keep_model(self.name, model, "trained")
        job.emit(ModelSaved(self.name))
        return "trained"

    def _say_if_starting_over(self, job: Job) -> None:
        """A checkpoint made for other settings or data is not resumed: said, as the app's
        bar says it (it started over silently, after `info` had said "continues it")."""
        done = checkpoint_epochs(job.locations, self.name)
        if done is None:
            return
        settings = training.new_model(self.name, {}, self._overrides(job)).settings
        if made_for(job.locations.checkpoint_dir(self.name), job.split().fingerprint,
                    settings) is False:
            job.emit(Notice(self.name, f"settings or data changed since it stopped after epoch "
                                       f"{done}: starting over"))

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
        servable = _servable(job)
        names = job.request.models or servable
        missing = sorted(set(names) - set(servable))
        if not names or missing:
            raise _not_trained_for_this_data(job, missing)
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
        return (training.report_covers(job.locations, saved, job.split().fingerprint, job.models)
                and not _unscored_names(job, job.models))

    def run(self, job: Job) -> str:
        models = self._models(job)
        if job.request.goal != "evaluate":
            models = self._not_scored_yet(job, {**models, **_saved_unscored(job, models)})
        fallback = training.title_fallback(job.locations, job.split().fingerprint,
                                           job.training_data(), job.models)
        report = training.evaluate_models(
            job.locations, models, progress=job.progress(self.name, "playlists"),
            cancel=job.cancel, force=True, fallback=fallback, save=job.request.save)
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


def _saved_unscored(job: Job, models: dict[str, Recommender]) -> dict[str, Recommender]:
    """The models saved whole for this data, besides `models`, that the saved report does not
    score as saved now (`_unscored_names`), loaded."""
    wanted = _unscored_names(job, models)
    for name in training.with_components(wanted):
        if name not in job.models:
            job.models[name] = training.load_model(job.locations, name, job.training_data(),
                                                   job.models)
    return {name: job.models[name] for name in wanted}


def _unscored_names(job: Job, models: dict[str, Recommender]) -> list[str]:
    """Those a training stopped before its evaluation had saved: a later `--train --models
    popularity` scored popularity alone, and the default became popularity, "the best", over
    the ALS never scored."""
    fingerprint = job.split().fingerprint
    try:
        scored = training.current_results(job.locations, training.load_report(job.locations),
                                          fingerprint)
    except FormatVersionError:
        scored = set()
    return [name for name in training.servable_for(job.locations, fingerprint)
            if name not in models and name not in scored and _saved_whole(job, name)]


def _saved_whole(job: Job, name: str) -> bool:
    """Built on the models as saved now, its arrays whole (a damaged one is trained again)."""
    folder = job.locations.model_dir(name)
    return (training.built_on_models_as_saved(job.locations, peek_meta(folder))
            and arrays_are_whole(folder / "arrays.npz"))


def _not_trained_for_this_data(job: Job, missing: list[str]) -> UserError:
    """Why `missing` (none: any model) cannot be scored: never trained, or trained before
    playlists were added, when they serve on but the evaluation is of the data as it is now."""
    grown, added = _trained_before_growth(job)
    if grown and set(missing) <= set(grown):
        named = missing or grown
        serve = "serves" if len(named) == 1 else "serve"
        return UserError(f"{', '.join(named)} {serve} on, {trained_before(added)}; the "
                         f"evaluation scores models on the data as it is now: `{_training(named)}` "
                         "trains them on these too, then scores them")
    if missing:
        return UserError(f"not trained for this data: {', '.join(missing)}: run "
                         f"`{_training(missing)}`")
    return UserError("no trained model to evaluate: run `mpdtui --train` first")


def _training(names: list[str]) -> str:
    """The command that trains `names`: a plain `--train` leaves out some (the blend)."""
    if set(names) <= set(DEFAULT_MODELS):
        return "mpdtui --train"
    return f"mpdtui --train --models {' '.join(names)}"


def _trained_before_growth(job: Job) -> tuple[list[str], tuple[int, int]]:
    """The models trained on the data before playlists were added to it, and (playlists,
    tracks) added since; ([], (0, 0)) when there are none."""
    split = splits.serving_split(job.locations)
    if split is None or split.earlier is None:
        return [], (0, 0)
    with Catalog.open(job.locations) as catalog:
        added = added_since(catalog, split.earlier)
    return training.saved_for(job.locations, split.fingerprint), added


def _servable(job: Job) -> list[str]:
    split = splits.current_split(job.locations)
    if split is None:
        return []
    return training.servable_for(job.locations, split.fingerprint)
