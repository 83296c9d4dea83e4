"""Playlist files other programs write, as they write them: spreadsheets' CSVs (a Mac's line
ends, a quote that never closes), players' M3Us; each is read, or refused in one line that
names the file and the line."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from mpdtui.data.playlist_formats import FileTrack
from mpdtui.errors import UserError
from mpdtui.importing import parse_playlist, parse_playlists, read_playlist_files

URI = f"spotify:track:{'A' * 22}"


@pytest.mark.parametrize("line_end", ["\r", "\r\n", "\n"], ids=["mac", "windows", "unix"])
def test_a_spreadsheets_csv_is_read_whatever_its_line_ends(line_end: str) -> None:
    """Excel's "CSV (Macintosh)" and Numbers end lines with a carriage return alone: the
    import stopped with "unexpected error: new-line character seen in unquoted field"."""
    rows = ["Track Name,Artist Name,Album", "Song A,Band B,Disc", '"Two, Three","Band ""C""",x',
            "Song D,Band E,"]
    read = parse_playlist(line_end.join(rows).encode() + line_end.encode(), "x", "mix.csv")
    assert read.tracks == (FileTrack("", "Song A", "Band B"),
                           FileTrack("", "Two, Three", 'Band "C"'),
                           FileTrack("", "Song D", "Band E"))
    semicolons = line_end.join(["Track URI;Track Name", f"{URI};Song"]).encode()
    assert parse_playlist(semicolons, "x", "mix.csv").tracks == (FileTrack(URI, "Song"),)


@pytest.mark.parametrize("name", ["mix.csv", "mix.txt"])
def test_excels_sep_line_before_the_header_is_read_as_the_delimiter(name: str) -> None:
    """Excel writes "sep=;" first for a spreadsheet of another locale to open the file: it
    was taken for the header, whose columns none is read ("names no track"; a .txt: lines)."""
    raw = f"sep=;\r\nTrack URI;Track Name;Artist Name\r\n{URI};Song, Two;Band\r\n".encode()
    assert parse_playlist(raw, "x", name).tracks == (FileTrack(URI, "Song, Two", "Band"),)
    cut = b'sep=,\nTrack Name,Artist Name\n"Open,Band\n' + b"x,y\n" * 40_000
    with pytest.raises(UserError, match=r"^mix\.csv: line 3 opens a quote"):  # the file's lines
        parse_playlist(cut, "mix.csv", "mix.csv")


def test_a_quote_that_never_closes_is_refused_naming_its_line() -> None:
    """It was "mpdtui: unexpected error: Error: field larger than field limit (131072)"
    (exit 1), and a crash of the app's import dialog."""
    raw = b'Track Name,Artist Name\nSong,Band\n"Open quote,Band\n' + b"x,y\n" * 40_000
    with pytest.raises(UserError) as refused:
        parse_playlist(raw, "mix.csv", "mix.csv")
    assert str(refused.value) == (
        'mix.csv: line 3 opens a quote (") that does not close within 131,072 characters: '
        'close it there (a quote inside a quoted field is written twice, ""), then import the '
        "file again")


SONGS = [("Björk", "Homogenic", "Jóga", 305), ("Daft Punk", "Discovery", "One More Time", 320)]
"""(artist, album, title, seconds) of the songs each player's M3U below names."""


def _m3u(line_end: str, *lines: str) -> str:
    return "".join(f"{line}{line_end}" for line in lines)


PLAYERS_M3US = {
    "vlc": _m3u("\n", "#EXTM3U", *(part for n, (artist, album, title, s) in enumerate(SONGS)
                                   for part in (f"#EXTINF:{s},{artist} - {title}",
                                                "#EXTVLCOPT:network-caching=1000",
                                                f"file:///home/u/Music/{artist}/{album}/"
                                                f"0{n + 1}%20{title}.mp3".replace(" ", "%20")))),
    "foobar2000": "\ufeff" + _m3u("\r\n", *(f"D:\\Music\\{artist}\\{album}\\0{n + 1} - {title}.flac"
                                         for n, (artist, album, title, _) in enumerate(SONGS))),
    "itunes": _m3u("\r", "#EXTM3U", *(part for artist, album, title, s in SONGS for part in (
        f"#EXTINF:{s},{title} - {artist}",  # the title first
        f"/Users/u/Music/iTunes/iTunes Media/Music/{artist}/{album}/01 {title}.m4a"))),
    "rhythmbox": _m3u("\n", "#EXTM3U", *(part for artist, album, title, s in SONGS for part in (
        f"#EXTINF:{s},{title}", f"../Music/{artist}/{album}/01 - {title}.ogg"))),
    "strawberry": _m3u("\n", "#EXTM3U", *(part for artist, album, title, s in SONGS for part in (
        f"#EXTINF:{s},{artist} - {title}", f"/home/u/Music/{artist}/{album}/01 - {title}.flac"))),
    "mpd": _m3u("\n", *(f"{artist}/{album}/0{n + 1} {title}.flac"
                        for n, (artist, album, title, _) in enumerate(SONGS))),
    "escaped-paths": _m3u("\n", *(f"Music/{artist} - {title}.mp3".replace(" ", "%20")
                                  for artist, _, title, _ in SONGS)),
    "no-header-comments": _m3u("\n", "# a road trip", "", *(part for artist, _, title, _ in SONGS
                                                           for part in (
        f"#EXTINF:-1,{artist} - {title}", "", "http://stream.example/song.mp3"))),
}


