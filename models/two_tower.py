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

from models.ann import ItemIndex
from models.ann_index import ANN_MIN_ITEMS, IndexSettings
from models.base import PlaylistQuery, Recommendations
from models.checkpoint_run import record_run
from models.dataset import Dataset
from models.filtered import RanksByScore
from models.model_dir import ModelFormatError, settings_from_json
from models.numpy_towers import QueryTower
from models.progress import ProgressCallback, check_cancel, report
from models.tower_catalog import TowerCatalog, build_catalog


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
    """Adam steps only the embedding rows a batch touched (`tf_towers.LazyAdam`); Keras'
    Adam moves every row every step, which costs O(catalog) per step."""
    examples_per_playlist: int = 4
    """Training examples cut from each playlist per epoch (fresh seeds/target every epoch)."""
    min_steps_per_epoch: int = 16
    """Small data gets more examples per playlist, to make an epoch this many batches: 1,200
    training playlists gave 4 steps an epoch and an untrained tower (R-precision 0.012, below
    popularity; 0.033 with 16 examples a playlist). From about 4,000 playlists it changes
    nothing."""
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

    def examples_from_each(self, playlists: int) -> int:
        """Examples cut from each of `playlists` training playlists an epoch (and validation
        playlist): `examples_per_playlist`, or more where that makes fewer than
        `min_steps_per_epoch` batches."""
        wanted = self.min_steps_per_epoch * self.batch_size
        return max(self.examples_per_playlist, -(-wanted // max(playlists, 1)))


class TwoTowerRecommender(RanksByScore):
    name = "two_tower"
    version = 2  # 2: the item index of norm bands (models/ann.py); a saved 1 is retrained
    reads_names = True
    reads_audio = True

    def __init__(self, settings: TwoTowerSettings | None = None, **overrides: Any) -> None:
        super().__init__()
        self.settings: TwoTowerSettings = replace(settings or TwoTowerSettings(), **overrides)
        self.tower: QueryTower | None = None
        self.candidates: np.ndarray | None = None
        self.index: ItemIndex | None = None
        self.history: dict[str, list[float]] = {}
        self.known_seeds: np.ndarray | None = None

    def fit(self, data: Dataset, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> None:
        self._remember(data)
        if not self.settings.use_features:
            self.tracks_with_audio = None  # new features change nothing here
        report(progress, self.name, 0, None, "preparing training data")
        check_cancel(cancel)
        catalog = build_catalog(data, self.settings.min_track_count, self.settings.use_features)
        self.known_seeds = (catalog.track_bucket > 0) | (catalog.artist_bucket > 0)
        report(progress, self.name, 0, None, "loading TensorFlow")
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
        from models import two_tower_tf  # TensorFlow is imported only here

        check_cancel(cancel)  # seconds to import
        report(progress, self.name, 0, None, "building the towers")
        if self.checkpoint_dir is not None:
            record_run(self.checkpoint_dir, data.fingerprint, self.settings)

        trained = two_tower_tf.train(list(data.playlist_names), data.interactions.indptr,
                                     data.interactions.indices, catalog, self.settings,
                                     progress, cancel, self.checkpoint_dir,
                                     self._run_key(data, catalog))
        self.tower, self.candidates, self.history = (trained.tower, trained.candidates,
                                                     trained.history)
        self.index = ItemIndex.build(self.candidates, progress, cancel,
                                     IndexSettings(min_items=self.settings.ann_min_items), self.name)

    def _run_key(self, data: Dataset, catalog: TowerCatalog) -> str:
        """What a checkpoint must match to be resumed: the data, every setting, and the audio
        features the candidate tower reads (imported after the data, they leave its
        fingerprint as it was; with them the tower has more inputs)."""
        settings = json.dumps(asdict(self.settings), sort_keys=True)
        key = hashlib.sha256(f"{data.fingerprint}\n{settings}".encode())
        if catalog.features is not None:
            key.update(np.ascontiguousarray(catalog.features).tobytes())
        return key.hexdigest()

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
