"""A deterministic demo dataset in MPD format whose statistics follow the real MPD's.

Tracks are drawn, not listed: a track is (theme, artist rank, track rank) and both ranks follow
power laws with no upper bound in practice, so a few artists and songs are everywhere while most
tracks appear in one playlist, and the catalog keeps growing with the number of playlists as the
MPD's does. Each playlist has a main theme (sometimes a second one), a few favourite artists it
digs deep into, tracks of its themes, and some chart hits of any theme. Names follow the MPD's:
a Zipf head of theme words ("country", "chill", "rap", ...), generic names ("music", "new"),
personal and one-off names, and emoji-only names (of any theme).

A track's attributes (URI, names, album, duration, features) are drawn when it is first seen,
in playlist order, so the same seed gives the same bytes, and a smaller demo is the start of a
larger one. `mpdtui info --stats` compares the result with the real MPD (README, "The demo
dataset").

Here: how playlists are drawn. The themes and names are in `mpdtui.data.demo_vocabulary`,
the tracks drawn so far in `mpdtui.data.demo_catalog`, the files written in
`mpdtui.data.demo_files`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.progress import ProgressCallback, report
from mpdtui.data.demo_catalog import (
    ARTIST_BITS,
    MAX_ARTIST_RANK,
    MAX_TRACK_RANK,
    TRACK_BITS,
    DemoCatalog,
    track_key,
)
from mpdtui.data.demo_files import FEATURES_CSV, SLICE_SIZE, features_csv, playlist_json, slice_bytes
from mpdtui.data.demo_vocabulary import CHART_SHARE, THEME_SHARE, THEMES, playlist_title
from mpdtui.data.files import atomic_write, atomic_write_bytes

DEFAULT_PLAYLISTS = 10_000
GENERATOR_VERSION = 2
"""1: the first, dense demo (`demo_dense`); 2: this MPD-like one. A cache dir records which
generator made its demo, so a newer one is a different dataset (replacing it is asked for)."""


@dataclass(frozen=True)
class PowerLaw:
    """Ranks 0, 1, 2, ... with P(rank = r) proportional to (r + scale) ** -exponent."""

    scale: float
    exponent: float

    def draw(self, rng: np.random.Generator, size: int, cap: int) -> np.ndarray:
        tail = self.exponent - 1.0  # of the continuous Lomax whose floor this is
        u = rng.random(size)
        ranks = self.scale * (np.power(1.0 - u, -1.0 / tail) - 1.0)
        return np.minimum(ranks, cap).astype(np.int64)


@dataclass(frozen=True)
class Shape:
    """How playlists are drawn; the defaults put the demo's statistics in the MPD's ranges
    (README, "The demo dataset"). Rows are the playlist-track slots before repeats are
    dropped."""

    length_median: float = 50.0
    length_sigma: float = 0.85
    second_theme: float = 0.35
    """Share of playlists that mix in a second theme (30% of its tracks)."""
    favourite_artists: tuple[int, int] = (2, 8)
    """How many artists a playlist favours (inclusive range)."""
    favourite_share: tuple[float, float] = (0.3, 0.8)
    """Share of a playlist's rows from its favourite artists (uniform in this range)."""
    chart_share: float = 0.12
    """Share of rows that are chart hits of any theme."""
    artists: PowerLaw = PowerLaw(scale=60, exponent=1.9)
    """Artist ranks within a theme, for the theme's rows and for choosing favourites."""
    tracks: PowerLaw = PowerLaw(scale=5, exponent=3.0)
    """Track ranks within an artist for theme rows (mostly an artist's well-known songs)."""
    deep_tracks: PowerLaw = PowerLaw(scale=4, exponent=2.6)
    """Track ranks within a favourite artist: a little deeper into the catalog."""
    chart_artists: PowerLaw = PowerLaw(scale=6, exponent=1.6)
    chart_tracks: PowerLaw = PowerLaw(scale=3, exponent=2.0)
    hits_first: float = 0.5
    """How much earlier in a playlist its theme's well-known artists come, and later its
    favourites' deep cuts (a shift of the uniform position priority). Seeds are a playlist's
    first tracks, so this sets how many of them no training playlist holds (about a quarter
    at 5k playlists, as in the MPD)."""
    repeat_share: float = 0.03
    """Share of playlists that hold one track twice."""


