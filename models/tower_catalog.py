"""What both towers look up per track while training: id, artist and album buckets (rare ones
share bucket 0), normalised audio features and how likely a track is a training target."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.dataset import Dataset


@dataclass
class TowerCatalog:
    """Per-track lookups both towers read while training (bucket 0 = rare/unknown)."""

    track_bucket: np.ndarray
    artist_bucket: np.ndarray
    album_bucket: np.ndarray
    features: np.ndarray | None
    """float32 (n_tracks, F + 1): features with NaN filled by the mean, then a missing flag."""
    feature_mean: np.ndarray | None
    feature_var: np.ndarray | None
    sampling_prob: np.ndarray
    """float32 (n_tracks,): probability that a training target is this track."""

    @property
    def n_tracks(self) -> int:
        return int(self.track_bucket.shape[0])


def build_catalog(data: Dataset, min_track_count: int, use_features: bool) -> TowerCatalog:
    """Buckets, normalised features and target-sampling probabilities from the training data."""
    counts = data.track_popularity()
    track_bucket = _buckets(np.arange(data.n_tracks), counts, min_track_count)
    features, mean, var = None, None, None
    if use_features and data.track_features is not None and data.track_features.size:
        features, mean, var = _prepare_features(data.track_features)
    return TowerCatalog(
        track_bucket=track_bucket,
        artist_bucket=_buckets(data.track_artist, counts, 1),
        album_bucket=_buckets(data.track_album, counts, 1),
        features=features,
        feature_mean=mean,
        feature_var=var,
        sampling_prob=_sampling_prob(data),
    )


def _buckets(keys: np.ndarray, track_counts: np.ndarray, min_count: int) -> np.ndarray:
    """Per track, 1.. for keys whose tracks appear in >= min_count playlists, else 0."""
    _, codes = np.unique(np.asarray(keys), return_inverse=True)
    per_key = np.bincount(codes, weights=track_counts)
    frequent = per_key >= min_count
    ids = np.where(frequent, np.cumsum(frequent), 0)
    return ids[codes].astype(np.int32)


def _prepare_features(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    raw = np.asarray(raw, dtype=np.float64)
    present = ~np.isnan(raw)
    counts = present.sum(axis=0)
    mean = np.where(counts > 0, np.nansum(raw, axis=0) / np.maximum(counts, 1), 0.0)
    filled = np.where(present, raw, mean)
    var = ((filled - mean) ** 2 * present).sum(axis=0) / np.maximum(counts, 1)
    var = np.where(var > 1e-12, var, 1.0)
    missing = (~present).any(axis=1, keepdims=True)
    features = np.hstack([filled, missing]).astype(np.float32)
    return features, mean.astype(np.float32), var.astype(np.float32)


def _sampling_prob(data: Dataset) -> np.ndarray:
    """A target is a uniform track of a uniform playlist: sum over playlists of 1/length."""
    lengths = np.diff(data.interactions.indptr).astype(np.float64)
    weights = np.divide(1.0, lengths, out=np.zeros_like(lengths), where=lengths > 0)
    prob = data.interactions.T @ weights / max(1, int((lengths > 0).sum()))
    return np.maximum(prob, 1e-9).astype(np.float32)
