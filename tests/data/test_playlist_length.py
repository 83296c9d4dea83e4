"""How long a playlist should be, as typed (`suggest --length`, the builder's A), and the
suggestions that make it that long."""

from __future__ import annotations

import pytest

from mpdtui.data.catalog import Track
from mpdtui.data.playlist_length import LengthError, PlaylistLength, fill, parse_length

MINUTE = 60_000


@pytest.mark.parametrize(("typed", "expected"), [
    ("45m", PlaylistLength(ms=45 * MINUTE)),
    ("45 min", PlaylistLength(ms=45 * MINUTE)),
    ("45 Minutes", PlaylistLength(ms=45 * MINUTE)),
    ("90", PlaylistLength(ms=90 * MINUTE)),
    ("1h", PlaylistLength(ms=60 * MINUTE)),
    ("1h30", PlaylistLength(ms=90 * MINUTE)),
    ("1h 30m", PlaylistLength(ms=90 * MINUTE)),
    ("1.5 hours", PlaylistLength(ms=90 * MINUTE)),
    ("2 hrs", PlaylistLength(ms=120 * MINUTE)),
    ("1:30:00", PlaylistLength(ms=90 * MINUTE)),
    ("45:30", PlaylistLength(ms=45 * MINUTE + 30_000)),  # m:ss, as the app shows lengths
    ("30 tracks", PlaylistLength(tracks=30)),
    ("1 song", PlaylistLength(tracks=1)),
    ("  25   TRACKS ", PlaylistLength(tracks=25)),
])
def test_lengths_are_read_as_people_write_them(typed: str, expected: PlaylistLength) -> None:
    assert parse_length(typed) == expected


@pytest.mark.parametrize(("typed", "said"), [
    ("", "is not a playlist length: write 45m, 1h30m"),
    ("abc", "'abc' is not a playlist length: write 45m, 1h30m, 1:30:00, 90 (minutes) or 30 tracks"),
    ("45x", "'45x' is not a playlist length"),
    ("h", "'h' is not a playlist length"),
    ("1:75", "'1:75' is not a playlist length"),
    ("1:60:00", "'1:60:00' is not a playlist length"),
    ("-5m", "'-5m' is not a playlist length"),
    ("0", "'0': a playlist lasts more than 0 minutes"),
    ("0h 0m", "a playlist lasts more than 0 minutes"),
    ("0 tracks", "'0 tracks': a playlist has at least 1 track"),
    ("25h", "'25h' is over 24 hours, the longest a fill of at most 500 suggestions takes"),
])
def test_a_length_that_cannot_be_read_says_what_to_write(typed: str, said: str) -> None:
    with pytest.raises(LengthError) as raised:
        parse_length(typed)
    assert said in str(raised.value)


def track(number: int, minutes: float) -> Track:
    return Track(number, f"spotify:track:{number}", f"song {number}", "artist", "", "", "",
                 round(minutes * MINUTE), 1)


def test_candidates_are_taken_in_order_until_the_playlist_is_at_least_that_long() -> None:
    candidates = [track(1, 4), track(2, 3), track(3, 5), track(4, 2)]
    filled = fill(candidates, PlaylistLength(ms=10 * MINUTE), count=1, total_ms=2 * MINUTE)
    assert filled.taken == [0, 1, 2]  # 2 + 4 + 3 = 9 minutes: one more, the one of 5
    assert (filled.count, filled.total_ms, filled.reached) == (4, 14 * MINUTE, True)


def test_a_track_of_unknown_length_is_passed_over_for_a_duration_not_for_a_count() -> None:
    candidates = [track(1, 0), track(2, 3), track(3, 3)]
    assert fill(candidates, PlaylistLength(ms=5 * MINUTE)).taken == [1, 2]
    assert fill(candidates, PlaylistLength(tracks=2)).taken == [0, 1]


def test_a_playlist_long_enough_takes_none_and_too_few_candidates_say_so() -> None:
    candidates = [track(1, 3), track(2, 3)]
    already = fill(candidates, PlaylistLength(tracks=3), count=3, total_ms=9 * MINUTE)
    assert (already.taken, already.reached) == ([], True)
    short = fill(candidates, PlaylistLength(ms=60 * MINUTE), count=1, total_ms=3 * MINUTE)
    assert (short.taken, short.count, short.total_ms, short.reached) == ([0, 1], 3,
                                                                         9 * MINUTE, False)
