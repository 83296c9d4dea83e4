"""Tracks by id, URI or text: the catalog's SQLite store, opened once and shared."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from mpdtui.data.catalog import Catalog, Track
from mpdtui.data.mpd_validation import pasted_track_uri
from mpdtui.locations import Locations


class CatalogService:
    """The ingested tracks (thread-safe; the connection is opened on first use)."""

    def __init__(self, locations: Locations) -> None:
        self.locations = locations
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None

    def catalog(self) -> Catalog:
        with self._lock:
            if self._catalog is None:
                self._catalog = Catalog.open(self.locations)
            return self._catalog

    def search(self, text: str, limit: int = 50) -> list[Track]:
        """Tracks matching the words of `text`; a pasted track URI or link finds that track."""
        uri = pasted_track_uri(text)
        pasted = self.resolve_uris([uri]) if uri is not None else []
        return self.tracks(pasted) if pasted else self.catalog().search(text, limit)

    def resolve_uris(self, uris: Sequence[str]) -> list[int]:
        """Track ids of the URIs the catalog knows (unknown ones are skipped)."""
        return self.resolve_uris_naming_unknown(uris)[0]

    def resolve_uris_naming_unknown(self, uris: Sequence[str]) -> tuple[list[int], list[str]]:
        """(track ids of the URIs the catalog knows, the URIs it does not), each in order."""
        ids = self.catalog().track_ids(uris)
        return ([i for i in ids if i is not None],
                [uri for uri, i in zip(uris, ids, strict=True) if i is None])

    def tracks(self, ids: Sequence[int]) -> list[Track]:
        return self.catalog().tracks(list(ids))

    def close(self) -> None:
        """Drop the connection: a job changed the data (the next call opens it again)."""
        with self._lock:
            if self._catalog is not None:
                self._catalog.close()
                self._catalog = None
