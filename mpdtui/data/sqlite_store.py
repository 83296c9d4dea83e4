"""The common ground of mpdtui's small SQLite stores (features, saved playlists).

Each store is one versioned file shared between threads: WAL, one lock, a `meta` table
holding its format and version, and `BEGIN IMMEDIATE` transactions. A file of another format
or version, or no database at all, is refused with the store's own rebuild hint.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar, Self


class SqliteStore:
    """Subclasses set FORMAT, VERSION, SCHEMA (with a `meta` table), ERROR and REBUILD_HINT."""

    FORMAT: ClassVar[str]
    VERSION: ClassVar[int]
    SCHEMA: ClassVar[str]
    ERROR: ClassVar[type[Exception]]
    REBUILD_HINT: ClassVar[str]
    DESCRIPTION: ClassVar[str] = "database"
    PRAGMAS: ClassVar[tuple[str, ...]] = ("journal_mode=WAL", "synchronous=NORMAL")

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            for pragma in self.PRAGMAS:
                self._db.execute(f"PRAGMA {pragma}")
            self._db.executescript(self.SCHEMA)
            self._check_version()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise self.ERROR(f"{path} is not a {self.DESCRIPTION} ({exc}): {self.REBUILD_HINT}") from None
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_version(self) -> None:
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if not meta:
            with self._transaction():
                self._db.executemany("INSERT INTO meta VALUES (?, ?)",
                                     [("format", self.FORMAT), ("version", str(self.VERSION))])
        elif meta.get("format") != self.FORMAT or meta.get("version") != str(self.VERSION):
            raise self.ERROR(
                f"{self.path} has format {meta.get('format')} version {meta.get('version')}, "
                f"this mpdtui reads {self.FORMAT} version {self.VERSION}: {self.REBUILD_HINT}")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction; nested uses join the outer one."""
        with self._lock:
            if self._db.in_transaction:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
