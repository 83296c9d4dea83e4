"""Ingest MPD slices into the catalog, resumably.

Each slice is one unit of work: its playlist-track rows go to a chunk file (written
atomically first), then one SQLite transaction adds its tracks, artists, albums, playlists
and its manifest row. A run killed at any point leaves only whole slices committed; the next
run re-does the first uncommitted slice and ends with the store an uninterrupted run gives.
Afterwards `finalize` builds the interaction matrices from the chunks.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from models.base import Cancelled, check_cancel
from models.text import normalize_name
from mpdtui.data.catalog import Catalog
from mpdtui.data.files import write_npz
from mpdtui.data.matrices import CHUNK_FORMAT, CHUNK_VERSION, chunk_path, finalize
from mpdtui.data.mpd import SliceError, SliceSource, find_slices, parse_slice
from mpdtui.errors import UserError
from mpdtui.locations import Locations

@dataclass(frozen=True)
class IngestProgress:
    slices_done: int
    slices_total: int
    playlists: int
    rows: int
    elapsed: float
    current: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class IngestResult:
    ingested: int = 0
    already_done: int = 0
    playlists: int = 0
    rows: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


IngestCallback = Callable[[IngestProgress], None]


@dataclass
class _SliceBatch:
    """What one slice adds to the catalog."""

    artists: list[tuple[int, str, str]] = field(default_factory=list)
    albums: list[tuple[int, str, str, int]] = field(default_factory=list)
    tracks: list[tuple[int, str, str, int, int, int]] = field(default_factory=list)
    fts: list[tuple[int, str, str, str]] = field(default_factory=list)
    playlists: list[tuple[Any, ...]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    track_ids: list[int] = field(default_factory=list)


class _Ids:
    """URI -> id maps of what is committed, extended as slices are prepared."""

    def __init__(self, catalog: Catalog) -> None:
        self.artists = dict(catalog.query("SELECT uri, id FROM artists"))
        self.albums = dict(catalog.query("SELECT uri, id FROM albums"))
        self.tracks = dict(catalog.query("SELECT uri, id FROM tracks"))
        self.next_row = int(catalog.scalar("SELECT count(*) FROM playlists") or 0)


def ingest(locations: Locations, source: Path, skip_bad: bool = False,
           progress: IngestCallback | None = None, cancel: threading.Event | None = None) -> IngestResult:
    """Ingest every slice under `source` not yet in the catalog, then rebuild the matrices."""
    sources = find_slices(source)
    with Catalog.create_or_open(locations) as catalog:
        pending = _pending(catalog, sources)
        result = IngestResult(already_done=len(sources) - len(pending))
        _ingest_pending(locations, catalog, pending, skip_bad, result, progress, cancel)
        finalize(locations, catalog)
    return result


def ingest_playlists(locations: Locations, playlists: list[dict[str, Any]], source_name: str) -> None:
    """Add MPD-format playlists from elsewhere (e.g. the user's Spotify) as one extra slice."""
    raw = orjson.dumps({"playlists": playlists})
    parse_slice(source_name, raw)  # same checks as a file
    with Catalog.create_or_open(locations) as catalog:
        if source_name in catalog.ingested_slices():
            return
        ids = _Ids(catalog)
        batch = _prepare(playlists, ids)
        _commit(locations, catalog, source_name, len(raw), _checksum(raw), "import", batch, ids)
        finalize(locations, catalog)


def _pending(catalog: Catalog, sources: Sequence[SliceSource]) -> list[SliceSource]:
    done = catalog.ingested_slices()
    pending = []
    for source in sources:
        if source.name not in done:
            pending.append(source)
        elif done[source.name][0] != source.size:
            raise UserError(
                f"{source.label} differs from the {source.name} ingested before (size "
                f"{source.size} vs {done[source.name][0]}): use a fresh --cache-dir or delete "
                f"{catalog.path} to rebuild")
    return pending


def _ingest_pending(locations: Locations, catalog: Catalog, pending: list[SliceSource],
                    skip_bad: bool, result: IngestResult, progress: IngestCallback | None,
                    cancel: threading.Event | None) -> None:
    ids = _Ids(catalog)
    started = time.perf_counter()
    for index, source in enumerate(pending):
        check_cancel(cancel)
        raw = source.read_bytes()
        try:
            playlists = parse_slice(source.label, raw)
        except SliceError as exc:
            if not skip_bad:
                raise
            result.skipped.append((source.label, str(exc)))
            continue
        batch = _prepare(playlists, ids)
        _commit(locations, catalog, source.name, source.size, _checksum(raw), source.label, batch, ids)
        result.ingested += 1
        result.playlists += len(batch.playlists)
        result.rows += len(batch.track_ids)
        if progress:
            progress(IngestProgress(index + 1, len(pending), result.playlists, result.rows,
                                    time.perf_counter() - started, source.name))


def _checksum(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]  # sha256 is hardware-accelerated


def _prepare(playlists: list[dict[str, Any]], ids: _Ids) -> _SliceBatch:
    batch = _SliceBatch()
    for playlist in playlists:
        tracks = playlist["tracks"]
        for track in tracks:
            batch.track_ids.append(_track_id(track, ids, batch))
        batch.lengths.append(len(tracks))
        batch.playlists.append((
            ids.next_row, playlist["pid"], playlist["name"], normalize_name(playlist["name"]),
            playlist["collaborative"] == "true", playlist["modified_at"],
            playlist["num_followers"], playlist["num_edits"],
            sum(t["duration_ms"] for t in tracks), playlist.get("description"), len(tracks),
        ))
        ids.next_row += 1
    return batch


def _track_id(track: dict[str, Any], ids: _Ids, batch: _SliceBatch) -> int:
    track_id = ids.tracks.get(track["track_uri"])
    if track_id is not None:
        return track_id
    artist_id = ids.artists.get(track["artist_uri"])
    if artist_id is None:
        artist_id = ids.artists[track["artist_uri"]] = len(ids.artists)
        batch.artists.append((artist_id, track["artist_uri"], track["artist_name"]))
    album_id = ids.albums.get(track["album_uri"])
    if album_id is None:
        album_id = ids.albums[track["album_uri"]] = len(ids.albums)
        batch.albums.append((album_id, track["album_uri"], track["album_name"], artist_id))
    track_id = ids.tracks[track["track_uri"]] = len(ids.tracks)
    batch.tracks.append((track_id, track["track_uri"], track["track_name"], artist_id, album_id,
                         track["duration_ms"]))
    batch.fts.append((track_id, track["track_name"], track["artist_name"], track["album_name"]))
    return track_id


def _commit(locations: Locations, catalog: Catalog, name: str, size: int, checksum: str,
            label: str, batch: _SliceBatch, ids: _Ids) -> None:
    slice_id = int(catalog.scalar("SELECT coalesce(max(id) + 1, 0) FROM slices") or 0)
    first_row = batch.playlists[0][0] if batch.playlists else ids.next_row
    write_npz(chunk_path(locations, slice_id), CHUNK_FORMAT, CHUNK_VERSION, {
        "lengths": np.asarray(batch.lengths, dtype=np.int32),
        "tracks": np.asarray(batch.track_ids, dtype=np.int32),
    })
    db = catalog.db
    with catalog.lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("INSERT INTO artists VALUES (?, ?, ?)", batch.artists)
            db.executemany("INSERT INTO albums VALUES (?, ?, ?, ?)", batch.albums)
            db.executemany("INSERT INTO tracks VALUES (?, ?, ?, ?, ?, ?, 0)", batch.tracks)
            db.executemany("INSERT INTO tracks_fts(rowid, name, artist, album) VALUES (?, ?, ?, ?)",
                           batch.fts)
            db.executemany("INSERT INTO playlists VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                           f"{slice_id})", batch.playlists)
            db.execute("INSERT INTO slices VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (slice_id, name, size, checksum, first_row, len(batch.playlists),
                        len(batch.track_ids), label))
            db.execute("DELETE FROM meta WHERE key = 'finalized'")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


__all__ = ["Cancelled", "IngestProgress", "IngestResult", "ingest", "ingest_playlists"]
