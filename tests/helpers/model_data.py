"""Synthetic playlist data with clear genres, for model tests and benches.

Each genre has its own tracks, artists and name words, and is split into sub-genres; a
playlist picks one sub-genre and draws most of its tracks from it, some from the rest of the
genre and a few from anywhere, by popularity. Names are made from the genre's words, so
title, seeds and tracks all point to the same genre.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from models.dataset import Dataset
from models.text import normalize_name

GENRE_WORDS = (
    ("rock", "guitar", "riffs"), ("jazz", "smooth", "sax"), ("hiphop", "rap", "bars"),
    ("country", "roads", "boots"), ("edm", "rave", "drops"), ("classical", "piano", "strings"),
    ("reggae", "island", "dub"), ("metal", "heavy", "thrash"), ("folk", "acoustic", "campfire"),
    ("soul", "motown", "groove"), ("punk", "mosh", "garage"), ("latin", "salsa", "fiesta"),
)
FILLER_WORDS = ("my", "best", "mix", "songs", "playlist", "2017", "favourites", "new")


@dataclass(frozen=True)
class Synthetic:
    """A Dataset plus what generated it: ordered playlists, raw names and the true genres."""

    dataset: Dataset
    indptr: np.ndarray
    indices: np.ndarray
    names: list[str]
    track_genre: np.ndarray
    playlist_genre: np.ndarray


def genre_data(n_genres: int = 4, tracks_per_genre: int = 60, n_playlists: int = 300,
               min_len: int = 8, max_len: int = 40, subgenres: int = 3,
               artists_per_genre: int = 8, seed: int = 0,
               mix: tuple[float, float, float] = (0.6, 0.3, 0.1)) -> Synthetic:
    """Playlists drawn mostly (`mix`: sub-genre, rest of genre, anywhere) from one genre."""
    if n_genres > len(GENRE_WORDS):
        raise ValueError(f"at most {len(GENRE_WORDS)} genres")
    rng = np.random.default_rng(seed)
    n_tracks = n_genres * tracks_per_genre
    track_genre = np.repeat(np.arange(n_genres), tracks_per_genre)
    track_sub = rng.integers(0, subgenres, n_tracks)
    weight = 1.0 / (rng.permutation(n_tracks) % tracks_per_genre + 1.0) ** 0.9
    pools = {(g, s): _Pool(np.flatnonzero((track_genre == g) & (track_sub == s)), weight)
             for g in range(n_genres) for s in range(subgenres)}
    genre_pools = {g: _Pool(np.flatnonzero(track_genre == g), weight) for g in range(n_genres)}
    everything = _Pool(np.arange(n_tracks), weight)
    playlist_genre = rng.integers(0, n_genres, n_playlists)
    lengths = np.exp(rng.uniform(np.log(min_len), np.log(max_len + 1), n_playlists)).astype(int)
    playlists, names = [], []
    for genre, length in zip(playlist_genre, np.clip(lengths, min_len, max_len), strict=True):
        sub = int(rng.integers(subgenres))
        counts = rng.multinomial(length, mix)
        parts = [pool.draw(rng, n) for pool, n in
                 zip((pools[genre, sub], genre_pools[genre], everything), counts, strict=True)]
        tracks = distinct(np.concatenate(parts))
        playlists.append(rng.permutation(tracks))
        names.append(_name(rng, genre, sub))
    indptr = np.concatenate([[0], np.cumsum([len(p) for p in playlists])]).astype(np.int64)
    indices = np.concatenate(playlists).astype(np.int64)
    artist = track_genre * artists_per_genre + rng.integers(0, artists_per_genre, n_tracks)
    dataset = make_dataset(indptr, indices, names, n_tracks, artist, tag=f"synthetic-{seed}")
    return Synthetic(dataset, indptr, indices, names, track_genre, playlist_genre)


class _Pool:
    """Tracks to draw from by popularity weight (cumulative, for fast repeated draws)."""

    def __init__(self, tracks: np.ndarray, weight: np.ndarray) -> None:
        self.tracks = tracks
        self.cdf = np.cumsum(weight[tracks])

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Up to n distinct tracks, popular ones more likely."""
        if n == 0 or self.tracks.size == 0:
            return np.empty(0, np.int64)
        picks = np.searchsorted(self.cdf, rng.random(3 * n + 5) * self.cdf[-1])
        return distinct(self.tracks[np.minimum(picks, self.tracks.size - 1)])[:n]


