"""Reading MPD slices from a folder, a single slice file, or the original zip (in place).

Each slice is parsed with orjson and checked field by field, so a bad slice is reported as
one line naming the file, the playlist (pid) and what is wrong.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from mpdtui.errors import UserError

SLICE_NAME = re.compile(r"^mpd\.slice\.(\d+)-(\d+)\.json$")

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


class SliceError(UserError):
    """A slice that cannot be ingested: invalid JSON, a missing field or a wrong type."""

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

    @property
    def label(self) -> str:
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    def read_bytes(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(self.member)


def slice_sort_key(name: str) -> tuple[int, str]:
    match = SLICE_NAME.match(name)
    return (int(match.group(1)) if match else -1, name)


def find_slices(path: Path) -> list[SliceSource]:
    """Every slice under `path`, in slice order. Raises UserError when there are none."""
    if not path.exists():
        raise UserError(f"{path} does not exist: give an MPD folder, a slice file or the MPD zip")
    if path.is_dir():
        sources = _folder_slices(path)
    elif zipfile.is_zipfile(path):
        sources = _zip_slices(path)
    elif path.suffix == ".json":
        sources = [SliceSource(path.name, path, path.stat().st_size)]
    else:
        raise UserError(f"{path} is neither a folder, a .json slice nor a zip: give the MPD's "
                        "data folder, one mpd.slice.*.json file or the MPD zip")
    return sorted(sources, key=lambda s: slice_sort_key(s.name))


def _folder_slices(folder: Path) -> list[SliceSource]:
    files = [p for p in folder.iterdir() if SLICE_NAME.match(p.name)]
    if not files and (folder / "data").is_dir():
        files = [p for p in (folder / "data").iterdir() if SLICE_NAME.match(p.name)]
    if not files:
        raise UserError(f"{folder} holds no mpd.slice.START-END.json files: point at the MPD's "
                        "data folder (or its parent)")
    return [SliceSource(p.name, p, p.stat().st_size) for p in files]


def _zip_slices(archive_path: Path) -> list[SliceSource]:
    with zipfile.ZipFile(archive_path) as archive:
        members = [
            info for info in archive.infolist()
            if SLICE_NAME.match(Path(info.filename).name)
            and Path(info.filename).parent.name == "data"
        ]
    if not members:
        raise UserError(f"{archive_path} has no data/mpd.slice.*.json members: is it the MPD zip "
                        "(spotify_million_playlist_dataset.zip)?")
    return [SliceSource(Path(m.filename).name, archive_path, m.file_size, m.filename) for m in members]


def parse_slice(source_label: str, raw: bytes) -> list[dict[str, Any]]:
    """The playlists of one slice, every required field checked."""
    playlists = load_playlists(source_label, raw)
    for index, playlist in enumerate(playlists):
        if not (playlist_fields_ok(playlist)
                and all(_has_types(track, _TRACK_KEYS, _TRACK_TYPES) for track in playlist["tracks"])):
            explain_bad_playlist(source_label, index, playlist)
    return playlists


def load_playlists(source_label: str, raw: bytes) -> list[Any]:
    """The slice's "playlists" list, unchecked; SliceError for bad JSON or another shape."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SliceError(source_label, "invalid JSON", str(exc)) from None
    if not isinstance(document, dict) or not isinstance(document.get("playlists"), list):
        raise SliceError(source_label, "top level", 'expected an object with a "playlists" list')
    return document["playlists"]


_PLAYLIST_KEYS, _PLAYLIST_TYPES = tuple(PLAYLIST_FIELDS), tuple(PLAYLIST_FIELDS.values())
_TRACK_KEYS, _TRACK_TYPES = tuple(TRACK_FIELDS), tuple(TRACK_FIELDS.values())
TRACK_TYPES = _TRACK_TYPES


def _has_types(obj: Any, keys: tuple[str, ...], types: tuple[type, ...]) -> bool:
    """Fast check that `obj` holds every key with exactly its type (bool is not int)."""
    try:
        return tuple(map(type, map(obj.__getitem__, keys))) == types
    except (KeyError, TypeError, AttributeError):
        return False


def playlist_fields_ok(playlist: Any) -> bool:
    """Fast check of a playlist's own fields (not its tracks)."""
    return (_has_types(playlist, _PLAYLIST_KEYS, _PLAYLIST_TYPES)
            and playlist["collaborative"] in ("true", "false")
            and type(playlist.get("description", "")) in (str, type(None)))


def explain_bad_playlist(source: str, index: int, playlist: Any) -> None:
    """The slow path, once a fast check failed: raise the first problem as a SliceError."""
    if not isinstance(playlist, dict):
        raise SliceError(source, f"playlists[{index}]", "is not an object")
    where = f"playlist pid={playlist.get('pid', '?')} (playlists[{index}])"
    _check_fields(source, where, playlist, PLAYLIST_FIELDS)
    if playlist["collaborative"] not in ("true", "false"):
        raise SliceError(source, where, f'field "collaborative" is {playlist["collaborative"]!r}, '
                                        'expected "true" or "false"')
    description = playlist.get("description")
    if description is not None and not isinstance(description, str):
        raise SliceError(source, where, 'field "description" must be a string')
    for position, track in enumerate(playlist["tracks"]):
        if not isinstance(track, dict):
            raise SliceError(source, f"{where} tracks[{position}]", "is not an object")
        _check_fields(source, f"{where} tracks[{position}]", track, TRACK_FIELDS)


def _check_fields(source: str, where: str, obj: dict[str, Any], fields: dict[str, type]) -> None:
    for field, expected in fields.items():
        value = obj.get(field, _MISSING)
        if value is _MISSING:
            raise SliceError(source, where, f'missing field "{field}"')
        # bool is an int subclass: a JSON true is not a valid count
        if not isinstance(value, expected) or isinstance(value, bool):
            raise SliceError(source, where, f'field "{field}" is {type(value).__name__} '
                                            f"{_short(value)}, expected {_type_name(expected)}")


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
