"""Filters on audio features, written the way people say them.

    tempo 150-170          a range, ends included ("150..170", "150 to 170", "150-170 bpm")
    tempo >= 150           a comparison: > >= < <= =
    tempo 128              about: within the feature's tolerance (128 ± 3 BPM); "tempo ~128" too
    tempo 128 ± 5          within that much of it ("128 +- 5", "128 +/- 5")
    energy > 0.7           features from 0 to 1 also take percentages: energy > 70%
    duration < 4:00        durations as m:ss or seconds
    key 8A                 a Camelot code or a key name: key A minor, key Am, key F#, key Bb major
    key 8A 9A              any of these keys
    key ~8A                the key or one that mixes with it (7A, 9A, 8B)
    acoustic               a word: acoustic, instrumental, live, spoken, danceable, energetic,
                           happy, sad, major, minor ("mode minor"); "not acoustic" for the opposite

Terms are separated by commas (or "and"); a track must match all of them. A track without
the feature a term asks about never matches it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mpdtui.audio.keys import camelot, codes_of, key_name, neighbours, parse_key
from mpdtui.data.feature_rows import BOUNDS
from mpdtui.data.track_features import TrackFeatures
from mpdtui.errors import UserError
from mpdtui.printable import quoted


class FilterError(UserError):
    """A filter that cannot be read; the message names the term and what would work."""


@dataclass(frozen=True)
class Feature:
    column: str
    names: tuple[str, ...]
    unit: str  # "BPM", "dB", "unit" (0..1), "duration" (stored in ms)
    about: float  # the tolerance of a bare value, in the column's own unit


FEATURES = (
    Feature("tempo", ("tempo", "bpm"), "BPM", 3.0),
    Feature("energy", ("energy",), "unit", 0.05),
    Feature("danceability", ("danceability", "dance"), "unit", 0.05),
    Feature("valence", ("valence", "mood"), "unit", 0.05),
    Feature("acousticness", ("acousticness",), "unit", 0.05),
    Feature("instrumentalness", ("instrumentalness",), "unit", 0.05),
    Feature("speechiness", ("speechiness",), "unit", 0.05),
    Feature("liveness", ("liveness",), "unit", 0.05),
    Feature("loudness", ("loudness", "loud"), "dB", 1.0),
    Feature("duration_ms", ("duration", "length", "time"), "duration", 10_000.0),  # "Time": the tables
)
_BY_NAME = {name: feature for feature in FEATURES for name in feature.names}

# word -> (column, low, high, include ends); thresholds from Spotify's feature documentation
# where it gives one (acoustic, instrumental, live, spoken), else the upper or lower 30%
WORDS: dict[str, tuple[str, float, float]] = {
    "acoustic": ("acousticness", 0.5, math.inf),
    "instrumental": ("instrumentalness", 0.5, math.inf),
    "live": ("liveness", 0.8, math.inf),
    "spoken": ("speechiness", 0.66, math.inf),
    "danceable": ("danceability", 0.7, math.inf),
    "energetic": ("energy", 0.7, math.inf),
    "happy": ("valence", 0.7, math.inf),
    "sad": ("valence", -math.inf, 0.3),
    "major": ("mode", 1.0, 1.0),
    "minor": ("mode", 0.0, 0.0),
}
_OPPOSITES = {"major": "minor", "minor": "major"}
_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?::\d{1,2})?\s*(?:%|bpm|db|s|sec|min)?"
_COMPARISON = re.compile(rf"^([a-z_]+)?\s*(>=|<=|=>|=<|==|>|<|=|≥|≤)\s*({_NUMBER})$")
_RANGE = re.compile(rf"^([a-z_]+)?\s*({_NUMBER})\s*(?:-|\.\.|–|to)\s*({_NUMBER})$")
_BARE = re.compile(rf"^([a-z_]+)\s+(?:~|about\s|around\s)?\s*({_NUMBER})$")
_PLUS_MINUS = re.compile(rf"^([a-z_]+)\s+({_NUMBER})\s*(?:±|\+-|\+/-)\s*({_NUMBER})$")
_SEPARATORS = re.compile(r"\s*(?:,|;|\band\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Condition:
    """`low <= column <= high` (or strict), or a key among `keys` when `column` is "key"."""

    column: str
    low: float = -math.inf
    high: float = math.inf
    strict_low: bool = False
    strict_high: bool = False
    keys: tuple[int, ...] = ()
    label: str = ""

    def mask(self, features: TrackFeatures) -> np.ndarray:
        """Which tracks match (False wherever the feature is unknown)."""
        if self.column == "key":
            return np.isin(features.derived("key_code", key_codes), self.keys)
        values = features[self.column]
        above = values > self.low if self.strict_low else values >= self.low
        below = values < self.high if self.strict_high else values <= self.high
        return above & below


@dataclass(frozen=True)
class AudioFilter:
    conditions: tuple[Condition, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.conditions)

    def mask(self, features: TrackFeatures) -> np.ndarray:
        """Tracks matching every condition."""
        matches = np.ones(len(features), dtype=bool)
        for condition in self.conditions:
            matches &= condition.mask(features)
        return matches

    def features(self) -> frozenset[str]:
        """The feature columns the filter reads ("tempo", "key", "mode", …)."""
        return frozenset(condition.column for condition in self.conditions)

    def describe(self) -> str:
        """The filter as mpdtui understood it: "tempo 150-170 BPM, energy > 0.7"."""
        return ", ".join(condition.label for condition in self.conditions)


def key_codes(features: TrackFeatures) -> np.ndarray:
    return codes_of(features["key"], features["mode"])


def parse_filter(texts: str | Iterable[str]) -> AudioFilter:
    """Every term of `texts` (one string or several, e.g. repeated --filter options)."""
    if isinstance(texts, str):
        texts = [texts]
    terms = [term for text in texts for term in _SEPARATORS.split(text) if term.strip()]
    return AudioFilter(tuple(parse_term(term) for term in terms))


def parse_term(term: str) -> Condition:
    text = " ".join(term.lower().split())
    text = re.sub(r"^mode (major|minor)$", r"\1", text)  # Spotify's name for it
    negated = re.match(r"^(?:not|no|!|-)\s*([a-z]+)$", text)
    if text in WORDS or (negated and negated.group(1) in WORDS):
        return _word(negated.group(1) if negated else text, negated is not None)
    if text.split(" ")[0] in ("key", "camelot"):
        return _key(term, text.partition(" ")[2])
    if _camelot_like(text) and parse_key(text) is not None:  # a bare "8A"
        return _key(term, text)
    for pattern, build in ((_COMPARISON, _comparison), (_PLUS_MINUS, _plus_minus), (_RANGE, _range),
                           (_BARE, _about)):
        found = pattern.match(text)
        if found:
            return build(term, *found.groups())
    raise FilterError(f"filter {quoted(term.strip())}: {_HOW}")


_HOW = ("write a feature and a value, e.g. 'tempo 150-170', 'energy > 0.7', 'key 8A', or a word "
        "(" + ", ".join(WORDS) + "); features: " + ", ".join(f.names[0] for f in FEATURES)
        + ", key")


def _camelot_like(text: str) -> bool:
    return bool(re.match(r"^\d", text))


def _word(word: str, negated: bool) -> Condition:
    if negated and word in _OPPOSITES:
        word = _OPPOSITES[word]
        negated = False
    column, low, high = WORDS[word]
    if not negated:
        return Condition(column, low, high, label=word)
    if math.isinf(high):
        return Condition(column, high=low, strict_high=True, label=f"not {word}")
    return Condition(column, low=high, strict_low=True, label=f"not {word}")


def _key(term: str, spec: str) -> Condition:
    spec = spec.strip()
    near = spec.startswith(("~", "near "))
    spec = spec.removeprefix("~").removeprefix("near ").strip()
    whole = parse_key(spec)
    parsed = [whole] if whole is not None else [parse_key(part) for part in re.split(r"[\s/|]+", spec)]
    codes = [code for code in parsed if code is not None]
    if not codes or len(codes) != len(parsed):
        raise FilterError(f"filter {quoted(term.strip())}: a key is a Camelot code (8A, 12B) or a name "
                          "(A minor, Am, F#, Bb major); 'key ~8A' adds the keys that mix with it")
    keys = tuple(dict.fromkeys(c for code in codes for c in (neighbours(code) if near else [code])))
    named = " ".join(f"{camelot(code)} ({key_name(code)})" for code in codes)
    label = f"key {named}" + (" or a key that mixes with it" if near else "")
    return Condition("key", keys=keys, label=label)


def _feature(term: str, name: str | None) -> Feature:
    if name is None:  # "150-170 bpm": the unit names the feature
        if "bpm" in term.lower():
            return _BY_NAME["tempo"]
        raise FilterError(f"filter {quoted(term.strip())}: which feature? e.g. 'tempo {term.strip()}'")
    if name not in _BY_NAME:
        raise FilterError(f"filter {quoted(term.strip())}: unknown feature {quoted(name)}; {_HOW}")
    return _BY_NAME[name]


def _comparison(term: str, name: str | None, op: str, value: str) -> Condition:
    feature = _feature(term, name)
    number = _value(term, feature, value)
    op = {"=>": ">=", "=<": "<=", "≥": ">=", "≤": "<=", "==": "="}.get(op, op)
    if op == "=":
        return _around(feature, number)
    low, high = BOUNDS[feature.column]
    if (op == ">" and number >= high) or (op == "<" and number <= low):  # matches no track
        raise FilterError(f"filter {quoted(term.strip())}: no track's {feature.names[0]} is "
                          f"{'above' if op == '>' else 'below'} {_show(feature, number)}: "
                          f"{_runs(feature)}")
    label = f"{feature.names[0]} {op} {_show(feature, number)}"
    if op.startswith(">"):
        return Condition(feature.column, low=number, strict_low=op == ">", label=label)
    return Condition(feature.column, high=number, strict_high=op == "<", label=label)


def _range(term: str, name: str | None, first: str, second: str) -> Condition:
    feature = _feature(term, name)
    low, high = sorted((_value(term, feature, first), _value(term, feature, second)))
    return Condition(feature.column, low, high, label=_range_label(feature, low, high))


def _plus_minus(term: str, name: str, value: str, tolerance: str) -> Condition:
    feature = _feature(term, name)
    number = _value(term, feature, value)
    within = abs(_value(term, feature, tolerance, bounded=False))
    return _within(feature, number - within, number + within)


def _about(term: str, name: str, value: str) -> Condition:
    feature = _feature(term, name)
    return _around(feature, _value(term, feature, value))


def _around(feature: Feature, number: float) -> Condition:
    """A bare value (or `=`) means about that much: within the feature's tolerance."""
    return _within(feature, number - feature.about, number + feature.about)