@pytest.mark.parametrize("player", PLAYERS_M3US)
def test_a_players_m3u_names_its_songs(player: str) -> None:
    """Rhythmbox's #EXTINF holds the title alone and a file's escaped path (%20) named no
    song: "names no track (found 2 lines naming no song)"."""
    text = PLAYERS_M3US[player]
    raw = text.encode("latin-1" if player == "itunes" else "utf-8")  # an old M3U's encoding
    read = parse_playlist(raw, "x", f"{player}.m3u")
    songs = [(t.artist, t.title) for t in read.tracks]
    if player == "itunes":  # "title - artist": the catalog's look-up reads it either way
        songs = [(title, artist) for artist, title in songs]
    assert songs == [(artist, title) for artist, _, title, _ in SONGS]
    assert read.not_tracks == 0


def test_a_csv_whose_columns_are_none_read_says_how_to_head_them_and_that_works() -> None:
    """It said "names no track (found 2 lines naming no song)" and to give a CSV: it is one."""
    rows = "Jóga;Björk;Homogenic;5:05;;1997\n"
    with pytest.raises(UserError) as refused:
        parse_playlist(f"\ufeffTitel;Künstler;Album;Dauer;Hinzugefügt;Jahr\n{rows}".encode(),
                       "mix.csv", "mix.csv")
    assert str(refused.value) == (
        "mix.csv names no track: its first row ('Titel', 'Künstler', 'Album', 'Dauer', "
        "'Hinzugefügt', ...) names no column that is read; head the titles' column Track Name "
        "and the artists' Artist Name (or the tracks' links' Track URI), then import it again")
    headed = f"Track Name;Artist Name;Album;Dauer;Hinzugefügt;Jahr\n{rows}"
    assert parse_playlist(headed.encode(), "x", "mix.csv").tracks == (
        FileTrack("", "Jóga", "Björk"),)


def test_a_csv_of_its_header_row_alone_says_so() -> None:
    """It said "names no track (found nothing in it)", and to give a CSV: it is one."""
    with pytest.raises(UserError) as refused:
        parse_playlist(b'"Track URI","Track Name","Artist Name(s)","Album Name"\r\n',
                       "mix.csv", "mix.csv")
    assert str(refused.value) == "mix.csv holds its header row alone, no track: nothing to import"


OLD_PLAYLIST_ID = "37i9dQZF1DXcBWIGoYBM5M"


@pytest.mark.parametrize(("link", "said"), [
    (f"spotify:user:spotify:playlist:{OLD_PLAYLIST_ID}",
     "a playlist's link, which names no track: in Spotify's app, select the playlist's tracks"),
    (f"https://open.spotify.com/user/spotify/playlist/{OLD_PLAYLIST_ID}?si=1",
     "a playlist's link, which names no track: in Spotify's app, select the playlist's tracks"),
    ("https://spotify.link/ZbQf5FRJNDb",
     "a short link (spotify.link), which says nothing of what it leads to without asking "
     "Spotify: open it in a browser, then import the open.spotify.com link it leads to "
     "(`mpdtui import -`, ctrl+d ends it)"),
], ids=["old-playlist-uri", "old-playlist-link", "short-link"])
def test_a_link_that_names_no_track_says_what_to_do_given_for_a_file_or_in_it(
        link: str, said: str) -> None:
    """A playlist's link as Spotify wrote them before 2018 and a phone's short link were
    "https:/spotify.link/ZbQf5FRJNDb does not exist" (one slash: as a path), and in a file
    "names no track (found 1 line naming no song): give an M3U8, CSV or JSON playlist"."""
    with pytest.raises(UserError) as refused:
        read_playlist_files(Path(link))
    assert str(refused.value).startswith(f"{link} is {said}")
    with pytest.raises(UserError) as refused:
        parse_playlist(f"{link}\n".encode(), "links.txt", "links.txt")
    assert str(refused.value).startswith(f"links.txt holds {said}")


