"""What the track search index holds of a text, and the words a search looks for.

FTS5's tokenizer parts words at spaces and punctuation, and read emoji as punctuation: "🔥"
found nothing. A script written without spaces (Chinese, Japanese, Thai, ...) made each run
one word, which a search found only from its start ("杰倫" missed "周杰倫"). Here each
character of such a run or of emoji (with the marks written on it) is a word of its own, and
so is each pair of neighbours; a search looks for the pairs of what is typed (a character
alone: itself), so it finds them anywhere in a run, in order. Other text is left to the
tokenizer, whose categories (`TOKEN_CATEGORIES`) keep emoji and marks in words: Thai's vowel
signs had parted its words too.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator

TOKEN_CATEGORIES = "L* N* Co So Mn Mc"
"""The Unicode categories of the characters FTS5's tokenizer keeps in words (its default,
"L* N* Co", reads emoji (So) and marks (Mn, Mc) as spaces)."""
_TOKEN_CATEGORIES = ("Co", "So", "Mn", "Mc")
_MARKS = ("Mn", "Mc")
"""Marks written on the character before them (enclosing marks, Me, part words, as in FTS5)."""
_FOLDED = dict.fromkeys([*range(0xFE00, 0xFE10), *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080),
                         0x200D])
"""Deleted as if not there: variation selectors ("❤️" is "❤"), skin tones, emoji tags and the
zero-width joiner of emoji sequences (`str.translate`)."""
_UNSPACED = ((0x0E00, 0x0EFF),  # Thai, Lao
             (0x1000, 0x109F),  # Myanmar
             (0x1100, 0x11FF),  # Hangul jamo
             (0x1780, 0x17FF),  # Khmer
             (0x2E80, 0x2FDF),  # CJK radicals
             (0x3005, 0x3007),  # 々〆〇
             (0x3040, 0x312F),  # Hiragana, Katakana, Bopomofo
             (0x3130, 0x318F),  # Hangul compatibility jamo
             (0x31A0, 0x31FF),  # Bopomofo extended, Katakana extensions
             (0x3400, 0x4DBF),  # CJK extension A
             (0x4E00, 0x9FFF),  # CJK
             (0xA960, 0xA97F),  # Hangul jamo extended A
             (0xAC00, 0xD7FF),  # Hangul syllables, jamo extended B
             (0xF900, 0xFAFF),  # CJK compatibility
             (0xFF66, 0xFF9F),  # halfwidth Katakana
             (0x20000, 0x3FFFF))  # CJK extensions B-H
"""Scripts whose words are written without spaces between them (Korean's are spaced, but take
endings: "방탄소년단의"), as code point ranges."""
_MAY_PART = re.compile("[{}\u0e00-\U0010ffff]".format("".join(
    char for char in map(chr, range(0x0E00)) if unicodedata.category(char) == "So")))
"""Where text has none of these, `index_text` leaves it as it is (Latin with accents, say)."""
_WORD = re.compile(r"[^\W_]+")
"""A search word in an index made before `search_words` (no marks; see `legacy_words`)."""


def index_text(text: str) -> str:
    """What the index holds for `text` (a title, artist or album): the text, with each run of
    unspaced characters or emoji as its characters and its pairs of neighbours, parted by
    spaces."""
    if text.isascii() or not _MAY_PART.search(text):
        return text
    parts = []
    for unspaced, piece in _pieces(text):
        parts.append(" ".join(dict.fromkeys(piece + _pairs(piece))) if unspaced else piece[0])
    return " ".join(parts)


def query_words(text: str) -> list[str]:
    """The words to look for (each as a prefix) in a typed `text`: its words, and the pairs of
    neighbours of each run of unspaced characters or emoji (one alone: itself)."""
    words: list[str] = []
    for unspaced, piece in _pieces(text.lower()):
        words += (_pairs(piece) or piece) if unspaced else _words(piece[0])
    return list(dict.fromkeys(words))


def legacy_words(text: str) -> list[str]:
    """The words to look for in an index made before `index_text`: letters and digits (FTS5's
    tokenizer parts words at `_` too)."""
    return _WORD.findall(text.lower())


def older_unicode_words(words: list[str]) -> list[str]:
    """`words` parted also where Unicode 3.2 has no word character. FTS5's tokenizer has tables
    of an older Unicode than Python's: a few letters of today (New Tai Lue's vowel signs, two
    Vedic signs) part a word there, which a table without positions refuses."""
    parted = "".join(char if _is_word_char(char, unicodedata.ucd_3_2_0.category(char)) else " "
                     for char in " ".join(words))
    return parted.split()


def _pieces(text: str) -> Iterator[tuple[bool, list[str]]]:
    """`text` as its runs of unspaced characters (True, each character with its marks) and
    the text between them (False, one string)."""
    units: list[str] = []
    spaced: list[str] = []
    for char in text.translate(_FOLDED):
        category = unicodedata.category(char)
        if _is_unspaced(char, category):
            if spaced:
                yield False, ["".join(spaced)]
                spaced = []
            units.append(char)
        elif units and category in _MARKS:
            units[-1] += char
        else:
            if units:
                yield True, units
                units = []
            spaced.append(char)
    if units:
        yield True, units
    if spaced:
        yield False, ["".join(spaced)]


def _is_unspaced(char: str, category: str) -> bool:
    if category == "So":
        return True
    point = ord(char)
    return point >= 0x0E00 and category[0] in "LN" and any(
        low <= point <= high for low, high in _UNSPACED)


def _pairs(units: list[str]) -> list[str]:
    return [first + second for first, second in itertools.pairwise(units)]


def _words(text: str) -> list[str]:
    """The words of spaced text, as the tokenizer parts them (`TOKEN_CATEGORIES`)."""
    parted = "".join(char if _is_word_char(char, unicodedata.category(char)) else " "
                     for char in text)
    return parted.split()


def _is_word_char(char: str, category: str) -> bool:
    return category[0] in "LN" or category in _TOKEN_CATEGORIES
