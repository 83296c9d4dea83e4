"""One track's audio features for people: "128 BPM · A minor (8A) · energy 0.82"."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mpdtui.audio.keys import UNKNOWN, camelot, codes_of, key_name
from mpdtui.data.track_features import TrackFeatures

DETAIL_FEATURES = ("danceability", "valence", "acousticness", "instrumentalness")


@dataclass(frozen=True)
class TrackAudio:
    tempo: float | None
    key_code: int  # `mpdtui.audio.keys` code, -1 when unknown
    energy: float | None
    details: tuple[tuple[str, float], ...] = ()  # (name, 0..1) of DETAIL_FEATURES that are known

    @property
    def key(self) -> str:
        """"A minor" ("" when unknown)."""
        return key_name(self.key_code)

    @property
    def camelot(self) -> str:
        """"8A" ("" when unknown)."""
        return camelot(self.key_code)

    def bpm_text(self) -> str:
        return "" if self.tempo is None else f"{self.tempo:.0f}"

    def key_text(self) -> str:
        """Compact, for table columns: "Am 8A"."""
        if self.key_code == UNKNOWN:
            return ""
        return f"{key_name(self.key_code, short=True)} {self.camelot}"

    def energy_text(self) -> str:
        return "" if self.energy is None else f"{self.energy:.2f}"

    def describe(self) -> str:
        """Everything known, in words: "128 BPM · A minor (8A) · energy 0.82 · danceability 0.61"."""
        return " · ".join(self.describe_parts())

    def describe_parts(self) -> list[str]:
        """`describe`'s parts, most telling first: ["128 BPM", "A minor (8A)", "energy 0.82"]."""
        parts = [f"{self.tempo:.0f} BPM"] if self.tempo is not None else []
        if self.key_code != UNKNOWN:
            parts.append(f"{self.key} ({self.camelot})")
        if self.energy is not None:
            parts.append(f"energy {self.energy:.2f}")
        return parts + [f"{name} {value:.2f}" for name, value in self.details]

    def as_json(self) -> dict[str, Any]:
        return {"tempo": None if self.tempo is None else round(self.tempo, 1),
                "key": self.key or None, "camelot": self.camelot or None,
                "energy": self.energy, **dict(self.details)}


def track_audio(features: TrackFeatures) -> list[TrackAudio | None]:
    """One `TrackAudio` per track (None for a track without features)."""
    codes = codes_of(features["key"], features["mode"]).tolist()
    known = features.known.tolist()
    tempo, energy = _optional(features["tempo"]), _optional(features["energy"])
    details = {name: _optional(features[name]) for name in DETAIL_FEATURES}
    return [TrackAudio(tempo[i], codes[i], _rounded(energy[i]),
                       tuple((name, round(value, 3)) for name, values in details.items()
                             if (value := values[i]) is not None))
            if known[i] else None for i in range(len(features))]


def _optional(values: np.ndarray) -> list[float | None]:
    return [None if math.isnan(value) else value for value in values.astype(np.float64).tolist()]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
