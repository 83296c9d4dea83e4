"""Playlist-name normalisation shared by the catalog, the title model and the two-tower model."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces: "Chill Vibes!!" -> "chill vibes"."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = _NOT_WORD.sub(" ", without_marks).replace("_", " ")
    return _SPACES.sub(" ", words).strip()
