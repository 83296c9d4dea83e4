"""A new catalog file appears whole: a reader in another process never meets it empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpdtui.data import catalog as catalog_module
from mpdtui.data.catalog import Catalog
from mpdtui.locations import Locations
from mpdtui.services.root import open_services


def test_a_reader_while_a_new_catalog_is_made_finds_none_or_a_whole_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app checks every few seconds whether other data replaced the catalog. While
    `ingest --replace` ran in another terminal, it once opened the new file between its
    creation and its schema's commit: "catalog.sqlite3 holds no catalog (it records no format
    version)", raised out of a timer, ended the app."""
    locations = Locations.resolve(tmp_path / "cache")
    reader = open_services(locations).data
    write_schema = catalog_module._write_schema
    seen: list[bool] = []

    def read_meanwhile(connection: object) -> None:
        seen.append(reader.has_data())  # raised FormatVersionError on a file made in place
        write_schema(connection)  # type: ignore[arg-type]
        seen.append(reader.has_data())  # the schema written, not yet in place

    monkeypatch.setattr(catalog_module, "_write_schema", read_meanwhile)
    Catalog.create_or_open(locations).close()
    assert seen == [False, False]
    with Catalog.open(locations) as catalog:
        assert catalog.meta("version") == str(catalog_module.CATALOG_VERSION)
        assert catalog.counts().tracks == 0
    assert sorted(path.name for path in locations.root.iterdir()
                  if path.name.startswith(".catalog")) == []  # no temporary file left
