"""The trained models: which ones serve the current data, the default, each loaded once (what
training left to do for them: `services.training_state`)."""

from __future__ import annotations

import threading
from typing import Any

from models.base import FALLBACK_MODEL, Recommender, link_fallbacks
from models.dataset import Dataset
from models.model_dir import META_JSON, not_trained, peek_meta
from models.registry import MODEL_NAMES, SERVING_ORDER, model_class
from mpdtui import splits, training
from mpdtui.data.files import FormatVersionError
from mpdtui.errors import UserError
from mpdtui.locations import Locations
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

    def serving_split(self) -> splits.Split | None:
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
        split = self.serving_split()
        if split is None:
            return []
        return training.servable_for(self.locations, split.fingerprint)

    def unservable(self) -> list[str]:
        """Models saved for this data that cannot serve (`training.servable_for`): `--train`
        trains them again."""
        split = self.serving_split()
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
        split = self.serving_split()
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
                split = self.serving_split()
                if split is None:
                    raise UserError(splits.STALE_MODELS)
                self._data = splits.training_dataset(self.locations, split,
                                                     self._catalog.feature_matrix)
            return self._data

    def evaluation(self) -> dict[str, Any] | None:
        """The last evaluation report (`training.load_report`), None before one."""
        return training.load_report(self.locations)

    def forget(self) -> None:
        """Drop loaded models, the data and the servable list: a job changed them."""
        with self._lock:
            self._models.clear()
            self._data = None
            self._servable, self._split_read = None, False

