"""The catalog's URI indexes: a large ingest loads without them and builds them at its end, a
small one keeps them, a writer's open puts back what a killed ingest dropped, and a catalog
from before them keeps its own unique constraint."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from store_support import store_dump

import mpdtui.data.catalog as catalog_module
import mpdtui.data.ingest as ingest_module
from mpdtui.data.catalog import URI_TABLES, Catalog
from mpdtui.data.ingest import ingest
from mpdtui.data.matrices import load_interactions
from mpdtui.locations import Locations


def _unique_uri_indexes(db: sqlite3.Connection, table: str) -> list[str]:
    return [name for _, name, unique, *_ in db.execute(f"PRAGMA index_list({table})").fetchall()
            if unique and [row[2] for row in db.execute(f"PRAGMA index_info({name})")] == ["uri"]]


def _indexes_while_inserting(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, list[str]]]:
    """What unique URI indexes each table has whenever ingest inserts a slice."""
    seen: list[dict[str, list[str]]] = []
    insert = ingest_module._insert_slice

    def recording(db: sqlite3.Connection, item: object) -> None:
        seen.append({table: _unique_uri_indexes(db, table) for table in URI_TABLES})
        insert(db, item)

    monkeypatch.setattr(ingest_module, "_insert_slice", recording)
    return seen


def _assert_unique_uris(locations: Locations, names: list[str]) -> None:
    with Catalog.create_or_open(locations) as catalog:
        for table in URI_TABLES:
            assert _unique_uri_indexes(catalog.db, table) == [name.format(table=table) for name in names]
        uri = catalog.scalar("SELECT uri FROM tracks WHERE id = 0")
        with pytest.raises(sqlite3.IntegrityError), catalog.transaction() as db:
            db.execute("INSERT INTO tracks VALUES (?, ?, 'twin', 0, 0, 1, 0)",
                       (catalog.counts().tracks, uri))


def test_a_large_ingest_loads_without_the_uri_indexes_and_ends_with_them(
        small_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _indexes_while_inserting(monkeypatch)
    locations = Locations.resolve(tmp_path / "cache")
    ingest(locations, small_demo)
    assert len(seen) == 3 and all(indexes == {table: [] for table in URI_TABLES} for indexes in seen)
    _assert_unique_uris(locations, ["{table}_uri"])


def test_a_slice_joining_a_larger_catalog_keeps_the_uri_indexes(
        small_demo: Path, small_store: Locations, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first_two = tmp_path / "first-two"
    first_two.mkdir()
    for path in sorted(small_demo.glob("mpd.slice.*.json"))[:2]:
        shutil.copy(path, first_two)
    locations = Locations.resolve(tmp_path / "cache")
    ingest(locations, first_two)
    seen = _indexes_while_inserting(monkeypatch)
    result = ingest(locations, small_demo)
    assert result.ingested == 1
    assert seen == [{table: [f"{table}_uri"] for table in URI_TABLES}]
    _assert_unique_uris(locations, ["{table}_uri"])
    assert store_dump(locations) == store_dump(small_store)
    matrix, _ = load_interactions(locations)
    with Catalog.open(locations) as catalog:  # the counts the third slice changed, updated
        counted = [count for (count,) in catalog.query("SELECT num_playlists FROM tracks ORDER BY id")]
    assert counted == matrix.getnnz(axis=0).tolist()


def test_a_writer_puts_back_the_indexes_a_killed_ingest_dropped(
        small_store: Locations, tmp_path: Path) -> None:
    locations = Locations.resolve(tmp_path / "cache")
    shutil.copytree(small_store.root, locations.root)
    with Catalog.open(locations) as catalog:
        uris = catalog.track_uris()[:5]
    with Catalog.create_or_open(locations) as catalog, catalog.transaction() as db:
        for table in URI_TABLES:  # what a kill between the drop and the rebuild leaves
            db.execute(f"DROP INDEX {table}_uri")
    with Catalog.open(locations) as catalog:  # a reader still finds tracks by URI, by a scan
        assert _unique_uri_indexes(catalog.db, "tracks") == []
        assert catalog.track_ids(uris) == list(range(5))
    _assert_unique_uris(locations, ["{table}_uri"])


def test_a_catalog_from_before_keeps_its_unique_constraint(
        small_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = catalog_module.SCHEMA.replace("uri TEXT NOT NULL,", "uri TEXT NOT NULL UNIQUE,")
    assert before.count("UNIQUE") == catalog_module.SCHEMA.count("UNIQUE") + len(URI_TABLES)
    monkeypatch.setattr(catalog_module, "SCHEMA", before)
    locations = Locations.resolve(tmp_path / "cache")
    with Catalog.create_or_open(locations):
        pass
    monkeypatch.undo()
    seen = _indexes_while_inserting(monkeypatch)
    ingest(locations, small_demo)
    autoindex = ["sqlite_autoindex_{table}_1"]
    assert seen and all(indexes == {table: [autoindex[0].format(table=table)] for table in URI_TABLES}
                        for indexes in seen)
    _assert_unique_uris(locations, autoindex)
