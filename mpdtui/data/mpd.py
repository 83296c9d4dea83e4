"""Reading MPD slices from a folder, a single slice file, or the original zip (in place).

Each slice is parsed with orjson and checked field by field (`mpdtui.data.mpd_validation`),
so a bad slice is reported as one line naming the file, the playlist (pid) and what is wrong.

Only regular files are read: a FIFO, a folder or a broken link named like a slice is a bad
slice (never a hang), and no slice is read past `MAX_SLICE_BYTES` (zip members are streamed,
so a zip bomb is refused after at most that much).
"""

from __future__ import annotations

import errno
import lzma
import os
import re
import shlex
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mpdtui.data.mpd_validation import SliceError, parse_slice
from mpdtui.errors import UserError

SLICE_NAME = re.compile(r"mpd\.slice\.(\d+)-(\d+)\.json")
"""A slice's file name (use `fullmatch`: a name must not merely start like one)."""

MAX_SLICE_BYTES = 256 * 2**20
"""The most a slice may hold: real MPD slices are 20-40 MB; more is refused unread."""

_SUPPORTED_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                          zipfile.ZIP_LZMA}
_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, lzma.LZMAError,
                NotImplementedError, RuntimeError)
"""What reading a damaged file or zip member raises (RuntimeError: zipfile's "encrypted")."""
_FILE_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe (FIFO)",
               stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
               stat.S_IFBLK: "a block device"}


@dataclass(frozen=True)
class SliceSource:
    """One slice file: on disk, or a member of the MPD zip."""

    name: str
    path: Path
    size: int
    member: str | None = None
    problem: str | None = None
    """Why an entry named like a slice is not one (a folder, a FIFO, a broken link)."""

    @property
    def label(self) -> str:
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    def read_bytes(self) -> bytes:
        """The slice's bytes; SliceError when it cannot be read or is larger than any slice."""
        if self.problem is not None:
            raise SliceError(self.label, "not a slice file", f"it {self.problem}",
                             "move it away (or pass --skip-bad)")
        try:
            if self.member is None:
                return _read_file(self.path, self.label)
            return _read_member(self.path, self.member, self.label)
        except _READ_ERRORS as exc:
            advice = (DAMAGED_MEMBER if self.member
                      else NOT_YOURS if isinstance(exc, PermissionError) else DAMAGED_FILE)
            raise SliceError(self.label, "cannot be read", _reason(exc), advice) from None


DAMAGED_FILE = "check the file, or download the MPD again"
NOT_YOURS = "you may not read it: make it readable (chmod a+r) or move it away"
"""A slice whose permissions keep it from this user: another download would not help."""
DAMAGED_MEMBER = ("the zip is damaged: download it again to the same path (the slices ingested "
                  "stay), then run the same command again")
"""What to do about a slice file, or a member of the zip, that cannot be read."""


def _read_file(path: Path, label: str) -> bytes:
    # O_NONBLOCK: a FIFO put in the slice's place since the listing must not block the open
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SliceError(label, "not a slice file", f"it is {_kind(info.st_mode)}",
                             "move it away (or pass --skip-bad)")
        _check_size(label, info.st_size)
        return _read_bounded(fh, label, info.st_size)


def _read_member(archive_path: Path, member: str, label: str) -> bytes:
    with zipfile.ZipFile(archive_path) as archive:
        info = archive.getinfo(member)
        if info.flag_bits & 0x1:
            raise SliceError(label, "zip member", "is encrypted (the MPD zip is not)",
                             "use the original spotify_million_playlist_dataset.zip")
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise SliceError(label, "zip member", f"uses compression method {info.compress_type}, "
                             "which mpdtui cannot read",
                             "unzip it with another tool and ingest the folder")
        _check_size(label, info.file_size)
        with archive.open(info) as fh:  # streamed: never more than the bound in memory
            return _read_bounded(fh, label, info.file_size)


def _check_size(label: str, size: int) -> None:
    if size > MAX_SLICE_BYTES:
        raise SliceError(label, "too large", f"{size:,} bytes, more than any MPD slice (at most "
                         f"{MAX_SLICE_BYTES:,}): not an MPD slice")


def _read_bounded(fh: IO[bytes], label: str, expected: int) -> bytes:
    """The file's bytes, never more than the bound. Sized to what the file says it holds:
    asking for the bound itself cost 5x the read (18 ms against 4 ms a 27 MB slice)."""
    data = fh.read(expected + 1)
    if len(data) > expected:  # a zip header or a file that lied about its size
        data += fh.read(MAX_SLICE_BYTES + 1 - len(data))
        _check_size(label, len(data))
    return data


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _kind(mode: int) -> str:
    return _FILE_KINDS.get(stat.S_IFMT(mode), "not a regular file")


def slice_sort_key(name: str) -> tuple[int, str]:
    match = SLICE_NAME.fullmatch(name)
    return (int(match.group(1)) if match else -1, name)


