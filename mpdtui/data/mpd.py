"""Reading MPD slices from a folder, a single slice file, or the original zip (in place).

Each slice is parsed with orjson and checked field by field, so a bad slice is reported as
one line naming the file, the playlist (pid) and what is wrong. Values the MPD never holds are
refused too: integers out of range, a track URI that is not a Spotify track, NUL characters,
huge strings, a pid twice, no playlists at all.

Only regular files are read: a FIFO, a folder or a broken link named like a slice is a bad
slice (never a hang), and no slice is read past `MAX_SLICE_BYTES` (zip members are streamed,
so a zip bomb is refused after at most that much).
"""

from __future__ import annotations

import errno
import lzma
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, NoReturn

import orjson

from mpdtui.errors import UserError

SLICE_NAME = re.compile(r"mpd\.slice\.(\d+)-(\d+)\.json")
"""A slice's file name (use `fullmatch`: a name must not merely start like one)."""

MAX_SLICE_BYTES = 256 * 2**20
"""The most a slice may hold: real MPD slices are 20-40 MB; more is refused unread."""
MAX_TEXT_CHARS = 10_000
"""The longest name, description or URI accepted (MPD names are at most a few hundred)."""
MAX_INT64 = 2**63 - 1
"""SQLite's largest integer: playlist counts and ids are stored as such."""
MAX_INT32 = 2**31 - 1
"""Track positions and durations (ms, about 24 days) are kept in int32 arrays."""
TRACK_URI = re.compile(r"spotify:track:[0-9A-Za-z]{22}")

PLAYLIST_FIELDS: dict[str, type] = {
    "name": str,
    "collaborative": str,
    "pid": int,
    "modified_at": int,
    "num_tracks": int,
    "num_albums": int,
    "num_followers": int,
    "num_edits": int,
    "duration_ms": int,
    "num_artists": int,
    "tracks": list,
}
TRACK_FIELDS: dict[str, type] = {
    "pos": int,
    "artist_name": str,
    "track_uri": str,
    "artist_uri": str,
    "track_name": str,
    "album_uri": str,
    "duration_ms": int,
    "album_name": str,
}
_PLAYLIST_INTS = tuple(k for k, v in PLAYLIST_FIELDS.items() if v is int)
_PLAYLIST_TEXTS = ("name", "description")
_TRACK_TEXTS = tuple(k for k, v in TRACK_FIELDS.items() if v is str)

_SUPPORTED_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                          zipfile.ZIP_LZMA}
_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, lzma.LZMAError,
                NotImplementedError, RuntimeError)
"""What reading a damaged file or zip member raises (RuntimeError: zipfile's "encrypted")."""
_FILE_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe (FIFO)",
               stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
               stat.S_IFBLK: "a block device"}


class SliceError(UserError):
    """A slice that cannot be ingested: unreadable, invalid JSON, a missing field, a wrong
    type or a value the MPD never holds."""

    def __init__(self, source: str, where: str, what: str) -> None:
        self.source, self.where, self.what = source, where, what
        super().__init__(f"{source}: {where}: {what}")

    def __reduce__(self) -> tuple[type[SliceError], tuple[str, str, str]]:
        return (SliceError, (self.source, self.where, self.what))  # crosses process boundaries


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
            raise SliceError(self.label, "not a slice file",
                             f"it {self.problem}: move it away (or pass --skip-bad)")
        try:
            if self.member is None:
                return _read_file(self.path, self.label)
            return _read_member(self.path, self.member, self.label)
        except _READ_ERRORS as exc:
            raise SliceError(self.label, "cannot be read", f"{_reason(exc)}: check the file, or "
                             "download the MPD again") from None


def _read_file(path: Path, label: str) -> bytes:
    # O_NONBLOCK: a FIFO put in the slice's place since the listing must not block the open
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SliceError(label, "not a slice file", f"it is {_kind(info.st_mode)}: move it away "
                             "(or pass --skip-bad)")
        _check_size(label, info.st_size)
        return _read_bounded(fh, label)


def _read_member(archive_path: Path, member: str, label: str) -> bytes:
    with zipfile.ZipFile(archive_path) as archive:
        info = archive.getinfo(member)
        if info.flag_bits & 0x1:
            raise SliceError(label, "zip member", "is encrypted (the MPD zip is not): use the "
                             "original spotify_million_playlist_dataset.zip")
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise SliceError(label, "zip member", f"uses compression method {info.compress_type}, "
                             "which mpdtui cannot read: unzip it with another tool and ingest "
                             "the folder")
        _check_size(label, info.file_size)
        with archive.open(info) as fh:  # streamed: never more than the bound in memory
            return _read_bounded(fh, label)


