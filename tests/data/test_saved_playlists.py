"""The builder's saved playlists: CRUD, unique names, metadata, durability across kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import orjson
import pytest

from mpdtui.data.builder_draft import Draft, left_drafts, read_draft, take_draft, write_draft
from mpdtui.data.saved_playlists import (
    ExportState,
    PlaylistExists,
    PlaylistNotFound,
    PlaylistStoreError,
    SavedPlaylists,
    TrackEntry,
)
from mpdtui.errors import UserError
from mpdtui.locations import Locations

URIS = [f"spotify:track:{n:022d}" for n in range(5)]


@pytest.fixture
def store(tmp_path: Path):
    with SavedPlaylists.open(Locations.resolve(tmp_path)) as playlists:
        yield playlists


def test_create_get_list(store: SavedPlaylists) -> None:
    entry = TrackEntry(URIS[1], "Title é", "Artist", 201_500)
    created = store.create("  Road trip ", [URIS[0], entry])
    assert created.name == "Road trip" and created.uris == URIS[:2]
    assert store.get("Road trip").tracks[1] == entry
    assert store.get(created.id).tracks[0] == TrackEntry(URIS[0])
    store.create("Empty")
    assert [(s.name, s.num_tracks) for s in store.list()] == [("Empty", 0), ("Road trip", 2)]


def test_names_are_unique_and_errors_are_user_errors(store: SavedPlaylists) -> None:
    store.create("A", URIS)
    with pytest.raises(PlaylistExists, match=r"'A' already exists: choose another name$"):
        store.create("A")
    with pytest.raises(PlaylistNotFound, match="no saved playlist named 'B'"):
        store.get("B")
    with pytest.raises(UserError, match="empty"):
        store.create("   ")
    assert store.get("A").uris == URIS  # a failed call changes nothing


def test_a_name_no_playlist_has_says_what_to_type(store: SavedPlaylists) -> None:
    with pytest.raises(PlaylistNotFound, match=r"none is saved yet: .*mpdtui import-spotify"):
        store.get("Road trip")
    store.create("Road trip")
    store.create("Rainy sunday")
    assert store.get(" Road trip  ").name == "Road trip"  # the name it was saved under
    with pytest.raises(PlaylistNotFound, match=r"named 'road trp'; did you mean 'Road trip'\?$"):
        store.get("road trp")
    with pytest.raises(PlaylistNotFound, match=r"named 'x'; saved: 'Rainy sunday', 'Road trip'$"):
        store.get("x")
    for n in range(6):
        store.create(f"Mix {n}")
    with pytest.raises(PlaylistNotFound,
                       match=r"saved: 'Mix 5', 'Mix 4', 'Mix 3', 'Mix 2', 'Mix 1' and 3 more "
                             r"\(`mpdtui playlists` lists them all\)$"):
        store.get("x")


def test_rename_duplicate_delete(store: SavedPlaylists) -> None:
    original = store.create("Mix", URIS)
    store.create("Other")
    with pytest.raises(PlaylistExists):
        store.rename("Mix", "Other")
    renamed = store.rename(original.id, "Evening mix")
    assert renamed.id == original.id and renamed.uris == URIS
    copy = store.duplicate("Evening mix")
    second = store.duplicate("Evening mix")
    assert (copy.name, second.name) == ("Evening mix (copy)", "Evening mix (copy) 2")
    assert copy.uris == URIS and copy.id != original.id
    named = store.duplicate(original.id, "Chosen")
    assert named.name == "Chosen"
    store.delete("Evening mix")
    with pytest.raises(PlaylistNotFound):
        store.get(original.id)
    assert store.get(copy.id).uris == URIS  # copies are independent


def test_save_creates_or_replaces_and_keeps_order(store: SavedPlaylists) -> None:
    store.save("Mix", URIS[:3])
    saved = store.save("Mix", list(reversed(URIS)))
    assert saved.uris == list(reversed(URIS))
    assert len(store.list()) == 1
    assert store.set_tracks("Mix", []).tracks == ()


def test_export_state_round_trip_and_cascade(store: SavedPlaylists) -> None:
    playlist = store.create("Mix", URIS)
    assert store.export_state("Mix") is None
    state = ExportState("sp1", "https://open.spotify.com/playlist/sp1",
                        playlist.content_key(), 100, False)
    store.record_export(playlist.id, state)
    assert store.export_state(playlist.id) == state
    assert store.set_tracks("Mix", URIS[:2]).content_key() != playlist.content_key()
    store.delete("Mix")
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM spotify_exports").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM playlist_tracks").fetchone() == (0,)


def test_threads_can_share_the_store(store: SavedPlaylists) -> None:
    names = [f"P{n}" for n in range(4)]
    for name in names:
        store.create(name)

    def work(name: str) -> None:
        for round_ in range(20):
            store.set_tracks(name, URIS[: round_ % 5 + 1])

    threads = [threading.Thread(target=work, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(store.get(name).uris == URIS for name in names)


def test_a_kill_right_after_save_loses_nothing(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        from mpdtui.data.saved_playlists import SavedPlaylists, TrackEntry
        from mpdtui.locations import Locations
        store = SavedPlaylists.open(Locations.resolve({str(tmp_path)!r}))
        store.create("Kept", [TrackEntry("{URIS[0]}", "T", "A", 1000)])
        store.set_tracks("Kept", {URIS!r})
        print("saved", flush=True)
        time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[2])
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "saved"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with SavedPlaylists.open(Locations.resolve(tmp_path)) as store:
        assert store.get("Kept").uris == URIS


def test_other_versions_and_garbage_are_refused(tmp_path: Path) -> None:
    locations = Locations.resolve(tmp_path)
    SavedPlaylists.open(locations).close()
    with sqlite3.connect(locations.playlists_db) as db:
        db.execute("UPDATE meta SET value = '7' WHERE key = 'version'")
    with pytest.raises(PlaylistStoreError, match="version 7"):
        SavedPlaylists.open(locations)
    garbage = Locations.resolve(tmp_path / "other")
    garbage.ensure().playlists_db.write_bytes(b"\x00garbage" * 200)
    with pytest.raises(UserError, match="not a playlists database"):
        SavedPlaylists.open(garbage)


def test_a_builder_draft_reads_back_and_a_bad_one_reads_as_none(tmp_path: Path) -> None:
    """A draft is a convenience: one that cannot be read never stops the app."""
    path = tmp_path / "builder-draft.json"
    draft = Draft("rainy sunday", ("spotify:track:a", "spotify:track:b"), 3, "rainy",
                  ("spotify:track:a",), 4242)
    write_draft(path, draft)
    assert read_draft(path) == draft
    assert read_draft(tmp_path / "none.json") is None
    good = orjson.loads(path.read_bytes())
    for damage in (b"{\"format\": \"builder-draft\", \"vers", b"[]",
                   orjson.dumps({**good, "version": 99}), orjson.dumps({**good, "uris": "ab"}),
                   orjson.dumps({**good, "uris": [1]}), orjson.dumps({**good, "editing": "3"}),
                   orjson.dumps({**good, "pid": True})):
        path.write_bytes(damage)
        assert read_draft(path) is None, damage
    path.unlink()
    path.mkdir()  # not a file at all
    assert read_draft(path) is None


def test_left_drafts_are_those_of_apps_not_running_newest_first(tmp_path: Path) -> None:
    """A draft in this process's own file comes first whatever its age (its pid was once
    another app's): taking any other would replace it."""
    locations = Locations.resolve(tmp_path)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    old_file = Draft("old file", (URIS[0],), pid=ended.pid)
    running = Draft("open window", (URIS[1],), pid=os.getppid())
    newest = Draft("newest", (URIS[2],), pid=ended.pid)
    own = Draft("own", (URIS[3],), pid=os.getpid())
    for path, draft, age in ((locations.old_builder_draft, old_file, 30),
                             (locations.builder_draft_of(os.getppid()), running, 0),
                             (locations.builder_draft_of(ended.pid), newest, 10),
                             (locations.builder_draft_of(os.getpid()), own, 40)):
        write_draft(path, draft)
        os.utime(path, (path.stat().st_mtime - age,) * 2)
    (locations.builder_drafts / "builder-7.json").write_bytes(b"[]")  # damaged: skipped
    (locations.builder_drafts / "notes.json").write_bytes(b"{}")  # not a draft's name
    left = left_drafts(locations)
    assert [draft for _, draft in left] == [own, newest, old_file]
    assert take_draft(left[1][0], locations) is True  # the newest: now this process's own
    assert read_draft(locations.builder_draft_of(os.getpid())) == newest
    assert take_draft(left[1][0], locations) is False  # taken already
