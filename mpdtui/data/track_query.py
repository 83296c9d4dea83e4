"""Searching the catalog's tracks: the words typed, looked up in the search head, then in the
index of every track (`track_search`)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

from mpdtui.data.search_words import legacy_words, older_unicode_words, query_words
from mpdtui.data.track_search import SEARCH_HEAD, TRACK_SELECT, CatalogAccess, holds_index_text

_EVERY_TRACK_SEARCH = f"""{TRACK_SELECT}
WHERE t.id IN (SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH ?)
ORDER BY t.num_playlists DESC, t.id LIMIT ?
"""
_HEAD_SEARCH = f"""
{TRACK_SELECT.replace("FROM tracks t", "FROM search_head h JOIN tracks t ON t.id = h.track_id")}
WHERE h.rank IN (SELECT rowid FROM search_head_fts WHERE search_head_fts MATCH ? ORDER BY rowid LIMIT ?)
AND (SELECT value FROM meta WHERE key = '{SEARCH_HEAD}') = (SELECT value FROM meta WHERE key = 'finalized')
ORDER BY h.rank
"""
"""The most popular matches from the search head, none while it is stale (one statement: the
head and the keys it is checked by come from one snapshot of a catalog being written)."""

APOSTROPHES = str.maketrans("", "", "'\u2019\u2018`\u00b4")
"""Deletes apostrophes as typed or tagged (straight, curly, backtick, acute): `str.translate`."""
_CONTRACTED = re.compile(r"(?<=n)t$|(?:s|m|d|re|ve|ll)$")
"""What may follow an apostrophe at a word's end."""
_PHRASES_REFUSED = "phrase queries are not supported"
"""FTS5's error for a quoted word it reads as two or more, in a table without positions."""


def has_search_words(text: str) -> bool:
    """Whether `text` has a word to search for (a letter, digit or emoji): punctuation alone
    ("*", "...") matches no track."""
    return bool(query_words(text))


def search_rows(catalog: CatalogAccess, text: str, limit: int) -> list[tuple]:
    """TRACK_SELECT rows of the tracks matching every word of `text` (as prefixes) in title,
    artist or album, most popular first; short of `limit`, then those matching its words as
    written without apostrophes (`_apostrophes_aside`)."""
    words_of = query_words if holds_index_text(catalog) else legacy_words
    words = words_of(text)
    rows = _rows_of(catalog, words, limit)
    loose = _apostrophes_aside(text, words_of)
    if len(rows) < limit and loose != words:
        found = {row[0] for row in rows}
        rows += [row for row in _rows_of(catalog, loose, limit)
                 if row[0] not in found][:limit - len(rows)]
    return rows


def _apostrophes_aside(text: str, words_of: Callable[[str], list[str]]) -> list[str]:
    """The words of `text` without apostrophes, each less an ending an apostrophe may have
    parted from it (n't, 's, 'm, 'd, 're, 've, 'll): the index holds "don't" as two words,
    "don" and "t", so "dont" (as people type it) finds it as "don", as "don't" finds "dont"."""
    return [_CONTRACTED.sub("", word) or word
            for word in words_of(text.lower().translate(APOSTROPHES))]


def _rows_of(catalog: CatalogAccess, words: list[str], limit: int) -> list[tuple]:
    rows = _rows_unless_refused(catalog, words, limit)
    if rows is None:
        rows = _rows_unless_refused(catalog, older_unicode_words(words), limit)
    return rows or []  # refused again (another SQLite's tables): nothing found, not an error


def _rows_unless_refused(catalog: CatalogAccess, words: list[str], limit: int) -> list[tuple] | None:
    """The tracks matching every word; None when FTS5 refuses one as a phrase (its tokenizer
    parts the word where Python's Unicode does not)."""
    if not words:
        return []
    try:
        return _matching_rows(catalog, words, limit)
    except sqlite3.OperationalError as exc:
        if _PHRASES_REFUSED not in str(exc):
            raise
        return None


def _matching_rows(catalog: CatalogAccess, words: list[str], limit: int) -> list[tuple]:
    match = " AND ".join(f'"{word}"*' for word in words)
    # the head's first `limit` matches are the catalog's: every other track ranks after it
    rows = catalog.query(_HEAD_SEARCH, (match, limit)) if catalog.meta(SEARCH_HEAD) else []
    if len(rows) < limit:
        rows = catalog.query(_EVERY_TRACK_SEARCH, (match, limit))
    return rows
