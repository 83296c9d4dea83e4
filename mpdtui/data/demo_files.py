"""The demo dataset's files: MPD slices (`mpd.slice.*.json`) and `tracks_features.csv`.

Slices are laid out and escaped as the real MPD's are (names with \\uXXXX escapes); the
features file follows the public 1.2M-song file's columns. What goes in them is drawn by
`mpdtui.data.demo`; the tracks come from its catalog (`mpdtui.data.demo_catalog`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson

from mpdtui.data.demo_catalog import ARTIST_BITS, TRACK_BITS, DemoCatalog
from mpdtui.data.demo_vocabulary import THEMES

SLICE_SIZE = 1000
FEATURES_CSV = "tracks_features.csv"
FEATURE_COLUMNS = ["id", "name", "album", "album_id", "artists", "artist_ids", "track_number",
                   "disc_number", "explicit", "danceability", "energy", "key", "loudness", "mode",
                   "speechiness", "acousticness", "instrumentalness", "liveness", "valence",
                   "tempo", "duration_ms", "time_signature", "year", "release_date"]
FEATURE_SPREAD = (0.1, 0.1, 0.15, 0.12, 0.12, 0.04, 2.0, 12.0)


def playlist_json(rng: np.random.Generator, catalog: DemoCatalog, pid: int, name: str,
                  track_ids: list[int]) -> dict[str, Any]:
    """One playlist in the MPD's layout; its other fields (followers, edits, ...) drawn with
    `rng`."""
    tracks = [
        {"pos": pos, "artist_name": artist_name, "track_uri": uri, "artist_uri": artist_uri,
         "track_name": name, "album_uri": album_uri, "duration_ms": duration,
         "album_name": album_name}
        for pos, (artist_name, uri, artist_uri, name, album_uri, duration, album_name)
        in enumerate(catalog.track_rows[t] for t in track_ids)
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


def slice_bytes(playlists: list[dict[str, Any]], start: int) -> bytes:
    """The slice file starting at playlist `start`, as the MPD's are (indented JSON)."""
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
    slices. orjson doubles the backslash; `slice_bytes` undoes that. Only names are escaped:
    everything else the demo writes is ASCII without backslashes."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code <= 0xFFFF:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return _NON_ASCII.sub(escape, text)


def features_csv(catalog: DemoCatalog, seed: int) -> bytes:
    """Audio features for about 90% of the tracks drawn, in the 1.2M-song file's layout."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FEATURE_COLUMNS)
    writer.writerows(_feature_rows(catalog, np.random.default_rng([seed, 2])))
    return buffer.getvalue().encode("utf-8")


def _feature_rows(c: DemoCatalog, rng: np.random.Generator) -> Iterator[list[Any]]:
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


def _units(values: np.ndarray) -> np.ndarray:
    """Values clipped to [0, 1] and rounded to 4 places, as the public file has them."""
    return np.round(np.clip(values, 0.0, 1.0), 4)