LENGTHS_NO_TRACK_HAS = {"int64-and-more": "99999999999999999999", "5000-digits": "9" * 5000,
                        "superscript-two": "²"}


@pytest.mark.parametrize("length", LENGTHS_NO_TRACK_HAS.values(), ids=LENGTHS_NO_TRACK_HAS)
@pytest.mark.parametrize("fmt", ["m3u", "local", "csv"])
def test_a_length_no_track_has_is_read_as_none(fmt: str, length: str) -> None:
    """A length beyond int64 stopped the import with "unexpected error: OverflowError: Python
    int too large to convert to SQLite INTEGER"; "²" (isdigit, not int) and 5,000 digits with
    a ValueError."""
    if fmt == "m3u" and length == "²":  # not #EXTINF's number: the line is no #EXTINF
        length = "99999999999"  # 3,170 years
    raw = {"m3u": f"#EXTM3U\n#EXTINF:{length},Band - Song\n{URI}\n",
           "local": f"spotify:local:Band:Disc:Song:{length}\n",
           "csv": f"Track URI,Track Name,Artist Name(s),Duration (ms)\n{URI},Song,Band,{length}\n",
           }[fmt]
    (track,) = parse_playlist(raw.encode(), "x", f"mix.{'csv' if fmt == 'csv' else 'txt'}").tracks
    assert (track.artist, track.title, track.duration_ms) == ("Band", "Song", None)


@pytest.mark.parametrize("length", ["18446744073709551615", "true"])
def test_a_json_length_no_track_has_is_read_as_none(length: str) -> None:
    """18446744073709551615 (a uint64, as orjson reads it) was saved until SQLite overflowed."""
    raw = f'[{{"uri": "{URI}", "title": "Song", "artist": "Band", "duration_ms": {length}}}]'
    (track,) = parse_playlist(raw.encode(), "x", "mix.json").tracks
    assert (track.artist, track.title, track.duration_ms) == ("Band", "Song", None)


def test_a_windows_m3u_keeps_its_typographic_quotes_dashes_and_ellipses() -> None:
    """Winamp and foobar2000 write an .m3u in Windows' Latin-1 (cp1252): read as Latin-1,
    "…" (0x85) was a line end (NEL) that cut the #EXTINF in two (the song was lost) and "’"
    (0x92) a control character, which no catalog title holds."""
    m3u = ("#EXTM3U\r\n#EXTINF:200,Beyoncé - Don’t Stop…\r\nC:\\Music\\01.mp3\r\n"
           "#EXTINF:100,Sigur Rós – Hoppípolla\r\nC:\\Music\\02.mp3\r\n")
    read = parse_playlist(m3u.encode("cp1252"), "x", "winamp.m3u")
    assert [(t.artist, t.title) for t in read.tracks] == [("Beyoncé", "Don’t Stop…"),
                                                          ("Sigur Rós", "Hoppípolla")]
    assert read.not_tracks == 0


def test_spotifys_download_of_your_account_data_gives_each_playlist() -> None:
    """Playlist1.json of Spotify's "Download your data" holds every playlist of the account:
    it was refused as "an MPD slice: `mpdtui ingest PATH` reads them" (which refuses it), and
    one playlist alone as "names no track" (its camelCase trackUri was not read)."""
    def track(letter: str, title: str) -> dict[str, object]:
        return {"track": {"trackName": title, "artistName": "Band", "albumName": "Disc",
                          "trackUri": f"spotify:track:{letter * 22}"},
                "episode": None, "localTrack": None, "addedDate": "2023-05-01"}
    episode = {"track": None, "episode": {"episodeName": "Ep 1", "showName": "Show",
                                          "episodeUri": f"spotify:episode:{'E' * 22}"},
               "localTrack": None, "addedDate": "2023-05-01"}
    local = {"track": None, "episode": None, "localTrack": {"uri": "spotify:local:Nobody:Disc:"
                                                                   "Gone:200"}}
    export = {"playlists": [
        {"name": "Road trip", "lastModifiedDate": "2023-05-01", "collaborators": [],
         "items": [track("A", "One"), episode, track("B", "Two"), local],
         "description": None, "numberOfFollowers": 0},
        {"name": "Empty", "lastModifiedDate": "2023-05-01", "items": []},
        {"name": "Gym", "lastModifiedDate": "2023-05-01", "items": [track("C", "Three")]}]}
    read = parse_playlists(orjson.dumps(export), "x", "Playlist1.json")
    assert [(p.name, p.tracks, p.not_tracks) for p in read] == [
        ("Road trip", (FileTrack(f"spotify:track:{'A' * 22}", "One", "Band"),
                       FileTrack(f"spotify:track:{'B' * 22}", "Two", "Band"),
                       FileTrack("", "Gone", "Nobody", 200_000)), 1),
        ("Gym", (FileTrack(f"spotify:track:{'C' * 22}", "Three", "Band"),), 0)]
    export["playlists"] = export["playlists"][-1:]
    assert parse_playlists(orjson.dumps(export), "x", "Playlist1.json")[0].tracks == (
        FileTrack(f"spotify:track:{'C' * 22}", "Three", "Band"),)


