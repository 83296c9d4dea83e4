"""The setup pipeline behind `mpdtui --train` and the app's training screen.

Stages: data (ingest), features, split (hold out the evaluation playlists), one stage per
model, evaluate. Every stage is skipped when its output already exists for the same data,
so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from models.base import (
    MODEL_FORMAT,
    Dataset,
    ModelFormatError,
    Progress,
    Recommender,
    check_cancel,
    link_fallbacks,
    report,
)
from models.evaluation import ChallengeSplit, make_challenge_split
from models.registry import MODEL_NAMES, UnknownModelError, model_class
from mpdtui.data.catalog import Catalog
from mpdtui.data.dataset import load_dataset
from mpdtui.data.files import FormatVersionError, npz_is_whole, read_json, read_npz, write_json, write_npz
from mpdtui.data.matrices import load_sequences
from mpdtui.errors import UserError
from mpdtui.locations import Locations

SPLIT_FORMAT, SPLIT_VERSION = "mpdtui-split", 1
REPORT_FORMAT, REPORT_VERSION = "mpdtui-evaluation", 1
MAX_HOLDOUT = 1000
SPLIT_SEED = 2018
DEFAULT_MODELS: tuple[str, ...] = MODEL_NAMES
"""Models in training order: the blend comes last, it combines the others."""



@dataclass
class TrainResult:
    trained: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None


@dataclass(frozen=True)
class Split:
    """Which playlists models train on; the rest are evaluation cases."""

    fingerprint: str
    train_rows: np.ndarray
    challenge: ChallengeSplit | None = None


def holdout_size(n_playlists: int) -> int:
    return min(MAX_HOLDOUT, n_playlists // 10)


def data_fingerprint(locations: Locations) -> str:
    with Catalog.open(locations) as catalog:
        fingerprint = catalog.meta("finalized")
    if fingerprint is None:
        raise ModelFormatError("the data is not fully ingested: run `mpdtui ingest` again")
    return fingerprint


def training_split(locations: Locations, need_cases: bool = False) -> Split:
    """The saved split for the current data, made (deterministically) when missing or stale.

    `need_cases` rebuilds the evaluation cases too (the saved file keeps only the rows).
    """
    fingerprint = data_fingerprint(locations)
    path = locations.split_npz
    if path.exists() and not need_cases:
        try:
            arrays = read_npz(path, SPLIT_FORMAT, SPLIT_VERSION, f"delete {path}")
        except FormatVersionError:
            arrays = {}  # damaged or of another version: made again below
        if str(arrays.get("fingerprint")) == fingerprint:
            return Split(train_fingerprint(fingerprint, arrays["train_rows"]), arrays["train_rows"])
    sequences, _ = load_sequences(locations)
    with Catalog.open(locations) as catalog:
        names = catalog.playlist_raw_names()
    challenge = make_challenge_split(sequences.indptr, sequences.indices, names,
                                     holdout_size(len(names)), SPLIT_SEED)
    write_npz(path, SPLIT_FORMAT, SPLIT_VERSION,
              {"train_rows": challenge.train_rows, "fingerprint": np.array(fingerprint)})
    return Split(train_fingerprint(fingerprint, challenge.train_rows), challenge.train_rows,
                 challenge)


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
    return Split(train_fingerprint(fingerprint, arrays["train_rows"]), arrays["train_rows"])


def train_fingerprint(data_fp: str, train_rows: np.ndarray) -> str:
    """The data plus exactly which playlists were trained on: a model trained on another
    split must not be evaluated on cases it may have seen."""
    rows = hashlib.blake2b(np.ascontiguousarray(train_rows, dtype=np.int64).tobytes(), digest_size=6)
    return f"{data_fp}/train-{rows.hexdigest()}"


def training_dataset(locations: Locations, split: Split) -> Dataset:
    full = load_dataset(locations)
    train = full.with_rows(split.train_rows, "")
    train.fingerprint = split.fingerprint
    return train


def saved_model_fingerprint(locations: Locations, name: str) -> str | None:
    """The fingerprint a saved model was trained on (None when there is none)."""
    return _saved_meta(locations, name).get("fingerprint")


def _saved_meta(locations: Locations, name: str) -> dict[str, Any]:
    try:
        meta = json.loads((locations.model_dir(name) / "meta.json").read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def model_is_current(locations: Locations, name: str, fingerprint: str,
                     overrides: Mapping[str, Any] | None = None) -> bool:
    """Whether the saved model `name` was trained on this split with these settings and its
    files are whole (a damaged or outdated one is retrained)."""
    meta = _saved_meta(locations, name)
    if meta.get("fingerprint") != fingerprint or (meta.get("format"), meta.get("model"),
                                                 meta.get("version")) != (
            MODEL_FORMAT, name, model_class(name).version):
        return False
    wanted = _jsonable(asdict(new_model(name, {}, overrides).settings))  # type: ignore[attr-defined]
    saved = meta.get("settings") or {}
    if any(saved.get(key) != value for key, value in wanted.items()):
        return False
    return npz_is_whole(locations.model_dir(name) / "arrays.npz")


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(value))


def load_model(locations: Locations, name: str, data: Dataset) -> Recommender:
    """A saved model; the blend loads its components from the sibling directories."""
    return model_class(name).load(locations.model_dir(name), data)


def new_model(name: str, trained: Mapping[str, Recommender],
              overrides: Mapping[str, Any] | None = None) -> Recommender:
    """A fresh model `name` with its default settings but for `overrides` (config.json's
    `model_settings`); the blend gets the models trained so far as its components."""
    cls = model_class(name)
    defaults = cls().settings  # type: ignore[attr-defined]
    unknown = sorted(set(overrides or {}) - {f.name for f in fields(defaults)})
    if unknown:
        raise UnknownModelError(f"model '{name}' has no setting {', '.join(unknown)}: its "
                                f"settings are {', '.join(f.name for f in fields(defaults))}")
    settings = replace(defaults, **{k: tuple(v) if isinstance(v, list) else v
                                    for k, v in (overrides or {}).items()})
    if name == "blend":
        return cls(settings=settings,  # type: ignore[call-arg]
                   components={k: v for k, v in trained.items() if k != "blend"})
    return cls(settings=settings)  # type: ignore[call-arg]


def train_model(locations: Locations, name: str, data: Dataset, trained: Mapping[str, Recommender],
                progress: Callable[[Progress], None] | None = None,
                cancel: threading.Event | None = None, retrain: bool = False,
                overrides: Mapping[str, Any] | None = None) -> Recommender:
    """Fit model `name` on `data` and save it (atomically); resumes from its checkpoint."""
    model = new_model(name, trained, overrides)
    model.checkpoint_dir = locations.checkpoint_dir(name)
    if retrain:
        shutil.rmtree(model.checkpoint_dir, ignore_errors=True)
    model.fit(data, progress=progress, cancel=cancel)
    model.save(locations.model_dir(name))
    shutil.rmtree(model.checkpoint_dir, ignore_errors=True)
    return model


def train_models(locations: Locations, names: Sequence[str] = DEFAULT_MODELS,
                 progress: Callable[[Progress], None] | None = None,
                 cancel: threading.Event | None = None, retrain: bool = False,
                 settings: Mapping[str, Mapping[str, Any]] | None = None) -> TrainResult:
    """Train (or reuse) each model on the training split, then evaluate them all: the model
    part of the pipeline (`mpdtui.pipeline.stages`), for callers without a job."""
    split = training_split(locations)
    data = training_dataset(locations, split)
    result = TrainResult()
    trained: dict[str, Recommender] = {}
    for name in names:
        check_cancel(cancel)
        overrides = (settings or {}).get(name)
        if not retrain and model_is_current(locations, name, split.fingerprint, overrides):
            trained[name] = load_model(locations, name, data)
            result.reused.append(name)
            report(progress, name, 1, 1, "already trained for this data")
            continue
        trained[name] = train_model(locations, name, data, trained, progress, cancel, retrain,
                                    overrides)
        result.trained.append(name)
    result.report = evaluate_models(locations, trained, progress=progress, cancel=cancel,
                                     force=bool(result.trained))
    return result


def evaluate_models(locations: Locations, models: dict[str, Recommender],
                    progress: Callable[[Progress], None] | None = None,
                    cancel: threading.Event | None = None, force: bool = False) -> dict[str, Any]:
    """The challenge evaluation of `models`, saved as JSON; reused when nothing changed."""
    from models.evaluation import evaluate

    split = training_split(locations, need_cases=True)
    path = locations.evaluation_json
    try:
        saved = read_json(path, REPORT_FORMAT, REPORT_VERSION, f"delete {path}")
    except FormatVersionError:
        saved = None  # damaged or of another version: evaluated again below
    if (not force and saved and saved.get("fingerprint") == split.fingerprint
            and set(saved["models"]) == set(models)):
        report(progress, "evaluate", 1, 1, "already evaluated for this data")
        return saved
    with Catalog.open(locations) as catalog:
        track_artist = catalog.track_arrays()[0]
    assert split.challenge is not None
    link_fallbacks(models)
    evaluation = evaluate(models, split.challenge.cases, track_artist, k=500, progress=progress,
                          cancel=cancel)
    evaluation["fingerprint"] = split.fingerprint
    write_json(path, REPORT_FORMAT, REPORT_VERSION, evaluation)
    return evaluation


def load_report(locations: Locations) -> dict[str, Any] | None:
    path = locations.evaluation_json
    return read_json(path, REPORT_FORMAT, REPORT_VERSION, f"delete {path} and run `mpdtui evaluate`")


