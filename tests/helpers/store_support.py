"""An ingest's whole output in comparable form (for "the same store as a clean run")."""

from __future__ import annotations

from mpdtui.data.catalog import Catalog
from mpdtui.data.matrices import load_interactions, load_sequences
from mpdtui.locations import Locations


def store_dump(locations: Locations) -> tuple:
    """Everything an ingest produces, in comparable form (sources' labels aside)."""
    with Catalog.open(locations) as catalog:
        tables = tuple(
            tuple(catalog.query(f"SELECT * FROM {table} ORDER BY 1"))
            for table in ("artists", "albums", "tracks", "playlists"))
        manifest = tuple(catalog.query("SELECT id, name, size, checksum, first_row, playlists, rows "
                                       "FROM slices ORDER BY id"))
        fts = tuple(catalog.query("SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH 'a* OR e*' "
                                  "ORDER BY rowid"))
        indexes = tuple(catalog.query("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                      "ORDER BY name"))
    matrix, fingerprint = load_interactions(locations)
    sequences, _ = load_sequences(locations)
    return (tables, manifest, fts, indexes, fingerprint, matrix.indptr.tolist(), matrix.indices.tolist(),
            sequences.indptr.tolist(), sequences.indices.tolist())
