"""The SQLite catalog: tracks, artists, albums, playlists, a track search index and the
manifest of ingested slices.

Track ids are 0-based and equal the interaction matrix's column indices; playlist rows are
0-based and equal its row indices.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from mpdtui.data.files import FormatVersionError
from mpdtui.errors import UserError
from mpdtui.locations import Locations

CATALOG_FORMAT = "mpdtui-catalog"
CATALOG_VERSION = 1
REBUILD_HINT = "delete it and run `mpdtui ingest PATH` (or `mpdtui --train --demo`) again"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS slices (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
    checksum TEXT NOT NULL, first_row INTEGER NOT NULL, playlists INTEGER NOT NULL,
    rows INTEGER NOT NULL, source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS artists (id INTEGER PRIMARY KEY, uri TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS albums (
    id INTEGER PRIMARY KEY, uri TEXT NOT NULL UNIQUE, name TEXT NOT NULL, artist_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tracks (
    id INTEGER PRIMARY KEY, uri TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    artist_id INTEGER NOT NULL, album_id INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
    num_playlists INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS playlists (
    row INTEGER PRIMARY KEY, pid INTEGER NOT NULL, name TEXT NOT NULL, norm_name TEXT NOT NULL,
    collaborative INTEGER NOT NULL, modified_at INTEGER NOT NULL, num_followers INTEGER NOT NULL,
    num_edits INTEGER NOT NULL, duration_ms INTEGER NOT NULL, description TEXT,
    num_rows INTEGER NOT NULL, slice_id INTEGER NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS tracks_fts USING fts5(
    name, artist, album, content='', tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
);
"""

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Track:
    id: int
    uri: str
    name: str
    artist_name: str
    artist_uri: str
    album_name: str
    album_uri: str
    duration_ms: int
    num_playlists: int


@dataclass(frozen=True)
class Counts:
    playlists: int
    rows: int
    tracks: int
    artists: int
    albums: int
    slices: int


_TRACK_SELECT = """
SELECT t.id, t.uri, t.name, ar.name, ar.uri, al.name, al.uri, t.duration_ms, t.num_playlists
FROM tracks t JOIN artists ar ON ar.id = t.artist_id JOIN albums al ON al.id = t.album_id
"""


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


