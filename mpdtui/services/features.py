"""Audio features: how many tracks have them, and a features file that came with the data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mpdtui.data.demo_files import FEATURES_CSV as DEMO_FEATURES_CSV
from mpdtui.data.feature_csv_files import csv_parts
from mpdtui.data.features import Coverage, FeatureStore
from mpdtui.locations import Locations, expand_home
from mpdtui.services.catalog import CatalogService
from mpdtui.services.data import DataService

FEATURES_CSV_NAMES = (DEMO_FEATURES_CSV, "dataset.csv")
"""The public features files, as they are named (Kaggle's 1.2M-song and 114k-track files)."""


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
        """A features CSV that came with the data, while no features are stored: the demo's
        own, or a tracks_features.csv / dataset.csv beside the ingested slices (as `mpdtui
        demo-data` writes it)."""
        if self.locations.features_db.exists():
            return None
        primary = self._data.state().primary
        if primary is None:
            return None
        if primary.is_demo:
            folder = self.locations.demo_dir
        else:
            source = Path(primary.path)
            folder = source if source.is_dir() else source.parent  # a slice file's, or a zip's
        return next((folder / name for name in FEATURES_CSV_NAMES
                     if (folder / name).is_file()), None)
