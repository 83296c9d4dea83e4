"""The catalog's track search: an FTS5 index of every track, and a search head.

Ingest adds tracks to the index in bulk statements, not row by row (per row, the FTS5 prefix
indexes cost as much as everything else an ingest writes): into a new catalog apart, from each
commit's tracks as its slices land, then copied in (`index_search_beside`), else in place after
its slices (`index_search`). So a killed ingest can leave the index behind the tracks;
`index_search` catches up.

The search head holds the most popular tracks by rank (0: the most popular) and an index of
their own whose rowids are those ranks. FTS5 gives a match's rows in rowid order, so there the
first `limit` matches are the most popular and it stops at them; searching every track looks
up each match's popularity instead (~5 us a match, and 1-3 letters match a third of a
catalog). When the head holds fewer matches than asked, every track is searched.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import sys
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from mpdtui.data.sqlite_store import Connection, connect_beside, write_transaction

SEARCH_INDEXED = "search_indexed"
"""Meta key: how many tracks (ids 0 .. n-1) the search index holds. A catalog without the key
predates it and is always current."""
SEARCH_HEAD = "search_head"
"""Meta key: the `finalized` fingerprint at which the search head was ranked; the head serves
searches only while the two are equal."""
SEARCH_HEAD_TRACKS = 20_000
"""How many of the most popular tracks the search head holds."""
SEARCH_BATCH_TRACKS = 50_000
"""While an ingest's slices commit, the index built beside takes their tracks once at least
this many are waiting (fewer, larger inserts: FTS5 writes a segment for each)."""
SEARCH_POLL_SECONDS = 0.5
"""How often the index built beside looks for committed tracks."""
BESIDE_CACHE_KIB = 16_384
"""The page cache for the catalog on the connection that builds the index beside (SQLite's
default is 2 MB): each batch joins its tracks to artists and albums anywhere in the file, and
with 2 MB every page came back through a read call (in an ingest of the MPD-like 20k demo, the
build's thread took 0.9-1.1 CPU-s instead of 1.0-1.6 s; 64 MB saved no more)."""
LOWEST_PRIORITY = 19
"""The nice value of the thread that builds the index beside an ingest."""
SEARCH_HEAD_MIN_TRACKS = 100_000
"""Catalogs with fewer tracks have an empty head: searching them all takes tens of ms."""

_FTS = ("fts5(name, artist, album, content='', tokenize='unicode61 remove_diacritics 2', "
        "prefix='1 2 3', columnsize=0, detail=none)")
"""Contentless (the texts are the tracks'); prefix indexes for the 1-3 letters typed first;
no column sizes, which only bm25 reads (searches rank by popularity; at 317k tracks the build
takes 2.2-2.5 s instead of 2.8-3.1 s); no positions (`detail=none`), which only phrase and
column queries read (searches match words and prefixes anywhere; at 875k tracks the index
takes 22 MB instead of 81 MB and builds in 3.9-5.2 s instead of 5.4-6.8 s, searching as
fast). Catalogs made before keep their tables, searched alike."""
_FTS_WITH_POSITIONS = _FTS.replace(", detail=none", "")
"""The search tables of catalog format version 1."""
_DECLARATIONS = {f"CREATE VIRTUAL TABLE tracks_fts USING {fts}"
                 for fts in (_FTS, _FTS_WITH_POSITIONS)}
"""How SQLite records the search index's declarations of today (of each format version)."""
_CATALOG = "catalog"
"""The catalog's schema name on the connection that builds a search index beside it."""


def search_schema(catalog_version: int) -> str:
    """Run whenever the catalog is opened for writing: catalogs from before the head get it
    (and `rank_stale_search_head` ranks it), with the search tables of their version."""
    fts = _FTS if catalog_version >= 2 else _FTS_WITH_POSITIONS
    return f"""
CREATE VIRTUAL TABLE IF NOT EXISTS tracks_fts USING {fts};
CREATE TABLE IF NOT EXISTS search_head (rank INTEGER PRIMARY KEY, track_id INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS search_head_fts USING {fts};
"""


TRACK_SELECT = """
SELECT t.id, t.uri, t.name, ar.name, ar.uri, al.name, al.uri, t.duration_ms, t.num_playlists
FROM tracks t JOIN artists ar ON ar.id = t.artist_id JOIN albums al ON al.id = t.album_id
"""
"""The columns of a `catalog.Track`, in its order."""

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

_AUTOMERGE = "tracks_fts(tracks_fts, rank) VALUES ('automerge', {})"
_DEFAULT_AUTOMERGE = 4
_WORD = re.compile(r"[^\W_]+")
"""A search word: letters and digits (FTS5's tokenizer parts words at `_` too)."""
APOSTROPHES = str.maketrans("", "", "'\u2019\u2018`\u00b4")
"""Deletes apostrophes as typed or tagged (straight, curly, backtick, acute): `str.translate`."""
_CONTRACTED = re.compile(r"(?<=n)t$|(?:s|m|d|re|ve|ll)$")
"""What may follow an apostrophe at a word's end."""
_PHRASES_REFUSED = "phrase queries are not supported"
"""FTS5's error for a quoted word it reads as two or more, in a table without positions."""


class CatalogAccess(Protocol):
    """What the search needs of `catalog.Catalog` (which imports this module)."""

    db: Connection

    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]: ...
    def scalar(self, sql: str, params: Sequence[object] = ()) -> int | float | str | bytes | None: ...
    def meta(self, key: str) -> str | None: ...
    def transaction(self) -> AbstractContextManager[Connection]: ...


