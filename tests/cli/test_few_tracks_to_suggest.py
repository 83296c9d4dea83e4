"""On data of a few playlists the models learn fewer tracks than a list asks for: `mpdtui
suggest` and the builder say why fewer (or none) came, where they had printed an empty table,
or nothing at all, and exit 0 (`demo-data --playlists 1`: 20 tracks)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from mpdtui.cli import main
from mpdtui.data.ingest import ingest
from mpdtui.locations import Locations
from mpdtui.services.root import open_services
from mpdtui.tui.messages import SuggestionsReady
from mpdtui.tui.suggestions_status import suggestions_status

URIS = [f"spotify:track:{number:022d}" for number in range(1, 6)]


def _slice() -> dict[str, Any]:
    """Three playlists over five tracks."""
    playlists = []
    for pid, numbers in enumerate(([0, 1, 2], [1, 2, 3], [2, 3, 4])):
        tracks = [{"pos": pos, "artist_name": f"Artist {n}", "track_uri": URIS[n],
                   "artist_uri": f"spotify:artist:{n:022d}", "track_name": f"Song {n}",
                   "album_uri": f"spotify:album:{n:022d}", "duration_ms": 200_000,
                   "album_name": f"Album {n}"} for pos, n in enumerate(numbers)]
        playlists.append({"name": f"mix {pid}", "collaborative": "false", "pid": pid,
                          "modified_at": 1500000000, "num_tracks": len(tracks),
                          "num_albums": len(tracks), "num_followers": 1, "num_edits": 1,
                          "duration_ms": 200_000 * len(tracks), "num_artists": 3,
                          "tracks": tracks})
    return {"info": {}, "playlists": playlists}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """`--cache-dir` of five tracks, popularity trained on them."""
    root = tmp_path_factory.mktemp("few")
    (root / "mpd").mkdir()
    (root / "mpd" / "mpd.slice.0-2.json").write_bytes(orjson.dumps(_slice()))
    locations = Locations.resolve(root / "cache")
    ingest(locations, root / "mpd")
    with open_services(locations) as services:
        services.jobs.train(["popularity"])
    return ["--cache-dir", str(locations.root)]


def _seeds(count: int) -> list[str]:
    return [arg for uri in URIS[:count] for arg in ("--seed", uri)]


def test_a_playlist_holding_every_track_learned_is_told_why_nothing_comes(
        cache: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """It printed nothing at all, with exit code 0."""
    assert main([*cache, "suggest", *_seeds(5), "--model", "popularity"]) == 0
    assert capsys.readouterr().out.strip() == (
        "nothing to suggest: the models learned 5 tracks, and the playlist has them all")


def test_fewer_than_asked_say_how_many_the_models_learned(
        cache: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*cache, "suggest", *_seeds(2), "--model", "popularity", "-n", "10"]) == 0
    out = capsys.readouterr().out
    assert out.count("spotify:track:") == 3
    assert out.rstrip().endswith(
        "only 3 tracks to suggest: the models learned 5 tracks, and the playlist has 2 of them")
    assert main([*cache, "suggest", "--model", "popularity", "-n", "10", "--json"]) == 0
    said = capsys.readouterr()
    assert len(json.loads(said.out)) == 5
    assert said.err.strip() == "only 5 tracks to suggest: the models learned 5 tracks"
    assert main([*cache, "suggest", *_seeds(2), "--model", "popularity", "-n", "3"]) == 0
    assert "to suggest" not in capsys.readouterr().out  # as many as asked: no note


def test_the_builder_counts_the_hidden_ones(cache: list[str]) -> None:
    """The builder's line (its suggester, as the builder asks it before the features load)."""
    with open_services(Locations.resolve(cache[1])) as services:
        ids = services.catalog.resolve_uris(URIS)
        found = services.suggester.suggest("", ids[:1], "popularity", 50, exclude=ids[1:3])
        note = services.suggester.running_out("popularity", ids[:1], ids[1:3], len(found), 50)
    assert note == ("only 2 tracks to suggest: the models learned 5 tracks, and the playlist "
                    "has 1 of them and 2 are hidden")
    assert suggestions_status(SuggestionsReady(1, found, "popularity", note=note), 2, None, []) == (
        f"popularity: {note}")


def test_one_suggestion_is_said_as_one() -> None:
    """The builder's line read "1 suggestions from ranker"."""
    assert suggestions_status(SuggestionsReady(1, [], "ranker"), 1, None, []) == (
        "1 suggestion from ranker")
