"""The first demo dataset: MPD format, but far denser than the MPD (`demo-data --dense`).

About 31k tracks whatever the number of playlists (3 unique tracks per playlist at 10k, the
MPD has 30 at that size), so models look far better on it than on real data. Kept to compare
with the MPD-like demo (`mpdtui.data.demo`) and for the tests of its structure.


Themes (genres/moods) own their artists, albums, title words and audio-feature centroid.
Each playlist mixes one or two themes and favours a few artists of each, track popularity is
long-tailed (Zipf), lengths run 5..250 (mean about 60), most titles are informative and some
are generic. Same seed, same bytes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from models.progress import ProgressCallback, report
from mpdtui.data.files import atomic_write, atomic_write_bytes

SLICE_SIZE = 1000
DEFAULT_PLAYLISTS = 10_000
FEATURES_CSV = "tracks_features.csv"

# theme name, title phrases, (danceability, energy, valence, acousticness, instrumentalness,
# speechiness, loudness dB, tempo BPM)
THEMES: list[tuple[str, list[str], tuple[float, ...]]] = [
    ("chill", ["chill", "chill vibes", "chillax", "relax", "mellow", "lazy sunday"],
     (0.55, 0.35, 0.5, 0.6, 0.3, 0.05, -11.0, 95.0)),
    ("workout", ["workout", "gym", "running", "cardio", "pump up", "beast mode"],
     (0.75, 0.9, 0.6, 0.05, 0.05, 0.1, -4.5, 128.0)),
    ("party", ["party", "pregame", "turn up", "dance party", "party time", "lit"],
     (0.85, 0.8, 0.75, 0.1, 0.02, 0.12, -5.0, 122.0)),
    ("country", ["country", "country roads", "southern nights", "honky tonk", "back roads"],
     (0.6, 0.65, 0.65, 0.3, 0.01, 0.04, -6.5, 110.0)),
    ("rap", ["rap", "hip hop", "bars", "trap", "hip-hop hits", "rap caviar"],
     (0.8, 0.65, 0.5, 0.12, 0.01, 0.3, -6.0, 140.0)),
    ("rock", ["rock", "classic rock", "rock n roll", "guitar heroes", "road trip rock"],
     (0.5, 0.8, 0.55, 0.08, 0.08, 0.05, -6.0, 125.0)),
    ("indie", ["indie", "indie folk", "alt", "indie rock", "hipster"],
     (0.55, 0.55, 0.45, 0.4, 0.15, 0.04, -8.0, 115.0)),
    ("sleep", ["sleep", "sleepy", "bedtime", "night night", "calm"],
     (0.3, 0.15, 0.25, 0.9, 0.7, 0.04, -18.0, 75.0)),
    ("study", ["study", "focus", "studying", "homework", "concentration"],
     (0.45, 0.3, 0.35, 0.7, 0.8, 0.04, -14.0, 90.0)),
    ("latin", ["latin", "música latina", "reggaetón", "latino", "salsa"],
     (0.8, 0.75, 0.8, 0.15, 0.01, 0.08, -5.0, 100.0)),
    ("edm", ["edm", "house", "electro", "techno", "festival"],
     (0.75, 0.9, 0.45, 0.02, 0.6, 0.06, -4.0, 126.0)),
    ("throwback", ["throwback", "oldies", "90s", "80s", "nostalgia", "throwbacks"],
     (0.65, 0.65, 0.7, 0.2, 0.03, 0.05, -9.0, 115.0)),
    ("sad", ["sad", "feels", "heartbreak", "sad songs", "crying"],
     (0.45, 0.35, 0.15, 0.55, 0.05, 0.04, -9.5, 85.0)),
    ("worship", ["worship", "praise", "church", "gospel", "sunday worship"],
     (0.45, 0.55, 0.4, 0.3, 0.01, 0.04, -8.0, 105.0)),
    ("kpop", ["kpop", "k-pop", "케이팝", "bts", "idol"],
     (0.75, 0.8, 0.65, 0.1, 0.01, 0.08, -4.0, 120.0)),
    ("jazz", ["jazz", "smooth jazz", "coffee shop", "jazz café", "bossa"],
     (0.55, 0.3, 0.5, 0.8, 0.5, 0.05, -13.0, 100.0)),
    ("summer", ["summer", "summer vibes", "beach", "summer 2017", "sunshine"],
     (0.75, 0.75, 0.8, 0.15, 0.02, 0.07, -5.5, 112.0)),
    ("metal", ["metal", "heavy metal", "metalcore", "headbang", "brutal"],
     (0.35, 0.95, 0.3, 0.01, 0.2, 0.08, -3.5, 150.0)),
    ("road trip", ["road trip", "roadtrip", "driving", "car songs", "on the road"],
     (0.6, 0.7, 0.65, 0.2, 0.03, 0.05, -6.5, 118.0)),
    ("classical", ["classical", "piano", "orchestra", "instrumental", "peaceful piano"],
     (0.3, 0.15, 0.3, 0.95, 0.9, 0.04, -20.0, 80.0)),
]
GENERIC_TITLES = ["music", "my playlist", "songs", "playlist", "favorites", "new playlist",
                  "mix", "good stuff", "random", "stuff", "my songs", "jams"]
FEATURE_SPREAD = (0.1, 0.1, 0.15, 0.12, 0.12, 0.04, 2.0, 12.0)
SYLLABLES = ["ka", "lo", "mi", "ra", "ven", "so", "ta", "lu", "ne", "ri", "do", "za", "mo",
             "shi", "ba", "el", "an", "or", "qu", "vy", "tre", "nox", "lia", "fen", "gor"]
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass
class DenseCatalog:
    """The demo's tracks as parallel arrays (index = track number)."""

    uris: list[str]
    names: list[str]
    artist: np.ndarray
    album: np.ndarray
    theme: np.ndarray
    duration_ms: np.ndarray
    artist_uris: list[str]
    artist_names: list[str]
    album_uris: list[str]
    album_names: list[str]
    theme_tracks: list[np.ndarray]
    theme_weights: list[np.ndarray]
    theme_artists: list[np.ndarray]
    theme_artist_weights: list[np.ndarray]
    artist_tracks: list[np.ndarray]


