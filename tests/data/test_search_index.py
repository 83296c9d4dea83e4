"""The track search index is built after an ingest's slices, and caught up when it is stale."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

import mpdtui.data.track_search as track_search
from mpdtui.data.catalog import Catalog
from mpdtui.data.ingest import Cancelled, IngestProgress, ingest
from mpdtui.data.track_search import SEARCH_INDEXED, search_indexed
from mpdtui.locations import Locations

HANDMADE = Path(__file__).parent.parent / "fixtures" / "handmade.mpd.slice.0-2.json"
QUERIES = ("bjor", "daft one", "homogenic bach", "joga", "o")


def _results(locations: Locations) -> list[list[str]]:
    with Catalog.open(locations) as catalog:
        return [[track.uri for track in catalog.search(query)] for query in QUERIES]


def _index_rows(locations: Locations) -> list[int]:
    """Every rowid the index holds once per matching term: duplicates would show twice."""
    with Catalog.open(locations) as catalog:
        return [rowid for (rowid,) in catalog.query(
            "SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH 'a* OR e* OR o*' ORDER BY rowid")]


@pytest.fixture
def uninterrupted(tmp_path: Path) -> Locations:
    locations = Locations.resolve(tmp_path / "uninterrupted")
    ingest(locations, HANDMADE)
    return locations


@pytest.fixture
def killed_before_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Locations:
    """A store whose ingest committed its slices and died before building the search index."""
    locations = Locations.resolve(tmp_path / "killed")
    with monkeypatch.context() as patch:
        patch.setattr(track_search, "index_search", lambda catalog: 0)
        ingest(locations, HANDMADE)
    return locations


def test_a_killed_ingest_leaves_the_index_stale_and_says_so(killed_before_index: Locations) -> None:
    with Catalog.open(killed_before_index) as catalog:
        assert search_indexed(catalog) == 0 < catalog.counts().tracks
        assert catalog.search("bjor") == []


def test_opening_for_write_catches_the_index_up(killed_before_index: Locations,
                                               uninterrupted: Locations) -> None:
    Catalog.create_or_open(killed_before_index).close()
    assert _results(killed_before_index) == _results(uninterrupted)
    assert _index_rows(killed_before_index) == _index_rows(uninterrupted)
    with Catalog.open(killed_before_index) as catalog:
        assert search_indexed(catalog) == catalog.counts().tracks


def test_the_next_ingest_catches_the_index_up(killed_before_index: Locations,
                                              uninterrupted: Locations) -> None:
    result = ingest(killed_before_index, HANDMADE)
    assert result.ingested == 0 and result.already_done == 1
    assert _results(killed_before_index) == _results(uninterrupted)
    assert _results(uninterrupted)[0], "the queries must find something"


def test_a_catalog_from_before_the_key_counts_as_current(uninterrupted: Locations) -> None:
    before = _index_rows(uninterrupted)
    with sqlite3.connect(uninterrupted.catalog_db) as db:
        db.execute("DELETE FROM meta WHERE key = ?", (SEARCH_INDEXED,))
    Catalog.create_or_open(uninterrupted).close()  # must not add the tracks a second time
    assert _index_rows(uninterrupted) == before
    with Catalog.open(uninterrupted) as catalog:
        assert search_indexed(catalog) == catalog.counts().tracks


def test_the_slices_a_cancel_keeps_are_searchable(small_demo: Path, tmp_path: Path) -> None:
    locations = Locations.resolve(tmp_path / "cancelled")
    cancel = threading.Event()

    def stop_after_first(_progress: IngestProgress) -> None:
        cancel.set()

    with pytest.raises(Cancelled):
        ingest(locations, small_demo, progress=stop_after_first, cancel=cancel, workers=1)
    with Catalog.open(locations) as catalog:
        counts = catalog.counts()
        assert 1 <= counts.slices < 3
        assert search_indexed(catalog) == counts.tracks
        name = catalog.tracks([counts.tracks - 1])[0].name
        assert counts.tracks - 1 in [track.id for track in catalog.search(name, limit=10_000)]
