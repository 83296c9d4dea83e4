"""Track URI -> id for ingest's writer, looked up a slice at a time in numpy.

Every URI an ingest accepts is `spotify:track:` and a 22-character id (`TRACK_URI`), so a
slice's distinct URIs, one a line, are fixed-width records: their ids are read straight from
the string's bytes, hashed to 64 bits, and found by binary search in the sorted hashes of the
known tracks, then checked byte for byte against the id they point to. A Python dict did one
look-up a URI (string hashing and three cache misses among 875k keys: 5.3-5.8 s for the
MPD-like demo's 3.9M look-ups at 100k playlists; this, 1.6-1.9 s with the inserts).

Hash collisions are handled, not assumed away: a URI whose hash is already taken by another
track's (a chance of about one in seven million at 2.26M tracks) is kept in a dict by its full
text, and so is a URI of a catalog from before `TRACK_URI` was enforced that is not of that
form (no slice's URI can equal it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mpdtui.data.mpd_validation import TRACK_URI, TRACK_URI_LINES

_PREFIX = len("spotify:track:")
_ID_CHARS = 22
_LINE = _PREFIX + _ID_CHARS + 1  # with its newline
_KEY_BYTES = 24  # the id, zero-padded to three 64-bit words
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9],
                        dtype=np.uint64)
"""Odd constants (from xxHash and the golden ratio): each word times its own, XORed."""


@dataclass
class LookedUp:
    """A slice's URIs with what `TrackKeys.look_up` found: each one's id, -1 when unseen."""

    uris: str
    ids: np.ndarray
    keys: np.ndarray
    hashes: np.ndarray

    def uri(self, code: int) -> str:
        return self.uris[code * _LINE:(code + 1) * _LINE - 1]


class TrackKeys:
    """The ids of known track URIs (ids 0, 1, ... in order), extended as slices come."""

    def __init__(self, uris: Sequence[str] = ()) -> None:
        """`uris`: the catalog's, by id."""
        self.count = 0
        self._hashes = np.zeros(0, np.uint64)  # sorted
        self._ids_by_hash = np.zeros(0, np.int32)
        self._keys = np.zeros((0, _KEY_BYTES), np.uint8)  # by id, with room to grow
        self._others: dict[str, int] = {}  # collided or irregular URIs, by their text
        if uris:
            self._add_catalog(list(uris))

    def look_up(self, uris: str, count: int) -> LookedUp:
        """The ids of `count` URIs, one a line (each `TRACK_URI`), -1 for those not known."""
        keys = _keys_of(uris, count)
        looked_up = LookedUp(uris, np.full(count, -1, np.int32), keys, _hash(keys))
        hashed, candidates = self._find(looked_up.hashes)
        same = (self._keys[candidates] == keys[hashed]).all(axis=1)
        looked_up.ids[hashed[same]] = candidates[same]
        for code in hashed[~same].tolist():  # another track has its hash
            looked_up.ids[code] = self._others.get(looked_up.uri(code), -1)
        return looked_up

    def add(self, looked_up: LookedUp, codes: np.ndarray) -> np.ndarray:
        """Give the tracks `codes` of a looked-up slice (unseen, distinct) the next ids, in
        order; returns them."""
        ids = np.arange(self.count, self.count + codes.size, dtype=np.int32)
        self._grow(self.count + codes.size)
        self._keys[ids] = looked_up.keys[codes]
        self.count += codes.size
        self._index(looked_up.hashes[codes], ids, lambda index: looked_up.uri(int(codes[index])))
        return ids

    def _find(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of `hashes` are known (indices), and the id each points to."""
        if not self._hashes.size or not hashes.size:
            return np.zeros(0, np.intp), np.zeros(0, np.int32)
        order = np.argsort(hashes)  # sorted queries: a third of the time of unsorted ones
        at = np.empty_like(order)
        at[order] = np.searchsorted(self._hashes, hashes[order])
        np.minimum(at, self._hashes.size - 1, out=at)
        hashed = np.flatnonzero(self._hashes[at] == hashes)
        return hashed, self._ids_by_hash[at[hashed]]

    def _index(self, hashes: np.ndarray, ids: np.ndarray, uri_of: Callable[[int], str]) -> None:
        """Put tracks `ids` in the hashes, but one whose hash is taken (by a known track or an
        earlier one of these) in `_others`, by its URI (`uri_of` its index)."""
        unique, first = np.unique(hashes, return_index=True)
        free = np.ones(unique.size, bool)
        free[self._find(unique)[0]] = False
        first = first[free]
        # masks, not `np.isin` / `np.setdiff1d`: those sort (or hash) what a mask just marks
        taken = np.ones(hashes.size, bool)
        taken[first] = False
        for index in np.flatnonzero(taken).tolist():
            self._others[uri_of(index)] = int(ids[index])
        at = np.searchsorted(self._hashes, hashes[first])  # `unique` is sorted, so is `first`'s
        self._hashes = np.insert(self._hashes, at, hashes[first])
        self._ids_by_hash = np.insert(self._ids_by_hash, at, ids[first])

    def _grow(self, count: int) -> None:
        if count > len(self._keys):  # doubling: a copy per slice would cost O(tracks) each
            grown = np.zeros((max(count, 2 * len(self._keys)), _KEY_BYTES), np.uint8)
            grown[:self.count] = self._keys[:self.count]
            self._keys = grown

    def _add_catalog(self, uris: list[str]) -> None:
        """The catalog's URIs, by id; one not of `TRACK_URI`'s form (a catalog from before it
        was enforced) goes straight to `_others`."""
        joined = "\n".join(uris)
        if TRACK_URI_LINES.fullmatch(joined + "\n"):
            regular = np.arange(len(uris))
        else:
            irregular = {uri: track_id for track_id, uri in enumerate(uris)
                         if not TRACK_URI.fullmatch(uri)}
            self._others.update(irregular)
            regular = np.array([track_id for track_id, uri in enumerate(uris)
                                if uri not in irregular], dtype=np.intp)
            joined = "\n".join(uris[track_id] for track_id in regular.tolist())
        self._grow(len(uris))
        self.count = len(uris)
        self._keys[regular] = _keys_of(joined, regular.size)
        self._index(_hash(self._keys[regular]), regular.astype(np.int32),
                    lambda index: uris[int(regular[index])])


def _keys_of(uris: str, count: int) -> np.ndarray:
    """The 22-character ids of `count` URIs, one a line, as rows of _KEY_BYTES bytes."""
    keys = np.zeros((count, _KEY_BYTES), np.uint8)
    if count:
        lines = np.frombuffer((uris + "\n").encode("ascii"), np.uint8).reshape(count, _LINE)
        keys[:, :_ID_CHARS] = lines[:, _PREFIX:_PREFIX + _ID_CHARS]
    return keys


def _hash(keys: np.ndarray) -> np.ndarray:
    words = keys.view(np.uint64)  # (count, 3)
    return (words[:, 0] * _MULTIPLIERS[0]) ^ (words[:, 1] * _MULTIPLIERS[1]) ^ (
        words[:, 2] * _MULTIPLIERS[2])
