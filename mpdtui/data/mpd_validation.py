"""Checking an MPD slice's content field by field.

A bad slice is reported as one `SliceError` line naming the file, the playlist (pid) and what
is wrong. Values the MPD never holds are refused too: integers out of range, a track URI that
is not a Spotify track, NUL characters, huge strings, a pid twice, no playlists at all.

The fast checks (`playlist_fields_ok`, `row_values_ok`, `new_track_ok`) run on every
playlist and row; only when one fails does the slow path (`explain_bad_playlist`) find the
first problem and name it. Finding and reading slice files is `mpdtui.data.mpd`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from operator import itemgetter
from typing import Any, NoReturn

import orjson

from mpdtui.errors import UserError

MAX_TEXT_CHARS = 10_000
"""The longest name, description or URI accepted (MPD names are at most a few hundred)."""
MAX_INT64 = 2**63 - 1
"""SQLite's largest integer: playlist counts and ids are stored as such."""
MAX_INT32 = 2**31 - 1
"""Track positions and durations (ms, about 24 days) are kept in int32 arrays."""
TRACK_URI = re.compile(r"spotify:track:[0-9A-Za-z]{22}")
TRACK_URI_LINES = re.compile(f"(?:{TRACK_URI.pattern}\n)*")
"""Track URIs one a line, each line ended (checked in one call over a joined string)."""
_PASTED_TRACK = re.compile(
    r"(?:spotify:track:|(?:https?://)?open\.spotify\.com/(?:intl-[A-Za-z-]+/)?(?:embed/)?"
    r"track/)?([0-9A-Za-z]{22})(?:[?#]\S*)?")
"""A track as people paste it: its URI, its link (the apps' "Share > Copy Song Link", with
its `?si=` and a localised `/intl-de/` path; an embedded player's `/embed/track/`) or its bare
id."""


_OTHER_LINK = re.compile(
    r"(?:spotify:(?:user:[^:\s]+:)?|(?:https?://)?open\.spotify\.com/(?:intl-[A-Za-z-]+/)?"
    r"(?:user/[^/\s]+/)?)(playlist|album|artist)[:/]\S*")
"""A Spotify link or URI to tracks that names none of them (Share > Copy link on it); a
playlist's as Spotify wrote them before 2018 too (`spotify:user:NAME:playlist:ID`)."""
SHORT_LINK = re.compile(r"(?:https?://)?(?:spotify\.link|spoti\.fi)/\S+", re.IGNORECASE)
"""A short link (the phone apps' Share > Copy link): only Spotify's server knows what it
leads to."""


def linked_kind(text: str) -> str | None:
    """What a Spotify link or URI to tracks names instead of one ("playlist", "album",
    "artist"), or None."""
    match = _OTHER_LINK.fullmatch(text.strip())
    return match.group(1) if match else None


def no_track_linked(text: str, paste: str) -> str | None:
    """For a Spotify link or URI to a playlist, an album or an artist: that it names no
    track, and what to do instead (`paste`: where the links of tracks copied in Spotify's app
    add them); else None."""
    kind = linked_kind(text)
    if kind is None:
        return None
    article = "an" if kind[0] in "aeiou" else "a"
    return (f"{article} {kind}'s link, which names no track: in Spotify's app, select the "
            f"{kind}'s tracks and copy them (ctrl+c), then paste {paste}")


def pasted_track_uri(text: str) -> str | None:
    """The URI of the track `text` names as a URI, an open.spotify.com link or a bare id."""
    match = _PASTED_TRACK.fullmatch(text.strip())
    return f"spotify:track:{match.group(1)}" if match else None


def linked_track_uri(text: str) -> str | None:
    """The URI of the track `text` names as a URI or a link; a bare id is not read (any 22
    letters of other text, a CSV cell or a pasted line, would be one)."""
    text = text.strip()
    return pasted_track_uri(text) if text.startswith(_LINK_STARTS) else None