DEFAULT_SHAPE = Shape()


def generate_demo(out_dir: Path, playlists: int = DEFAULT_PLAYLISTS, seed: int = 0,
                  progress: ProgressCallback | None = None,
                  dense: bool = False) -> list[Path]:
    """Write `mpd.slice.*.json` files and `tracks_features.csv` into `out_dir`.

    `dense` writes the first demo instead (`mpdtui.data.demo_dense`): 31k tracks whatever the
    size, for comparisons with the figures measured on it.
    """
    if dense:
        from mpdtui.data.demo_dense import generate_dense_demo

        return generate_dense_demo(out_dir, playlists, seed, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    generator = DemoGenerator(seed)
    written = []
    n_slices = (playlists + SLICE_SIZE - 1) // SLICE_SIZE
    for slice_index in range(n_slices):
        start = slice_index * SLICE_SIZE
        end = min(start + SLICE_SIZE, playlists)
        items = generator.playlists(start, end)
        path = out_dir / f"mpd.slice.{start}-{start + SLICE_SIZE - 1}.json"
        atomic_write_bytes(path, slice_bytes(items, start))
        written.append(path)
        report(progress, "demo", slice_index + 1, n_slices, unit="slices")
    report(progress, "demo", n_slices, n_slices, "audio features CSV", "slices")
    atomic_write(out_dir / FEATURES_CSV, lambda fh: fh.write(features_csv(generator.catalog, seed)))
    return written


def track_themes(playlists: int, seed: int = 0) -> dict[str, int]:
    """Theme index (into THEMES) of every track URI of the demo with these arguments."""
    generator = DemoGenerator(seed)
    for start in range(0, playlists, SLICE_SIZE):
        generator.playlists(start, min(start + SLICE_SIZE, playlists))
    themes = generator.catalog.track_keys >> (ARTIST_BITS + TRACK_BITS)
    return dict(zip(generator.catalog.track_uris, themes.tolist(), strict=True))


class DemoGenerator:
    """Draws playlists slice by slice; the catalog grows as tracks are first seen."""

    def __init__(self, seed: int, shape: Shape = DEFAULT_SHAPE) -> None:
        self.seed = seed
        self.shape = shape
        self.rng = np.random.default_rng([seed, 1])
        self.names_rng = np.random.default_rng([seed, 4])
        self.catalog = DemoCatalog()

    def playlists(self, start: int, end: int) -> list[dict[str, Any]]:
        """Playlists with pids start..end-1 (call in order: the catalog grows as they go)."""
        n = end - start
        themes, second, lengths = self._playlist_plan(n)
        keys = self._draw_keys(themes, second, lengths)
        self.catalog.add_new_tracks(np.concatenate(keys), self.names_rng)
        track_lists = [self._track_ids(k) for k in keys]
        names = [playlist_title(self.names_rng, int(t)) for t in themes]
        return [playlist_json(self.rng, self.catalog, pid, name, tracks)
                for pid, name, tracks in zip(range(start, end), names, track_lists, strict=True)]

    def _playlist_plan(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s, rng = self.shape, self.rng
        themes = rng.choice(len(THEMES), size=n, p=THEME_SHARE)
        second = np.where(rng.random(n) < s.second_theme,
                          rng.choice(len(THEMES), size=n, p=THEME_SHARE), -1)
        lengths = np.clip(rng.lognormal(np.log(s.length_median), s.length_sigma, n), 5, 250)
        return themes, second, lengths.astype(np.int64)

    def _draw_keys(self, themes: np.ndarray, second: np.ndarray,
                   lengths: np.ndarray) -> list[np.ndarray]:
        """Each playlist's distinct track keys, in playlist order."""
        draws = (lengths * 1.5).astype(np.int64) + 8  # repeats are dropped: draw more
        owner = np.repeat(np.arange(lengths.size), draws)
        keys, priority = self._draw_rows(themes, second, lengths, owner)
        keys = keys[np.lexsort((priority, owner))]
        bounds = np.concatenate([[0], np.cumsum(draws)])
        return [_first_distinct(keys[bounds[i]:bounds[i + 1]], int(lengths[i]))
                for i in range(lengths.size)]

    def _draw_rows(self, themes: np.ndarray, second: np.ndarray, lengths: np.ndarray,
                   owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Track keys of rows owned by playlists, and each row's position priority: theme
        rows (a theme's artist and song by popularity), rows of the playlist's favourite
        artists, and chart hits of any theme."""
        s, rng = self.shape, self.rng
        n_rows = owner.size
        use_second = (second[owner] >= 0) & (rng.random(n_rows) < 0.3)
        theme = np.where(use_second, second[owner], themes[owner])
        artist = s.artists.draw(rng, n_rows, MAX_ARTIST_RANK)
        track = s.tracks.draw(rng, n_rows, MAX_TRACK_RANK)
        source = rng.random(n_rows)
        favourite_share = rng.uniform(*s.favourite_share, size=lengths.size)[owner]
        from_favourite = source < favourite_share
        from_chart = ~from_favourite & (source > 1.0 - s.chart_share)
        fav_theme, fav_artist = self._favourites(rng, themes, owner, from_favourite)
        theme[from_favourite], artist[from_favourite] = fav_theme, fav_artist
        track[from_favourite] = s.deep_tracks.draw(rng, int(from_favourite.sum()), MAX_TRACK_RANK)
        n_chart = int(from_chart.sum())
        theme[from_chart] = rng.choice(len(THEMES), size=n_chart, p=CHART_SHARE)
        artist[from_chart] = s.chart_artists.draw(rng, n_chart, MAX_ARTIST_RANK)
        track[from_chart] = s.chart_tracks.draw(rng, n_chart, MAX_TRACK_RANK)
        # a playlist starts with its theme's well-known artists; deep cuts come later
        theme_head = ~from_favourite & ~from_chart & (artist < s.artists.scale)
        deep_cut = from_favourite & (track >= s.deep_tracks.scale)
        priority = rng.random(n_rows) + s.hits_first * (deep_cut.astype(float) - theme_head)
        return track_key(theme, artist, track), priority

    def _favourites(self, rng: np.random.Generator, themes: np.ndarray, owner: np.ndarray,
                    rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(theme, artist rank) of a favourite artist of the playlist owning each row."""
        low, high = self.shape.favourite_artists
        n = themes.size
        count = rng.integers(low, high + 1, size=n)
        table = self.shape.artists.draw(rng, n * high, MAX_ARTIST_RANK).reshape(n, high)
        playlist = owner[rows]
        pick = (rng.random(playlist.size) * count[playlist]).astype(np.int64)
        return themes[playlist], table[playlist, pick]

    def _track_ids(self, keys: np.ndarray) -> list[int]:
        """Catalog ids of a playlist's keys, with an occasional repeated track."""
        known = self.catalog.track_ids
        ids = [known[k] for k in keys.tolist()]
        if self.rng.random() < self.shape.repeat_share and len(ids) > 3:
            ids.insert(int(self.rng.integers(1, len(ids))), ids[0])
        return ids


def _first_distinct(keys: np.ndarray, length: int) -> np.ndarray:
    """The first `length` distinct keys, in order (fewer when the draws hold fewer)."""
    _, first = np.unique(keys, return_index=True)
    return keys[np.sort(first)[:length]]

