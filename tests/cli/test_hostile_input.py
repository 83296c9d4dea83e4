"""Hostile data sources and arguments (issue 12): every bad slice, zip, special file or
argument ends with exit code 2 and one line naming the file (or the option) and the value, or
with 0 under --skip-bad; never a traceback or a hang, and what was stored stays unchanged."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shlex
import shutil
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from hostile_support import (  # noqa: F401 (jobs_in_process: a fixture)
    HANDMADE,
    Outcome,
    assert_refused,
    jobs_in_process,
    playlists_from,
    run_cli,
    slice_name,
    write_slice,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_support import store_dump

import mpdtui.data.mpd as mpd
import mpdtui.data.mpd_validation as mpd_validation
from mpdtui.cli import build_parser, parse_arguments, split_global_options
from mpdtui.data.catalog import Catalog
from mpdtui.locations import CACHE_DIR_ENV, Locations

GOOD_PID = 6
"""The first pid of the good slice that --skip-bad cases ingest next to the bad one."""

pytestmark = pytest.mark.usefixtures("jobs_in_process")


@pytest.fixture
def store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A cache dir holding the hand-made slice."""
    cache = tmp_path / "cache"
    assert run_cli(capsys, cache, "ingest", str(HANDMADE)).code == 0
    return cache


def ingest(capsys: pytest.CaptureFixture[str], cache: Path, source: Path, *extra: str) -> Outcome:
    return run_cli(capsys, cache, "ingest", str(source), *extra)


def assert_skipped(outcome: Outcome, cache: Path, *labels: str) -> None:
    """Exit 0, each bad source listed as skipped, and only the good slice added to the
    hand-made one."""
    assert outcome.code == 0, outcome
    assert "Traceback" not in outcome.err
    for label in labels:
        assert label in outcome.err, (label, outcome.err)
    with Catalog.open(Locations.resolve(cache)) as catalog:
        assert sorted(catalog.ingested_slices()) == [HANDMADE.name, slice_name(GOOD_PID)]
        assert catalog.counts().playlists == 3 + 3


# --- bad slices: values the MPD never holds ----------------------------------------------------

def _set(path: tuple[Any, ...], value: Any) -> Callable[[list[dict[str, Any]]], None]:
    def change(playlists: list[dict[str, Any]]) -> None:
        target: Any = playlists
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _same_pid_twice(playlists: list[dict[str, Any]]) -> None:
    playlists[1]["pid"] = playlists[0]["pid"]


def _no_playlists(playlists: list[dict[str, Any]]) -> None:
    playlists.clear()


BAD_SLICES: list[tuple[str, Callable[[list[dict[str, Any]]], None], str]] = [
    ("pid 2^64-1", _set((0, "pid"), 2**64 - 1), 'field "pid" is 18446744073709551615'),
    ("num_followers 2^63", _set((0, "num_followers"), 2**63), 'field "num_followers" is 9223372036854775808'),
    ("playlist duration 2^64-1", _set((0, "duration_ms"), 2**64 - 1),
     'field "duration_ms" is 18446744073709551615'),
    ("track duration 2^64-1", _set((0, "tracks", 0, "duration_ms"), 2**64 - 1),
     'tracks[0]: field "duration_ms" is 18446744073709551615'),
    ("track duration 2^40", _set((0, "tracks", 1, "duration_ms"), 2**40),
     'tracks[1]: field "duration_ms" is 1099511627776, expected 0 to 2,147,483,647'),
    ("negative duration", _set((2, "tracks", 0, "duration_ms"), -5), 'field "duration_ms" is -5'),
    ("negative pos", _set((1, "tracks", 2, "pos"), -1), 'tracks[2]: field "pos" is -1'),
    ("negative num_edits", _set((1, "num_edits"), -3), 'field "num_edits" is -3'),
    ("duplicate pid", _same_pid_twice, "the same pid as playlists[0]"),
    ("non-Spotify track_uri", _set((0, "tracks", 0, "track_uri"), "https://example.com/track/1"),
     "field \"track_uri\" is 'https://example.com/track/1', expected spotify:track:"),
    ("long track_uri", _set((0, "tracks", 0, "track_uri"), "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"),
     "field \"track_uri\" is 'https://open.spotify.com/track/4u...', expected spotify:track:"),
    ("empty track_uri", _set((2, "tracks", 0, "track_uri"), ""), "field \"track_uri\" is ''"),
    ("short track id", _set((2, "tracks", 0, "track_uri"), "spotify:track:abc"), "spotify:track:abc"),
    ("NUL in a playlist name", _set((1, "name"), "gym\0"), 'field "name" holds a NUL character'),
    ("NUL in a track name", _set((0, "tracks", 2, "track_name"), "Hopp\0"),
     'field "track_name" holds a NUL character'),
    ("NUL in an artist name", _set((0, "tracks", 0, "artist_name"), "\0"), 'field "artist_name" holds a NUL'),
    ("NUL in a description", _set((1, "description"), "a\0b"), 'field "description" holds a NUL'),
    ("20 MB name", _set((0, "name"), "x" * 20_000_000), 'field "name" is 20,000,000 characters long'),
    ("empty playlists list", _no_playlists, '"playlists" is empty'),
]


@pytest.mark.parametrize(("change", "expected"), [case[1:] for case in BAD_SLICES],
                         ids=[case[0] for case in BAD_SLICES])
