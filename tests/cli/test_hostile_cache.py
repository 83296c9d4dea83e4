"""Hostile caches and terminals (issue 12): damaged cache files, a read-only cache dir, output
into a closed pipe, escape sequences in the data, and a Spotify login under attack. A damaged
file is one line (exit 2) naming it, changes nothing, and its advice works when followed."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import orjson
import pytest
import requests
from desktop_browser import desktop_browser, no_desktop
from fake_spotify import FakeSpotify
from hostile_support import (  # noqa: F401 (jobs_in_process: a fixture)
    InProcessJob,
    Outcome,
    as_typed,
    assert_refused,
    file_digests,
    follow_advice,
    jobs_in_process,
    playlists_from,
    run_cli,
    without_file_capabilities,
    write_slice,
)
from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate

from mpdtui.cli import main
from mpdtui.commands.playlists import NONE_YET
from mpdtui.data.builder_draft import Draft, write_draft
from mpdtui.data.catalog import Catalog, Track
from mpdtui.data.demo_files import FEATURES_CSV
from mpdtui.locations import Locations
from mpdtui.pipeline.sources import DemoSpec
from mpdtui.printable import printable
from mpdtui.services.root import open_services
from mpdtui.spotify import auth, session
from mpdtui.tui.widgets.track_table import TrackTable

MODELS = ("popularity", "title")
TEMPLATE_PLAYLISTS = 300


pytestmark = pytest.mark.usefixtures("jobs_in_process")


@pytest.fixture(scope="module")
def template(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo's first playlists ingested through the CLI (so the source is recorded),
    their features imported, the light models trained. Read-only: tests work on copies."""
    root = tmp_path_factory.mktemp("hostile-cache")
    source = root / "mpd"
    source.mkdir()
    playlists = orjson.loads((small_demo / "mpd.slice.0-999.json").read_bytes())["playlists"]
    (source / f"mpd.slice.0-{TEMPLATE_PLAYLISTS - 1}.json").write_bytes(
        orjson.dumps({"playlists": playlists[:TEMPLATE_PLAYLISTS]}))
    shutil.copy(small_demo / FEATURES_CSV, source)
    cache = root / "cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)
        assert main(["--cache-dir", str(cache), "ingest", str(source)]) == 0
        assert main(["--cache-dir", str(cache), "features", "--csv", str(source / FEATURES_CSV)]) == 0
    open_services(Locations.resolve(cache)).jobs.train(list(MODELS))
    return cache


@pytest.fixture
def cache(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "cache"
    shutil.copytree(template, copy)
    return copy


def data_source(cache: Path) -> str:
    """The MPD folder the cache's catalog was ingested from."""
    with Catalog.open(Locations.resolve(cache)) as catalog:
        return str(catalog.sources()[0]["path"])


def demo_csv(cache: Path) -> str:
    return str(Path(data_source(cache)) / FEATURES_CSV)


# --- damaged files -------------------------------------------------------------------------------

def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00garbage" * 200)


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])


def _flipped(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 16):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _table_page_overwritten(table: str) -> Callable[[Path], None]:
    """Overwrite the root page of one table: the file opens, that table's reads fail."""
    def damage(path: Path) -> None:
        with sqlite3.connect(path) as db:
            root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
            page = db.execute("PRAGMA page_size").fetchone()[0]
        db.close()
        data = bytearray(path.read_bytes())
        data[(root - 1) * page:root * page] = b"\x55" * page
        path.write_bytes(bytes(data))
    return damage


def _pickled(path: Path) -> None:
    with open(path, "wb") as fh:
        np.savez(fh, factors=np.array([{"not": "an array"}], dtype=object))


def _escape_in_header(path: Path) -> None:
    """An escape sequence in an array's header, the CRC left as it was: numpy's header parse
    (`ast.literal_eval`) raised tokenize.TokenError, "unexpected error", exit code 1."""
    data = bytearray(path.read_bytes())
    start = data.index(b"'fortran_order': False")
    data[start:start + 22] = b"'fortran_order': \x1b[31m"
    path.write_bytes(bytes(data))


