"""Assemble the models' `Dataset` from the catalog, the matrices and the feature store."""

from __future__ import annotations

import numpy as np

from models.dataset import Dataset
from mpdtui.data.catalog import Catalog
from mpdtui.data.matrices import load_interactions
from mpdtui.data.track_features import catalog_feature_matrix
from mpdtui.locations import Locations


def load_dataset(locations: Locations, with_features: bool = True) -> Dataset:
    """Every ingested playlist, with audio features where the feature store has them."""
    matrix, fingerprint = load_interactions(locations)
    with Catalog.open(locations) as catalog:
        names = catalog.playlist_names()
        artist, album, duration = catalog.track_arrays()
        features, feature_names = (_features(locations, catalog, len(artist)) if with_features
                                   else (None, ()))
    return Dataset(
        interactions=matrix,
        playlist_names=names,
        track_artist=artist,
        track_album=album,
        track_duration_ms=duration,
        fingerprint=fingerprint,
        track_features=features,
        feature_names=feature_names,
    )


def _features(locations: Locations, catalog: Catalog,
              n_tracks: int) -> tuple[np.ndarray | None, tuple[str, ...]]:
    if not locations.features_db.exists():
        return None, ()
    matrix, names = catalog_feature_matrix(locations, n_tracks, catalog.track_uris)
    if not np.isfinite(matrix).any():
        return None, ()
    return matrix, names
