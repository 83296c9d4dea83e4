"""TensorFlow half of the two-tower model: towers, training loop, export to numpy.

Imported only by `TwoTowerRecommender.fit` (never at app start or query time). Sets
`TF_USE_LEGACY_KERAS=1` before importing TensorFlow, as tensorflow-recommenders needs Keras 2.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import itertools
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
import tensorflow_recommenders as tfrs
import tf_keras

from models.numpy_towers import (
    Dense,
    QueryTower,
    Vocabulary,
    name_chars,
    name_words,
)
from models.progress import ProgressCallback, check_cancel, report
from models.tf_checkpoints import EpochCheckpoints, TrainingState
from models.tower_catalog import TowerCatalog


@dataclass
class Examples:
    """What a training step reads: playlist rows, their name ids, the CSR playlists."""

    rows: np.ndarray
    word_ids: np.ndarray  # (n_playlists, max_words) int64, all playlists of the fit data
    char_ids: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray


def set_seeds(seed: int) -> None:
    tf_keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def build_vectorizers(names: list[str], settings: Any) -> tuple[Any, Any]:
    """TextVectorization layers over words and character trigrams, adapted to `names`."""
    words = tf_keras.layers.TextVectorization(
        max_tokens=settings.word_vocab, standardize=None, split="whitespace",
        output_mode="int", output_sequence_length=settings.max_words)
    chars = tf_keras.layers.TextVectorization(
        max_tokens=settings.char_vocab, standardize=None, split="character", ngrams=(3,),
        output_mode="int", output_sequence_length=settings.max_trigrams)
    distinct = sorted(set(names)) or [""]
    words.adapt(tf.constant([name_words(n) for n in distinct]), batch_size=4096)
    chars.adapt(tf.constant([name_chars(n) for n in distinct]), batch_size=4096)
    return words, chars


def vectorize(layer: Any, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, layer._output_sequence_length), np.int64)
    out = [layer(tf.constant(texts[i:i + 8192])).numpy() for i in range(0, len(texts), 8192)]
    return np.concatenate(out).astype(np.int64)


def _masked_mean(embedded: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
    mask = tf.cast(mask, tf.float32)[..., None]
    total = tf.reduce_sum(embedded * mask, axis=1)
    return total / tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)


def _dense_stack(settings: Any, prefix: str) -> list[Any]:
    layers = []
    if settings.hidden > 0:
        layers.append(tf_keras.layers.Dense(settings.hidden, activation="relu",
                                            name=f"{prefix}_hidden"))
    layers.append(tf_keras.layers.Dense(settings.dim, name=f"{prefix}_out"))
    return layers


class QueryModel(tf_keras.Model):
    """Name (word + trigram embeddings) and mean seed embedding -> query vector."""

    def __init__(self, n_words: int, n_chars: int, catalog: TowerCatalog, settings: Any) -> None:
        super().__init__()
        d = settings.dim
        self.use_name = settings.use_name
        self.word_emb = tf_keras.layers.Embedding(n_words, d, name="q_words")
        self.char_emb = tf_keras.layers.Embedding(n_chars, d, name="q_chars")
        self.track_emb = tf_keras.layers.Embedding(
            int(catalog.track_bucket.max()) + 1, d, name="q_tracks")
        self.artist_emb = tf_keras.layers.Embedding(
            int(catalog.artist_bucket.max()) + 1, d, name="q_artists")
        self.track_bucket = tf.constant(catalog.track_bucket)
        self.artist_bucket = tf.constant(catalog.artist_bucket)
        self.dense = _dense_stack(settings, "q")

    def seed_vectors(self, track_ids: tf.Tensor) -> tf.Tensor:
        """Seed representation of tracks: query-side id + artist embeddings."""
        return (self.track_emb(tf.gather(self.track_bucket, track_ids))
                + self.artist_emb(tf.gather(self.artist_bucket, track_ids)))

    def call(self, inputs: dict[str, tf.Tensor]) -> tf.Tensor:
        words, chars, seeds = inputs["words"], inputs["chars"], inputs["seeds"]
        name_vec = (_masked_mean(self.word_emb(words), words != 0)
                    + _masked_mean(self.char_emb(chars), chars != 0))
        seed_mask = seeds >= 0
        seed_vec = _masked_mean(self.seed_vectors(tf.maximum(seeds, 0)), seed_mask)
        n_seeds = tf.reduce_sum(tf.cast(seed_mask, tf.float32), axis=1)
        has_name = tf.cast(tf.reduce_any(words != 0, axis=1), tf.float32)
        if not self.use_name:
            name_vec, has_name = tf.zeros_like(name_vec), tf.zeros_like(has_name)
        flags = tf.stack([tf.math.log1p(n_seeds) / math.log(101.0), has_name], axis=1)
        x = tf.concat([name_vec, seed_vec, flags], axis=1)
        for layer in self.dense:
            x = layer(x)
        return x


class CandidateModel(tf_keras.Model):
    """Track id, artist, album embeddings and normalised audio features -> track vector."""

    def __init__(self, catalog: TowerCatalog, settings: Any) -> None:
        super().__init__()
        d = settings.dim
        self.track_bucket = tf.constant(catalog.track_bucket)
        self.artist_bucket = tf.constant(catalog.artist_bucket)
        self.album_bucket = tf.constant(catalog.album_bucket)
        self.track_emb = tf_keras.layers.Embedding(
            int(catalog.track_bucket.max()) + 1, d, name="c_tracks")
        self.artist_emb = tf_keras.layers.Embedding(
            int(catalog.artist_bucket.max()) + 1, d, name="c_artists")
        self.album_emb = tf_keras.layers.Embedding(
            int(catalog.album_bucket.max()) + 1, d, name="c_albums")
        self.features = None
        if catalog.features is not None:
            values, missing = catalog.features[:, :-1], catalog.features[:, -1:]
            self.features = tf.constant(values)
            self.missing = tf.constant(missing)
            self.norm = tf_keras.layers.Normalization(
                mean=catalog.feature_mean, variance=catalog.feature_var, name="c_norm")
        self.dense = _dense_stack(settings, "c")

    def call(self, track_ids: tf.Tensor) -> tf.Tensor:
        parts = [
            self.track_emb(tf.gather(self.track_bucket, track_ids)),
            self.artist_emb(tf.gather(self.artist_bucket, track_ids)),
            self.album_emb(tf.gather(self.album_bucket, track_ids)),
        ]
        if self.features is not None:
            parts.append(self.norm(tf.gather(self.features, track_ids)))
            parts.append(tf.gather(self.missing, track_ids))
        x = tf.concat(parts, axis=1)
        for layer in self.dense:
            x = layer(x)
        return x


class LazyAdam(tf_keras.optimizers.Adam):
    """Adam that moves only the embedding rows a batch touched.

    Keras' Adam decays the moments of every row of an embedding table and moves every row on
    every step, so a step costs O(table size): with the MPD's 2.26M tracks that dwarfs the
    towers' own work. Here rows outside the batch keep their moments and values, as in
    TensorFlow Addons' LazyAdam. Dense weights get the usual Adam step.
    """

    def update_step(self, gradient: Any, variable: Any) -> None:
        if not isinstance(gradient, tf.IndexedSlices):  # indices arrive deduplicated
            super().update_step(gradient, variable)
            return
        step = tf.cast(self.iterations + 1, variable.dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, variable.dtype), tf.cast(self.beta_2, variable.dtype)
        lr = tf.cast(self.learning_rate, variable.dtype)
        alpha = lr * tf.sqrt(1 - tf.pow(beta_2, step)) / (1 - tf.pow(beta_1, step))
        slot = self._index_dict[self._var_key(variable)]
        m, v, rows = self._momentums[slot], self._velocities[slot], gradient.indices
        m_rows = tf.gather(m, rows) * beta_1 + gradient.values * (1 - beta_1)
        v_rows = tf.gather(v, rows) * beta_2 + tf.square(gradient.values) * (1 - beta_2)
        m.scatter_update(tf.IndexedSlices(m_rows, rows))
        v.scatter_update(tf.IndexedSlices(v_rows, rows))
        variable.scatter_sub(tf.IndexedSlices(alpha * m_rows / (tf.sqrt(v_rows) + self.epsilon), rows))


class RetrievalModel(tfrs.Model):
    def __init__(self, query: QueryModel, candidate: CandidateModel, catalog: TowerCatalog,
                 settings: Any) -> None:
        super().__init__()
        self.query_model = query
        self.candidate_model = candidate
        self.use_logq = settings.logq
        self.sampling_prob = tf.constant(catalog.sampling_prob)
        self.task = tfrs.tasks.Retrieval(remove_accidental_hits=True)  # validation: `Validation`

    def compute_loss(self, features: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        query = self.query_model(features)
        target = features["target"]
        candidate = self.candidate_model(target)
        prob = tf.gather(self.sampling_prob, target) if self.use_logq else None
        return self.task(query, candidate, candidate_sampling_probability=prob,
                         candidate_ids=target, compute_metrics=False)


def sample_batch(ex: Examples, rows: np.ndarray, settings: Any,
                 rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Training examples for playlist `rows`: one held-out target, a random subset as seeds."""
    starts, lengths = ex.indptr[rows], ex.indptr[rows + 1] - ex.indptr[rows]
    width = int(lengths.max())
    column = np.arange(width)
    valid = column[None, :] < lengths[:, None]
    tracks = np.where(valid, ex.indices[np.where(valid, starts[:, None] + column, 0)], -1)
    keys = np.where(valid, rng.random(tracks.shape), np.inf)
    shuffled = np.take_along_axis(tracks, np.argsort(keys, axis=1), axis=1)
    counts = rng.choice(np.asarray(settings.seed_counts), size=len(rows))
    counts = np.minimum(counts, lengths - 1)
    seeds = np.full((len(rows), settings.max_seeds), -1, np.int32)
    available = shuffled[:, 1:1 + settings.max_seeds]
    keep = np.arange(available.shape[1])[None, :] < counts[:, None]
    seeds[:, :available.shape[1]] = np.where(keep, available, -1)
    words, chars = ex.word_ids[rows].copy(), ex.char_ids[rows].copy()
    blank = rng.random(len(rows)) < settings.name_dropout
    words[blank], chars[blank] = 0, 0
    return {"words": words, "chars": chars, "seeds": seeds,
            "target": shuffled[:, 0].astype(np.int32)}


