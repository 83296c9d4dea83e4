"""Exports of saved playlists (Spotify in chunks of 100, resumable; M3U8, JSON, CSV files) and
the import of the user's own Spotify playlists, against the loopback fake."""

# ruff: noqa: F811 (fixtures imported from export_support are parameters here)
from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from export_support import FAST, URIS, locations, playlists  # noqa: F401 (fixtures)
from fake_spotify import DROP, PASS, FakeSpotify, Fault
from fifo_support import PipeReader

from mpdtui import config
from mpdtui.data.mpd_validation import parse_slice
from mpdtui.data.saved_playlists import SavedPlaylists, TrackEntry
from mpdtui.errors import UserError
from mpdtui.exporting import FILE_FORMATS, csv_text, export_file, m3u8_text
from mpdtui.locations import Locations
from mpdtui.pipeline.display import playlist_length
from mpdtui.spotify import auth
from mpdtui.spotify.client import open_client
from mpdtui.spotify.errors import SpotifyError
from mpdtui.spotify.export import export_to_spotify, import_own_playlists


def added_uris(fake: FakeSpotify, playlist_id: str) -> list[str]:
    return [item["uri"] for item in fake.state.playlists[playlist_id]["items"]]


def test_export_to_spotify_in_chunks_of_100(fake: FakeSpotify, locations: Locations,
                                            playlists: SavedPlaylists) -> None:
    result = export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))

    created = fake.calls("me/playlists", "POST")
    assert len(created) == 1 and created[0].body["name"] == "Long drive"
    assert created[0].body["public"] is False
    adds = fake.calls(f"playlists/{result.spotify_id}/items", "POST")
    assert [len(call.body["uris"]) for call in adds] == [100, 100, 50]
    assert added_uris(fake, result.spotify_id) == URIS
    assert result.url == f"https://open.spotify.com/playlist/{result.spotify_id}"
    assert (result.added, result.resumed) == (250, False)
    assert playlists.export_state("Long drive").finished
    assert not fake.calls("users/fake-user/playlists")  # never the old endpoint


def test_a_failed_export_keeps_the_playlist_and_resumes(fake: FakeSpotify, locations: Locations,
                                                        playlists: SavedPlaylists) -> None:
    # first chunk: a 500 and a dropped connection, then it lands; then Spotify stays down
    fake.fail_next("POST playlists/*/items", Fault(500), DROP, PASS,
                   *[Fault(503)] * FAST.max_attempts)
    with pytest.raises(SpotifyError) as caught:
        export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))
    message = str(caught.value)
    assert "stopped after 100 of 250 tracks" in message
    assert "local playlist is unchanged" in message and "run the same export again" in message
    assert playlists.get("Long drive").uris == URIS
    state = playlists.export_state("Long drive")
    assert state is not None and (state.added, state.finished) == (100, False)

    result = export_to_spotify(playlists, "Long drive", open_client(locations, policy=FAST))
    assert result.resumed and result.spotify_id == state.spotify_id
    assert len(fake.calls("me/playlists", "POST")) == 1  # no second playlist
    assert added_uris(fake, result.spotify_id) == URIS


def test_changed_or_finished_playlists_export_anew(fake: FakeSpotify, locations: Locations,
                                                   playlists: SavedPlaylists) -> None:
    client = open_client(locations, policy=FAST)
    first = export_to_spotify(playlists, "Long drive", client)
    second = export_to_spotify(playlists, "Long drive", client)
    assert second.spotify_id != first.spotify_id and not second.resumed
    playlists.set_tracks("Long drive", URIS[:3])
    third = export_to_spotify(playlists, "Long drive", client)
    assert added_uris(fake, third.spotify_id) == URIS[:3]


ENTRIES = [TrackEntry("spotify:track:aaaaaaaaaaaaaaaaaaaaaa", "Blue, Green", "Ana\nDo", 201_600),
           TrackEntry("spotify:track:bbbbbbbbbbbbbbbbbbbbbb", "Only title"),
           TrackEntry("spotify:track:cccccccccccccccccccccc")]


def test_m3u8_has_extinf_duration_and_artist_title(tmp_path: Path) -> None:
    with SavedPlaylists.open(Locations.resolve(tmp_path)) as store:
        playlist = store.create("Mix ü", ENTRIES)
    assert m3u8_text(playlist) == (
        "#EXTM3U\n#PLAYLIST:Mix ü\n"
        "#EXTINF:202,Ana Do - Blue, Green\nspotify:track:aaaaaaaaaaaaaaaaaaaaaa\n"
        "#EXTINF:-1,Only title\nspotify:track:bbbbbbbbbbbbbbbbbbbbbb\n"
        "#EXTINF:-1,spotify:track:cccccccccccccccccccccc\nspotify:track:cccccccccccccccccccccc\n")
    rows = list(csv.reader(io.StringIO(csv_text(playlist))))
    assert rows[0] == ["position", "uri", "artist", "title", "duration_ms", "tempo", "key",
                       "camelot", "energy", "playlist"]
    assert rows[1] == ["1", ENTRIES[0].uri, "Ana\nDo", "Blue, Green", "201600", "", "", "", "",
                       "Mix ü"]
    assert rows[3][4] == ""