def has_search_words(text: str) -> bool:
    """Whether `text` has a word to search for (a letter or digit): punctuation alone
    ("*", "...") matches no track."""
    return _WORD.search(text) is not None


def search_rows(catalog: CatalogAccess, text: str, limit: int) -> list[tuple]:
    """TRACK_SELECT rows of the tracks matching every word of `text` (as prefixes) in title,
    artist or album, most popular first; short of `limit`, then those matching its words as
    written without apostrophes (`_apostrophes_aside`)."""
    words = _WORD.findall(text.lower())
    rows = _rows_of(catalog, words, limit)
    loose = _apostrophes_aside(text)
    if len(rows) < limit and loose != words:
        found = {row[0] for row in rows}
        rows += [row for row in _rows_of(catalog, loose, limit)
                 if row[0] not in found][:limit - len(rows)]
    return rows


def _apostrophes_aside(text: str) -> list[str]:
    """The words of `text` without apostrophes, each less an ending an apostrophe may have
    parted from it (n't, 's, 'm, 'd, 're, 've, 'll): the index holds "don't" as two words,
    "don" and "t", so "dont" (as people type it) finds it as "don", as "don't" finds "dont"."""
    return [_CONTRACTED.sub("", word) or word
            for word in _WORD.findall(text.lower().translate(APOSTROPHES))]


def _rows_of(catalog: CatalogAccess, words: list[str], limit: int) -> list[tuple]:
    rows = _rows_unless_refused(catalog, words, limit)
    if rows is None:
        rows = _rows_unless_refused(catalog, _older_unicode_words(words), limit)
    return rows or []  # refused again (another SQLite's tables): nothing found, not an error


def _rows_unless_refused(catalog: CatalogAccess, words: list[str], limit: int) -> list[tuple] | None:
    """The tracks matching every word; None when FTS5 refuses one as a phrase (its tokenizer
    parts the word where `_WORD` does not)."""
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


def _older_unicode_words(words: list[str]) -> list[str]:
    """`words` parted also where Unicode 3.2 has no letter or digit. FTS5's tokenizer has
    tables of an older Unicode than Python's: a few letters of today (New Tai Lue's vowel
    signs, two Vedic signs) part a word there, which a table without positions refuses."""
    parted = "".join(char if unicodedata.ucd_3_2_0.category(char)[0] in "LN" else " "
                     for char in " ".join(words))
    return parted.split()


def search_indexed(catalog: CatalogAccess) -> int:
    """How many tracks (the first ids) the search index holds."""
    indexed = catalog.meta(SEARCH_INDEXED)
    return _track_count(catalog) if indexed is None else int(indexed)


