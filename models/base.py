"""The one interface every recommender implements, and the data it learns from.

Track ids are column indices of the interaction matrix (the catalog's track rows); the
application maps them to Spotify URIs. Models are saved as a directory holding `meta.json`
(format, version, model name, settings, data fingerprint) and `arrays.npz`: no pickle.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import sys
import threading
import time
import uuid
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

import numpy as np
import scipy.sparse as sp

MODEL_FORMAT = "mpdtui-model"
SettingsT = TypeVar("SettingsT")


class ModelFormatError(Exception):
    """A saved model that cannot be used: unknown format/version, or trained on other data."""


class Cancelled(Exception):
    """Raised by `fit` when its cancel event is set."""


@dataclass(frozen=True)
class Progress:
    """One progress report from a long job: `done` of `total` units (total None = unknown)."""

    stage: str
    done: float
    total: float | None
    message: str = ""


ProgressCallback = Callable[[Progress], None]


def report(progress: ProgressCallback | None, stage: str, done: float, total: float | None,
           message: str = "") -> None:
    if progress is not None:
        progress(Progress(stage, done, total, message))


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled


@dataclass(frozen=True)
class PlaylistQuery:
    """A playlist being built: its name (may be empty) and its seed tracks (track ids)."""

    name: str = ""
    seeds: tuple[int, ...] = ()

    @classmethod
    def of(cls, name: str = "", seeds: Sequence[int] = ()) -> PlaylistQuery:
        return cls(name, tuple(int(s) for s in dict.fromkeys(seeds)))


@dataclass(frozen=True)
class Recommendations:
    """Ranked track ids (best first) and their scores; never contains the query's seeds."""

    ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Dataset:
    """What models learn from: a binary playlists x tracks matrix plus track metadata.

    `interactions` is CSR float32 with int32 indices, rows aligned with `playlist_names`
    (normalised names), columns with the track arrays. `track_features` holds audio
    features (NaN where a track has none) named by `feature_names`, or is None.
    `fingerprint` identifies the training data; saved models record it.
    """

    interactions: sp.csr_matrix
    playlist_names: list[str]
    track_artist: np.ndarray
    track_album: np.ndarray
    track_duration_ms: np.ndarray
    fingerprint: str
    track_features: np.ndarray | None = None
    feature_names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_playlists(self) -> int:
        return self.interactions.shape[0]

    @property
    def n_tracks(self) -> int:
        return self.interactions.shape[1]

    def track_popularity(self) -> np.ndarray:
        """Number of playlists holding each track."""
        return np.asarray(self.interactions.getnnz(axis=0), dtype=np.int64)

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


class Recommender(ABC):
    """Base class: `fit`, `recommend`, `save`, `load`.

    Subclasses set `name` and `version`, implement `fit`, `recommend`, `_state` (JSON-able
    settings plus numpy arrays to save) and `_restore`.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1

    def __init__(self) -> None:
        self.fingerprint: str | None = None
        self.n_tracks: int = 0
        self.checkpoint_dir: Path | None = None
        """Where `fit` may keep its state between epochs, so that a fit cancelled or killed
        resumes there (set by the caller, who deletes it once the model is saved). Models
        quick to train ignore it."""

    @abstractmethod
    def fit(self, data: Dataset, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> None:
        """Learn from `data`. Reports through `progress`; raises `Cancelled` when `cancel` is set."""

    @abstractmethod
    def recommend(self, query: PlaylistQuery, k: int = 500) -> Recommendations:
        """The k best tracks for `query`, excluding its seeds."""

    @abstractmethod
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Settings (JSON) and arrays that `_restore` needs."""

    @abstractmethod
    def _restore(self, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
                 data: Dataset) -> None:
        """Rebuild the fitted model from what `_state` returned."""

    def _remember(self, data: Dataset) -> None:
        """Call at the start of `fit`."""
        self.fingerprint = data.fingerprint
        self.n_tracks = data.n_tracks

    def save(self, directory: Path) -> None:
        """Write the model atomically: a temporary directory renamed over the old one."""
        if self.fingerprint is None:
            raise ModelFormatError(f"model '{self.name}' is not trained: nothing to save")
        settings, arrays = self._state()
        meta = {
            "format": MODEL_FORMAT,
            "model": self.name,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "n_tracks": self.n_tracks,
            "settings": settings,
        }
        write_model_dir(Path(directory), meta, arrays)

    @classmethod
    def load(cls, directory: Path, data: Dataset) -> Self:
        """Load a saved model; refuse one of another format/version or trained on other data."""
        meta, arrays = read_model_dir(Path(directory), cls.name, cls.version)
        if meta["fingerprint"] != data.fingerprint:
            raise ModelFormatError(
                f"model '{cls.name}' in {directory} was trained on other data: "
                "retrain it with `mpdtui --train`"
            )
        model = cls()
        model.fingerprint = meta["fingerprint"]
        model.n_tracks = int(meta["n_tracks"])
        model._restore(meta["settings"], arrays, data)
        return model


