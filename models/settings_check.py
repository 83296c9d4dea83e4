"""Whether settings given for a model (config.json's `model_settings`, `create_model`) can train.

A value must have the type of the setting's default (a whole number where the default is one; a
list where it is a tuple) and a sensible size. Settings of the same name mean the same across
models (`learning_rate`, `candidates`, `epochs`), so their bounds are kept here by name: every
number is at least 0, the counts and rates below at least 1 (above 0), the shares at most 1.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

POSITIVE = frozenset({
    "factors", "iterations", "neighbours", "dim", "epochs", "batch_size", "learning_rate",
    "examples_per_playlist", "min_steps_per_epoch", "max_seeds", "max_val_playlists",
    "min_track_count", "word_vocab", "char_vocab", "max_words", "max_trigrams", "candidates",
    "grid_step", "val_playlists", "max_cases", "negatives", "min_data_in_leaf", "max_rounds",
    "early_stopping", "truncation", "val_fraction", "valid_share", "num_leaves"})
"""Counts and rates a model cannot train with at 0."""
AT_MOST_ONE = frozenset({"bm25_b", "name_dropout", "val_fraction", "valid_share", "grid_step"})
"""Shares of a whole."""
AT_LEAST = {"num_leaves": 2}
"""Where the least value is more than 1 (LightGBM's trees need two leaves)."""
CHOICES = {"weighting": ("bm25", "cosine")}


def setting_problems(defaults: Any, overrides: Mapping[str, Any]) -> list[str]:
    """What is wrong with `overrides` of the settings dataclass instance `defaults`, one phrase
    per setting ('setting factors: expected a whole number, got "many"', values as JSON writes
    them); [] when they can be used."""
    known = {f.name: getattr(defaults, f.name) for f in dataclasses.fields(defaults)}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        return [f"has no setting {', '.join(unknown)} (its settings are "
                f"{', '.join(known) or 'none'})"]
    problems = []
    for name, value in overrides.items():
        problem = _value_problem(name, known[name], value)
        if problem:
            problems.append(f"setting {name}: {problem}, got {json.dumps(value)}")
    return problems


def _value_problem(name: str, default: Any, value: Any) -> str | None:
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "expected true or false"
    if isinstance(default, int | float):
        return _number_problem(name, default, value)
    if isinstance(default, str):
        if not isinstance(value, str):
            return "expected text"
        choices = CHOICES.get(name)
        return f"expected one of {', '.join(choices)}" if choices and value not in choices else None
    if isinstance(default, tuple):
        return _list_problem(name, default, value)
    return None


def _number_problem(name: str, default: int | float, value: Any) -> str | None:
    whole = isinstance(default, int)
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
        return "expected a whole number" if whole else "expected a number"
    if whole and value < (least := AT_LEAST.get(name, 1 if name in POSITIVE else 0)):
        return f"expected at least {least}"
    if not whole and name in POSITIVE and value <= 0:
        return "expected a number above 0"
    if value < 0:
        return "expected at least 0"
    if name in AT_MOST_ONE and value > 1:
        return "expected at most 1"
    return None


def _list_problem(name: str, default: tuple[Any, ...], value: Any) -> str | None:
    if not isinstance(value, list | tuple) or not value:
        return "expected a list that is not empty"
    if default and any(_value_problem(name, default[0], item) for item in value):
        kind = "whole numbers of at least 0" if isinstance(default[0], int) else "text"
        return f"expected a list of {kind}"
    return None