def generate_dense_demo(out_dir: Path, playlists: int = DEFAULT_PLAYLISTS, seed: int = 0,
                        progress: ProgressCallback | None = None) -> list[Path]:
    """Write `mpd.slice.*.json` files and `tracks_features.csv` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    catalog = _make_catalog(rng)
    playlist_rng = np.random.default_rng([seed, 1])
    written = []
    n_slices = (playlists + SLICE_SIZE - 1) // SLICE_SIZE
    for slice_index in range(n_slices):
        start = slice_index * SLICE_SIZE
        end = min(start + SLICE_SIZE, playlists)
        items = [_make_playlist(playlist_rng, catalog, pid) for pid in range(start, end)]
        path = out_dir / f"mpd.slice.{start}-{start + SLICE_SIZE - 1}.json"
        atomic_write_bytes(path, _slice_bytes(items, start, end))
        written.append(path)
        report(progress, "demo", slice_index + 1, n_slices, unit="slices")
    report(progress, "demo", n_slices, n_slices, "audio features CSV", "slices")
    features_rng = np.random.default_rng([seed, 2])
    atomic_write(out_dir / FEATURES_CSV, lambda fh: fh.write(_features_csv(features_rng, catalog)))
    return written


def _make_catalog(rng: np.random.Generator) -> DenseCatalog:
    used_uris: set[str] = set()
    uris: list[str] = []
    names: list[str] = []
    artist_of: list[int] = []
    album_of: list[int] = []
    theme_of: list[int] = []
    durations: list[int] = []
    artist_uris: list[str] = []
    artist_names: list[str] = []
    album_uris: list[str] = []
    album_names: list[str] = []
    theme_tracks: list[np.ndarray] = []
    theme_weights: list[np.ndarray] = []
    theme_artists: list[np.ndarray] = []
    artist_tracks: list[np.ndarray] = []
    theme_artist_weights: list[np.ndarray] = []
    for theme_index in range(len(THEMES)):
        n_artists = int(rng.integers(50, 90))
        artist_ids, weights, tracks_of_theme = [], [], []
        artist_popularity = _zipf_weights(n_artists, 1.0, rng)
        for a in range(n_artists):
            artist_id = len(artist_uris)
            artist_ids.append(artist_id)
            artist_uris.append("spotify:artist:" + _base62(rng, used_uris))
            artist_names.append(_pseudo_words(rng, int(rng.integers(1, 3))))
            mine = []
            for _ in range(int(rng.integers(1, 5))):
                album_id = len(album_uris)
                album_uris.append("spotify:album:" + _base62(rng, used_uris))
                album_names.append(_pseudo_words(rng, int(rng.integers(1, 4))))
                for _ in range(int(rng.integers(5, 15))):
                    track_id = len(uris)
                    uris.append("spotify:track:" + _base62(rng, used_uris))
                    names.append(_pseudo_words(rng, int(rng.integers(1, 4))))
                    artist_of.append(artist_id)
                    album_of.append(album_id)
                    theme_of.append(theme_index)
                    durations.append(int(np.clip(rng.normal(215_000, 40_000), 60_000, 600_000)))
                    mine.append(track_id)
            within = _zipf_weights(len(mine), 1.1, rng)
            weights.extend(artist_popularity[a] * within)
            tracks_of_theme.extend(mine)
            artist_tracks.append(np.array(mine))
        w = np.array(weights)
        theme_tracks.append(np.array(tracks_of_theme))
        theme_weights.append(w / w.sum())
        theme_artists.append(np.array(artist_ids))
        theme_artist_weights.append(artist_popularity)
    return DenseCatalog(uris, names, np.array(artist_of), np.array(album_of), np.array(theme_of),
                   np.array(durations), artist_uris, artist_names, album_uris, album_names,
                   theme_tracks, theme_weights, theme_artists, theme_artist_weights,
                   artist_tracks)


def _zipf_weights(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    ranks = rng.permutation(n) + 1
    weights = 1.0 / ranks.astype(float) ** exponent
    return weights / weights.sum()


THEME_POPULARITY = _zipf_weights(len(THEMES), 0.3, np.random.default_rng(12345))


def _make_playlist(rng: np.random.Generator, catalog: DenseCatalog, pid: int) -> dict[str, Any]:
    length = int(np.clip(rng.lognormal(np.log(45), 0.75), 5, 250))
    themes = [int(rng.choice(len(THEMES), p=THEME_POPULARITY))]
    if rng.random() < 0.35:
        themes.append(int(rng.choice(len(THEMES), p=THEME_POPULARITY)))
    share = [1.0] if len(themes) == 1 else [0.7, 0.3]
    track_ids = _pick_tracks(rng, catalog, themes, share, length)
    if rng.random() < 0.03 and len(track_ids) > 3:
        track_ids.insert(int(rng.integers(1, len(track_ids))), track_ids[0])  # a repeat
    return _playlist_json(rng, catalog, pid, _title(rng, themes[0]), track_ids)


def _pick_tracks(rng: np.random.Generator, catalog: DenseCatalog, themes: list[int],
                 share: list[float], length: int) -> list[int]:
    chosen: dict[int, None] = {}
    for theme, fraction in zip(themes, share, strict=True):
        wanted = max(1, round(length * fraction))
        favourites = _favourite_artist_tracks(rng, catalog, theme)
        from_favourites = int(wanted * rng.uniform(0.5, 0.9))
        picks = list(rng.choice(favourites, size=min(from_favourites, len(favourites)),
                                replace=False))
        picks += list(rng.choice(catalog.theme_tracks[theme], size=wanted * 2,
                                 p=catalog.theme_weights[theme]))
        added = 0
        for track in picks:
            if added >= wanted:
                break
            if int(track) not in chosen:
                chosen[int(track)] = None
                added += 1
    order = rng.permutation(len(chosen))
    tracks = list(chosen)
    return [tracks[i] for i in order]


def _favourite_artist_tracks(rng: np.random.Generator, catalog: DenseCatalog, theme: int) -> np.ndarray:
    artists = catalog.theme_artists[theme]
    count = int(rng.integers(2, 7))
    picked = rng.choice(artists, size=count, replace=False, p=catalog.theme_artist_weights[theme])
    return np.concatenate([catalog.artist_tracks[a] for a in picked])


def _title(rng: np.random.Generator, theme: int) -> str:
    if rng.random() < 0.15:
        return str(rng.choice(GENERIC_TITLES))
    phrase = str(rng.choice(THEMES[theme][1]))
    roll = rng.random()
    if roll < 0.25:
        phrase = phrase.title()
    elif roll < 0.35:
        phrase = phrase.upper()
    decoration = rng.random()
    if decoration < 0.1:
        phrase += "!!"
    elif decoration < 0.15:
        phrase += " 🔥"
    elif decoration < 0.2:
        phrase += phrase[-1] * 2  # "chilll"
    elif decoration < 0.3:
        phrase += " " + str(rng.choice(["mix", "playlist", "songs", "2017", "music"]))
    return phrase


def _playlist_json(rng: np.random.Generator, catalog: DenseCatalog, pid: int, name: str,
                   track_ids: list[int]) -> dict[str, Any]:
    tracks = [
        {
            "pos": pos,
            "artist_name": catalog.artist_names[catalog.artist[t]],
            "track_uri": catalog.uris[t],
            "artist_uri": catalog.artist_uris[catalog.artist[t]],
            "track_name": catalog.names[t],
            "album_uri": catalog.album_uris[catalog.album[t]],
            "duration_ms": int(catalog.duration_ms[t]),
            "album_name": catalog.album_names[catalog.album[t]],
        }
        for pos, t in enumerate(track_ids)
    ]
    playlist: dict[str, Any] = {
        "name": name,
        "collaborative": "true" if rng.random() < 0.02 else "false",
        "pid": pid,
        "modified_at": int(rng.integers(1_293_840_000, 1_509_494_400)),
        "num_tracks": len(tracks),
        "num_albums": len({t["album_uri"] for t in tracks}),
        "num_followers": int(1 + rng.geometric(0.7) - 1),
        "tracks": tracks,
        "num_edits": int(rng.integers(1, 40)),
        "duration_ms": sum(t["duration_ms"] for t in tracks),
        "num_artists": len({t["artist_uri"] for t in tracks}),
    }
    if rng.random() < 0.03:
        playlist["description"] = f"{name} — songs I love"
    return playlist


def _slice_bytes(playlists: list[dict[str, Any]], start: int, end: int) -> bytes:
    info = {
        "generated_on": "2017-12-03 08:41:42.057563",
        "slice": f"{start}-{start + SLICE_SIZE - 1}",
        "version": "v1",
        "description": "mpdtui demo dataset: synthetic playlists in MPD format",
    }
    text = orjson.dumps({"info": info, "playlists": playlists}, option=orjson.OPT_INDENT_2)
    return _ascii_escape(text.decode())


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _ascii_escape(text: str) -> bytes:
    """Escape non-ASCII as \\uXXXX (surrogate pairs above U+FFFF), like the real slices."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code <= 0xFFFF:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return _NON_ASCII.sub(escape, text).encode("ascii")


