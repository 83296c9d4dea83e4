"""A deterministic demo dataset in MPD format whose statistics follow the real MPD's.

Tracks are drawn, not listed: a track is (theme, artist rank, track rank) and both ranks follow
power laws with no upper bound in practice, so a few artists and songs are everywhere while most
tracks appear in one playlist, and the catalog keeps growing with the number of playlists as the
MPD's does. Each playlist has a main theme (sometimes a second one), a few favourite artists it
digs deep into, tracks of its themes, and some chart hits of any theme. Names follow the MPD's:
a Zipf head of theme words ("country", "chill", "rap", ...), generic names ("music", "new"),
personal and one-off names, and emoji-only names that normalise to nothing.

A track's attributes (URI, names, album, duration, features) are drawn when it is first seen,
in playlist order, so the same seed gives the same bytes, and a smaller demo is the start of a
larger one. `mpdtui info --stats` compares the result with the real MPD (README, "The demo
dataset").
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from models.progress import ProgressCallback, report
from mpdtui.data.files import atomic_write, atomic_write_bytes

SLICE_SIZE = 1000
DEFAULT_PLAYLISTS = 10_000
GENERATOR_VERSION = 2
"""1: the first, dense demo (`demo_dense`); 2: this MPD-like one. A cache dir records which
generator made its demo, so a newer one is a different dataset (replacing it is asked for)."""
FEATURES_CSV = "tracks_features.csv"

# theme name, title phrases (the first is the most common), share of playlists whose main theme
# it is (from the MPD's most frequent names: country and chill lead, then rap, workout, ...),
# (danceability, energy, valence, acousticness, instrumentalness, speechiness, loudness dB,
# tempo BPM)
THEMES: list[tuple[str, list[str], float, tuple[float, ...]]] = [
    ("chill", ["chill", "chill vibes", "chillax", "relax", "mellow", "lazy sunday"], 9.0,
     (0.55, 0.35, 0.5, 0.6, 0.3, 0.05, -11.0, 95.0)),
    ("workout", ["workout", "gym", "running", "cardio", "pump up", "beast mode"], 8.0,
     (0.75, 0.9, 0.6, 0.05, 0.05, 0.1, -4.5, 128.0)),
    ("party", ["party", "pregame", "turn up", "lit", "dance party", "party time"], 7.0,
     (0.85, 0.8, 0.75, 0.1, 0.02, 0.12, -5.0, 122.0)),
    ("country", ["country", "country roads", "southern nights", "honky tonk", "back roads"], 10.0,
     (0.6, 0.65, 0.65, 0.3, 0.01, 0.04, -6.5, 110.0)),
    ("rap", ["rap", "hip hop", "bars", "trap", "hip-hop hits", "rap caviar"], 9.0,
     (0.8, 0.65, 0.5, 0.12, 0.01, 0.3, -6.0, 140.0)),
    ("rock", ["rock", "classic rock", "rock n roll", "guitar heroes", "road trip rock"], 7.0,
     (0.5, 0.8, 0.55, 0.08, 0.08, 0.05, -6.0, 125.0)),
    ("indie", ["indie", "indie folk", "alt", "indie rock", "hipster"], 4.0,
     (0.55, 0.55, 0.45, 0.4, 0.15, 0.04, -8.0, 115.0)),
    ("sleep", ["sleep", "sleepy", "bedtime", "night night", "calm"], 3.5,
     (0.3, 0.15, 0.25, 0.9, 0.7, 0.04, -18.0, 75.0)),
    ("study", ["study", "focus", "studying", "homework", "concentration"], 3.0,
     (0.45, 0.3, 0.35, 0.7, 0.8, 0.04, -14.0, 90.0)),
    ("latin", ["latin", "música latina", "reggaetón", "latino", "salsa"], 3.0,
     (0.8, 0.75, 0.8, 0.15, 0.01, 0.08, -5.0, 100.0)),
    ("edm", ["edm", "house", "electro", "techno", "festival"], 4.0,
     (0.75, 0.9, 0.45, 0.02, 0.6, 0.06, -4.0, 126.0)),
    ("throwback", ["throwback", "oldies", "throwbacks", "90s", "80s", "nostalgia"], 8.0,
     (0.65, 0.65, 0.7, 0.2, 0.03, 0.05, -9.0, 115.0)),
    ("sad", ["sad", "feels", "heartbreak", "sad songs", "crying"], 5.0,
     (0.45, 0.35, 0.15, 0.55, 0.05, 0.04, -9.5, 85.0)),
    ("worship", ["worship", "praise", "church", "gospel", "sunday worship"], 5.0,
     (0.45, 0.55, 0.4, 0.3, 0.01, 0.04, -8.0, 105.0)),
    ("kpop", ["kpop", "k-pop", "케이팝", "bts", "idol"], 1.5,
     (0.75, 0.8, 0.65, 0.1, 0.01, 0.08, -4.0, 120.0)),
    ("jazz", ["jazz", "smooth jazz", "coffee shop", "jazz café", "bossa"], 2.0,
     (0.55, 0.3, 0.5, 0.8, 0.5, 0.05, -13.0, 100.0)),
    ("summer", ["summer", "summer vibes", "beach", "summer 2017", "sunshine"], 6.0,
     (0.75, 0.75, 0.8, 0.15, 0.02, 0.07, -5.5, 112.0)),
    ("metal", ["metal", "heavy metal", "metalcore", "headbang", "brutal"], 2.5,
     (0.35, 0.95, 0.3, 0.01, 0.2, 0.08, -3.5, 150.0)),
    ("road trip", ["road trip", "roadtrip", "driving", "car songs", "on the road"], 4.0,
     (0.6, 0.7, 0.65, 0.2, 0.03, 0.05, -6.5, 118.0)),
    ("classical", ["classical", "piano", "orchestra", "instrumental", "peaceful piano"], 1.5,
     (0.3, 0.15, 0.3, 0.95, 0.9, 0.04, -20.0, 80.0)),
    ("christmas", ["christmas", "christmas music", "xmas", "holiday", "christmas songs"], 6.0,
     (0.55, 0.45, 0.65, 0.5, 0.02, 0.04, -9.0, 110.0)),
    ("disney", ["disney", "disney songs", "musicals", "broadway", "disney jams"], 4.0,
     (0.55, 0.5, 0.6, 0.4, 0.02, 0.06, -8.0, 112.0)),
    ("pop", ["pop", "top hits", "pop hits", "today's hits", "radio"], 6.0,
     (0.7, 0.7, 0.55, 0.15, 0.01, 0.07, -5.5, 118.0)),
]
THEME_SHARE = np.array([t[2] for t in THEMES]) / sum(t[2] for t in THEMES)
CHART_SHARE = THEME_SHARE * np.array([3.0 if t[0] in ("rap", "pop", "party") else 1.0
                                      for t in THEMES])
CHART_SHARE = CHART_SHARE / CHART_SHARE.sum()
"""Which themes the chart hits come from: rap and pop lead, as in the MPD's top tracks."""