def index_search(catalog: CatalogAccess) -> int:
    """Add the tracks not in the search index yet, in one statement (FTS5 builds its segments
    in bulk, in rowid order); returns how many. Ids are dense and only ever appended, so the
    tracks from `search_indexed` on are exactly the missing ones."""
    with catalog.lock:
        start, end = search_indexed(catalog), _track_count(catalog)
        if start >= end:
            return 0
        with catalog.transaction() as db:
            _insert_into_search(db, "", start)
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (SEARCH_INDEXED, str(end)))
        return end - start


@contextmanager
def index_search_beside(catalog: CatalogAccess) -> Iterator[_SearchIndexBeside | None]:
    """While the block runs, fill an empty search index on a connection of its own (a private
    in-memory database with the catalog attached, in a thread), then copy its tables into the
    catalog in one transaction; yields the builder when it does (None: `index_search` is for
    later).

    The block is an ingest on the catalog's own connection: its slices, whose tracks the
    builder takes from each commit (`SEARCH_BATCH_TRACKS` at a time, while the writer waits for
    its parsing processes), then the URI indexes, popularity and the search head, after
    `all_committed` says no more tracks come. SQLite lets one connection write a file at a
    time, and the two take a core each. A failed block interrupts the build and copies
    nothing: the next writer's `index_search` catches up, as after a kill. A failed build is
    done again in place."""
    if not _fills_beside(catalog):
        yield None
        return
    beside = _SearchIndexBeside(catalog)
    thread = threading.Thread(target=beside.fill, name="search-index", daemon=True)
    thread.start()
    try:
        yield beside
    except BaseException:
        beside.abandon()
        thread.join()
        beside.db.close()
        raise
    beside.all_committed()
    thread.join()
    try:
        if beside.error is None:
            beside.copy_in()
    finally:
        beside.db.close()
    if isinstance(beside.error, sqlite3.Error):  # out of memory, say: then the catalog's own way
        index_search(catalog)
    elif beside.error is not None:
        raise beside.error


def _fills_beside(catalog: CatalogAccess) -> bool:
    """An empty index of a declaration of today (the copy is of its tables)."""
    return _declaration(catalog) in _DECLARATIONS and search_indexed(catalog) == 0


def _declaration(catalog: CatalogAccess) -> object:
    return catalog.scalar("SELECT sql FROM sqlite_master WHERE name = 'tracks_fts'")


