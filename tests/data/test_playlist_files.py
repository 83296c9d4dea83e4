"""Playlist files read for `mpdtui import`: mpdtui's own exports read back as they were written,
other tools' files (Exportify, players' M3Us, the Web API, the MPD), and files that are not
playlists refused with one line that says what is read."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import orjson
import pytest

from mpdtui.data.playlist_formats import FileTrack
from mpdtui.data.saved_playlists import SavedPlaylist, TrackEntry
from mpdtui.errors import UserError
from mpdtui.exporting import EXTENSIONS, FILE_FORMATS, export_bytes
from mpdtui.importing import parse_playlist, parse_playlists, read_playlist_files

URIS = [f"spotify:track:{letter * 22}" for letter in "ABCD"]
PLAYLIST = SavedPlaylist(7, "Mix: Vol 1 🌴", tuple(
    TrackEntry(uri, f"Song {n}", f"Band {n}", 200_000 + n) for n, uri in enumerate(URIS[:3])),
    created_at=0.0, updated_at=0.0)


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_mpdtuis_own_exports_read_back_as_they_were_written(fmt: str) -> None:
    read = parse_playlist(export_bytes(PLAYLIST, fmt), "x", f"Mix-Vol-1{EXTENSIONS[fmt]}")
    durations = [t.duration_ms for t in PLAYLIST.tracks]
    if fmt == "m3u":  # #EXTINF holds whole seconds
        durations = [round(ms / 1000) * 1000 for ms in durations]
    if fmt == "links":  # links alone: the catalog has the rest
        assert read.tracks == tuple(FileTrack(t.uri) for t in PLAYLIST.tracks)
    else:
        assert read.tracks == tuple(FileTrack(t.uri, t.title, t.artist, ms)
                                    for t, ms in zip(PLAYLIST.tracks, durations, strict=True))
    # links hold no name: the file's name stands in (the CSV's is its `playlist` column)
    assert read.name == ("Mix-Vol-1" if fmt == "links" else PLAYLIST.name)
    assert read.not_tracks == 0


FORMULAS = SavedPlaylist(8, "=SUM(1+1)", (
    TrackEntry(URIS[0], '=HYPERLINK("http://x.example","click")', "@evil", 200_000),
    TrackEntry(URIS[1], "+44 Song", "-M-", 210_000),
    TrackEntry(URIS[2], "\tTabbed", "Plain", 220_000)), created_at=0.0, updated_at=0.0)


def test_a_csv_export_s_cells_a_spreadsheet_would_run_are_text_and_read_back() -> None:
    """A title, an artist or a name starting with =, +, -, @ or a tab was written as it was:
    a spreadsheet opening the export ran it as a formula (=HYPERLINK: a click sends data
    away). Such cells get a leading ', which `mpdtui import` takes off; JSON is unchanged."""
    import csv
    import io

    header, *rows = csv.reader(io.StringIO(export_bytes(FORMULAS, "csv").decode()))
    cells = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(c["title"], c["artist"], c["playlist"]) for c in cells] == [
        ("'=HYPERLINK(\"http://x.example\",\"click\")", "'@evil", "'=SUM(1+1)"),
        ("'+44 Song", "'-M-", "'=SUM(1+1)"), ("'\tTabbed", "Plain", "'=SUM(1+1)")]
    assert [c["uri"] for c in cells] == URIS[:3]
    read = parse_playlist(export_bytes(FORMULAS, "csv"), "x", "mix.csv")
    assert read.name == FORMULAS.name
    assert [(t.title, t.artist) for t in read.tracks] == [  # an import strips spaces and tabs
        (t.title.strip(), t.artist) for t in FORMULAS.tracks]
    document = orjson.loads(export_bytes(FORMULAS, "json"))
    assert [t["title"] for t in document["tracks"]] == [t.title for t in FORMULAS.tracks]


