"""Audio features as numpy columns aligned with track positions, for lookups of thousands of
tracks at once (filters, flow): read from the feature store in one query, never per track.

`catalog_feature_matrix` gives every catalog track's features, indexed by track id (the
catalog joined inside SQLite); `TrackFeatures.load(locations, uris)` those of any URIs, a saved
playlist's say, in their order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mpdtui.data.features import FEATURE_NAMES, FeatureStore
from mpdtui.locations import Locations


@dataclass(frozen=True)
class TrackFeatures:
    """One float32 array per feature in `FEATURE_NAMES` (NaN where unknown), all of one length."""

    columns: Mapping[str, np.ndarray]
    _derived: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_matrix(cls, matrix: np.ndarray, names: Sequence[str]) -> TrackFeatures:
        """Columns of an (n, F) matrix whose columns are named by `names` (views, no copy)."""
        return cls({name: matrix[:, i] for i, name in enumerate(names)})

    @classmethod
    def empty(cls, n: int) -> TrackFeatures:
        return cls.from_matrix(np.full((n, len(FEATURE_NAMES)), np.nan, np.float32), FEATURE_NAMES)

    @classmethod
    def load(cls, locations: Locations, track_uris: Sequence[str]) -> TrackFeatures:
        """The stored features of `track_uris`, in their order (all NaN without a feature store)."""
        if not locations.features_db.exists():
            return cls.empty(len(track_uris))
        with FeatureStore.open(locations, write=False) as store:
            matrix, names = store.feature_matrix(track_uris)
        return cls.from_matrix(matrix, names)

    def __len__(self) -> int:
        return len(self.columns["tempo"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    @property
    def known(self) -> np.ndarray:
        """Tracks with any audio feature."""
        return np.logical_or.reduce([np.isfinite(column) for column in self.columns.values()])

    def derived(self, name: str, compute: Callable[[TrackFeatures], np.ndarray]) -> np.ndarray:
        """An array computed from the columns once and kept (e.g. key codes for key filters)."""
        if name not in self._derived:
            self._derived[name] = compute(self)
        return self._derived[name]

    def count_known(self) -> int:
        return int(np.count_nonzero(self.known))

    def take(self, positions: Sequence[int] | np.ndarray) -> TrackFeatures:
        """The features of some tracks, in the given order."""
        index = np.asarray(positions, dtype=np.int64)
        return TrackFeatures({name: column[index] for name, column in self.columns.items()})


def catalog_feature_matrix(locations: Locations, n_tracks: int,
                           catalog_uris: Callable[[], Sequence[str]]
                           ) -> tuple[np.ndarray, tuple[str, ...]]:
    """`FeatureStore.catalog_feature_matrix`, else (a catalog that cannot be attached, or any
    failure) the same matrix through the catalog's URIs: that way works, or fails naming the
    damaged file, which a connection reading both files cannot tell apart."""
    with FeatureStore.open(locations, write=False) as store:
        try:
            return store.catalog_feature_matrix(locations.catalog_db, n_tracks)
        except Exception:  # the slower way says what is wrong, if anything is
            matrix, names = store.feature_matrix(catalog_uris()[:n_tracks])
    return matrix, names
