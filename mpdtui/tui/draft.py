"""The builder's playlist kept on disk while it has unsaved changes: a terminal closed, a lost
connection or a crash loses at most the last few seconds of it, and a later start restores it
(`PlaylistService.keep_draft`, `mpdtui/data/builder_draft.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from mpdtui.data.saved_playlists import TrackEntry
from mpdtui.tui.messages import PlaylistLoaded

if TYPE_CHECKING:
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.data.builder_draft import Draft
    from mpdtui.data.catalog import Track
    from mpdtui.data.saved_playlists import SavedPlaylist
    from mpdtui.services.playlists import PlaylistService
    from mpdtui.services.root import Services


class DraftKeeper:
    """Writes the draft when it changed, removes it once nothing is unsaved: this app's own
    file (another window keeps its own)."""

    def __init__(self) -> None:
        self.kept: Draft | None = None
        self._where: PlaylistService | None = None
        """The saved playlists (of one cache dir) that `kept` is kept beside."""

    def keep(self, playlists: PlaylistService, draft: Draft | None) -> None:
        """`draft`: the playlist with unsaved changes; None when nothing is unsaved."""
        if self._where is not None and playlists is not self._where:
            self._write(self._where, None)  # that cache dir was left (the setup's first step)
        if draft != self.kept:
            self._write(playlists, draft)

    def _write(self, playlists: PlaylistService, draft: Draft | None) -> None:
        try:
            if draft is None:
                playlists.drop_draft()
            else:
                playlists.keep_draft(draft)
        except OSError:
            return  # a read-only cache dir or a full disk: no draft, the app says nothing
        self.kept, self._where = draft, playlists if draft is not None else None

    def restored(self, services: Services,
                 audio_of: Callable[[list[Track]], list[TrackAudio | None]],
                 opening: Callable[[str, int], object] = lambda name, count: None,
                 ) -> PlaylistLoaded | None:
        """The playlist of the newest draft an app left behind, as the builder opens it
        (still unsaved; the draft is this keeper's from now on); None without one. Any other
        drafts left wait for the next starts. `opening` is told its name and length first
        (10,000 tracks take seconds to read)."""
        draft = services.playlists.take_draft()
        if draft is None:
            return None
        opening(draft.name, len(draft.uris))
        catalog = services.catalog
        tracks = catalog.tracks(catalog.resolve_uris(list(draft.uris)))
        if not tracks:
            return None
        self.kept, self._where = draft, services.playlists
        return PlaylistLoaded(draft.name, tracks, audio_of(tracks), _base(services, draft),
                              not_shown=len(draft.uris) - len(tracks), changed="draft",
                              drafts_left=len(services.playlists.drafts()),
                              sound_filter=draft.sound_filter)


def _base(services: Services, draft: Draft) -> SavedPlaylist | None:
    """The saved playlist the draft changes, as it was when the draft was written: a change
    made to it since is asked about before a save replaces it."""
    saved = services.playlists.find(draft.editing) if draft.editing is not None else None
    if saved is None:
        return None
    return replace(saved, name=draft.base_name,
                   tracks=tuple(TrackEntry(uri) for uri in draft.base_uris))