@pytest.mark.parametrize("fmt", FILE_FORMATS)
@pytest.mark.parametrize("suffix", [".m3u8", ".m3u", ".csv", ".json", ".txt", ""])
def test_an_export_written_under_another_formats_suffix_reads_back(fmt: str, suffix: str) -> None:
    """`mpdtui export --to csv --out mix.m3u8` writes a CSV where the name says M3U: read by
    what it holds, its tracks come back (the CSV's lines were read as M3U paths: "names no
    track")."""
    read = parse_playlist(export_bytes(PLAYLIST, fmt), "x", f"mix{suffix}")
    assert [t.uri for t in read.tracks] == [t.uri for t in PLAYLIST.tracks]


def test_exportify_csv_with_local_files_and_episodes() -> None:
    raw = (f'"Track URI","Track Name","Album Name","Artist Name(s)","Duration (ms)"\n'
           f'"{URIS[0]}","Kiss Kiss","Lake","The Car Is On Fire","137826"\n'
           f'"spotify:local:Daft+Punk:Discovery:One+More+Time:320","One More Time","","",""\n'
           f'"spotify:episode:{"E" * 22}","An episode","","A show","100"\n'
           f'"{URIS[1]}","Two, with a comma","","A, B","5"\n').encode()
    read = parse_playlist(raw, "x", "rainy_sunday.csv")
    assert read.name == "rainy sunday"
    assert read.tracks == (
        FileTrack(URIS[0], "Kiss Kiss", "The Car Is On Fire", 137826),
        FileTrack("", "One More Time", "Daft Punk", 320_000),  # found by song in the catalog
        FileTrack(URIS[1], "Two, with a comma", "A, B", 5))
    assert read.not_tracks == 1


def test_spreadsheets_tunemymusic_apple_music_and_a_csv_without_a_header() -> None:
    semicolons = f"Title;Artist;Spotify URL\nSong;Band;https://open.spotify.com/track/{'B' * 22}?si=x\n"
    assert parse_playlist(semicolons.encode(), "x", "a.csv").tracks == (
        FileTrack(URIS[1], "Song", "Band"),)
    tunemymusic = f"Track name,Artist name,Playlist name,Spotify - id\nSong,Band,Gym,{'B' * 22}\n"
    read = parse_playlist(tunemymusic.encode(), "x", "export.csv")
    assert (read.name, read.tracks) == ("Gym", (FileTrack(URIS[1], "Song", "Band"),))
    apple_music = "Name\tArtist\tComposer\tAlbum\r\nSong\tBand\t\tDisc\r\n".encode("utf-16")
    assert parse_playlist(apple_music, "x", "Road Trip.txt").tracks == (
        FileTrack("", "Song", "Band"),)  # found by artist and title, or left out
    headerless = f"1,{URIS[2]},whatever\n2,{URIS[3]},else\n"
    assert [t.uri for t in parse_playlist(headerless.encode(), "x", "b.csv").tracks] == URIS[2:]


def test_a_csv_of_several_playlists_gives_each(tmp_path: Path) -> None:
    """TuneMyMusic writes the playlists chosen to one CSV, a `Playlist name` a row: every
    track had gone to the first playlist's name ("Evening" imported as part of "Morning")."""
    rows = "".join(f"Song {n},Band,{name},{letter * 22}\n" for n, (name, letter) in
                   enumerate([("Morning", "A"), ("Evening", "B"), ("Morning", "C"),
                              ("Evening", "D"), ("Night", "A")]))
    raw = f"Track name,Artist name,Playlist name,Spotify - id\n{rows}".encode()
    read = parse_playlists(raw, "x", "export.csv")
    assert [(p.name, [t.uri for t in p.tracks]) for p in read] == [
        ("Morning", [URIS[0], URIS[2]]), ("Evening", [URIS[1], URIS[3]]), ("Night", [URIS[0]])]
    (tmp_path / "export.csv").write_bytes(raw)
    assert [p.name for p in read_playlist_files(tmp_path / "export.csv").playlists] == [
        "Morning", "Evening", "Night"]
    assert [p.name for p in read_playlist_files(tmp_path).playlists] == [
        "Morning", "Evening", "Night"]  # a folder's (and a zip's) file too