def _words(text: str) -> list[str]:
    return text.split()


GENERIC_TITLES = ["jams", "new", "music", "vibes", "my playlist", "songs", "favorites", "mix",
                  "good vibes", "playlist", "new playlist", "random", "stuff", "my songs",
                  "good stuff", "2017", "car", "songs i like", "current", "spotify"]
PERSON_NAMES = _words("alex sam jordan taylor emma olivia ava mia sophia isabella madison abby chloe "
                "hannah grace lily ella zoe kayla megan sarah jess kate lauren rachel amber "
                "brooke jake josh tyler ryan kyle matt nick chris mike dan ben will luke drew "
                "cody austin logan dylan mason noah ethan liam jack max sean kevin brandon "
                "justin eric adam zach nate cam mom dad")
PERSON_SUFFIXES = ["'s playlist", "'s jams", "'s mix", "'s music", "'s songs", "", " <3",
                   "'s faves"]
TAIL_WORDS = _words("night late drive golden hour rainy day morning coffee sunset sunrise ocean "
              "fire moon stars dreams feelings mood lights city summer winter spring fall "
              "autumn weekend friday saturday sunday monday vibes memories love life wild "
              "young old school blue gold green red black white pink purple dark bright soft "
              "loud slow fast easy hard good bad happy lost found home away road trip car "
              "ride walk run dance sing shower kitchen cooking cleaning work office school "
              "college senior prom wedding beach lake mountain camping bonfire pool boat "
              "island paradise heaven soul heart mind spirit energy chaos calm peace war "
              "jams tunes songs bops bangers hits anthems classics faves favorites mix "
              "collection throwbacks oldies new fresh current random misc stuff things "
              "2016 2017 2015 2k17 17 16 pt ii vol 1 2 3")
