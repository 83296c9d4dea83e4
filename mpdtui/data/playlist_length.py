"""How long a playlist should be ("45m", "1h30m", "30 tracks"), and the suggestions that make
it that long: `suggest --length` and the builder's fill (A)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mpdtui.printable import quoted

if TYPE_CHECKING:  # annotations only: `--length` is read before the catalog's modules load
    from mpdtui.data.catalog import Track

FILL_CANDIDATES = 500
"""The suggestions a fill takes from: what every model ranks (the challenge's answer size)."""
MAX_HOURS = 24
"""The longest length a fill takes: 500 suggestions at the MPD's average track length (3:54)
last about 32 hours, and a filter or short tracks leave fewer."""
LENGTH_HINT = "45m, 1h30m, 1:30:00, 90 (minutes) or 30 tracks"

_HOURS_MINUTES = re.compile(
    r"(?:(?P<hours>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hours?))?\s*"
    r"(?:(?P<minutes>\d+(?:\.\d+)?)\s*(?:m|min|mins|minutes?)?)?")
_CLOCK = re.compile(r"(?:(?P<hours>\d+):)?(?P<minutes>\d+):(?P<seconds>\d\d)")
_COUNT = re.compile(r"(?P<count>\d+)\s*(?:tracks?|songs?)")


class LengthError(ValueError):
    """A length that cannot be read; its text says what to write."""


@dataclass(frozen=True)
class PlaylistLength:
    """A playlist's wanted length: a duration (`ms`) or a number of tracks (`tracks`)."""

    ms: int = 0
    tracks: int = 0

    def reached(self, count: int, total_ms: int) -> bool:
        return count >= self.tracks if self.tracks else total_ms >= self.ms


def parse_length(text: str) -> PlaylistLength:
    """"45m", "45 min", "1h30", "1.5h", "1:30:00" (h:mm:ss), "45:00" (m:ss), "90" (minutes),
    "30 tracks"."""
    typed = " ".join(text.lower().split())
    if count := _COUNT.fullmatch(typed):
        tracks = int(count["count"])
        if tracks < 1:
            raise LengthError(f"{quoted(text.strip())}: a playlist has at least 1 track")
        return PlaylistLength(tracks=tracks)
    minutes = _minutes(typed)
    if minutes is None:
        raise LengthError(f"{quoted(text.strip())} is not a playlist length: write {LENGTH_HINT}")
    if minutes <= 0:
        raise LengthError(f"{quoted(text.strip())}: a playlist lasts more than 0 minutes")
    if minutes > MAX_HOURS * 60:
        raise LengthError(f"{quoted(text.strip())} is over {MAX_HOURS} hours, the longest a fill "
                         f"of at most {FILL_CANDIDATES} suggestions takes")
    return PlaylistLength(ms=round(minutes * 60_000))


def _minutes(typed: str) -> float | None:
    if clock := _CLOCK.fullmatch(typed):
        if int(clock["seconds"]) > 59 or (clock["hours"] and int(clock["minutes"]) > 59):
            return None
        return (int(clock["hours"] or 0) * 60 + int(clock["minutes"])
                + int(clock["seconds"]) / 60)
    words = _HOURS_MINUTES.fullmatch(typed)
    if not typed or words is None or not (words["hours"] or words["minutes"]):
        return None
    return float(words["hours"] or 0) * 60 + float(words["minutes"] or 0)


@dataclass(frozen=True)
class Filled:
    """What `fill` took: the indexes of the candidates added, and the playlist's length then."""

    taken: list[int]
    count: int
    total_ms: int
    reached: bool


def fill(candidates: Sequence[Track], length: PlaylistLength, count: int = 0,
         total_ms: int = 0) -> Filled:
    """The candidates, in their order, added to a playlist of `count` tracks lasting
    `total_ms` until it is at least `length` long. A candidate of unknown duration is passed
    over when the length is a duration: the playlist's length would be unknown."""
    taken: list[int] = []
    for index, track in enumerate(candidates):
        if length.reached(count, total_ms):
            break
        if length.ms and not track.duration_ms:
            continue
        taken.append(index)
        count, total_ms = count + 1, total_ms + track.duration_ms
    return Filled(taken, count, total_ms, length.reached(count, total_ms))
