"""Track audio features in SQLite (`Locations.features_db`): from the Spotify API or CSV files.

Tables: `features` (one row per bare track id, with its source "api" or "csv"; API rows are
never overwritten by a CSV), `api_fetched` (every id the API was asked about, and whether it
had features: `null` answers are remembered as "no features" so nothing is asked twice) and
`meta` (format, version, the login a 403 was answered to, and `changed`: a token every
transaction that writes features renews, so a copy of them made before it can tell). Each
batch is one transaction. The features' names and the parsing of CSV rows are in `feature_rows`.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NotRequired, TypedDict
from urllib.parse import quote

import numpy as np

from models.progress import ProgressCallback, check_cancel, report
from mpdtui.data.feature_csv_files import CsvPart, csv_parts, csv_rows
from mpdtui.data.feature_rows import (
    BOUNDS,
    FEATURE_NAMES,
    FEATURELESS,
    TRACK_PREFIX,
    WHOLE_NUMBERS,
    CsvCounter,
    bare_id,
    batches,
    csv_layout,
    feature_values,
    parse_rows,
    refuse_nothing_imported,
)
from mpdtui.data.files import FormatVersionError
from mpdtui.data.sqlite_store import SqliteStore
from mpdtui.errors import UserError
from mpdtui.locations import Locations

FORMAT = "mpdtui-features"
VERSION = 1
CSV_BATCH = 5000
_COLUMNS = ", ".join(FEATURE_NAMES)
_UPSERT = (
    f"INSERT INTO features (track_id, source, {_COLUMNS}) VALUES (?, ?"
    + ", ?" * len(FEATURE_NAMES)
    + ") ON CONFLICT(track_id) DO UPDATE SET source = excluded.source, "
    + ", ".join(f"{name} = excluded.{name}" for name in FEATURE_NAMES)
)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS features (
    track_id TEXT PRIMARY KEY, source TEXT NOT NULL,
    {", ".join(f"{name} REAL" for name in FEATURE_NAMES)}
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS api_fetched (
    track_id TEXT PRIMARY KEY, has_features INTEGER NOT NULL, fetched_at REAL NOT NULL
) WITHOUT ROWID;
"""


class Coverage(TypedDict):
    """What `FeatureStore.coverage` counts (a JSON document in `mpdtui info --json`)."""

    api: int
    csv: int
    no_features: int
    forbidden: bool
    tracks: NotRequired[int]
    missing: NotRequired[int]


class FeatureStoreError(FormatVersionError, UserError):
    """The features file is of another version, or not a database at all."""


@dataclass(frozen=True)
class CsvImportResult:
    path: Path
    layout: str  # "tracks_features" (column `id`), "dataset" (`track_id`), "exportify"
    rows: int  # data rows read
    imported: int  # rows stored (duplicates of one id count each time)
    bad: int  # rows that did not parse
    bad_examples: tuple[str, ...] = field(default_factory=tuple)  # "line N: what"
    files: int = 1  # the CSVs read: a zip or folder of Exportify's holds one per playlist
    featureless: int = 0  # of the bad rows, those whose feature cells are empty

    def describe(self) -> str:
        files = f" from {self.files:,} CSV files" if self.files > 1 else ""
        text = (f"{self.path.name}: {self.imported:,} of {self.rows:,} rows imported{files} "
                f"({self.layout} layout)")
        if self.featureless == self.bad:
            tracks = "1 track" if self.bad == 1 else f"{self.bad:,} tracks"
            return text + (f"; {tracks} without audio features skipped" if self.bad else "")
        rows = "1 bad row" if self.bad == 1 else f"{self.bad:,} bad rows"
        return text + f"; {rows} skipped (first: {_first_damaged(self.bad_examples)})"


def _first_damaged(examples: tuple[str, ...]) -> str:
    return next((e for e in examples if not e.endswith(FEATURELESS)), examples[0])