def _base62(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        ident = "".join(BASE62[i] for i in rng.integers(0, 62, size=22))
        if ident not in used:
            used.add(ident)
            return ident


def _pseudo_words(rng: np.random.Generator, count: int) -> str:
    words = []
    for _ in range(count):
        parts = rng.choice(SYLLABLES, size=int(rng.integers(1, 4)))
        words.append("".join(parts).capitalize())
    return " ".join(words)


FEATURE_COLUMNS = ["id", "name", "album", "album_id", "artists", "artist_ids", "track_number",
                   "disc_number", "explicit", "danceability", "energy", "key", "loudness", "mode",
                   "speechiness", "acousticness", "instrumentalness", "liveness", "valence",
                   "tempo", "duration_ms", "time_signature", "year", "release_date"]


def _features_csv(rng: np.random.Generator, catalog: DenseCatalog) -> bytes:
    """Audio features for about 90% of the tracks, in the 1.2M-song file's layout."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FEATURE_COLUMNS)
    for row in _feature_rows(rng, catalog):
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def _feature_rows(rng: np.random.Generator, catalog: DenseCatalog) -> Iterator[list[Any]]:
    for t, uri in enumerate(catalog.uris):
        if rng.random() < 0.1:
            continue
        centre = THEMES[int(catalog.theme[t])][2]
        dance, energy, valence, acoustic, instrumental, speech, loud, tempo = (
            float(rng.normal(c, s)) for c, s in zip(centre, FEATURE_SPREAD, strict=True))
        year = int(rng.integers(1960, 2018))
        artist = int(catalog.artist[t])
        yield [
            uri.rsplit(":", 1)[1], catalog.names[t], catalog.album_names[catalog.album[t]],
            catalog.album_uris[catalog.album[t]].rsplit(":", 1)[1],
            str([catalog.artist_names[artist]]), str([catalog.artist_uris[artist].rsplit(":", 1)[1]]),
            int(rng.integers(1, 15)), 1, bool(rng.random() < 0.1),
            _unit(dance), _unit(energy), int(rng.integers(0, 12)), round(min(loud, 0.0), 3),
            int(rng.random() < 0.6), _unit(speech), _unit(acoustic), _unit(instrumental),
            _unit(rng.normal(0.18, 0.1)), _unit(valence), round(max(tempo, 40.0), 3),
            int(catalog.duration_ms[t]), 4, year, f"{year}-01-01",
        ]


def _unit(value: float) -> float:
    return round(min(max(float(value), 0.0), 1.0), 4)
