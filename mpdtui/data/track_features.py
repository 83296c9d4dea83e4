"""Audio features as numpy columns aligned with track positions, for lookups of thousands of
tracks at once (filters, flow): read from the feature store in one query, never per track.

`catalog_feature_matrix` gives every catalog track's features, indexed by track id (the
catalog joined inside SQLite); `TrackFeatures.load(locations, uris)` those of any URIs, a saved
playlist's say, in their order.

Reading the catalog's features out of SQLite takes seconds at the MPD's scale (5.5 s for 2.26M
tracks, 1.2M of them known), so the first read keeps them in `feature-matrix.npz` (the known
rows only), stamped with what they were read from (`FeatureStore.catalog_stamp`); a later read
takes them from there while the stamp still holds. A write to the store renews its part of
the stamp, an ingest the catalog's, so a kept matrix is never older than its sources.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mpdtui.data.features import FEATURE_NAMES, FeatureStore
from mpdtui.data.files import FormatVersionError, read_npz, write_npz
from mpdtui.locations import Locations

KEPT_FORMAT = "mpdtui-feature-matrix"
KEPT_VERSION = 3
"""2: rows outside the features' bounds are unknown (`features._matrix`); 3: bounds on loudness,
tempo and duration, whole keys and modes."""


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
    """`FeatureStore.catalog_feature_matrix`, from `feature-matrix.npz` while its stamp holds,
    else (a catalog that cannot be attached, or any failure) the same matrix through the
    catalog's URIs: that way works, or fails naming the damaged file, which a connection
    reading both files cannot tell apart."""
    with FeatureStore.open(locations, write=False) as store:
        try:
            stamp = store.catalog_stamp(locations.catalog_db, n_tracks)  # before the read
            kept = _kept_matrix(locations, stamp, n_tracks)
            if kept is not None:
                return kept, FEATURE_NAMES
            matrix, names = store.catalog_feature_matrix(locations.catalog_db, n_tracks)
        except Exception:  # the slower way says what is wrong, if anything is
            return store.feature_matrix(catalog_uris()[:n_tracks])
    if stamp is not None:
        _keep_matrix(locations, matrix, stamp)
    return matrix, names


def _kept_matrix(locations: Locations, stamp: str | None, n_tracks: int) -> np.ndarray | None:
    """The kept matrix when it was read from what `stamp` names, else None."""
    if stamp is None:
        return None
    try:
        kept = read_npz(locations.feature_matrix_npz, KEPT_FORMAT, KEPT_VERSION, "")
        if str(kept["stamp"]) != stamp:
            return None
        matrix = np.full((n_tracks, len(FEATURE_NAMES)), np.nan, dtype=np.float32)
        matrix[kept["ids"]] = kept["known"]
    except (FormatVersionError, KeyError, IndexError, ValueError):
        return None  # missing, of another version, damaged: read again, and kept anew
    return matrix


def _keep_matrix(locations: Locations, matrix: np.ndarray, stamp: str) -> None:
    """Keep the rows with any known feature for the next read; a cache dir that cannot be
    written to (read-only, full) only makes the next read slower."""
    ids = np.flatnonzero(~np.isnan(matrix).all(axis=1)).astype(np.int32)
    with contextlib.suppress(OSError):
        write_npz(locations.feature_matrix_npz, KEPT_FORMAT, KEPT_VERSION,
                  {"ids": ids, "known": matrix[ids], "stamp": np.array(stamp)})