def distinct(tracks: np.ndarray) -> np.ndarray:
    _, first = np.unique(tracks, return_index=True)
    return tracks[np.sort(first)]


def _name(rng: np.random.Generator, genre: int, sub: int) -> str:
    words = GENRE_WORDS[genre]
    main = words[0] if rng.random() < 0.6 else words[1 + sub % 2]
    if rng.random() < 0.4:
        return f"{FILLER_WORDS[rng.integers(len(FILLER_WORDS))]} {main}".title()
    return main if rng.random() < 0.5 else f"{main} {words[1 + (sub + 1) % 2]}!"


def make_dataset(indptr: np.ndarray, indices: np.ndarray, names: list[str], n_tracks: int,
                 track_artist: np.ndarray, tag: str = "test") -> Dataset:
    """A binary Dataset from ordered playlists (repeats collapse to one interaction)."""
    matrix = sp.csr_matrix((np.ones(len(indices), np.float32), indices.astype(np.int32),
                            indptr.astype(np.int32)), shape=(len(names), n_tracks))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    matrix.indices = matrix.indices.astype(np.int32)
    digest = hashlib.sha256(matrix.indices.tobytes() + matrix.indptr.tobytes()).hexdigest()[:16]
    rng = np.random.default_rng(0)
    return Dataset(
        interactions=matrix,
        playlist_names=[normalize_name(n) for n in names],
        track_artist=np.asarray(track_artist, np.int64),
        track_album=np.asarray(track_artist, np.int64) * 3 + rng.integers(0, 3, n_tracks),
        track_duration_ms=rng.integers(120_000, 300_000, n_tracks),
        fingerprint=f"{tag}-{digest}",
    )


def contract_dataset() -> Dataset:
    """A small dataset for the contract suite: fast to fit, big enough to be meaningful, and
    ending with UNPLAYED tracks that no playlist holds (as a long-tail track only held-out
    playlists hold is to the training data)."""
    return with_unplayed_tracks(
        genre_data(n_genres=3, tracks_per_genre=40, n_playlists=150, seed=7).dataset, UNPLAYED)


UNPLAYED = 2


def with_unplayed_tracks(data: Dataset, count: int) -> Dataset:
    """`data` with `count` more tracks in no playlist, each by an artist and album of its own."""
    interactions = sp.hstack([data.interactions, sp.csr_matrix((data.n_playlists, count),
                                                               dtype=np.float32)]).tocsr()
    interactions.indices = interactions.indices.astype(np.int32)
    new_artists = data.track_artist.max() + 1 + np.arange(count)
    new_albums = data.track_album.max() + 1 + np.arange(count)
    return dataclasses.replace(
        data, interactions=interactions, fingerprint=f"{data.fingerprint}+{count}",
        track_artist=np.concatenate([data.track_artist, new_artists]),
        track_album=np.concatenate([data.track_album, new_albums]),
        track_duration_ms=np.concatenate([data.track_duration_ms, np.full(count, 200_000)]),
        _popularity=None)


def bench_data(n_playlists: int = 20_000, seed: int = 0) -> Synthetic:
    """About 50k tracks and 1.4M interactions: the scale the speed targets name."""
    return genre_data(n_genres=12, tracks_per_genre=4200, n_playlists=n_playlists, min_len=10,
                      max_len=250, subgenres=6, artists_per_genre=300, seed=seed)
