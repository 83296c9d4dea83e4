"""The interaction matrices built from the per-slice chunks.

`sequences.npz` holds every playlist's tracks in playlist order (repeats included);
`interactions.npz` holds the binary playlists x tracks CSR matrix (int32 indices) and each
track's artist, album and duration. Both record the manifest fingerprint they were built from.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from models.npz_arrays import arrays_are_whole
from mpdtui.data.catalog import Catalog, ingest_command
from mpdtui.data.files import FormatVersionError, read_npz, write_npz
from mpdtui.data.track_search import rank_search_head
from mpdtui.locations import Locations

if TYPE_CHECKING:
    import scipy.sparse as sp

CHUNK_FORMAT = "mpdtui-chunk"
CHUNK_VERSION = 1
MATRIX_FORMAT = "mpdtui-interactions"
SEQUENCES_FORMAT = "mpdtui-sequences"
MATRIX_VERSION = 1
TRACK_COLUMNS = ("track_artist", "track_album", "track_duration_ms")
"""Each track's columns, saved with the matrix (a matrix from an older mpdtui lacks them)."""
TrackColumns = tuple[np.ndarray, np.ndarray, np.ndarray]
"""(artist id, album id, duration ms) per track id, int32, as `Catalog.track_arrays`."""
NEW_TRACKS_FROM = "new_tracks_from"
"""In a chunk: the id of the first track its slice added to the catalog; its TRACK_COLUMNS
hold the columns of those tracks, ids in order (chunks from an older mpdtui lack them)."""
_POPULARITY_FUNCTION = "mpdtui_playlists_of_track"
"""Registered on the catalog's connection only while `finalize` counts popularity."""


@dataclass(frozen=True)
class Sequences:
    """Every playlist's track ids in order: playlist r is indices[indptr[r]:indptr[r+1]]."""

    indptr: np.ndarray
    indices: np.ndarray

    def playlist(self, row: int) -> np.ndarray:
        return self.indices[self.indptr[row]:self.indptr[row + 1]]


def chunk_path(locations: Locations, slice_id: int) -> Path:
    return locations.chunks_dir / f"slice-{slice_id:05d}.npz"


def manifest_fingerprint(catalog: Catalog) -> str:
    digest = hashlib.blake2b(digest_size=12)
    for name, checksum in catalog.manifest():
        digest.update(f"{name}:{checksum};".encode())
    return digest.hexdigest()


def finalize(locations: Locations, catalog: Catalog,
             meanwhile: Callable[[], object] | None = None) -> None:
    """Build both matrices, track popularity and the search head from the chunks, unless
    already done.

    `meanwhile` (the search index, say) runs in this thread while another builds the
    matrices: that work reads no catalog, and numpy, scipy and SQLite all let go of the GIL
    for their long loops, so the two take two cores."""
    fingerprint = manifest_fingerprint(catalog)
    if matrices_are_current(locations, catalog, fingerprint):
        if meanwhile:
            meanwhile()
        return
    n_tracks = int(catalog.scalar("SELECT count(*) FROM tracks") or 0)
    slice_ids = [slice_id for (slice_id,) in catalog.query("SELECT id FROM slices ORDER BY id")]
    build = partial(_build_matrices, locations, slice_ids, n_tracks, fingerprint,
                    f"delete {catalog.path} and run {ingest_command(locations)} again")
    if meanwhile is None:
        popularity = build()
    else:
        with ThreadPoolExecutor(1, thread_name_prefix="matrices") as pool:
            building = pool.submit(build)
            meanwhile()
            popularity = building.result()
    with catalog.transaction() as db:
        _count_popularity(db, popularity.tolist())
        db.execute("INSERT OR REPLACE INTO meta VALUES ('finalized', ?)", (fingerprint,))
        rank_search_head(catalog, fingerprint)


def _count_popularity(db: sqlite3.Connection, counts: list[int]) -> None:
    """Each track's number of playlists (`counts`, by id) into the catalog, in one statement
    that reads them through a function: at 317k tracks 0.13-0.14 s, where an UPDATE a track
    took 0.44-0.62 s (binding each row's values from Python, and SQLite's step per row)."""
    db.create_function(_POPULARITY_FUNCTION, 1, counts.__getitem__, deterministic=True)
    try:
        db.execute(f"UPDATE tracks SET num_playlists = {_POPULARITY_FUNCTION}(id) WHERE id < ?",
                   (len(counts),))
    finally:
        db.create_function(_POPULARITY_FUNCTION, 1, None)


def _build_matrices(locations: Locations, slice_ids: list[int], n_tracks: int, fingerprint: str,
                    fix_hint: str) -> np.ndarray:
    """Write both matrices from the slices' chunks; each track's number of playlists."""
    chunks = [read_npz(chunk_path(locations, slice_id), CHUNK_FORMAT, CHUNK_VERSION, fix_hint)
              for slice_id in slice_ids]
    track_columns = _chunks_track_columns(chunks, n_tracks)
    sequences = _concat_sequences(chunks)
    del chunks  # their rows are in `sequences`: the matrix's build is the peak of an ingest
    write_npz(locations.sequences_npz, SEQUENCES_FORMAT, MATRIX_VERSION, {
        "indptr": sequences.indptr, "indices": sequences.indices,
        "fingerprint": np.array(fingerprint)})
    matrix = binary_matrix(sequences, n_tracks, reuse=True)
    track_columns = track_columns or _track_columns(locations, n_tracks)
    write_npz(locations.interactions_npz, MATRIX_FORMAT, MATRIX_VERSION, {
        "indptr": matrix.indptr, "indices": matrix.indices, "shape": np.array(matrix.shape),
        "fingerprint": np.array(fingerprint), **track_columns})
    return np.asarray(matrix.getnnz(axis=0), dtype=np.int64)