class FeatureStore(SqliteStore):
    """Open with `FeatureStore.open(locations)`; safe to share between threads."""

    FORMAT, VERSION, SCHEMA = FORMAT, VERSION, _SCHEMA
    ERROR = FeatureStoreError
    DESCRIPTION = "features database"
    REBUILD_HINT = ("delete it and import the features again (`mpdtui features --csv FILE` or "
                    "`mpdtui features --download`)")
    # the temp table of a join (`_TempPositions`, 100 MB at MPD scale) in memory: on a full
    # disk, often that of /tmp too, features are still read
    PRAGMAS = (*SqliteStore.PRAGMAS, "temp_store=MEMORY")

    @classmethod
    def open(cls, locations: Locations, write: bool = True) -> FeatureStore:
        """The store (created when missing); `write=False` for reading only, which also
        works in a read-only cache dir."""
        return cls(locations.features_db, write=write)

    def __init__(self, path: Path, write: bool = True) -> None:
        super().__init__(path, write)
        if write:  # a writer's open: readers never wait for a write lock
            self._ensure_changed_token()

    def _ensure_changed_token(self) -> None:
        """A store an older mpdtui wrote has no `changed` token: one now, so its features can
        be kept too (looked for first: no write lock at every open)."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM meta WHERE key = 'changed'").fetchone():
                return
            with contextlib.suppress(sqlite3.Error, OSError), self._transaction():
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('changed', ?)",
                                 (secrets.token_hex(8),))

    @contextmanager
    def _changing_features(self) -> Iterator[None]:
        """A transaction that writes features: it renews the `changed` token too
        (`catalog_stamp`)."""
        with self._lock, self._transaction():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('changed', ?)",
                             (secrets.token_hex(8),))
            yield

    # -- reading --

    def feature_matrix(self, track_uris: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
        """float32 (n, F) in `FEATURE_NAMES` order; a row of NaN where nothing is known."""
        columns = ", ".join(f"IFNULL(f.{name}, 9e999)" for name in FEATURE_NAMES)
        with self._lock, self._positions(track_uris) as table:
            rows = self._db.execute(f"SELECT t.pos, {columns} FROM {table} t "
                                    "JOIN features f ON f.track_id = t.track_id")
            return _matrix(rows, len(track_uris)), FEATURE_NAMES

    def coverage(self, track_uris: Sequence[str] | None = None) -> Coverage:
        """Counts by source: `api` and `csv` (have features), `no_features` (the API said
        null and no CSV has them), `forbidden` (a 403 is remembered). With `track_uris`,
        counted over those tracks, plus `tracks` and `missing` (nothing known)."""
        with self._lock:
            if track_uris is None:
                counts = self._counts("features", "api_fetched")
            else:
                distinct_ids = list(dict.fromkeys(bare_id(uri) for uri in track_uris))
                with self._positions(distinct_ids) as table:
                    counts = self._counts(
                        f"(SELECT f.* FROM {table} t JOIN features f USING (track_id))",
                        f"(SELECT a.* FROM {table} t JOIN api_fetched a USING (track_id))")
                distinct = len(distinct_ids)
                counts["tracks"] = distinct
                counts["missing"] = distinct - counts["api"] - counts["csv"] - counts[
                    "no_features"]
            counts["forbidden"] = self.forbidden_login() is not None
        return counts

    def catalog_feature_matrix(self, catalog_db: Path,
                               n_tracks: int) -> tuple[np.ndarray, tuple[str, ...]]:
        """`feature_matrix` of the catalog file `catalog_db`'s tracks 0..n_tracks-1, indexed
        by track id, joined inside SQLite (no temp table of the catalog's URIs). Raises
        sqlite3.Error where the catalog cannot be attached (see `catalog_coverage`)."""
        columns = ", ".join(f"IFNULL(f.{name}, 9e999)" for name in FEATURE_NAMES)
        with self._lock, self._catalog_attached(catalog_db):
            rows = self._db.execute(f"SELECT t.id, {columns} FROM {_CATALOG_TRACKS} t "
                                    "JOIN features f USING (track_id) WHERE t.id < ?",
                                    (n_tracks,))
            return _matrix(rows, n_tracks), FEATURE_NAMES

    def catalog_stamp(self, catalog_db: Path, n_tracks: int) -> str | None:
        """What `catalog_feature_matrix(catalog_db, n_tracks)` is read from, in one string: this
        store's last change, the catalog's finalized slices, `n_tracks`. None where a file does
        not say (a store this version never wrote to, a catalog never finalized). Raises
        sqlite3.Error where the catalog cannot be attached."""
        with self._lock, self._catalog_attached(catalog_db):
            changed = self._db.execute("SELECT value FROM meta WHERE key = 'changed'").fetchone()
            finalized = self._db.execute(
                "SELECT value FROM catalog.meta WHERE key = 'finalized'").fetchone()
        if changed is None or finalized is None:
            return None
        return f"{changed[0]} {finalized[0]} {n_tracks}"

    def catalog_coverage(self, catalog_db: Path) -> Coverage:
        """`coverage` over the tracks of the catalog file `catalog_db`, joined inside SQLite:
        no list of the catalog's URIs and no temp table of them (at 2.26M tracks about a
        third of the time). Raises sqlite3.Error where the catalog cannot be attached (a
        read-only cache dir whose catalog has no -shm file): pass its URIs instead."""
        with self._lock, self._catalog_attached(catalog_db):
            counts = self._counts(
                f"(SELECT f.* FROM {_CATALOG_TRACKS} t JOIN features f USING (track_id))",
                f"(SELECT a.* FROM {_CATALOG_TRACKS} t JOIN api_fetched a USING (track_id))")
            (counts["tracks"],) = self._db.execute(
                "SELECT COUNT(*) FROM catalog.tracks").fetchone()
        counts["missing"] = counts["tracks"] - counts["api"] - counts["csv"] - counts["no_features"]
        counts["forbidden"] = self.forbidden_login() is not None
        return counts

    @contextmanager
    def _catalog_attached(self, catalog_db: Path) -> Iterator[None]:
        """The catalog file as the schema `catalog`, read-only, for the block."""
        read_only = f"file:{quote(str(catalog_db))}?mode=ro"
        self._db.execute("ATTACH DATABASE ? AS catalog", (read_only,))
        try:
            yield
        finally:
            self._db.execute("DETACH DATABASE catalog")

    def _counts(self, features: str, fetched: str) -> Coverage:
        by_source = dict(self._db.execute(
            f"SELECT source, COUNT(*) FROM {features} GROUP BY source").fetchall())
        (no_features,) = self._db.execute(
            f"SELECT COUNT(*) FROM {fetched} a WHERE has_features = 0 AND NOT EXISTS "
            "(SELECT 1 FROM features f WHERE f.track_id = a.track_id)").fetchone()
        return Coverage(api=by_source.get("api", 0), csv=by_source.get("csv", 0),
                        no_features=no_features, forbidden=False)

    def holds_features(self) -> bool:
        """Whether any track's features are known (from the API or a CSV, or the API's "it
        has none"): a store holding only Spotify's 403, or nothing, holds none."""
        with self._lock:
            (held,) = self._db.execute("SELECT EXISTS (SELECT 1 FROM features) "
                                       "OR EXISTS (SELECT 1 FROM api_fetched)").fetchone()
        return bool(held)

    def ids_to_fetch(self, track_uris: Sequence[str]) -> list[str]:
        """Bare ids, in the given order and without repeats, that the API was never asked
        about and no CSV covers."""
        with self._lock, self._positions(track_uris) as table:
            rows = self._db.execute(
                f"SELECT track_id FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM api_fetched a "
                "WHERE a.track_id = t.track_id) AND NOT EXISTS (SELECT 1 FROM features f WHERE "
                "f.track_id = t.track_id) ORDER BY pos").fetchall()
        return list(dict.fromkeys(track_id for (track_id,) in rows))

    def _positions(self, track_uris: Sequence[str]) -> _TempPositions:
        return _TempPositions(self._db, track_uris, self._transaction)

    # -- the API's answers --

    def store_api_batch(self, track_ids: Sequence[str],
                        answers: Sequence[Mapping[str, Any] | None]) -> tuple[int, int]:
        """One batch of audio-features answers, aligned with `track_ids`, in one transaction.
        Returns (with features, without)."""
        now = time.time()
        found = [(tid, "api", *feature_values(answer))
                 for tid, answer in zip(track_ids, answers, strict=True) if answer is not None]
        fetched = [(tid, int(answer is not None), now)
                   for tid, answer in zip(track_ids, answers, strict=True)]
        with self._changing_features():
            self._db.executemany(_UPSERT, found)
            self._db.executemany("INSERT OR REPLACE INTO api_fetched VALUES (?, ?, ?)", fetched)
        return len(found), len(fetched) - len(found)

    def forbidden_login(self) -> str | None:
        """The login id the audio-features endpoint answered 403 to, if any."""
        return self.meta_value("forbidden_login")

    def mark_forbidden(self, login_id: str) -> None:
        self.set_meta("forbidden_login", login_id)

    def clear_forbidden(self) -> None:
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM meta WHERE key = 'forbidden_login'")

    # -- CSV files --

    def import_csv(self, path: Path, progress: ProgressCallback | None = None,
                   cancel: threading.Event | None = None,
                   seen: Callable[[list[str]], None] | None = None) -> CsvImportResult:
        """Stream a features CSV into the store (each CSV of a zip or folder of them, once all
        their headers are known to be features'). Rows that do not parse are counted (with the
        first few reasons), never fatal. CSV rows never replace features from the API. `seen`
        is given the track ids of each batch stored."""
        parts = csv_parts(path)
        layouts = [self._layout(part) for part in parts]  # refuses before anything is stored
        counter = CsvCounter()
        done, total = 0, sum(part.size for part in parts)
        for part in parts:
            counter.where = f"{part.named.name} " if len(parts) > 1 else ""
            self._import_part(part, counter, progress, cancel, done, total, seen)
            done += part.size
        named = path if len(parts) > 1 else parts[0].named
        report(progress, "features-csv", total, total, f"{named.name}: {counter.rows:,} rows")
        refuse_nothing_imported(named, counter)
        return CsvImportResult(named, ", ".join(dict.fromkeys(layouts)), counter.rows,
                               counter.imported, counter.bad, tuple(counter.examples),
                               len(parts), counter.featureless)

    @staticmethod
    def _layout(part: CsvPart) -> str:
        with csv_rows(part) as (_, reader, _delimiter):
            return csv_layout(part.named, next(reader, None))[0]

    def _import_part(self, part: CsvPart, counter: CsvCounter,
                     progress: ProgressCallback | None, cancel: threading.Event | None,
                     done: int, total: int, seen: Callable[[list[str]], None] | None) -> None:
        with csv_rows(part) as (raw, reader, delimiter):
            _, id_col, columns = csv_layout(part.named, next(reader, None))
            rows = parse_rows(reader, id_col, columns, counter, decimal_comma=delimiter != ",")
            for batch in batches(rows, CSV_BATCH):
                check_cancel(cancel)
                with self._changing_features():
                    self._db.executemany(_UPSERT + " WHERE features.source = 'csv'", batch)
                counter.imported += len(batch)
                if seen is not None:
                    seen([row[0] for row in batch])
                report(progress, "features-csv", done + raw.tell(), total,
                       f"{part.named.name}: {counter.rows:,} rows")


