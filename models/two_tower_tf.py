"""TensorFlow half of the two-tower model: training data, training loop, export to numpy (the
Keras towers themselves are in `models.tf_towers`).

Imported only by `TwoTowerRecommender.fit` (never at app start or query time). Sets
`TF_USE_LEGACY_KERAS=1` before importing TensorFlow, as tensorflow-recommenders needs Keras 2.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
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
from models.tf_towers import (
    CandidateModel,
    LazyAdam,
    QueryModel,
    RetrievalModel,
    build_vectorizers,
    embed_all,
    vectorize,
)
from models.tower_catalog import TowerCatalog
from models.tower_validation import count_above, top_k_accuracy

BATCHES = "batches"
"""The unit of the two-tower progress: one optimizer step over a batch of examples."""


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


def training_data(ex: Examples, settings: Any, first_epoch: int, per_playlist: int
                  ) -> tuple[Any, int]:
    """An endless stream of freshly sampled batches from `first_epoch` on, and steps per epoch
    (`per_playlist` examples cut from each playlist an epoch).

    Each epoch's batches come from a generator seeded by (seed, epoch), so a run resumed at
    epoch n sees the batches an uninterrupted run would have seen.
    """
    per_epoch = np.repeat(ex.rows, per_playlist)
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
    return stream.prefetch(2).with_options(_fixed_buffers()), steps


def _fixed_buffers() -> Any:
    """tf.data without its autotuning: nothing here asks for it (the prefetch buffer is
    fixed), and its thread, asleep for up to a minute between rounds, held up the deletion of
    each iterator: fit returned up to 14 s after its last epoch (measured on a 3k demo)."""
    options = tf.data.Options()
    options.autotune.enabled = False
    return options


class Validation:
    """Top-10/100 accuracy of held-out examples against the whole catalog.

    TFRS' `FactorizedTopK` re-embeds the whole catalog for every validation batch and merges
    a top-k per block of tracks: 84 s an epoch at the MPD's 2.26M tracks. Here the catalog is
    embedded once and a target's rank is the number of tracks scoring above it, counted only
    as far as top-100 needs (`models.tower_validation`), so a validation costs one pass of the
    candidate tower and a part of one matrix product.
    """

    def __init__(self, ex: Examples, settings: Any, n_tracks: int, per_playlist: int) -> None:
        rng = np.random.default_rng(settings.seed + 1)
        # several examples per playlist, as many as training cuts: a steadier signal for early
        # stopping (on small data, 4 from each of 60 playlists stopped it at a bad epoch)
        self.examples = sample_batch(ex, np.repeat(ex.rows, per_playlist),
                                     settings, rng)
        self.n_tracks, self.batch_size = n_tracks, settings.batch_size

    def __call__(self, model: RetrievalModel) -> dict[int, float]:
        candidates = embed_all(model.candidate_model, self.n_tracks)
        queries = np.concatenate([
            model.query_model({k: v[i:i + self.batch_size]
                               for k, v in self.examples.items()}).numpy()
            for i in range(0, len(self.examples["target"]), self.batch_size)])
        counts = count_above(queries, candidates, self.examples["target"], cap=100)
        return top_k_accuracy(counts, (10, 100))


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
               self.epochs * self.steps, message, BATCHES)

    def on_train_batch_begin(self, batch: int, logs: dict[str, float] | None = None) -> None:
        check_cancel(self.cancel)  # the first batch builds the training graph: seconds

    def on_train_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        loss = float((logs or {}).get("loss", float("nan")))
        self.batch_losses.append(loss)
        report(self.progress, "two_tower", self.epoch * self.steps + batch + 1,
               self.epochs * self.steps,
               f"epoch {self.epoch + 1}/{self.epochs} · loss {loss / self.batch_size:.3f}", BATCHES)
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
    _check_cancel(cancel)  # start-up takes seconds: cancel is also looked at between its steps
    usable = np.flatnonzero(np.diff(ex_indptr) >= 1)
    train_rows, val_rows = _split_rows(usable, settings, np.random.default_rng(settings.seed))
    state = TrainingState.load(checkpoints, key)
    ex = Examples(train_rows, word_ids, char_ids, ex_indptr, ex_indices)
    per_playlist = settings.examples_from_each(len(train_rows))
    stream, steps = training_data(ex, settings, state.epochs_done, per_playlist)
    validate = Validation(Examples(val_rows, word_ids, char_ids, ex_indptr, ex_indices),
                          settings, catalog.n_tracks, per_playlist) if len(val_rows) else None
    query = QueryModel(words_vec.vocabulary_size(), chars_vec.vocabulary_size(), catalog, settings)
    candidate = CandidateModel(catalog, settings)
    model = RetrievalModel(query, candidate, catalog, settings)
    optimizer = LazyAdam if settings.lazy_adam else tf_keras.optimizers.Adam
    model.compile(optimizer=optimizer(settings.learning_rate))
    _check_cancel(cancel)
    batch_size = min(settings.batch_size, len(train_rows) * per_playlist)
    tracker = ProgressAndCancel(progress, cancel, settings.epochs, steps, batch_size)
    epochs = EpochCheckpoints(state, checkpoints, settings.patience, tracker.epoch_loss,
                              (lambda: validate(model)) if validate else None, tracker.say)
    try:
        _build(model, next(iter(stream)))
        epochs.set_model(model)
        check_cancel(cancel)
        if not epochs.resume():  # its key matched, its variables do not: start over, cleanly
            tf_keras.backend.clear_session()
            return train(names, ex_indptr, ex_indices, catalog, settings, progress, cancel,
                         checkpoints, key)
        if not state.finished:
            start = f"training on {training_device()} (batches of {batch_size:,})"
            if state.epochs_done:  # in the same report: one of its own, the next at once hid it
                start = f"resuming after epoch {state.epochs_done}/{settings.epochs}, {start}"
            report(progress, "two_tower", state.epochs_done * steps, settings.epochs * steps,
                   start, BATCHES)
            model.fit(stream, epochs=settings.epochs, initial_epoch=state.epochs_done,
                      steps_per_epoch=steps, callbacks=[tracker, epochs], verbose=0)
        total = settings.epochs * steps
        # a few seconds at the MPD's 2.26M tracks: said, not left under the last epoch's line
        report(progress, "two_tower", total, total, f"embedding {catalog.n_tracks:,} tracks",
               BATCHES)
        epochs.restore_best()
        tower = export_query_tower(query, words_vec, chars_vec, catalog, settings)
        candidates = embed_all(candidate, catalog.n_tracks)
        check_export(query, tower, words_vec, chars_vec, settings)
    finally:  # also when cancelled: free the tables and optimizer state
        tf_keras.backend.clear_session()
    report(progress, "two_tower", total, total, f"trained {state.epochs_done} epochs", BATCHES)
    return Trained(tower, candidates, state.history())


def _check_cancel(cancel: threading.Event | None) -> None:
    """`check_cancel` where the Keras objects made so far are not freed by `train`'s own
    `finally`: freed here."""
    if cancel is not None and cancel.is_set():
        tf_keras.backend.clear_session()
        check_cancel(cancel)


def training_device() -> str:
    """Where TensorFlow places the training: its first GPU when it sees one (the same code,
    the same saved numpy towers), else the CPU."""
    gpus = tf.config.list_logical_devices("GPU")
    return f"the GPU ({gpus[0].name})" if gpus else "the CPU"


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