def _check_size(label: str, size: int) -> None:
    if size > MAX_SLICE_BYTES:
        raise SliceError(label, "too large", f"{size:,} bytes, more than any MPD slice (at most "
                         f"{MAX_SLICE_BYTES:,}): not an MPD slice")


def _read_bounded(fh: IO[bytes], label: str) -> bytes:
    data = fh.read(MAX_SLICE_BYTES + 1)
    if len(data) > MAX_SLICE_BYTES:  # a zip header or a file that lied about its size
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
    elif path.suffix == ".json":
        sources = [SliceSource(path.name, path, size)]
    else:
        raise UserError(f"{path} is neither a folder, a .json slice nor a zip: give the MPD's "
                        "data folder, one mpd.slice.*.json file or the MPD zip")
    return sorted(sources, key=lambda s: slice_sort_key(s.name))


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
            members = [info for info in archive.infolist()
                       if SLICE_NAME.fullmatch(Path(info.filename).name)
                       and Path(info.filename).parent.name == "data"]
    except _READ_ERRORS as exc:
        raise UserError(f"{archive_path} is not a readable zip ({_reason(exc)}): download it "
                        "again, or give the folder of its extracted slices") from None
    if not members:
        raise UserError(f"{archive_path} has no data/mpd.slice.*.json members: is it the MPD zip "
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


# --- checking a slice's content -----------------------------------------------------------

def parse_slice(source_label: str, raw: bytes) -> list[dict[str, Any]]:
    """The playlists of one slice, every required field checked."""
    playlists = load_playlists(source_label, raw)
    first_index: dict[int, int] = {}
    for index, playlist in enumerate(playlists):
        if not (playlist_fields_ok(playlist)
                and all(_has_types(track, _TRACK_KEYS, _TRACK_TYPES)
                        and row_values_ok(track_values(track)) and new_track_ok(track_values(track))
                        for track in playlist["tracks"])):
            explain_bad_playlist(source_label, index, playlist)
        check_unique_pid(source_label, index, playlist["pid"], first_index)
    return playlists


def load_playlists(source_label: str, raw: bytes) -> list[Any]:
    """The slice's "playlists" list, unchecked; SliceError for bad JSON, another shape or no
    playlists at all."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SliceError(source_label, "invalid JSON", str(exc)) from None
    if not isinstance(document, dict) or not isinstance(document.get("playlists"), list):
        raise SliceError(source_label, "top level", 'expected an object with a "playlists" list')
    if not document["playlists"]:
        raise SliceError(source_label, "top level", '"playlists" is empty: an MPD slice holds '
                         "1,000 playlists")
    return document["playlists"]


_PLAYLIST_KEYS, _PLAYLIST_TYPES = tuple(PLAYLIST_FIELDS), tuple(PLAYLIST_FIELDS.values())
_TRACK_KEYS, _TRACK_TYPES = tuple(TRACK_FIELDS), tuple(TRACK_FIELDS.values())
TRACK_TYPES = _TRACK_TYPES
track_values = itemgetter(*TRACK_FIELDS)
"""A track's field values in TRACK_FIELDS order (KeyError when one is missing)."""


def _has_types(obj: Any, keys: tuple[str, ...], types: tuple[type, ...]) -> bool:
    """Fast check that `obj` holds every key with exactly its type (bool is not int)."""
    try:
        return tuple(map(type, map(obj.__getitem__, keys))) == types
    except (KeyError, TypeError, AttributeError):
        return False


def playlist_fields_ok(playlist: Any) -> bool:
    """Fast check of a playlist's own fields (not its tracks): types and values."""
    if not (_has_types(playlist, _PLAYLIST_KEYS, _PLAYLIST_TYPES)
            and playlist["collaborative"] in ("true", "false")
            and type(playlist.get("description", "")) in (str, type(None))):
        return False
    # one test for all: negative ints and those past int64 have bits at 63 and above
    ints_or = 0
    for key in _PLAYLIST_INTS:
        ints_or |= playlist[key]
    return not ints_or >> 63 and _text_ok(playlist["name"]) and _text_ok(
        playlist.get("description") or "")


def row_values_ok(values: tuple[Any, ...]) -> bool:
    """Fast check of what every row of a track holds (values in TRACK_FIELDS order, types
    already checked): position and duration, neither negative nor past int32."""
    return not (values[0] | values[6]) >> 31


def new_track_ok(values: tuple[Any, ...]) -> bool:
    """Fast check of a track's URI and texts, for its first row in a slice (the catalog keeps
    a track's first row)."""
    if TRACK_URI.fullmatch(values[2]) is None:
        return False
    texts = _track_texts(values)
    joined = "".join(texts)
    return "\0" not in joined and (len(joined) <= MAX_TEXT_CHARS
                                   or all(len(text) <= MAX_TEXT_CHARS for text in texts))


_track_texts = itemgetter(*(i for i, key in enumerate(_TRACK_KEYS)
                            if TRACK_FIELDS[key] is str and key != "track_uri"))


def _text_ok(text: str) -> bool:
    return len(text) <= MAX_TEXT_CHARS and "\0" not in text


def check_unique_pid(source: str, index: int, pid: int, first_index: dict[int, int]) -> None:
    """SliceError when `pid` was already seen in this slice (recorded in `first_index`)."""
    earlier = first_index.setdefault(pid, index)
    if earlier != index:
        raise SliceError(source, f"playlist pid={pid} (playlists[{index}])",
                         f"the same pid as playlists[{earlier}]: every MPD playlist has its own")


def explain_bad_playlist(source: str, index: int, playlist: Any) -> NoReturn:
    """The slow path, once a fast check failed: raise the first problem as a SliceError."""
    if not isinstance(playlist, dict):
        raise SliceError(source, f"playlists[{index}]", "is not an object")
    where = f"playlist pid={playlist.get('pid', '?')} (playlists[{index}])"
    _check_fields(source, where, playlist, PLAYLIST_FIELDS)
    if playlist["collaborative"] not in ("true", "false"):
        raise SliceError(source, where, f'field "collaborative" is {_short(playlist["collaborative"])}, '
                                        'expected "true" or "false"')
    description = playlist.get("description")
    if description is not None and not isinstance(description, str):
        raise SliceError(source, where, 'field "description" must be a string')
    for field in _PLAYLIST_INTS:
        _check_range(source, where, field, playlist[field], MAX_INT64)
    for field in _PLAYLIST_TEXTS:
        _check_text(source, where, field, playlist.get(field) or "")
    for position, track in enumerate(playlist["tracks"]):
        _explain_bad_track(source, f"{where} tracks[{position}]", track)
    raise SliceError(source, where, "holds a value the MPD never holds")  # a fast check's miss


def _explain_bad_track(source: str, where: str, track: Any) -> None:
    if not isinstance(track, dict):
        raise SliceError(source, where, "is not an object")
    _check_fields(source, where, track, TRACK_FIELDS)
    _check_range(source, where, "pos", track["pos"], MAX_INT32)
    _check_range(source, where, "duration_ms", track["duration_ms"], MAX_INT32)
    if not TRACK_URI.fullmatch(track["track_uri"]):
        raise SliceError(source, where, f'field "track_uri" is {_short(track["track_uri"])}, '
                         "expected spotify:track: and a 22-character id")
    for field in _TRACK_TEXTS:
        _check_text(source, where, field, track[field])


def _check_fields(source: str, where: str, obj: dict[str, Any], fields: dict[str, type]) -> None:
    for field, expected in fields.items():
        value = obj.get(field, _MISSING)
        if value is _MISSING:
            raise SliceError(source, where, f'missing field "{field}"')
        # bool is an int subclass: a JSON true is not a valid count
        if not isinstance(value, expected) or isinstance(value, bool):
            raise SliceError(source, where, f'field "{field}" is {type(value).__name__} '
                                            f"{_short(value)}, expected {_type_name(expected)}")


def _check_range(source: str, where: str, field: str, value: int, highest: int) -> None:
    if not 0 <= value <= highest:
        raise SliceError(source, where, f'field "{field}" is {_short(value)}, expected 0 to '
                         f"{highest:,}")


def _check_text(source: str, where: str, field: str, text: str) -> None:
    if "\0" in text:
        raise SliceError(source, where, f'field "{field}" holds a NUL character: '
                         f"{_short(text)}")
    if len(text) > MAX_TEXT_CHARS:
        raise SliceError(source, where, f'field "{field}" is {len(text):,} characters long, '
                         f"more than the {MAX_TEXT_CHARS:,} accepted")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(expected: type) -> str:
    names = {str: "a string", int: "an integer", list: "a list", dict: "an object"}
    return names.get(expected, expected.__name__)


_MISSING = object()


def iter_playlists(path: Path) -> Iterator[dict[str, Any]]:
    """Every playlist under `path`, one slice in memory at a time."""
    for source in find_slices(path):
        yield from parse_slice(source.label, source.read_bytes())
