"""Ingest's URI -> id look-ups in numpy give what a dict of every URI gives: with colliding
hashes, with URIs a slice repeats from earlier ones, and with a catalog from before
`TRACK_URI` was enforced."""

from __future__ import annotations

import numpy as np
import pytest

import mpdtui.data.track_keys as track_keys
from mpdtui.data.mpd_validation import TRACK_URI
from mpdtui.data.track_keys import TrackKeys

ALPHABET = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)


def _uris(rng: np.random.Generator, count: int) -> list[str]:
    ids = ALPHABET[rng.integers(0, ALPHABET.size, (count, 22))]
    return [f"spotify:track:{bytes(row).decode()}" for row in ids]


def _slices(rng: np.random.Generator, pool: list[str], count: int) -> list[list[str]]:
    """Slices of distinct URIs drawn from `pool`: later ones repeat many of the earlier ones."""
    return [[pool[index] for index in rng.choice(len(pool), size, replace=False)]
            for size in rng.integers(1, 400, count)]


def _ingest(keys: TrackKeys, reference: dict[str, int], uris: list[str]) -> None:
    """One slice's ids by `keys` (giving unseen URIs the next ids), checked against `reference`."""
    looked_up = keys.look_up("\n".join(uris), len(uris))
    expected = [reference.get(uri, -1) for uri in uris]
    assert looked_up.ids.tolist() == expected
    new = np.flatnonzero(looked_up.ids < 0)
    assert keys.add(looked_up, new).tolist() == list(range(len(reference), len(reference) + new.size))
    for code in new.tolist():
        assert looked_up.uri(code) == uris[code]
        reference[uris[code]] = len(reference)


@pytest.mark.parametrize("hash_values", [None, 7, 1])
def test_look_ups_match_a_dict(hash_values: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real hash, and with one of only 7 values or 1 (every URI collides)."""
    if hash_values:
        real = track_keys._hash
        monkeypatch.setattr(track_keys, "_hash", lambda keys: real(keys) % np.uint64(hash_values))
    rng = np.random.default_rng(hash_values or 0)
    pool = _uris(rng, 2_000)
    keys, reference = TrackKeys(), dict[str, int]()
    for uris in _slices(rng, pool, 30):
        _ingest(keys, reference, uris)
    assert keys.count == len(reference) > 1_000
    again = keys.look_up("\n".join(pool), len(pool)).ids  # every URI now, one look-up
    assert again.tolist() == [reference.get(uri, -1) for uri in pool]


@pytest.mark.parametrize("hash_values", [None, 3])
def test_a_catalogs_uris_are_known_by_their_ids(hash_values: int | None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Including URIs of an old catalog that are not `TRACK_URI`'s form: kept (no slice's URI
    equals them) and counted, so new tracks get the ids after them."""
    if hash_values:
        real = track_keys._hash
        monkeypatch.setattr(track_keys, "_hash", lambda keys: real(keys) % np.uint64(hash_values))
    rng = np.random.default_rng(1)
    catalog = _uris(rng, 50)
    catalog[3], catalog[17] = "spotify:track:short", "spotify:local:Artist:Album:Title:200"
    keys = TrackKeys(catalog)
    assert keys.count == 50
    reference = {uri: track_id for track_id, uri in enumerate(catalog)}
    regular = [uri for uri in catalog if TRACK_URI.fullmatch(uri)]  # what a slice may hold
    assert len(regular) == 48
    _ingest(keys, reference, regular + _uris(rng, 20))
    _ingest(keys, reference, _uris(rng, 5) + regular[::-1])
    assert keys.count == len(reference) == 75


def test_an_empty_slice_and_an_empty_catalog() -> None:
    keys = TrackKeys([])
    assert keys.look_up("", 0).ids.size == 0
    assert keys.add(keys.look_up("", 0), np.zeros(0, np.intp)).size == 0
    assert keys.count == 0
