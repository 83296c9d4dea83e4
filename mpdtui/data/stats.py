"""Statistics that tell how MPD-like a dataset is: long tail, catalog size, names, unknown seeds.

`dataset_stats` works on any ingested data (`mpdtui info --stats`), so the demo can be compared
with the real MPD by anyone who has it; `REAL_MPD` holds the figures measured on real MPD
playlists with this same code (and the MPD's published totals) to print beside them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from models.evaluation import ChallengeSplit, make_challenge_split, seed_counts
from models.text import normalize_name, words_only
from mpdtui.data.catalog import Catalog
from mpdtui.data.matrices import load_sequences
from mpdtui.locations import Locations


@dataclass(frozen=True)
class DataStats:
    """One dataset's figures (shares are fractions in [0, 1])."""

    playlists: int
    rows: int
    mean_length: float
    median_length: float
    tracks: int
    single_playlist_share: float
    """Share of tracks held by exactly one playlist."""
    artists: int
    albums: int
    artists_per_playlist: float
    """Mean distinct artists per playlist."""
    distinct_names: int
    """Distinct normalised playlist names."""
    empty_name_share: float
    """Share of playlists whose name has no words (emoji-only names, read by their emoji)."""
    top_track_share: float
    """Share of playlists holding the most frequent track."""
    top_names: list[tuple[str, int]]
    train_playlists: int
    held_out_playlists: int
    unknown_seed_share: float | None
    """Share of the held-out playlists' seed tracks that no training playlist holds (the
    evaluation's split); None when nothing is held out."""

    @property
    def tracks_per_playlist(self) -> float:
        return self.tracks / max(self.playlists, 1)

    @property
    def albums_per_artist(self) -> float:
        return self.albums / max(self.artists, 1)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "tracks_per_playlist": self.tracks_per_playlist,
                "albums_per_artist": self.albums_per_artist}


REAL_MPD: dict[str, dict[str, float | int | None]] = {
    "real MPD playlists (5,365)": {
        "playlists": 5365, "tracks": 169_802, "tracks_per_playlist": 31.6,
        "single_playlist_share": 0.67, "artists": 37_315, "distinct_names": 3257,
        "empty_name_share": 0.01, "unknown_seed_share": 0.24, "train_playlists": 4365,
    },
    "full MPD (published)": {
        "playlists": 1_000_000, "rows": 66_346_428, "mean_length": 66.35, "tracks": 2_262_292,
        "tracks_per_playlist": 2.26, "artists": 295_860, "albums": 734_684,
        "albums_per_artist": 2.48, "distinct_names": 17_381, "top_track_share": 0.0466,
    },
}
"""Figures measured on real MPD playlists with this module (issue 18) and the MPD's own
published totals (its README's stats), for `mpdtui info --stats` to print beside the data's."""

ROWS: tuple[tuple[str, str, str], ...] = (
    ("playlists", "playlists", "{:,.0f}"),
    ("rows", "playlist-track rows", "{:,.0f}"),
    ("mean_length", "mean playlist length", "{:.1f}"),
    ("median_length", "median playlist length", "{:.0f}"),
    ("tracks", "unique tracks", "{:,.0f}"),
    ("tracks_per_playlist", "unique tracks per playlist", "{:.1f}"),
    ("single_playlist_share", "tracks in exactly one playlist", "{:.0%}"),
    ("artists", "artists", "{:,.0f}"),
    ("albums", "albums", "{:,.0f}"),
    ("albums_per_artist", "albums per artist", "{:.2f}"),
    ("artists_per_playlist", "distinct artists per playlist", "{:.1f}"),
    ("distinct_names", "distinct normalised names", "{:,.0f}"),
    ("empty_name_share", "names of no words (emoji-only)", "{:.1%}"),
    ("top_track_share", "playlists holding the top track", "{:.1%}"),
    ("train_playlists", "training playlists (evaluation split)", "{:,.0f}"),
    ("unknown_seed_share", "held-out seeds unknown to training", "{:.0%}"),
)
"""(key, label, format) of each figure, in the order tables print them."""


def figure_text(values: dict[str, Any], key: str, fmt: str) -> str:
    value = values.get(key)
    return "" if value is None else fmt.format(value)


def store_stats(locations: Locations, holdout_size: Callable[[int], int],
                split_seed: int) -> DataStats:
    """The figures of the data ingested into `locations`, with the evaluation's split."""
    sequences, _ = load_sequences(locations)
    with Catalog.open(locations) as catalog:
        names = catalog.playlist_raw_names()
        artist, album, _ = catalog.track_arrays()
    return dataset_stats(sequences.indptr, sequences.indices, artist, album, names,
                         holdout_size(len(names)), split_seed)


def dataset_stats(indptr: np.ndarray, indices: np.ndarray, track_artist: np.ndarray,
                  track_album: np.ndarray, names: Sequence[str], holdout: int,
                  split_seed: int) -> DataStats:
    """Figures of playlists given in order (`indices[indptr[r]:indptr[r+1]]` = playlist r's
    track ids, repeats allowed), their tracks' artists and albums, and their raw names.
    `holdout` and `split_seed` are the evaluation's, for the unknown-seed share."""
    indptr, indices = np.asarray(indptr, np.int64), np.asarray(indices, np.int64)
    n_playlists = indptr.size - 1
    lengths = np.diff(indptr)
    owner = np.repeat(np.arange(n_playlists), lengths)
    pairs = np.unique(owner * (int(indices.max(initial=0)) + 1) + indices)
    popularity = np.bincount(pairs % (int(indices.max(initial=0)) + 1),
                             minlength=track_artist.size)
    held = popularity > 0
    normalised = [normalize_name(n) for n in names]
    split = make_challenge_split(indptr, indices, normalised, holdout, split_seed)
    return DataStats(
        playlists=n_playlists,
        rows=int(indices.size),
        mean_length=float(lengths.mean()) if n_playlists else 0.0,
        median_length=float(np.median(lengths)) if n_playlists else 0.0,
        tracks=int(held.sum()),
        single_playlist_share=float((popularity == 1).sum() / max(held.sum(), 1)),
        artists=int(np.unique(track_artist[held]).size),
        albums=int(np.unique(track_album[held]).size),
        artists_per_playlist=_artists_per_playlist(owner, track_artist[indices], n_playlists),
        distinct_names=len({n for n in normalised if n}),
        empty_name_share=sum(not words_only(n) for n in names) / max(n_playlists, 1),
        top_track_share=float(popularity.max(initial=0) / max(n_playlists, 1)),
        top_names=Counter(n for n in normalised if n).most_common(10),
        train_playlists=int(split.train_rows.size),
        held_out_playlists=int(split.held_out_rows.size),
        unknown_seed_share=_unknown_share(owner, indices, split, popularity.size),
    )


def _artists_per_playlist(owner: np.ndarray, row_artist: np.ndarray, n_playlists: int) -> float:
    pairs = np.unique(owner * (int(row_artist.max(initial=0)) + 1) + row_artist)
    return pairs.size / max(n_playlists, 1)


def _unknown_share(owner: np.ndarray, indices: np.ndarray, split: ChallengeSplit,
                   n_tracks: int) -> float | None:
    in_training = np.zeros(split.train_rows.size + split.held_out_rows.size, bool)
    in_training[split.train_rows] = True
    trained = np.zeros(n_tracks, bool)
    trained[indices[in_training[owner]]] = True
    counts = seed_counts(split.cases, trained)
    seeds = sum(c["seeds"] for c in counts.values())
    unknown = sum(c["unknown"] for c in counts.values())
    return unknown / seeds if seeds else None