def _signature(settings: Any) -> dict[str, tf.TensorSpec]:
    return {
        "words": tf.TensorSpec((None, settings.max_words), tf.int64),
        "chars": tf.TensorSpec((None, settings.max_trigrams), tf.int64),
        "seeds": tf.TensorSpec((None, settings.max_seeds), tf.int32),
        "target": tf.TensorSpec((None,), tf.int32),
    }


def training_data(ex: Examples, settings: Any, first_epoch: int) -> tuple[Any, int]:
    """An endless stream of freshly sampled batches from `first_epoch` on, and steps per epoch.

    Each epoch's batches come from a generator seeded by (seed, epoch), so a run resumed at
    epoch n sees the batches an uninterrupted run would have seen.
    """
    per_epoch = np.repeat(ex.rows, settings.examples_per_playlist)
    # full batches only: in-batch softmax losses of different batch sizes do not compare
    steps = max(1, len(per_epoch) // settings.batch_size)

    def batches() -> Iterator[dict[str, np.ndarray]]:
        for epoch in itertools.count(first_epoch):
            rng = np.random.default_rng([settings.seed, epoch])
            order = rng.permutation(per_epoch)
            for i in range(steps):
                yield sample_batch(ex, order[i * settings.batch_size:(i + 1) * settings.batch_size],
                                   settings, rng)

    stream = tf.data.Dataset.from_generator(batches, output_signature=_signature(settings))
    return stream.prefetch(2), steps


class Validation:
    """Top-10/100 accuracy of held-out examples against the whole catalog.

    TFRS' `FactorizedTopK` re-embeds the whole catalog for every validation batch and merges
    a top-k per block of tracks: 84 s an epoch at the MPD's 2.26M tracks. Here the catalog is
    embedded once and a target's rank is the number of tracks scoring above it, so a
    validation costs one pass of the candidate tower and one matrix product.
    """

    def __init__(self, ex: Examples, settings: Any, n_tracks: int) -> None:
        rng = np.random.default_rng(settings.seed + 1)
        # several examples per playlist: a steadier signal for early stopping
        self.examples = sample_batch(ex, np.repeat(ex.rows, settings.examples_per_playlist),
                                     settings, rng)
        self.n_tracks, self.batch_size = n_tracks, settings.batch_size

    def __call__(self, model: RetrievalModel) -> dict[int, float]:
        candidates = tf.constant(_embed_all(model.candidate_model, self.n_tracks))
        queries = tf.concat([
            model.query_model({k: v[i:i + self.batch_size] for k, v in self.examples.items()})
            for i in range(0, len(self.examples["target"]), self.batch_size)], axis=0)
        target_scores = tf.reduce_sum(queries * tf.gather(candidates, self.examples["target"]),
                                      axis=1, keepdims=True)
        ranks = tf.zeros(tf.shape(queries)[0], tf.int32)
        for start in range(0, self.n_tracks, 16_384):
            scores = tf.matmul(queries, candidates[start:start + 16_384], transpose_b=True)
            ranks += tf.reduce_sum(tf.cast(scores > target_scores, tf.int32), axis=1)
        ranks = ranks.numpy()
        return {k: float(np.mean(ranks < k)) for k in (10, 100)}


class ProgressAndCancel(tf_keras.callbacks.Callback):
    """Feeds Keras epoch/step progress to a `ProgressCallback`; raises `Cancelled` on cancel."""

    def __init__(self, progress: ProgressCallback | None, cancel: threading.Event | None,
                 epochs: int, steps: int, batch_size: int) -> None:
        super().__init__()
        self.progress, self.cancel = progress, cancel
        self.epochs, self.steps, self.batch_size = epochs, steps, batch_size
        self.epoch = 0
        self.batch_losses: list[float] = []
        """In-batch softmax loss of each batch this epoch (tfrs logs only the last batch's)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.epoch = epoch
        self.batch_losses = []

    def epoch_loss(self) -> float:
        """This epoch's mean loss per example."""
        return float(np.mean(self.batch_losses)) / self.batch_size

    def say(self, message: str) -> None:
        """Report `message` at the current step."""
        report(self.progress, "two_tower", (self.epoch + 1) * self.steps,
               self.epochs * self.steps, message)

    def on_train_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        loss = float((logs or {}).get("loss", float("nan")))
        self.batch_losses.append(loss)
        report(self.progress, "two_tower", self.epoch * self.steps + batch + 1,
               self.epochs * self.steps,
               f"epoch {self.epoch + 1}/{self.epochs} step {batch + 1}/{self.steps} "
               f"loss {loss:.3f}")
        check_cancel(self.cancel)  # raising stops at once: Keras would validate first


@dataclass
class Trained:
    tower: QueryTower
    candidates: np.ndarray
    history: dict[str, list[float]]


def train(names: list[str], ex_indptr: np.ndarray, ex_indices: np.ndarray, catalog: TowerCatalog,
          settings: Any, progress: ProgressCallback | None, cancel: threading.Event | None,
          checkpoints: Path | None = None, key: str = "") -> Trained:
    """Train both towers; raises `Cancelled` when `cancel` is set.

    With `checkpoints`, every finished epoch is saved there, and a later call with the same
    `key` (data fingerprint + settings) resumes after the last finished epoch.
    """
    set_seeds(settings.seed)
    words_vec, chars_vec = build_vectorizers(names, settings)
    word_ids = vectorize(words_vec, [name_words(n) for n in names])
    char_ids = vectorize(chars_vec, [name_chars(n) for n in names])
    usable = np.flatnonzero(np.diff(ex_indptr) >= 1)
    train_rows, val_rows = _split_rows(usable, settings, np.random.default_rng(settings.seed))
    state = TrainingState.load(checkpoints, key)
    ex = Examples(train_rows, word_ids, char_ids, ex_indptr, ex_indices)
    stream, steps = training_data(ex, settings, state.epochs_done)
    validate = Validation(Examples(val_rows, word_ids, char_ids, ex_indptr, ex_indices),
                          settings, catalog.n_tracks) if len(val_rows) else None
    query = QueryModel(words_vec.vocabulary_size(), chars_vec.vocabulary_size(), catalog, settings)
    candidate = CandidateModel(catalog, settings)
    model = RetrievalModel(query, candidate, catalog, settings)
    optimizer = LazyAdam if settings.lazy_adam else tf_keras.optimizers.Adam
    model.compile(optimizer=optimizer(settings.learning_rate))
    batch_size = min(settings.batch_size, len(train_rows) * settings.examples_per_playlist)
    tracker = ProgressAndCancel(progress, cancel, settings.epochs, steps, batch_size)
    epochs = EpochCheckpoints(state, checkpoints, settings.patience, tracker.epoch_loss,
                              (lambda: validate(model)) if validate else None, tracker.say)
    try:
        _build(model, next(iter(stream)))
        epochs.set_model(model)
        epochs.resume()
        if not state.finished:
            if state.epochs_done:
                report(progress, "two_tower", state.epochs_done * steps, settings.epochs * steps,
                       f"resuming after epoch {state.epochs_done}/{settings.epochs}")
            model.fit(stream, epochs=settings.epochs, initial_epoch=state.epochs_done,
                      steps_per_epoch=steps, callbacks=[tracker, epochs], verbose=0)
        epochs.restore_best()
        tower = export_query_tower(query, words_vec, chars_vec, catalog, settings)
        candidates = _embed_all(candidate, catalog.n_tracks)
        check_export(query, tower, words_vec, chars_vec, settings)
    finally:  # also when cancelled: free the tables and optimizer state
        tf_keras.backend.clear_session()
    total = settings.epochs * steps
    report(progress, "two_tower", total, total, f"trained {state.epochs_done} epochs")
    return Trained(tower, candidates, state.history())


def _build(model: RetrievalModel, batch: dict[str, tf.Tensor]) -> None:
    """Create every variable (towers and optimizer) so that a checkpoint can be read into them."""
    model.query_model(batch)
    model.candidate_model(batch["target"])
    model.optimizer.build(model.trainable_variables)


def _split_rows(rows: np.ndarray, settings: Any,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n_val = min(settings.max_val_playlists, int(len(rows) * settings.val_fraction))
    if len(rows) - n_val < 1:
        n_val = 0
    shuffled = rng.permutation(rows)
    return np.sort(shuffled[n_val:]), np.sort(shuffled[:n_val])


def _embed_all(candidate: CandidateModel, n_tracks: int) -> np.ndarray:
    out = np.empty((n_tracks, candidate.dense[-1].units), np.float32)
    for start in range(0, n_tracks, 65_536):
        ids = tf.range(start, min(start + 65_536, n_tracks), dtype=tf.int32)
        out[start:start + 65_536] = candidate(ids).numpy()
    return out


def export_query_tower(query: QueryModel, words_vec: Any, chars_vec: Any, catalog: TowerCatalog,
                       settings: Any) -> QueryTower:
    """The query tower's weights as a numpy `QueryTower`."""
    all_tracks = tf.constant(np.arange(catalog.n_tracks, dtype=np.int32))
    layers = [Dense(layer.kernel.numpy(), layer.bias.numpy(),
                    relu=layer.get_config()["activation"] == "relu") for layer in query.dense]
    return QueryTower(
        words=Vocabulary(words_vec.get_vocabulary()),
        chars=Vocabulary(chars_vec.get_vocabulary()),
        word_table=query.word_emb.embeddings.numpy(),
        char_table=query.char_emb.embeddings.numpy(),
        seed_table=query.seed_vectors(all_tracks).numpy(),
        layers=layers,
        use_name=settings.use_name,
        max_words=settings.max_words,
        max_trigrams=settings.max_trigrams,
        max_seeds=settings.max_seeds,
    )


CHECK_NAMES = ["Chill Vibes!!", "", "chilll", "Música Latina 🎉", "a", "workout " * 12, "x y"]


def check_export(query: QueryModel, tower: QueryTower, words_vec: Any, chars_vec: Any,
                 settings: Any) -> None:
    """The numpy tower must give what the Keras tower gives (same vocabularies, same maths)."""
    n_tracks = tower.seed_table.shape[0]
    seed_lists = [list(range(min(n, n_tracks))) for n in (0, 1, 3, 0, 7, 2, 150)]
    seeds = np.full((len(CHECK_NAMES), settings.max_seeds), -1, np.int32)
    for i, s in enumerate(seed_lists):
        s = s[: settings.max_seeds]
        seeds[i, :len(s)] = s
    inputs = {
        "words": tf.constant(vectorize(words_vec, [name_words(n) for n in CHECK_NAMES])),
        "chars": tf.constant(vectorize(chars_vec, [name_chars(n) for n in CHECK_NAMES])),
        "seeds": tf.constant(seeds),
    }
    expected = query(inputs).numpy()
    got = np.stack([tower.encode(n, s) for n, s in zip(CHECK_NAMES, seed_lists, strict=True)])
    if not np.allclose(expected, got, rtol=1e-4, atol=1e-4):
        raise RuntimeError("two-tower export: numpy query tower disagrees with the Keras tower "
                           f"(max difference {np.abs(expected - got).max():.3g})")

