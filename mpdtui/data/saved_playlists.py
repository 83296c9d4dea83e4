"""The builder's saved playlists, in SQLite (`Locations.playlists_db`).

A playlist is a unique name plus an ordered list of track URIs, each with an optional cached
title, artist and duration (so that exports need no catalog). Every change is one transaction
in WAL mode with `synchronous=FULL`: once a call returns, a kill -9 (or a power cut) loses
nothing. The progress of a Spotify export is kept here too, so a failed export resumes on the
same Spotify playlist instead of making a second one.
"""

from __future__ import annotations

import difflib
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

from mpdtui.data.files import FormatVersionError
from mpdtui.data.sqlite_store import SqliteStore
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.printable import quoted

FORMAT = "mpdtui-playlists"
VERSION = 1
NAMES_SHOWN = 5  # saved names listed when a name matches none
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS playlists (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, origin TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS playlist_tracks (
    playlist_id INTEGER NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    pos INTEGER NOT NULL, uri TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',
    artist TEXT NOT NULL DEFAULT '', duration_ms INTEGER,
    PRIMARY KEY (playlist_id, pos)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS spotify_exports (
    playlist_id INTEGER PRIMARY KEY REFERENCES playlists (id) ON DELETE CASCADE,
    spotify_id TEXT NOT NULL, url TEXT NOT NULL, content TEXT NOT NULL,
    added INTEGER NOT NULL, finished INTEGER NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS spotify_exported (spotify_id TEXT PRIMARY KEY) WITHOUT ROWID;
"""

GONE = "that saved playlist is gone: deleted in another window or terminal"
"""A playlist asked for by id (the app's list, its builder) that is no longer saved."""


class PlaylistStoreError(FormatVersionError, UserError):
    """The playlists file is of another version, or not a database at all."""


class PlaylistNotFound(UserError):
    pass


class PlaylistExists(UserError):
    def __init__(self, message: str, name: str = "") -> None:
        super().__init__(message)
        self.name = name  # the saved playlist's


@dataclass(frozen=True)
class TrackEntry:
    """One track of a saved playlist; title/artist/duration are cached display data."""

    uri: str
    title: str = ""
    artist: str = ""
    duration_ms: int | None = None


@dataclass(frozen=True)
class PlaylistSummary:
    id: int
    name: str
    num_tracks: int
    updated_at: float
    origin: str | None = None


@dataclass(frozen=True)
class SavedPlaylist:
    id: int
    name: str
    tracks: tuple[TrackEntry, ...]
    created_at: float
    updated_at: float
    origin: str | None = None  # e.g. "spotify:playlist:ID" for imported playlists

    @property
    def uris(self) -> list[str]:
        return [track.uri for track in self.tracks]

    def content_key(self) -> str:
        """Changes whenever the name or the track list changes."""
        digest = hashlib.sha256(self.name.encode())
        for uri in self.uris:
            digest.update(b"\0" + uri.encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class ExportState:
    """How far an export of a playlist to Spotify got."""

    spotify_id: str
    url: str
    content: str  # `SavedPlaylist.content_key()` at the time of the export
    added: int  # URIs already added, in order
    finished: bool


PlaylistKey = int | str  # an id, or a name
Tracks = Iterable[str | TrackEntry]


class SavedPlaylists(SqliteStore):
    """Open with `SavedPlaylists.open(locations)`; safe to share between threads. Methods take
    a playlist id (int) or name (str)."""

    FORMAT, VERSION, SCHEMA = FORMAT, VERSION, _SCHEMA
    ERROR = PlaylistStoreError
    DESCRIPTION = "playlists database"
    REBUILD_HINT = "move it away to start with no saved playlists"
    # FULL: a playlist is on disk when save returns, even if the machine dies right after
    PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON")

    @classmethod
    def open(cls, locations: Locations, write: bool = True) -> SavedPlaylists:
        """`write=False`: read-only where it cannot be written (a read-only cache dir, a full
        disk); the file must hold a store already."""
        return cls(locations.playlists_db, write=write)

    # -- reading --

    def list(self) -> list[PlaylistSummary]:
        """All playlists, most recently changed first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT p.id, p.name, COUNT(t.pos), p.updated_at, p.origin FROM playlists p "
                "LEFT JOIN playlist_tracks t ON t.playlist_id = p.id GROUP BY p.id "
                "ORDER BY p.updated_at DESC, p.id DESC").fetchall()
        return [PlaylistSummary(*row) for row in rows]

    def get(self, key: PlaylistKey) -> SavedPlaylist:
        with self._lock:
            playlist_id = self._id(key)
            row = self._db.execute(
                "SELECT id, name, created_at, updated_at, origin FROM playlists WHERE id = ?",
                (playlist_id,)).fetchone()
            tracks = self._db.execute(
                "SELECT uri, title, artist, duration_ms FROM playlist_tracks "
                "WHERE playlist_id = ? ORDER BY pos", (playlist_id,)).fetchall()
        return SavedPlaylist(row[0], row[1], tuple(TrackEntry(*t) for t in tracks), row[2],
                             row[3], row[4])

    def find_by_origin(self, origin: str) -> SavedPlaylist | None:
        with self._lock:
            row = self._db.execute("SELECT id FROM playlists WHERE origin = ?",
                                   (origin,)).fetchone()
        return self.get(row[0]) if row else None

    def _id(self, key: PlaylistKey) -> int:
        if isinstance(key, int):
            row = self._db.execute("SELECT id FROM playlists WHERE id = ?", (key,)).fetchone()
        else:
            # names are saved without outer spaces: ' Road trip ' is the one saved so
            row = self._db.execute("SELECT id FROM playlists WHERE name = ?",
                                   (key.strip(),)).fetchone()
        if row is None:
            raise PlaylistNotFound(self._not_found(key) if isinstance(key, str) else GONE)
        return int(row[0])

    def _not_found(self, name: str) -> str:
        """What to type instead of a name no playlist has: the name meant, else those saved."""
        names = [row[0] for row in self._db.execute(
            "SELECT name FROM playlists ORDER BY updated_at DESC, id DESC")]
        return f"no saved playlist named {quoted(name)}; {_names_hint(name, names)}"

    # -- changing --

    def create(self, name: str, tracks: Tracks = (), *, origin: str | None = None) -> SavedPlaylist:
        name = _valid_name(name)
        now = time.time()
        with self._transaction():
            self._require_free(name)
            cursor = self._db.execute(
                "INSERT INTO playlists (name, origin, created_at, updated_at) VALUES (?, ?, ?, ?)",
                (name, origin, now, now))
            playlist_id = int(cursor.lastrowid or 0)
            self._write_tracks(playlist_id, tracks)
        return self.get(playlist_id)

    def set_tracks(self, key: PlaylistKey, tracks: Tracks) -> SavedPlaylist:
        """Replace the playlist's tracks (the builder's "save")."""
        with self._transaction():
            playlist_id = self._id(key)
            self._db.execute("DELETE FROM playlist_tracks WHERE playlist_id = ?", (playlist_id,))
            self._write_tracks(playlist_id, tracks)
            self._touch(playlist_id)
        return self.get(playlist_id)

    def save(self, name: str, tracks: Tracks) -> SavedPlaylist:
        """Create `name`, or replace its tracks when it exists."""
        with self._transaction():
            exists = self._db.execute("SELECT 1 FROM playlists WHERE name = ?",
                                      (name.strip(),)).fetchone()
            return self.set_tracks(name.strip(), tracks) if exists else self.create(name, tracks)

    def rename(self, key: PlaylistKey, new_name: str) -> SavedPlaylist:
        new_name = _valid_name(new_name)
        with self._transaction():
            playlist_id = self._id(key)
            current = self._db.execute("SELECT name FROM playlists WHERE id = ?",
                                       (playlist_id,)).fetchone()[0]
            if current != new_name:
                self._require_free(new_name)
                self._db.execute("UPDATE playlists SET name = ? WHERE id = ?",
                                 (new_name, playlist_id))
                self._touch(playlist_id)
        return self.get(playlist_id)

    def duplicate(self, key: PlaylistKey, new_name: str | None = None) -> SavedPlaylist:
        """A copy (without origin or export state); default name "NAME (copy)", "(copy 2)"..."""
        with self._transaction():
            source = self.get(key)
            name = new_name if new_name is not None else self.free_name(f"{source.name} (copy)")
            return self.create(name, source.tracks)

    def delete(self, key: PlaylistKey) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM playlists WHERE id = ?", (self._id(key),))

    def free_name(self, wanted: str) -> str:
        """`wanted`, or `wanted 2`, `wanted 3`... whichever is not taken yet."""
        with self._lock:
            name, n = wanted.strip(), 1
            while self._db.execute("SELECT 1 FROM playlists WHERE name = ?", (name,)).fetchone():
                n += 1
                name = f"{wanted.strip()} {n}"
            return name

    def _require_free(self, name: str) -> None:
        if self._db.execute("SELECT 1 FROM playlists WHERE name = ?", (name,)).fetchone():
            raise PlaylistExists(f"a saved playlist named {quoted(name)} already exists: choose "
                                 "another name")

    def _touch(self, playlist_id: int) -> None:
        self._db.execute("UPDATE playlists SET updated_at = ? WHERE id = ?",
                         (time.time(), playlist_id))

    def _write_tracks(self, playlist_id: int, tracks: Tracks) -> None:
        entries = [t if isinstance(t, TrackEntry) else TrackEntry(t) for t in tracks]
        self._db.executemany(
            "INSERT INTO playlist_tracks VALUES (?, ?, ?, ?, ?, ?)",
            [(playlist_id, pos, e.uri, e.title, e.artist, e.duration_ms)
             for pos, e in enumerate(entries)])

    # -- Spotify export progress --

    def export_state(self, key: PlaylistKey) -> ExportState | None:
        with self._lock:
            row = self._db.execute(
                "SELECT spotify_id, url, content, added, finished FROM spotify_exports "
                "WHERE playlist_id = ?", (self._id(key),)).fetchone()
        return None if row is None else ExportState(row[0], row[1], row[2], row[3],
                                                    bool(row[4]))

    def exported_spotify_ids(self) -> set[str]:
        """Spotify playlists that mpdtui itself created by exporting: every one, also those
        of a playlist exported again since (`spotify_exports` keeps each one's latest) or
        deleted here."""
        with self._lock:
            rows = self._db.execute("SELECT spotify_id FROM spotify_exports UNION "
                                    "SELECT spotify_id FROM spotify_exported").fetchall()
        return {row[0] for row in rows}

    def record_export(self, key: PlaylistKey, state: ExportState) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO spotify_exports VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self._id(key), state.spotify_id, state.url, state.content, state.added,
                 int(state.finished), time.time()))
            self._db.execute("INSERT OR IGNORE INTO spotify_exported VALUES (?)",
                             (state.spotify_id,))


def _names_hint(name: str, names: list[str]) -> str:
    if not names:
        return ("none is saved yet: save one in the app's builder (ctrl+s), or import yours "
                "with `mpdtui import-spotify` or from files with `mpdtui import FILE`")
    by_folded = {saved.casefold(): saved for saved in reversed(names)}
    close = difflib.get_close_matches(name.casefold(), by_folded, n=1, cutoff=0.75)
    if close:
        return f"did you mean {quoted(by_folded[close[0]])}?"
    shown = ", ".join(quoted(saved) for saved in names[:NAMES_SHOWN])
    more = (f" and {len(names) - NAMES_SHOWN} more (`mpdtui playlists` lists them all)"
            if len(names) > NAMES_SHOWN else "")
    return f"saved: {shown}{more}"


def _valid_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise UserError("a playlist name cannot be empty")
    return name