def _within(feature: Feature, low: float, high: float) -> Condition:
    """A value give or take, kept to what the feature can be: "duration 4" (seconds) is
    0:00-0:14, not "-1:54 to 0:14"; "energy 1" 0.95-1."""
    low, high = max(low, BOUNDS[feature.column][0]), min(high, BOUNDS[feature.column][1])
    return Condition(feature.column, low, high, label=_range_label(feature, low, high))


_UNITS = {"BPM": ("", "bpm"), "dB": ("", "db"), "unit": ("", "%"), "duration": ("", "s", "sec", "min")}


def _value(term: str, feature: Feature, text: str, bounded: bool = True) -> float:
    """A number in the column's own unit: 70% -> 0.7, 3:30 -> 210000 ms; `bounded`: one the
    feature can be (a tolerance need not: "tempo 128 ± 500")."""
    text = text.strip()
    unit = re.sub(r"^[-\d.:\s]+", "", text)
    digits = text[:len(text) - len(unit)].strip()
    if unit not in _UNITS[feature.unit] or (":" in digits and feature.unit != "duration"):
        raise FilterError(f"filter {quoted(term.strip())}: {quoted(text)} is not a value of "
                          f"{feature.names[0]} ({_UNIT_HINTS[feature.unit]})")
    number = _duration_ms(term, digits, unit) if feature.unit == "duration" else float(digits)
    if unit == "%":
        number /= 100
    if not bounded:
        return number
    if feature.unit == "unit" and unit != "%" and 1 < number <= 100 \
            and number.is_integer():  # a percentage meant
        raise FilterError(f"filter {quoted(term.strip())}: {feature.names[0]} runs from 0 to 1 "
                          f"(write {number / 100:g} or {number:g}%)")
    if feature.unit in ("BPM", "duration") and number < 0:
        raise FilterError(f"filter {quoted(term.strip())}: {feature.names[0]} is never below 0 "
                          f"(write it in {_UNIT_HINTS[feature.unit]}, e.g. "
                          f"{quoted(term.strip().replace(text, text.lstrip('-'), 1))})")
    low, high = BOUNDS[feature.column]
    if not low <= number <= high:  # "tempo > 400" would match no track, and say nothing
        raise FilterError(f"filter {quoted(term.strip())}: {_runs(feature)}, not {text}")
    return number


