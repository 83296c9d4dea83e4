"""The two-tower model's query tower evaluated in numpy, so serving never imports TensorFlow.

The text featurisation here is the single definition of what the query tower reads from a
playlist name: words (whitespace tokens of the normalised name) and character trigrams of the
name with boundary markers ("<chill_vibes>"), so "chill vibes", "Chill!!" and "chilll" share most
trigrams. Training builds the vocabularies with Keras `TextVectorization` over exactly these
strings; a test checks that the two agree token for token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from models.text import normalize_name

PAD = 0  # id of padding in both vocabularies (TextVectorization's "")
OOV = 1  # id of an unknown token (TextVectorization's "[UNK]")


def name_words(name: str) -> str:
    """The string the word vectoriser reads: the normalised name."""
    return normalize_name(name)


def name_chars(name: str) -> str:
    """The string the trigram vectoriser reads: "<chill_vibes>", or "" for an empty name."""
    words = normalize_name(name)
    return f"<{words.replace(' ', '_')}>" if words else ""


def trigrams(chars: str) -> list[str]:
    """Character trigrams as TextVectorization(split="character", ngrams=(3,)) forms them."""
    letters = list(chars)
    return [" ".join(letters[i:i + 3]) for i in range(len(letters) - 2)]


class Vocabulary:
    """Token -> id lookup matching a TextVectorization vocabulary ("" = 0, "[UNK]" = 1)."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = np.asarray(list(tokens), dtype=str)
        self._ids = {tok: i for i, tok in enumerate(tokens) if i > OOV}

    def ids(self, tokens: Sequence[str], length: int) -> np.ndarray:
        """Ids of the first `length` tokens, unknown ones as OOV (no padding)."""
        return np.fromiter((self._ids.get(t, OOV) for t in tokens[:length]), dtype=np.int64)


def masked_mean(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Mean of the table rows for non-padding ids; zeros when there are none."""
    ids = ids[ids != PAD]
    if ids.size == 0:
        return np.zeros(table.shape[1], dtype=np.float32)
    return table[ids].mean(axis=0)


@dataclass
class Dense:
    """One dense layer: x @ kernel + bias, then ReLU if `relu`."""

    kernel: np.ndarray
    bias: np.ndarray
    relu: bool

    def __call__(self, x: np.ndarray) -> np.ndarray:
        y = x @ self.kernel + self.bias
        return np.maximum(y, 0.0, out=y) if self.relu else y


@dataclass
class QueryTower:
    """The trained query tower: name embeddings + mean seed embedding -> dense layers.

    `seed_table` row t is the seed representation of track t (its query-side id and artist
    embeddings summed); `max_seeds` of them are averaged, as in training.
    """

    words: Vocabulary
    chars: Vocabulary
    word_table: np.ndarray
    char_table: np.ndarray
    seed_table: np.ndarray
    layers: list[Dense]
    use_name: bool
    max_words: int
    max_trigrams: int
    max_seeds: int

    def encode(self, name: str, seeds: Sequence[int]) -> np.ndarray:
        """The query embedding of a playlist (float32 vector)."""
        word_ids, char_ids = self.name_ids(name)
        name_vec = masked_mean(self.word_table, word_ids) + masked_mean(self.char_table, char_ids)
        seed_ids = np.asarray(seeds, dtype=np.int64)[: self.max_seeds]
        if seed_ids.size:
            seed_vec = self.seed_table[seed_ids].mean(axis=0)
        else:
            seed_vec = np.zeros(self.seed_table.shape[1], dtype=np.float32)
        flags = np.array([seed_count_feature(seed_ids.size), float(word_ids.size > 0)], np.float32)
        if not self.use_name:
            name_vec = np.zeros_like(name_vec)
            flags[1] = 0.0
        x = np.concatenate([name_vec, seed_vec, flags]).astype(np.float32)[None, :]
        for layer in self.layers:
            x = layer(x)
        return x[0]

    def name_ids(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        words = self.words.ids(name_words(name).split(), self.max_words)
        chars = self.chars.ids(trigrams(name_chars(name)), self.max_trigrams)
        return words, chars

    def state(self) -> dict[str, np.ndarray]:
        arrays = {
            "word_vocab": self.words.tokens,
            "char_vocab": self.chars.tokens,
            "word_table": self.word_table,
            "char_table": self.char_table,
            "seed_table": self.seed_table,
        }
        for i, layer in enumerate(self.layers):
            arrays[f"dense{i}_kernel"] = layer.kernel
            arrays[f"dense{i}_bias"] = layer.bias
        return arrays

    @classmethod
    def from_state(cls, arrays: Mapping[str, np.ndarray], n_layers: int, use_name: bool,
                   max_words: int, max_trigrams: int, max_seeds: int) -> QueryTower:
        layers = [
            Dense(arrays[f"dense{i}_kernel"], arrays[f"dense{i}_bias"], relu=i < n_layers - 1)
            for i in range(n_layers)
        ]
        return cls(
            words=Vocabulary([str(t) for t in arrays["word_vocab"]]),
            chars=Vocabulary([str(t) for t in arrays["char_vocab"]]),
            word_table=arrays["word_table"],
            char_table=arrays["char_table"],
            seed_table=arrays["seed_table"],
            layers=layers,
            use_name=use_name,
            max_words=max_words,
            max_trigrams=max_trigrams,
            max_seeds=max_seeds,
        )


def seed_count_feature(n_seeds: int | np.ndarray) -> float | np.ndarray:
    """How many seeds a query has, squashed to [0, 1]: log(1 + n) / log(101)."""
    return np.log1p(n_seeds) / np.log(101.0)
