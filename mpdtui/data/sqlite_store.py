"""The common ground of mpdtui's SQLite files (the catalog, features, saved playlists).

Each store is one versioned file shared between threads: WAL, one lock, a `meta` table
holding its format and version, and `BEGIN IMMEDIATE` transactions. A file of another format
or version, or no database at all, is refused with the store's own rebuild hint.

Every connection comes from `connect`, whose errors name the file: a damaged file raises the
store's own error (with its rebuild hint), a write to a read-only one a PermissionError. A
store only read is opened read-only when its file or folder cannot be written.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar, overload
from urllib.parse import quote

DamageError = Callable[[sqlite3.DatabaseError], Exception]
"""Makes the error to raise for a damaged file from SQLite's own."""

_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_READ_ONLY = "SQLITE_READONLY"
_CANNOT_OPEN = "SQLITE_CANTOPEN"
_FILE_ERRORS = (("SQLITE_FULL", errno.ENOSPC), ("SQLITE_IOERR_SHMSIZE", errno.ENOSPC),
                ("SQLITE_IOERR", errno.EIO))
"""Its disk (or that of SQLite's temporary files) is full (the -shm file could not grow); it
failed a read or write."""
_CursorT = TypeVar("_CursorT", bound=sqlite3.Cursor)


class Connection(sqlite3.Connection):
    """A connection whose errors name its file (see `connect`)."""

    path: Path
    damage_error: DamageError
    read_only: bool = False

    @overload
    def cursor(self, factory: None = None) -> sqlite3.Cursor: ...
    @overload
    def cursor(self, factory: Callable[[sqlite3.Connection], _CursorT]) -> _CursorT: ...
    def cursor(self, factory: Callable[[sqlite3.Connection], sqlite3.Cursor] | None = None
               ) -> sqlite3.Cursor:
        return super().cursor(factory or _Cursor)

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any]) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, script: str) -> sqlite3.Cursor:
        return self.cursor().executescript(script)


class _Cursor(sqlite3.Cursor):
    """Every call that steps through the file translates SQLite's errors."""

    connection: Connection

    def execute(self, sql: str, parameters: Any = ()) -> Self:
        with _named_errors(self.connection):
            return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any]) -> Self:
        with _named_errors(self.connection):
            return super().executemany(sql, parameters)

    def executescript(self, script: str) -> sqlite3.Cursor:
        with _named_errors(self.connection):
            return super().executescript(script)

    def fetchone(self) -> Any:
        with _named_errors(self.connection):
            return super().fetchone()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        with _named_errors(self.connection):
            return super().fetchmany(self.arraysize if size is None else size)

    def fetchall(self) -> list[Any]:
        with _named_errors(self.connection):
            return super().fetchall()

    def __next__(self) -> Any:
        with _named_errors(self.connection):
            return super().__next__()


@contextmanager
def _named_errors(connection: Connection) -> Iterator[None]:
    try:
        yield
    except sqlite3.DatabaseError as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if name.startswith(_DAMAGED):
            raise connection.damage_error(exc) from None
        if name.startswith(_READ_ONLY):
            raise PermissionError(errno.EACCES, "cannot write to it (read-only)",
                                  str(connection.path)) from None
        for prefix, code in _FILE_ERRORS:  # said as the OSError they are, naming the file
            if name.startswith(prefix):
                raise OSError(code, os.strerror(code), str(connection.path)) from None
        if name.startswith(_CANNOT_OPEN) and _on_read_only_file_system(connection.path):
            # WAL's -wal and -shm files cannot be made beside it (a read-only mount)
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(connection.path)) from None
        raise


def _on_read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def connect(path: Path, damage_error: DamageError, pragmas: Iterable[str] = (),
            *, write: bool = True) -> Connection:
    """A connection to `path` (created when missing) with `pragmas` applied. Unless `write`,
    a file that cannot be written (or its folder, or its full disk) is opened read-only
    instead."""
    connection = _connection(str(path), path, damage_error)
    try:
        for pragma in pragmas:
            connection.execute(f"PRAGMA {pragma}")
    except OSError as exc:
        connection.close()
        cannot_write = (isinstance(exc, PermissionError)
                        or exc.errno in (errno.ENOSPC, errno.EROFS))
        if write or not cannot_write:
            raise
        return _read_only_connection(path, damage_error, pragmas)
    except BaseException:
        connection.close()
        raise
    return connection