def _json(document: Any) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        path.write_text(json.dumps(document))
    return damage


def _meta_of_version(version: int) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        meta = json.loads(path.read_text())
        path.write_text(json.dumps({**meta, "version": version}))
    return damage


SUGGEST = ("suggest", "--name", "chill", "--k", "3")
DAMAGED: list[tuple[str, str, Callable[[Path], None], tuple[str, ...], str]] = [
    ("catalog: a table's page", "catalog.sqlite3", _table_page_overwritten("playlists"), ("info",),
     "is damaged (database disk image is malformed): delete it and run `mpdtui ingest "),
    ("catalog: garbage", "catalog.sqlite3", _garbage, SUGGEST, "is damaged (file is not a database)"),
    ("catalog: truncated", "catalog.sqlite3", _truncated, ("--train", "--models", "popularity"),
     "is damaged"),
    ("model arrays: flipped bytes", "models/popularity/arrays.npz", _flipped,
     (*SUGGEST, "--model", "popularity"), "is damaged (not a readable archive"),
    ("model arrays: truncated", "models/title/arrays.npz", _truncated, (*SUGGEST, "--model", "title"),
     "is damaged"),
    ("model arrays: a pickled object", "models/title/arrays.npz", _pickled,
     (*SUGGEST, "--model", "title"), "holds pickled objects, which mpdtui never writes"),
    ("model arrays: an escape in a header", "models/popularity/arrays.npz", _escape_in_header,
     (*SUGGEST, "--model", "popularity"), "is an .npy header that mpdtui does not read: "
     "\"{'descr': '<i8', 'fortran_order': \\x1b[31m,"),
    ("model meta: another version", "models/popularity/meta.json", _meta_of_version(99),
     (*SUGGEST, "--model", "popularity"), "is version 99 of the 'popularity' model, this "
     "mpdtui reads version 1"),
    ("model meta: garbage", "models/title/meta.json", _garbage, (*SUGGEST, "--model", "title"),
     "is unreadable"),
    ("model meta: a list", "models/popularity/meta.json", _json([1, 2]),
     (*SUGGEST, "--model", "popularity"), "is not a saved 'popularity' model"),
    ("interactions: garbage", "interactions.npz", _garbage, SUGGEST, "is damaged"),
    ("config: a list", "config.json", _json([]), ("--train", "--models", "popularity"),
     "is corrupt (not a JSON object)"),
    ("config: a setting of the wrong type", "config.json",
     _json({"format": "mpdtui-config", "version": 1,
            "model_settings": {"title": {"max_similar": "many"}}}),
     ("--train", "--models", "popularity"),
     '"model_settings": model \'title\' setting max_similar: expected a whole number, got "many"'),
    ("config: a setting out of bounds", "config.json",
     _json({"format": "mpdtui-config", "version": 1,
            "model_settings": {"ranker": {"components": ["als", "ranker"]}}}),
     ("--train", "--models", "popularity"), "model 'ranker' setting components: expected some of"),
    ("features: garbage", "features.sqlite3", _garbage, ("info",), "is not a features database"),
]


@pytest.mark.parametrize(("relative", "damage", "command", "expected"), [c[1:] for c in DAMAGED],
                         ids=[c[0] for c in DAMAGED])
def test_damaged_file_is_one_line_and_its_advice_works(
        cache: Path, capsys: pytest.CaptureFixture[str], relative: str,
        damage: Callable[[Path], None], command: tuple[str, ...], expected: str) -> None:
    placeholders = {"FILE": demo_csv(cache)}
    damage(cache / relative)
    before = file_digests(cache)

    line = assert_refused(run_cli(capsys, cache, *command), f"mpdtui: {cache / relative}", expected)
    assert "allow_pickle" not in line
    assert file_digests(cache) == before, "the failed command changed nothing"

    followed = follow_advice(line, capsys, cache, command, placeholders)
    assert followed.code == 0, (line, followed)