WINAMP_PLS = ("[playlist]\r\n"
              "File1=C:\\Music\\Björk\\Homogenic\\01 Jóga.mp3\r\nTitle1=Björk - Jóga\r\n"
              "Length1=305\r\n"
              "File2=C:\\Music\\Daft Punk\\Discovery\\01 One More Time.mp3\r\nLength2=-1\r\n"
              f"File3=https://open.spotify.com/track/{'A' * 22}\r\nTitle3=Band - Song\r\n"
              "Length3=200\r\nNumberOfEntries=3\r\nVersion=2\r\n")
VLC_XSPF = """<?xml version="1.0" encoding="UTF-8"?>
<playlist xmlns="http://xspf.org/ns/0/" xmlns:vlc="http://www.videolan.org/vlc/playlist/ns/0/" version="1">
\t<title>Playlist</title>
\t<trackList>
\t\t<track>
\t\t\t<location>file:///home/u/Music/Bj%C3%B6rk/Homogenic/01%20J%C3%B3ga.flac</location>
\t\t\t<title>Jóga</title><creator>Björk</creator><album>Homogenic</album>
\t\t\t<duration>305000</duration>
\t\t\t<extension application="http://www.videolan.org/vlc/playlist/0"><vlc:id>0</vlc:id></extension>
\t\t</track>
\t\t<track>
\t\t\t<location>file:///home/u/Music/Daft%20Punk/Discovery/01%20One%20More%20Time.flac</location>
\t\t</track>
\t</trackList>
</playlist>
"""


@pytest.mark.parametrize(("file_name", "text"), [("winamp.pls", WINAMP_PLS),
                                                 ("vlc.xspf", VLC_XSPF)], ids=["pls", "xspf"])
def test_pls_and_xspf_playlists_of_players_name_their_songs(tmp_path: Path, file_name: str,
                                                           text: str) -> None:
    """VLC saves XSPF by default, Winamp and radios PLS: the PLS was "not valid JSON" (its
    "[playlist]" read as a JSON list), the XSPF "names no track", and a folder skipped both."""
    read = parse_playlist(text.encode(), "x", file_name)
    assert [(t.artist, t.title) for t in read.tracks][:2] == [("Björk", "Jóga"),
                                                              ("Daft Punk", "One More Time")]
    assert read.tracks[0].duration_ms == 305_000
    assert read.name == file_name.split(".")[0]  # VLC's "Playlist" names no playlist
    if file_name.endswith(".pls"):
        assert read.tracks[2] == FileTrack(f"spotify:track:{'A' * 22}", "Song", "Band", 200_000)
    (tmp_path / file_name).write_text(text)
    assert [p.name for p in read_playlist_files(tmp_path).playlists] == [read.name]


def test_an_xspf_that_is_no_xml_or_expands_without_end_is_refused() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY a{n} "{("&a;" if n == 1 else f"&a{n - 1};") * 10}">'
                      for n in range(1, 10))
            + ']><playlist xmlns="http://xspf.org/ns/0/"><title>&a9;</title></playlist>')
    for text, said in ((bomb, "limit on input amplification factor"),
                       ('<playlist xmlns="http://xspf.org/ns/0/"><trackList><track>',
                        "no element found")):
        with pytest.raises(UserError) as refused:
            parse_playlist(text.encode(), "mix.xspf", "mix.xspf")
        assert str(refused.value).startswith(f"mix.xspf is not valid XSPF ({said}")


