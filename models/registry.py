"""Every model by name, imported only when asked for (so TensorFlow loads only for two-tower).

Each model class takes `settings` (a frozen dataclass) in `__init__` and keeps it as
`self.settings`; `create_model(name, factors=64)` overrides some of the defaults.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

from models.base import Recommender

_MODELS: dict[str, tuple[str, str]] = {
    "popularity": ("models.popularity", "PopularityRecommender"),
    "title": ("models.title", "TitleRecommender"),
    "item_knn": ("models.knn", "ItemKNNRecommender"),
    "als": ("models.als", "ALSRecommender"),
    "two_tower": ("models.two_tower", "TwoTowerRecommender"),
    "blend": ("models.blend", "BlendRecommender"),
    "ranker": ("models.ranker", "RankerRecommender"),
}

MODEL_NAMES: tuple[str, ...] = tuple(_MODELS)
"""All model names, baselines first."""


class UnknownModelError(ValueError):
    """A model name or setting that does not exist."""


def model_class(name: str) -> type[Recommender]:
    """The class of model `name`, importing its module now."""
    if name not in _MODELS:
        raise UnknownModelError(f"unknown model '{name}': choose from {', '.join(MODEL_NAMES)}")
    module, attribute = _MODELS[name]
    return getattr(importlib.import_module(module), attribute)


def default_settings(name: str) -> dict[str, Any]:
    """Model `name`'s settings and their defaults, as a JSON-able dict."""
    return dataclasses.asdict(model_class(name)().settings)


def create_model(name: str, **settings: Any) -> Recommender:
    """A new, untrained model `name`; keyword arguments override its default settings."""
    cls = model_class(name)
    model = cls()
    if not settings:
        return model
    known = {f.name for f in dataclasses.fields(model.settings)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise UnknownModelError(
            f"model '{name}' has no setting {', '.join(unknown)}: "
            f"its settings are {', '.join(sorted(known)) or 'none'}"
        )
    return cls(settings=dataclasses.replace(model.settings, **settings))