def test_bad_slice_is_refused_and_skippable(store: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            change: Callable[[list[dict[str, Any]]], None],
                                            expected: str) -> None:
    playlists = playlists_from(3)
    change(playlists)
    bad = write_slice(tmp_path / "source", 3, playlists)
    before = store_dump(Locations.resolve(store))

    assert_refused(ingest(capsys, store, bad.parent), f"mpdtui: {bad}: ", expected)
    assert store_dump(Locations.resolve(store)) == before

    write_slice(bad.parent, GOOD_PID)
    skipped = ingest(capsys, store, bad.parent, "--skip-bad")
    assert_skipped(skipped, store, f"{bad}: ", expected)


def test_a_valid_slice_of_the_table_is_accepted(store: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The cases above differ from this slice only by their one change."""
    assert ingest(capsys, store, write_slice(tmp_path / "source", 3)).code == 0


# --- zips ---------------------------------------------------------------------------------------

def _zip(path: Path, members: list[tuple[str, bytes]],
         compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a duplicate name, on purpose
        with zipfile.ZipFile(path, "w", compression) as archive:
            for name, data in members:
                archive.writestr(name, data)
    return path


def _slice_bytes(first_pid: int) -> bytes:
    return orjson.dumps({"playlists": playlists_from(first_pid)})


def _good_member() -> tuple[str, bytes]:
    return f"data/{slice_name(GOOD_PID)}", _slice_bytes(GOOD_PID)


BAD_MEMBER = f"data/{slice_name(3)}"


def _patch_headers(archive: Path, member: str, local_offset: int, central_offset: int,
                   value: int, size: int = 2) -> None:
    """Overwrite one field of `member`'s local and central directory headers."""
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member)
    data = bytearray(archive.read_bytes())
    field = value.to_bytes(size, "little")
    start = info.header_offset + local_offset
    data[start:start + size] = field
    central = data.find(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(member)] != member.encode():
        central = data.find(b"PK\x01\x02", central + 4)
        assert central != -1, member
    data[central + central_offset:central + central_offset + size] = field
    archive.write_bytes(bytes(data))


def _bad_crc(archive: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(BAD_MEMBER)
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 20] ^= 0xFF  # stored: a byte of the member's own data
    archive.write_bytes(bytes(data))


def _encrypted(archive: Path) -> None:
    _patch_headers(archive, BAD_MEMBER, 6, 8, 0x1)  # general purpose flag bit 0


def _method_99(archive: Path) -> None:
    _patch_headers(archive, BAD_MEMBER, 8, 10, 99)


def _broken_deflate(archive: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(BAD_MEMBER)
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 64] = b"\xff" * 64
    archive.write_bytes(bytes(data))


def _declares_3_gb(archive: Path) -> None:
    _patch_headers(archive, BAD_MEMBER, 22, 24, 3_000_000_000, size=4)  # uncompressed size


ZIP_MEMBER_CASES = [
    ("bad CRC", zipfile.ZIP_STORED, _bad_crc, "cannot be read: Bad CRC-32"),
    ("encrypted member", zipfile.ZIP_DEFLATED, _encrypted, "is encrypted"),
    ("compression method 99", zipfile.ZIP_STORED, _method_99, "uses compression method 99"),
    ("damaged deflate stream", zipfile.ZIP_DEFLATED, _broken_deflate, "cannot be read"),
    ("declared 3 GB", zipfile.ZIP_DEFLATED, _declares_3_gb, "3,000,000,000 bytes, more than any MPD slice"),
]


@pytest.mark.parametrize(("compression", "damage", "expected"), [c[1:] for c in ZIP_MEMBER_CASES],
                         ids=[c[0] for c in ZIP_MEMBER_CASES])
def test_damaged_zip_member_is_refused_and_skippable(
            store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], compression: int,
        damage: Callable[[Path], None], expected: str) -> None:
    archive = _zip(tmp_path / "mpd.zip", [(BAD_MEMBER, _slice_bytes(3)), _good_member()], compression)
    damage(archive)
    before = store_dump(Locations.resolve(store))

    assert_refused(ingest(capsys, store, archive), f"mpdtui: {archive}:{BAD_MEMBER}: ", expected)
    assert store_dump(Locations.resolve(store)) == before

    assert_skipped(ingest(capsys, store, archive, "--skip-bad"), store,
                   f"{archive}:{BAD_MEMBER}", expected)


@pytest.mark.parametrize("others", [False, True], ids=["alone", "with another slice"])
def test_an_unreadable_slice_gets_one_piece_of_advice(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], others: bool) -> None:
    """"download it again to the same path" and no "fix or replace that file" after it: two
    remedies at once for one fault; --skip-bad is added only where others would come in."""
    members = [(BAD_MEMBER, _slice_bytes(3)), *([_good_member()] if others else [])]
    archive = _zip(tmp_path / "mpd.zip", members, zipfile.ZIP_STORED)
    _bad_crc(archive)
    line = assert_refused(ingest(capsys, store, archive), f"{archive}:{BAD_MEMBER}: cannot be read")
    assert line.endswith(": the zip is damaged: download it again to the same path (the slices "
                         "ingested stay), then run the same command again"
                         + (", or add --skip-bad to ingest the other slices" if others else "")), line
    assert "fix or" not in line and line.count("--skip-bad") == others, line