def test_a_players_m3u_names_local_files_by_extinf_or_file_name() -> None:
    m3u = ("#EXTM3U\n#PLAYLIST:Old mix\n"
           "#EXTINF:232,AC/DC - Back in Black\n/music/acdc/01.mp3\n"
           "/music/Queen - Bohemian Rhapsody.flac\n"
           "C:\\Music\\Daft Punk - Around the World.mp3\n"
           "/music/untitled.ogg\n"
           f"#EXTINF:-1,The Band - The Song\nhttps://open.spotify.com/intl-de/track/{'C' * 22}\n")
    read = parse_playlist(m3u.encode("latin-1"), "x", "old.m3u")
    assert read.name == "Old mix"
    assert read.tracks == (FileTrack("", "Back in Black", "AC/DC", 232_000),
                           FileTrack("", "Bohemian Rhapsody", "Queen"),
                           FileTrack("", "Around the World", "Daft Punk"),
                           FileTrack(URIS[2], "The Song", "The Band"))
    assert read.not_tracks == 1  # "untitled" names no artist


def test_a_file_named_by_its_track_number_is_by_the_artist_its_folders_name() -> None:
    """Music libraries file songs as "Artist/Album/01 Title.flac" (iTunes, Picard) or "Artist -
    Album/01. Title.flac": M3Us of such files have no #EXTINF, and "01" is not the artist."""
    m3u = ("/music/Björk/Homogenic/01 - Jóga.flac\n"
           "../Daft Punk - Discovery (2001)/01. One More Time.mp3\n"
           "D:\\Music\\Sigur Rós\\Takk\\1-03 Hoppípolla.flac\n"
           "file:///music/Bj%C3%B6rk/Debut/02%20Human%20Behaviour.mp3\n"
           "/music/Queen/Opera/11 - Queen - Bohemian Rhapsody.mp3\n"
           "/music/Queen/Opera/12 Love of My Life.mp3\n"  # iTunes: two digits, a space
           "/music/Nena/99 Luftballons/05 99 Luftballons.mp3\n"  # the title's own number
           "/music/50 Cent/Get Rich/50 Cent - In Da Club.mp3\n"  # the name's own artist
           "99 Luftballons.mp3\n"  # no folders: no artist
           "/music/Björk/Homogenic/01.flac\n"
           "file://host.mp3\n")  # a URL of no path
    read = parse_playlist(m3u.encode(), "x", "library.m3u")
    assert read.tracks == (FileTrack("", "Jóga", "Björk"),
                           FileTrack("", "One More Time", "Daft Punk"),
                           FileTrack("", "Hoppípolla", "Sigur Rós"),
                           FileTrack("", "Human Behaviour", "Björk"),
                           FileTrack("", "Bohemian Rhapsody", "Queen"),
                           FileTrack("", "Love of My Life", "Queen"),
                           FileTrack("", "99 Luftballons", "Nena"),
                           FileTrack("", "In Da Club", "50 Cent"))
    assert read.not_tracks == 3


def test_links_pasted_one_a_line_in_any_text_encoding() -> None:
    lines = f"https://open.spotify.com/track/{'A' * 22}?si=1\n\n{URIS[1]}\nBand - Song\n"
    for raw in (lines.encode(), codecs.BOM_UTF8 + lines.encode(), lines.encode("utf-16")):
        read = parse_playlist(raw, "x", "")
        assert read.tracks == (FileTrack(URIS[0]), FileTrack(URIS[1]),
                               FileTrack("", "Song", "Band"))
        assert read.name == "imported playlist"


@pytest.mark.parametrize("document", [
    {"name": "mpd", "tracks": [{"pos": 0, "track_uri": URIS[0], "track_name": "Song",
                                "artist_name": "Band", "duration_ms": 1000}]},
    {"info": {}, "playlists": [{"name": "mpd", "tracks": [
        {"track_uri": URIS[0], "track_name": "Song", "artist_name": "Band",
         "duration_ms": 1000}]}]},
    {"name": "mpd", "tracks": {"items": [{"track": {
        "uri": URIS[0], "name": "Song", "artists": [{"name": "Band"}], "duration_ms": 1000}}]}},
], ids=["mpd-playlist", "mpd-slice-of-one", "web-api-playlist"])
def test_json_playlists_of_the_mpd_and_the_web_api(document: object) -> None:
    read = parse_playlist(orjson.dumps(document), "x", "x.json")
    assert (read.name, read.tracks) == ("mpd", (FileTrack(URIS[0], "Song", "Band", 1000),))


