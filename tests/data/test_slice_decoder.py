"""The fast way through a slice (msgspec's typed decode) accepts only what the checked way
accepts, with the same result; everything else it hands to the checked way, which names it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from mpdtui.data.demo import generate_demo
from mpdtui.data.mpd_validation import SliceError
from mpdtui.data.slice_decoder import decode_slice
from mpdtui.data.slices import TRACK_TEXTS, ParsedSlice, _compact_checked, _compact_decoded, compact_slice

HANDMADE = Path(__file__).parent.parent / "fixtures" / "handmade.mpd.slice.0-2.json"
Change = Callable[[list[dict[str, Any]]], object]


def _fast(raw: bytes) -> ParsedSlice | None:
    decoded = decode_slice(raw)
    return _compact_decoded("sum", decoded) if decoded else None


def _checked(raw: bytes) -> ParsedSlice | SliceError:
    try:
        return _compact_checked("mpd.slice.0-2.json", raw, "sum")
    except SliceError as error:
        return error


def _edited(change: Change) -> bytes:
    document = orjson.loads(HANDMADE.read_bytes())
    change(document["playlists"])
    return orjson.dumps(document)


def _set(playlist: int, key: str, value: object, track: int | None = None) -> Change:
    def change(playlists: list[dict[str, Any]]) -> None:
        target = playlists[playlist] if track is None else playlists[playlist]["tracks"][track]
        target[key] = value
    return change


def _drop(playlist: int, key: str, track: int | None = None) -> Change:
    def change(playlists: list[dict[str, Any]]) -> None:
        target = playlists[playlist] if track is None else playlists[playlist]["tracks"][track]
        target.pop(key)
    return change


EDITS: dict[str, Change] = {
    "pid missing": _drop(1, "pid"),
    "count as text": _set(2, "num_followers", "1"),
    "count as float": _set(2, "num_followers", 1.0),
    "count as bool": _set(2, "num_edits", True),
    "count negative": _set(0, "modified_at", -1),
    "count past int64": _set(0, "num_followers", 2**63),
    "collaborative bool": _set(0, "collaborative", True),
    "collaborative other": _set(0, "collaborative", "yes"),
    "description null": _set(0, "description", None),
    "description number": _set(0, "description", 3),
    "description with NUL": _set(1, "description", "a\0b"),
    "name with NUL": _set(1, "name", "a\0b"),
    "name too long": _set(1, "name", "x" * 10_001),
    "name at the limit": _set(1, "name", "é" * 10_000),
    "same pid twice": _set(2, "pid", 0),
    "extra field": _set(0, "colour", "blue"),
    "tracks not a list": _set(0, "tracks", {}),
    "row uri missing": _drop(1, "track_uri", track=2),
    "row duration null": _set(0, "duration_ms", None, track=0),
    "row duration past int32": _set(0, "duration_ms", 2**31, track=0),
    "row position negative": _set(1, "pos", -1, track=1),
    "row uri not a track": _set(0, "track_uri", "spotify:album:0000000000000000000000", track=0),
    "row name with NUL": _set(0, "track_name", "x\0", track=1),
    "row album name too long": _set(0, "album_name", "y" * 10_001, track=0),
    "row extra field": _set(0, "popularity", 3, track=0),
    "row not an object": lambda ps: ps[0]["tracks"].__setitem__(0, 7),
    "no playlists": lambda ps: ps.clear(),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_fast_way_accepts_only_what_the_checked_way_accepts_alike(edit: str) -> None:
    raw = _edited(EDITS[edit])
    fast, checked = _fast(raw), _checked(raw)
    if isinstance(checked, SliceError):
        assert fast is None, f"the fast way accepted what the checked way refuses: {checked}"
    else:
        assert fast == checked


@pytest.mark.parametrize("raw", [b"[1, 2]", b'{"playlists": [ {"name": "x", ', b'{"other": 1}'])
def test_fast_way_hands_other_documents_to_the_checked_way(raw: bytes) -> None:
    assert _fast(raw) is None
    with pytest.raises(SliceError):
        compact_slice("mpd.slice.0-2.json", raw)


def test_well_formed_slices_go_the_fast_way_with_the_checked_result(tmp_path: Path) -> None:
    generate_demo(tmp_path, 2_000, seed=3)
    for path in [HANDMADE, *sorted(tmp_path.glob("mpd.slice.*.json"))]:
        raw = path.read_bytes()
        fast = _fast(raw)
        assert fast is not None, path.name
        assert fast == _checked(raw)
        whole = compact_slice(path.name, raw)
        assert replace(whole, checksum="sum") == fast
        texts = fast.texts.split("\0")  # TRACK_TEXTS of track 0, then of track 1, ...
        assert len(texts) == len(TRACK_TEXTS) * len(fast.durations)
        for code in (0, 1, len(fast.durations) // 2, len(fast.durations) - 1):
            at = code * len(TRACK_TEXTS)
            assert fast.texts_of(code) == texts[at:at + len(TRACK_TEXTS)]
        assert len(fast.uris.split("\n")) == len(fast.durations)
