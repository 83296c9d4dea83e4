"""`mpdtui submit` keeps the challenge's rules where the data makes that hard (a catalog of
fewer tracks than an answer takes: 500 distinct, none of them a seed), and reads challenge
sets as they come (a byte order mark) or says what is wrong with them (cut short)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest
from hostile_support import (  # noqa: F401 (jobs_in_process: a fixture)
    HANDMADE,
    HANDMADE_PLAYLISTS,
    assert_refused,
    jobs_in_process,
    run_cli,
)

pytestmark = pytest.mark.usefixtures("jobs_in_process")


@pytest.fixture
def five_tracks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A cache dir whose catalog holds the hand-made slice's 5 tracks, popularity trained."""
    cache = tmp_path / "cache"
    done = run_cli(capsys, cache, "--train", "--mpd", str(HANDMADE), "--models", "popularity")
    assert done.code == 0, done
    return cache


def _uris(first: int, count: int) -> list[str]:
    return [f"spotify:track:{n:022d}" for n in range(first, first + count)]


def _playlist(pid: int, uris: list[str], name: str | None = None) -> dict[str, Any]:
    tracks = [{"pos": i, "track_uri": uri, "artist_uri": "spotify:artist:0", "album_uri":
               "spotify:album:0", "artist_name": "a", "track_name": "t", "album_name": "b",
               "duration_ms": 1000} for i, uri in enumerate(uris)]
    named = {} if name is None else {"name": name}
    return {"pid": pid, **named, "num_tracks": len(uris) + 10, "num_samples": len(uris),
            "num_holdouts": 10, "tracks": tracks}


def _submit(capsys: pytest.CaptureFixture[str], cache: Path, tmp_path: Path,
            playlists: list[dict[str, Any]]) -> tuple[Any, list[list[str]]]:
    path = tmp_path / "challenge_set.json"
    path.write_bytes(orjson.dumps({"date": "2018-01-16 08:47:28.198015", "version": "v1",
                                   "playlists": playlists}))
    out = tmp_path / "submission.csv"
    done = run_cli(capsys, cache, "submit", "--challenge-set", str(path), "--out", str(out))
    rows = list(csv.reader(out.read_text().splitlines())) if out.exists() else []
    return done, rows


def test_a_catalog_under_500_tracks_is_filled_out_with_the_challenge_sets_own_tracks(
        five_tracks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It refused ("the catalog has too few tracks"): a name only, or a name of emoji or of
    spaces, on 5 catalog tracks had no 500-track answer."""
    catalog = {t["track_uri"] for p in HANDMADE_PLAYLISTS for t in p["tracks"]}
    twice = _uris(0, 10)  # seeds of two playlists: the most frequent, first after the catalog
    playlists = [_playlist(1_000_000, [], "🔥🎶"), _playlist(1_000_001, [], "   "),
                 _playlist(1_000_002, _uris(0, 500)), _playlist(1_000_003, _uris(500, 500), "b"),
                 _playlist(1_000_004, twice, "c")]
    done, rows = _submit(capsys, five_tracks, tmp_path, playlists)
    assert done.code == 0, done
    assert rows[0] == ["team_info", "mpdtui", "mpdtui@example.com"]
    assert [int(row[0]) for row in rows[1:]] == [p["pid"] for p in playlists]
    for row, playlist in zip(rows[1:], playlists, strict=True):
        answer = row[1:]
        assert len(answer) == 500 == len(set(answer)), playlist["pid"]
        assert not set(answer) & {t["track_uri"] for t in playlist["tracks"]}
    name_only = rows[1][1:]
    assert set(name_only[:5]) == catalog and name_only[5:15] == twice
    assert name_only[15:] == _uris(10, 485)
    assert "5 were filled out to 500 with the challenge set's own tracks" in done.out
    assert "(the catalog holds 5: ingest more slices" in done.out


def test_too_few_tracks_even_with_the_challenge_sets_is_refused_saying_how_many(
        five_tracks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done, rows = _submit(capsys, five_tracks, tmp_path,
                         [_playlist(1_000_000, [], "x"), _playlist(1_000_001, _uris(0, 20))])
    assert_refused(done, "pid 1000000 needs 500 tracks that are not its seeds",
                   "the catalog (5 tracks) with the challenge set's own tracks holds 25",
                   "ingest FOLDER`), then `mpdtui", "--train`")
    assert rows == []  # nothing written


def test_a_challenge_set_with_a_byte_order_mark_is_read(
        five_tracks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It was refused as "not valid JSON (UTF-8 byte order mark (BOM) is not supported)"."""
    playlists = [_playlist(1_000_000, _uris(0, 500), "a"), _playlist(1_000_001, _uris(500, 500))]
    plain, rows = _submit(capsys, five_tracks, tmp_path, playlists)
    assert plain.code == 0, plain
    path = tmp_path / "challenge_set.json"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    out = tmp_path / "with-bom.csv"
    done = run_cli(capsys, five_tracks, "submit", "--challenge-set", str(path), "--out", str(out))
    assert done.code == 0, done
    assert list(csv.reader(out.read_text().splitlines())) == rows


def test_a_challenge_set_cut_short_is_refused_as_cut_short(
        five_tracks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It said "is not valid JSON (unexpected end of data ...): give the RecSys Challenge's
    challenge_set.json", which it was."""
    path = tmp_path / "challenge_set.json"
    path.write_bytes(orjson.dumps({"version": "v1", "playlists": [
        _playlist(1_000_000, _uris(0, 500), "a")]})[:5000])
    done = run_cli(capsys, five_tracks, "submit", "--challenge-set", str(path), "--out",
                   str(tmp_path / "o.csv"))
    assert_refused(done, f"{path} is cut short (unexpected end of data: line 1", "copy it again")
    assert not (tmp_path / "o.csv").exists()
