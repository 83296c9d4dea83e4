"""Which playlists the models learn from and which are held out: the split, made once per
data (deterministically) and saved, and the one the saved models serve from."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.dataset import Dataset
from models.evaluation import Case, ChallengeSplit, every_category_cases, make_challenge_split
from models.model_dir import ModelFormatError
from mpdtui.data.catalog import Catalog
from mpdtui.data.dataset import FeatureMatrix, load_dataset
from mpdtui.data.files import FormatVersionError, read_npz, write_npz
from mpdtui.data.growth import EarlierData, grown_from
from mpdtui.data.matrices import Sequences, load_sequences
from mpdtui.errors import UserError
from mpdtui.locations import Locations

SPLIT_FORMAT, SPLIT_VERSION = "mpdtui-split", 2
MAX_HOLDOUT = 1000
MAX_RANKER_HOLDOUT = 5000
SPLIT_SEED = 2018
RANKER_SEED = 2019
STALE_MODELS = ("the data changed since the models were trained: train them again (`mpdtui "
                "--train`, or the setup's training step)")


@dataclass(frozen=True)
class Split:
    """Which playlists the models learn from; the held-out ones are evaluation cases, and
    `ranker_rows` (training playlists too) are kept from the retrievers for the ranking stage
    to learn on."""

    fingerprint: str
    train_rows: np.ndarray
    ranker_rows: np.ndarray
    challenge: ChallengeSplit | None = None
    earlier: EarlierData | None = None
    """The data this split was made for, where the current data has grown from it since
    (`serving_split`); None: the split of the current data."""


def holdout_size(n_playlists: int) -> int:
    return min(MAX_HOLDOUT, n_playlists // 10)


def data_fingerprint(locations: Locations) -> str:
    with Catalog.open(locations) as catalog:
        fingerprint = catalog.meta("finalized")
    if fingerprint is None:
        raise ModelFormatError("the data is not fully ingested: run `mpdtui ingest` again")
    return fingerprint


def ranker_holdout_size(n_training: int) -> int:
    return min(MAX_RANKER_HOLDOUT, n_training // 10)


def training_split(locations: Locations, need_cases: bool = False, write: bool = True) -> Split:
    """The saved split for the current data, made (deterministically) when missing or stale.

    `need_cases` rebuilds the evaluation cases too (the saved file keeps only the rows);
    `write` False leaves the saved file alone (a reader beside the cache dir's writer).
    """
    fingerprint = data_fingerprint(locations)
    if not need_cases:
        saved = current_split(locations)
        if saved is not None:
            return saved
    sequences, names = _playlists(locations)
    challenge = make_challenge_split(sequences.indptr, sequences.indices, names,
                                     holdout_size(len(names)), SPLIT_SEED)
    ranker_rows = np.sort(np.random.default_rng(RANKER_SEED).choice(
        challenge.train_rows, ranker_holdout_size(len(challenge.train_rows)), replace=False))
    train_rows = np.setdiff1d(challenge.train_rows, ranker_rows)
    if write:
        write_npz(locations.split_npz, SPLIT_FORMAT, SPLIT_VERSION,
                  {"train_rows": train_rows, "ranker_rows": ranker_rows,
                   "fingerprint": np.array(fingerprint)})
    return Split(train_fingerprint(fingerprint, train_rows), train_rows, ranker_rows, challenge)


def _playlists(locations: Locations) -> tuple[Sequences, list[str]]:
    sequences, _ = load_sequences(locations)
    with Catalog.open(locations) as catalog:
        return sequences, catalog.playlist_raw_names()


def ranker_cases(locations: Locations) -> tuple[Case, ...]:
    """The ranking stage's validation cases: each of the split's ranker playlists cut in every
    challenge category it is long enough for (the ranker learns from at most its `max_cases`)."""
    split = training_split(locations)
    sequences, names = _playlists(locations)
    return every_category_cases(sequences.indptr, sequences.indices, names, split.ranker_rows,
                                RANKER_SEED)


def current_split(locations: Locations) -> Split | None:
    """The saved split when it matches the current data; never computes or writes (readers:
    a missing split means no model can be current)."""
    try:
        fingerprint = data_fingerprint(locations)
        arrays = read_npz(locations.split_npz, SPLIT_FORMAT, SPLIT_VERSION, "")
    except (ModelFormatError, FormatVersionError, UserError):
        return None
    if str(arrays.get("fingerprint")) != fingerprint:
        return None
    return Split(train_fingerprint(fingerprint, arrays["train_rows"]), arrays["train_rows"],
                 arrays["ranker_rows"])


def serving_split(locations: Locations) -> Split | None:
    """The split the saved models serve from: the current data's, else that of the data the
    current data grew from by added playlists (a Spotify import, more slices), whose models
    keep serving, on their own tracks, until `--train` learns from the new ones. None: no
    model can serve. Never computes or writes."""
    current = current_split(locations)
    if current is not None or not locations.catalog_db.exists():
        return current
    try:
        arrays = read_npz(locations.split_npz, SPLIT_FORMAT, SPLIT_VERSION, "")
        with Catalog.open(locations) as catalog:
            earlier_states = grown_from(catalog)
    except (ModelFormatError, FormatVersionError, UserError):
        return None
    made_for = str(arrays.get("fingerprint"))
    earlier = next((data for data in reversed(earlier_states) if data.fingerprint == made_for), None)
    if earlier is None:
        return None
    return Split(train_fingerprint(made_for, arrays["train_rows"]), arrays["train_rows"],
                 arrays["ranker_rows"], earlier=earlier)


def train_fingerprint(data_fp: str, train_rows: np.ndarray) -> str:
    """The data plus exactly which playlists were trained on: a model trained on another
    split must not be evaluated on cases it may have seen."""
    rows = hashlib.blake2b(np.ascontiguousarray(train_rows, dtype=np.int64).tobytes(), digest_size=6)
    return f"{data_fp}/train-{rows.hexdigest()}"


def training_dataset(locations: Locations, split: Split,
                     read_features: Callable[[], FeatureMatrix | None] | None = None) -> Dataset:
    full = load_dataset(locations, read_features=read_features)
    train = full.with_rows(split.train_rows, "")
    if split.earlier is not None:  # the tracks added since are none of the models'
        try:
            train = train.first_tracks(split.earlier.tracks)
        except ValueError:  # not the data they were trained on after all
            raise UserError(STALE_MODELS) from None
    train.fingerprint = split.fingerprint
    return train
