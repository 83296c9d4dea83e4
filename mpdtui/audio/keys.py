"""Musical keys: Spotify's (pitch class, mode) pairs, their names and their Camelot codes.

Spotify gives `key` as a pitch class (0 = C, 1 = C#/Db, ..., 11 = B; -1 when no key was
detected) and `mode` (1 = major, 0 = minor). The Camelot wheel numbers the keys 1-12 around
the circle of fifths, `B` for major and `A` for minor: C major is 8B, A minor (its relative
minor) is 8A, G major is 9B.

**Key clash.** Two neighbouring tracks clash when both have a known key and their Camelot
codes are neither equal, nor one step apart on the wheel with the same letter (8A-9A, 12B-1B),
nor the same number with the other letter (relative major/minor, 8A-8B). A track without a
detected key clashes with nothing.

Codes are also handled as integers, `2 * (number - 1) + (0 for A, 1 for B)` (0..23), and -1
for an unknown key, so that whole arrays compare at once.
"""

from __future__ import annotations

import re

import numpy as np

UNKNOWN = -1
MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")
_PITCHES = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_CAMELOT = re.compile(r"^(1[0-2]|[1-9])\s*([ab])$", re.IGNORECASE)
_NAMED = re.compile(r"^([a-g])\s*([#♯]|b|♭)?\s*(m|min|minor|maj|major)?$", re.IGNORECASE)


def camelot_number(pitch: int, major: bool) -> int:
    """1..12 on the wheel: C major and A minor are 8, each fifth up adds one."""
    tonic = pitch if major else (pitch + 3) % 12  # a minor key shares its relative major's number
    return (7 * tonic + 7) % 12 + 1


def code_of(pitch: float, mode: float) -> int:
    """The integer code of one key (-1 when the key or mode is unknown)."""
    if not (np.isfinite(pitch) and np.isfinite(mode)) or not 0 <= pitch <= 11:
        return UNKNOWN
    major = mode >= 0.5
    return 2 * (camelot_number(int(pitch), major) - 1) + int(major)


def codes_of(pitch: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """Integer codes of whole arrays (NaN, -1 or out-of-range keys give -1)."""
    pitch, mode = np.asarray(pitch), np.asarray(mode)
    known = (pitch >= 0) & (pitch <= 11) & np.isfinite(mode)  # NaN compares False
    major = (mode >= 0.5).astype(np.int8)
    codes = _CODE_TABLE[major, np.where(known, pitch, 0).astype(np.int8)]
    return np.where(known, codes, UNKNOWN)


_CODE_TABLE = np.array([[code_of(p, mode) for p in range(12)] for mode in (0, 1)], dtype=np.int16)
"""[mode, pitch] -> code."""


def camelot(code: int) -> str:
    """"8A" for code 14; "" when unknown."""
    if code < 0:
        return ""
    return f"{code // 2 + 1}{'B' if code % 2 else 'A'}"


def key_name(code: int, short: bool = False) -> str:
    """"A minor" (or "Am" when `short`), "Db major" (or "Db"); "" when unknown."""
    if code < 0:
        return ""
    number, major = code // 2 + 1, bool(code % 2)
    pitch = next(p for p in range(12) if camelot_number(p, major) == number)
    if major:
        return MAJOR_NAMES[pitch] if short else f"{MAJOR_NAMES[pitch]} major"
    return f"{MINOR_NAMES[pitch]}m" if short else f"{MINOR_NAMES[pitch]} minor"


def compatible(a: int, b: int) -> bool:
    """Whether two keys mix without a clash (see the module docstring)."""
    return not bool(clashes(np.array([a]), np.array([b]))[0])


def clashes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise (or broadcast) key clash between code arrays `a` and `b`."""
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    known = (a >= 0) & (b >= 0)
    same_letter = (a % 2) == (b % 2)
    steps = np.abs(a // 2 - b // 2)
    wheel_distance = np.minimum(steps, 12 - steps)
    fits = (same_letter & (wheel_distance <= 1)) | (~same_letter & (wheel_distance == 0))
    return known & ~fits


def neighbours(code: int) -> tuple[int, ...]:
    """The key itself and the keys that mix with it: one step either way, and its relative."""
    number, letter = code // 2, code % 2
    return (code, 2 * ((number - 1) % 12) + letter, 2 * ((number + 1) % 12) + letter,
            2 * number + (1 - letter))


def parse_key(text: str) -> int | None:
    """"8A", "8a", "A minor", "Am", "F#", "Bb major", "C# min" -> a code; None if not a key."""
    text = " ".join(text.strip().split())
    found = _CAMELOT.match(text)
    if found:
        return 2 * (int(found.group(1)) - 1) + (found.group(2).lower() == "b")
    found = _NAMED.match(text)
    if not found:
        return None
    letter, accidental, quality = found.groups()
    pitch = _PITCHES[letter.lower()]
    if accidental in ("#", "♯"):
        pitch += 1
    elif accidental in ("b", "♭"):
        pitch -= 1
    minor = quality is not None and quality.lower() in ("m", "min", "minor")
    return code_of(pitch % 12, 0 if minor else 1)
