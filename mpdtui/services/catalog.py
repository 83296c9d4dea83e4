"""Tracks by id, URI or text: the catalog's SQLite store, opened once and shared, and its
tracks' audio features, read once for the models and the audio filters alike."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from mpdtui.data.catalog import Catalog, Track
from mpdtui.data.dataset import FeatureMatrix
from mpdtui.data.mpd_validation import no_track_linked, pasted_track_uri
from mpdtui.data.sqlite_store import Connection
from mpdtui.data.track_features import catalog_feature_matrix
from mpdtui.data.track_query import has_search_words
from mpdtui.locations import Locations


class SharedCatalog(Catalog):
    """The catalog the app's threads share: `release` (a job ended, the data may have changed)
    closes its connection after any query under way, and the next query, whichever thread
    holds this catalog (the builder's suggestions, a challenge's submission), opens the file
    again: no reader meets "Cannot operate on a closed database"."""

    _connection: Connection | None

    def __init__(self, locations: Locations) -> None:
        opened = Catalog.open(locations)
        super().__init__(opened.db, opened.path, opened.sources_copy)
        self._locations = locations

    @property  # the base's attribute, opened again on use here
    def db(self) -> Connection:
        with self.lock:  # every query holds it too: `release` waits for the query
            if self._connection is None:
                self._connection = Catalog.open(self._locations).db
            return self._connection

    @db.setter
    def db(self, connection: Connection) -> None:
        self._connection = connection

    def release(self) -> None:
        """Close the connection now (its -wal and -shm files go with it); the next query
        opens the file again."""
        with self.lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def close(self) -> None:
        self.release()


class CatalogService:
    """The ingested tracks (thread-safe; the connection is opened on first use)."""

    def __init__(self, locations: Locations) -> None:
        self.locations = locations
        self._lock = threading.Lock()
        self._catalog: SharedCatalog | None = None
        self._features_lock = threading.Lock()  # a read takes seconds: not under `_lock`
        self._features: FeatureMatrix | None = None
        self._features_read = False

    def catalog(self) -> Catalog:
        """The catalog, safe to hold across a job's end (`SharedCatalog`)."""
        with self._lock:
            if self._catalog is None:
                self._catalog = SharedCatalog(self.locations)
            return self._catalog

    def file_identity(self) -> tuple[int, int] | None:
        """The catalog file's (device, inode), None without one. Ingesting other data makes a
        new file (its track ids mean other tracks), appending to the data keeps it."""
        try:
            stat = self.locations.catalog_db.stat()
        except OSError:  # missing, or the cache dir is not a folder (any more)
            return None
        return stat.st_dev, stat.st_ino

    def feature_matrix(self) -> FeatureMatrix | None:
        """Every track's audio features, indexed by track id (read once: 5 s at the MPD's
        2.26M tracks); None without a feature store."""
        with self._features_lock:
            if not self._features_read:
                self._features, self._features_read = self._read_features(), True
            return self._features

    def _read_features(self) -> FeatureMatrix | None:
        if not self.locations.features_db.exists():
            return None
        catalog = self.catalog()
        return catalog_feature_matrix(self.locations, catalog.n_tracks(), catalog.track_uris)

    def search(self, text: str, limit: int = 50) -> list[Track]:
        """Tracks matching the words of `text`; a pasted track URI or link finds that track."""
        uri = pasted_track_uri(text)
        pasted = self.resolve_uris([uri]) if uri is not None else []
        return self.tracks(pasted) if pasted else self.catalog().search(text, limit)

    @staticmethod
    def why_not_found(text: str, paste: str) -> str:
        """Why `search(text)` found nothing, and what to do (the CLI's search and the builder's
        say it); `paste`: where the links of tracks copied in Spotify's app add them."""
        linked = no_track_linked(text, paste)
        if linked is not None:
            return linked
        if pasted_track_uri(text) is not None:
            return "that track is in none of the data's playlists, so mpdtui cannot offer it"
        if not has_search_words(text):
            return "type words of a title, artist or album (letters or digits)"
        return "try fewer or shorter words"

    def resolve_uris(self, uris: Sequence[str]) -> list[int]:
        """Track ids of the URIs the catalog knows (unknown ones are skipped)."""
        return self.resolve_uris_naming_unknown(uris)[0]

    def resolve_uris_naming_unknown(self, uris: Sequence[str]) -> tuple[list[int], list[str]]:
        """(track ids of the URIs the catalog knows, the URIs it does not), each in order."""
        ids = self.catalog().track_ids(uris)
        return ([i for i in ids if i is not None],
                [uri for uri, i in zip(uris, ids, strict=True) if i is None])

    def same_artist(self, track_id: int) -> list[int]:
        """The ids of every track by the artist of track `track_id` (that one too): a scan of
        the tracks (no index on their artist), ~20 ms at 318k tracks."""
        rows = self.catalog().query(
            "SELECT id FROM tracks WHERE artist_id = (SELECT artist_id FROM tracks WHERE id = ?)",
            [track_id])
        return [track for (track,) in rows]

    def n_tracks(self) -> int:
        return self.catalog().n_tracks()

    def tracks(self, ids: Sequence[int]) -> list[Track]:
        return self.catalog().tracks(list(ids))

    def forget_features(self) -> None:
        """Read the features again on next use (another process wrote some)."""
        with self._features_lock:
            self._features, self._features_read = None, False

    def close(self) -> None:
        """Close the connection and drop the features read: a job changed the data or the
        features (the next call reads them again; a catalog held meanwhile opens again)."""
        self.forget_features()
        with self._lock:
            if self._catalog is not None:  # after a query under way
                self._catalog.release()