_LINK_STARTS = ("spotify:track:", "https://open.spotify.com/", "http://open.spotify.com/",
                "open.spotify.com/")
TRACK_LINK = "https://open.spotify.com/track/"


def track_link(uri: str) -> str:
    """The open.spotify.com link of a track's URI (what the apps' "Copy Song Link" gives)."""
    return f"{TRACK_LINK}{uri.rpartition(':')[2]}"


def track_links(uris: Iterable[str]) -> str:
    """Tracks' links, one a line: pasted into a playlist in Spotify's app, they add its
    tracks."""
    return "".join(f"{track_link(uri)}\n" for uri in uris)


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


SKIP_THE_OTHERS = "add --skip-bad to ingest the other slices"
FIX_OR_SKIP = f"fix or remove that file, or {SKIP_THE_OTHERS}"
"""What to do about a bad slice (the app, which has no --skip-bad, says the first half)."""
FIX_OR_REPLACE = "fix or replace that file"
"""What to do about a bad slice given alone (--skip-bad would ingest nothing)."""


class SliceError(UserError):
    """A slice that cannot be ingested: unreadable, invalid JSON, a missing field, a wrong
    type or a value the MPD never holds."""

    def __init__(self, source: str, where: str, what: str, advice: str = "") -> None:
        """`advice`: what to do about this very fault (a file that cannot be read: download
        it again), said in place of the general "fix or replace that file"."""
        self.source, self.where, self.what, self.advice = source, where, what, advice
        super().__init__(f"{source}: {where}: {what}" + (f": {advice}" if advice else ""))

    def stopping_the_ingest(self, others: bool = True) -> SliceError:
        """This error as the one line that stops an ingest: with what to do about it, one
        piece of advice (`others`: the data given holds other slices, which --skip-bad
        ingests)."""
        if self.advice:
            skip = f", or {SKIP_THE_OTHERS}" if others and "--skip-bad" not in self.advice else ""
            return SliceError(self.source, self.where, self.what, self.advice + skip)
        return SliceError(self.source, self.where,
                          f"{self.what}; {FIX_OR_SKIP if others else FIX_OR_REPLACE}")

    def __reduce__(self) -> tuple[type[SliceError], tuple[str, str, str, str]]:
        # crosses process boundaries
        return (SliceError, (self.source, self.where, self.what, self.advice))



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
        raise SliceError(source_label, "invalid JSON", _not_utf8(raw) or str(exc)) from None
    if not isinstance(document, dict) or not isinstance(document.get("playlists"), list):
        raise SliceError(source_label, "top level", 'expected an object with a "playlists" list')
    if not document["playlists"]:
        raise SliceError(source_label, "top level", '"playlists" is empty: an MPD slice holds '
                         "1,000 playlists")
    return document["playlists"]


def _not_utf8(raw: bytes) -> str | None:
    """Where `raw` stops being UTF-8, when it does (orjson's error then says line 1, column
    1, wherever the byte is)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        return (f"byte {raw[exc.start]:#04x} at line {line:,} column {column:,} (byte "
                f"{exc.start:,}) is not UTF-8: MPD slices are UTF-8 text")
    return None


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
        if expected is int and isinstance(value, float) and abs(value) >= 2**63:
            # a JSON integer beyond 64 bits is parsed as a float: say what it was
            raise SliceError(source, where, f'field "{field}" is about {value:.3g}, an integer '
                                            "beyond 64 bits (±9,223,372,036,854,775,807 at most)")
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
    if len(text) <= 40:
        return text
    if isinstance(value, str):  # cut inside the quotes, so that the value still reads as one
        quoted = repr(value[:33])
        return quoted[:-1] + "..." + quoted[-1]
    return text[:37] + "..."


def _type_name(expected: type) -> str:
    names = {str: "a string", int: "an integer", list: "a list", dict: "an object"}
    return names.get(expected, expected.__name__)


_MISSING = object()