def test_a_json_list_of_uris_skips_what_is_no_track() -> None:
    read = parse_playlist(orjson.dumps([URIS[0], 5, None, {"uri": URIS[1]}, "spotify:album:x"]),
                          "x", "list.json")
    assert [t.uri for t in read.tracks] == URIS[:2]
    assert read.not_tracks == 3


def test_a_track_link_without_a_track_id_is_kept_apart_from_lines_naming_no_song() -> None:
    lines = f"spotify:track:nope\n{URIS[0]}\nspotify:episode:{'E' * 22}\n"
    read = parse_playlist(lines.encode(), "x", "mix.m3u")
    assert (read.not_tracks, read.broken_links) == (1, ("spotify:track:nope",))
    csv = f"Track URI,Track Name\nspotify:track:short,Song\n{URIS[1]},Two\n"
    assert parse_playlist(csv.encode(), "x", "mix.csv").broken_links == ("spotify:track:short",)
    document = {"name": "mix", "tracks": [{"uri": URIS[0]}, {"uri": "spotify:track:x"}]}
    read = parse_playlist(orjson.dumps(document), "x", "mix.json")
    assert (read.not_tracks, read.broken_links) == (0, ("spotify:track:x",))


@pytest.mark.parametrize(("raw", "said"), [
    (b"", "names no track (found nothing in it)"),
    (b"just some words\n", "names no track (found 1 line naming no song)"),
    (b"https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=1\n",
     "holds a playlist's link, which names no track: in Spotify's app, select the playlist's "
     "tracks and copy them (ctrl+c), then paste them in its place"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "is not a text file"),
    (b'{"a": 1}', "is JSON but not a playlist"),
    (b'{"name": ', "is not valid JSON"),
    (orjson.dumps({"info": {}, "playlists": [{}, {}]}),
     "holds 2 playlists, an MPD slice: `mpdtui ingest PATH` reads them as training data"),
    (orjson.dumps({"playlists": [{"num_holdouts": 5}, {"num_holdouts": 5}]}),
     "holds 2 playlists, the RecSys Challenge's challenge set: `mpdtui submit"),
])
def test_what_is_no_playlist_is_refused_saying_what_is_read(raw: bytes, said: str) -> None:
    with pytest.raises(UserError, match="^" + "f.txt") as refused:
        parse_playlist(raw, "f.txt", "f.txt")
    assert said in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_folder_and_a_zip_hold_a_playlist_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "exportify"
    folder.mkdir()
    (folder / "b_side.csv").write_text(f"Track URI\n{URIS[1]}\n")
    (folder / "A_side.m3u8").write_text(f"{URIS[0]}\n")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    (folder / "read_me.txt").write_text("What these are\n")
    read = read_playlist_files(folder)
    assert [(p.name, p.source) for p in read.playlists] == [
        ("A side", str(folder / "A_side.m3u8")), ("b side", str(folder / "b_side.csv"))]
    assert read.skipped == [f"{folder / 'read_me.txt'} names no track (found 1 line naming no "
                            "song)"]
    archive = tmp_path / "spotify_playlists.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("spotify_playlists/b_side.csv", f"Track URI\n{URIS[1]}\n")
        zipped.writestr("spotify_playlists/A_side.m3u8", f"{URIS[0]}\n")
        zipped.writestr("__MACOSX/._A_side.m3u8", b"\x00\x05\x16\x07")
    assert [(p.name, p.source) for p in read_playlist_files(archive).playlists] == [
        ("A side", f"{archive}:spotify_playlists/A_side.m3u8"),
        ("b side", f"{archive}:spotify_playlists/b_side.csv")]


def test_a_folder_of_folders_names_them_as_not_read(tmp_path: Path) -> None:
    """Its subfolders' playlists were left unread without a word ("holds no playlist file");
    they are not searched through (the home folder given by mistake), but named."""
    for name in ("rock", "jazz"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "mix.m3u8").write_text(f"{URIS[0]}\n")
    with pytest.raises(UserError) as refused:
        read_playlist_files(tmp_path)
    assert str(refused.value).endswith("holds no playlist file (.m3u8, .m3u, .csv, .json, .txt, .pls, .xspf) "
                                       "of its own, and its folders (jazz, rock) are not read: "
                                       "give one of them")
    assert [p.name for p in read_playlist_files(tmp_path / "jazz").playlists] == ["mix"]