def test_m3u8_lines_keep_no_control_characters_from_the_data(tmp_path: Path) -> None:
    """A title with a terminal's escape sequence was written as it was: `cat mix.m3u8` set the
    terminal's title; a carriage return split the line for a player reading it."""
    entry = TrackEntry("spotify:track:aaaaaaaaaaaaaaaaaaaaaa", "\x1b]0;pwned\x07Song\r\x1b[2J",
                       "Ana\tDo", 201_600)
    with SavedPlaylists.open(Locations.resolve(tmp_path)) as store:
        playlist = store.create("Mix", [entry])
    assert m3u8_text(playlist).splitlines()[2] == "#EXTINF:202,Ana Do - ]0;pwned Song [2J"


def export_args(name: str, to: str, out: Path | None = None) -> argparse.Namespace:
    return argparse.Namespace(name=name, to=to, out=str(out) if out else None, public=False)


def test_cli_export_to_files(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    from mpdtui.commands.spotify import run_export

    locations = Locations.resolve(tmp_path / "cache")
    with SavedPlaylists.open(locations.ensure()) as store:
        store.create("Mix: Vol 1", ENTRIES)
    assert run_export(export_args("Mix: Vol 1", "json", tmp_path / "out.json"), locations) == 0
    document = json.loads((tmp_path / "out.json").read_text())
    assert document["format"] == "mpdtui-playlist" and document["version"] == 1
    assert document["tracks"][0] == {"uri": ENTRIES[0].uri, "artist": "Ana\nDo",
                                     "title": "Blue, Green", "duration_ms": 201_600,
                                     "audio": None}  # no features known
    monkeypatch.chdir(tmp_path)  # never the current directory: the export folder
    config.update(locations, export_dir=str(tmp_path / "exports" / "new"))
    assert run_export(export_args("Mix: Vol 1", "m3u"), locations) == 0
    written = tmp_path / "exports" / "new" / "Mix-Vol-1.m3u8"
    assert written.read_text().startswith("#EXTM3U\n") and not (tmp_path / written.name).exists()
    assert f"wrote 3 tracks of 'Mix: Vol 1' to {written}" in capsys.readouterr().out
    with pytest.raises(UserError, match="no saved playlist named 'Nope'"):
        run_export(export_args("Nope", "csv"), locations)
    with SavedPlaylists.open(locations) as store, pytest.raises(
            UserError, match=r"out.json is a file, not a folder: give another path to write x.csv"):
        export_file(store.get("Mix: Vol 1"), "csv",
                    tmp_path / "out.json" / "sub" / "x.csv")  # a file where a folder should be



def test_cli_export_to_m3u8_is_the_m3u_export(tmp_path: Path) -> None:
    """`--to m3u8` (the files' suffix; any case) was refused as an invalid choice."""
    from mpdtui.cli import main

    cache = ["--cache-dir", str(tmp_path / "cache")]
    with SavedPlaylists.open(Locations.resolve(tmp_path / "cache").ensure()) as store:
        store.create("Mix", ENTRIES)
    for given in ("m3u8", "M3U8", "m3u"):
        out = tmp_path / f"{given}.m3u8"
        assert main(["export", "Mix", "--to", given, "--out", str(out), *cache]) == 0
        assert out.read_text().startswith("#EXTM3U\n")

LONG_NAME = " ".join(["the songs we played all summer long on the way to the lake and back"] * 2)


def test_cli_playlists_names_them_for_export_and_order(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mpdtui.cli import main

    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert main(["playlists", *cache]) == 0
    assert capsys.readouterr().out == (
        "no saved playlists yet: build one in the app (`mpdtui`) and save it with ctrl+s, "
        "save suggestions with `mpdtui suggest --save 'rainy sunday'`, or import yours with "
        "`mpdtui import-spotify` or from files with `mpdtui import FILE`\n")
    with SavedPlaylists.open(Locations.resolve(tmp_path / "cache")) as store:
        store.create("Mix: Vol 1", ENTRIES)
        store.create("\x1b[31mred[/] night", ENTRIES[:1])  # a name is shown as text
        store.create(LONG_NAME, ENTRIES[:2])
    assert main(["playlists", *cache]) == 0
    out = capsys.readouterr().out
    assert any(LONG_NAME in line and " 2 " in line for line in out.splitlines())  # a pipe: whole
    assert "\x1b" not in out and "\\x1b[31mred[/] night" in out and "Mix: Vol 1" in out
    assert out.index("red[/] night") < out.index("Mix: Vol 1")  # the most recent first
    assert main(["playlists", "--json", *cache]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(p["name"], p["tracks"], p["origin"]) for p in listed] == [
        (LONG_NAME, 2, None), ("\x1b[31mred[/] night", 1, None), ("Mix: Vol 1", 3, None)]
    assert listed[0]["changed"].startswith(str(time.localtime().tm_year))
    assert main(["export", listed[2]["name"], "--to", "csv", "--out",
                 str(tmp_path / "mix.csv"), *cache]) == 0  # a listed name is one export takes


def test_cli_playlists_name_shows_its_tracks(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from mpdtui.cli import main

    cache = ["--cache-dir", str(tmp_path / "cache")]
    with SavedPlaylists.open(Locations.resolve(tmp_path / "cache").ensure()) as store:
        store.create("Mix: Vol 1", ENTRIES)
    assert main(["playlists", "Mix: Vol 1", *cache]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = next(line for line in lines if ENTRIES[0].uri in line)  # a pipe: every line whole
    assert "Blue, Green" in first and "Ana\\x0aDo" in first and "3:22" in first
    assert lines[2].split() == ["#", "track", "artist", "time", "uri"]  # no features: no BPM
    assert any(ENTRIES[2].uri in line for line in lines)  # a track known by its URI alone
    assert lines[-1] == "3 tracks · 3:22"
    assert main(["playlists", "Mix:", "Vol", "1", "--json", *cache]) == 0  # unquoted, as typed
    document = json.loads(capsys.readouterr().out)
    assert [t["uri"] for t in document["tracks"]] == [e.uri for e in ENTRIES]
    assert document["name"] == "Mix: Vol 1" and document["changed"].startswith(
        str(time.localtime().tm_year))
    assert main(["playlists", "Mix", *cache]) == 2
    assert "no saved playlist named 'Mix'; saved: 'Mix: Vol 1'" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_cli_export_out_dash_writes_the_file_to_stdout(
        fmt: str, tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from mpdtui.cli import main

    cache = ["--cache-dir", str(tmp_path / "cache")]
    with SavedPlaylists.open(Locations.resolve(tmp_path / "cache").ensure()) as store:
        store.create("Mix: Vol 1", [*ENTRIES, TrackEntry(ENTRIES[0].uri, "\x1b[2Jbad", "x", 1)])
    assert main(["export", "Mix: Vol 1", "--to", fmt, "--out", str(tmp_path / "f"), *cache]) == 0
    capfdbinary.readouterr()
    assert main(["export", "Mix:", "Vol", "1", "--to", fmt, "--out", "-", *cache]) == 0  # unquoted
    assert capfdbinary.readouterr().out == (tmp_path / "f").read_bytes()  # the file, no more
    assert not (Path.cwd() / "-").exists()
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # a terminal: text, never acted on
    assert main(["export", "Mix: Vol 1", "--to", fmt, "--out", "-", *cache]) == 0
    shown = capfdbinary.readouterr().out
    assert b"\x1b" not in shown
    if fmt == "m3u":  # its lines keep no control character, in a file too
        assert b"x - [2Jbad" in shown
    else:
        assert fmt == "links" or b"\\x1b[2Jbad" in shown or b"\\u001b[2Jbad" in shown


@pytest.mark.parametrize(("ms", "shown"), [
    (202_000, "3:22"), (3_599_400, "59:59"), (3_600_000, "1 h 00 min"),
    (3_600_000 + 5 * 60_000 + 31_000, "1 h 06 min"), (898_612_000, "249 h 37 min"),
    (4_000 * 3_600_000, "4,000 h 00 min")])
def test_a_playlist_s_length_reads_in_hours_from_an_hour_on(ms: int, shown: str) -> None:
    """Long playlists' totals: "249 h 37 min", not a clock's "249:36:52"."""
    assert playlist_length(ms) == shown


def test_cli_export_out_a_pipe_writes_through_it_and_says_so_beside(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--out` a device or pipe (/dev/stdout, `>(gzip > x)`) had the rename of an atomic write
    put a file in its place (as root, /dev/full became a playlist)."""
    from mpdtui.commands.spotify import run_export

    locations = Locations.resolve(tmp_path / "cache")
    with SavedPlaylists.open(locations.ensure()) as store:
        playlist = store.create("Mix: Vol 1", ENTRIES)
    pipe = PipeReader(tmp_path / "pipe")
    assert run_export(export_args("Mix: Vol 1", "m3u", pipe.path), locations) == 0
    assert pipe.read().decode() == m3u8_text(playlist)
    said = capsys.readouterr()
    assert said.out == "" and said.err == f"wrote 3 tracks of 'Mix: Vol 1' to {pipe.path}\n"


def test_cli_export_out_a_link_writes_the_file_it_links_to_and_keeps_the_link(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--out /dev/stdout > mix.m3u8`: /dev/stdout is a link to the file the shell opened
    (empty); the atomic write's rename put its file in place of the link (as root, /dev/stdout
    became a playlist for every later program), and the shell's file kept only the line said.
    Any link to a file is written through: the file it names gets the playlist."""
    from mpdtui.commands.spotify import run_export

    locations = Locations.resolve(tmp_path / "cache")
    with SavedPlaylists.open(locations.ensure()) as store:
        playlist = store.create("Mix: Vol 1", ENTRIES)
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "mix.m3u8"
    target.write_bytes(b"")  # as `> mix.m3u8` leaves it
    link = tmp_path / "stdout"
    link.symlink_to(target)
    assert run_export(export_args("Mix: Vol 1", "m3u", link), locations) == 0
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text() == m3u8_text(playlist)
    assert not [p for p in tmp_path.iterdir() if p.name not in ("cache", "shared", "stdout")]


def test_cli_export_out_a_folder_writes_into_it_and_never_into_the_cache(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mpdtui.commands.spotify import run_export

    locations = Locations.resolve(tmp_path / "cache")
    with SavedPlaylists.open(locations.ensure()) as store:
        store.create("Mix: Vol 1", ENTRIES)
    (tmp_path / "mine").mkdir()
    assert run_export(export_args("Mix: Vol 1", "csv", tmp_path / "mine"), locations) == 0
    assert (tmp_path / "mine" / "Mix-Vol-1.csv").read_text().startswith("position,uri,")
    saved = locations.playlists_db.read_bytes()
    for out in (locations.playlists_db, locations.root, locations.root / "new.json"):
        with pytest.raises(UserError, match="is in the cache dir, whose files mpdtui manages"):
            run_export(export_args("Mix: Vol 1", "json", out), locations)
    assert locations.playlists_db.read_bytes() == saved and not (locations.root / "new.json").exists()
    config.update(locations, export_dir=str(locations.root / "exports"))  # inside it: allowed
    assert run_export(export_args("Mix: Vol 1", "json"), locations) == 0
    assert (locations.root / "exports" / "Mix-Vol-1.json").exists()


def test_cli_export_out_ending_in_a_slash_is_a_folder_made_for_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--out exports/` for a folder not there yet wrote a file named `exports`."""
    from mpdtui.commands.spotify import run_export

    locations = Locations.resolve(tmp_path / "cache")
    with SavedPlaylists.open(locations.ensure()) as store:
        store.create("Mix: Vol 1", ENTRIES)
    out = argparse.Namespace(name="Mix: Vol 1", to="m3u", out=f"{tmp_path}/new/exports/",
                             public=False)
    assert run_export(out, locations) == 0
    written = tmp_path / "new" / "exports" / "Mix-Vol-1.m3u8"
    assert written.read_text().startswith("#EXTM3U")
    assert capsys.readouterr().out.strip().endswith(f"to {written}")


def test_cli_export_out_in_a_home_there_is_not_or_a_symlink_loop_names_it(tmp_path: Path) -> None:
    """pathlib raised RuntimeError for `~user` of a user there is not, and for a loop."""
    from mpdtui.commands.spotify import run_export

    locations = Locations.resolve(tmp_path / "cache")
    with SavedPlaylists.open(locations.ensure()) as store:
        store.create("Mix", ENTRIES)
    for out in ("~mpdtui-no-such-user/x.m3u", "~mpdtui-no-such-user/"):
        args = argparse.Namespace(name="Mix", to="m3u", out=out, public=False)
        with pytest.raises(UserError, match=r"^~mpdtui-no-such-user/.*: ~mpdtui-no-such-user "
                                            r"names no home folder .*: give the full path$"):
            run_export(args, locations)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")  # pathlib: RuntimeError too
    for out in (tmp_path / "loop", tmp_path / "loop" / "x.m3u"):
        args = argparse.Namespace(name="Mix", to="m3u", out=str(out), public=False)
        with pytest.raises(UserError, match="goes through a symlink loop"):
            run_export(args, locations)


def test_playlists_whose_names_make_one_file_name_export_to_files_of_their_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mpdtui.commands.spotify import run_export

    locations = Locations.resolve(tmp_path / "cache")
    names = ["Road trip", "road trip!", "Road trip (2)", "ROAD TRIP?", "Road trip!"]
    with SavedPlaylists.open(locations.ensure()) as store:
        for count, name in enumerate(names, start=1):
            store.create(name, ENTRIES[:1] * count)
    monkeypatch.chdir(tmp_path)
    config.update(locations, export_dir=str(tmp_path / "exports"))
    for name in [*names, *names]:  # the second round replaces each playlist's own file
        assert run_export(export_args(name, "m3u"), locations) == 0
    files = {path.name: path.read_text() for path in (tmp_path / "exports").iterdir()}
    assert sorted(files) == ["ROAD-TRIP (3).m3u8", "Road-trip (4).m3u8", "Road-trip-2.m3u8",
                             "Road-trip.m3u8", "road-trip (2).m3u8"]  # one name but for case
    assert "#PLAYLIST:Road trip\n" in files["Road-trip.m3u8"]
    assert "#PLAYLIST:road trip!\n" in files["road-trip (2).m3u8"]
    assert "#PLAYLIST:Road trip (2)\n" in files["Road-trip-2.m3u8"]  # a name never makes " (2)"
    assert "#PLAYLIST:ROAD TRIP?\n" in files["ROAD-TRIP (3).m3u8"]
    assert "#PLAYLIST:Road trip!\n" in files["Road-trip (4).m3u8"]


def test_a_long_name_exports_to_a_file_name_the_file_system_takes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """255 bytes is ext4's limit: 100 CJK characters are 300 bytes in UTF-8."""
    from mpdtui.commands.spotify import run_export

    locations = Locations.resolve(tmp_path / "cache")
    names = ["夜" * 100, "夜" * 99 + "!", "x" * 300 + "é"]  # the first two: one cut-short stem
    with SavedPlaylists.open(locations.ensure()) as store:
        for count, name in enumerate(names, start=1):
            store.create(name, ENTRIES[:1] * count)
    monkeypatch.chdir(tmp_path)
    config.update(locations, export_dir=str(tmp_path / "exports"))
    for name in names:
        for fmt in ("m3u", "csv"):
            assert run_export(export_args(name, fmt), locations) == 0
    files = sorted((tmp_path / "exports").iterdir())
    assert [len(path.name.encode()) <= 130 for path in files] == [True] * 6
    stems = sorted({path.stem for path in files})
    assert stems == ["x" * 120, "夜" * 40, "夜" * 40 + " (2)"]
    assert "#PLAYLIST:" + names[1] in (tmp_path / "exports" / ("夜" * 40 + " (2).m3u8")).read_text()


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_an_export_replaces_its_earlier_export_but_never_a_users_own_file(
        tmp_path: Path, fmt: str) -> None:
    with SavedPlaylists.open(Locations.resolve(tmp_path / "cache").ensure()) as store:
        first = store.create("Mix", ENTRIES[:1])
        longer = store.create("Mix 2", ENTRIES)
        out = tmp_path / f"mix.{fmt}"
        export_file(first, fmt, out)
        export_file(longer, fmt, out)  # exporting again after an edit: replaced
        assert ENTRIES[2].uri.rpartition(":")[2] in out.read_text()
        unnamed = tmp_path / "mix"  # an ending names one format (`mix.csv`: CSV alone)
        for other_format in FILE_FORMATS:  # any earlier export, whatever its format
            export_file(first, other_format, unnamed)
            export_file(longer, fmt, unnamed)
        (tmp_path / "empty").touch()
        export_file(longer, fmt, tmp_path / "empty")  # nothing in it to lose
        users_files = {
            "notes": "my notes\n",
            "vlc.m3u8": "#EXTM3U\n#PLAYLIST:Mine\n#EXTINF:200,A - B\n/home/me/music/b.flac\n",
            "other.json": '{"format": "something-else", "tracks": []}',
            "other.csv": "title,artist\nB,A\n",
            "bytes": "\udcff\udcfe",
        }
        for name, text in users_files.items():
            mine = tmp_path / name
            mine.write_bytes(text.encode("utf-8", errors="surrogateescape"))
            with pytest.raises(UserError, match=(
                    f"{mine} already exists and is not a playlist mpdtui exported: move or "
                    "rename it, or export to another file")):
                export_file(longer, fmt, mine)
            assert mine.read_bytes() == text.encode("utf-8", errors="surrogateescape")


def test_an_export_to_a_file_named_as_another_format_is_refused_before_it_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--to json --out mix.m3u` wrote JSON into mix.m3u, which a player then read as M3U."""
    from mpdtui.cli import main

    cache = ["--cache-dir", str(tmp_path / "cache")]
    with SavedPlaylists.open(Locations.resolve(tmp_path / "cache").ensure()) as store:
        store.create("Mix", ENTRIES)
    assert main(["export", "Mix", "--to", "json", "--out", str(tmp_path / "mix.m3u"), *cache]) == 2
    assert capsys.readouterr().err == (
        "mpdtui: mix.m3u ends in .m3u, but --to json writes JSON: give --out a name ending in "
        ".json, or --to m3u to write an M3U8 playlist\n")
    assert not (tmp_path / "mix.m3u").exists()
    for advised in (["--to", "json", "--out", str(tmp_path / "mix.json")],
                    ["--to", "m3u", "--out", str(tmp_path / "mix.m3u")]):
        assert main(["export", "Mix", *advised, *cache]) == 0
    assert (tmp_path / "mix.m3u").read_text().startswith("#EXTM3U\n")
    assert main(["export", "Mix", "--to", "links", "--out", str(tmp_path / "MIX.TXT"),
                 *cache]) == 0  # its own ending, whatever its case


def test_cli_export_to_spotify(fake: FakeSpotify, locations: Locations,
                               playlists: SavedPlaylists,
                               capsys: pytest.CaptureFixture[str]) -> None:
    from mpdtui.commands.spotify import run_export

    assert run_export(export_args("Long drive", "spotify"), locations) == 0
    out = capsys.readouterr().out
    assert "exported 'Long drive' (250 tracks) to Spotify: https://open.spotify.com/" in out


def spotify_track(n: int, album: str = "x") -> dict[str, Any]:
    return {"uri": f"spotify:track:{n:022d}", "id": f"{n:022d}", "type": "track",
            "name": f"Song {n}", "duration_ms": 180_000 + n,
            "artists": [{"name": f"Artist {n % 3}", "uri": f"spotify:artist:{n % 3}"}],
            "album": {"name": f"Album {album}", "uri": f"spotify:album:{album}"}}


def test_import_own_playlists(fake: FakeSpotify, locations: Locations) -> None:
    fake.add_user_playlist("Long one", [spotify_track(n) for n in range(130)])  # 2 pages
    fake.add_user_playlist("Short", [spotify_track(n) for n in range(3)])
    fake.add_user_playlist("Empty", [])
    followed = fake.add_user_playlist("Someone else's", [spotify_track(7)])
    fake.state.playlists[followed]["owner"] = "other-user"
    ingested: list[tuple[list[dict[str, Any]], str]] = []

    with SavedPlaylists.open(locations) as store:
        store.create("Short", [])  # a name clash
        result = import_own_playlists(open_client(locations, policy=FAST), store,
                                      ingest=lambda pls, source: ingested.append((pls, source)))
        assert (result.imported, result.tracks, result.created) == (2, 133, 2)
        assert (result.skipped_empty, result.skipped_not_own) == (1, 1)
        long_one = store.get("Long one")
        assert long_one.uris == [f"spotify:track:{n:022d}" for n in range(130)]
        assert long_one.tracks[1] == TrackEntry(long_one.uris[1], "Song 1", "Artist 1", 180_001)
        assert store.get("Short 2").origin.startswith("spotify:playlist:")

        again = import_own_playlists(open_client(locations, policy=FAST), store)
        assert (again.created, again.updated) == (0, 2)
        assert len(store.list()) == 3

    playlists, source = ingested[0]
    assert source.startswith("spotify-user:fake-user:")
    parsed = parse_slice(source, orjson.dumps({"playlists": playlists}))  # the MPD's checks
    assert [p["num_tracks"] for p in parsed] == [130, 3]
    assert parsed[0]["tracks"][5]["artist_uri"] == "spotify:artist:2"


def test_imported_playlist_names_keep_no_control_characters(fake: FakeSpotify,
                                                            locations: Locations) -> None:
    """A Spotify playlist's name is the user's text: the app put it, escapes and all, in the
    builder's name box, whose ESC [2J cleared the terminal. Names from files were cleaned
    already; those from Spotify are now too (markup and emoji stay as typed)."""
    fake.add_user_playlist("Mine \x1b[2J [b]bold[/b] \U0001f3a7", [spotify_track(1)])
    fake.add_user_playlist("two\nlines\u202e", [spotify_track(2)])
    fake.add_user_playlist("\x1b\x07", [spotify_track(3)])
    earlier = fake.add_user_playlist("old \x1b[31mone", [spotify_track(4)])
    with SavedPlaylists.open(locations) as store:  # kept so by an earlier version's import
        store.create("old \x1b[31mone", [], origin=f"spotify:playlist:{earlier}")
        import_own_playlists(open_client(locations, policy=FAST), store)
        names = sorted(summary.name for summary in store.list())
    assert names == ["Mine [2J [b]bold[/b] \U0001f3a7", "Spotify playlist", "old [31mone",
                     "two lines"]


def test_cli_import_spotify_adds_training_playlists(fake: FakeSpotify, locations: Locations,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from mpdtui.commands.spotify import run_import_spotify
    from mpdtui.data.catalog import Catalog

    fake.add_user_playlist("Mine", [spotify_track(n) for n in range(12)])
    assert run_import_spotify(argparse.Namespace(no_training=False), locations) == 0
    assert "imported 1 playlist (12 tracks)" in capsys.readouterr().out
    with Catalog.open(locations) as catalog:
        assert f"spotify:track:{0:022d}" in catalog.track_uris()


def test_cli_import_spotify_says_what_it_left_out(fake: FakeSpotify, locations: Locations,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A playlist of 6 items came as 3 tracks, "imported 1 playlist (3 tracks)", the podcast
    episode, the local file and the track gone from Spotify left out unsaid."""
    from mpdtui.commands.spotify import run_import_spotify

    episode = {"uri": f"spotify:episode:{'E' * 22}", "id": "E" * 22, "type": "episode",
               "name": "A podcast"}
    local = {"uri": "spotify:local:Band:Album:Home+demo:200", "id": None, "type": "track",
             "name": "Home demo", "artists": [{"name": "Band", "uri": None}],
             "album": {"name": "Album", "uri": None}, "duration_ms": 200_000}
    fake.add_user_playlist("Mine", [spotify_track(1), None, episode, spotify_track(2), local,
                                    spotify_track(3)])
    assert run_import_spotify(argparse.Namespace(no_training=True), locations) == 0
    said = capsys.readouterr().out
    assert "imported 1 playlist (3 tracks)" in said
    assert ("left out 3 of their items (podcast episodes, local files or tracks gone from "
            "Spotify: no Spotify tracks).") in said


def test_cli_import_spotify_s_waits_are_not_bare_seconds(
        fake: FakeSpotify, locations: Locations, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """While Spotify was retried it printed "spotify: 1 s", "spotify: 3 s": the heartbeat of a
    stage that had said nothing yet, beating through a wait it had just announced."""
    import re

    from mpdtui.commands.spotify import run_import_spotify
    from mpdtui.pipeline import job

    monkeypatch.setattr(job, "HEARTBEAT_S", 0.1)
    fake.add_user_playlist("Mine", [spotify_track(n) for n in range(3)])
    fake.fail_next("me", Fault(503), Fault(503))  # waits 1 s, then 2 s
    assert run_import_spotify(argparse.Namespace(no_training=True), locations) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "spotify: asking Spotify for your playlists", lines
    assert "spotify: Spotify answered 503, retrying in 2 s (try 3 of 6)" in lines
    assert not [line for line in lines if re.fullmatch(r"spotify: \d+ s", line)], lines


def test_cli_import_says_the_models_serve_on_without_the_playlists(
        fake: FakeSpotify, small_store: Locations, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """New training playlists are new data, which the models were not trained on: they serve
    on (before, none served until `--train`, hours on the MPD), and the import says so."""
    from mpdtui.commands.spotify import run_import_spotify
    from mpdtui.services.root import open_services

    shutil.copytree(small_store.root, tmp_path / "trained")
    locations = Locations.resolve(tmp_path / "trained")
    auth.login(locations, fake.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    open_services(locations).jobs.train(["popularity"])
    fake.add_user_playlist("Mine", [spotify_track(n) for n in range(12)])

    assert run_import_spotify(argparse.Namespace(no_training=True), locations) == 0
    assert "serve on" not in capsys.readouterr().out, "saved playlists only"
    assert run_import_spotify(argparse.Namespace(no_training=False), locations) == 0
    said = capsys.readouterr().out.strip().splitlines()
    assert said[-1] == ("popularity serves on, trained before 1 playlist and 12 new tracks were "
                        "added: `mpdtui --train` trains them on these too.")
    services = open_services(locations)
    assert services.models.servable() == ["popularity"]
    assert services.training.added_since_training() == (1, 12)


def test_playlists_mpdtui_exported_are_not_imported_back(fake: FakeSpotify, locations: Locations,
                                                         playlists: SavedPlaylists) -> None:
    client = open_client(locations, policy=FAST)
    export_to_spotify(playlists, "Long drive", client)
    fake.add_user_playlist("Mine", [spotify_track(1)])
    ingested: list[str] = []
    result = import_own_playlists(client, playlists,
                                  ingest=lambda pls, source: ingested.append(source))
    assert (result.imported, result.skipped_exported, result.skipped_empty) == (1, 1, 0)
    assert sorted(s.name for s in playlists.list()) == ["Long drive", "Mine"]
    import_own_playlists(client, playlists, ingest=lambda pls, source: ingested.append(source))
    assert ingested[0] == ingested[1]  # the same content: the same slice name, ingested once


def test_the_export_folder_defaults_to_the_user_data_dir(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_data_dir", lambda name: str(tmp_path / "data" / name))
    locations = Locations.resolve(tmp_path / "cache")
    assert config.export_dir(locations) == tmp_path / "data" / "mpdtui" / "exports"
    config.set_export_dir(locations, tmp_path / "mine")
    assert config.export_dir(locations) == tmp_path / "mine"
    config.update(locations, export_dir=3)
    with pytest.raises(UserError, match='"export_dir" must be a folder'):
        config.export_dir(locations)


# a stopped export whose playlist was deleted in Spotify since: the rerun makes a new one (it
# said HTTP 404 and "run the same export again" on every rerun)
def test_a_stopped_export_whose_playlist_is_gone_starts_a_new_one(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    client = open_client(locations, policy=FAST)
    fake.fail_next("playlists/*/items", PASS, Fault(400))
    with pytest.raises(SpotifyError, match="stopped after 100 of 250 tracks"):
        export_to_spotify(playlists, "Long drive", client)
    stopped = playlists.export_state("Long drive")
    assert stopped is not None
    del fake.state.playlists[stopped.spotify_id]  # deleted in Spotify's app

    result = export_to_spotify(playlists, "Long drive", client)

    assert result.spotify_id != stopped.spotify_id and not result.resumed
    assert [item["uri"] for item in fake.state.playlists[result.spotify_id]["items"]] == URIS
    assert playlists.export_state("Long drive").finished


def test_a_stopped_export_resumes_into_its_playlist_while_it_is_there(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    client = open_client(locations, policy=FAST)
    fake.fail_next("playlists/*/items", PASS, Fault(400))
    with pytest.raises(SpotifyError):
        export_to_spotify(playlists, "Long drive", client)
    result = export_to_spotify(playlists, "Long drive", client)
    assert result.resumed and len(fake.state.playlists) == 1
    assert [item["uri"] for item in fake.state.playlists[result.spotify_id]["items"]] == URIS


def test_earlier_exports_and_those_of_deleted_playlists_are_not_imported_back(
        fake: FakeSpotify, locations: Locations, playlists: SavedPlaylists) -> None:
    """Exported again (a finished export makes a new Spotify playlist), the earlier Spotify
    playlist was forgotten, as were those of a saved playlist deleted since: import-spotify
    brought them back as 'Long drive 2' and as training data."""
    playlists.create("Gone", URIS[:2])
    client = open_client(locations, policy=FAST)
    export_to_spotify(playlists, "Long drive", client)
    playlists.set_tracks("Long drive", URIS[:3])  # edited, exported again
    export_to_spotify(playlists, "Long drive", client)
    export_to_spotify(playlists, "Gone", client)
    playlists.delete("Gone")
    assert len(fake.state.playlists) == 3
    ingested: list[int] = []

    result = import_own_playlists(client, playlists,
                                  ingest=lambda pls, source: ingested.append(len(pls)))

    assert (result.imported, result.skipped_exported, result.created) == (0, 3, 0)
    assert [s.name for s in playlists.list()] == ["Long drive"]
    assert ingested == []


def test_cli_export_that_cannot_be_written_says_what_to_do(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A full disk (or a folder that takes no file of this user's): the line named the file and
    the reason ("No space left on device") and nothing to do; the app's words name its dialog."""
    from mpdtui.commands.spotify import run_export
    from mpdtui.tui.text import in_app

    locations = Locations.resolve(tmp_path / "cache")
    with SavedPlaylists.open(locations.ensure()) as store:
        store.create("Mix", ENTRIES)
    with pytest.raises(UserError) as refused:
        run_export(export_args("Mix", "m3u", Path("/dev/full")), locations)
    assert str(refused.value) == (
        "/dev/full: cannot write the playlist (No space left on device): free some space on "
        "that disk, then run it again: what was finished is kept")
    said = in_app("x.m3u8: cannot write the playlist (Permission denied): give another folder "
                  "to write it to with --out DIR/")
    assert said.endswith("(Permission denied): choose another folder to export to")
