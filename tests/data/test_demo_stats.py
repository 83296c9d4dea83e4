"""The demo dataset behaves like the real MPD: its statistics stay in the MPD's ranges.

The reference is what the same statistics code measured on 5,365 real MPD playlists (issue 18;
`mpdtui.data.stats.REAL_MPD`), so the demo is checked at about that size. A small demo of a
different seed checks that the long tail does not depend on the seed.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from mpdtui.cli import main
from mpdtui.data.demo import generate_demo, track_themes
from mpdtui.data.demo_vocabulary import THEMES
from mpdtui.data.ingest import ingest
from mpdtui.data.stats import REAL_MPD
from mpdtui.locations import Locations
from mpdtui.services.root import open_services

REAL = REAL_MPD["real MPD playlists (5,365)"]


@pytest.fixture(scope="module")
def demo_stats(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`mpdtui info --stats --json` of a 5,000-playlist demo (seed 3)."""
    folder = tmp_path_factory.mktemp("demo-5k")
    generate_demo(folder, 5000, seed=3)
    cache = tmp_path_factory.mktemp("cache-5k")
    ingest(Locations.resolve(cache), folder)
    return _stats_json(cache)


def _stats_json(cache: Path) -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--cache-dir", str(cache), "info", "--stats", "--json"]) == 0
    return json.loads(out.getvalue())


def test_playlists_are_as_long_as_the_mpds(demo_stats: dict) -> None:
    assert 60 <= demo_stats["mean_length"] <= 72  # the MPD: 66.3, from 5 to 250
    assert 40 <= demo_stats["median_length"] <= 55


def test_the_catalog_has_the_mpds_long_tail(demo_stats: dict) -> None:
    assert 0.7 * REAL["tracks_per_playlist"] <= demo_stats["tracks_per_playlist"] <= 1.3 * REAL[
        "tracks_per_playlist"]
    assert 0.6 <= demo_stats["single_playlist_share"] <= 0.75  # real: 67%
    artists_per_playlist = REAL["artists"] / REAL["playlists"]
    assert 0.7 * artists_per_playlist <= demo_stats["artists"] / demo_stats["playlists"] <= 1.3 * (
        artists_per_playlist)
    assert demo_stats["albums_per_artist"] > 1.3  # artists have albums
    assert 0.02 <= demo_stats["top_track_share"] <= 0.1  # the MPD's top track: 4.7%


def test_names_have_a_zipf_head_and_a_long_tail(demo_stats: dict) -> None:
    distinct_share = demo_stats["distinct_names"] / demo_stats["playlists"]
    assert 0.35 <= distinct_share <= 0.75  # real: 61%
    assert 0.005 <= demo_stats["empty_name_share"] <= 0.02  # emoji-only names: real 1%
    head = [name for name, _ in demo_stats["top_names"]]
    assert {"country", "chill", "rap", "workout"} & set(head[:6])
    top_count = demo_stats["top_names"][0][1]
    assert top_count / demo_stats["playlists"] < 0.03  # the MPD's "country": 1%


def test_a_quarter_of_held_out_seeds_are_unknown_to_training(demo_stats: dict) -> None:
    assert 0.15 <= demo_stats["unknown_seed_share"] <= 0.35  # real: 24%


def test_the_long_tail_does_not_depend_on_the_seed(small_store: Locations) -> None:
    stats = open_services(small_store).data.stats()  # 3,000 playlists, seed 7
    assert 0.6 <= stats.single_playlist_share <= 0.78
    assert stats.tracks_per_playlist >= 20 and stats.artists >= 10_000
    assert 0.2 <= (stats.unknown_seed_share or 0) <= 0.45


def test_track_themes_names_the_theme_of_every_demo_track(small_demo: Path) -> None:
    themes = track_themes(3000, seed=7)  # the small demo's arguments
    uris = {track["track_uri"] for path in small_demo.glob("mpd.slice.*.json")
            for playlist in orjson.loads(path.read_bytes())["playlists"]
            for track in playlist["tracks"]}
    assert uris == set(themes) and set(themes.values()) == set(range(len(THEMES)))
