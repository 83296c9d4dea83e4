"""The SQLite catalog: tracks, artists, albums, playlists, a track search index and the
manifest of ingested slices.

Track ids are 0-based and equal the interaction matrix's column indices; playlist rows are
0-based and equal its row indices.
"""

from __future__ import annotations

import shlex
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import orjson

from models.text import normalize_name
from mpdtui.data import track_query, track_search
from mpdtui.data.files import DamagedFileError, FormatVersionError, read_json, write_json
from mpdtui.data.sqlite_store import Connection, connect, create_whole, write_transaction
from mpdtui.errors import UserError
from mpdtui.locations import Locations

CATALOG_FORMAT = "mpdtui-catalog"
CATALOG_VERSION = track_search.SEARCH_VERSION
"""3: emoji, unspaced scripts searched (`track_search`); 1, 2 are read, reindexed by a writer."""
READABLE_CATALOG_VERSIONS = ("1", "2", str(CATALOG_VERSION))
PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL")
SOURCES_COPY_FORMAT = "mpdtui-catalog-sources"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS slices (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
    checksum TEXT NOT NULL, first_row INTEGER NOT NULL, playlists INTEGER NOT NULL,
    rows INTEGER NOT NULL, source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS artists (id INTEGER PRIMARY KEY, uri TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS albums (
    id INTEGER PRIMARY KEY, uri TEXT NOT NULL, name TEXT NOT NULL, artist_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tracks (
    id INTEGER PRIMARY KEY, uri TEXT NOT NULL, name TEXT NOT NULL,
    artist_id INTEGER NOT NULL, album_id INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
    num_playlists INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS playlists (
    row INTEGER PRIMARY KEY, pid INTEGER NOT NULL, name TEXT NOT NULL, norm_name TEXT NOT NULL,
    collaborative INTEGER NOT NULL, modified_at INTEGER NOT NULL, num_followers INTEGER NOT NULL,
    num_edits INTEGER NOT NULL, duration_ms INTEGER NOT NULL, description TEXT,
    num_rows INTEGER NOT NULL, slice_id INTEGER NOT NULL
);
"""
URI_TABLES = ("artists", "albums", "tracks")
"""Tables whose URIs are unique, through an index of their own (`{table}_uri`) that a large
ingest drops while it loads and builds again at its end (`without_uri_indexes`). Catalogs
from before that have the constraint in the table (SQLite's autoindex, which stays)."""


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

    @cached_property
    def song(self) -> tuple[str, str]:
        """The song, whichever version this is: the catalog often holds one under several URIs
        (the single and the album's copy, a remaster). Its title (case and spaces aside) by
        its artist; a track without a title is a song of its own. Worked out once: the
        builder asks each of a 10,000-track playlist's at every add."""
        title = " ".join(self.name.casefold().split())
        return (title or self.uri, self.artist_uri or self.artist_name.casefold())


@dataclass(frozen=True)
class Counts:
    playlists: int
    rows: int
    tracks: int
    artists: int
    albums: int
    slices: int


def rebuild_hint(locations: Locations) -> str:
    """How to rebuild a damaged catalog: ingest its recorded sources again into a new one."""
    return f"delete it and run {ingest_command(locations)} again"


def ingest_command(locations: Locations) -> str:
    """The commands that ingest the catalog's recorded sources again, in their order."""
    commands = [_command_for(source) for source in _recorded_sources(locations)]
    if not commands:
        return "`mpdtui ingest PATH` with the MPD folder, slice or zip you ingested"
    return ", then ".join(f"`{command}`" for command in dict.fromkeys(commands))


def _command_for(source: dict[str, Any]) -> str:
    kind = source.get("kind")
    if kind == "demo":
        return "mpdtui ingest --demo"
    if kind == "spotify":
        return "mpdtui import-spotify"
    return f"mpdtui ingest {shlex.quote(str(source.get('path')))}"


def _recorded_sources(locations: Locations) -> list[dict[str, Any]]:
    """The sources the catalog recorded: read from what is left of it, else from its copy
    (`add_source`), else (older versions) from config.json's `data_source`; [] when none of
    them can be read."""
    for sources in (_sources_in_catalog(locations), _sources_in_copy(locations)):
        if isinstance(sources, list) and sources and all(isinstance(s, dict) for s in sources):
            return sources
    legacy = _legacy_data_source(locations)
    if legacy is None:
        return []
    return [{"kind": "demo" if Path(legacy) == locations.demo_dir else "mpd", "path": legacy}]


def _sources_in_catalog(locations: Locations) -> Any:
    try:
        with closing(sqlite3.connect(f"file:{quote(str(locations.catalog_db))}?mode=ro",
                                     uri=True)) as connection:
            row = connection.execute("SELECT value FROM meta WHERE key = 'sources'").fetchone()
        return orjson.loads(row[0]) if row else None
    except (sqlite3.Error, orjson.JSONDecodeError, TypeError):
        return None


def _sources_in_copy(locations: Locations) -> Any:
    try:
        document = read_json(locations.catalog_sources_json, SOURCES_COPY_FORMAT, 1, "")
    except FormatVersionError:
        return None
    return (document or {}).get("sources")


def _legacy_data_source(locations: Locations) -> str | None:
    try:
        document = orjson.loads(locations.config_json.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    source = document.get("data_source") if isinstance(document, dict) else None
    return source if isinstance(source, str) else None


class Catalog:
    """Read and write access to the catalog database. Thread-safe through one lock."""

    def __init__(self, connection: Connection, path: Path,
                 sources_copy: Path | None = None) -> None:
        self.db, self.path, self.sources_copy = connection, path, sources_copy
        """Where `add_source` keeps a copy of the sources (see `rebuild_hint`)."""
        self.lock = threading.RLock()
        track_search.register_search_text(connection)

    @classmethod
    def open(cls, locations: Locations) -> Catalog:
        """The existing catalog (read-only in a read-only cache dir); UserError: none yet."""
        if not locations.catalog_db.exists():
            raise UserError(f"no data in {locations.root} yet: run `mpdtui ingest PATH` or "
                            "`mpdtui --train --demo`")
        return cls._checked(locations, create=False)

    @classmethod
    def create_or_open(cls, locations: Locations, on_reindex: Callable[[], object] | None = None) -> Catalog:
        """The catalog for writing (made when missing); `on_reindex`: see `reindex_older_search`."""
        locations.ensure()
        if not locations.catalog_db.exists():  # a -wal left by another file must not be replayed
            for suffix in ("-wal", "-shm"):
                locations.catalog_db.with_name(locations.catalog_db.name + suffix).unlink(missing_ok=True)
            create_whole(locations.catalog_db, _damage(locations), PRAGMAS, _write_schema)
        catalog = cls._checked(locations, create=True)
        try:
            track_search.reindex_older_search(catalog, on_reindex)
            track_search.index_search(catalog)  # after a killed ingest: search must find every track
            track_search.rank_stale_search_head(catalog)
        except BaseException:
            catalog.close()
            raise
        return catalog

    @classmethod
    def _checked(cls, locations: Locations, create: bool) -> Catalog:
        path, damaged = locations.catalog_db, _damage(locations)
        connection = connect(path, damaged, PRAGMAS, write=create)
        try:
            version = _stored_version(connection)
            if version is None and create:  # an empty file (older ones made it in place)
                _write_schema(connection)
            elif version not in READABLE_CATALOG_VERSIONS:  # None: an empty file, say
                held = ("holds no catalog (it records no format version)" if version is None
                        else f"has catalog format version {version}, this mpdtui reads "
                        f"{', '.join(READABLE_CATALOG_VERSIONS[:-1])} and {CATALOG_VERSION}")
                raise FormatVersionError(f"{path} {held}: {rebuild_hint(locations)}")
            if create:
                connection.executescript(track_search.search_schema(
                    int(version or CATALOG_VERSION)))
                _restore_uri_indexes(connection)  # dropped by an ingest killed while it loaded
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise damaged(exc) from None
        except BaseException:
            connection.close()
            raise
        return cls(connection, path, locations.catalog_sources_json)

    def close(self) -> None:
        with self.lock:  # a query another thread runs ends first: closed under it, SQLite crashed
            self.db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads ------------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[object] = ()) -> int | float | str | bytes | None:
        """The first column of the first row (what SQLite stores; None: no row)."""
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
        self._record_sources([s for s in self.sources() if s != source] + [source])

    def _record_sources(self, sources: list[dict[str, object]]) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('sources', ?)",
                            (orjson.dumps(sources).decode(),))
        if self.sources_copy is not None:  # outside the catalog: readable when it is damaged
            write_json(self.sources_copy, SOURCES_COPY_FORMAT, 1, {"sources": sources})

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction on this connection, rolled back when the block raises."""
        with self.lock, write_transaction(self.db) as db:
            yield db

    def manifest(self) -> list[tuple[str, str]]:
        return [(n, c) for n, c in self.query("SELECT name, checksum FROM slices ORDER BY id")]

    def n_tracks(self) -> int:
        """How many tracks: their ids run from 0 to this less one."""
        return int(self.scalar("SELECT COALESCE(MAX(id), -1) + 1 FROM tracks") or 0)

    def track_uris(self, by_popularity: bool = False) -> list[str]:
        """Every track URI, indexed by track id (`by_popularity`: most playlists first)."""
        order = "num_playlists DESC, id" if by_popularity else "id"
        return [uri for (uri,) in self.query(f"SELECT uri FROM tracks ORDER BY {order}")]

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
            for row in self.query(f"{track_search.TRACK_SELECT} WHERE t.id IN ({marks})", chunk):
                by_id[row[0]] = Track(*row)
        return [by_id[int(i)] for i in ids if int(i) in by_id]

    def search(self, text: str, limit: int = 50) -> list[Track]:
        """Tracks matching every word of `text` (prefixes) in title/artist/album, most popular first."""
        return [Track(*row) for row in track_query.search_rows(self, text, limit)]

    def playlist_names(self) -> list[str]:
        """Normalised playlist names by row. A name stored as normalising to nothing is
        normalised again: before emoji-only names were read by their emoji, "🔥" was stored so."""
        names = [name for (name,) in self.query("SELECT norm_name FROM playlists ORDER BY row")]
        for row, raw in self.query("SELECT row, name FROM playlists WHERE norm_name = ''"):
            names[row] = normalize_name(raw)  # rows are 0..n-1, as the matrices' are
        return names

    def playlist_raw_names(self) -> list[str]:
        return [name for (name,) in self.query("SELECT name FROM playlists ORDER BY row")]

    def track_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(artist id, album id, duration ms) per track id."""
        rows = self.query("SELECT artist_id, album_id, duration_ms FROM tracks ORDER BY id")
        table = np.array(rows, dtype=np.int64).reshape(-1, 3)
        return (table[:, 0].astype(np.int32), table[:, 1].astype(np.int32),
                table[:, 2].astype(np.int32))


def _damage(locations: Locations) -> Callable[[sqlite3.DatabaseError], Exception]:
    path = locations.catalog_db  # (the hint reads the recorded sources: only when damaged)
    return lambda exc: DamagedFileError(path, f"{path} is damaged ({exc}): {rebuild_hint(locations)}")


def _write_schema(connection: Connection) -> None:
    with connection:
        connection.execute("BEGIN")
        connection.executescript(SCHEMA.replace("\n\n", "\n")
                                 + track_search.search_schema(CATALOG_VERSION))
        meta = {"format": CATALOG_FORMAT, "version": str(CATALOG_VERSION), track_search.SEARCH_INDEXED: "0"}
        connection.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())


def _stored_version(connection: Connection) -> str | None:
    has_meta = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not has_meta:
        return None
    rows = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    if rows.get("format") != CATALOG_FORMAT:
        return rows.get("version", "unknown")
    return rows.get("version")


@contextmanager
def without_uri_indexes(catalog: Catalog) -> Iterator[None]:
    """Run the block (a large ingest) without the URI indexes, then build them again, also when
    it raises; a run killed in between leaves that to the next writer's open. Each commit of
    new tracks rewrote the index pages their random URIs landed on; one sort at the end costs
    less (a whole ingest of 100k MPD-like playlists: 38.6 s -> 28.9 s)."""
    with catalog.transaction() as db:
        for table in URI_TABLES:
            db.execute(f"DROP INDEX IF EXISTS {table}_uri")  # an autoindex stays
    try:
        yield
    finally:
        restore_uri_indexes(catalog)


def restore_uri_indexes(catalog: Catalog) -> None:
    """Build the URI indexes that `without_uri_indexes` dropped (within its block, where that
    can overlap other work; its end then finds them built)."""
    with catalog.transaction() as db:
        _restore_uri_indexes(db)


def _restore_uri_indexes(db: Connection) -> None:
    for table in URI_TABLES:
        if not _uri_is_unique(db, table):
            db.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_uri ON {table}(uri)")


def _uri_is_unique(db: Connection, table: str) -> bool:
    """Whether a unique index covers exactly `table`'s uri (its own, or the autoindex of a
    catalog from before `URI_TABLES`)."""
    return any(unique and [column for *_, column in db.execute(f"PRAGMA index_info({name})")] == ["uri"]
               for _, name, unique, *_ in db.execute(f"PRAGMA index_list({table})").fetchall())


def forget_source(catalog: Catalog, path: str) -> None:
    """Drop the record of the sources at `path` (an ingest that took nothing from it)."""
    catalog._record_sources([s for s in catalog.sources() if s.get("path") != path])
