"""Ingest MPD slices into the catalog, resumably.

Each slice is one unit of work: its playlist-track rows go to a chunk file (written
atomically first), then a SQLite transaction adds its tracks, artists, albums, playlists
and its manifest row. Slices are committed in groups that grow 1, 2, 4, ... up to
`MAX_GROUP_SLICES` (each commit rewrites the pages of the URI indexes it touched, so fewer,
larger commits cost less; the first slice still lands at once). An ingest of at least as many
slices as the catalog holds loads without those indexes and builds them at its end
(`without_uri_indexes`). A run killed at any point leaves only whole slices committed; the
next run re-does the first uncommitted slice and ends with the store an uninterrupted run gives.
`finalize` then builds the interaction matrices from the chunks and counts popularity. A new
catalog's search index is built apart (`track_search.index_search_beside`: on a connection of
its own, from the tracks of each commit, in the time the writer waits for its parsing
processes, then beside the URI indexes, matrices and popularity) and copied in; a catalog with
an index extends it in place, in one statement, while the matrices are built
(`track_search.index_search`). A killed run's tracks are added to the index when the catalog is
next opened for writing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from array import array
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from models.progress import Cancelled, Progress, ProgressCallback, check_cancel
from mpdtui.data import track_search
from mpdtui.data.catalog import Catalog, restore_uri_indexes, without_uri_indexes
from mpdtui.data.files import write_npz
from mpdtui.data.growth import remember_finalized
from mpdtui.data.known_slices import (
    add_slice_copy,
    known_slices,
    refuse_slices_changed_since,
)
from mpdtui.data.matrices import (
    CHUNK_FORMAT,
    CHUNK_VERSION,
    NEW_TRACKS_FROM,
    TRACK_COLUMNS,
    chunk_path,
    finalize,
)
from mpdtui.data.mpd import SliceSource, find_slices
from mpdtui.data.mpd_validation import SliceError
from mpdtui.data.slices import ParsedSlice, compact_slice, load_slice
from mpdtui.data.track_keys import LookedUp, TrackKeys
from mpdtui.locations import Locations
from mpdtui.procs import die_with_parent

PARALLEL_MIN_SLICES = 4
"""Fewer slices than this are not worth starting worker processes for."""
MAX_GROUP_SLICES = 8
"""Most slices committed in one transaction (a kill re-does at most this many)."""
INGEST_CACHE_KIB = 65_536
"""SQLite page cache of the ingesting connection (the default 2 MB re-reads the URI indexes'
pages for every slice; ~20% of the track inserts' time in a micro-benchmark at 317k tracks)."""
INGEST_WAL_PAGES = 16_384
"""WAL pages (64 MB) between automatic checkpoints while ingesting, instead of 1,000: each
checkpoint fsyncs, and the URI indexes' pages are copied back for every group of slices
(-11% of the SQL time in a micro-benchmark at 317k tracks). Crash safety is WAL's either way;
the last connection's close checkpoints the rest."""


@dataclass(frozen=True)
class IngestProgress(Progress):
    """A `Progress` of the ingest (done/total = slices) with what the slices held so far."""

    playlists: int = 0
    rows: int = 0
    elapsed: float = 0.0


@dataclass
class IngestResult:
    ingested: int = 0
    already_done: int = 0
    playlists: int = 0
    rows: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    copies: list[tuple[str, str]] = field(default_factory=list)
    """(label, name of the slice it repeats) of each file holding, byte for byte, a slice
    ingested under another name: not added again (its playlists would count twice)."""


def _ingest_message(result: IngestResult, elapsed: float) -> str:
    rate = result.rows / elapsed if elapsed > 0 else 0.0
    return f"{result.playlists:,} playlists · {rate:,.0f} rows/s"


@dataclass
class _SliceBatch:
    """What one slice adds to the catalog."""

    artists: list[tuple[int, str, str]] = field(default_factory=list)
    albums: list[tuple[int, str, str, int]] = field(default_factory=list)
    tracks: list[tuple[int, str, str, int, int, int]] = field(default_factory=list)
    playlists: list[tuple[Any, ...]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    track_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    first_row: int = 0
    first_track: int = 0
    """The id of the first of `tracks` (the next id where it is empty)."""
    track_artists: array = field(default_factory=lambda: array("i"))
    track_albums: array = field(default_factory=lambda: array("i"))
    track_durations: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    """The artist ids, album ids and durations of `tracks`, as columns for the chunk file."""


class _Ids:
    """URI -> id maps of what is committed, extended as slices are prepared."""

    def __init__(self, catalog: Catalog) -> None:
        self.artists = dict(catalog.query("SELECT uri, id FROM artists"))
        self.albums = dict(catalog.query("SELECT uri, id FROM albums"))
        self.tracks = TrackKeys([uri for (uri,) in catalog.query("SELECT uri FROM tracks ORDER BY id")])
        self.next_row = int(catalog.scalar("SELECT count(*) FROM playlists") or 0)


def ingest(locations: Locations, source: Path, skip_bad: bool = False,
           progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
           workers: int | None = None, resumed: bool = False) -> IngestResult:
    """Ingest every slice under `source` not yet in the catalog, then rebuild the matrices.

    Slices are read and parsed by `workers` processes (default: one per core) ahead of the
    commits, which stay in slice order in this process. `resumed`: a recorded source, not named.
    """
    sources = find_slices(source)
    with Catalog.create_or_open(locations) as catalog:
        catalog.db.execute(f"PRAGMA cache_size = -{INGEST_CACHE_KIB}")
        catalog.db.execute(f"PRAGMA wal_autocheckpoint = {INGEST_WAL_PAGES}")
        pending = _pending(catalog, sources, resumed)
        result = IngestResult(already_done=len(sources) - len(pending))
        bulk = _in_bulk(catalog, pending)
        try:
            # a new catalog's search index builds beside, from the slices' tracks as they are
            # committed, then beside the URI indexes, matrices and popularity; copied in last
            with (without_uri_indexes(catalog) if bulk else contextlib.nullcontext(),
                  track_search.index_search_beside(catalog) as beside):
                _ingest_pending(locations, catalog, pending, skip_bad, result, progress, cancel,
                                workers or os.cpu_count() or 1)
                if beside:
                    beside.all_committed()
                finalize(locations, catalog, meanwhile=partial(_index, catalog, bulk, bool(beside)))
        except (SliceError, Cancelled):  # the slices kept before it are searchable too
            track_search.index_search(catalog)
            raise
    return result


def _index(catalog: Catalog, uri_indexes: bool, search_beside: bool) -> None:
    """What this connection indexes while `finalize` builds the matrices in a thread: the URI
    indexes a bulk load dropped, and the search index unless it is built beside."""
    if uri_indexes:
        restore_uri_indexes(catalog)
    if not search_beside:
        track_search.index_search(catalog)


def ingest_playlists(locations: Locations, playlists: list[dict[str, Any]], source_name: str) -> None:
    """Add MPD-format playlists from elsewhere (e.g. the user's Spotify) as one extra slice."""
    raw = orjson.dumps({"playlists": playlists})
    parsed = compact_slice(source_name, raw)  # the same checks as a file
    with Catalog.create_or_open(locations) as catalog:
        if source_name in known_slices(catalog):
            return
        ids = _Ids(catalog)
        slice_id = int(catalog.scalar("SELECT coalesce(max(id) + 1, 0) FROM slices") or 0)
        _commit(locations, catalog, [_Slice(slice_id, source_name, len(raw), parsed.checksum,
                                            "import", _prepare(parsed, ids))])
        finalize(locations, catalog, meanwhile=partial(track_search.index_search, catalog))


def _in_bulk(catalog: Catalog, pending: list[SliceSource]) -> bool:
    """Whether the pending slices are at least as many as the catalog holds: then building
    the URI indexes once at the end costs less than keeping them through the inserts
    (`without_uri_indexes`; at 875k tracks 3.1-4.3 s against 9.7-11 s, at 2.26M 8 s against
    41-51 s). For a few slices joining a large catalog, rebuilding them would cost more."""
    return bool(pending) and len(pending) >= len(catalog.ingested_slices())


def _pending(catalog: Catalog, sources: Sequence[SliceSource], resumed: bool) -> list[SliceSource]:
    done = known_slices(catalog)
    refuse_slices_changed_since(catalog, sources, done, resumed)  # other data: refused before
    return [source for source in sources if source.name not in done]


@dataclass
class _Prepared:
    """A slice ready to commit."""

    source: SliceSource
    checksum: str
    batch: _SliceBatch


def _ingest_pending(locations: Locations, catalog: Catalog, pending: list[SliceSource],
                    skip_bad: bool, result: IngestResult, progress: ProgressCallback | None,
                    cancel: threading.Event | None, workers: int) -> None:
    ids = _Ids(catalog)
    by_checksum = {checksum: name for name, (_, checksum) in catalog.ingested_slices().items()}
    started = time.perf_counter()
    group: list[_Prepared] = []
    group_size = 1

    def report(after: str = "") -> None:
        if progress:
            elapsed = time.perf_counter() - started
            handled = result.ingested + len(result.skipped) + len(result.copies)
            progress(IngestProgress("ingest", handled,
                                    len(pending), _ingest_message(result, elapsed) + after,
                                    "slices", result.playlists, result.rows, elapsed))

    def commit() -> None:
        _commit_group(locations, catalog, group, result)
        if group:
            report()
        group.clear()

    try:
        for source, parsed in _parsed_slices(pending, workers):
            check_cancel(cancel)
            if isinstance(parsed, SliceError):
                if not skip_bad:
                    raise parsed.stopping_the_ingest(result.already_done + len(pending) > 1)
                result.skipped.append((source.label, str(parsed)))
                continue
            if parsed.checksum in by_checksum:
                original = by_checksum[parsed.checksum]
                add_slice_copy(catalog, source.name, source.size, parsed.checksum, original)
                result.copies.append((source.label, original))
                report()
                continue
            by_checksum[parsed.checksum] = source.name
            group.append(_Prepared(source, parsed.checksum, _prepare(parsed, ids)))
            if len(group) >= group_size:
                commit()
                group_size = min(2 * group_size, MAX_GROUP_SLICES)
    except (SliceError, Cancelled):
        commit()  # the slices before a bad one (or a cancel) are kept
        raise
    commit()
    if result.ingested:  # the indexes and matrices come next: a minute or so for the whole MPD
        report(" · indexing")


def _commit_group(locations: Locations, catalog: Catalog, group: list[_Prepared],
                  result: IngestResult) -> None:
    """Commit the slices of `group` in one transaction and count them in `result`."""
    if not group:
        return
    first_id = int(catalog.scalar("SELECT coalesce(max(id) + 1, 0) FROM slices") or 0)
    slices = [_Slice(first_id + offset, item.source.name, item.source.size, item.checksum,
                     item.source.label, item.batch) for offset, item in enumerate(group)]
    _commit(locations, catalog, slices)
    for item in group:
        result.ingested += 1
        result.playlists += len(item.batch.playlists)
        result.rows += len(item.batch.track_ids)


def _parsed_slices(pending: list[SliceSource], workers: int
                   ) -> Iterator[tuple[SliceSource, ParsedSlice | SliceError]]:
    """Each pending slice, loaded in order; by a process pool when there is enough work."""
    if workers <= 1 or len(pending) < PARALLEL_MIN_SLICES:
        for source in pending:
            yield source, load_slice(source)
        return
    # spawn, not fork: forking a process with threads is unsafe; the workers die with this
    # process, even when it is SIGKILLed
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        queue: deque[tuple[SliceSource, Future[ParsedSlice | SliceError]]] = deque()
        upcoming = iter(pending[1:])
        try:
            for source in islice(upcoming, workers + 1):
                queue.append((source, pool.submit(load_slice, source)))
            # the first slice is read here while the workers start (an interpreter each)
            yield pending[0], load_slice(pending[0])
            while queue:
                source, future = queue.popleft()
                following = next(upcoming, None)
                if following is not None:
                    queue.append((following, pool.submit(load_slice, following)))
                yield source, future.result()
        finally:
            for _, future in queue:
                future.cancel()


def _prepare(parsed: ParsedSlice, ids: _Ids) -> _SliceBatch:
    """Give the slice's new tracks (and their artists and albums) ids; map its rows to ids."""
    batch = _SliceBatch(first_track=ids.tracks.count)
    looked_up = ids.tracks.look_up(parsed.uris, len(parsed.durations))
    global_ids = looked_up.ids
    new_codes = np.flatnonzero(global_ids < 0)
    if new_codes.size:
        new_ids = ids.tracks.add(looked_up, new_codes)
        global_ids[new_codes] = new_ids
        batch.track_durations = np.frombuffer(parsed.durations, dtype=np.int32)[new_codes]
        _new_tracks(parsed, looked_up, new_codes.tolist(), new_ids.tolist(), ids, batch)
    batch.track_ids = global_ids[np.frombuffer(parsed.codes, dtype=np.int32)]
    batch.first_row = ids.next_row
    for playlist in parsed.playlists:
        batch.playlists.append((ids.next_row, *playlist))
        batch.lengths.append(playlist[-1])
        ids.next_row += 1
    return batch


def _new_tracks(parsed: ParsedSlice, looked_up: LookedUp, codes: list[int], track_ids: list[int],
                ids: _Ids, batch: _SliceBatch) -> None:
    """Add the slice's tracks `codes` (new to the catalog) as `track_ids`, and the artists and
    albums new among them: one loop over locals, no call a track (317k in the 20k demo)."""
    artists, albums, texts, ends = ids.artists, ids.albums, parsed.texts, parsed.text_ends
    artist_of, album_of, uri, durations = artists.get, albums.get, looked_up.uri, parsed.durations
    new_artist, new_album, new_track = batch.artists.append, batch.albums.append, batch.tracks.append
    artist_column, album_column = batch.track_artists.append, batch.track_albums.append
    for code, track_id in zip(codes, track_ids, strict=True):
        start = ends[code - 1] + 1 if code else 0  # as `parsed.texts_of(code)`: TRACK_TEXTS
        artist_name, artist_uri, name, album_uri, album_name = texts[start:ends[code]].split("\0")
        artist_id = artist_of(artist_uri)
        if artist_id is None:
            artist_id = artists[artist_uri] = len(artists)
            new_artist((artist_id, artist_uri, artist_name))
        album_id = album_of(album_uri)
        if album_id is None:
            album_id = albums[album_uri] = len(albums)
            new_album((album_id, album_uri, album_name, artist_id))
        new_track((track_id, uri(code), name, artist_id, album_id, durations[code]))
        artist_column(artist_id)
        album_column(album_id)


@dataclass(frozen=True)
class _Slice:
    """What a commit records of one slice."""

    id: int
    name: str
    size: int
    checksum: str
    label: str
    batch: _SliceBatch


def _commit(locations: Locations, catalog: Catalog, slices: list[_Slice]) -> None:
    """Write the slices' chunk files, then add them to the catalog in one transaction."""
    for item in slices:
        write_npz(chunk_path(locations, item.id), CHUNK_FORMAT, CHUNK_VERSION,
                  _chunk_arrays(item.batch))
    with catalog.transaction() as db:
        remember_finalized(db)  # before the inserts: its counts are the data's size then
        for item in slices:
            _insert_slice(db, item)


def _chunk_arrays(batch: _SliceBatch) -> dict[str, np.ndarray]:
    """The slice's rows, and the columns of the tracks it added: `finalize` saves those with
    the matrix without reading the catalog's tracks back."""
    columns = (batch.track_artists, batch.track_albums, batch.track_durations)
    return {
        "lengths": np.asarray(batch.lengths, dtype=np.int32),
        "tracks": np.asarray(batch.track_ids, dtype=np.int32),
        NEW_TRACKS_FROM: np.array(batch.first_track, dtype=np.int64),
        **{name: np.asarray(column, dtype=np.int32)
           for name, column in zip(TRACK_COLUMNS, columns, strict=True)},
    }


def _insert_slice(db: Any, item: _Slice) -> None:
    batch = item.batch
    db.executemany("INSERT INTO artists VALUES (?, ?, ?)", batch.artists)
    db.executemany("INSERT INTO albums VALUES (?, ?, ?, ?)", batch.albums)
    db.executemany("INSERT INTO tracks VALUES (?, ?, ?, ?, ?, ?, 0)", batch.tracks)
    db.executemany("INSERT INTO playlists VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   f"{item.id})", batch.playlists)
    db.execute("INSERT INTO slices VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               (item.id, item.name, item.size, item.checksum, batch.first_row, len(batch.playlists),
                len(batch.track_ids), item.label))


__all__ = ["Cancelled", "IngestProgress", "IngestResult", "ingest", "ingest_playlists"]
