"""Audio features: how many tracks have them, and a features file that came with the data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mpdtui.data.feature_csv_files import csv_parts
from mpdtui.data.features import Coverage, FeatureStore
from mpdtui.locations import Locations, expand_home
from mpdtui.services.catalog import CatalogService
from mpdtui.services.data import DataService


class FeatureService:
    """What the feature store holds; importing and downloading are jobs (`Jobs`)."""

    def __init__(self, locations: Locations, catalog: CatalogService, data: DataService) -> None:
        self.locations, self._catalog, self._data = locations, catalog, data

    def coverage(self) -> Coverage | None:
        """How many tracks have audio features, by source, and of the catalog's tracks how
        many are unknown (without a catalog: the store's counts alone); None before any."""
        if not self.locations.features_db.exists():
            return None
        with FeatureStore.open(self.locations, write=False) as store:
            if not self.locations.catalog_db.exists():
                return store.coverage()
            try:
                return store.catalog_coverage(self.locations.catalog_db)
            except Exception:  # as in `track_features.catalog_feature_matrix`
                return store.coverage(self._catalog.catalog().track_uris())

    @staticmethod
    def check_csvs(paths: Sequence[Path]) -> None:
        """Refuse, before a job starts, a features CSV that is not there to read (missing, a
        folder or zip without one): `--train --features-csv TYPO` failed after the ingest."""
        for path in paths:
            csv_parts(expand_home(path))

    def csv_beside_the_data(self) -> Path | None:
        """A features CSV that came with the data (`DataState.features_csv`), while no
        track's features are known: a store holding only Spotify's 403 (a download refused)
        or nothing (a download without a login) holds none."""
        if self.locations.features_db.exists():
            with FeatureStore.open(self.locations, write=False) as store:
                if store.holds_features():
                    return None
        return self._data.state().features_csv(self.locations)