def find_slices(path: Path) -> list[SliceSource]:
    """Every slice under `path`, in slice order. Raises UserError when there are none."""
    size = _entry_size(path)
    if size is None:
        sources = _folder_slices(path)
    elif zipfile.is_zipfile(path):
        sources = _zip_slices(path)
    elif path.suffix.lower() == ".zip":
        raise UserError(f"{path} is not a readable zip (truncated or damaged): download it "
                        "again, or give the folder of its extracted slices")
    elif path.name.lower() == CHALLENGE_SET:
        raise UserError(_challenge_set_given(path))
    elif path.name.lower() == CHALLENGE_TRUTH:
        raise UserError(f"{path} is the held-out truth of a challenge set make-challenge made, "
                        f"not MPD slices: `mpdtui score SUBMISSION --truth "
                        f"{shlex.quote(str(path))}` scores a submission against it")
    elif path.suffix == ".json":
        sources = [SliceSource(path.name, path, size)]
    elif path.suffix.lower() == ".csv":
        raise UserError(f"{path} is a CSV, not MPD slices: if it holds audio features, "
                        f"`mpdtui features --csv {shlex.quote(str(path))}` adds them; to ingest, "
                        "give the MPD's data folder, one mpd.slice.*.json file or the MPD zip")
    else:
        raise UserError(f"{path} is neither a folder, a .json slice nor a zip: give the MPD's "
                        "data folder, one mpd.slice.*.json file or the MPD zip")
    return sorted(sources, key=lambda s: slice_sort_key(s.name))


CHALLENGE_SET = "challenge_set.json"
"""The RecSys Challenge's playlists to complete, published beside the MPD (`mpdtui submit`)."""
CHALLENGE_TRUTH = "challenge_truth.json"
"""The held-out tracks of a challenge set `mpdtui make-challenge` made, beside it."""


def _challenge_set_given(path: Path) -> str:
    return (f"{path} is the RecSys Challenge's challenge set, not MPD slices: `mpdtui submit "
            f"--challenge-set {shlex.quote(str(path))} --out submission.csv` answers it once "
            "models are trained; MPD slices are the MPD's data folder or zip, or its slice "
            "files")


def _entry_size(path: Path) -> int | None:
    """The size of the regular file `path`, None for a folder; UserError for anything else."""
    size, problem = file_status(path)
    if problem is None:
        return size
    if problem == "is a folder":
        return None
    if problem == "does not exist":
        raise UserError(f"{path} does not exist: give an MPD folder, a slice file or the MPD zip")
    raise UserError(f"{path} {problem}: give an MPD folder, a slice file or the MPD zip")


def file_status(path: Path) -> tuple[int, str | None]:
    """(size, None) for a regular file (links followed), else (0, why it is not one)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return 0, "is a broken symlink" if path.is_symlink() else "does not exist"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return 0, "is a symlink loop"
        return 0, f"cannot be read ({exc.strerror})"
    if stat.S_ISREG(info.st_mode):
        return info.st_size, None
    return 0, f"is {_kind(info.st_mode)}"


def _folder_slices(folder: Path) -> list[SliceSource]:
    files = _named_like_slices(folder)
    if not files and (folder / "data").is_dir():
        files = _named_like_slices(folder / "data")
    if not files and (folder / CHALLENGE_SET).is_file():
        raise UserError(_challenge_set_given(folder / CHALLENGE_SET))
    if not files:
        raise UserError(f"{folder} holds no mpd.slice.START-END.json files: point at the MPD's "
                        "data folder (or its parent)")
    sources = []
    for path in files:
        size, problem = file_status(path)
        sources.append(SliceSource(path.name, path, size, problem=problem))
    return sources


def _named_like_slices(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if SLICE_NAME.fullmatch(p.name)]


def _zip_slices(archive_path: Path) -> list[SliceSource]:
    try:
        with zipfile.ZipFile(archive_path) as archive:
            # the MPD zip's data/, or wherever a zip of one's own folder put them
            members = [info for info in archive.infolist()
                       if SLICE_NAME.fullmatch(Path(info.filename).name) and not info.is_dir()]
            challenge = [info.filename for info in archive.infolist()
                         if Path(info.filename).name.lower() == CHALLENGE_SET]
    except _READ_ERRORS as exc:
        raise UserError(f"{archive_path} is not a readable zip ({_reason(exc)}): download it "
                        "again, or give the folder of its extracted slices") from None
    if not members and challenge:
        raise UserError(_challenge_set_given(archive_path))
    if not members:
        raise UserError(f"{archive_path} has no mpd.slice.*.json members: is it the MPD zip "
                        "(spotify_million_playlist_dataset.zip)?")
    _refuse_duplicates(archive_path, [m.filename for m in members])
    return [SliceSource(Path(m.filename).name, archive_path, m.file_size, m.filename) for m in members]


def _refuse_duplicates(archive_path: Path, members: list[str]) -> None:
    """Slices are known by name: two members of one name would be two different slices."""
    first: dict[str, str] = {}
    for member in members:
        name = Path(member).name
        if name in first:
            raise UserError(f"{archive_path} holds {name} twice ({first[name]} and {member}): "
                            "extract the slices you want into one folder and ingest that")
        first[name] = member


def iter_playlists(path: Path) -> Iterator[dict[str, Any]]:
    """Every playlist under `path`, one slice in memory at a time."""
    for source in find_slices(path):
        yield from parse_slice(source.label, source.read_bytes())
