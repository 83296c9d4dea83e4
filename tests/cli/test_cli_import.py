"""`mpdtui import`: playlist files become saved playlists. mpdtui's exports come back whole,
songs named without a Spotify link are found in the catalog by artist and title, and a name
that is taken is refused before anything is saved, with advice that works."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from hostile_support import InProcessJob, assert_refused, playlists_from, run_cli, write_slice

from mpdtui.data.catalog import Track
from mpdtui.data.ingest import ingest
from mpdtui.data.saved_playlists import TrackEntry
from mpdtui.exporting import FILE_FORMATS
from mpdtui.importing import PlaylistFile
from mpdtui.locations import Locations
from mpdtui.services.playlist_import import SONGS_WORTH_SAYING, finding_songs
from mpdtui.services.root import open_services

UNKNOWN = TrackEntry("spotify:track:" + "Z" * 22, "Gone", "Nobody", 1000)


@pytest.fixture
def cache(small_store: Locations, tmp_path: Path) -> Path:
    shutil.copytree(small_store.root, tmp_path / "cache")
    return tmp_path / "cache"


def catalog_tracks(cache: Path, *ids: int) -> list[Track]:
    return open_services(Locations.resolve(cache)).catalog.tracks(list(ids))


def saved_uris(cache: Path, name: str) -> list[str]:
    return open_services(Locations.resolve(cache)).playlists.get(name).uris


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_an_export_imports_back_whole(cache: Path, tmp_path: Path, fmt: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    known = catalog_tracks(cache, 5, 3, 8)
    entries = [TrackEntry(t.uri, t.name, t.artist_name, t.duration_ms) for t in known]
    store = open_services(Locations.resolve(cache)).playlists.store()
    store.save("night drive", [entries[0], UNKNOWN, *entries[1:]])
    assert run_cli(capsys, cache, "export", "night", "drive", "--to", fmt,
                   "--out", str(tmp_path / "out") + "/").code == 0
    exported = next((tmp_path / "out").iterdir())

    done = run_cli(capsys, cache, "import", str(exported), "--name", "night drive again")
    assert done.code == 0, done
    assert done.out.splitlines() == [
        f"imported 'night drive again' from {exported}: 4 tracks",
        "  1 track the catalog does not hold: kept for exports (the builder shows only the "
        "catalog's tracks)"]
    assert saved_uris(cache, "night drive again") == saved_uris(cache, "night drive")


@pytest.mark.parametrize("fmt", [fmt for fmt in FILE_FORMATS if fmt != "links"])
def test_an_export_imports_back_under_its_name_which_its_file_name_cannot_hold(
        cache: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The CSV export gave the file's name back ("Mix-Vol-1-live"), not the playlist's."""
    name = 'Mix: Vol 1, "live"; é'
    entries = [TrackEntry(t.uri, t.name, t.artist_name, t.duration_ms)
               for t in catalog_tracks(cache, 5, 3, 8)]
    open_services(Locations.resolve(cache)).playlists.store().save(name, entries)
    assert run_cli(capsys, cache, "export", name, "--to", fmt,
                   "--out", str(tmp_path / "out") + "/").code == 0
    exported = next((tmp_path / "out").iterdir())
    before = saved_uris(cache, name)
    assert run_cli(capsys, cache, "playlists", name, "--delete").code == 0

    done = run_cli(capsys, cache, "import", str(exported))
    assert done.code == 0, done
    assert done.out.splitlines()[0] == f"imported {name!r} from {exported}: 3 tracks"
    assert saved_uris(cache, name) == before


