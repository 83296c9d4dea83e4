"""What the builder hides from a playlist's suggestions: tracks (x) and artists (X)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from mpdtui.pipeline.display import counted

if TYPE_CHECKING:
    from mpdtui.data.catalog import Track


@dataclass(frozen=True)
class HiddenArtist:
    """Every catalog track of an artist, hidden from the suggestions (X on one of them)."""

    track: Track  # the suggestion X was pressed on: undo brings the cursor back to it
    track_ids: frozenset[int]

    @property
    def id(self) -> int:
        return self.track.id


Hidden: TypeAlias = "Track | HiddenArtist"


def hidden_ids(hidden: Iterable[Hidden]) -> frozenset[int]:
    """The track ids `hidden` leaves out of the suggestions."""
    ids: set[int] = set()
    for entry in hidden:
        if isinstance(entry, HiddenArtist):
            ids |= entry.track_ids
        else:
            ids.add(entry.id)
    return frozenset(ids)


def hidden_words(hidden: Iterable[Hidden]) -> str:
    """"3 hidden", "1 artist hidden", "2 tracks and 1 artist hidden" ("" for none)."""
    entries = list(hidden)
    artists = sum(isinstance(entry, HiddenArtist) for entry in entries)
    tracks = len(entries) - artists
    if not artists:
        return f"{tracks} hidden" if tracks else ""
    if not tracks:
        return f"{counted(artists, 'artist')} hidden"
    return f"{counted(tracks, 'track')} and {counted(artists, 'artist')} hidden"