class Catalog:
    """Read and write access to the catalog database. Thread-safe through one lock."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.db = connection
        self.path = path
        self.lock = threading.RLock()

    @classmethod
    def open(cls, locations: Locations) -> Catalog:
        """The existing catalog; UserError when nothing was ingested yet."""
        path = locations.catalog_db
        if not path.exists():
            raise UserError(f"no data in {locations.root} yet: run `mpdtui ingest PATH` or "
                            "`mpdtui --train --demo`")
        return cls._checked(path, create=False)

    @classmethod
    def create_or_open(cls, locations: Locations) -> Catalog:
        locations.ensure()
        return cls._checked(locations.catalog_db, create=True)

    @classmethod
    def _checked(cls, path: Path, create: bool) -> Catalog:
        connection = connect(path)
        try:
            version = _stored_version(connection)
            if version is None and create:
                with connection:
                    connection.execute("BEGIN")
                    connection.executescript(SCHEMA.replace("\n\n", "\n"))
                    connection.executemany("INSERT INTO meta VALUES (?, ?)",
                                           [("format", CATALOG_FORMAT), ("version", str(CATALOG_VERSION))])
            elif version != str(CATALOG_VERSION):
                raise FormatVersionError(
                    f"{path} has catalog format version {version}, this mpdtui reads "
                    f"{CATALOG_VERSION}: {REBUILD_HINT}")
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise FormatVersionError(f"{path} is not a readable catalog ({exc}): {REBUILD_HINT}") from exc
        except BaseException:
            connection.close()
            raise
        return cls(connection, path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads ------------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[object] = ()) -> object:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def meta(self, key: str) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    def counts(self) -> Counts:
        def count(table: str) -> int:
            return int(self.scalar(f"SELECT count(*) FROM {table}") or 0)

        rows = int(self.scalar("SELECT coalesce(sum(num_rows), 0) FROM playlists") or 0)
        return Counts(count("playlists"), rows, count("tracks"), count("artists"), count("albums"),
                      count("slices"))

    def ingested_slices(self) -> dict[str, tuple[int, str]]:
        """Slice name -> (size, checksum) of every committed slice."""
        return {name: (size, checksum)
                for name, size, checksum in self.query("SELECT name, size, checksum FROM slices")}

    def sources(self) -> list[dict[str, object]]:
        """Where the playlists come from, in the order they were added (see
        `mpdtui.pipeline.sources`)."""
        recorded = self.meta("sources")
        return list(orjson.loads(recorded)) if recorded else []

    def add_source(self, source: dict[str, object]) -> None:
        """Record a source before its first slice is ingested (so an interrupted ingest of it
        is resumed, never replaced)."""
        sources = [s for s in self.sources() if s != source] + [source]
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('sources', ?)",
                            (orjson.dumps(sources).decode(),))

    def manifest(self) -> list[tuple[str, str]]:
        return [(n, c) for n, c in self.query("SELECT name, checksum FROM slices ORDER BY id")]

    def track_uris_by_popularity(self) -> list[str]:
        return [uri for (uri,) in self.query(
            "SELECT uri FROM tracks ORDER BY num_playlists DESC, id")]

    def track_uris(self) -> list[str]:
        """Every track URI, indexed by track id."""
        return [uri for (uri,) in self.query("SELECT uri FROM tracks ORDER BY id")]

    def track_ids(self, uris: Iterable[str]) -> list[int | None]:
        """Track id for each URI (None when unknown)."""
        found = []
        for uri in uris:
            value = self.scalar("SELECT id FROM tracks WHERE uri = ?", (uri,))
            found.append(None if value is None else int(value))
        return found

    def tracks(self, ids: Sequence[int]) -> list[Track]:
        """Tracks in the order of `ids`."""
        if not len(ids):
            return []
        by_id: dict[int, Track] = {}
        for start in range(0, len(ids), 500):
            chunk = [int(i) for i in ids[start:start + 500]]
            marks = ",".join("?" * len(chunk))
            for row in self.query(f"{_TRACK_SELECT} WHERE t.id IN ({marks})", chunk):
                by_id[row[0]] = Track(*row)
        return [by_id[int(i)] for i in ids if int(i) in by_id]

    def search(self, text: str, limit: int = 50) -> list[Track]:
        """Tracks matching every word of `text` (prefixes) in title/artist/album, most popular first."""
        words = _WORD.findall(text.lower())
        if not words:
            return []
        match = " AND ".join(f'"{word}"*' for word in words)
        rows = self.query(
            f"{_TRACK_SELECT} WHERE t.id IN (SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH ?) "
            "ORDER BY t.num_playlists DESC, t.id LIMIT ?", (match, limit))
        return [Track(*row) for row in rows]

    def playlist_names(self) -> list[str]:
        """Normalised playlist names by row."""
        return [name for (name,) in self.query("SELECT norm_name FROM playlists ORDER BY row")]

    def playlist_raw_names(self) -> list[str]:
        return [name for (name,) in self.query("SELECT name FROM playlists ORDER BY row")]

    def track_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(artist id, album id, duration ms) per track id."""
        rows = self.query("SELECT artist_id, album_id, duration_ms FROM tracks ORDER BY id")
        table = np.array(rows, dtype=np.int64).reshape(-1, 3)
        return (table[:, 0].astype(np.int32), table[:, 1].astype(np.int32),
                table[:, 2].astype(np.int32))


def _stored_version(connection: sqlite3.Connection) -> str | None:
    has_meta = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not has_meta:
        return None
    rows = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    if rows.get("format") != CATALOG_FORMAT:
        return rows.get("version", "unknown")
    return rows.get("version")