def _chunks_track_columns(chunks: list[dict[str, np.ndarray]], n_tracks: int
                          ) -> dict[str, np.ndarray]:
    """Each track's artist, album and duration from the chunks, where each has its slice's
    new tracks and together they are the catalog's tracks; else empty (chunks from an older
    mpdtui)."""
    added = 0
    for chunk in chunks:
        if NEW_TRACKS_FROM not in chunk or int(chunk[NEW_TRACKS_FROM]) != added:
            return {}
        added += len(chunk[TRACK_COLUMNS[0]])
    if added != n_tracks or not chunks:
        return {}
    return {name: np.concatenate([chunk[name] for chunk in chunks]).astype(np.int32, copy=False)
            for name in TRACK_COLUMNS}


def _track_columns(locations: Locations, n_tracks: int) -> dict[str, np.ndarray]:
    """Each track's artist, album and duration, saved with the matrix so that every process
    that loads the models maps them instead of reading the catalog's 2.26M rows (about 2 s at
    the MPD's size). Read from the catalog (0.3-0.4 s at 317k tracks) where the chunks lack
    them, on a connection of its own: this runs beside the search index."""
    with Catalog.open(locations) as catalog:
        columns = catalog.track_arrays()
    return dict(zip(TRACK_COLUMNS, columns, strict=True)) if len(columns[0]) == n_tracks else {}


def matrices_are_current(locations: Locations, catalog: Catalog,
                         fingerprint: str | None = None) -> bool:
    """Whether both matrices were built from the catalog's slices and are whole (damaged ones
    are rebuilt from the chunks by `finalize`)."""
    fingerprint = fingerprint or manifest_fingerprint(catalog)
    return (catalog.meta("finalized") == fingerprint
            and arrays_are_whole(locations.interactions_npz) and arrays_are_whole(locations.sequences_npz))


def _concat_sequences(chunks: list[dict[str, np.ndarray]]) -> Sequences:
    lengths = [chunk["lengths"] for chunk in chunks]
    tracks = [chunk["tracks"] for chunk in chunks]
    all_lengths = np.concatenate(lengths) if lengths else np.zeros(0, np.int32)
    indptr = np.zeros(len(all_lengths) + 1, dtype=np.int64)
    np.cumsum(all_lengths, out=indptr[1:])
    indices = np.concatenate(tracks) if tracks else np.zeros(0, np.int32)
    return Sequences(indptr, indices.astype(np.int32, copy=False))


def binary_matrix(sequences: Sequences, n_tracks: int, reuse: bool = False) -> sp.csr_matrix:
    """Playlists x tracks, 1.0 where a playlist holds a track (repeats collapsed). `reuse`:
    build it in the memory of `sequences`' arrays (their rows end up sorted, then cut short),
    for a caller done with them: 4 bytes a row less at an ingest's peak."""
    import scipy.sparse as sp  # here: 0.2 s that commands which build no matrix skip

    n_rows = len(sequences.indptr) - 1
    indices, indptr = (sequences.indices, sequences.indptr) if reuse else (
        sequences.indices.copy(), sequences.indptr.copy())
    matrix = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr),
                           shape=(n_rows, n_tracks), copy=False)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    matrix.indices = matrix.indices.astype(np.int32, copy=False)
    matrix.indptr = matrix.indptr.astype(np.int32 if matrix.nnz < 2**31 else np.int64, copy=False)
    return matrix


def load_interactions(locations: Locations) -> tuple[sp.csr_matrix, str]:
    matrix, fingerprint, _ = load_interactions_and_tracks(locations)
    return matrix, fingerprint


def load_interactions_and_tracks(locations: Locations
                                 ) -> tuple[sp.csr_matrix, str, TrackColumns | None]:
    """The matrix, its fingerprint, and its tracks' columns (None in a matrix written before
    they were saved with it: `Catalog.track_arrays` has them)."""
    import scipy.sparse as sp  # here: 0.2 s that commands which build no matrix skip

    arrays = read_npz(locations.interactions_npz, MATRIX_FORMAT, MATRIX_VERSION,
                      _rebuild_hint(locations))
    shape = tuple(int(x) for x in arrays["shape"])
    data = np.ones(len(arrays["indices"]), dtype=np.float32)
    matrix = sp.csr_matrix((data, arrays["indices"], arrays["indptr"]), shape=shape)
    saved = all(name in arrays and len(arrays[name]) == shape[1] for name in TRACK_COLUMNS)
    artist, album, duration = (arrays.get(name, np.zeros(0, np.int32)) for name in TRACK_COLUMNS)
    return matrix, str(arrays["fingerprint"]), (artist, album, duration) if saved else None


def load_sequences(locations: Locations) -> tuple[Sequences, str]:
    arrays = read_npz(locations.sequences_npz, SEQUENCES_FORMAT, MATRIX_VERSION,
                      _rebuild_hint(locations))
    return Sequences(arrays["indptr"], arrays["indices"]), str(arrays["fingerprint"])


def _rebuild_hint(locations: Locations) -> str:
    return f"delete it and run {ingest_command(locations)} again to rebuild it"


__all__ = ["FormatVersionError", "Sequences", "binary_matrix", "finalize", "load_interactions",
           "load_interactions_and_tracks", "load_sequences"]
