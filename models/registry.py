"""Every model by name, imported only when asked for (so TensorFlow loads only for two-tower).

Each model class takes `settings` (a frozen dataclass) in `__init__` and keeps it as
`self.settings`; `create_model(name, factors=64)` overrides some of the defaults.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from models.settings_check import setting_problems

if TYPE_CHECKING:  # the CLI's option lists read this module before any model is needed
    from models.base import Recommender
    from models.dataset import Dataset


@dataclass(frozen=True)
class ModelInfo:
    """What the app needs to know about a model without importing it."""

    name: str
    module: str
    attribute: str
    serving_priority: int
    """Which model serves when no evaluation chooses (lowest first)."""
    trained_by_default: bool = True
    """Whether `--train` (and the setup's training step) trains it unasked."""
    trains_beside: bool = False
    """Its training keeps one to two cores busy for long (TensorFlow's steps): a job trains it
    in a background thread, beside the models that are not built on it."""
    summary: str = ""
    """What it suggests, in words a new user understands (the app's training step, README)."""


MODELS: tuple[ModelInfo, ...] = (
    ModelInfo("popularity", "models.popularity", "PopularityRecommender", 6,
              summary="the songs in the most playlists: a baseline"),
    ModelInfo("title", "models.title", "TitleRecommender", 5,
              summary="songs of playlists named like yours"),
    ModelInfo("item_knn", "models.knn", "ItemKNNRecommender", 4,
              summary="songs often in the same playlists as yours"),
    ModelInfo("als", "models.als", "ALSRecommender", 2,
              summary="taste patterns learned from all playlists"),
    ModelInfo("two_tower", "models.two_tower", "TwoTowerRecommender", 3, trains_beside=True,
              summary="a neural net learning from names, songs, sound"),
    # the ranker's predecessor: a weighted mix, trained when asked for
    ModelInfo("blend", "models.blend", "BlendRecommender", 1, trained_by_default=False,
              summary="mixes the other models' picks (the ranker's forerunner)"),
    ModelInfo("ranker", "models.ranker", "RankerRecommender", 0,
              summary="ranks the other models' picks (the default)"),
)
"""Every model, in training order (a model built on others comes after them)."""
_BY_NAME = {info.name: info for info in MODELS}

MODEL_NAMES: tuple[str, ...] = tuple(_BY_NAME)
"""All model names, baselines first."""
DEFAULT_MODELS: tuple[str, ...] = tuple(i.name for i in MODELS if i.trained_by_default)
"""Models `--train` trains, in training order."""
SERVING_ORDER: tuple[str, ...] = tuple(i.name for i in sorted(MODELS,
                                                              key=lambda i: i.serving_priority))
"""The default model's order when there is no evaluation to choose by."""


class ModelClass(Protocol):
    """A model class as the registry hands it out (the module is imported by name, so this is
    the contract each model class keeps): made from its settings dataclass (one built on others
    also takes `components`, the ranker its validation `cases`), or loaded from a directory
    (again with `components` for one built on others)."""

    name: str
    version: int

    def __call__(self, settings: Any = None, **parts: Any) -> Recommender: ...

    def load(self, directory: Path, data: Dataset, **parts: Any) -> Recommender: ...


class UnknownModelError(ValueError):
    """A model name or setting that does not exist."""


def model_info(name: str) -> ModelInfo:
    if name not in _BY_NAME:
        raise UnknownModelError(f"unknown model '{name}': choose from {', '.join(MODEL_NAMES)}")
    return _BY_NAME[name]


def model_class(name: str) -> ModelClass:
    """The class of model `name`, importing its module now."""
    info = model_info(name)
    return getattr(importlib.import_module(info.module), info.attribute)


def default_settings(name: str) -> dict[str, Any]:
    """Model `name`'s settings and their defaults, as a JSON-able dict."""
    return dataclasses.asdict(model_class(name)().settings)


def check_settings(name: str, overrides: Mapping[str, Any]) -> None:
    """UnknownModelError saying what is wrong with settings given for model `name` (its
    defaults' types and sizes, `models.settings_check`; components that are retrievers)."""
    problems = setting_problems(model_class(name)().settings, overrides)
    components = overrides.get("components")
    retrievers = [n for n in MODEL_NAMES if n not in ("blend", "ranker")]
    if not problems and components is not None and not set(components) <= set(retrievers):
        problems.append(f"setting components: expected some of {', '.join(retrievers)}, got "
                        f"{json.dumps(list(components))}")
    if problems:
        raise UnknownModelError(f"model '{name}' {'; '.join(problems)}")


def create_model(name: str, **settings: Any) -> Recommender:
    """A new, untrained model `name`; keyword arguments override its default settings."""
    cls = model_class(name)
    model = cls()
    if not settings:
        return model
    check_settings(name, settings)
    return cls(settings=dataclasses.replace(model.settings, **settings))