def settings_from_json(cls: type[SettingsT], raw: Mapping[str, Any]) -> SettingsT:
    """A settings dataclass from saved model settings: keys it lacks (history, index
    metadata) are ignored, and JSON lists become the tuples the dataclass holds."""
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in known})


def write_model_dir(directory: Path, meta: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    """Write a model directory so that readers (another process serving suggestions) never see
    it half-written: staged beside it, then swapped in (atomically where the OS can). Both
    files carry one token, so a reader that read one file before a swap and the other after
    notices and reads again."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.with_name(f".{directory.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    token = uuid.uuid4().hex
    with open(staging / "arrays.npz", "wb") as fh:
        np.savez(fh, **arrays, __token__=np.array(token))
    (staging / "meta.json").write_text(json.dumps({**meta, "token": token}, indent=2,
                                                  sort_keys=True))
    _fsync_dir(staging)
    if directory.exists() and _exchange(staging, directory):
        shutil.rmtree(staging, ignore_errors=True)  # the old model, swapped out
        return
    retired = directory.with_name(f".{directory.name}.old-{os.getpid()}")
    if directory.exists():
        os.replace(directory, retired)
    os.replace(staging, directory)
    shutil.rmtree(retired, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE); False where the
    OS or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        at_fdcwd, rename_exchange = -100, 2
        done = libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    except (AttributeError, OSError):
        return False
    return done == 0


READ_ATTEMPTS = 20


def read_model_dir(directory: Path, name: str, version: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    for _ in range(READ_ATTEMPTS):
        meta = _read_meta(directory, name, version)
        try:
            with np.load(directory / "arrays.npz", allow_pickle=False) as npz:
                arrays = {key: npz[key] for key in npz.files}
        except FileNotFoundError:
            time.sleep(0.01)  # swapped out under us: read the new one
            continue
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise ModelFormatError(f"{directory / 'arrays.npz'} is damaged ({type(exc).__name__}): "
                                   f"retrain '{name}' with `mpdtui --train`") from None
        token = arrays.pop("__token__", None)
        if token is None or str(token) == meta.get("token"):
            return meta, arrays
        time.sleep(0.01)  # the files of two different saves: read again
    raise ModelFormatError(f"{directory} keeps changing while it is read: try again")


def _read_meta(directory: Path, name: str, version: int) -> dict[str, Any]:
    meta_path = directory / "meta.json"
    if not meta_path.exists():
        raise ModelFormatError(f"no trained '{name}' model in {directory}: train it with `mpdtui --train`")
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"{meta_path} is unreadable ({exc}): retrain with `mpdtui --train`") from exc
    if meta.get("format") != MODEL_FORMAT or meta.get("model") != name:
        raise ModelFormatError(f"{meta_path} is not a saved '{name}' model: retrain with `mpdtui --train`")
    if meta.get("version") != version:
        raise ModelFormatError(
            f"{meta_path} has format version {meta.get('version')}, this mpdtui reads {version}: "
            "retrain with `mpdtui --train`"
        )
    return meta


def _fsync_dir(directory: Path) -> None:
    for path in directory.iterdir():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