def test_damaged_chunk_says_how_to_rebuild_the_catalog(cache: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A chunk is read when the matrices are rebuilt (here: the next ingest after they went)."""
    chunk = cache / "chunks" / "slice-00000.npz"
    _garbage(chunk)
    (cache / "interactions.npz").unlink()
    source = data_source(cache)
    line = assert_refused(run_cli(capsys, cache, "ingest", source), f"mpdtui: {chunk} is damaged",
                          f"delete {cache / 'catalog.sqlite3'} and run `mpdtui ingest {source}`")
    assert follow_advice(line, capsys, cache, ("ingest", source)).code == 0
    assert run_cli(capsys, cache, *SUGGEST).code == 0


def test_an_empty_catalog_file_is_said_to_hold_no_catalog(
        cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It said "has catalog format version None" (SQLite opens an empty file as a new
    database; its -wal, the last ingest's, goes too, as it would be replayed)."""
    catalog = cache / "catalog.sqlite3"
    catalog.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        catalog.with_name(catalog.name + suffix).unlink(missing_ok=True)
    line = assert_refused(run_cli(capsys, cache, "info"), f"mpdtui: {catalog} holds no catalog "
                          "(it records no format version): delete it and run `mpdtui ingest ")
    assert follow_advice(line, capsys, cache, ("info",)).code == 0


def test_info_names_a_damaged_model_with_the_advice_of_suggest(
        cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It listed the other models, and the damaged one nowhere."""
    (cache / "models" / "title" / "meta.json").write_text("{")
    advice = "train it again with `mpdtui --train --models title`"
    assert_refused(run_cli(capsys, cache, *SUGGEST, "--model", "title"), advice)
    info = run_cli(capsys, cache, "info")
    assert info.code == 0, info
    assert (" models: popularity; damaged: title (its meta.json is unreadable): "
            f"{advice}") in " ".join(info.out.split())
    assert run_cli(capsys, cache, "--train", "--models", "title").code == 0
    info = run_cli(capsys, cache, "info")
    assert " models: popularity, title\n" in info.out and "damaged:" not in info.out


def test_an_interrupted_submit_says_nothing_was_written_and_it_starts_over(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """It said "what was finished is kept; run the same command again to resume", and a
    rerun started from the first playlist (the answers are written once all are made)."""
    challenge = tmp_path / "challenge_set.json"
    challenge.write_bytes(orjson.dumps({"playlists": [{"pid": pid, "tracks": []}
                                                      for pid in range(250)]}))

    def ctrl_c(progress: object, stage: str, done: float, *args: object, **kwargs: object) -> None:
        if done:
            raise KeyboardInterrupt

    earlier = "team_info,earlier,e@example.com\n"
    for out, kept in ((tmp_path / "earlier.csv", f"{tmp_path / 'earlier.csv'} is as it was"),
                      (tmp_path / "new.csv", "nothing was written")):
        if out.name == "earlier.csv":
            out.write_text(earlier)
        command = ("submit", "--challenge-set", str(challenge), "--out", str(out), "--model",
                   "popularity")
        with monkeypatch.context() as patch:
            patch.setattr("mpdtui.submission.report", ctrl_c)
            stopped = run_cli(capsys, cache, *command)
        assert stopped.code == 130, stopped
        assert stopped.err.splitlines()[-1] == (
            f"interrupted: {kept} (the answers are written once all are made); running the "
            "same command again starts over")
        assert (out.read_text() == earlier) if out.name == "earlier.csv" else not out.exists()
        assert run_cli(capsys, cache, *command).code == 0
        assert len(out.read_text().splitlines()) == 1 + 250


def test_damaged_saved_playlists_are_kept(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Saved playlists are the user's: the advice moves them away, never deletes them."""
    store = cache / "playlists.sqlite3"
    _garbage(store)
    before = file_digests(cache)
    line = assert_refused(run_cli(capsys, cache, "export", "Mix", "--to", "json"),
                          f"mpdtui: {store} is not a playlists database", "move it away")
    assert "delete" not in line
    assert file_digests(cache) == before


# --- a read-only cache dir --------------------------------------------------------------------------

def test_a_bad_model_setting_stops_only_the_work_with_models(
        cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Ingest and features never read model settings: they go on; training and evaluation say
    the setting before any work."""
    config = cache / "config.json"
    config.write_text(json.dumps({"format": "mpdtui-config", "version": 1,
                                  "model_settings": {"als": {"factors": "many"}}}))
    for command in (("ingest", data_source(cache)), ("features", "--csv", demo_csv(cache))):
        outcome = run_cli(capsys, cache, *command)
        assert outcome.code == 0, outcome
    for command in (("evaluate",), ("--train", "--models", "popularity")):
        assert_refused(run_cli(capsys, cache, *command), f"mpdtui: {config}",
                       "model 'als' setting factors: expected a whole number")


def test_a_config_written_by_hand_is_read(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """README shows config.json's keys; a file someone writes with just those (no "format" and
    "version") is read as this version's, and a change the app makes keeps them."""
    config = cache / "config.json"
    config.write_text(json.dumps({"model_settings": {"title": {"max_similar": "many"}}}))
    assert_refused(run_cli(capsys, cache, "--train", "--models", "popularity"),
                   f"mpdtui: {config}", "model 'title' setting max_similar: expected a whole")
    config.write_text(json.dumps({"model_settings": {"title": {"max_similar": 20}},
                                  "demo": {"playlists": 500, "seed": 4}}))
    assert run_cli(capsys, cache, "--train", "--models", "title").code == 0
    locations = Locations.resolve(cache)
    open_services(locations).playlist_files.set_export_folder(cache / "exports")
    written = json.loads(config.read_text())
    assert written["model_settings"] == {"title": {"max_similar": 20}}
    assert (written["format"], written["version"], written["demo"]) == (
        "mpdtui-config", 1, {"playlists": 500, "seed": 4})
    assert open_services(locations).data.demo_spec() == DemoSpec(500, 4)


@contextmanager
def read_only(root: Path) -> Iterator[None]:
    modes = {path: path.stat().st_mode for path in [root, *root.rglob("*")]}
    for path, mode in modes.items():
        path.chmod(mode & ~0o222)
    try:
        yield
    finally:
        for path, mode in reversed(modes.items()):
            if path.exists():  # SQLite's -wal/-shm files go when the last connection closes
                path.chmod(mode)


def _disk_full() -> None:
    """In the child: no file grows past 1 KB (EFBIG, not a signal), as on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))


def run_child(cache: Path, *args: str, as_plain_user: bool = False, disk_full: bool = False,
              stdout: int = subprocess.PIPE) -> Outcome:
    """`mpdtui` in a child process; `as_plain_user`: subject to file permissions even as root;
    `disk_full`: no file it writes grows past 1 KB."""
    preexec = (without_file_capabilities if as_plain_user and os.geteuid() == 0
               else _disk_full if disk_full else None)
    done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), *args],
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=300,
                          preexec_fn=preexec)
    return Outcome(done.returncode, as_typed(done.stdout or "", cache), as_typed(done.stderr, cache))


def save_a_playlist(cache: Path) -> None:
    services = open_services(Locations.resolve(cache))
    services.playlists.save("Kept", services.catalog.tracks([1, 2, 3]))
    services.close()


TAKE_DRAFT = """import sys
from mpdtui.locations import Locations
from mpdtui.services.root import open_services
draft = open_services(Locations.resolve(sys.argv[1])).playlists.take_draft()
print(draft and draft.name)"""


def test_a_read_only_cache_can_be_read(cache: Path) -> None:
    save_a_playlist(cache)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])  # the app that left a draft
    ended.wait()
    locations = Locations.resolve(cache)
    uri = open_services(locations).catalog.tracks([4])[0].uri
    write_draft(locations.builder_draft_of(ended.pid), Draft("left", (uri,), pid=ended.pid))
    with read_only(cache):
        before = file_digests(cache)
        try:
            info = run_child(cache, "info", as_plain_user=True)
        except subprocess.SubprocessError as exc:  # the capabilities could not be dropped
            pytest.skip(f"cannot run as a plain user here: {exc}")
        assert info.code == 0, info.err
        assert f"playlists: {TEMPLATE_PLAYLISTS}" in info.out and "popularity, title" in info.out
        suggest = run_child(cache, *SUGGEST, as_plain_user=True)
        assert suggest.code == 0, suggest.err
        assert suggest.out.count("spotify:track:") == 3
        source = data_source(cache)
        ingest = run_child(cache, "ingest", source, as_plain_user=True)
        assert_refused(ingest, f"mpdtui: {cache}/", "(check the path and permissions)")
        listed = run_child(cache, "playlists", "Kept", as_plain_user=True)
        assert listed.code == 0 and "3 tracks" in listed.out, listed.err
        taken = subprocess.run([sys.executable, "-c", TAKE_DRAFT, str(cache)], text=True,
                               capture_output=True, timeout=120,
                               preexec_fn=without_file_capabilities)
        assert taken.stdout == "left\n", taken.stderr  # shown, though it stays where it is
        assert file_digests(cache) == before


def test_a_read_only_cache_without_saved_playlists_lists_none(cache: Path) -> None:
    """Listing made the playlists' store first, which a read-only cache dir refused."""
    assert not (cache / "playlists.sqlite3").exists()
    with read_only(cache):
        try:
            listed = run_child(cache, "playlists", as_plain_user=True)
        except subprocess.SubprocessError as exc:  # the capabilities could not be dropped
            pytest.skip(f"cannot run as a plain user here: {exc}")
    assert (listed.code, listed.out.strip(), listed.err) == (0, NONE_YET, "")


def test_a_cache_on_a_full_disk_can_be_read(cache: Path) -> None:
    """SQLite could not grow the catalog's -shm file: every command and the app stopped at
    "Input/output error" ("the disk failed it"), where reading needs nothing written. Its
    temporary files too (the features' joins): /tmp is often on that disk."""
    save_a_playlist(cache)
    before = file_digests(cache)
    info = run_child(cache, "info", disk_full=True)
    assert info.code == 0, info.err
    assert f"playlists: {TEMPLATE_PLAYLISTS}" in info.out and "14,314 from CSV" in info.out
    suggest = run_child(cache, *SUGGEST, disk_full=True)
    assert suggest.code == 0, suggest.err
    assert suggest.out.count("spotify:track:") == 3
    listed = run_child(cache, "playlists", disk_full=True)  # read-only too: their store
    assert listed.code == 0 and "Kept" in listed.out, listed.err
    assert file_digests(cache) == before


# --- output into a closed pipe ------------------------------------------------------------------------

@pytest.mark.parametrize("command", [("info",), ("evaluate",)])
def test_output_into_a_closed_pipe_ends_quietly(cache: Path, command: tuple[str, ...]) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # like `| head` that has already exited: every write is EPIPE
    try:
        done = run_child(cache, *command, stdout=writer)
    finally:
        os.close(writer)
    assert (done.code, done.err) == (0, "")


def test_progress_into_a_closed_standard_error_lets_the_json_come(cache: Path,
                                                                   tmp_path: Path) -> None:
    """`--json` puts the progress on stderr: `mpdtui evaluate --json 2>&1 >report.json | head
    -1` stopped the evaluation at its first line (exit code 1, no JSON, nothing said)."""
    reader, writer = os.pipe()
    os.close(reader)
    report = tmp_path / "report.json"
    try:
        with open(report, "w") as out:
            done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache),
                                   "evaluate", "--json", "--no-save"], stdout=out, stderr=writer,
                                  timeout=300)
    finally:
        os.close(writer)
    assert done.returncode == 0
    assert set(json.loads(report.read_text())["models"]) == set(MODELS)