def _runs(feature: Feature) -> str:
    """"tempo runs from 0 to 300 BPM": what the feature can be (what imports keep)."""
    low, high = BOUNDS[feature.column]
    ends = {"BPM": f"{low:g} to {high:g} BPM", "dB": f"{low:g} to {high:g} dB (most tracks -60 to 0)",
            "unit": f"{low:g} to 1 (0% to 100%)", "duration": "0:00 to a day (1440:00)"}
    return f"{feature.names[0]} runs from {ends[feature.unit]}"


def _duration_ms(term: str, digits: str, unit: str) -> float:
    if ":" in digits:
        minutes, seconds = digits.split(":")
        if int(seconds) > 59:
            raise FilterError(f"filter {quoted(term.strip())}: {digits} has {int(seconds)} seconds; "
                              f"write m:ss with 00-59 seconds, e.g. "
                              f"{int(minutes) + int(seconds) // 60}:{int(seconds) % 60:02d}")
        return (int(minutes) * 60 + int(seconds)) * 1000.0
    return float(digits) * (60_000.0 if unit == "min" else 1000.0)


_UNIT_HINTS = {"BPM": "beats per minute", "dB": "decibels, e.g. -8", "unit": "0 to 1, or a %",
               "duration": "m:ss or seconds"}


def _show(feature: Feature, value: float) -> str:
    if feature.unit == "duration":
        seconds = round(value / 1000)
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{value:g}"


def _range_label(feature: Feature, low: float, high: float) -> str:
    """"tempo 150-170 BPM", "loudness -10 to -5 dB"."""
    dash = " to " if low < 0 or high < 0 else "-"
    unit = f" {feature.unit}" if feature.unit in ("BPM", "dB") else ""
    return f"{feature.names[0]} {_show(feature, low)}{dash}{_show(feature, high)}{unit}"
