"""`Dataset`, the training data every model's `fit` and `load` receive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scipy takes 0.2 s to import; commands that build no matrix skip it
    import scipy.sparse as sp


@dataclass
class Dataset:
    """What models learn from: a binary playlists x tracks matrix plus track metadata.

    `interactions` is CSR float32 with int32 indices, rows aligned with `playlist_names`
    (normalised names; fitting reads them, loading and serving a model need not, so a caller
    may read them on first use), columns with the track arrays. `track_features` holds audio
    features (NaN where a track has none) named by `feature_names`, or is None.
    `fingerprint` identifies the training data; saved models record it.
    """

    interactions: sp.csr_matrix
    playlist_names: Sequence[str]
    track_artist: np.ndarray
    track_album: np.ndarray
    track_duration_ms: np.ndarray
    fingerprint: str
    track_features: np.ndarray | None = None
    feature_names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    _popularity: np.ndarray | None = field(default=None, repr=False, compare=False)
    _with_audio: int | None = field(default=None, repr=False, compare=False)

    @property
    def n_playlists(self) -> int:
        return self.interactions.shape[0]

    @property
    def n_tracks(self) -> int:
        return self.interactions.shape[1]

    def track_popularity(self) -> np.ndarray:
        """Number of playlists holding each track (computed once)."""
        if self._popularity is None:
            self._popularity = np.asarray(self.interactions.getnnz(axis=0), dtype=np.int64)
        return self._popularity

    def tracks_with_audio(self) -> int:
        """How many tracks have any audio feature (computed once): models that read them save
        it, so that features imported or downloaded since get them trained again."""
        if self._with_audio is None:
            self._with_audio = rows_with_audio(self.track_features)
        return self._with_audio

    def with_rows(self, rows: np.ndarray, tag: str) -> Dataset:
        """The same catalog restricted to some playlists (e.g. a training split)."""
        rows = np.asarray(rows, dtype=np.int64)
        return Dataset(
            interactions=self.interactions[rows].tocsr(),
            playlist_names=[self.playlist_names[r] for r in rows],
            track_artist=self.track_artist,
            track_album=self.track_album,
            track_duration_ms=self.track_duration_ms,
            fingerprint=f"{self.fingerprint}/{tag}",
            track_features=self.track_features,
            feature_names=self.feature_names,
            extra=dict(self.extra),
        )

    def first_tracks(self, n_tracks: int) -> Dataset:
        """The same playlists over the catalog's first `n_tracks` tracks only: the data as it
        was before tracks were added, where no playlist holds the others (models trained
        then serve it)."""
        import scipy.sparse as sp

        matrix = self.interactions
        if matrix.nnz and int(matrix.indices.max()) >= n_tracks:
            raise ValueError(f"these playlists hold tracks beyond the first {n_tracks:,}")
        # the same arrays under a narrower shape: no copy of the MPD's 65M entries
        interactions = sp.csr_matrix((matrix.data, matrix.indices, matrix.indptr),
                                     shape=(matrix.shape[0], n_tracks), copy=False)
        features = None if self.track_features is None else self.track_features[:n_tracks]
        return Dataset(
            interactions=interactions,
            playlist_names=self.playlist_names,
            track_artist=self.track_artist[:n_tracks],
            track_album=self.track_album[:n_tracks],
            track_duration_ms=self.track_duration_ms[:n_tracks],
            fingerprint=self.fingerprint,
            track_features=features,
            feature_names=self.feature_names,
            extra=dict(self.extra),
        )


def rows_with_audio(features: np.ndarray | None) -> int:
    """The rows (tracks) of a feature matrix with any feature known (not NaN)."""
    if features is None or not features.size:
        return 0
    return int(np.count_nonzero(~np.isnan(features).all(axis=1)))