def test_missing_empty_and_damaged_paths_say_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist: give an M3U8, CSV or JSON playlist"):
        read_playlist_files(tmp_path / "nope.csv")
    with pytest.raises(UserError, match="holds no playlist file"):
        read_playlist_files(tmp_path)
    (tmp_path / "list.txt").write_text("nothing\n")
    with pytest.raises(UserError, match=r"holds no playlist \(.*list\.txt names no track .*\): give an M3U8"):
        read_playlist_files(tmp_path)
    damaged = tmp_path / "cut.zip"
    with zipfile.ZipFile(damaged, "w") as zipped:
        zipped.writestr("a.csv", f"Track URI\n{URIS[0]}\n" * 50)
    damaged.write_bytes(damaged.read_bytes()[:-30])  # its directory cut off
    with pytest.raises(UserError, match=r"cut\.zip: a damaged zip .*: download it again"):
        read_playlist_files(damaged)
    noise = tmp_path / "noise.zip"  # was "not a text file: give an M3U8, CSV or JSON..."
    noise.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(UserError, match=r"noise\.zip: a damaged zip \(not a zip file\): "
                                        "download it again, or give the playlist files"):
        read_playlist_files(noise)


def test_a_features_table_on_standard_input_says_to_save_it_first() -> None:
    """More rows than a Spotify playlist holds, laid out as tracks_features.csv is: no
    playlist; `mpdtui features --csv` reads a file."""
    rows = [f"{n:022d},0.5,0.7,5,-6,1,0.05,0.1,0,0.1,0.4,120,200000" for n in range(10_001)]
    raw = "\n".join(["id,danceability,energy,key,loudness,mode,speechiness,acousticness,"
                     "instrumentalness,liveness,valence,tempo,duration_ms", *rows]).encode()
    with pytest.raises(UserError, match=r"^standard input is a table of audio features \(10,001 "
                                        r"rows .*save it as a file, then `mpdtui features "
                                        r"--csv FILE` imports them$"):
        parse_playlist(raw, "standard input", "")
    assert len(parse_playlist(b"\n".join(raw.splitlines()[:10_001]), "x", "x.csv").tracks) \
        == 10_000


def test_a_name_loses_its_control_characters() -> None:
    m3u = f"#EXTM3U\n#PLAYLIST:\x1b]0;night\tdrive\x07\n{URIS[0]}\n".encode()
    assert parse_playlist(m3u, "x", "x.m3u8").name == "]0;night drive"
    assert parse_playlist(m3u[m3u.index(b"spotify"):], "x", "\x1b[2J.txt").name == "[2J"
    assert parse_playlist(URIS[0].encode(), "x", "\x1b.txt").name == "imported playlist"


@pytest.mark.parametrize(("given", "said"), [
    ("https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=1",
     "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=1 is a playlist's link, which "
     "names no track: in Spotify's app, select the playlist's tracks and copy them (ctrl+c), then "
     "paste them into `mpdtui import -` (ctrl+d ends them) or into the app's builder (your own "
     "playlists: `mpdtui import-spotify` imports them all, after `mpdtui auth`)"),
    ("spotify:album:4aawyAB9vmqN3uQ7FjRGTy", "spotify:album:4aawyAB9vmqN3uQ7FjRGTy is an album's "
     "link, which names no track"),
    ("https://open.spotify.com/track/" + "A" * 22, "https://open.spotify.com/track/" + "A" * 22
     + " is a track's link, not a file: paste links into `mpdtui import -`"),
])
def test_a_spotify_link_given_for_a_file_says_what_to_do_with_it(given: str, said: str) -> None:
    """`mpdtui import LINK` or a link in the app's import dialog: not "does not exist"."""
    with pytest.raises(UserError) as refused:
        read_playlist_files(Path(given))
    assert str(refused.value).startswith(said)