def create_whole(path: Path, damage_error: DamageError, pragmas: Iterable[str],
                 initialize: Callable[[Connection], object]) -> None:
    """Make the database file `path` appear whole: `initialize` writes it as a temporary file
    in the same folder, renamed over `path` once committed and closed. Made in place, the file
    is empty until its schema commits, and another process opening it in between (the app,
    while `ingest --replace` runs in another terminal) takes it for a file of no database."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        connection = connect(temporary, damage_error, pragmas)
        try:
            initialize(connection)
        finally:
            connection.close()  # (in WAL mode the last close checkpoints and removes the -wal)
        os.replace(temporary, path)
    finally:
        for leftover in (temporary, *(temporary.with_name(temporary.name + suffix)
                                      for suffix in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)


@contextmanager
def write_transaction(connection: Connection) -> Iterator[Connection]:
    """One `BEGIN IMMEDIATE` transaction on `connection`, rolled back when the block raises
    (the caller holds whatever lock keeps its other threads off the connection)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        if connection.in_transaction:  # SQLite rolls back by itself after a full disk, say
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def connect_beside(connection: Connection, alias: str) -> Connection:
    """A connection to a private in-memory database with `connection`'s file attached as
    `alias` (its errors name that file): for work built apart, in another thread, while
    `connection` writes the file, and copied into it at the end."""
    beside = _connection(":memory:", connection.path, connection.damage_error)
    try:
        beside.execute(f"ATTACH DATABASE ? AS {alias}", (str(connection.path),))
        beside.execute(f"PRAGMA {alias}.synchronous=NORMAL")
    except BaseException:
        beside.close()
        raise
    return beside


def _read_only_connection(path: Path, damage_error: DamageError,
                          pragmas: Iterable[str]) -> Connection:
    """`pragmas` but the journal mode's, which would write."""
    # immutable: without a WAL file left to read, nothing needs the -shm file it cannot create
    wal = path.with_name(f"{path.name}-wal")
    immutable = not (wal.exists() and wal.stat().st_size > 0)
    uri = f"file:{quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")
    connection = _connection(uri, path, damage_error, uri=True)
    connection.read_only = True
    try:
        for pragma in pragmas:
            if not pragma.startswith("journal_mode"):
                connection.execute(f"PRAGMA {pragma}")
    except BaseException:
        connection.close()
        raise
    return connection


def _connection(target: str, path: Path, damage_error: DamageError, uri: bool = False) -> Connection:
    try:
        connection = sqlite3.connect(target, uri=uri, factory=Connection,
                                     check_same_thread=False, isolation_level=None)
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith(_CANNOT_OPEN):
            raise _why_not_opened(path) from None
        raise
    connection.path, connection.damage_error = path, damage_error
    return connection


def _why_not_opened(path: Path) -> OSError:
    """The file error behind SQLite's "unable to open database file", naming the file: one
    this user may not read (another user's, left by a command run with sudo), or a folder it
    may not write to make it in."""
    try:
        os.close(os.open(path, os.O_RDONLY))
    except FileNotFoundError:
        if not os.access(path.parent, os.W_OK | os.X_OK):
            return PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    except OSError as exc:
        return exc
    return OSError(errno.EIO, "cannot be opened as a database", str(path))


class SqliteStore:
    """Subclasses set FORMAT, VERSION, SCHEMA (with a `meta` table), ERROR and REBUILD_HINT."""

    FORMAT: ClassVar[str]
    VERSION: ClassVar[int]
    SCHEMA: ClassVar[str]
    ERROR: ClassVar[type[Exception]]
    REBUILD_HINT: ClassVar[str]
    DESCRIPTION: ClassVar[str] = "database"
    PRAGMAS: ClassVar[tuple[str, ...]] = ("journal_mode=WAL", "synchronous=NORMAL")

    def __init__(self, path: Path, write: bool = True) -> None:
        """Open (or create) the store; `write=False` opens it read-only when it cannot be
        written (a read-only cache dir, a full disk)."""
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = connect(path, self._damaged, self.PRAGMAS, write=write)
        try:
            if not self._db.read_only:
                self._db.executescript(self.SCHEMA)
            self._check_version()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise self._damaged(exc) from None
        except BaseException:
            self._db.close()
            raise

    @property
    def read_only(self) -> bool:
        return self._db.read_only

    def _damaged(self, exc: sqlite3.DatabaseError) -> Exception:
        return self.ERROR(f"{self.path} is not a {self.DESCRIPTION} or is damaged ({exc}): "
                          f"{self.REBUILD_HINT}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def meta_value(self, key: str) -> str | None:
        """The `meta` table's value for `key`, if any."""
        with self._lock:
            found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return found[0] if found else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock, self._transaction():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

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
            with write_transaction(self._db):
                yield