EMOJI_TITLES = ["🔥", "❤️", "😎", "🎶", "✨", "💯", "🌴☀️", "🙌", "😍😍", "💕", "🤘", "👌",
                "🌊", "🍂", "🎄", "💜", "😴", "🚗💨"]
TITLE_DECORATIONS = ["!!", " 🔥", " ✨", " 💯", "!"]
TITLE_SUFFIXES = ["mix", "playlist", "songs", "2017", "music", "2k17", "jams", "vibes"]
FEATURE_SPREAD = (0.1, 0.1, 0.15, 0.12, 0.12, 0.04, 2.0, 12.0)
SYLLABLES = np.array(["ka", "lo", "mi", "ra", "ven", "so", "ta", "lu", "ne", "ri", "do", "za",
                      "mo", "shi", "ba", "el", "an", "or", "qu", "vy", "tre", "nox", "lia",
                      "fen", "gor", "ae", "ty", "ko", "sa", "pe", "ji", "wen", "da", "li"])
BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                       dtype=np.uint8)

# Track keys pack (theme, artist rank, track rank) into one int64.
TRACK_BITS = 12
ARTIST_BITS = 32
MAX_ARTIST_RANK = (1 << ARTIST_BITS) - 1
MAX_TRACK_RANK = (1 << TRACK_BITS) - 1


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
        atomic_write_bytes(path, _slice_bytes(items, start))
        written.append(path)
        report(progress, "demo", slice_index + 1, n_slices,
               f"{slice_index + 1:,} of {n_slices:,} slices", "slices")
    atomic_write(out_dir / FEATURES_CSV, lambda fh: fh.write(generator.features_csv()))
    return written


def track_themes(playlists: int, seed: int = 0) -> dict[str, int]:
    """Theme index (into THEMES) of every track URI of the demo with these arguments."""
    generator = DemoGenerator(seed)
    for start in range(0, playlists, SLICE_SIZE):
        generator.playlists(start, min(start + SLICE_SIZE, playlists))
    themes = generator.catalog.track_keys >> (ARTIST_BITS + TRACK_BITS)
    return dict(zip(generator.catalog.track_uris, themes.tolist(), strict=True))


@dataclass
class _Catalog:
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


