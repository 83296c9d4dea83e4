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
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate, count
from operator import add, attrgetter, itemgetter
from typing import Any

from models.text import normalize_name
from mpdtui.data.mpd import SliceSource
from mpdtui.data.mpd_validation import (
    TRACK_FIELDS,
    TRACK_TYPES,
    TRACK_URI_LINES,
    SliceError,
    check_unique_pid,
    explain_bad_playlist,
    load_playlists,
    new_track_ok,
    playlist_fields_ok,
    track_values,
)
from mpdtui.data.slice_decoder import PlaylistRecord, TrackRow, decode_slice

TRACK_TEXTS = ("artist_name", "artist_uri", "track_name", "album_uri", "album_name")
"""A distinct track's texts besides its URI, in `ParsedSlice.texts` in this order."""
_URI = 2  # of a row's values in TRACK_FIELDS order
_TEXTS_OF_VALUES = itemgetter(*(list(TRACK_FIELDS).index(name) for name in TRACK_TEXTS))
_TEXTS_OF_ROW = attrgetter(*TRACK_TEXTS)
_DURATION_OF_ROW = attrgetter("duration_ms")


@dataclass
class ParsedSlice:
    """A checked slice: playlists, distinct tracks, and each row as a code into the tracks.

    The tracks travel as columns (two strings, two int arrays): from a worker process a
    string of megabytes pickles at memory speed, where a tuple per track cost as much as
    decoding the slice. The URIs come apart from the other texts: the catalog's process looks
    every URI up (as fixed-width records, `track_keys`), but needs the other texts only when
    a slice has tracks it has not seen."""

    checksum: str
    playlists: list[tuple[Any, ...]] = field(default_factory=list)
    """(pid, name, normalised name, collaborative, modified_at, followers, edits, duration ms,
    description, number of tracks) per playlist."""
    uris: str = ""
    """Each distinct track's URI, in order of first appearance, one a line."""
    texts: str = ""
    """Each distinct track's TRACK_TEXTS, in the same order, joined by NUL (which no accepted
    text holds)."""
    text_ends: array = field(default_factory=lambda: array("q"))
    """Where each distinct track's texts end in `texts` (the next track's start one after):
    the catalog's process splits out only the tracks it has not seen."""
    durations: array = field(default_factory=lambda: array("i"))
    """Each distinct track's duration (ms)."""
    codes: array = field(default_factory=lambda: array("i"))
    """Every playlist's rows in order, as indices into the distinct tracks."""

    def texts_of(self, code: int) -> list[str]:
        """TRACK_TEXTS of track `code`."""
        start = self.text_ends[code - 1] + 1 if code else 0
        return self.texts[start:self.text_ends[code]].split("\0")


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
    new_rows: list[TrackRow] = []
    pids: set[int] = set()
    for playlist in playlists:
        name, description = playlist.name, playlist.description
        if playlist.pid in pids or "\0" in name or (description and "\0" in description):
            return None
        pids.add(playlist.pid)
        duration = _decoded_rows(playlist.tracks, parsed.codes, local, new_rows)
        parsed.playlists.append((
            playlist.pid, name, normalize_name(name), playlist.collaborative == "true",
            playlist.modified_at, playlist.num_followers, playlist.num_edits, duration,
            description, len(playlist.tracks),
        ))
    return parsed if _pack_rows(parsed, list(local), new_rows) else None


def _decoded_rows(rows: list[TrackRow], codes: array, local: dict[str, int],
                  new_rows: list[TrackRow]) -> int:
    """Append a playlist's rows to `codes` (a track's first row to `new_rows`); their total
    duration. Types and ranges are checked already; the new tracks' URIs and texts are
    checked all at once by `_pack_rows`. (One dict lookup a row, as here, is the cost: doing
    it a column at a time in C loops measured no faster.)"""
    duration = 0
    append_code, seen, add_new = codes.append, local.get, new_rows.append
    for row in rows:
        code = seen(row.track_uri)
        if code is None:
            code = local[row.track_uri] = len(new_rows)
            add_new(row)
        append_code(code)
        duration += row.duration_ms
    return duration


def _pack_rows(parsed: ParsedSlice, uris: list[str], new_rows: list[TrackRow]) -> bool:
    """Put the distinct tracks into `parsed`; False when a URI is not a track's or a text
    holds a NUL (two scans of joined strings instead of a check per track)."""
    parsed.uris = "\n".join(uris)
    if uris and not TRACK_URI_LINES.fullmatch(parsed.uris + "\n"):
        return False
    parsed.texts, parsed.text_ends = _joined_texts(map(_TEXTS_OF_ROW, new_rows))
    parsed.durations = array("i", map(_DURATION_OF_ROW, new_rows))
    return parsed.texts.count("\0") == max(0, len(TRACK_TEXTS) * len(new_rows) - 1)


def _joined_texts(per_track: Iterable[tuple[str, ...]]) -> tuple[str, array]:
    """`ParsedSlice.texts` and `text_ends` of each distinct track's TRACK_TEXTS."""
    blocks = list(map("\0".join, per_track))
    # block i ends after the lengths of blocks 0..i and the i NULs between them
    return "\0".join(blocks), array("q", map(add, accumulate(map(len, blocks)), count()))


def _compact_checked(label: str, raw: bytes, checksum: str) -> ParsedSlice:
    """The checked way: every value looked at in Python; a SliceError names the first
    problem."""
    parsed = ParsedSlice(checksum)
    local: dict[str, int] = {}
    tracks: list[tuple[Any, ...]] = []
    pid_index: dict[int, int] = {}
    for index, playlist in enumerate(load_playlists(label, raw)):
        if not playlist_fields_ok(playlist):
            explain_bad_playlist(label, index, playlist)
        check_unique_pid(label, index, playlist["pid"], pid_index)
        duration = _compact_rows(playlist["tracks"], parsed.codes, local, tracks)
        if duration is None:
            explain_bad_playlist(label, index, playlist)
        parsed.playlists.append((
            playlist["pid"], playlist["name"], normalize_name(playlist["name"]),
            playlist["collaborative"] == "true", playlist["modified_at"],
            playlist["num_followers"], playlist["num_edits"], duration,
            playlist.get("description"), len(playlist["tracks"]),
        ))
    parsed.uris = "\n".join(values[_URI] for values in tracks)
    parsed.texts, parsed.text_ends = _joined_texts(map(_TEXTS_OF_VALUES, tracks))
    parsed.durations = array("i", (values[6] for values in tracks))
    return parsed


def _compact_rows(rows: list[Any], codes: array, local: dict[str, int],
                  tracks: list[tuple[Any, ...]]) -> int | None:
    """Append a playlist's rows to `codes` (new tracks' values to `tracks`); their total
    duration, or None at the first bad row."""
    duration = 0
    append_code, seen, types = codes.append, local.get, TRACK_TYPES
    for row in rows:
        try:
            values = track_values(row)
        except (KeyError, TypeError):
            return None
        if tuple(map(type, values)) != types or (values[0] | values[6]) >> 31:
            return None
        code = seen(values[_URI])
        if code is None:
            if not new_track_ok(values):
                return None
            code = local[values[_URI]] = len(tracks)
            tracks.append(values)
        append_code(code)
        duration += values[6]
    return duration
