"""The demo dataset's catalog: every track, artist and album drawn so far.

A track is a key, (theme, artist rank, track rank) packed into one int64. Its attributes (URI,
names, album, duration) are drawn when its key is first seen, in playlist order, with the
generator's names random generator: so the same seed gives the same bytes, and a smaller demo
is the start of a larger one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mpdtui.data.demo_vocabulary import pseudo_names

BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                       dtype=np.uint8)

# Track keys pack (theme, artist rank, track rank) into one int64.
TRACK_BITS = 12
ARTIST_BITS = 32
MAX_ARTIST_RANK = (1 << ARTIST_BITS) - 1
MAX_TRACK_RANK = (1 << TRACK_BITS) - 1


def track_key(theme: np.ndarray, artist: np.ndarray, track: np.ndarray) -> np.ndarray:
    """(theme, artist rank, track rank) packed into one int64."""
    return (theme.astype(np.int64) << (ARTIST_BITS + TRACK_BITS)) | (artist << TRACK_BITS) | track


@dataclass
class DemoCatalog:
    """Everything drawn so far, by first appearance: tracks, artists and albums."""

    track_ids: dict[int, int] = field(default_factory=dict)
    track_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    track_uris: list[str] = field(default_factory=list)
    track_names: list[str] = field(default_factory=list)
    track_album: list[int] = field(default_factory=list)
    track_artist: list[int] = field(default_factory=list)
    track_duration: list[int] = field(default_factory=list)
    artist_ids: dict[int, int] = field(default_factory=dict)
    artist_uris: list[str] = field(default_factory=list)
    artist_names: list[str] = field(default_factory=list)
    artist_albums: list[int] = field(default_factory=list)
    album_ids: dict[int, int] = field(default_factory=dict)
    album_uris: list[str] = field(default_factory=list)
    album_names: list[str] = field(default_factory=list)
    used_uris: set[str] = field(default_factory=set)
    track_rows: list[tuple[str, str, str, str, str, int, str]] = field(default_factory=list)
    """Per track, its playlist-row fields after "pos", in the MPD's order."""

    def add_new_tracks(self, keys: np.ndarray, rng: np.random.Generator) -> None:
        """Add the keys never seen before to the catalog, in order of first appearance
        (their attributes drawn with `rng`)."""
        known = self.track_ids
        new = [k for k in dict.fromkeys(keys.tolist()) if k not in known]
        if new:
            self._add_tracks(np.array(new, np.int64), rng)

    def _add_tracks(self, keys: np.ndarray, rng: np.random.Generator) -> None:
        artists = self._artist_ids(keys >> TRACK_BITS, rng)
        album_of_artist = (keys & MAX_TRACK_RANK) % np.asarray(self.artist_albums)[artists]
        albums = self._album_ids((artists << 8) | album_of_artist, rng)
        first = len(self.track_uris)
        self.track_ids.update(zip(keys.tolist(), range(first, first + keys.size), strict=True))
        self.track_artist.extend(artists.tolist())
        self.track_album.extend(albums.tolist())
        self.track_keys = np.concatenate([self.track_keys, keys])
        self.track_uris.extend(self._uris("track", keys.size, rng))
        self.track_names.extend(pseudo_names(rng, keys.size, 3))
        durations = np.clip(rng.normal(225_000, 45_000, keys.size), 60_000, 600_000)
        self.track_duration.extend(durations.astype(np.int64).tolist())
        for t in range(first, len(self.track_uris)):
            artist, album = self.track_artist[t], self.track_album[t]
            self.track_rows.append((self.artist_names[artist], self.track_uris[t],
                                    self.artist_uris[artist], self.track_names[t],
                                    self.album_uris[album], self.track_duration[t],
                                    self.album_names[album]))

    def _artist_ids(self, artist_keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Catalog ids of the artists, adding those never seen (with a number of albums)."""
        new = _ids_of(self.artist_ids, artist_keys)
        self.artist_uris.extend(self._uris("artist", new, rng))
        self.artist_names.extend(pseudo_names(rng, new, 2))
        self.artist_albums.extend((1 + rng.geometric(0.35, new)).tolist())
        return np.array([self.artist_ids[k] for k in artist_keys.tolist()], np.int64)

    def _album_ids(self, album_keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Catalog ids of the albums ((artist id << 8) | album number), adding new ones."""
        new = _ids_of(self.album_ids, album_keys)
        self.album_uris.extend(self._uris("album", new, rng))
        self.album_names.extend(pseudo_names(rng, new, 3))
        return np.array([self.album_ids[k] for k in album_keys.tolist()], np.int64)

    def _uris(self, kind: str, n: int, rng: np.random.Generator) -> list[str]:
        """n new Spotify-style URIs (22 base62 characters), never one used before."""
        digits = BASE62[rng.integers(0, 62, size=(n, 22))]
        uris = []
        for ident in digits.view("S22").ravel().tolist():
            uri = f"spotify:{kind}:{ident.decode()}"
            while uri in self.used_uris:  # 62**22 ids: practically never
                uri = f"spotify:{kind}:{BASE62[rng.integers(0, 62, 22)].tobytes().decode()}"
            self.used_uris.add(uri)
            uris.append(uri)
        return uris


def _ids_of(ids: dict[int, int], keys: np.ndarray) -> int:
    """Give the keys `ids` lacks the next ids, in order of first appearance; how many."""
    before = len(ids)
    for key in dict.fromkeys(keys.tolist()):
        ids.setdefault(key, len(ids))
    return len(ids) - before
