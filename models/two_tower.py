"""Two-tower retrieval model (TensorFlow Recommenders), served in numpy.

Query tower: the playlist name (word and character-trigram embeddings) plus the mean embedding
of the seed tracks. Candidate tower: track id, artist and album embeddings plus normalised
audio features with a missing flag, so a track with features but few or no playlists still
gets a useful vector. Trained with in-batch softmax (`tfrs.tasks.Retrieval`) on examples cut
from the training playlists: name + random seeds (0..100) -> one held-out track.

After training, the candidate vectors are a numpy matrix and the query tower's weights are
evaluated in numpy (`models.numpy_towers`): importing, loading or querying this model never
imports TensorFlow; only `fit` does.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from models.ann import ANN_MIN_ITEMS, IndexSettings, ItemIndex
from models.base import (
    Dataset,
    ModelFormatError,
    PlaylistQuery,
    ProgressCallback,
    Recommendations,
    Recommender,
    check_cancel,
    report,
    settings_from_json,
)
from models.numpy_towers import QueryTower


@dataclass(frozen=True)
class TwoTowerSettings:
    """Model and training settings; defaults chosen on the demo data (see README)."""

    dim: int = 64
    """Size of every embedding and of the query/candidate vectors."""
    hidden: int = 128
    """0 = linear towers; > 0 = a ReLU hidden layer of this size in both towers."""
    use_features: bool = True
    """Feed audio features (when the data has them) to the candidate tower."""
    use_name: bool = True
    """Feed the playlist name to the query tower."""
    epochs: int = 30
    """Upper bound; early stopping on validation top-100 accuracy usually ends sooner."""
    patience: int = 6
    """Epochs without a better validation top-100 before stopping. That accuracy moves by
    +-0.005 between epochs on the demo: with 3, two runs of three stopped at 10-11 epochs
    (R-precision 0.227) while it was still rising to 30 (0.238)."""
    batch_size: int = 1024
    learning_rate: float = 0.003
    lazy_adam: bool = True
    """Adam steps only the embedding rows a batch touched (`two_tower_tf.LazyAdam`); Keras'
    Adam moves every row every step, which costs O(catalog) per step."""
    examples_per_playlist: int = 4
    """Training examples cut from each playlist per epoch (fresh seeds/target every epoch)."""
    max_seeds: int = 100
    seed_counts: tuple[int, ...] = (0, 1, 2, 5, 10, 25, 50, 100)
    """Seed counts drawn uniformly per example (capped by playlist length - 1)."""
    name_dropout: float = 0.2
    """Share of examples trained without their name (the no-title challenge categories)."""
    val_fraction: float = 0.05
    max_val_playlists: int = 1000
    min_track_count: int = 2
    """Tracks in fewer training playlists share one id embedding (they rely on artist,
    album and features)."""
    logq: bool = True
    """Correct in-batch softmax for how often a track is sampled as a negative."""
    word_vocab: int = 20_000
    char_vocab: int = 20_000
    max_words: int = 8
    max_trigrams: int = 40
    seed: int = 0
    ann_min_items: int = ANN_MIN_ITEMS
    """Catalogs this large are served through an approximate index (models.ann)."""


@dataclass
class Catalog:
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


class TwoTowerRecommender(Recommender):
    name = "two_tower"
    version = 1
    reads_names = True

    def __init__(self, settings: TwoTowerSettings | None = None, **overrides: Any) -> None:
        super().__init__()
        self.settings = replace(settings or TwoTowerSettings(), **overrides)
        self.tower: QueryTower | None = None
        self.candidates: np.ndarray | None = None
        self.index: ItemIndex | None = None
        self.history: dict[str, list[float]] = {}
        self.known_seeds: np.ndarray | None = None

    def fit(self, data: Dataset, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> None:
        self._remember(data)
        report(progress, self.name, 0, None, "preparing training data")
        check_cancel(cancel)
        catalog = build_catalog(data, self.settings)
        self.known_seeds = (catalog.track_bucket > 0) | (catalog.artist_bucket > 0)
        report(progress, self.name, 0, None, "loading TensorFlow")
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
        from models import two_tower_tf  # TensorFlow is imported only here

        report(progress, self.name, 0, None, "building the towers")

        trained = two_tower_tf.train(data.playlist_names, data.interactions.indptr,
                                     data.interactions.indices, catalog, self.settings,
                                     progress, cancel, self.checkpoint_dir, self._run_key(data))
        self.tower, self.candidates, self.history = (trained.tower, trained.candidates,
                                                     trained.history)
        self.index = ItemIndex.build(self.candidates, progress, cancel,
                                     IndexSettings(min_items=self.settings.ann_min_items), self.name)

    def _run_key(self, data: Dataset) -> str:
        """What a checkpoint must match to be resumed: the data and every setting."""
        settings = json.dumps(asdict(self.settings), sort_keys=True)
        return hashlib.sha256(f"{data.fingerprint}\n{settings}".encode()).hexdigest()

    def knows(self, tracks: np.ndarray) -> np.ndarray:
        """Seeds with their own id embedding or a known artist: a track in no training
        playlist still says something through its artist."""
        if self.known_seeds is None:
            return super().knows(tracks)
        return self.known_seeds[tracks]

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        seeds = list(query.seeds)
        tower, candidates = self._fitted()
        index = self.index or ItemIndex(candidates)
        return index.search(tower.encode(query.name, seeds), k, exclude=seeds)

    def _score(self, query: PlaylistQuery, ids: np.ndarray) -> np.ndarray:
        tower, candidates = self._fitted()
        return candidates[ids] @ tower.encode(query.name, list(query.seeds))

    def scores(self, name: str, seeds: list[int]) -> np.ndarray:
        """Score of every track for a playlist (higher = better)."""
        tower, candidates = self._fitted()
        return candidates @ tower.encode(name, seeds)

    def _fitted(self) -> tuple[QueryTower, np.ndarray]:
        if self.tower is None or self.candidates is None:
            raise RuntimeError("two_tower model is not trained: call fit() or load()")
        return self.tower, self.candidates

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        tower, candidates = self._fitted()
        index_meta, index_arrays = (self.index or ItemIndex(candidates)).state()
        settings = {**asdict(self.settings), "n_layers": len(tower.layers),
                    "history": self.history, "ann": index_meta}
        known = {} if self.known_seeds is None else {"known_seeds": self.known_seeds}
        return settings, {**tower.state(), "candidates": candidates, **index_arrays, **known}

    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        if arrays["candidates"].shape[0] != data.n_tracks:
            raise ModelFormatError(
                f"saved two_tower model has {arrays['candidates'].shape[0]} tracks, the data "
                f"has {data.n_tracks}: retrain it with `mpdtui --train`")
        self.settings = settings_from_json(TwoTowerSettings, settings)
        self.history = dict(settings.get("history", {}))
        s = self.settings
        self.tower = QueryTower.from_state(arrays, int(settings["n_layers"]), s.use_name,
                                           s.max_words, s.max_trigrams, s.max_seeds)
        self.candidates = arrays["candidates"]
        self.known_seeds = arrays.get("known_seeds")
        self.index = ItemIndex.from_state(settings.get("ann"), arrays, self.candidates)


def build_catalog(data: Dataset, settings: TwoTowerSettings) -> Catalog:
    """Buckets, normalised features and target-sampling probabilities from the training data."""
    counts = data.track_popularity()
    track_bucket = _buckets(np.arange(data.n_tracks), counts, settings.min_track_count)
    features, mean, var = None, None, None
    if settings.use_features and data.track_features is not None and data.track_features.size:
        features, mean, var = _prepare_features(data.track_features)
    return Catalog(
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
