"""The Keras half of the two-tower model: name vectorizers, the query and candidate towers, the
TFRS retrieval model and its sparse Adam.

Imported only by `models.two_tower_tf`, which sets `TF_USE_LEGACY_KERAS=1` before TensorFlow is
imported (tensorflow-recommenders needs Keras 2).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import tensorflow as tf
import tensorflow_recommenders as tfrs
import tf_keras

from models.numpy_towers import name_chars, name_words
from models.tower_catalog import TowerCatalog


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
        self.task = tfrs.tasks.Retrieval(remove_accidental_hits=True)  # validation: `two_tower_tf.Validation`

    def compute_loss(self, features: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        query = self.query_model(features)
        target = features["target"]
        candidate = self.candidate_model(target)
        prob = tf.gather(self.sampling_prob, target) if self.use_logq else None
        return self.task(query, candidate, candidate_sampling_probability=prob,
                         candidate_ids=target, compute_metrics=False)


def embed_all(candidate: CandidateModel, n_tracks: int) -> np.ndarray:
    """Every track's vector from the candidate tower (in blocks, to bound memory)."""
    out = np.empty((n_tracks, candidate.dense[-1].units), np.float32)
    for start in range(0, n_tracks, 65_536):
        ids = tf.range(start, min(start + 65_536, n_tracks), dtype=tf.int32)
        out[start:start + 65_536] = candidate(ids).numpy()
    return out
