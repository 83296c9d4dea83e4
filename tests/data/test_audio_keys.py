"""Keys as musicians write them, Camelot codes, and what counts as a key clash."""

from __future__ import annotations

import numpy as np
import pytest

from mpdtui.audio.keys import (
    UNKNOWN,
    camelot,
    clashes,
    code_of,
    codes_of,
    compatible,
    key_name,
    neighbours,
    parse_key,
)

# the Camelot wheel as DJ software prints it: (pitch class, mode) -> code, name
WHEEL = {
    (8, 0): ("1A", "G# minor"), (11, 1): ("1B", "B major"),
    (3, 0): ("2A", "Eb minor"), (6, 1): ("2B", "F# major"),
    (10, 0): ("3A", "Bb minor"), (1, 1): ("3B", "Db major"),
    (5, 0): ("4A", "F minor"), (8, 1): ("4B", "Ab major"),
    (0, 0): ("5A", "C minor"), (3, 1): ("5B", "Eb major"),
    (7, 0): ("6A", "G minor"), (10, 1): ("6B", "Bb major"),
    (2, 0): ("7A", "D minor"), (5, 1): ("7B", "F major"),
    (9, 0): ("8A", "A minor"), (0, 1): ("8B", "C major"),
    (4, 0): ("9A", "E minor"), (7, 1): ("9B", "G major"),
    (11, 0): ("10A", "B minor"), (2, 1): ("10B", "D major"),
    (6, 0): ("11A", "F# minor"), (9, 1): ("11B", "A major"),
    (1, 0): ("12A", "C# minor"), (4, 1): ("12B", "E major"),
}


@pytest.mark.parametrize(("pitch_mode", "expected"), WHEEL.items(), ids=lambda v: str(v))
def test_every_key_has_its_camelot_code_and_name(pitch_mode: tuple[int, int],
                                                 expected: tuple[str, str]) -> None:
    code = code_of(*pitch_mode)
    assert (camelot(code), key_name(code)) == expected
    assert parse_key(expected[0]) == code
    assert parse_key(expected[1]) == code


def test_arrays_give_the_same_codes_and_unknown_keys_give_minus_one() -> None:
    pitches = np.array([p for p, _ in WHEEL] + [-1, np.nan, 3], dtype=np.float32)
    modes = np.array([m for _, m in WHEEL] + [1, 1, np.nan], dtype=np.float32)
    expected = [code_of(p, m) for p, m in WHEEL] + [UNKNOWN] * 3
    assert codes_of(pitches, modes).tolist() == expected
    assert camelot(UNKNOWN) == key_name(UNKNOWN) == ""


@pytest.mark.parametrize(("text", "code"), [
    ("8a", "8A"), (" 12 B ", "12B"), ("Am", "8A"), ("a min", "8A"), ("C", "8B"), ("c major", "8B"),
    ("F#m", "11A"), ("F♯ minor", "11A"), ("Gb", "2B"), ("Bbm", "3A"), ("B♭", "6B"), ("Cb", "1B"),
])
def test_keys_are_read_the_ways_people_write_them(text: str, code: str) -> None:
    parsed = parse_key(text)
    assert parsed is not None and camelot(parsed) == code


@pytest.mark.parametrize("text", ["", "H", "13A", "0B", "8C", "A flat minor", "x8A"])
def test_what_is_not_a_key(text: str) -> None:
    assert parse_key(text) is None


def test_short_names_for_table_columns() -> None:
    assert key_name(parse_key("A minor"), short=True) == "Am"  # type: ignore[arg-type]
    assert key_name(parse_key("Db major"), short=True) == "Db"  # type: ignore[arg-type]


def test_a_clash_is_neither_the_same_key_nor_a_wheel_neighbour_nor_the_relative() -> None:
    key = {text: parse_key(text) for text in ("8A", "7A", "9A", "8B", "9B", "7B", "10A", "1A",
                                              "12A", "1B")}
    fits = [("8A", "8A"), ("8A", "7A"), ("8A", "9A"), ("8A", "8B"), ("1A", "12A"), ("1A", "1B")]
    clash = [("8A", "9B"), ("8A", "7B"), ("8A", "10A"), ("12A", "1B")]
    assert all(compatible(key[a], key[b]) and compatible(key[b], key[a]) for a, b in fits)
    assert not any(compatible(key[a], key[b]) for a, b in clash)
    assert compatible(UNKNOWN, key["8A"]) and compatible(UNKNOWN, UNKNOWN)


def test_each_key_mixes_with_exactly_its_three_neighbours() -> None:
    codes = np.arange(24)
    table = ~clashes(codes[:, None], codes[None, :])
    for code in codes:
        assert sorted(np.flatnonzero(table[code]).tolist()) == sorted(neighbours(int(code)))
    assert (table == table.T).all()
