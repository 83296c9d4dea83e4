"""One slice read, checked and reduced to what the catalog stores, in a single pass.

This runs in ingest's worker processes, so it imports little (no numpy or scipy) and its
result is cheap to send back: each distinct track once, and every playlist row as a small
integer code into that list. A well-formed slice goes the fast way (`slice_decoder`: typed
records checked in C); anything that way refuses goes the checked way here, which accepts or
names the problem exactly as before.
"""

from __future__ import annotations

import hashlib
from array import array
from dataclasses import dataclass, field
from typing import Any

from msgspec.structs import astuple

from models.text import normalize_name
from mpdtui.data.mpd import SliceSource
from mpdtui.data.mpd_validation import (
    TRACK_TYPES,
    SliceError,
    check_unique_pid,
    explain_bad_playlist,
    load_playlists,
    new_track_ok,
    playlist_fields_ok,
    track_values,
)
from mpdtui.data.slice_decoder import PlaylistRecord, TrackRow, decode_slice

# positions in TRACK_FIELDS order: pos, artist_name, track_uri, artist_uri, track_name,
# album_uri, duration_ms, album_name
_URI = 2


@dataclass
class ParsedSlice:
    """A checked slice: playlists, distinct tracks, and each row as a code into `tracks`."""

    checksum: str
    playlists: list[tuple[Any, ...]] = field(default_factory=list)
    """(pid, name, normalised name, collaborative, modified_at, followers, edits, duration ms,
    description, number of tracks) per playlist."""
    tracks: list[tuple[Any, ...]] = field(default_factory=list)
    """Each distinct track once, as its TRACK_FIELDS values, in order of first appearance."""
    codes: array = field(default_factory=lambda: array("i"))
    """Every playlist's rows in order, as indices into `tracks`."""


def load_slice(source: SliceSource) -> ParsedSlice | SliceError:
    """Read and compact one slice; a bad slice is returned, not raised (for --skip-bad)."""
    try:
        return compact_slice(source.label, source.read_bytes())
    except SliceError as exc:
        return exc


def compact_slice(label: str, raw: bytes) -> ParsedSlice:
    checksum = hashlib.sha256(raw).hexdigest()[:32]  # sha256: hardware-accelerated
    decoded = decode_slice(raw)
    parsed = _compact_decoded(checksum, decoded) if decoded else None
    return parsed or _compact_checked(label, raw, checksum)


def _compact_decoded(checksum: str, playlists: list[PlaylistRecord]) -> ParsedSlice | None:
    """The fast way: None at the first value the checked way would refuse (a NUL in a name,
    a pid twice, a bad new track), for that way to name it."""
    parsed = ParsedSlice(checksum)
    local: dict[str, int] = {}
    pids: set[int] = set()
    for playlist in playlists:
        name, description = playlist.name, playlist.description
        if playlist.pid in pids or "\0" in name or (description and "\0" in description):
            return None
        pids.add(playlist.pid)
        duration = _decoded_rows(playlist.tracks, parsed, local)
        if duration is None:
            return None
        parsed.playlists.append((
            playlist.pid, name, normalize_name(name), playlist.collaborative == "true",
            playlist.modified_at, playlist.num_followers, playlist.num_edits, duration,
            description, len(playlist.tracks),
        ))
    return parsed


def _decoded_rows(rows: list[TrackRow], parsed: ParsedSlice, local: dict[str, int]) -> int | None:
    """`_compact_rows` for decoded rows, whose types and ranges are already checked."""
    duration = 0
    append_code, seen, tracks = parsed.codes.append, local.get, parsed.tracks
    for row in rows:
        code = seen(row.track_uri)
        if code is None:
            values = astuple(row)
            if not new_track_ok(values):
                return None
            code = local[row.track_uri] = len(tracks)
            tracks.append(values)
        append_code(code)
        duration += row.duration_ms
    return duration


def _compact_checked(label: str, raw: bytes, checksum: str) -> ParsedSlice:
    """The checked way: every value looked at in Python; a SliceError names the first
    problem."""
    parsed = ParsedSlice(checksum)
    local: dict[str, int] = {}
    pid_index: dict[int, int] = {}
    for index, playlist in enumerate(load_playlists(label, raw)):
        if not playlist_fields_ok(playlist):
            explain_bad_playlist(label, index, playlist)
        check_unique_pid(label, index, playlist["pid"], pid_index)
        duration = _compact_rows(playlist["tracks"], parsed, local)
        if duration is None:
            explain_bad_playlist(label, index, playlist)
        parsed.playlists.append((
            playlist["pid"], playlist["name"], normalize_name(playlist["name"]),
            playlist["collaborative"] == "true", playlist["modified_at"],
            playlist["num_followers"], playlist["num_edits"], duration,
            playlist.get("description"), len(playlist["tracks"]),
        ))
    return parsed


def _compact_rows(tracks: list[Any], parsed: ParsedSlice, local: dict[str, int]) -> int | None:
    """Append a playlist's rows to `parsed` (new tracks to its tracks); their total duration, or
    None at the first bad row. The hot loop of ingest's workers (one pass per row, every
    name bound locally: half their time was calls and attribute look-ups)."""
    duration = 0
    append_code, seen, types = parsed.codes.append, local.get, TRACK_TYPES
    for track in tracks:
        try:
            values = track_values(track)
        except (KeyError, TypeError):
            return None
        if tuple(map(type, values)) != types or (values[0] | values[6]) >> 31:
            return None
        code = seen(values[_URI])
        if code is None:
            if not new_track_ok(values):
                return None
            code = local[values[_URI]] = len(parsed.tracks)
            parsed.tracks.append(values)
        append_code(code)
        duration += values[6]
    return duration