# --- escape sequences and markup in the data --------------------------------------------------------

HOSTILE_NAMES = {
    "track_name": "\x1b]0;pwned\x07[red]boom[/red]",
    "artist_name": "\x1b[2J\x1b[31mArtist[/]",
    "album_name": "\u202eevil\x9b31m",
}
HOSTILE_URI = "spotify:track:" + "E" * 22
HOSTILE_PLAYLIST = "zzhostile"


def _hostile_slice(folder: Path) -> Path:
    """Playlists of one name all holding a track named with escapes: what the title model
    suggests first for that name."""
    playlists = []
    for n in range(50):
        playlist = playlists_from(100_000 + 3 * n)[0]
        playlist["name"] = f"{HOSTILE_PLAYLIST} \x1b[1m"
        playlist["tracks"][0].update(track_uri=HOSTILE_URI, **HOSTILE_NAMES)
        playlists.append(playlist)
    return write_slice(folder, 100_000, playlists)


def test_escapes_in_the_data_are_printed_as_text(cache: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one table row per line
    assert run_cli(capsys, cache, "ingest", str(_hostile_slice(tmp_path / "source"))).code == 0
    open_services(Locations.resolve(cache)).jobs.train(list(MODELS))

    suggest = ("suggest", "--model", "title", "--name", HOSTILE_PLAYLIST, "--k", "3")
    table = run_cli(capsys, cache, *suggest)
    as_json = run_cli(capsys, cache, *suggest, "--json")
    assert table.code == as_json.code == 0
    for shown in (table.out, as_json.out):
        assert not set(shown) & {"\x1b", "\x07", "\x9b", "\u202e"}, "nothing a terminal acts on"
    assert printable(HOSTILE_NAMES["track_name"]) in table.out  # [red] kept as typed
    assert printable(HOSTILE_NAMES["artist_name"]) in table.out
    assert json.loads(as_json.out)[0]["track"] == HOSTILE_NAMES["track_name"], "the data itself"
    found = run_cli(capsys, cache, "search", HOSTILE_URI)  # search shows the album too
    escaped = run_cli(capsys, cache, "search", "\x1b[2J")  # the words typed are echoed
    assert found.code == escaped.code == 0
    assert not set(found.out + escaped.out) & {"\x1b", "\x07", "\x9b", "\u202e"}
    assert printable(HOSTILE_NAMES["album_name"]) in found.out


class _TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TrackTable(with_reason=True)


@pytest.mark.asyncio
async def test_escapes_in_the_data_are_shown_as_text_in_the_app() -> None:
    track = Track(0, HOSTILE_URI, "\x1b[2J[red]x", "[b]a[/b]", "spotify:artist:x", "\x07al",
                  "spotify:album:x", 200_000, 1)
    app = _TableApp()
    async with app.run_test(size=(120, 10)) as pilot:
        table = app.query_one(TrackTable)
        table.show([track], ["often with [i]y[/i]"])
        await pilot.pause()
        cells = [table.get_cell_at(Coordinate(0, column)) for column in (0, 1, 2, 4)]
        screen = app.export_screenshot()
    assert [str(cell) for cell in cells] == ["\\x1b[2J[red]x", "[b]a[/b]", "\\x07al", "often with [i]y[/i]"]
    assert all(isinstance(cell, Text) for cell in cells), "never read as markup"
    assert "[red]x" in screen and "[b]a[/b]" in screen and "\x1b" not in screen


# --- the Spotify login ----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _browser(url: str) -> None:
    """The user's browser: follows the authorize URL and its redirect to the callback."""
    assert requests.get(url, timeout=10).status_code == 200


@pytest.fixture
def spotify(fake: FakeSpotify, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeSpotify:
    """The fake, a desktop's browser that consents, and the login's redirect on a free port."""
    monkeypatch.setenv("MPDTUI_SPOTIFY_CLIENT_ID", fake.state.client_id)
    desktop_browser(monkeypatch, tmp_path, follow=True)
    monkeypatch.setattr(session, "DEFAULT_PORT", _free_port())
    return fake


TOKEN = {"access_token": "AT-secret", "refresh_token": "RT-secret", "expires_at": 1_900_000_000,
         "scope": "", "mpdtui_client_id": "test-client-id"}


@pytest.mark.parametrize(("content", "expected"), [
    (json.dumps({**TOKEN, "expires_at": "soon"}), "field \"expires_at\" is 'soon', expected a time"),
    (json.dumps({**TOKEN, "expires_at": 1e300}), 'field "expires_at" is 1e+300'),
    (json.dumps({**TOKEN, "refresh_token": 5}), 'field "refresh_token" is int, expected a string'),
    (json.dumps({**TOKEN, "mpdtui_display_name": ["x"]}), 'field "mpdtui_display_name"'),
    (json.dumps([TOKEN]), "is damaged (not a JSON object)"),
    ("{not json", "is damaged (not JSON)"),
], ids=["expires_at text", "expires_at huge", "refresh_token number", "name a list", "a list",
        "not JSON"])
def test_damaged_token_file_is_one_line_and_auth_replaces_it(
        spotify: FakeSpotify, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str,
        expected: str) -> None:
    cache = Locations.resolve(tmp_path / "cache").ensure()
    cache.spotify_token.write_text(content)
    line = assert_refused(run_cli(capsys, cache.root, "auth", "--status"), f"mpdtui: {cache.spotify_token}",
                          expected, "run `mpdtui auth`")
    assert "secret" not in line, "never a token"
    assert follow_advice(line, capsys, cache.root, ("auth", "--status")).code == 0


def test_no_browser_login_through_the_callback_exits_cleanly(spotify: FakeSpotify,
                                                             tmp_path: Path) -> None:
    """The pasted-URL reader still waits on stdin when the callback ends the login."""
    port = _free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(tmp_path / "cache"), "auth",
         "--no-browser", "--client-id", spotify.state.client_id, "--port", str(port)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = ""
        while not url.startswith(spotify.accounts_url):
            url = child.stdout.readline().strip()
            assert url or child.poll() is None, child.stderr.read()
        _browser(url)
        code = child.wait(timeout=60)  # stdin stays open: the reader is still waiting
        out, err = child.stdout.read(), child.stderr.read()
    finally:
        child.stdin.close()
        child.kill()
    assert code == 0, err
    assert "Logged in to Spotify as Fake User" in out
    assert "Fatal Python error" not in err and err == ""


def _no_browser_login(spotify: FakeSpotify, cache: Path,
                      flag: str = "--no-browser") -> tuple[subprocess.Popen[str], str]:
    """`mpdtui auth --no-browser` started, and the authorize URL it shows."""
    child = subprocess.Popen(
        [sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), "auth", *([flag] if flag else []),
         "--client-id", spotify.state.client_id, "--port", str(_free_port())],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = ""
    while not url.startswith(spotify.accounts_url):
        url = _unbuffered_line(child).strip()
        assert url or child.poll() is None, child.stderr.read()  # type: ignore[union-attr]
    return child, url


def _unbuffered_line(child: subprocess.Popen[str]) -> str:
    """A line of the child's output, read a byte at a time: `readline` reads ahead, and what
    it took past the line would be lost to a `communicate` after it (which reads the pipe)."""
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(child.stdout.fileno(), 1)  # type: ignore[union-attr]
        if not byte:
            break
        line += byte
    return line.decode()


def test_a_slip_while_pasting_asks_again(spotify: FakeSpotify, tmp_path: Path) -> None:
    """A blank line or a stray word ended the login (the advice, "paste the whole address",
    could not be followed); then nothing pasted was read, and it waited 5 minutes."""
    child, url = _no_browser_login(spotify, tmp_path / "cache")
    out = _pasted(child, f"\nhello\n{_redirect_of(url)}\n")
    assert out.count("Then paste the address") == 2 and out.count("That is not it") == 1
    assert "Logged in to Spotify as Fake User" in out
    # what to check when Spotify's page refuses the login instead: the URI of this login
    registered = parse_qs(urlparse(url).query)["redirect_uri"][0]
    assert out.startswith("If Spotify's page says INVALID_CLIENT: check the Client ID, and that "
                          "your app's Redirect URIs (developer.spotify.com/dashboard, your app, "
                          f"Settings) hold {registered} exactly.\n")


def test_without_a_desktop_auth_takes_the_pasted_address(spotify: FakeSpotify, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Over ssh, `mpdtui auth` needs no --no-browser: no browser can open, so it shows the
    login page's URL and takes the address pasted (before, it waited for a browser)."""
    no_desktop(monkeypatch)
    child, url = _no_browser_login(spotify, tmp_path / "cache", flag="")
    out = _pasted(child, f"{_redirect_of(url)}\n")
    assert "Then paste the address" in out and "Logged in to Spotify as Fake User" in out


def _redirect_of(url: str) -> str:
    """Where Spotify's page sends the browser once the user allows access."""
    return requests.get(url, allow_redirects=False, timeout=10).headers["Location"]


def _pasted(child: subprocess.Popen[str], typed: str) -> str:
    """What the login said, `typed` pasted into it; it ended well."""
    try:
        out, err = child.communicate(typed, timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, err
    return out


def test_no_browser_login_with_stdin_closed_says_so_and_waits_for_the_callback(
        spotify: FakeSpotify, tmp_path: Path) -> None:
    child, url = _no_browser_login(spotify, tmp_path / "cache")
    try:
        child.stdin.close()  # type: ignore[union-attr]
        said = child.stdout.readline()  # type: ignore[union-attr]
        _browser(url)
        code = child.wait(timeout=60)
        out = child.stdout.read()  # type: ignore[union-attr]
    finally:
        child.kill()
    assert "Nothing can be pasted (standard input is closed)" in said + out
    assert code == 0 and "Logged in to Spotify as Fake User" in out


def test_idle_connections_and_stray_redirects_do_not_end_or_block_the_login(
        spotify: FakeSpotify, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    idle: list[socket.socket] = []
    strays: list[int] = []

    def close_idle() -> None:
        for connection in idle:
            connection.close()

    def browser(url: str) -> None:
        redirect = parse_qs(urlparse(url).query)["redirect_uri"][0]
        idle.append(socket.create_connection(urlparse(redirect).netloc.split(":")))  # says nothing
        try:
            for stray in ("?code=stolen", "?code=stolen&state=forged", "?error=access_denied"):
                strays.append(requests.get(redirect + stray, timeout=10).status_code)
            _browser(url)
        except BaseException:
            close_idle()  # or a catcher stuck on it would never shut down
            raise

    try:
        result = auth.login(Locations.resolve(tmp_path / "cache"), spotify.state.client_id,
                            port=0, open_url=browser, timeout=30)
    finally:
        close_idle()
    assert result.logged_in and strays == [400, 400, 400]
    assert len(spotify.calls("api/token")) >= 1 and "stolen" not in str(spotify.calls("api/token")[0].body)
    assert "Traceback" not in capfd.readouterr().err


def test_cache_dir_is_created_private_under_umask_0(spotify: FakeSpotify, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from hostile_support import HANDMADE

    previous = os.umask(0)
    try:
        assert run_cli(capsys, tmp_path / "login", "auth").code == 0
        assert run_cli(capsys, tmp_path / "data", "ingest", str(HANDMADE)).code == 0
    finally:
        os.umask(previous)
    for root in (tmp_path / "login", tmp_path / "data"):
        assert stat.S_IMODE(root.stat().st_mode) == 0o700, root
    assert stat.S_IMODE((tmp_path / "login" / "spotify-token.json").stat().st_mode) == 0o600

