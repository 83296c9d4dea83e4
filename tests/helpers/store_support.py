"""An ingest's whole output in comparable form (for "the same store as a clean run"), and
playlists to add to a store."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import mpdtui.data.catalog as catalog_module
import mpdtui.data.track_search as track_search
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


def mpd_playlist(name: str, uris: list[str]) -> dict[str, Any]:
    """A playlist in MPD form holding `uris`, the tracks new ones of 'New Artist'."""
    tracks = [{"pos": pos, "artist_name": "New Artist", "track_uri": uri,
               "artist_uri": "spotify:artist:new", "track_name": f"New {uri[-3:]}",
               "album_uri": "spotify:album:new", "duration_ms": 200_000, "album_name": "New"}
              for pos, uri in enumerate(uris)]
    return {"name": name, "collaborative": "false", "pid": 0, "modified_at": 0,
            "num_tracks": len(tracks), "num_albums": 1, "num_followers": 1, "num_edits": 1,
            "duration_ms": 200_000 * len(tracks), "num_artists": 1, "tracks": tracks}


def ingest_stopped_after_one_slice(locations: Locations, source: Path) -> None:
    """An ingest of `source` cancelled once its first slice is in (as escape or ctrl+c would
    stop it): the source recorded, the data not finished."""
    from models.progress import Cancelled
    from mpdtui.pipeline.events import StageProgress
    from mpdtui.services.root import open_services

    cancel = threading.Event()

    def after_the_first_slice(event: object) -> None:
        if isinstance(event, StageProgress) and event.stage == "ingest" and event.done >= 1:
            cancel.set()

    try:
        open_services(locations).jobs.ingest(source, progress=after_the_first_slice,
                                             cancel=cancel)
    except Cancelled:
        return
    raise AssertionError(f"the ingest of {source} was not stopped after its first slice")


def demo_csv_head(small_demo: Path, target: Path, rows: int = 2000) -> Path:
    """The small demo's features CSV cut to its header and first `rows` rows, at `target`: for
    tests where what matters is that a CSV is read, not its length (the whole one, 80,260
    rows, took 3.7 s a read)."""
    with (small_demo / "tracks_features.csv").open() as source:
        target.write_text("".join(itertools.islice(source, rows + 1)))
    return target


@contextmanager
def older_mpdtui(version: int) -> Iterator[None]:
    """Make catalogs as mpdtui did at catalog format `version` (1 or 2): search tables of the
    texts as they are, parted by FTS5's default categories."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(catalog_module, "CATALOG_VERSION", version)
        patch.setattr(track_search, "SEARCH_VERSION", version)
        patch.setattr(track_search, "index_text", str)
        yield
