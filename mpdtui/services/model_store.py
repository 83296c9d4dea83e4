"""The trained models: which ones serve the current data, the default, each loaded once."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from models.base import FALLBACK_MODEL, Recommender, link_fallbacks
from models.checkpoint_run import made_for
from models.dataset import Dataset, rows_with_audio
from models.model_dir import META_JSON, not_trained, peek_meta
from models.registry import DEFAULT_MODELS, MODEL_NAMES, SERVING_ORDER, model_class
from mpdtui import config, splits, training
from mpdtui.data.files import FormatVersionError
from mpdtui.data.growth import added_since
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.pipeline.lock import is_locked
from mpdtui.pipeline.unfinished import checkpoint_epochs, ranker_kept, unfinished_models
from mpdtui.services.catalog import CatalogService


class ModelStore:
    """Loads each servable model once (thread-safe); a model built on others (the ranker, the
    blend) gets the very objects this store serves, so they are in memory once."""

    def __init__(self, locations: Locations, catalog: CatalogService) -> None:
        self.locations, self._catalog = locations, catalog
        self._lock = threading.RLock()
        self._models: dict[str, Recommender] = {}
        self._data: Dataset | None = None
        self._servable: list[str] | None = None
        self._split: splits.Split | None = None
        self._split_read = False

    def _serving_split(self) -> splits.Split | None:
        """`splits.serving_split`, read once like the servable models (`forget`): the default
        is asked for on every suggestion."""
        with self._lock:
            if not self._split_read:
                self._split, self._split_read = splits.serving_split(self.locations), True
            return self._split

    def servable(self) -> list[str]:
        """Trained models that match the current data, in the order of `MODEL_NAMES`.

        Kept until a job changes the data or the models (`forget`): every suggestion asks."""
        with self._lock:
            if self._servable is None:
                self._servable = self._find_servable()
            return list(self._servable)

    def _find_servable(self) -> list[str]:
        split = self._serving_split()
        if split is None:
            return []
        return training.servable_for(self.locations, split.fingerprint)

    def unservable(self) -> list[str]:
        """Models saved for this data that cannot serve (`training.servable_for`): `--train`
        trains them again."""
        split = self._serving_split()
        if split is None:
            return []
        servable = set(self.servable())
        return [name for name in training.saved_for(self.locations, split.fingerprint)
                if name not in servable]

    def damaged(self) -> list[str]:
        """Models whose meta.json is there but unreadable (or not of that model): what data
        they were trained on is unknown, so neither `servable` nor `unservable` lists them;
        `--train --models NAME` replaces them."""
        return [name for name in MODEL_NAMES
                if (self.locations.model_dir(name) / META_JSON).exists()
                and peek_meta(self.locations.model_dir(name)).get("model") != name]

    def signature(self) -> tuple[float, ...]:
        """Changes when a model is saved or evaluated (by any process; the evaluation names
        the default): the builder polls it."""
        paths = [self.locations.model_dir(name) / META_JSON for name in MODEL_NAMES]
        times = []
        for path in (*paths, self.locations.evaluation_json):
            try:
                times.append(path.stat().st_mtime)
            except OSError:
                times.append(0.0)
        return tuple(times)

    def default(self) -> str | None:
        """The servable model that scored best in the evaluation of this data (overall
        R-precision), ties going to the first in `SERVING_ORDER`; without any score, the first
        of `SERVING_ORDER` that is servable. A model saved since its score keeps its place by
        that score until it is scored again: a retrain (`--retrain --models als`, the ranker
        then), under way or stopped, does not hand the default to the next best for a while,
        only the evaluation that follows it changes it (`scores` and `mpdtui info` still say
        the model is not evaluated as saved now)."""
        scores = self._evaluated_scores(saved_since=True)
        servable = self.servable()
        ranked = [name for name in SERVING_ORDER if name in servable]
        if any(name in scores for name in ranked):
            return max((name for name in ranked if name in scores), key=scores.__getitem__)
        return next(iter(ranked), None)

    def evaluated(self) -> set[str]:
        """The servable models whose evaluation is that of the model as saved now."""
        return set(self.scores())

    def held_out(self) -> int | None:
        """The playlists the last evaluation scored the models on (None: none yet)."""
        try:
            report = training.load_report(self.locations)
        except FormatVersionError:
            return None
        return None if report is None else int(report["n_cases"])

    def scores(self) -> dict[str, float]:
        """Overall R-precision of the servable models evaluated as saved now."""
        servable = set(self.servable())
        return {name: score for name, score in self._evaluated_scores().items()
                if name in servable}

    def _evaluated_scores(self, saved_since: bool = False) -> dict[str, float]:
        """Overall R-precision of the models this data's evaluation scored as saved now (and,
        `saved_since`, of those saved again since: their predecessor's)."""
        try:
            report = training.load_report(self.locations)
        except FormatVersionError:
            return {}
        split = self._serving_split()
        if not report or split is None or report.get("fingerprint") != split.fingerprint:
            return {}
        current = (training.current_results(self.locations, report, split.fingerprint)
                   if "model_tokens" in report else set(report.get("models", {})))
        # no score where nothing was held out (data of a few playlists): None
        return {name: float(score) for name, result in report.get("models", {}).items()
                if (saved_since or name in current)
                and (score := result["overall"]["r_precision"]) is not None}

    def model(self, name: str) -> Recommender:
        """A trained model, loaded once and kept; its components are this store's models."""
        with self._lock:
            if name not in self._models:
                needed = model_class(name)().components_needed()
                if needed and not (self.locations.model_dir(name) / META_JSON).exists():
                    # said before its components' loading asks for one of those instead
                    raise not_trained(self.locations.model_dir(name), name)
                loaded = {n: self.model(n) for n in needed}
                model = training.load_model(self.locations, name, self.training_data(), loaded)
                if FALLBACK_MODEL in self.servable() and name != FALLBACK_MODEL:
                    link_fallbacks({name: model, FALLBACK_MODEL: self.model(FALLBACK_MODEL)})
                self._models[name] = model
            return self._models[name]

    def training_data(self) -> Dataset:
        """The training split the models learned from (loaded once)."""
        with self._lock:
            if self._data is None:
                split = self._serving_split()
                if split is None:
                    raise UserError(splits.STALE_MODELS)
                self._data = splits.training_dataset(self.locations, split,
                                                     self._catalog.feature_matrix)
            return self._data

    def added_since_training(self) -> tuple[int, int] | None:
        """(playlists, tracks) added to the data since the serving models were trained on it:
        they serve on without them until trained again. None: trained on the data as it is (or
        no model serves)."""
        split = self._serving_split()
        if split is None or split.earlier is None or not self.servable():
            return None
        return added_since(self._catalog.catalog(), split.earlier)

    def _tracks_with_audio(self) -> int:
        """The catalog's tracks with audio features now (`Dataset.tracks_with_audio`)."""
        read = self._catalog.feature_matrix()
        return rows_with_audio(None if read is None else read[0])

    def behind_on_audio(self) -> training.AudioBehind:
        """The serving models that learned from other audio features than the catalog's now
        (imported or downloaded since): `--train` trains them again (`training.audio_is_current`)."""
        behind = training.behind_on_audio(self.locations, self._tracks_with_audio)
        return replace(behind, models=[name for name in behind.models if name in self.servable()])

    def left_untrained(self) -> list[str]:
        """The models a training that did not finish was asked for and did not save for this
        data ([] after one that finished, and while one runs: `pipeline.unfinished`), and
        those it asked for that serve but are built on a model saved anew since (the ranker
        of a `--retrain --models als` stopped in it) or were saved with other settings than
        config.json's (a training for new ones stopped): `--train` trains them again."""
        asked = unfinished_models(self.locations)
        if not asked or is_locked(self.locations):
            return []
        servable, behind = set(self.servable()), set(self.behind_on_audio().models)
        return [name for name in asked if name not in servable or self.built_on_replaced(name)
                or not as_configured(self.locations, name) or name in behind]

    def built_on_replaced(self, name: str) -> list[str]:
        """The models saved model `name` (a ranker, a blend) is built on that were saved anew
        since (`--retrain --models als`, stopped before the ranker): `--train` trains it again
        (`training.built_on_models_as_saved`)."""
        built_on = peek_meta(self.locations.model_dir(name)).get("component_tokens") or {}
        return [component for component, token in built_on.items()
                if training.model_token(self.locations, component) != token]

    def retrains_left(self) -> list[str]:
        """Saved models whose `--retrain` stopped before it saved the new one (the saved one
        serves; `--train --retrain --models NAME` continues it), while no job runs."""
        stopped = [name for name in self.servable()
                   if training.retrain_stopped(self.locations, name)]
        return [] if not stopped or is_locked(self.locations) else stopped

    def epochs_stopped(self, name: str) -> tuple[int, int | None, bool] | None:
        """(epochs done, epochs set, whether the next training resumes after them) of a
        training of `name` that stopped between epochs (the two-tower model's checkpoint,
        `models.tf_checkpoints`); None without one. The epochs set are config.json's, else the
        model's default (None: it has no such setting); early stopping may end it before them.
        A checkpoint made for other settings or data (`models.checkpoint_run`) is not resumed:
        the training starts over."""
        directory = self.locations.checkpoint_dir(name)
        done = checkpoint_epochs(self.locations, name)
        try:
            overrides = config.read(self.locations, check_models=False).model_settings
        except (FormatVersionError, OSError, UserError):
            return None
        if done is None:
            return None
        try:
            settings = training.new_model(name, {}, overrides.get(name)).settings
        except (ValueError, TypeError):  # settings that cannot train: said when it starts
            return None
        split = splits.current_split(self.locations)
        resumes = made_for(directory, split.fingerprint if split is not None else None, settings)
        epochs = getattr(settings, "epochs", None)
        return done, epochs if type(epochs) is int else None, resumes is not False

    def kept_work(self, left: list[str]) -> dict[str, str]:
        """What the next training of `left` (models a stopped one left) does with the work it
        kept: "two_tower resumes after epoch 2 of 30", or "starts over" with why, as that
        training will say."""
        said = {name: _epochs_text(name, *stopped) for name in left
                if (stopped := self.epochs_stopped(name)) is not None}
        if "ranker" in left and (ranker := self._ranker_kept(left)):
            said["ranker"] = ranker
        return said

    def _ranker_kept(self, left: list[str]) -> str:
        """The ranker's part of `kept_work` ("" where it kept nothing)."""
        kept = ranker_kept(self.locations)
        if kept is None or not any(kept[:2]):
            return ""
        try:
            overrides = config.read(self.locations, check_models=False).model_settings
            model = training.new_model("ranker", {}, overrides.get("ranker"))
        except (FormatVersionError, OSError, UserError, ValueError, TypeError):
            return ""
        split = splits.current_split(self.locations)
        cases, rounds, audio = kept
        if made_for(self.locations.checkpoint_dir("ranker"),
                    split.fingerprint if split is not None else None, model.settings) is False:
            return "ranker starts over, as its settings or data changed since it stopped"
        if audio is not None and audio != self._tracks_with_audio():
            return "ranker starts over, as the audio features changed since it stopped"
        retrained = [name for name in left if name in model.components_needed()]
        if retrained:
            return f"ranker starts over, on the {', '.join(retrained)} trained again first"
        return ("ranker continues from " + (f"round {rounds}" if rounds else
                                            f"the candidates of {cases:,} validation playlists"))

    @staticmethod
    def trainable() -> tuple[str, ...]:
        """The models a plain `--train` trains, in training order."""
        return DEFAULT_MODELS

    def evaluation(self) -> dict[str, Any] | None:
        """The last evaluation report (`training.load_report`), None before one."""
        return training.load_report(self.locations)

    def forget(self) -> None:
        """Drop loaded models, the data and the servable list: a job changed them."""
        with self._lock:
            self._models.clear()
            self._data = None
            self._servable, self._split_read = None, False


def _epochs_text(name: str, done: int, epochs: int | None, resumes: bool) -> str:
    """"two_tower resumes after epoch 2 of 30", or why it starts over."""
    if not resumes:
        return (f"{name} starts over, as its settings or data changed since it stopped after "
                f"epoch {done}")
    return f"{name} resumes after epoch {done}" + (f" of {epochs}" if epochs else "")


def as_configured(locations: Locations, name: str) -> bool:
    """Whether the saved model `name` that serves has config.json's settings for it now (else
    `--train` trains it again); settings that cannot be read or cannot train: taken as its own,
    `--train` says why."""
    split = splits.serving_split(locations)
    try:
        overrides = config.read(locations, check_models=False).model_settings
        return split is None or training.model_is_current(locations, name, split.fingerprint,
                                                          overrides.get(name))
    except (UserError, OSError, ValueError, TypeError):
        return True