class DemoGenerator:
    """Draws playlists slice by slice; the catalog grows as tracks are first seen."""

    def __init__(self, seed: int, shape: Shape = DEFAULT_SHAPE) -> None:
        self.seed = seed
        self.shape = shape
        self.rng = np.random.default_rng([seed, 1])
        self.names_rng = np.random.default_rng([seed, 4])
        self.catalog = _Catalog()

    # -- playlists -------------------------------------------------------------------------

    def playlists(self, start: int, end: int) -> list[dict[str, Any]]:
        """Playlists with pids start..end-1 (call in order: the catalog grows as they go)."""
        n = end - start
        themes, second, lengths = self._playlist_plan(n)
        keys = self._draw_keys(themes, second, lengths)
        self._add_new_tracks(np.concatenate(keys))
        track_lists = [self._track_ids(k) for k in keys]
        names = [self._title(int(t)) for t in themes]
        return [self._playlist_json(pid, name, tracks)
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
        return _track_key(theme, artist, track), priority

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

    # -- the catalog -----------------------------------------------------------------------

    def _add_new_tracks(self, keys: np.ndarray) -> None:
        """Add the keys never seen before to the catalog, in order of first appearance."""
        known = self.catalog.track_ids
        new = [k for k in dict.fromkeys(keys.tolist()) if k not in known]
        if new:
            self._add_tracks(np.array(new, np.int64))

    def _add_tracks(self, keys: np.ndarray) -> None:
        c, rng = self.catalog, self.names_rng
        artists = self._artist_ids(keys >> TRACK_BITS)
        album_of_artist = (keys & MAX_TRACK_RANK) % np.asarray(c.artist_albums)[artists]
        albums = self._album_ids((artists << 8) | album_of_artist)
        first = len(c.track_uris)
        c.track_ids.update(zip(keys.tolist(), range(first, first + keys.size), strict=True))
        c.track_artist.extend(artists.tolist())
        c.track_album.extend(albums.tolist())
        c.track_keys = np.concatenate([c.track_keys, keys])
        c.track_uris.extend(self._uris("track", keys.size))
        c.track_names.extend(_pseudo_names(rng, keys.size, 3))
        durations = np.clip(rng.normal(225_000, 45_000, keys.size), 60_000, 600_000)
        c.track_duration.extend(durations.astype(np.int64).tolist())
        for t in range(first, len(c.track_uris)):
            artist, album = c.track_artist[t], c.track_album[t]
            c.track_rows.append((c.artist_names[artist], c.track_uris[t], c.artist_uris[artist],
                                 c.track_names[t], c.album_uris[album], c.track_duration[t],
                                 c.album_names[album]))

    def _artist_ids(self, artist_keys: np.ndarray) -> np.ndarray:
        """Catalog ids of the artists, adding those never seen (with a number of albums)."""
        c, rng = self.catalog, self.names_rng
        new = _ids_of(c.artist_ids, artist_keys)
        c.artist_uris.extend(self._uris("artist", new))
        c.artist_names.extend(_pseudo_names(rng, new, 2))
        c.artist_albums.extend((1 + rng.geometric(0.35, new)).tolist())
        return np.array([c.artist_ids[k] for k in artist_keys.tolist()], np.int64)

    def _album_ids(self, album_keys: np.ndarray) -> np.ndarray:
        """Catalog ids of the albums ((artist id << 8) | album number), adding new ones."""
        c = self.catalog
        new = _ids_of(c.album_ids, album_keys)
        c.album_uris.extend(self._uris("album", new))
        c.album_names.extend(_pseudo_names(self.names_rng, new, 3))
        return np.array([c.album_ids[k] for k in album_keys.tolist()], np.int64)

    def _uris(self, kind: str, n: int) -> list[str]:
        """n new Spotify-style URIs (22 base62 characters), never one used before."""
        digits = BASE62[self.names_rng.integers(0, 62, size=(n, 22))]
        uris = []
        for ident in digits.view("S22").ravel().tolist():
            uri = f"spotify:{kind}:{ident.decode()}"
            while uri in self.catalog.used_uris:  # 62**22 ids: practically never
                uri = f"spotify:{kind}:{BASE62[self.names_rng.integers(0, 62, 22)].tobytes().decode()}"
            self.catalog.used_uris.add(uri)
            uris.append(uri)
        return uris

    # -- names -----------------------------------------------------------------------------

    def _title(self, theme: int) -> str:
        """A playlist name: mostly its theme's words, else generic, personal or emoji-only."""
        roll = self.names_rng.random()
        if roll < 0.01:
            return self._zipf_choice(EMOJI_TITLES)
        if roll < 0.11:
            return self._zipf_choice(GENERIC_TITLES, 0.7)
        if roll < 0.21:
            return self._personal_title()
        if roll < 0.6:
            return self._one_off_title(theme)
        return self._theme_title(theme)

    def _zipf_choice(self, options: list[str], exponent: float = 1.0) -> str:
        cdf = _zipf_cdf(len(options), exponent)
        return options[int(np.searchsorted(cdf, self.names_rng.random() * cdf[-1], "right"))]

    def _theme_title(self, theme: int) -> str:
        rng = self.names_rng
        phrase = self._zipf_choice(THEMES[theme][1], 1.5)
        roll = rng.random()
        if roll < 0.3:
            phrase = phrase.title()
        elif roll < 0.4:
            phrase = phrase.upper()
        decoration = rng.random()
        if decoration < 0.12:
            phrase += str(rng.choice(TITLE_DECORATIONS))
        elif decoration < 0.15:
            phrase += phrase[-1] * 2  # "chilll"
        elif decoration < 0.25:
            phrase += " " + str(rng.choice(TITLE_SUFFIXES))
        return phrase

    def _personal_title(self) -> str:
        rng = self.names_rng
        person = self._zipf_choice(PERSON_NAMES, 0.6)
        suffix = str(rng.choice(PERSON_SUFFIXES))
        return (person.title() if rng.random() < 0.5 else person) + suffix

    def _one_off_title(self, theme: int) -> str:
        """Names that rarely repeat: a theme word with other words, or other words alone."""
        rng = self.names_rng
        words = [self._zipf_choice(TAIL_WORDS, 0.5) for _ in range(int(rng.integers(1, 3)))]
        if rng.random() < 0.5:
            words.insert(int(rng.integers(0, len(words) + 1)), self._zipf_choice(THEMES[theme][1]))
        if rng.random() < 0.6:  # a made-up word: a band, a place, an in-joke
            words.append(self._zipf_choice(_pseudo_words(), 0.9).lower())
        name = " ".join(words)
        return name.title() if rng.random() < 0.4 else name

    # -- output ----------------------------------------------------------------------------

    def _playlist_json(self, pid: int, name: str, track_ids: list[int]) -> dict[str, Any]:
        rng = self.rng
        tracks = [
            {"pos": pos, "artist_name": artist_name, "track_uri": uri, "artist_uri": artist_uri,
             "track_name": name, "album_uri": album_uri, "duration_ms": duration,
             "album_name": album_name}
            for pos, (artist_name, uri, artist_uri, name, album_uri, duration, album_name)
            in enumerate(self.catalog.track_rows[t] for t in track_ids)
        ]
        playlist: dict[str, Any] = {
            "name": _ascii_escaped(name),
            "collaborative": "true" if rng.random() < 0.02 else "false",
            "pid": pid,
            "modified_at": int(rng.integers(1_293_840_000, 1_509_494_400)),
            "num_tracks": len(tracks),
            "num_albums": len({t["album_uri"] for t in tracks}),
            "num_followers": int(rng.geometric(0.5)),
            "tracks": tracks,
            "num_edits": int(rng.integers(1, 40)),
            "duration_ms": sum(t["duration_ms"] for t in tracks),
            "num_artists": len({t["artist_uri"] for t in tracks}),
        }
        if rng.random() < 0.02:
            playlist["description"] = _ascii_escaped(f"{name} — songs I love")
        return playlist

    def features_csv(self) -> bytes:
        """Audio features for about 90% of the tracks drawn, in the 1.2M-song file's layout."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(FEATURE_COLUMNS)
        writer.writerows(self._feature_rows(np.random.default_rng([self.seed, 2])))
        return buffer.getvalue().encode("utf-8")

    def _feature_rows(self, rng: np.random.Generator) -> Iterator[list[Any]]:
        c = self.catalog
        n = len(c.track_uris)
        covered = np.flatnonzero(rng.random(n) >= 0.1)
        themes = c.track_keys[covered] >> (ARTIST_BITS + TRACK_BITS)
        centres = np.array([theme[3] for theme in THEMES])[themes]
        values = rng.normal(centres, FEATURE_SPREAD)
        dance, energy, valence, acoustic, instrumental, speech, loud, tempo = values.T
        m = covered.size
        columns = {
            "track_number": rng.integers(1, 15, m), "explicit": rng.random(m) < 0.1,
            "danceability": _units(dance), "energy": _units(energy),
            "key": rng.integers(0, 12, m), "loudness": np.round(np.minimum(loud, 0.0), 3),
            "mode": (rng.random(m) < 0.6).astype(int), "speechiness": _units(speech),
            "acousticness": _units(acoustic), "instrumentalness": _units(instrumental),
            "liveness": _units(rng.normal(0.18, 0.1, m)), "valence": _units(valence),
            "tempo": np.round(np.maximum(tempo, 40.0), 3), "year": rng.integers(1960, 2018, m),
        }
        lists = {key: column.tolist() for key, column in columns.items()}
        for i, t in enumerate(covered.tolist()):
            artist, album, year = c.track_artist[t], c.track_album[t], lists["year"][i]
            yield [
                c.track_uris[t].rsplit(":", 1)[1], c.track_names[t], c.album_names[album],
                c.album_uris[album].rsplit(":", 1)[1], str([c.artist_names[artist]]),
                str([c.artist_uris[artist].rsplit(":", 1)[1]]), lists["track_number"][i], 1,
                lists["explicit"][i], lists["danceability"][i], lists["energy"][i],
                lists["key"][i], lists["loudness"][i], lists["mode"][i], lists["speechiness"][i],
                lists["acousticness"][i], lists["instrumentalness"][i], lists["liveness"][i],
                lists["valence"][i], lists["tempo"][i], c.track_duration[t], 4, year,
                f"{year}-01-01",
            ]


def _ids_of(ids: dict[int, int], keys: np.ndarray) -> int:
    """Give the keys `ids` lacks the next ids, in order of first appearance; how many."""
    before = len(ids)
    for key in dict.fromkeys(keys.tolist()):
        ids.setdefault(key, len(ids))
    return len(ids) - before


def _track_key(theme: np.ndarray, artist: np.ndarray, track: np.ndarray) -> np.ndarray:
    """(theme, artist rank, track rank) packed into one int64."""
    return (theme.astype(np.int64) << (ARTIST_BITS + TRACK_BITS)) | (artist << TRACK_BITS) | track


@functools.cache
def _zipf_cdf(n: int, exponent: float) -> np.ndarray:
    return np.cumsum(1.0 / np.arange(1, n + 1) ** exponent)


def _first_distinct(keys: np.ndarray, length: int) -> np.ndarray:
    """The first `length` distinct keys, in order (fewer when the draws hold fewer)."""
    _, first = np.unique(keys, return_index=True)
    return keys[np.sort(first)[:length]]


def _pseudo_names(rng: np.random.Generator, n: int, max_words: int) -> list[str]:
    """n names of 1..max_words capitalised pseudo-words of 1-3 syllables."""
    words = _pseudo_words()
    n_words = rng.integers(1, max_words + 1, size=n).tolist()
    chosen = rng.integers(0, len(words), size=(n, max_words)).tolist()
    return [" ".join([words[i] for i in row[:count]]) for row, count in zip(chosen, n_words,
                                                                            strict=True)]


@functools.cache
def _pseudo_words() -> list[str]:
    """Every word of one to three syllables, capitalised ("Ka", "Kalo", "Kalomi", ...)."""
    syllables = SYLLABLES.tolist()
    words = list(syllables)
    words += [a + b for a in syllables for b in syllables]
    words += [a + b + c for a in syllables for b in syllables[:12] for c in syllables[:12]]
    return [w.capitalize() for w in words]


def _slice_bytes(playlists: list[dict[str, Any]], start: int) -> bytes:
    info = {
        "generated_on": "2017-12-03 08:41:42.057563",
        "slice": f"{start}-{start + SLICE_SIZE - 1}",
        "version": "v1",
        "description": "mpdtui demo dataset: synthetic playlists in MPD format",
    }
    text = orjson.dumps({"info": info, "playlists": playlists}, option=orjson.OPT_INDENT_2)
    return text.replace(b"\\\\u", b"\\u")


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _ascii_escaped(text: str) -> str:
    """Non-ASCII characters as \\uXXXX escapes (surrogate pairs above U+FFFF), like the real
    slices. orjson doubles the backslash; `_slice_bytes` undoes that. Only names are escaped:
    everything else the demo writes is ASCII without backslashes."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code <= 0xFFFF:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return _NON_ASCII.sub(escape, text)


FEATURE_COLUMNS = ["id", "name", "album", "album_id", "artists", "artist_ids", "track_number",
                   "disc_number", "explicit", "danceability", "energy", "key", "loudness", "mode",
                   "speechiness", "acousticness", "instrumentalness", "liveness", "valence",
                   "tempo", "duration_ms", "time_signature", "year", "release_date"]


def _units(values: np.ndarray) -> np.ndarray:
    """Values clipped to [0, 1] and rounded to 4 places, as the public file has them."""
    return np.round(np.clip(values, 0.0, 1.0), 4)
