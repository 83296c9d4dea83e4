"""Audio features: how many tracks have them, and the demo's own features file."""

from __future__ import annotations

from pathlib import Path

from mpdtui.data.demo_files import FEATURES_CSV as DEMO_FEATURES_CSV
from mpdtui.data.features import Coverage, FeatureStore
from mpdtui.locations import Locations
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

    def demo_csv(self) -> Path | None:
        """The demo dataset's features CSV, when the demo is the data and it was not imported."""
        csv_path = self.locations.demo_dir / DEMO_FEATURES_CSV
        if self._data.holds_demo() and csv_path.exists() and not self.locations.features_db.exists():
            return csv_path
        return None