class _SearchIndexBeside:
    """A search index filled in memory from the catalog's commits, then copied into it."""

    def __init__(self, catalog: CatalogAccess) -> None:
        self.catalog = catalog
        self.db = connect_beside(catalog.db, _CATALOG)
        self.db.execute(f"PRAGMA {_CATALOG}.cache_size = -{BESIDE_CACHE_KIB}")
        self.db.execute(str(_declaration(catalog)).replace("tracks_fts", "main.tracks_fts", 1))
        self.indexed = 0
        self.error: BaseException | None = None
        self._last_commit = threading.Event()
        self._abandoned = False

    def all_committed(self) -> None:
        """No more tracks come: index the rest, then stop."""
        self._last_commit.set()

    def abandon(self) -> None:
        """Stop as soon as possible; the index will not be copied in."""
        self._abandoned = True
        self._last_commit.set()
        self.db.interrupt()

    def fill(self) -> None:
        """Index the committed tracks a batch at a time, then the rest (in the thread)."""
        try:
            _yield_to_the_writer()
            while not self._last_commit.wait(SEARCH_POLL_SECONDS):
                if self._committed_tracks() - self.indexed >= SEARCH_BATCH_TRACKS:
                    self._index_committed()
            if not self._abandoned:
                self._index_committed()
        except BaseException as exc:  # for the ingest's thread
            self.error = exc

    def _committed_tracks(self) -> int:
        """How many tracks the catalog's last commit holds (ids are dense: the largest + 1)."""
        largest = self.db.execute(f"SELECT max(id) FROM {_CATALOG}.tracks").fetchone()[0]
        return 0 if largest is None else int(largest) + 1

    def _index_committed(self) -> None:
        self.db.execute("BEGIN")  # one snapshot of the catalog for the count and the index
        committed = self._committed_tracks()
        _insert_into_search(self.db, f"{_CATALOG}.", self.indexed, committed)
        self.db.execute("COMMIT")
        self.indexed = committed

    def copy_in(self) -> None:
        shadows = [name for (name,) in self.db.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name LIKE 'tracks_fts_%'")]
        with self.catalog.lock, write_transaction(self.db) as db:
            for name in shadows:  # FTS5's own tables: the index is whole in them
                db.execute(f"DELETE FROM {_CATALOG}.{name}")
                db.execute(f"INSERT INTO {_CATALOG}.{name} SELECT * FROM main.{name}")
            db.execute(f"INSERT OR REPLACE INTO {_CATALOG}.meta VALUES (?, ?)",
                       (SEARCH_INDEXED, str(self.indexed)))


def _yield_to_the_writer() -> None:
    """Give this thread the lowest CPU priority (Linux sets it a thread at a time): it builds
    in the time the ingest's writer and parsing processes leave, and they are the ingest's
    pace. Elsewhere, or where the system refuses, it keeps its priority."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)


def _insert_into_search(db: Connection, tracks_schema: str, start: int,
                        end: int = 2**63 - 1) -> None:
    """Add the tracks of ids `start` .. `end` - 1 (of `tracks_schema`: "" or "name.") to the
    search index of `db`'s main schema. FTS5 merges no segments meanwhile, only those it must
    (16 of a level): at 317k-875k tracks the index builds 15-20% faster, and searches as
    fast."""
    db.execute(f"INSERT INTO {_AUTOMERGE.format(0)}")
    at = tracks_schema
    db.execute("INSERT INTO tracks_fts(rowid, name, artist, album) "
               f"SELECT t.id, t.name, ar.name, al.name FROM {at}tracks t "
               f"JOIN {at}artists ar ON ar.id = t.artist_id JOIN {at}albums al ON al.id = t.album_id "
               "WHERE t.id >= ? AND t.id < ? ORDER BY t.id", (start, end))
    db.execute(f"INSERT INTO {_AUTOMERGE.format(_DEFAULT_AUTOMERGE)}")


def rank_search_head(catalog: CatalogAccess, fingerprint: str) -> None:
    """In the caller's transaction, after popularity is counted at `fingerprint`: put the
    SEARCH_HEAD_TRACKS most popular tracks in the search head (none in a catalog of fewer than
    SEARCH_HEAD_MIN_TRACKS), in the order `search_rows` gives."""
    db = catalog.db
    db.execute("DELETE FROM search_head")
    db.execute("INSERT INTO search_head_fts(search_head_fts) VALUES ('delete-all')")
    if _track_count(catalog) >= SEARCH_HEAD_MIN_TRACKS:
        most_popular = db.execute("SELECT id FROM tracks ORDER BY num_playlists DESC, id LIMIT ?",
                                  (SEARCH_HEAD_TRACKS,)).fetchall()
        db.executemany("INSERT INTO search_head VALUES (?, ?)",
                       ((rank, track_id) for rank, (track_id,) in enumerate(most_popular)))
        db.execute("INSERT INTO search_head_fts(rowid, name, artist, album) "
                   "SELECT h.rank, t.name, ar.name, al.name FROM search_head h "
                   "JOIN tracks t ON t.id = h.track_id JOIN artists ar ON ar.id = t.artist_id "
                   "JOIN albums al ON al.id = t.album_id ORDER BY h.rank")
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (SEARCH_HEAD, fingerprint))


def search_head_is_stale(catalog: CatalogAccess) -> bool:
    """Whether the head was ranked at other popularity counts than the catalog's last, or never
    (a catalog from before the head, or one an older mpdtui finalized)."""
    finalized = catalog.meta("finalized")
    return finalized is not None and catalog.meta(SEARCH_HEAD) != finalized


def rank_stale_search_head(catalog: CatalogAccess) -> None:
    """Rank a stale head at the catalog's last counts (for a writer, when it opens it)."""
    if search_head_is_stale(catalog):
        with catalog.transaction():
            rank_search_head(catalog, str(catalog.meta("finalized")))


def _track_count(catalog: CatalogAccess) -> int:
    return int(catalog.scalar("SELECT count(*) FROM tracks") or 0)