@pytest.mark.parametrize(("text", "said"), [
    ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple Computer//DTD '
     'PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">'
     "<dict><key>Major Version</key><integer>1</integer></dict></plist>\n",
     "Road Trip.xml is an iTunes or Music library's XML, which is not read: in Music, select "
     "the playlist, then File > Library > Export Playlist... as M3U or Unicode Text, and import "
     "that file"),
    ("<!DOCTYPE html><html><body>My playlist</body></html>",
     "Road Trip.xml is XML or HTML but not an XSPF playlist: give an M3U8, CSV or JSON"),
], ids=["itunes-plist", "html"])
def test_xml_that_is_no_xspf_says_what_it_is(text: str, said: str) -> None:
    """Both said "names no track (found 3 lines naming no song)", the plist without the way
    Music exports a playlist that is read."""
    with pytest.raises(UserError) as refused:
        parse_playlist(text.encode(), "Road Trip.xml", "Road Trip.xml")
    assert str(refused.value).startswith(said)
    links = f"<https://open.spotify.com/track/{'A' * 22}>\nspotify:track:{'B' * 22}\n"
    assert [t.uri for t in parse_playlist(links.encode(), "x", "links.txt").tracks] == [
        f"spotify:track:{'A' * 22}", f"spotify:track:{'B' * 22}"], "<https://...> is no XML"


def test_music_apps_unicode_text_export_with_its_carriage_returns() -> None:
    """Music's File > Library > Export Playlist... as Unicode Text: UTF-16, tabs, and lines
    ended by a carriage return alone, which stopped the import with a csv.Error."""
    rows = ["Name\tArtist\tComposer\tAlbum\tGenre\tSize\tTime\tYear\tLocation",
            "Jóga\tBjörk\t\tHomogenic\tPop\t9\t305\t1997\tMacintosh HD:Users:u:Music:01 Jóga.m4a",
            "One More Time\tDaft Punk\t\tDiscovery\tHouse\t9\t320\t2001\t"]
    read = parse_playlist(("\r".join(rows) + "\r").encode("utf-16"), "x", "Road Trip.txt")
    assert (read.name, read.tracks) == ("Road Trip", (FileTrack("", "Jóga", "Björk"),
                                                      FileTrack("", "One More Time", "Daft Punk")))


def test_links_in_a_chats_lines_are_read() -> None:
    """A chat's export (WhatsApp's lines start "[05/12/2023, 12:01:03]") was refused as "not
    valid JSON", and a link among other words was not read."""
    chat = ("[05/12/2023, 12:01:03] Bob: you have to hear this "
            f"https://open.spotify.com/track/{'A' * 22}?si=abc !!\n"
            f"[05/12/2023, 12:02:10] Ann: and <https://open.spotify.com/intl-de/track/{'B' * 22}>\n"
            "[05/12/2023, 12:03:00] Bob: lol\n"
            f"[05/12/2023, 12:04:00] Ann: not this one https://open.spotify.com/track/{'C' * 23}\n")
    read = parse_playlist(chat.encode(), "x", "WhatsApp Chat with Bob.txt")
    assert [t.uri for t in read.tracks] == [f"spotify:track:{'A' * 22}",
                                            f"spotify:track:{'B' * 22}"]
    assert read.not_tracks == 2
    with pytest.raises(UserError, match="is not valid JSON"):  # named .json: JSON it is
        parse_playlist(chat.encode(), "chat.json", "chat.json")


def test_an_embedded_players_link_is_a_tracks() -> None:
    """Share > Embed track gives an iframe of open.spotify.com/embed/track/ID: it named no
    song."""
    embeds = (f"https://open.spotify.com/embed/track/{'A' * 22}?utm_source=generator\n"
              f'<iframe style="border-radius:12px" src="https://open.spotify.com/embed/track/'
              f'{"B" * 22}?utm_source=generator" width="100%" height="152"></iframe>\n')
    assert [t.uri for t in parse_playlist(embeds.encode(), "x", "embeds.txt").tracks] == [
        f"spotify:track:{'A' * 22}", f"spotify:track:{'B' * 22}"]


def test_the_account_datas_library_is_the_liked_songs() -> None:
    """YourLibrary.json, beside Playlist1.json in the account data, was imported as
    "YourLibrary"."""
    library = {"tracks": [{"artist": "Band", "album": "Disc", "track": "Song",
                           "uri": f"spotify:track:{'A' * 22}"}],
               "albums": [], "shows": [], "episodes": [], "bannedTracks": [], "artists": []}
    read = parse_playlist(orjson.dumps(library), "x", "YourLibrary.json")
    assert (read.name, [t.uri for t in read.tracks]) == ("Liked Songs", [URI])
