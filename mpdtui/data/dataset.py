"""Assemble the models' `Dataset` from the catalog, the matrices and the feature store."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import overload

import numpy as np

from models.dataset import Dataset
from mpdtui.data.catalog import Catalog
from mpdtui.data.matrices import load_interactions_and_tracks
from mpdtui.data.track_features import catalog_feature_matrix
from mpdtui.locations import Locations

FeatureMatrix = tuple[np.ndarray, tuple[str, ...]]
"""Every catalog track's audio features (float32, indexed by track id) and their names."""


def load_dataset(locations: Locations, with_features: bool = True,
                 read_features: Callable[[], FeatureMatrix | None] | None = None) -> Dataset:
    """Every ingested playlist, with audio features where the feature store has them
    (`read_features`: where they were read already, for this catalog)."""
    matrix, fingerprint, tracks = load_interactions_and_tracks(locations)
    names = PlaylistNames(locations, matrix.shape[0])
    with Catalog.open(locations) as catalog:
        artist, album, duration = tracks or catalog.track_arrays()
        features, feature_names = (_features(locations, catalog, len(artist), read_features)
                                   if with_features else (None, ()))
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


class PlaylistNames(Sequence[str]):
    """The catalog's normalised playlist names, read on first use: fitting a model reads
    them, loading and serving one does not (1M names: 0.4-0.5 s and 1M strings in every
    process that suggests). Playlists are only ever appended, so the first `count` names are those
    of the matrix's rows whenever they are read."""

    def __init__(self, locations: Locations, count: int) -> None:
        self._locations, self._count = locations, count
        self._names: list[str] | None = None
        self._lock = threading.Lock()

    def _read(self) -> list[str]:
        with self._lock:
            if self._names is None:
                with Catalog.open(self._locations) as catalog:
                    self._names = catalog.playlist_names()[:self._count]
            return self._names

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self._read()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())


def _features(locations: Locations, catalog: Catalog, n_tracks: int,
              read_features: Callable[[], FeatureMatrix | None] | None
              ) -> tuple[np.ndarray | None, tuple[str, ...]]:
    if not locations.features_db.exists():
        return None, ()
    known = read_features() if read_features is not None else None
    if known is not None and len(known[0]) == n_tracks:
        matrix, names = known
    else:  # not read yet, or for a catalog of other tracks
        matrix, names = catalog_feature_matrix(locations, n_tracks, catalog.track_uris)
    if not np.isfinite(matrix).any():
        return None, ()
    return matrix, names