# --- helpers ------------------------------------------------------------------------------

_CATALOG_TRACKS = (
    f"(SELECT id, trim(CASE WHEN substr(uri, 1, {len(TRACK_PREFIX)}) = '{TRACK_PREFIX}' "
    f"THEN substr(uri, {len(TRACK_PREFIX) + 1}) ELSE uri END) AS track_id FROM catalog.tracks)")
"""The attached catalog's tracks: id and bare Spotify id (`bare_id`; URIs are unique there)."""


def _matrix(rows: sqlite3.Cursor, n_tracks: int) -> np.ndarray:
    """float32 (n_tracks, F) from rows of (position, the features with NULL as 9e999)."""
    matrix = np.full((n_tracks, len(FEATURE_NAMES)), np.nan, dtype=np.float32)
    # NULL comes out as +inf (9e999), a float numpy converts fast; stored values are finite
    for batch in iter(lambda: rows.fetchmany(50_000), []):
        values = np.array(batch, dtype=np.float64)
        features = values[:, 1:]
        features[np.isinf(features)] = np.nan
        # checked before the cast: a stored 1e308 would overflow float32 (and warn)
        features[_outside_bounds(features)] = np.nan
        matrix[values[:, 0].astype(np.int64)] = features
    return matrix


def _outside_bounds(matrix: np.ndarray) -> np.ndarray:
    """The rows holding a value no audio feature can hold (`BOUNDS`, `WHOLE_NUMBERS`), stored
    before imports checked them (a tempo of -120 or 1e308, a key of 3.5): damaged, as the
    import would have taken them, so unknown rather than shown or filtered on."""
    damaged = np.zeros(len(matrix), dtype=bool)
    for column, name in enumerate(FEATURE_NAMES):
        low, high = BOUNDS[name]
        values = matrix[:, column]
        with np.errstate(invalid="ignore"):  # NaN: unknown, not damaged
            damaged |= (values < low) | (values > high)
            if name in WHOLE_NUMBERS:
                damaged |= np.isfinite(values) & (values != np.round(values))
    return damaged


class _TempPositions:
    """A temp table (pos, track_id) of the given URIs, for joins at catalog scale: scanned in
    order, each row looked up by the other table's primary key."""

    def __init__(self, db: sqlite3.Connection, track_uris: Sequence[str],
                 transaction: Callable[[], AbstractContextManager[None]]) -> None:
        self._db = db
        self._uris = track_uris
        self._transaction = transaction

    def __enter__(self) -> str:
        self._db.execute("DROP TABLE IF EXISTS temp.positions")
        self._db.execute("CREATE TEMP TABLE positions (pos INTEGER PRIMARY KEY, track_id TEXT)")
        with self._transaction():  # one transaction, not one per row
            self._db.executemany("INSERT INTO temp.positions VALUES (?, ?)",
                                 ((i, bare_id(uri)) for i, uri in enumerate(self._uris)))
        return "temp.positions"

    def __exit__(self, *exc: object) -> None:
        self._db.execute("DROP TABLE IF EXISTS temp.positions")
