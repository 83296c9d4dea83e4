"""Whether a features CSV is of the catalog's data: asked of the catalog batch by batch while
the CSV is imported, so that a CSV of other data is said whatever features were there before."""

from __future__ import annotations

import contextlib
import json
import sqlite3

from mpdtui.data.catalog import Catalog
from mpdtui.errors import UserError
from mpdtui.locations import Locations


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