def test_songs_without_a_link_are_found_by_artist_and_title(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second, third = catalog_tracks(cache, 2, 4, 6)
    m3u = tmp_path / "old_mix.m3u"
    m3u.write_text("#EXTM3U\n"
                   f"#EXTINF:200,{first.artist_name} - {first.name}\n/music/01.mp3\n"
                   f"/music/{second.name.upper()} - {second.artist_name}.flac\n"  # title first
                   f"{third.uri}\n"
                   "/music/Nobody - \x1b[31mNothing.mp3\n"
                   f"{third.uri}\n"
                   "https://open.spotify.com/episode/" + "E" * 22 + "\n")
    done = run_cli(capsys, cache, "import", str(m3u))
    assert done.code == 0, done
    assert done.out.splitlines() == [
        f"imported 'old mix' from {m3u}: 3 tracks",
        "  2 songs without a Spotify link found in the catalog by artist and title",
        "  left out 1 song without a Spotify link that the catalog does not hold: "
        "'Nobody - \\x1b[31mNothing'",
        "  left out 1 repeat of a track",
        "  left out 1 line naming no song (a podcast episode, an album link)"]
    assert saved_uris(cache, "old mix") == [first.uri, second.uri, third.uri]

    again = run_cli(capsys, cache, "import", str(m3u), "--json", "--name", "as json")
    assert json.loads(again.out) == [{
        "name": "as json", "tracks": 3, "from": str(m3u), "replaced": False,
        "name_in_file": "as json", "not_in_catalog": 0, "found_by_artist_and_title": 2,
        "not_found": ["Nobody - \x1b[31mNothing"], "repeats": 1, "not_songs": 1,
        "broken_links": [], "unlisted": 0, "audio_features": None}]
    assert "\x1b" not in again.out, "a control character is shown escaped"


def test_a_track_link_without_a_track_id_is_said_as_one(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one, = catalog_tracks(cache, 2)
    m3u = tmp_path / "typo.m3u"
    m3u.write_text(f"#EXTM3U\nspotify:track:nope\n{one.uri}\nspotify:album:{'A' * 22}\n")
    done = run_cli(capsys, cache, "import", str(m3u))
    assert done.code == 0, done
    assert done.out.splitlines()[1:] == [
        "  left out 1 track link that holds no track id: 'spotify:track:nope' (a track's id is "
        "22 letters and digits: copy its link again in Spotify's app, Share > Copy Song Link)",
        "  left out 1 line naming no song (a podcast episode, an album link)"]

    m3u.write_text("https://open.spotify.com/track/123?si=x\n")
    assert_refused(run_cli(capsys, cache, "import", str(m3u)),
                   f"{m3u} names no track, only 1 track link that holds no track id: "
                   "'https://open.spotify.com/track/123?si=x' (a track's id is 22 letters")


def handmade_cache(tmp_path: Path, renamed: dict[str, str],
                   artists: dict[str, str] | None = None) -> Path:
    """A cache dir holding the hand-made slice, its tracks of these titles (and artists)
    renamed."""
    playlists = playlists_from(0)
    for playlist in playlists:
        for track in playlist["tracks"]:
            track["track_name"] = renamed.get(track["track_name"], track["track_name"])
            track["artist_name"] = (artists or {}).get(track["artist_name"], track["artist_name"])
    slices = tmp_path / "mpd"
    write_slice(slices, 0, playlists)
    cache = tmp_path / "cache"
    ingest(Locations.resolve(cache), slices)
    return cache


def import_tagged(capsys: pytest.CaptureFixture[str], cache: Path, tmp_path: Path,
                  songs: list[str]) -> tuple[str, list[str]]:
    """`mpdtui import` of an M3U naming `songs` ("artist - title") as a player's tags do:
    what it said, and the titles saved."""
    m3u = tmp_path / "tagged.m3u"
    m3u.write_text("".join(f"#EXTINF:200,{song}\n/music/{n}.flac\n"
                           for n, song in enumerate(songs)))
    done = run_cli(capsys, cache, "import", str(m3u))
    assert done.code == 0, done
    saved = open_services(Locations.resolve(cache)).playlists.get("tagged")
    return done.out, [t.title for t in saved.tracks]


def test_a_songs_version_and_featured_artists_are_set_aside_when_no_title_is_the_same(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A local file's tags name "One More Time" where the catalog has "One More Time -
    Radio Edit", or "Jóga (Remastered)" where it has "Jóga": the same song."""
    cache = handmade_cache(tmp_path, {"Jóga": "Jóga (Remastered 2011)",
                                      "One More Time": "One More Time - Radio Edit"})
    said, titles = import_tagged(capsys, cache, tmp_path, [
        "Daft Punk feat. Romanthony - One More Time", "Björk - JÓGA [Live]",
        "Björk - Jóga Remix", "Björk; Thom Yorke - Bachelorette"])  # a tag of two artists
    assert titles == ["One More Time - Radio Edit", "Jóga (Remastered 2011)", "Bachelorette"]
    assert "'Björk - Jóga Remix'" in said, "another title is another song"


def test_a_songs_accents_apostrophes_and_punctuation_are_set_aside(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tags often differ from the catalog only there: "It’s" (a typographic apostrophe) for
    "It's", "Sigur Ros" for "Sigur Rós", "Harder Better" for "Harder, Better"."""
    cache = handmade_cache(tmp_path, {"Bachelorette": "It's Oh So Quiet"})
    said, titles = import_tagged(capsys, cache, tmp_path, [
        "Bjork - It\u2019s oh so quiet", "Sigur Ros - Hoppipolla",
        "Daft Punk - Harder Better Faster Stronger!", "Daft Punk - One Less Time"])
    assert titles == ["It's Oh So Quiet", "Hoppípolla", "Harder, Better, Faster, Stronger"]
    assert "'Daft Punk - One Less Time'" in said, "other words are another song"


def test_a_word_written_without_its_apostrophe_is_found_either_way(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """"Its" for the catalog's "It's" (file names and tags often drop apostrophes), and "Don't"
    for its "Dont": the catalog's search has "it's" as two words, "it" and "s"."""
    cache = handmade_cache(tmp_path, {"Bachelorette": "It's Oh So Quiet",
                                      "Jóga": "Dont Look Back (Remastered)"})
    said, titles = import_tagged(capsys, cache, tmp_path, [
        "Bjork - Its Oh So Quiet", "Björk - Don't Look Back", "Bjork - Its Oh So Loud"])
    assert titles == ["It's Oh So Quiet", "Dont Look Back (Remastered)"]
    assert "'Bjork - Its Oh So Loud'" in said, "other words are another song"


def test_an_artists_leading_the_is_set_aside(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """"Killers" in the tags, "The Killers" in the catalog, and the other way round."""
    cache = handmade_cache(tmp_path, {}, artists={"Björk": "The Björk"})
    said, titles = import_tagged(capsys, cache, tmp_path, [
        "Björk - Jóga", "The Daft Punk - One More Time", "The Sigur Rós - Jóga"])
    assert titles == ["Jóga", "One More Time"]
    assert "'The Sigur Rós - Jóga'" in said, "another artist's title is another song"


def test_files_of_a_music_library_are_found_by_their_folders_artist(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An M3U of files filed "Artist/Album/01 Title.flac", with no #EXTINF lines."""
    cache = handmade_cache(tmp_path, {})
    m3u = tmp_path / "library.m3u"
    m3u.write_text("/music/Björk/Homogenic/01 - Jóga.flac\n"
                   "/music/Daft Punk - Discovery/01. One More Time.mp3\n")
    assert run_cli(capsys, cache, "import", str(m3u)).code == 0
    saved = open_services(Locations.resolve(cache)).playlists.get("library")
    assert [(t.title, t.artist) for t in saved.tracks] == [("Jóga", "Björk"),
                                                          ("One More Time", "Daft Punk")]


def test_a_taken_name_is_refused_and_each_piece_of_advice_works(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one, two = catalog_tracks(cache, 1, 2)
    links = tmp_path / "gym.txt"
    links.write_text(f"{one.uri}\n{two.uri}\n")
    assert run_cli(capsys, cache, "import", str(links)).code == 0
    refused = assert_refused(run_cli(capsys, cache, "import", str(links)),
                             "a saved playlist named 'gym' already exists: import under "
                             "another name with --name NEW, or replace its tracks with "
                             "--replace")
    assert run_cli(capsys, cache, "import", str(links), "--name", "gym 2").code == 0
    links.write_text(f"{two.uri}\n")
    replaced = run_cli(capsys, cache, "import", str(links), "--replace")
    assert replaced.out.startswith("replaced the tracks of 'gym' from")
    assert saved_uris(cache, "gym") == [two.uri]
    assert refused

    folder = tmp_path / "exportify"
    folder.mkdir()
    shutil.copy(links, folder / "gym.csv")
    (folder / "new.csv").write_text(f"Track URI\n{one.uri}\n")
    several = assert_refused(run_cli(capsys, cache, "import", str(folder)),
                             "rename the saved one first (`mpdtui playlists gym --rename NEW`)")
    names = {p.name for p in open_services(Locations.resolve(cache)).playlists.summaries()}
    assert names == {"gym", "gym 2"}, "nothing of the refused import was saved"
    assert several
    assert run_cli(capsys, cache, "playlists", "gym", "--rename", "old gym").code == 0
    assert run_cli(capsys, cache, "import", str(folder)).code == 0
    assert saved_uris(cache, "new") == [one.uri]
    assert_refused(run_cli(capsys, cache, "import", str(folder), "--name", "x"),
                   "2 playlists to import: a name is for one")


def test_every_taken_name_of_a_folder_is_named_in_one_refusal(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder of three playlists whose names are taken took three runs to learn them."""
    one, = catalog_tracks(cache, 1)
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in ("gym", "run", "chill", "new"):
        (folder / f"{name}.txt").write_text(f"{one.uri}\n")
        if name != "new":
            assert run_cli(capsys, cache, "import", str(folder / f"{name}.txt")).code == 0
    assert_refused(run_cli(capsys, cache, "import", str(folder)),
                   "3 saved playlists have the names these files give ('chill', 'gym', 'run')",
                   "`mpdtui playlists chill --rename NEW`", "--replace")
    names = {p.name for p in open_services(Locations.resolve(cache)).playlists.summaries()}
    assert names == {"gym", "run", "chill"}, "nothing of the refused import was saved"
    assert run_cli(capsys, cache, "import", str(folder), "--replace").code == 0


def test_a_file_given_twice_is_refused_not_saved_twice(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`import mix.txt mix.txt` saved "mix" and "mix 2", the same tracks."""
    one, = catalog_tracks(cache, 1)
    monkeypatch.chdir(tmp_path)
    Path("mix.txt").write_text(f"{one.uri}\n")
    for again in ("mix.txt", "./mix.txt", str(tmp_path / "mix.txt")):
        assert_refused(run_cli(capsys, cache, "import", "mix.txt", again), "mix.txt",
                       "is given twice: name each file once")
    assert_refused(run_cli(capsys, cache, "import", "-", "-"), "standard input (-) is given "
                   "twice")
    assert not open_services(Locations.resolve(cache)).playlists.summaries()


EXPORTIFY_HEADER = (  # exportify.net's
    "Track URI,Track Name,Album Name,Artist Name(s),Release Date,Duration (ms),Popularity,"
    "Explicit,Added By,Added At,Genres,Record Label,Danceability,Energy,Key,Loudness,Mode,"
    "Speechiness,Acousticness,Instrumentalness,Liveness,Valence,Tempo,Time Signature")


def test_an_exportify_export_says_how_to_import_its_audio_features_and_that_works(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Exportify writes each track's audio features, which new Spotify apps cannot download:
    the import said nothing of them, and `features --csv` refused the file."""
    monkeypatch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)
    tracks = catalog_tracks(cache, 1, 2, 3)
    export = tmp_path / "road trip.csv"
    export.write_text("\n".join([EXPORTIFY_HEADER, *(
        f'{t.uri},"{t.name}",Album,Artist,2016,{t.duration_ms},50,false,me,2020-01-01,"pop",'
        f"Label,0.5,0.7,{n},-6,1,0.05,0.1,0,0.1,0.4,{120 + 5 * n},4"
        for n, t in enumerate(tracks))]) + "\n")
    imported = run_cli(capsys, cache, "import", str(export))
    note = (f"{export} also holds the tracks' audio features: `mpdtui features --csv "
            f"'{export}'` imports them (to filter and order by sound)")
    assert imported.out.splitlines()[-1] == note
    as_json = run_cli(capsys, cache, "import", str(export), "--name", "copy", "--json").out
    assert json.loads(as_json)[0]["audio_features"] is True  # scripts are told too
    assert assert_refused(run_cli(capsys, cache, "order", "road trip", "--dry-run"),
                          "no audio features for the tracks of 'road trip'")

    assert run_cli(capsys, cache, "features", "--csv", str(export)).code == 0  # the advice
    ordered = run_cli(capsys, cache, "order", "road trip", "--dry-run", "--json")
    assert ordered.code == 0 and len(json.loads(ordered.out)["tracks"]) == 3

    without = tmp_path / "plain.csv"  # mpdtui's own export: no features, no note
    without.write_text(f"uri,title\n{tracks[0].uri},{tracks[0].name}\n")
    assert "audio features" not in run_cli(capsys, cache, "import", str(without)).out

    # Export All: a zip of them, one of which Spotify gave no features for
    archive = tmp_path / "spotify_playlists.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("drive.csv", export.read_text())
        zipped.writestr("quiet.csv", "\n".join([EXPORTIFY_HEADER, *(
            f"{t.uri},{t.name},Album,Artist,2016,{t.duration_ms},50,false,me,2020,pop,Label"
            + "," * 12 for t in tracks)]) + "\n")
    assert run_cli(capsys, cache, "import", str(archive)).out.splitlines()[-1].startswith(
        f"{archive} also holds the tracks' audio features: `mpdtui features --csv {archive}`")
    rows = json.loads(run_cli(capsys, cache, "import", str(archive), "--json", "--replace").out)
    assert [row["audio_features"] for row in rows] == [True, False]  # quiet.csv's rows: none
    assert run_cli(capsys, cache, "features", "--csv", str(archive)).code == 0


FEATURES_HEADER = ("id,name,artists,danceability,energy,key,loudness,mode,speechiness,"
                   "acousticness,instrumentalness,liveness,valence,tempo,duration_ms")


def features_rows(uris: list[str]) -> str:
    return "\n".join([FEATURES_HEADER, *(f"{uri[14:]},Song,['Band'],0.5,0.7,{n % 12},-6,1,0.05,"
                                         f"0.1,0,0.1,0.4,120,200000" for n, uri in
                                         enumerate(uris))]) + "\n"


def test_a_features_table_is_refused_pointing_to_the_features_import(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Kaggle's tracks_features.csv (a bare `id` beside the features) was saved as a playlist
    of 179,094 tracks, then said to hold features. A table named as the public ones are, or of
    more rows than a Spotify playlist holds, is refused; the advice works."""
    monkeypatch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)
    uris = [t.uri for t in catalog_tracks(cache, 1, 2, 3)]
    named = tmp_path / "tracks_features.csv"
    named.write_text(features_rows(uris))
    many = tmp_path / "all songs.csv"
    many.write_text(features_rows(uris + [f"spotify:track:{n:022d}" for n in range(10_000)]))
    archive = tmp_path / "archive.zip"  # Kaggle's download
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("tracks_features.csv", named.read_text())
    for given, rows, advice in [(named, 3, str(named)), (many, 10_003, f"'{many}'"),
                                (archive, 3, str(archive))]:
        refused = run_cli(capsys, cache, "import", str(given))
        assert_refused(refused, f"is a table of audio features ({rows:,} rows laid out as "
                       f"tracks_features.csv is), not a playlist: `mpdtui features --csv "
                       f"{advice}` imports them")
    assert open_services(Locations.resolve(cache)).playlists.summaries() == []
    assert run_cli(capsys, cache, "features", "--csv", str(named)).code == 0  # the advice

    mix = tmp_path / "my mix.csv"  # a script's playlist of that layout: still a playlist
    mix.write_text(named.read_text())
    assert run_cli(capsys, cache, "import", str(mix)).code == 0
    assert saved_uris(cache, "my mix") == uris


def test_a_features_table_too_large_for_a_playlist_is_pointed_to_the_features_import(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Kaggle's whole tracks_features.csv (330 MB) was refused as too large for a playlist,
    without the command that reads it; another large file still is, as it was."""
    monkeypatch.setattr("mpdtui.importing.LARGEST_FILE", 1000)  # 64 MB, for a test
    uris = [f"spotify:track:{n:022d}" for n in range(20)]
    table = tmp_path / "songs.csv"
    table.write_text(features_rows(uris))
    assert_refused(run_cli(capsys, cache, "import", str(table)),
                   f"{table} is a table of audio features (0 MB laid out as tracks_features.csv "
                   f"is), not a playlist: `mpdtui features --csv {table}` imports them")
    other = tmp_path / "big.csv"
    other.write_text("Track URI\n" + "\n".join(uris * 3))
    assert_refused(run_cli(capsys, cache, "import", str(other)),
                   f"{other} is 0 MB, too large for a playlist")


def test_two_files_of_one_name_save_two_playlists(cache: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    one, two = catalog_tracks(cache, 1, 2)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "mix.m3u8").write_text(f"{one.uri}\n")
    (tmp_path / "a" / "mix.txt").write_text(f"{two.uri}\n")
    (tmp_path / "a" / "notes.txt").write_text("the mix for saturday\n")
    done = run_cli(capsys, cache, "import", str(tmp_path / "a"))
    # "taken" by the other file of this import, not by a saved playlist: that file is named
    assert done.out.splitlines()[1].startswith(
        f"imported 'mix 2' ('mix' is taken by {tmp_path / 'a' / 'mix.m3u8'}, another file of "
        f"this import) from {tmp_path / 'a' / 'mix.txt'}")
    assert done.err.startswith(f"skipped {tmp_path / 'a' / 'notes.txt'} names no track")
    assert saved_uris(cache, "mix 2") == [two.uri]


def test_two_files_of_one_name_imported_again_with_replace_replace_both(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The second file's "mix 3" is replaced at each run: it made a new "mix 4", "mix 5"...,
    and "mix 2", a playlist of the user's own, is left as it is."""
    one, two, three, own = catalog_tracks(cache, 1, 2, 3, 4)
    store = open_services(Locations.resolve(cache)).playlists.store()
    store.save("mix 2", [TrackEntry(own.uri, own.name, own.artist_name, own.duration_ms)])
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "mix.m3u8").write_text(f"{one.uri}\n")
    (tmp_path / "a" / "mix.txt").write_text(f"{two.uri}\n")
    assert run_cli(capsys, cache, "import", str(tmp_path / "a")).code == 0
    (tmp_path / "a" / "mix.txt").write_text(f"{three.uri}\n")
    for _ in range(2):
        done = run_cli(capsys, cache, "import", str(tmp_path / "a"), "--replace")
        assert done.code == 0, done
        assert done.out.splitlines()[1].startswith("replaced the tracks of 'mix 3'"), done.out
    assert sorted(summary.name for summary in store.list()) == ["mix", "mix 2", "mix 3"]
    assert saved_uris(cache, "mix 3") == [three.uri]
    assert saved_uris(cache, "mix 2") == [own.uri]


def test_links_piped_in_on_standard_input(cache: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = catalog_tracks(cache, 7, 9)
    pasted = f"https://open.spotify.com/track/{one.uri[14:]}?si=abc\n{two.uri}\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(pasted)))
    done = run_cli(capsys, cache, "import", "-", "--name", "pasted")
    assert done.out == "imported 'pasted' from standard input: 2 tracks\n"
    assert saved_uris(cache, "pasted") == [one.uri, two.uri]


def test_a_pipe_given_as_a_file_names_no_playlist(cache: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`mpdtui import <(xclip -o)`: the shell gives /dev/fd/63, a pipe."""
    (one,) = catalog_tracks(cache, 7)
    read, write = os.pipe()
    os.write(write, f"{one.uri}\n".encode())
    os.close(write)
    try:
        done = run_cli(capsys, cache, "import", f"/dev/fd/{read}")
    finally:
        os.close(read)
    assert done.out == f"imported 'imported playlist' from /dev/fd/{read}: 1 track\n"


def test_before_any_data_tracks_are_kept_as_the_file_names_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "road_trip.csv"
    csv.write_text(f"uri,artist,title\n{UNKNOWN.uri},Nobody,Gone\n,Band,Song\n")
    done = run_cli(capsys, tmp_path / "empty", "import", str(csv))
    assert done.code == 0, done
    assert "left out 1 song without a Spotify link that the catalog does not hold" in done.out
    playlist = open_services(Locations.resolve(tmp_path / "empty")).playlists.get("road trip")
    assert playlist.tracks == (TrackEntry(UNKNOWN.uri, "Gone", "Nobody"),)
    only_songs = tmp_path / "songs.txt"
    only_songs.write_text("Band - Song\n")
    assert_refused(run_cli(capsys, tmp_path / "empty", "import", str(only_songs)),
                   f"{only_songs} names 1 song without a Spotify link, such as 'Band - "
                   "Song', and no data to find them in by artist and title yet: run `mpdtui "
                   "ingest PATH` (or `--demo`) first")
    with_data = open_services(Locations.resolve(tmp_path / "empty"))
    assert with_data.playlists.summaries()[0].name == "road trip", "nothing more was saved"


def test_an_import_of_many_songs_to_find_says_it_has_begun() -> None:
    """Songs named without a Spotify link are looked up one by one (seconds for thousands):
    from `SONGS_WORTH_SAYING` of them an import says so before it starts; linked tracks are
    not looked up and do not count."""
    def files(songs: int, linked: int) -> list[PlaylistFile]:
        tracks = [TrackEntry("", f"Title {n}", "Artist") for n in range(songs)]
        tracks += [TrackEntry(f"spotify:track:{n:022d}") for n in range(linked)]
        return [PlaylistFile("many.m3u", "many", tuple(tracks))]

    assert finding_songs(files(SONGS_WORTH_SAYING - 1, linked=500)) is None
    assert finding_songs(files(2000, linked=0)) == (
        "finding 2,000 songs in the catalog by artist and title…")


def test_a_folders_file_of_songs_the_catalog_lacks_is_skipped_and_the_others_saved(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exportify's "Export All" with one playlist of local files the catalog does not hold:
    the whole import was refused (exit 2, nothing saved) for that one file."""
    one, two = catalog_tracks(cache, 1, 2)
    (tmp_path / "all").mkdir()
    (tmp_path / "all" / "gym.csv").write_text(f"Track URI\n{one.uri}\n{two.uri}\n")
    (tmp_path / "all" / "local.m3u").write_text("/music/Nobody - Nothing.mp3\n")
    done = run_cli(capsys, cache, "import", str(tmp_path / "all"))
    assert done.code == 0, done
    assert done.out == f"imported 'gym' from {tmp_path / 'all' / 'gym.csv'}: 2 tracks\n"
    assert done.err == (f"skipped {tmp_path / 'all' / 'local.m3u'} names 1 song without a "
                        "Spotify link, such as 'Nobody - Nothing', and none of them is in the "
                        "catalog by its artist and title: nothing to import\n")
    assert saved_uris(cache, "gym") == [one.uri, two.uri]
    assert_refused(run_cli(capsys, cache, "import", str(tmp_path / "all" / "local.m3u")),
                   "local.m3u names 1 song without a Spotify link")  # alone: nothing to save


def test_a_page_of_the_web_apis_playlist_says_the_tracks_it_does_not_list(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GET /playlists/ID answers the first 100 items and the playlist's `total`: the import
    said "2 tracks" of a playlist of 250, as if that were all of it."""
    one, two = catalog_tracks(cache, 1, 2)
    answer = tmp_path / "playlist.json"
    answer.write_text(json.dumps({"name": "long one", "tracks": {
        "href": "https://api.spotify.com/v1/playlists/x/tracks?offset=0&limit=100",
        "items": [{"track": {"uri": t.uri}} for t in (one, two)], "limit": 100,
        "next": "https://api.spotify.com/v1/playlists/x/tracks?offset=100&limit=100",
        "total": 250}}))
    done = run_cli(capsys, cache, "import", str(answer))
    assert done.out.splitlines() == [
        f"imported 'long one' from {answer}: 2 tracks",
        "  not in the file: 248 more tracks of the playlist (the Web API answers 100 a page; "
        "the pages its `next` links to list them)"]
    assert saved_uris(cache, "long one") == [one.uri, two.uri]
    again = run_cli(capsys, cache, "import", str(answer), "--json", "--name", "as json")
    assert json.loads(again.out)[0]["unlisted"] == 248


def test_artists_featured_after_the_title_without_brackets_are_set_aside(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """"One More Time feat. Romanthony" (a video's or a converter's title) was not found, where
    "One More Time (feat. Romanthony)" was."""
    cache = handmade_cache(tmp_path, {"Jóga": "Jóga ft. Thom Yorke"})
    said, titles = import_tagged(capsys, cache, tmp_path, [
        "Daft Punk - One More Time feat. Romanthony", "Daft Punk - One More Time ft. Romanthony",
        "Björk - Jóga Featuring Thom Yorke", "Daft Punk - Harder Better Faster Stronger Feat"])
    assert titles == ["One More Time", "Jóga ft. Thom Yorke"], said  # one song, one version
    assert "left out 1 repeat of a track" in said
    assert "'Daft Punk - Harder Better Faster Stronger Feat'" in said, "a word, not a feature"


def test_a_short_link_among_track_links_is_said_with_what_to_do(
        cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A phone's spotify.link was "left out 1 line naming no song (a podcast episode, an album
    link)": it may well be a song's."""
    (one,) = catalog_tracks(cache, 7)
    pasted = f"{one.uri}\nhttps://spotify.link/ZbQf5FRJNDb\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(pasted)))
    done = run_cli(capsys, cache, "import", "-", "--name", "pasted")
    assert done.out.splitlines() == [
        "imported 'pasted' from standard input: 1 track",
        "  left out 1 short link (spotify.link), which says nothing of the track without asking "
        "Spotify: 'https://spotify.link/ZbQf5FRJNDb' (open it in a browser, then import the "
        "open.spotify.com link it leads to)"]
