"""Playlist-name normalisation shared by the catalog, the title model and the two-tower model."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces: "Chill Vibes!!" -> "chill
    vibes". A name of no words is read by its symbols: "🔥🔥🔥" -> "🔥", "🌴☀️" -> "🌴 ☀"."""
    return words_only(name) or _symbols(name)


def words_only(name: str) -> str:
    """The words of a name, normalised ("" for "🔥🔥🔥" or "!!!")."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = _NOT_WORD.sub(" ", without_marks).replace("_", " ")
    return _SPACES.sub(" ", words).strip()


def _symbols(name: str) -> str:
    """The emoji and other symbols of a name, each a word, each once, in order; without what
    only styles them (variation selectors, skin tones, joiners). Emoji-only names are about 1%
    of the MPD's, and they say something: "🎄", "😴", "🔥"."""
    return " ".join(dict.fromkeys(ch for ch in name if unicodedata.category(ch) == "So"))
