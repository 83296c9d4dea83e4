"""App-wide messages: workers post these from their threads, screens display them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from textual.message import Message

if TYPE_CHECKING:  # annotations only: the services and their data load after the first paint
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.data.catalog import Track
    from mpdtui.data.saved_playlists import SavedPlaylist
    from mpdtui.services.root import Services
    from mpdtui.services.suggester import Suggestion


Changed = Literal["", "here", "elsewhere", "draft"]


@dataclass
class ServiceReady(Message):
    """The application services are imported and opened (after the first paint)."""

    services: Services
    first_run: bool
    training_left: list[str]
    """What a training that did not finish left untrained (`TrainingState.left_untrained`)."""
    added: tuple[int, int] | None = None
    """Playlists and tracks added since the serving models were trained
    (`TrainingState.added_since_training`)."""
    unservable: list[str] = field(default_factory=list)
    retrains_left: list[str] = field(default_factory=list)
    """Saved models whose retrain stopped before it saved (`TrainingState.retrains_left`)."""
    """Models saved for this data that cannot serve (`ModelStore.unservable`)."""


@dataclass
class SuggestionsReady(Message):
    """Suggestions answering request number `request` (stale ones are dropped)."""

    request: int
    suggestions: list[Suggestion]
    title: str
    audio: list[TrackAudio | None] = field(default_factory=list)  # None: no features
    note: str = ""  # what an audio filter did, or why it could not; why fewer than asked came


@dataclass
class SearchResults(Message):
    request: int
    tracks: list[Track]
    audio: list[TrackAudio | None] = field(default_factory=list)


@dataclass
class ModelsReady(Message):
    """Which models can serve, and the one to use first."""

    models: list[str]
    default: str | None
    has_data: bool = True


@dataclass
class AudioReady(Message):
    """The catalog's audio features are read: whether any track has them, and the features
    of some tracks (the playlist's when it was asked)."""

    with_audio: bool
    track_ids: list[int]
    audio: list[TrackAudio | None]


@dataclass
class PlaylistLoaded(Message):
    name: str
    tracks: list[Track]
    audio: list[TrackAudio | None] = field(default_factory=list)
    saved: SavedPlaylist | None = None
    """The saved playlist as read, None for one that is not saved."""
    not_shown: int = 0
    """Its tracks that the catalog does not hold (saving it keeps them)."""
    changed: Changed = ""
    """Why it is shown: changed "here" (the playlists screen) or "elsewhere" (another terminal or
    window); "draft": restored, unsaved, from a draft an app left behind; "": opened."""
    drafts_left: int = 0
    """Restored from a draft: the other drafts left for the next starts."""
    sound_filter: str | None = None
    """Restored from a draft: the suggestions' filter by sound then (None: the filter stays)."""


@dataclass
class LoginUrl(Message):
    """The Spotify authorize URL to show while the login waits for the redirect."""

    url: str


@dataclass
class PlaylistFoundAgain(Message):
    """Other data replaced the catalog: the playlist's tracks found in it by URI."""

    tracks: list[Track]
    audio: list[TrackAudio | None]
    not_found: int
    was_saved: bool
    """Whether the playlist had no unsaved changes before."""
