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
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from mpdtui.data.search_words import TOKEN_CATEGORIES, index_text
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

SEARCH_VERSION = 3
"""The catalog format version from which the search tables hold `index_text` (emoji and
unspaced scripts as words) parted by `TOKEN_CATEGORIES`; an older catalog is reindexed by its
next writer (`reindex_older_search`)."""

_FTS = ("fts5(name, artist, album, content='', "
        f"tokenize=\"unicode61 remove_diacritics 2 categories '{TOKEN_CATEGORIES}'\", "
        "prefix='1 2 3', columnsize=0, detail=none)")
"""Contentless (the texts are the tracks'); prefix indexes for the 1-3 letters typed first;
no column sizes, which only bm25 reads (searches rank by popularity; at 317k tracks the build
takes 2.2-2.5 s instead of 2.8-3.1 s); no positions (`detail=none`), which only phrase and
column queries read (searches match words and prefixes anywhere; at 875k tracks the index
takes 22 MB instead of 81 MB and builds in 3.9-5.2 s instead of 5.4-6.8 s, searching as
fast). Catalogs made before keep their tables, searched alike."""
_FTS_OF_WORDS = ("fts5(name, artist, album, content='', tokenize='unicode61 remove_diacritics 2', "
                 "prefix='1 2 3', columnsize=0, detail=none)")
"""The search tables of catalog format version 2 (of the texts as they are)."""
_FTS_WITH_POSITIONS = _FTS_OF_WORDS.replace(", detail=none", "")
"""The search tables of catalog format version 1."""
_DECLARATION = f"CREATE VIRTUAL TABLE tracks_fts USING {_FTS}"
"""How SQLite records the search index's declaration of today."""
_INDEX_TEXT = "search_text"
"""The SQL function of `index_text` (`register_search_text`)."""
_INDEXED_TEXTS = ", ".join(
    f"CASE WHEN length(CAST({t}.name AS BLOB)) = length({t}.name) THEN {t}.name "
    f"ELSE {_INDEX_TEXT}({t}.name) END" for t in ("t", "ar", "al"))
"""What the search tables take of a track joined to its artist `ar` and album `al`: ASCII as
it is (as `index_text` gives it, without a call into Python for each: at 317k tracks the
build took 1.5 CPU-s instead of 1.2)."""
_CATALOG = "catalog"
"""The catalog's schema name on the connection that builds a search index beside it."""


def search_schema(catalog_version: int) -> str:
    """Run whenever the catalog is opened for writing: catalogs from before the head get it
    (and `rank_stale_search_head` ranks it), with the search tables of their version."""
    fts = {1: _FTS_WITH_POSITIONS, 2: _FTS_OF_WORDS}.get(catalog_version, _FTS)
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

_AUTOMERGE = "tracks_fts(tracks_fts, rank) VALUES ('automerge', {})"
_DEFAULT_AUTOMERGE = 4


class CatalogAccess(Protocol):
    """What the search needs of `catalog.Catalog` (which imports this module)."""

    db: Connection

    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]: ...
    def scalar(self, sql: str, params: Sequence[object] = ()) -> int | float | str | bytes | None: ...
    def meta(self, key: str) -> str | None: ...
    def transaction(self) -> AbstractContextManager[Connection]: ...


def holds_index_text(catalog: CatalogAccess) -> bool:
    """Whether the search tables hold `index_text` (else, of an older catalog, the texts)."""
    return int(catalog.meta("version") or SEARCH_VERSION) >= SEARCH_VERSION



def register_search_text(db: Connection) -> None:
    """Give `db` the SQL function that inserts into the search tables use (`index_text`)."""
    db.create_function(_INDEX_TEXT, 1, index_text, deterministic=True)


def reindex_older_search(catalog: CatalogAccess,
                         on_start: Callable[[], object] | None = None) -> bool:
    """For a writer, once: replace the search tables of a catalog of a format version before
    SEARCH_VERSION by today's, index every track (and the head) in them and record the
    version, in one transaction (its readers search the old tables until it commits; MPD-like
    demo, 317k tracks: about 2 s). `on_start` is called as the work starts (a catalog that
    cannot be written fails before). Whether it did."""
    if holds_index_text(catalog):
        return False
    with catalog.lock, catalog.transaction() as db:
        # the first write: a catalog that cannot be written fails here, before it is said
        db.execute("UPDATE meta SET value = ? WHERE key = 'version'", (str(SEARCH_VERSION),))
        if on_start is not None:
            on_start()
        for table in ("tracks_fts", "search_head_fts"):
            db.execute(f"DROP TABLE IF EXISTS {table}")
            db.execute(f"CREATE VIRTUAL TABLE {table} USING {_FTS}")
        _insert_into_search(db, "", 0)
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                   (SEARCH_INDEXED, str(_track_count(catalog))))
        if catalog.meta(SEARCH_HEAD):
            rank_search_head(catalog, str(catalog.meta(SEARCH_HEAD)))
    return True


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
    return _declaration(catalog) == _DECLARATION and search_indexed(catalog) == 0


def _declaration(catalog: CatalogAccess) -> object:
    return catalog.scalar("SELECT sql FROM sqlite_master WHERE name = 'tracks_fts'")


class _SearchIndexBeside:
    """A search index filled in memory from the catalog's commits, then copied into it."""

    def __init__(self, catalog: CatalogAccess) -> None:
        self.catalog = catalog
        self.db = connect_beside(catalog.db, _CATALOG)
        register_search_text(self.db)
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
               f"SELECT t.id, {_INDEXED_TEXTS} FROM {at}tracks t "
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
                   f"SELECT h.rank, {_INDEXED_TEXTS} FROM search_head h "
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
