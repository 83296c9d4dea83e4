"""Whether a features CSV is of the catalog's data: asked of the catalog batch by batch while
the CSV is imported, so that a CSV of other data is said whatever features were there before;
and what the features store keeps of a CSV imported into a catalog (`import_once`)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from models.progress import ProgressCallback
from mpdtui.data.catalog import Catalog
from mpdtui.errors import UserError
from mpdtui.locations import Locations

if TYPE_CHECKING:
    from mpdtui.data.features import FeatureStore


def catalog_if_any(locations: Locations, stack: contextlib.ExitStack) -> Catalog | None:
    """The catalog, open for the stack's life; None without one (or one that cannot be read)."""
    if not locations.catalog_db.exists():
        return None
    with contextlib.suppress(UserError, sqlite3.Error, OSError):
        return stack.enter_context(Catalog.open(locations))
    return None


class SeenInCatalog:
    """Whether any track of a features CSV is in the catalog, asked of each batch until one is."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog, self.found = catalog, False

    def __call__(self, track_ids: list[str]) -> None:
        self.found = self.found or bool(self.catalog.scalar(
            "SELECT EXISTS(SELECT 1 FROM tracks WHERE uri IN (SELECT 'spotify:track:' || value "
            "FROM json_each(?)))", (json.dumps(track_ids),)))


def import_once(store: FeatureStore, path: Path, catalog: Catalog | None, again: bool,
                progress: ProgressCallback | None, cancel: threading.Event | None
                ) -> tuple[str, str | None]:
    """Import the CSV `path` into `store` unless the same file (path, size, time) was imported
    into this catalog already and not `again` (`mpdtui features --csv` is asked for the import
    itself; `--train --features-csv` in a script runs every time). The outcome line, and the
    name to say is of other data's features, if it is."""
    record = _record(path, catalog)
    stored = None if record is None else store.meta_value(record[0])
    for other_data in (False, True):
        if record and not again and stored == json.dumps([*record[1], other_data]):
            said = IMPORTED_ALREADY if path.is_file() else FOLDER_IMPORTED_ALREADY
            return f"{path.name}: {said}", path.name if other_data else None
    seen = None if catalog is None else SeenInCatalog(catalog)
    result = store.import_csv(path, progress=progress, cancel=cancel, seen=seen)
    other = seen is not None and not seen.found
    if record is not None:
        store.set_meta(record[0], json.dumps([*record[1], other]))
    return result.describe(), result.path.name if other else None


def _record(path: Path, catalog: Catalog | None) -> tuple[str, list[object]] | None:
    """The features store's `meta` key for the CSV file `path` and what it keeps of it: its
    size and time, or, for a folder (of Exportify's CSVs), each of its CSVs' name, size and
    time, and the catalog's finalized slices. None where it cannot be read."""
    try:
        identity = _file_identity(path) if path.is_file() else _folder_identity(path)
    except OSError:
        return None
    if identity is None:
        return None
    finalized = None if catalog is None else catalog.meta("finalized")
    return f"imported_csv {path.resolve()}", [*identity, finalized]


def _file_identity(path: Path) -> list[object]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _folder_identity(folder: Path) -> list[object] | None:
    """Each CSV's name, size and time: a CSV added, removed or changed makes another."""
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    return [[p.name, *_file_identity(p)] for p in files]


IMPORTED_ALREADY = "imported already (unchanged since: same size and time); not read again"
FOLDER_IMPORTED_ALREADY = ("imported already (none of its CSV files added, removed or changed "
                           "since: same names, sizes and times); not read again")
