"""App-wide messages: workers post these from their threads, screens display them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


@dataclass
class ServiceReady(Message):
    """The application service is imported and opened (after the first paint)."""

    service: Any
    first_run: bool


@dataclass
class StageUpdate(Message):
    """A `models.base.Progress` (or subclass) from a long job."""

    progress: Any


@dataclass
class IngestUpdate(Message):
    """An `IngestProgress` from the data step."""

    progress: Any


@dataclass
class SuggestionsReady(Message):
    """Suggestions answering request number `request` (stale ones are dropped)."""

    request: int
    suggestions: list[Any]
    title: str
    audio: list[Any] = field(default_factory=list)  # each suggestion's `TrackAudio` or None
    note: str = ""  # what an audio filter did, or why it could not


@dataclass
class SearchResults(Message):
    request: int
    tracks: list[Any]
    audio: list[Any] = field(default_factory=list)


@dataclass
class ModelsReady(Message):
    """Which models can serve, and the one to use first."""

    models: list[str]
    default: str | None


@dataclass
class AudioReady(Message):
    """The catalog's audio features are read: whether any track has them, and the features
    of some tracks (the playlist's when it was asked)."""

    with_audio: bool
    track_ids: list[int]
    audio: list[Any]


@dataclass
class PlaylistLoaded(Message):
    name: str
    tracks: list[Any]
    audio: list[Any] = field(default_factory=list)


@dataclass
class LoginUrl(Message):
    """The Spotify authorize URL to show while the login waits for the redirect."""

    url: str
