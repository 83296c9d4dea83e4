"""Saved models on disk: a directory of `meta.json` and `arrays.npz` (no pickle; its arrays are
mapped, not copied: `npz_arrays`), written by an atomic swap and read back with format, version
and damage checks."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import sys
import time
import uuid
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from models.npy_format import NpyFormatError
from models.npz_arrays import load_arrays, save_arrays, write_stamp

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

MODEL_FORMAT = "mpdtui-model"
META_JSON = "meta.json"
"""A saved model's description: its name, format version, settings and data fingerprint."""
SettingsT = TypeVar("SettingsT", bound="DataclassInstance")


class ModelFormatError(Exception):
    """A saved model that cannot be used: unknown format/version, or trained on other data."""


class DamagedModelError(ModelFormatError):
    """A saved model whose files cannot be read back (truncated, overwritten, garbage)."""

    def __init__(self, directory: Path, message: str) -> None:
        self.directory = directory
        super().__init__(message)


def settings_from_json(cls: type[SettingsT], raw: Mapping[str, Any]) -> SettingsT:
    """A settings dataclass from saved model settings: keys it lacks (history, index
    metadata) are ignored, and JSON lists become the tuples the dataclass holds."""
    known = {f.name for f in fields(cls)}
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in known})


def write_model_dir(directory: Path, meta: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> str:
    """Write a model directory so that readers (another process serving suggestions) never see
    it half-written: staged beside it, then swapped in (atomically where the OS can). Both
    files carry one token, new at each save, so a reader that read one file before a swap and
    the other after notices and reads again; returns the token."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.with_name(f".{directory.name}.tmp-{os.getpid()}")
    token = uuid.uuid4().hex
    try:
        _stage(staging, {**meta, "token": token}, {**arrays, "__token__": np.array(token)})
    except BaseException as exc:
        # a full disk, say: the half-written copy, as large as the model, must not stay
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError) and exc.errno is not None:
            raise type(exc)(exc.errno, exc.strerror, str(directory)) from None
        raise
    if directory.exists() and _exchange(staging, directory):
        shutil.rmtree(staging, ignore_errors=True)  # the old model, swapped out
        return token
    retired = directory.with_name(f".{directory.name}.old-{os.getpid()}")
    if directory.exists():
        os.replace(directory, retired)
    os.replace(staging, directory)
    shutil.rmtree(retired, ignore_errors=True)
    return token


def _stage(staging: Path, meta: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    with open(staging / "arrays.npz", "wb") as fh:
        save_arrays(fh, arrays)
    write_stamp(staging / "arrays.npz")
    (staging / META_JSON).write_text(json.dumps(meta, indent=2, sort_keys=True))
    _fsync_dir(staging)


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
    """The saved model's meta.json and arrays; ModelFormatError (DamagedModelError for a
    damaged file) saying how to retrain it."""
    arrays_path = directory / "arrays.npz"
    for _ in range(READ_ATTEMPTS):
        meta = _read_meta(directory, name, version)
        try:
            arrays = load_arrays(arrays_path)
        except FileNotFoundError:
            time.sleep(0.01)  # swapped out under us: read the new one
            continue
        except NPZ_LOAD_ERRORS as exc:
            raise DamagedModelError(directory, f"{arrays_path} is damaged ("
                                    f"{describe_npz_damage(exc)}): {retrain_hint(directory, name)}"
                                    ) from None
        token = arrays.pop("__token__", None)
        if token is None or str(token) == meta.get("token"):
            return meta, arrays
        time.sleep(0.01)  # the files of two different saves: read again
    raise ModelFormatError(f"{directory} keeps changing while it is read: try again")


def peek_meta(directory: Path) -> dict[str, Any]:
    """A saved model's meta.json as it stands, unchecked ({} when missing or unreadable): for
    a quick look at its fingerprint or settings; `read_model_dir` checks it."""
    try:
        meta = json.loads((directory / META_JSON).read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _read_meta(directory: Path, name: str, version: int) -> dict[str, Any]:
    meta_path = directory / META_JSON
    if not meta_path.exists():
        raise not_trained(directory, name)
    retrain = retrain_hint(directory, name)
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as exc:
        raise DamagedModelError(directory, f"{meta_path} is unreadable ({exc}): {retrain}") from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT or meta.get("model") != name:
        raise ModelFormatError(f"{meta_path} is not a saved '{name}' model: {retrain}")
    if meta.get("version") != version:
        raise ModelFormatError(
            f"{meta_path} is version {meta.get('version')} of the '{name}' model, this mpdtui "
            f"reads version {version}: {retrain}")
    return meta


def not_trained(directory: Path, name: str) -> ModelFormatError:
    """The error for a model never saved in `directory` (a plain `--train` skips the blend)."""
    return ModelFormatError(f"no trained '{name}' model in {directory}: train it with "
                            f"`mpdtui --train --models {name}`")


def retrain_hint(directory: Path, name: str) -> str:
    """Advice that works for any model whose saved files are damaged or outdated: training
    replaces them (it retrains a model whose files are not whole and current), and the files
    stay until the new ones are written, so nothing is deleted by hand."""
    return f"train it again with `mpdtui --train --models {name}`"


NPZ_LOAD_ERRORS = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)
"""What `np.load` of a damaged .npz raises (ValueError also for a pickled object inside)."""


def describe_npz_damage(exc: BaseException) -> str:
    """What is wrong, in words that never suggest allow_pickle (numpy's message for a file
    holding objects does)."""
    if isinstance(exc, ValueError) and "pickle" in str(exc):
        return "it holds pickled objects, which mpdtui never writes"
    if isinstance(exc, NpyFormatError):
        return str(exc)
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return f"not a readable archive: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _fsync_dir(directory: Path) -> None:
    for path in directory.iterdir():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