def test_zip_bomb_is_refused_after_at_most_the_bound(store: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A member expanding past MAX_SLICE_BYTES (lowered here) is refused, even when its header
    understates its size: the stream is read up to the bound, never further."""
    monkeypatch.setattr(mpd, "MAX_SLICE_BYTES", 64 * 1024)
    padded = _slice_bytes(3).replace(b'{"playlists"', b'{"padding":"' + b" " * 2_000_000 + b'","playlists"')
    archive = _zip(tmp_path / "bomb.zip", [(BAD_MEMBER, padded), _good_member()])
    assert archive.stat().st_size < 20_000, "highly compressible"
    before = store_dump(Locations.resolve(store))
    assert_refused(ingest(capsys, store, archive), f"{archive}:{BAD_MEMBER}: too large")

    _patch_headers(archive, BAD_MEMBER, 22, 24, 1000, size=4)  # claims 1,000 bytes
    read: list[int] = []  # the sizes asked of the bomb's stream
    original_read = zipfile.ZipExtFile.read

    def spied_read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        if self.name == BAD_MEMBER:
            read.append(n)
        return original_read(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", spied_read)
    assert_refused(ingest(capsys, store, archive), f"{archive}:{BAD_MEMBER}: ")
    assert read and all(0 < n <= 64 * 1024 + 1 for n in read), "never read whole"
    assert store_dump(Locations.resolve(store)) == before
    assert_skipped(ingest(capsys, store, archive, "--skip-bad"), store, BAD_MEMBER)


def test_slice_file_larger_than_any_slice_is_refused(store: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mpd, "MAX_SLICE_BYTES", 1024)
    big = write_slice(tmp_path / "source", 3)
    assert_refused(ingest(capsys, store, big), f"{big}: too large: {big.stat().st_size:,} bytes")


def test_a_slice_longer_than_its_size_said_is_read_whole_up_to_the_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The read is sized to the file's stat (or zip header); a file that grew since is still
    read whole, and past the bound refused."""
    monkeypatch.setattr(mpd, "MAX_SLICE_BYTES", 1024)
    grown = b"x" * 1000
    assert mpd._read_bounded(io.BytesIO(grown), "grown.json", expected=10) == grown
    assert mpd._read_bounded(io.BytesIO(grown), "grown.json", expected=1000) == grown
    with pytest.raises(mpd_validation.SliceError, match=r"grown\.json: too large: 1,025 bytes"):
        mpd._read_bounded(io.BytesIO(b"x" * 5000), "grown.json", expected=10)


@pytest.mark.parametrize("skip_bad", [(), ("--skip-bad",)], ids=["strict", "skip-bad"])
def test_zip_with_one_slice_name_twice_is_refused(store: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  skip_bad: tuple[str, ...]) -> None:
    """Slices are known by name: which copy is meant cannot be guessed, even with --skip-bad."""
    archive = _zip(tmp_path / "twice.zip", [(BAD_MEMBER, _slice_bytes(3)),
                                            (BAD_MEMBER, _slice_bytes(3)), _good_member()])
    before = store_dump(Locations.resolve(store))
    assert_refused(ingest(capsys, store, archive, *skip_bad),
                   f"{archive} holds {slice_name(3)} twice", "extract the slices you want")
    assert store_dump(Locations.resolve(store)) == before


@pytest.mark.parametrize("skip_bad", [(), ("--skip-bad",)], ids=["strict", "skip-bad"])
def test_truncated_zip_is_refused_as_a_whole(store: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             skip_bad: tuple[str, ...]) -> None:
    """Without its directory no member can be listed, so none can be skipped either."""
    archive = _zip(tmp_path / "cut.zip", [(BAD_MEMBER, _slice_bytes(3)), _good_member()])
    archive.write_bytes(archive.read_bytes()[:archive.stat().st_size // 2])
    before = store_dump(Locations.resolve(store))
    assert_refused(ingest(capsys, store, archive, *skip_bad),
                   f"{archive} is not a readable zip (truncated or damaged)")
    assert store_dump(Locations.resolve(store)) == before


# --- special files named like slices -------------------------------------------------------------

SPECIAL_FILES: list[tuple[str, Callable[[Path], None], str]] = [
    ("folder", lambda p: p.mkdir(), "it is a folder"),
    ("dangling symlink", lambda p: p.symlink_to(p.parent / "gone.json"), "it is a broken symlink"),
    ("symlink loop", lambda p: p.symlink_to(p), "it is a symlink loop"),
]


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in SPECIAL_FILES],
                         ids=[c[0] for c in SPECIAL_FILES])
def test_special_file_named_like_a_slice_is_refused_and_skippable(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        make: Callable[[Path], None], expected: str) -> None:
    source = tmp_path / "source"
    source.mkdir()
    special = source / slice_name(3)
    make(special)
    before = store_dump(Locations.resolve(store))
    assert_refused(ingest(capsys, store, source), f"mpdtui: {special}: not a slice file: {expected}",
                   "--skip-bad")
    assert store_dump(Locations.resolve(store)) == before

    write_slice(source, GOOD_PID)
    assert_skipped(ingest(capsys, store, source, "--skip-bad"), store, str(special))


@contextmanager
def writer_after_a_minute(fifo: Path) -> Iterator[None]:
    """Were the FIFO opened for reading, that would wait for a writer forever: after a minute
    this keeps becoming that writer (and going at once), so a regression fails, never hangs."""
    done = threading.Event()

    def open_as_writer() -> None:
        if done.wait(60):
            return
        while not done.wait(0.5):
            with contextlib.suppress(OSError):  # ENXIO: nobody waits on it, as it should be
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    valve = threading.Thread(target=open_as_writer, daemon=True)
    valve.start()
    try:
        yield
    finally:
        done.set()
        valve.join()


def test_fifo_named_like_a_slice_never_hangs(store: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "source"
    source.mkdir()
    fifo = source / slice_name(3)
    os.mkfifo(fifo)
    with writer_after_a_minute(fifo):
        refused = ingest(capsys, store, source)
        write_slice(source, GOOD_PID)
        skipped = ingest(capsys, store, source, "--skip-bad")
    assert_refused(refused, f"{fifo}: not a slice file: it is a named pipe (FIFO)")
    assert_skipped(skipped, store, f"{fifo}: not a slice file")


def test_fifo_given_as_the_source_is_refused(store: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "mpd.zip"
    os.mkfifo(fifo)
    with writer_after_a_minute(fifo):
        refused = ingest(capsys, store, fifo)
    assert_refused(refused, f"{fifo} is a pipe or a device, not a file: save what it gives to "
                   "a file first and give that file")


def test_file_name_with_a_newline_stays_one_line(store: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "two\nlines"
    bad = write_slice(source, 3, raw=b'{"playlists": [')
    line = assert_refused(ingest(capsys, store, source), "invalid JSON")
    assert str(bad).replace("\n", "\\x0a") in line
    assert line.endswith("; fix or replace that file")  # the only slice: none to skip to

    named = tmp_path / "named"
    named.mkdir()
    (named / f"{slice_name(3)}\n").write_bytes(_slice_bytes(3))  # only starts like a slice name
    assert_refused(ingest(capsys, store, named), "holds no mpd.slice")


# --- arguments ---------------------------------------------------------------------------------------

NO_SUCH_HOME = "~mpdtui-no-such-user"

ARGUMENTS: list[tuple[tuple[str, ...], str]] = [
    (("demo-data", "{tmp}/out", "--seed", "-1"), "argument --seed: expected a non-negative integer, got -1"),
    (("demo-data", "{tmp}/out", "--seed", "x"), "argument --seed: expected a non-negative integer, got 'x'"),
    (("demo-data", "{tmp}/out", "--playlists", "0"), "argument --playlists: expected an integer from 1"),
    (("demo-data", "{tmp}/out", "--playlists", "10000000"), "got 10000000"),
    (("--train", "--models", "nosuch"), "unknown model 'nosuch': choose from popularity, title"),
    (("evaluate", "--models", "nosuch"), "invalid choice: 'nosuch'"),
    # an option of --train's given where it does nothing is refused, not dropped
    (("--demo",), "--demo goes with --train (`mpdtui --train --demo`)"),
    (("--models", "als", "info"), "--models goes with --train (`mpdtui --train --models MODEL"),
    (("--replace", "ingest", "{tmp}/mpd"), "--replace goes with --train (`mpdtui --train "
     "--replace`); for `mpdtui ingest`, options go after its name (`mpdtui ingest --help`"),
    (("--train", "info"), "--train runs the whole setup by itself: `mpdtui --train`, or "
     "`mpdtui info` without it"),
    # a job reads these in a process of its own: a pipe or a device only this one holds (a
    # features CSV as /dev/stdin) left it waiting forever
    (("features", "--csv", "/dev/null"), "argument --csv: /dev/null is a pipe or a device, not "
     "a file: save what it gives to a file first and give that file"),
    (("--train", "--features-csv", "/dev/urandom"), "argument --features-csv: /dev/urandom is a "
     "pipe or a device"),
    (("ingest", "/dev/zero"), "argument path: /dev/zero is a pipe or a device"),
    (("auth", "--port", "70000"), "argument --port: expected an integer from 1 to 65535, got 70000"),
    (("auth", "--port", "-1"), "argument --port: expected an integer from 1 to 65535, got -1"),
    (("suggest", "--k", "0"), "argument -n/--k: expected an integer from 1 to 500, got 0"),
    (("suggest", "--k", "many"), "argument -n/--k: expected an integer from 1 to 500, got 'many'"),
    (("suggest", "--seed", "notauri"), "argument --seed: expected a Spotify track URI "
     "(spotify:track: and 22 letters or digits) or its https://open.spotify.com/track/ link, got "
     "'notauri'"),
    (("suggest", "--seed", "spotify:album:AAAAAAAAAAAAAAAAAAAAA1\x1b[2J"), "got "
     "'spotify:album:AAAAAAAAAAAAAAAAAAAAA1\\x1b[2J'"),
    (("suggest", "--seed", "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M"),
     "got 'https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M', a playlist's link, which "
     "names no track: in Spotify's app, select the playlist's tracks and copy them (ctrl+c), "
     "then paste them into `mpdtui import - --name NAME`"),
    (("search", " "), "argument words: expected words of a title, artist or album, e.g. "
     "'mr brightside', got nothing"),
    (("ingest",), "one of the arguments path --demo is required"),
    (("nosuch",), "invalid choice: 'nosuch'"),
    (("submit", "--challenge-set", "{tmp}/c.json", "--out", "{tmp}"), "--out {tmp} is a folder"),
    (("submit", "--challenge-set", "{tmp}/c.json", "--out", "{tmp}/new/"), "argument --out: "
     "expected a file, got '{tmp}/new/', a folder: give the file to write, e.g. "
     "--out {tmp}/new/submission.csv"),
    (("submit", "--challenge-set", "{tmp}/c.json", "--out", "{tmp}/o.csv", "--team", "a, b"),
     "argument --team: expected one field of the CSV's team_info line: text without commas, "
     "got 'a, b'"),
    (("submit", "--challenge-set", "{tmp}/c.json", "--out", "{tmp}/o.csv", "--email", "a@b\nc"),
     "argument --email: expected one field of the CSV's team_info line: text without control "
     "characters (line breaks, tabs, escapes), got 'a@b\\x0ac'"),
    # an escape was refused as a comma or a line break, which it is not
    (("submit", "--challenge-set", "{tmp}/c.json", "--out", "{tmp}/o.csv", "--team", "\x1b[31mx"),
     "argument --team: expected one field of the CSV's team_info line: text without control "
     "characters (line breaks, tabs, escapes), got '\\x1b[31mx'"),
    # an empty client id fell back to the one saved before, unsaid
    (("auth", "--client-id", ""), "argument --client-id: expected your Spotify app's Client ID "
     "(developer.spotify.com/dashboard, your app, Settings), got ''"),
    (("auth", "--client-id", "ab cd"), "argument --client-id: expected your Spotify app's "
     "Client ID (developer.spotify.com/dashboard, your app, Settings), got 'ab cd'"),
    # a link pasted for the id: Spotify's page said only INVALID_CLIENT
    (("auth", "--client-id", "https://developer.spotify.com/dashboard/1a2b"), "argument "
     "--client-id: 'https://developer.spotify.com/dashboard/1a2b' is not a Client ID: copy your "
     "Spotify app's Client ID (32 letters and digits) from developer.spotify.com/dashboard, "
     "your app, Settings"),
    (("suggest", "--save", " "), "argument --save: expected a playlist name, got ' '"),
    (("suggest", "--save", "rtl\u202eevil"), "argument --save: expected a playlist name on one "
     "line, without tabs or other control characters, got 'rtl\\u202eevil'"),
    (("playlists", "x", "--rename", "two\nlines"), "argument --rename: expected a playlist name "
     "on one line, without tabs or other control characters, got 'two\\x0alines'"),
    (("playlists", "x", "--rename", "y", "--delete"), "argument --delete: not allowed with "
     "argument --rename"),
    # --public was taken by a file export, which has no such setting, and left unsaid
    (("export", "x", "--to", "json", "--public"), "--public makes a Spotify playlist public; a "
     "file export (--to json) has no such setting: leave --public out"),
    # an empty path is the current folder to pathlib: `demo-data ""` wrote the demo there
    (("ingest", ""), "argument path: expected a path, got ''"),
    (("demo-data", ""), "argument out_dir: expected a path, got ''"),
    (("--train", "--mpd", " "), "argument --mpd: expected a path, got ' '"),
    (("features", "--csv", ""), "argument --csv: expected a path, got ''"),
    (("export", "x", "--to", "m3u", "--out", ""), "argument --out: expected a path, got ''"),
    (("submit", "--challenge-set", "", "--out", "{tmp}/o.csv"),
     "argument --challenge-set: expected a path, got ''"),
    # `~user` for a user there is not: pathlib raises RuntimeError
    (("ingest", f"{NO_SUCH_HOME}/mpd"), f"{NO_SUCH_HOME}/mpd: {NO_SUCH_HOME} names no home "
     f"folder (there is no user '{NO_SUCH_HOME[1:]}'): give the full path"),
    (("features", "--csv", f"{NO_SUCH_HOME}/f.csv"), f"{NO_SUCH_HOME}/f.csv: {NO_SUCH_HOME} names"),
    (("--train", "--mpd", f"{NO_SUCH_HOME}/mpd"), f"{NO_SUCH_HOME}/mpd: {NO_SUCH_HOME} names"),
]


@pytest.mark.parametrize("name", ["👨\u200d👩\u200d👧 family", "🏳️\u200d🌈", "late\u00a0night",
                                  "soft\u00adhyphen"])
def test_a_playlist_name_may_join_emoji_and_hold_no_break_spaces(name: str) -> None:
    """Zero-width joiners (family and flag emoji), no-break spaces and soft hyphens are not
    printable to str.isprintable, but they are part of names, not control characters."""
    arguments = parse_arguments(["playlists", "x", "--rename", f" {name} "])
    assert arguments.rename == name


def test_a_cache_dir_in_a_home_there_is_not_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    expected = (f"{NO_SUCH_HOME}/c: {NO_SUCH_HOME} names no home folder (there is no user "
                f"'{NO_SUCH_HOME[1:]}'): give the full path")
    line = assert_refused(run_cli(capsys, None, "--cache-dir", f"{NO_SUCH_HOME}/c", "info"))
    assert line == f"mpdtui: {expected}"
    monkeypatch.setenv(CACHE_DIR_ENV, f"{NO_SUCH_HOME}/c")
    assert assert_refused(run_cli(capsys, None, "info")) == f"mpdtui: {CACHE_DIR_ENV}={expected}"


@pytest.mark.parametrize("args", [
    ("--cache-dir", "{loop}/cache", "info"), ("ingest", "{loop}"), ("--train", "--mpd", "{loop}"),
    ("demo-data", "{loop}/out"), ("submit", "--challenge-set", "{tmp}/c.json", "--out", "{loop}")])
def test_a_path_through_a_symlink_loop_is_one_line(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    """pathlib's resolve() raised RuntimeError for it: "unexpected error"."""
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    filled = [a.replace("{loop}", str(loop)).replace("{tmp}", str(tmp_path)) for a in args]
    given = next(a for a in filled if a.startswith(str(loop)))
    assert_refused(run_cli(capsys, store, *filled), f"mpdtui: {given} goes through a symlink "
                   "loop (links that lead back to themselves): give another path")


@pytest.mark.parametrize("args", [("--cache-dir", "{bad}", "info"), ("ingest", "{bad}"),
                                  ("--train", "--mpd", "{bad}"), ("features", "--csv", "{bad}")])
def test_a_path_whose_name_is_not_utf8_is_one_line(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    """A Latin-1 name, say: Python keeps its byte as a lone surrogate, which the job's JSON
    request (and every recorded source) refused with "unexpected error: TypeError"."""
    bad = os.fsdecode(bytes(tmp_path / "caf") + b"\xe9")
    Path(bad).mkdir()
    before = store_dump(Locations.resolve(store))
    line = assert_refused(run_cli(capsys, store, *(a.replace("{bad}", bad) for a in args)),
                          "caf\\xe9: its name is not UTF-8 text, and mpdtui records paths as "
                          "UTF-8: rename it")
    assert line.startswith(f"mpdtui: {tmp_path}/caf")
    assert store_dump(Locations.resolve(store)) == before


CHALLENGE_SETS = [
    ('{"playlists": []}', '"playlists" is empty: there is nothing to answer'),
    ('{"playlists": [{"pid": true, "tracks": []}]}', 'playlists[0]: missing integer field "pid"'),
    ('{"playlists": [{"pid": 7, "name": 123, "tracks": []}]}',
     'playlists[0] (pid 7): "name" must be text, got 123'),
    ('{"playlists": [{"pid": 7, "tracks": [{"pos": 0}]}]}',
     'playlists[0] (pid 7): "tracks" must be a list of objects with a "track_uri"'),
    ('{"playlists": [{"pid": 7, "tracks": []}, {"pid": 8, "tracks": []}, {"pid": 7, "tracks": []}]}',
     "playlists[2] has the pid 7 of playlists[0]: each challenge playlist needs a pid of its own"),
]


@pytest.mark.parametrize(("content", "expected"), CHALLENGE_SETS,
                         ids=[expected.split(":")[-1].strip() for _, expected in CHALLENGE_SETS])
def test_a_challenge_set_the_challenge_never_gave_is_refused(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str,
        expected: str) -> None:
    """Each would have made a submission the challenge refuses (or a traceback)."""
    challenge = tmp_path / "challenge_set.json"
    challenge.write_text(content)
    out = tmp_path / "submission.csv"
    line = assert_refused(run_cli(capsys, store, "submit", "--challenge-set", str(challenge),
                                  "--out", str(out)))
    assert line == f"mpdtui: {challenge}: {expected}"
    assert not out.exists()


def test_what_is_no_challenge_set_is_refused_saying_what_to_give(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A slice was answered (rc 0, every answer a fallback), a folder was "Is a directory",
    an empty file "invalid JSON" with nothing to do."""
    out = tmp_path / "submission.csv"

    def refused(given: Path, *fragments: str) -> str:
        return assert_refused(run_cli(capsys, store, "submit", "--challenge-set", str(given),
                                      "--out", str(out)), f"mpdtui: {given} ", *fragments)

    expected = "give the RecSys Challenge's challenge_set.json (or the challenge's zip)"
    (tmp_path / "empty.json").touch()
    refused(tmp_path / "empty.json", f"is empty: {expected}")
    (tmp_path / "extracted").mkdir()
    refused(tmp_path / "extracted", f"is a folder without a challenge_set.json: {expected}")
    for mpd_slice in (HANDMADE, write_slice(tmp_path / "mpd", GOOD_PID)):  # with and without "info"
        line = refused(mpd_slice, "is an MPD slice (playlists to train on), not a challenge set")
        assert line.endswith(f"adds it to the training data; to submit, {expected}")
    assert_followed(line, capsys, store)
    assert not out.exists()


def assert_followed(line: str, capsys: pytest.CaptureFixture[str], store: Path) -> None:
    """Run the command `line` quotes: it works."""
    quoted = line.split("`")[1]
    assert quoted.startswith("mpdtui ingest ")
    assert run_cli(capsys, store, *shlex.split(quoted)[1:]).code == 0


def test_a_folder_holding_the_challenge_set_is_read(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The challenge's zip extracted: its challenge_set.json is read (here: then refused for
    want of a model, which comes after the reading)."""
    folder = tmp_path / "challenge"
    folder.mkdir()
    (folder / "challenge_set.json").write_text('{"playlists": [{"pid": 1, "tracks": []}]}')
    assert_refused(run_cli(capsys, store, "submit", "--challenge-set", str(folder), "--out",
                           str(tmp_path / "o.csv")), "mpdtui: no trained model yet")
    (folder / "challenge_set.json").write_text("{")
    assert_refused(run_cli(capsys, store, "submit", "--challenge-set", str(folder), "--out",
                           str(tmp_path / "o.csv")), f"mpdtui: {folder / 'challenge_set.json'} "
                   "is cut short")


@pytest.mark.parametrize("out", ["taken", "taken/sub/dir"])
def test_demo_data_into_a_file_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         out: str) -> None:
    (tmp_path / "taken").write_text("mine")
    line = assert_refused(run_cli(capsys, None, "demo-data", str(tmp_path / out)))
    assert line == (f"mpdtui: {tmp_path / 'taken'} is a file: give a folder to write the demo "
                    "slices into (it is made when missing)")
    assert (tmp_path / "taken").read_text() == "mine"


@pytest.mark.parametrize("args", [("demo-data", "{store}/demo-mpd", "--playlists", "5"),
                                  ("demo-data", "{store}", "--playlists", "5"),
                                  ("submit", "--challenge-set", "{tmp}/c.json",
                                   "--out", "{store}/catalog.sqlite3")])
def test_nothing_writes_into_the_cache_dir_from_outside(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    before = store_dump(Locations.resolve(store))
    filled = [arg.replace("{tmp}", str(tmp_path)).replace("{store}", str(store)) for arg in args]
    assert_refused(run_cli(capsys, store, *filled),
                   "is in the cache dir, whose files mpdtui manages: give a")
    assert store_dump(Locations.resolve(store)) == before


@pytest.mark.parametrize(("args", "expected"), ARGUMENTS, ids=[" ".join(a) for a, _ in ARGUMENTS])
def test_bad_argument_is_one_line(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  args: tuple[str, ...], expected: str) -> None:
    before = store_dump(Locations.resolve(store))
    filled = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    assert_refused(run_cli(capsys, store, *filled), expected.replace("{tmp}", str(tmp_path)))
    assert store_dump(Locations.resolve(store)) == before


def test_the_help_an_argument_error_points_to_exists(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_refused(run_cli(capsys, None, "demo-data", "out", "--seed", "-1"))
    assert "(see `mpdtui demo-data --help`)" in line
    with pytest.raises(SystemExit) as done:
        run_cli(capsys, None, "demo-data", "--help")
    assert done.value.code == 0 and "--seed" in capsys.readouterr().out


def test_every_command_and_option_says_what_it_does_in_its_help() -> None:
    """The page a refusal points to (`mpdtui COMMAND --help`) explains each of its words."""
    parser = build_parser()
    commands = next(action for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction))
    for name, command in {"mpdtui": parser, **commands.choices}.items():
        assert command.description, f"{name} --help says nothing of what it does"
        unexplained = [option.option_strings or option.dest for option in command._actions
                       if not option.help and option is not commands]
        assert not unexplained, f"{name} --help leaves {unexplained} unexplained"


@pytest.mark.parametrize(("argv", "unknown", "help_of"), [
    (("suggest", "--name", "x", "-x", "3"), "-x 3", "mpdtui suggest"),
    (("search", "love", "--top", "2"), "--top 2", "mpdtui search"),
    (("--bogus",), "--bogus", "mpdtui"),
    # argparse took the value for the COMMAND ("invalid choice: '20000'"): the option is named
    (("--train", "--demo", "--playlists", "20000"), "--playlists 20000", "mpdtui")])
def test_an_unknown_option_points_to_its_commands_help(
        capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], unknown: str, help_of: str) -> None:
    line = assert_refused(run_cli(capsys, None, *argv), f"unrecognized arguments: {unknown}")
    assert line.endswith(f"(see `{help_of} --help`)")


@pytest.mark.parametrize(("argv", "parsed"), [
    (("search", "--k", "2", "-dari", "-lov"), {"words": "-dari -lov", "k": 2}),
    (("order", "-x"), {"name": "-x"}),
    (("suggest", "--name", "-chill"), {"name": "-chill"}),
])
def test_a_value_that_starts_with_a_dash_is_refused_with_a_way_that_works(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
        parsed: dict[str, object]) -> None:
    """argparse reads `-dari` as an option: the line says how to give it, and that parses."""
    line = assert_refused(run_cli(capsys, tmp_path / "my cache", *argv))
    see_help = f" (see `mpdtui {argv[0]} --help`)"
    assert line.endswith(see_help)
    if "go after '--': " in line:  # a whole command to run instead
        followed = shlex.split(line.split("go after '--': ")[1].removesuffix(see_help))
        assert followed[:3] == ["mpdtui", "--cache-dir", str(tmp_path / "my cache")]
        rest, cache_dir, _ = split_global_options(followed[1:])
        assert cache_dir == str(tmp_path / "my cache")
    else:  # the option's name and value joined by '='
        joined = line.split("goes after '=': ")[1].split(" ")[0]
        assert joined == "--name=-chill"
        rest = [*argv[:-2], joined]
    args = parse_arguments(rest)
    assert {key: getattr(args, key) for key in parsed} == parsed


@pytest.mark.parametrize(("argv", "help_of"), [
    (("suggest", "--length", "-5m"), "mpdtui suggest"),
    (("evaluate", "--models", "-x"), "mpdtui evaluate"),
    (("--train", "--models", "-x"), "mpdtui"),
])
def test_a_dashed_value_of_a_several_value_option_gets_the_same_way(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
        help_of: str) -> None:
    """`--length -5m`, `--models -x` (nargs="+"): argparse's "expected at least one argument"
    gets the '=' hint too, and followed, argparse reads the value (and judges it as a value)."""
    line = assert_refused(run_cli(capsys, None, *argv), f"argument {argv[-2]}: expected at least "
                          f"one argument; a value that starts with '-' goes after '=': "
                          f"{argv[-2]}={argv[-1]} (see `{help_of} --help`)")
    joined = line.split("goes after '=': ")[1].split(" ")[0]
    # refused for the value itself, which argparse read
    assert_refused(run_cli(capsys, tmp_path / "cache", *argv[:-2], joined),
                   {"suggest": "'-5m' is not a playlist length", "evaluate": "invalid choice: '-x'",
                    "--train": "unknown model '-x'"}[argv[0]])


def test_words_after_a_text_value_are_refused_with_the_quotes_that_join_them(
        capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_refused(run_cli(capsys, None, "suggest", "--k", "3", "--name", "rainy", "sunday"),
                          "unrecognized arguments: sunday; a value of several words goes in quotes")
    quoted = shlex.split(line.split("goes in quotes: ")[1].split(" (see ")[0])
    assert parse_arguments(["suggest", "--k", "3", *quoted]).name == "rainy sunday"
    line = assert_refused(run_cli(capsys, None, "suggest", "--model", "als", "extra"))
    assert "quotes" not in line  # a choice, not a text: no words to join
    line = assert_refused(run_cli(capsys, None, "ingest", "my", "mpd", "--skip-bad"),
                          "unrecognized arguments: mpd; a path or name of several words goes in quotes")
    quoted = shlex.split(line.split("goes in quotes: ")[1].split(" (see ")[0])
    assert parse_arguments(["ingest", *quoted, "--skip-bad"]).path == Path("my mpd")


@pytest.mark.parametrize(("argv", "expected"), [
    (("--cache-dir",), "--cache-dir needs a directory"),
    (("info", "--cache-dir"), "--cache-dir needs a directory"),
    (("--cache-dir", "--debug", "info"), "--cache-dir needs a directory"),
    (("--cache-dir", "", "info"), "--cache-dir is empty"),
    (("--cache-dir=", "info"), "--cache-dir is empty"),
])
def test_cache_dir_without_a_directory_is_refused(cache_dir: Locations, capsys: pytest.CaptureFixture[str],
                                                  argv: tuple[str, ...], expected: str) -> None:
    assert_refused(run_cli(capsys, None, *argv), expected)
    assert not cache_dir.root.exists(), "nothing written anywhere"


def test_cache_dir_that_is_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    assert_refused(run_cli(capsys, file, "ingest", str(HANDMADE)), f"the cache dir {file} is a file")


@pytest.mark.parametrize("argv", [("info",), ("ingest", str(HANDMADE)), ("playlists",)])
def test_cache_dir_inside_a_file_is_refused_naming_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    assert_refused(run_cli(capsys, file / "cache", *argv),
                   f"the cache dir {file / 'cache'} cannot be made: {file} is a file: give a "
                   "directory with --cache-dir or $MPDTUI_CACHE_DIR")


# --- mutations of a valid slice -----------------------------------------------------------------

PLAYLIST_KEYS = [*mpd_validation.PLAYLIST_FIELDS, "description", "extra"]
TRACK_KEYS = [*mpd_validation.TRACK_FIELDS, "extra"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False)
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**53, 2**63 - 1, 2**63, 2**64 - 1, 2**64])
    | st.text(max_size=30) | st.sampled_from(["", "\0", "\x1b[2J", "true", "false",
                                               "spotify:track:" + "A" * 22, "[red]x[/red]"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5)
MISSING = object()


@st.composite
def mutations(draw: st.DrawFn) -> tuple[int, int | None, str, Any]:
    """(playlist index, track index or None, field, new value or MISSING to delete it)."""
    playlist = draw(st.integers(0, 2))
    track = draw(st.none() | st.integers(0, len(playlists_from(0)[playlist]["tracks"]) - 1))
    key = draw(st.sampled_from(PLAYLIST_KEYS if track is None else TRACK_KEYS))
    return playlist, track, key, draw(st.just(MISSING) | JSON_VALUES)


def _mutated(mutation: tuple[int, int | None, str, Any]) -> list[dict[str, Any]]:
    index, track, key, value = mutation
    playlists = playlists_from(3)
    target = playlists[index] if track is None else playlists[index]["tracks"][track]
    if value is MISSING:
        target.pop(key, None)
    else:
        target[key] = value
    return playlists


@settings(max_examples=50, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutation=mutations())
def test_a_mutated_slice_is_stored_exactly_or_refused(store: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      mutation: tuple[int, int | None, str, Any]) -> None:
    """Whatever one field becomes, the slice is either stored as it reads (every value read
    back equal) or refused in one line naming it, leaving the store as it was."""
    playlists = _mutated(mutation)
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        shutil.copytree(store, cache)
        bad = write_slice(Path(scratch) / "source", 3, raw=json.dumps({"playlists": playlists}).encode())
        before = store_dump(Locations.resolve(cache))
        outcome = ingest(capsys, cache, bad)
        if outcome.code == 0:
            _assert_stored_as_written(Locations.resolve(cache), playlists)
            return
        assert_refused(outcome, f"mpdtui: {bad}: ")
        assert store_dump(Locations.resolve(cache)) == before
        skipped = ingest(capsys, cache, bad, "--skip-bad")
        assert skipped.code == 0 and f"{bad}: " in skipped.err
        assert store_dump(Locations.resolve(cache)) == before


def _assert_stored_as_written(locations: Locations, playlists: list[dict[str, Any]]) -> None:
    with Catalog.open(locations) as catalog:
        stored = catalog.query(
            "SELECT pid, name, modified_at, num_followers, num_edits, num_rows FROM playlists "
            "WHERE slice_id = (SELECT id FROM slices WHERE name = ?) ORDER BY row", (slice_name(3),))
        assert stored == [(p["pid"], p["name"], p["modified_at"], p["num_followers"], p["num_edits"],
                           len(p["tracks"])) for p in playlists]
        durations = catalog.track_arrays()[2]  # as the models read them
        first_duration: dict[str, int] = {}  # the catalog keeps a track's first row
        for playlist in [*playlists_from(0), *playlists]:
            for track in playlist["tracks"]:
                first_duration.setdefault(track["track_uri"], track["duration_ms"])
        for uri, duration in first_duration.items():
            (track_id,) = catalog.track_ids([uri])
            assert track_id is not None and int(durations[track_id]) == duration, uri
