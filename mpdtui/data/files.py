"""Atomic, versioned files in the cache directory.

Every JSON file carries `{"format": NAME, "version": N, ...}`; every write goes to a
temporary file in the same directory, is fsynced, then `os.replace`d over the target.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from models.model_dir import NPZ_LOAD_ERRORS, describe_npz_damage
from models.npz_arrays import load_arrays, save_arrays, write_stamp


class FormatVersionError(Exception):
    """A file in the cache dir of another format or version than this mpdtui reads."""


class DamagedFileError(FormatVersionError):
    """A file in the cache dir that cannot be read back: truncated, overwritten, garbage."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(message)


def atomic_write(path: Path, write: Callable[[IO[bytes]], object], mode: int = 0o644) -> None:
    """Write through a temporary file in the same folder, fsync, then rename over `path`.

    An OSError names `path`, never the temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # a part of the name only: a name near the file system's limit must not push it over
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name[:32]}.{os.getpid()}-", suffix=".tmp",
                                        dir=path.parent)
    except OSError as exc:
        raise _naming(exc, path) from None
    try:
        os.chmod(tmp_name, mode)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise _naming(exc, path) from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


ABANDONED_WRITE = re.compile(r"\..+\.(?:(?:tmp|old)-(?P<pid>\d+)|(?P<file_pid>\d+)-\w+\.tmp)")
"""What a write in progress is called: `atomic_write`'s temporary file, a model directory
staged or retired by `models.model_dir`, a stamp staged by `models.npz_arrays`. Each name
holds its writer's pid."""


def remove_abandoned_writes(folders: Iterable[Path]) -> None:
    """Delete, in `folders`, what writes of processes that are gone left behind (killed while
    saving, by the OOM killer say): a model's staged copy is as large as the model. For the
    holder of the writer lock, whose writes these are."""
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            found = ABANDONED_WRITE.fullmatch(entry.name)
            if found and not process_running(int(found["pid"] or found["file_pid"])):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)


def process_running(pid: int) -> bool:
    """Whether process `pid` runs (this one included; another user's too). One that has
    ended but not yet been reaped by its parent (a zombie, as for a moment after its
    terminal closed) does not: what it left behind can be taken over."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether it exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        pass
    return not _ended(pid)


def _ended(pid: int) -> bool:
    """Whether Linux says process `pid` has ended (Z: a zombie, X: dead); False elsewhere."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    except OSError:
        return False
    return status[status.rfind(")") + 2:][:1] in ("Z", "X")  # the state follows "(name) "


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """`atomic_write` of bytes already in memory."""
    atomic_write(path, lambda fh: fh.write(data), mode)


def write_out(path: Path, data: bytes) -> None:
    """Write a file the user named (an export, a submission): atomically, unless `path` is a
    device or a pipe (/dev/stdout, a shell's `>(gzip > x)`), which is written in place: a
    rename would put a file where the device was. A link is followed, its file replaced: the
    rename had put a file in place of the link (/dev/stdout, with standard output a file:
    `--out /dev/stdout > mix.json`)."""
    if not is_device_or_pipe(path):
        atomic_write_bytes(path.resolve() if path.is_symlink() else path, data)
        return
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except BrokenPipeError:  # its reader stopped early (`--out /dev/stdout | head -1`): what
        return               # it read it had, as with standard output (cli.py)
    except OSError as exc:
        raise _naming(exc, path) from None


def is_device_or_pipe(path: Path) -> bool:
    """Whether `path` (followed through links) is neither a file nor a folder."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def nearest_existing(path: Path) -> Path:
    """`path` or its nearest parent that exists (the root, say)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def file_in_the_way(folder: Path) -> Path | None:
    """The file (not folder) at `folder` or at the nearest of its parents that exists: what
    stops `folder` from being made."""
    existing = nearest_existing(folder)
    return existing if existing.exists() and not existing.is_dir() else None


def _naming(exc: OSError, path: Path) -> OSError:
    if exc.errno is None:
        return exc
    return type(exc)(exc.errno, exc.strerror, str(path))


def write_json(path: Path, fmt: str, version: int, payload: Mapping[str, Any]) -> None:
    document = {"format": fmt, "version": version, **payload}
    atomic_write(path, lambda fh: fh.write(orjson.dumps(document, option=orjson.OPT_INDENT_2)))


def read_json(path: Path, fmt: str, version: int, rebuild_hint: str,
              untagged: bool = False) -> dict[str, Any] | None:
    """The document, or None when the file does not exist. Wrong format/version is refused;
    `untagged`: a document with neither is taken as this version (a file a person wrote)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise DamagedFileError(path, f"{path} is corrupt ({exc}): {rebuild_hint}") from None
    if not isinstance(document, dict):
        raise DamagedFileError(path, f"{path} is corrupt (not a JSON object): {rebuild_hint}")
    if untagged and "format" not in document and "version" not in document:
        return document
    _check_version(path, document.get("format"), document.get("version"), fmt, version, rebuild_hint)
    return document


def write_npz(path: Path, fmt: str, version: int, arrays: Mapping[str, np.ndarray]) -> None:
    tagged = {"__format__": np.array(fmt), "__version__": np.array(version), **arrays}
    atomic_write(path, lambda fh: save_arrays(fh, tagged))
    write_stamp(path)


def read_npz(path: Path, fmt: str, version: int, rebuild_hint: str) -> dict[str, np.ndarray]:
    try:
        arrays = load_arrays(path)
    except FileNotFoundError:
        raise FormatVersionError(f"{path} is missing: {rebuild_hint}") from None
    except NPZ_LOAD_ERRORS as exc:
        raise DamagedFileError(path, f"{path} is damaged ({describe_npz_damage(exc)}): "
                               f"{rebuild_hint}") from None
    found_fmt = str(arrays.pop("__format__", ""))
    found_version = _tag_value(arrays.pop("__version__", np.array(-1)))
    _check_version(path, found_fmt, found_version, fmt, version, rebuild_hint)
    return arrays


def _tag_value(tag: np.ndarray) -> int | str:
    """The version tag as an int (as written), or as text when it is something else."""
    try:
        return int(tag)
    except (TypeError, ValueError):
        return str(tag)


def _check_version(path: Path, found_fmt: object, found_version: object, fmt: str, version: int,
                   rebuild_hint: str) -> None:
    if found_fmt != fmt:
        raise FormatVersionError(f"{path} is not an {fmt} file: {rebuild_hint}")
    if found_version != version:
        raise FormatVersionError(
            f"{path} has format version {found_version}, this mpdtui reads version {version}: "
            f"{rebuild_hint}"
        )
