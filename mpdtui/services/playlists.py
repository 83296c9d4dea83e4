"""The user's saved playlists: the SQLite store, opened once, and the builder's draft (files
of playlists: `playlist_files`)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from mpdtui.audio.describe import TrackAudio, track_audio
from mpdtui.data.builder_draft import Draft, drop_draft, left_drafts, take_draft, write_draft
from mpdtui.data.catalog import Track
from mpdtui.data.saved_playlists import (
    PlaylistExists,
    PlaylistNotFound,
    PlaylistSummary,
    SavedPlaylist,
    SavedPlaylists,
    TrackEntry,
)
from mpdtui.data.track_features import TrackFeatures
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.services.catalog import CatalogService
from mpdtui.services.playlist_import import track_entry


def audio_of_uris(locations: Locations, uris: Sequence[str]) -> list[TrackAudio | None]:
    """The stored features of any tracks, by URI (all None without a feature store)."""
    return track_audio(TrackFeatures.load(locations, uris))


class PlaylistService:
    """Saved playlists by id or name (thread-safe; the store opens on first use)."""

    def __init__(self, locations: Locations, catalog: CatalogService) -> None:
        self.locations, self._catalog = locations, catalog
        self._lock = threading.Lock()
        self._store: SavedPlaylists | None = None

    def store(self, write: bool = True) -> SavedPlaylists:
        """The store, opened on first use. A read takes it read-only where it cannot be written
        (a read-only cache dir, a full disk: the playlists still list); a write then opens it
        again to write, which says why it cannot."""
        with self._lock:
            if self._store is not None and write and self._store.read_only:
                self._store.close()
                self._store = None
            if self._store is None:
                self._store = SavedPlaylists.open(self.locations.ensure(),
                                                  write=write or not self._holds_a_store())
            return self._store

    def _holds_a_store(self) -> bool:
        path = self.locations.playlists_db
        return path.exists() and path.stat().st_size > 0

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def summaries(self) -> list[PlaylistSummary]:
        """Saved playlists, most recently changed first (none before their store is made:
        listing creates nothing, which a read-only cache dir could not)."""
        if self._store is None and not self._holds_a_store():
            return []
        return self.store(write=False).list()

    def get(self, key: int | str) -> SavedPlaylist:
        return self.store(write=False).get(key)

    def find(self, key: int | str) -> SavedPlaylist | None:
        """The saved playlist with this id or name (the one `save(name, ...)` would replace),
        None when there is none."""
        try:
            return self.get(key.strip() if isinstance(key, str) else key)
        except PlaylistNotFound:
            return None

    def preview(self, key: int | str, rows: int) -> tuple[SavedPlaylist, dict[str, str]]:
        """A saved playlist, and the albums of its first `rows` tracks that the catalog holds
        (its entries keep no album), by URI; none where there is no catalog yet."""
        playlist = self.get(key)
        try:
            known = self._catalog.tracks(self._catalog.resolve_uris(playlist.uris[:rows]))
        except UserError:
            return playlist, {}
        return playlist, {track.uri: track.album_name for track in known}

    def tracks(self, key: int | str) -> list[Track]:
        """A saved playlist's tracks that the catalog knows, in order."""
        return self._catalog.tracks(self._catalog.resolve_uris(self.get(key).uris))

    def save(self, name: str, tracks: Sequence[Track],
             keep_unknown_of: int | None = None) -> SavedPlaylist:
        """Create playlist `name` or replace its tracks; durable when this returns. With
        `keep_unknown_of` (the saved playlist these tracks were opened from), that playlist's
        tracks the catalog does not hold are kept where they were: they could not be shown,
        so nobody removed them."""
        entries = [track_entry(track) for track in tracks]
        if keep_unknown_of is not None:
            entries = self._with_unknown_tracks_of(keep_unknown_of, entries)
        return self.store().save(name, entries)

    def save_aside(self, name: str, tracks: Sequence[Track]) -> SavedPlaylist:
        """Save `tracks` as a new playlist: `name`, or `name 2`... where it is taken."""
        store = self.store()
        return store.save(store.free_name(name), [track_entry(track) for track in tracks])

    def save_extended(self, name: str, base: SavedPlaylist | None,
                      added: Sequence[Track]) -> SavedPlaylist:
        """Save `name`: saved playlist `base`'s tracks as they are (none without `base`), then
        `added`. Another saved playlist of that name is refused, not replaced."""
        taken = self.find(name)
        if taken is not None and (base is None or taken.id != base.id):
            raise PlaylistExists(f"a saved playlist named '{taken.name}' already exists",
                                 name=taken.name)
        entries = [*(base.tracks if base is not None else ()), *map(track_entry, added)]
        return self.store().save(name, entries)

    def _with_unknown_tracks_of(self, key: int, entries: list[TrackEntry]) -> list[TrackEntry]:
        source = self.find(key)
        if source is None:  # deleted meanwhile
            return entries
        unknown = set(self._catalog.resolve_uris_naming_unknown(source.uris)[1])
        merged = list(entries)
        for position, entry in enumerate(source.tracks):  # in order: each lands at its position
            if entry.uri in unknown:
                merged.insert(min(position, len(merged)), entry)
        return merged

    def replace_tracks(self, key: int | str, entries: Sequence[TrackEntry]) -> SavedPlaylist:
        """Give a saved playlist these tracks (e.g. its own in a new order)."""
        return self.store().set_tracks(key, entries)

    def rename(self, key: int | str, new_name: str) -> SavedPlaylist:
        return self.store().rename(key, new_name)

    def duplicate(self, key: int | str) -> SavedPlaylist:
        return self.store().duplicate(key)

    def delete(self, key: int | str) -> None:
        self.store().delete(key)

    def drafts(self) -> list[Draft]:
        """The builder's unsaved playlists that apps left behind (a terminal closed, a crash),
        newest first: not this app's own, nor those that apps still running keep (other
        windows), nor those the catalog holds none of the tracks of (other data since: the
        builder cannot show them)."""
        own = self.locations.builder_draft_of(os.getpid())
        return [draft for path, draft in self._left_drafts() if path != own]

    def take_draft(self) -> Draft | None:
        """The newest of `drafts`, now this app's to keep; None without one (or when other
        apps starting at the same moment took each)."""
        for path, draft in self._left_drafts():
            if take_draft(path, self.locations):
                return replace(draft, pid=os.getpid())
        return None

    def _left_drafts(self) -> list[tuple[Path, Draft]]:
        if self._catalog.file_identity() is None:
            return []
        return [(path, draft) for path, draft in left_drafts(self.locations)
                if self._catalog.resolve_uris(draft.uris)]

    def keep_draft(self, draft: Draft) -> None:
        """Keep the builder's unsaved playlist on disk (OSError: a read-only cache dir)."""
        write_draft(self.locations.ensure().builder_draft_of(os.getpid()), draft)

    def drop_draft(self) -> None:
        drop_draft(self.locations.builder_draft_of(os.getpid()))

