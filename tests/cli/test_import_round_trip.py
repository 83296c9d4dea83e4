"""Playlists other programs wrote, imported, exported to each file format and imported again:
the same tracks in the same order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from hostile_support import run_cli

from mpdtui.data.catalog import Track
from mpdtui.exporting import FILE_FORMATS
from mpdtui.locations import Locations
from mpdtui.services.root import open_services


@pytest.fixture
def cache(small_store: Locations, tmp_path: Path) -> Path:
    shutil.copytree(small_store.root, tmp_path / "cache")
    return tmp_path / "cache"


def other_programs_files(folder: Path, tracks: list[Track]) -> dict[str, list[str]]:
    """Files as a player, a converter, Exportify and Spotify's account data write them, each
    naming `tracks` (some by artist and title alone); the URIs each should give, by name."""
    folder.mkdir()
    songs = [(t.artist_name, t.name, t.duration_ms // 1000) for t in tracks]
    (folder / "rhythmbox.m3u").write_text("#EXTM3U\n" + "".join(
        f"#EXTINF:{s},{title}\n../Music/{artist}/Album/0{n} - {title}.ogg\n"
        for n, (artist, title, s) in enumerate(songs)))
    (folder / "vlc.xspf").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<playlist xmlns="http://xspf.org/ns/0/" '
        'version="1"><title>Playlist</title><trackList>' + "".join(
            f"<track><location>file:///m/{quote(artist)}/{quote(title)}.flac</location>"
            f"<title>{title}</title><creator>{artist}</creator></track>"
            for artist, title, _ in songs) + "</trackList></playlist>")
    (folder / "winamp.pls").write_bytes(("[playlist]\r\n" + "".join(
        f"File{n}=C:\\Music\\{artist} - {title}.mp3\r\nLength{n}={s}\r\n"
        for n, (artist, title, s) in enumerate(songs, 1)) + "Version=2\r\n").encode("cp1252"))
    (folder / "Playlist1.json").write_text(json.dumps({"playlists": [{
        "name": "account data", "items": [{"track": {
            "trackName": t.name, "artistName": t.artist_name, "trackUri": t.uri}}
            for t in reversed(tracks)]}]}))
    (folder / "phone.txt").write_text("".join(
        f"https://open.spotify.com/intl-de/track/{t.uri.rpartition(':')[2]}?si=x\n"
        for t in tracks[1:]))
    uris = [t.uri for t in tracks]
    return {"rhythmbox": uris, "vlc": uris, "winamp": uris,
            "account data": uris[::-1], "phone": uris[1:]}


def test_other_programs_playlists_come_back_whole_from_every_export(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rhythmbox's M3U, VLC's XSPF, Winamp's PLS and Spotify's account data were not read."""
    tracks = open_services(Locations.resolve(cache)).catalog.tracks([5, 3, 8, 1])
    expected = other_programs_files(tmp_path / "files", tracks)
    done = run_cli(capsys, cache, "import", str(tmp_path / "files"))
    assert done.code == 0, done
    playlists = open_services(Locations.resolve(cache)).playlists
    assert {name: playlists.get(name).uris for name in expected} == expected
    for name, uris in expected.items():
        for fmt in FILE_FORMATS:
            out = tmp_path / "out" / f"{name}-{fmt}"
            assert run_cli(capsys, cache, "export", name, "--to", fmt, "--out",
                           f"{out}/").code == 0
            (exported,) = out.iterdir()
            again = run_cli(capsys, cache, "import", str(exported), "--name", f"{name} {fmt}")
            assert again.code == 0, again
            assert playlists.get(f"{name} {fmt}").uris == uris, (name, fmt)
