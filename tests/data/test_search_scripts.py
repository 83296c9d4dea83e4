"""Search finds what people type in every script: emoji, and words inside runs of Chinese,
Japanese, Korean and Thai (written without spaces), as well as Latin words by their prefixes;
a catalog made before is searched as it was until its next writer reindexes it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hostile_support import jobs_in_process, run_cli, write_slice  # noqa: F401 (a fixture)
from store_support import mpd_playlist, older_mpdtui

import mpdtui.data.track_search as track_search
from mpdtui.data.catalog import Catalog
from mpdtui.data.ingest import ingest
from mpdtui.data.track_query import has_search_words
from mpdtui.locations import Locations

TRACKS = [  # title, artist, album
    ("🔥🔥🔥", "Heat", "Flames"),
    ("Fire 🔥", "Heat", "Flames"),
    ("Love❤️you", "Heart", "Hearts"),
    ("告白氣球", "周杰倫", "周杰倫的床邊故事"),
    ("ありがとう", "いきものがかり", "ハジメマシテ"),
    ("สวัสดีครับ", "บอย โกสิยพงษ์", "รักษาการ"),
    ("Dynamite", "방탄소년단", "BE"),
    ("Halo", "Beyoncé", "I Am... Sasha Fierce"),
    ("Don't Stop Me Now", "Queen", "Jazz"),
    ("Thumbs 👍🏽 up", "Hands", "Signs"),
]
SEARCHES = {  # typed -> titles found (most popular first: the list's order, see `_slice`)
    "🔥": ["🔥🔥🔥", "Fire 🔥"],
    "🔥🔥": ["🔥🔥🔥"],
    "fire 🔥": ["Fire 🔥"],
    "❤": ["Love❤️you"],
    "❤️": ["Love❤️you"],
    "杰倫": ["告白氣球"],
    "周杰倫 氣球": ["告白氣球"],
    "床邊": ["告白氣球"],
    "倫": ["告白氣球"],
    "がとう": ["ありがとう"],
    "ものが": ["ありがとう"],
    "ジメ": ["ありがとう"],
    "สวัสดี": ["สวัสดีครับ"],
    "ครับ": ["สวัสดีครับ"],
    "โกสิย": ["สวัสดีครับ"],
    "소년단": ["Dynamite"],
    "방탄": ["Dynamite"],
    "👍": ["Thumbs 👍🏽 up"],
    "👍🏻": ["Thumbs 👍🏽 up"],
    "beyonce": ["Halo"],
    "bey": ["Halo"],
    "dont stop": ["Don't Stop Me Now"],
    "don't": ["Don't Stop Me Now"],
    "ji": [],
    "杰倫 🔥": [],
    "周倫": [],  # the characters in another order, or apart, are other words
}


def _slice(folder: Path) -> Path:
    """One slice holding TRACKS, the first in the most playlists."""
    uris = [f"spotify:track:{'A' * 20}{n:02d}" for n in range(len(TRACKS))]
    playlists = [mpd_playlist(f"mix {pid}", uris[:len(uris) - pid]) for pid in range(len(uris))]
    for pid, playlist in enumerate(playlists):
        playlist["pid"] = pid
        for track in playlist["tracks"]:
            index = uris.index(track["track_uri"])
            track["track_name"], track["artist_name"], track["album_name"] = TRACKS[index]
            track["artist_uri"] = f"spotify:artist:{'B' * 20}{index:02d}"
            track["album_uri"] = f"spotify:album:{'C' * 20}{index:02d}"
    return write_slice(folder, 0, playlists)


def _found(catalog: Catalog, text: str) -> list[str]:
    return [track.name for track in catalog.search(text)]


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _slice(tmp_path_factory.mktemp("scripts") / "mpd")


@pytest.mark.parametrize("minimum", [len(TRACKS), len(TRACKS) + 1], ids=["head", "no head"])
def test_every_script_is_found_with_and_without_the_search_head(
        scripts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, minimum: int) -> None:
    """Both sides of the head's threshold: the head's index holds the same words."""
    monkeypatch.setattr(track_search, "SEARCH_HEAD_MIN_TRACKS", minimum)
    locations = Locations.resolve(tmp_path / "cache")
    ingest(locations, scripts)
    with Catalog.open(locations) as catalog:
        assert catalog.scalar("SELECT count(*) FROM search_head") == (len(TRACKS) if minimum
                                                                     == len(TRACKS) else 0)
        for typed, titles in SEARCHES.items():
            assert _found(catalog, typed) == titles, typed


def test_emoji_are_words_to_search_for() -> None:
    assert has_search_words("🔥") and has_search_words("周") and has_search_words("ดี")
    assert not has_search_words("...") and not has_search_words("\ufe0f")


def test_tracks_joining_a_catalog_are_found_in_every_script(scripts: Path, tmp_path: Path) -> None:
    """The index extended in place (the catalog has one) holds the same words."""
    locations = Locations.resolve(tmp_path / "cache")
    ingest(locations, write_slice(tmp_path / "first", 100))  # the hand-made slice
    ingest(locations, scripts)
    with Catalog.open(locations) as catalog:
        for typed, titles in SEARCHES.items():
            assert _found(catalog, typed) == titles, typed


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_catalog_is_searched_as_before_until_its_writer_reindexes_it(
        version: int, scripts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(track_search, "SEARCH_HEAD_MIN_TRACKS", 0)
    locations = Locations.resolve(tmp_path / "cache")
    with older_mpdtui(version):
        ingest(locations, scripts)
    with Catalog.open(locations) as reader:  # reads, never writes: as it was searched
        assert _found(reader, "周杰") == ["告白氣球"]  # the run's start, as the older mpdtui
        assert _found(reader, "杰倫") == [] and _found(reader, "🔥") == []
        assert _found(reader, "beyonce") == ["Halo"] and _found(reader, "dont") == ["Don't Stop Me Now"]
        Catalog.create_or_open(locations).close()  # the next writer: reindexed, in one commit
        assert reader.meta("version") == str(track_search.SEARCH_VERSION)
        assert reader.scalar("SELECT count(*) FROM search_head") == len(TRACKS)
        for typed, titles in SEARCHES.items():
            assert _found(reader, typed) == titles, typed
        tables = reader.query("SELECT sql FROM sqlite_master WHERE name LIKE '%fts' ORDER BY name")
        assert [("categories" in sql, "detail=none" in sql) for (sql,) in tables] == [(True, True)] * 2
        assert reader.query("INSERT INTO tracks_fts(tracks_fts, rank) VALUES ('integrity-check', 1)") == []
    with Catalog.create_or_open(locations) as writer:
        assert not track_search.reindex_older_search(writer)  # once


@pytest.mark.usefixtures("jobs_in_process")
def test_the_next_ingest_reindexes_an_older_catalog_and_says_so(
        scripts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`mpdtui ingest` of the data already there (nothing to ingest) still reindexes once, and
    says so, as that takes a while at the MPD's size; a search finds the runs' words then."""
    cache = tmp_path / "cache"
    with older_mpdtui(2):
        ingest(Locations.resolve(cache), scripts.parent)
    assert run_cli(capsys, cache, "search", "杰倫").out.count("告白氣球") == 0
    first = run_cli(capsys, cache, "ingest", str(scripts.parent))
    assert first.code == 0 and "reindexing the track search once" in first.out, first
    again = run_cli(capsys, cache, "ingest", str(scripts.parent))
    assert again.code == 0 and "reindexing" not in again.out, again
    found = run_cli(capsys, cache, "search", "杰倫", "--json")
    assert [track["track"] for track in orjson.loads(found.out)] == ["告白氣球"]
