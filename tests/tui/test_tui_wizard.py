"""Pilot tests of the setup wizard, driven by keys only, on a tiny demo dataset."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from store_support import ingest_stopped_after_one_slice, mpd_playlist
from textual import events
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, OptionList, Static
from tui_support import (  # noqa: F401 (fixtures)
    MODELS,
    ONE_SLICE,
    SIZE,
    builder,
    builder_ready,
    footer_keys,
    ingested_copy,
    label_text,
    make_app,
    notifications,
    one_slice_folder,
    run_command,
    screen_name,
    settle,
    trained_copy,
    trained_dir,
    type_path,
    type_text,
    wait_for,
)

from models.checkpoint_run import record_run
from models.model_dir import peek_meta
from mpdtui import config
from mpdtui.data.catalog import Catalog
from mpdtui.data.files import write_json
from mpdtui.data.ingest import ingest_playlists
from mpdtui.locations import Locations
from mpdtui.pipeline.events import StageStarted
from mpdtui.pipeline.unfinished import TrainingMark
from mpdtui.services.root import open_services
from mpdtui.splits import current_split
from mpdtui.training import RETRAIN_FORMAT, RETRAIN_VERSION, new_model
from mpdtui.tui.screens.setup_cache import DEMO_BYTES_PER_PLAYLIST, about, demo_bytes
from mpdtui.tui.screens.wizard import SETUP_STEPS
from mpdtui.tui.text import size

pytestmark = pytest.mark.asyncio


async def test_first_run_walks_the_wizard_with_keys(trained_dir: Path, tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep", what="setup step 1")
        assert "Free disk space" in label_text(pilot, "#cache-free")
        await pilot.press("escape")  # nothing before the first step: it says so
        assert screen_name(pilot) == "CacheStep"
        assert "This is the first step: Next (ctrl+n) goes on, ctrl+q quits." in notifications(app)
        await pilot.press("enter")  # nothing typed: this folder, and on
        assert screen_name(pilot) == "DataStep"
        await type_path(pilot, trained_dir / "demo-mpd")
        await pilot.press("enter")
        await settle(pilot)
        assert "Data ready" in label_text(pilot, "#step-status")
        assert "1,500 playlists" in label_text(pilot, "#data-now")
        await pilot.press("ctrl+n")
        assert screen_name(pilot) == "SpotifyStep"
        assert "Not logged in" in label_text(pilot, "#spotify-user")
        await pilot.press("ctrl+n")  # skip Spotify
        assert screen_name(pilot) == "FeaturesStep"
        await type_path(pilot, trained_dir / "demo-mpd" / "tracks_features.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert "rows imported (tracks_features layout). " in label_text(pilot, "#step-status")
        await wait_for(pilot, lambda: "Features now cover" in label_text(pilot, "#step-status"),
                       what="the catalog's coverage")
        coverage = app.services.features.coverage()
        assert coverage is not None
        covered = f"{coverage['tracks'] - coverage['missing']:,} of the catalog's"
        assert f"{covered} {coverage['tracks']:,} tracks (" in label_text(pilot, "#step-status")
        assert label_text(pilot, "#step-status").endswith("). Press ctrl+n for the next step.")
        await pilot.press("ctrl+n")
        assert screen_name(pilot) == "TrainingStep"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "Done" in label_text(pilot, "#step-status")
        table = app.screen.query_one("#evaluation", DataTable)
        assert table.row_count == len(MODELS)
        assert "r_precision" in label_text(pilot, "#eval-title")
        await pilot.press("v")
        assert "r_precision_artist" in label_text(pilot, "#eval-title")
        assert "█" in str(app.screen.query_one("#chart").render())
        await pilot.press("ctrl+n")  # finish
        await builder_ready(pilot)
        assert app.screen.models == list(MODELS)  # type: ignore[attr-defined]


async def give_at_the_data_step(pilot: Any, path: Path) -> None:
    """From the first run's cache step: on to the data step, and `path` given there."""
    await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
    await pilot.press("ctrl+n")
    await type_path(pilot, path)
    await pilot.press("enter")


async def test_wrong_mpd_path_is_explained(tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await give_at_the_data_step(pilot, tmp_path / "nowhere")
        await pilot.pause()
        assert "does not exist" in label_text(pilot, "#path-error")
        assert app.screen.running is None  # type: ignore[attr-defined]


async def test_a_new_attempt_clears_what_the_last_ingest_said(tmp_path: Path) -> None:
    bad = tmp_path / "mpd" / "mpd.slice.0-999.json"
    bad.parent.mkdir()
    bad.write_text('{"info": {}, "playlists": [{"name": 3}]}')  # read by the job, refused
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await give_at_the_data_step(pilot, bad.parent)
        await wait_for(pilot, lambda: "Ingest stopped" in label_text(pilot, "#step-status"),
                       what="the failed ingest")
        assert "Fix it" in label_text(pilot, "#step-status")  # not "run it again to continue"
        app.screen.query_one("#mpd-path", Input).value = str(tmp_path / "nowhere")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "does not exist" in label_text(pilot, "#path-error")
        assert label_text(pilot, "#step-status") == ""


async def test_ingest_cancels_with_escape_and_resumes(trained_dir: Path, tmp_path: Path) -> None:
    locations = Locations.resolve(tmp_path / "fresh")
    app = make_app(locations, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await give_at_the_data_step(pilot, trained_dir / "demo-mpd")
        services = app.services
        await wait_for(pilot, lambda: app.jobs.process is not None, what="the job process")
        job = app.jobs.process.pid
        os.kill(job, signal.SIGSTOP)  # hold the job before it ingests anything
        await pilot.press("escape")  # cancels (does not go back while running)
        os.kill(job, signal.SIGCONT)
        await settle(pilot)
        assert screen_name(pilot) == "DataStep"
        assert "Run it again" in label_text(pilot, "#step-status")
        assert not any("Cancelled" in n for n in notifications(app)), "the step says it"
        assert not services.data.has_data()
        await pilot.press("ctrl+r")  # resume
        await settle(pilot)
        assert "Data ready" in label_text(pilot, "#step-status")
        assert services.data.has_data()


async def test_the_first_step_says_an_ingest_was_interrupted(trained_dir: Path,
                                                              tmp_path: Path) -> None:
    """Stopped after its first slice: the cache dir step said "no data yet"."""
    locations = Locations.resolve(tmp_path / "cache")
    ingest_stopped_after_one_slice(locations, trained_dir / "demo-mpd")
    app = make_app(locations, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep", what="the first step")
        await settle(pilot)
        source = (trained_dir / "demo-mpd").resolve()
        assert label_text(pilot, "#cache-free").endswith(
            f"an ingest of {source} was interrupted: the data step continues it")


async def test_the_steps_name_the_source_an_ingest_stopped_in(small_demo: Path,
                                                             tmp_path: Path) -> None:
    """A slice ingested alone, then its folder stopped midway: both steps name the folder
    (typed, the slice would find nothing to do and leave the folder's other slices out)."""
    locations = Locations.resolve(tmp_path / "cache")
    open_services(locations).jobs.ingest(sorted(small_demo.glob("mpd.slice.*.json"))[-1])
    ingest_stopped_after_one_slice(locations, small_demo)
    app = make_app(locations, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep", what="the first step")
        await settle(pilot)
        folder = small_demo.resolve()
        assert label_text(pilot, "#cache-free").endswith(
            f"an ingest of {folder} was interrupted: the data step continues it")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the data step")
        await settle(pilot)
        assert label_text(pilot, "#data-now") == (
            f"An ingest of {folder} was interrupted: ctrl+r with an empty path continues it.")


async def test_a_busy_cache_dir_is_waited_for(trained_dir: Path, tmp_path: Path) -> None:
    from mpdtui.pipeline.lock import WriterLock

    locations = Locations.resolve(tmp_path / "fresh")
    app = make_app(locations, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        await pilot.press("ctrl+n")
        with WriterLock(locations, "training"):  # another mpdtui writes to this cache dir
            await type_path(pilot, trained_dir / "demo-mpd")
            await pilot.press("enter")
            await wait_for(pilot, lambda: "busy" in label_text(pilot, "#step-status"))
            status = label_text(pilot, "#step-status")
            assert f"training (pid {os.getpid()})" in status and "Waiting" in status
            await pilot.pause(1.5)
            assert not app.services.data.has_data()
            await pilot.press("ctrl+q")  # quitting would stop the job: asked first
            await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
            assert str(app.screen.query_one(Label).render()).startswith(
                "Ingest: waiting for the cache dir. Quit and stop it?")
            await pilot.press("n")
            assert screen_name(pilot) == "DataStep" and app.jobs.running
        await wait_for(pilot, lambda: "Data ready" in label_text(pilot, "#step-status"),
                       what="the ingest once the cache dir is free")
        assert "1,500 playlists" in label_text(pilot, "#data-now")


@contextlib.asynccontextmanager
async def quit_asked_while_an_ingest_is_held(pilot: Any, source: Path) -> AsyncIterator[None]:
    """ctrl+q while the data step's ingest runs (its process held, so it still runs when
    asked), the question on screen; the ingest goes on once the block ends."""
    app = pilot.app
    await give_at_the_data_step(pilot, source)
    await wait_for(pilot, lambda: app.jobs.process is not None, what="the job process")
    job = app.jobs.process.pid
    os.kill(job, signal.SIGSTOP)
    try:
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        yield
    finally:
        os.kill(job, signal.SIGCONT)


async def test_quitting_while_a_job_runs_asks_first(trained_dir: Path, tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        async with quit_asked_while_an_ingest_is_held(pilot, trained_dir / "demo-mpd"):
            question = str(app.screen.query_one(Label).render())
            assert question.startswith("Ingest") and "Quit and stop it? What is finished is kept" in question
            await pilot.press("ctrl+q")  # asked already: the question stands
            assert screen_name(pilot) == "ConfirmScreen" and len(app.screen_stack) == 3
            await pilot.press("n")  # stay: the job goes on
            assert screen_name(pilot) == "DataStep" and app.jobs.running and not app._exit
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await pilot.press("y")
        await pilot.pause()
        assert app._exit


async def test_the_quit_question_follows_a_job_that_ends_meanwhile(trained_dir: Path,
                                                                   tmp_path: Path) -> None:
    """Asked while the ingest ran, and it finished behind the question: it had still asked
    "Ingest 70%. Quit and stop it?"."""
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        async with quit_asked_while_an_ingest_is_held(pilot, trained_dir / "demo-mpd"):
            pass
        await wait_for(pilot, lambda: not app.jobs.running, what="the ingest's end")
        await wait_for(pilot, lambda: str(app.screen.query_one(Label).render()) == (
            "The ingest has ended: quitting stops nothing now. Quit?"), what="the new question")
        await pilot.press("n")
        assert screen_name(pilot) == "DataStep" and not app._exit


async def test_a_training_that_stopped_is_said_at_the_next_start(trained_copy: Locations,
                                                                 tmp_path: Path) -> None:
    shutil.rmtree(trained_copy.model_dir("als"))
    mark = TrainingMark(trained_copy, lambda event: None)
    mark.models = ("popularity", "title", "item_knn", "als")
    mark.emit(StageStarted("als"))  # and the app quit: als was never saved
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        assert ("The last training stopped before als: continue it at the setup's training "
                "step (f2).") in notifications(app)
        await pilot.press("f2")  # to the step the message names
        assert screen_name(pilot) == "TrainingStep"
        assert not [n for n in notifications(app) if "training step (f2)" in n], \
            "taken down: over the step it names, it read as stale"
        # and the step says it too: at 80x24 its bars are below the fold (it had said nothing)
        assert label_text(pilot, "#step-status") == (
            "The last training stopped before als: continue it here (ctrl+r).")


async def test_playlists_added_since_the_training_are_said_at_the_start(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A Spotify import or more slices since the training: the models serve on without them,
    and the start says so (it had said nothing: their tracks were simply never suggested)."""
    with Catalog.open(trained_copy) as catalog:
        known = catalog.track_uris(by_popularity=True)[:3]
    ingest_playlists(trained_copy, [mpd_playlist("mine", known)], "import")
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        assert ("The models serve on, trained before 1 playlist was added: train them on these "
                "too at the setup's training step (f2).") in notifications(app)
        await pilot.press("f2")
        assert screen_name(pilot) == "TrainingStep"


async def test_demo_dataset_from_the_data_step(tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path, demo_playlists=200)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        await pilot.press("ctrl+n", "ctrl+r")  # empty path: the demo dataset
        await settle(pilot)
        assert "200 playlists" in label_text(pilot, "#data-now")


async def test_f1_opens_the_help_at_the_setup_keys_from_a_path_field(tmp_path: Path) -> None:
    """In a setup step's path field `?` is typed, and f1 did nothing: a new user had no key
    to the help there, and `?` elsewhere opened it at the builder's keys, the setup's far below.
    Now f1 opens it from the field (the footer says so) at the setup's keys, and closes it."""
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        assert isinstance(app.focused, Input)
        assert "f1" in footer_keys(app.screen) and "question_mark" not in footer_keys(app.screen)
        await pilot.press("f1")
        assert screen_name(pilot) == "HelpScreen"
        await settle(pilot)
        keys = app.screen.query_one("#help", VerticalScroll)
        heading = next(s for s in keys.query(".section").results(Static)
                       if str(s.render()) == "Setup wizard")
        assert keys.scroll_y > 0 and heading.region.y == keys.content_region.y
        await pilot.press("f1")
        assert screen_name(pilot) == "CacheStep"
        assert app.screen.query_one("#cache-input", Input).value == ""
        await run_command(pilot, "Setup: training")  # its list of models has the cursor
        await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep")
        assert {"question_mark", "f1"} <= footer_keys(app.screen)  # the footer shows ?
        await pilot.press("question_mark")
        assert screen_name(pilot) == "HelpScreen"


async def test_the_spotify_step_says_what_skipping_it_loses_and_how_to_come_back(
        tmp_path: Path) -> None:
    """At 80x24 the explanation that Spotify is optional scrolls out of view as its field takes
    the cursor; the line beside the field said only "enter the Client ID and press ctrl+r"."""
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        await pilot.press("ctrl+p")
        await type_text(pilot, "Setup: Spotify")
        hits = app.screen.query_one("CommandList", OptionList)
        await wait_for(pilot, lambda: hits.option_count, what="palette hits")
        # the palette's line for it says what it is for ("client id and PKCE login" did not)
        assert "optional: to export to Spotify and import your playlists" in str(
            hits.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "SpotifyStep")
        said = label_text(pilot, "#spotify-user")
        assert "skip it (ctrl+n)" in said and "exporting to and importing from Spotify" in said
        assert 'palette\'s "Setup: Spotify login" (ctrl+p)' in said


async def test_cache_dir_can_be_changed(tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        await type_path(pilot, tmp_path / "other")
        await pilot.press("enter")
        assert app.services.locations.root == (tmp_path / "other").resolve()
        assert str(tmp_path / "other") in label_text(pilot, "#cache-path")


@pytest.mark.parametrize("given", ["folder", "parent", "zip", "slice"])
async def test_the_mpd_typed_for_the_cache_dir_is_pointed_to_the_data_step(
        trained_dir: Path, tmp_path: Path, given: str) -> None:
    """The setup's first field asks for a folder: the MPD's, typed there by a slip, would
    have become the cache dir (the catalog and models written among the slices)."""
    (tmp_path / "mpd").mkdir()
    folder = one_slice_folder(trained_dir, tmp_path / "mpd" / "data")
    archive = tmp_path / "mpd.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(folder / ONE_SLICE, f"data/{ONE_SLICE}")
    path = {"folder": folder, "parent": folder.parent, "zip": archive,
            "slice": folder / ONE_SLICE}[given]
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        await type_path(pilot, path)
        await pilot.press("enter")
        assert app.services.locations.root == (tmp_path / "fresh").resolve()
        assert label_text(pilot, "#step-status").startswith(
            f"{path} is the MPD's data: the next step (ctrl+n) takes it. Here, choose")
        await pilot.press("ctrl+n")  # as advised
        assert screen_name(pilot) == "DataStep"
        assert app.screen.query_one("#mpd-path", Input).value == str(path)  # there already
        if given != "parent":
            return  # the data step takes each of them (its own tests): one ingest here
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Data ready" in label_text(pilot, "#step-status"),
                       what="the ingest")
    assert not list(folder.parent.glob("*.sqlite3")) and not (folder / "models").exists()


@pytest.mark.parametrize("short_of_room", [False, True])
async def test_the_cache_step_says_when_the_disk_has_no_room_for_the_demo(
        tmp_path: Path, short_of_room: bool) -> None:
    free = shutil.disk_usage(tmp_path).free
    playlists = free // DEMO_BYTES_PER_PLAYLIST + 1000 if short_of_room else 200
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path, demo_playlists=playlists)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        said = label_text(pilot, "#cache-free")
        assert said.startswith("Free disk space: ")
        assert ("less than the demo needs with every model" in said) is short_of_room, said
        explained = str(app.screen.query_one(".explain", Static).render())
        assert (f"The demo dataset ({playlists:,} playlists) needs about "
                f"{about(demo_bytes(playlists))} with every model trained") in explained
        if not short_of_room:  # the size configured, not the default 10,000's 700 MB
            assert "(200 playlists) needs about 80 MB" in explained


async def test_the_cache_step_says_when_the_cache_dir_cannot_be_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache dir whose parent the user may not write (given by MPDTUI_CACHE_DIR): the step
    said "no data yet" and nothing more, and the ingest failed on it. Root writes anywhere,
    so the permission is the one `os.access` answers for the test's user."""
    locked = tmp_path / "shared"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: (
        Path(path) != locked and real_access(path, mode, **kw)))
    app = make_app(Locations.resolve(locked / "cache"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        said = label_text(pilot, "#cache-free")
        assert said.endswith(f"no data yet · {locked} cannot be written (permission denied): "
                             "choose another folder"), said
        await type_path(pilot, tmp_path / "mine")
        await pilot.press("enter")  # the advice followed: a folder it can write
        assert label_text(pilot, "#cache-free").endswith("no data yet")


async def test_the_cache_step_says_when_the_folder_holds_another_programs_files(
        tmp_path: Path) -> None:
    """MPDTUI_CACHE_DIR set to a folder of one's own files (~/Music by a slip): the step said
    "no data yet" alone, and mpdtui's files went among them."""
    music = tmp_path / "Music"
    (music / "albums").mkdir(parents=True)
    for name in ("notes.txt", "cover.jpg", ".hidden"):
        (music / name).write_text("mine")
    app = make_app(Locations.resolve(music), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        assert label_text(pilot, "#cache-free").endswith(
            "no data yet · holds other files (albums, cover.jpg and 1 more), none of mpdtui's: "
            "choose a new or empty folder to keep mpdtui's apart")
        ours = tmp_path / "ours"  # one of mpdtui's, with a file of the user's beside: no note
        ours.mkdir()
        (ours / "config.json").write_text("{}")
        (ours / "README.txt").write_text("mine")
        await type_path(pilot, ours)
        await pilot.press("enter")
        assert label_text(pilot, "#cache-free").endswith("no data yet"), label_text(
            pilot, "#cache-free")


async def test_the_cache_dir_in_use_typed_again_is_kept_not_new(trained_copy: Locations,
                                                                 tmp_path: Path) -> None:
    """Typed (or completed by tab, with its slash) at the cache step, the folder in use said
    "Using the new folder for this session", and did not say what next."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup wizard")
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep", what="the cache step")
        await type_text(pilot, f"{trained_copy.root}/")
        await pilot.press("enter")
        assert label_text(pilot, "#step-status") == (
            "Keeping this folder (it is the one in use): press ctrl+n for the next step.")
        assert app.locations == trained_copy


async def test_a_cache_dir_that_cannot_be_made_leaves_the_session_as_it_was(
        trained_copy: Locations, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("mine")
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup wizard")
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep", what="the cache step")
        await type_path(pilot, tmp_path / "a-file" / "cache")
        await pilot.press("enter")
        assert label_text(pilot, "#step-status") == (
            f"Cannot use {tmp_path / 'a-file' / 'cache'}: {tmp_path / 'a-file'} is a file. "
            "Choose another folder.")
        assert app.locations == trained_copy and app.services.locations == trained_copy
        app.screen.query_one("#cache-input", Input).value = ""
        await type_text(pilot, "~mpdtui-no-such-user/cache")  # pathlib: RuntimeError
        await pilot.press("enter")
        assert label_text(pilot, "#step-status") == (
            "~mpdtui-no-such-user/cache: ~mpdtui-no-such-user names no home folder (there is no "
            "user 'mpdtui-no-such-user'): give the full path")
        (tmp_path / "loop").symlink_to(tmp_path / "loop")
        app.screen.query_one("#cache-input", Input).value = ""
        await type_path(pilot, tmp_path / "loop" / "cache")
        await pilot.press("enter")
        assert label_text(pilot, "#step-status") == (
            f"{tmp_path / 'loop' / 'cache'} goes through a symlink loop (links that lead back to "
            "themselves): give another path")
        assert app.locations == trained_copy
        await pilot.press("escape")
        await pilot.pause(3.5)  # the builder's look at the data, on the folder it still has
        assert screen_name(pilot) == "BuilderScreen"


async def test_a_playlist_taken_to_another_cache_dir_saves_there_as_a_new_one(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The playlist opened is one of the first folder's: in the other folder it is unsaved,
    and saving it touches none of that folder's playlists."""
    other = Locations.resolve(tmp_path / "other")
    shutil.copytree(trained_copy.root, other.root)
    services = open_services(other)
    theirs = services.playlists.save("theirs", services.catalog.tracks([5, 6]))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        mine = app.services.playlists.save("mix", app.services.catalog.tracks([3, 1]))
        assert mine.id == theirs.id  # one id, two folders
        screen = builder(app)
        screen._load_saved(mine.id)
        await wait_for(pilot, lambda: screen.editing == mine.id, what="mix opened")
        screen.playlist = app.services.catalog.tracks([3, 1, 4])  # unsaved: kept as a draft
        screen._check_data()
        assert trained_copy.builder_draft_of(os.getpid()).exists()
        await run_command(pilot, "setup wizard")
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep", what="the cache step")
        await type_path(pilot, other.root)
        await pilot.press("enter", "escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")
        await settle(pilot)
        assert screen.editing is None and screen.unsaved()
        screen._check_data()  # the draft goes with the playlist
        assert other.builder_draft_of(os.getpid()).exists()
        assert not trained_copy.builder_draft_of(os.getpid()).exists()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not other.builder_draft_of(os.getpid()).exists()
        after = open_services(other).playlists
        assert after.get("theirs").uris == theirs.uris
        assert after.get("mix").uris == [t.uri for t in app.services.catalog.tracks([3, 1, 4])]


async def test_setup_is_reachable_from_the_builder(trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("f2")
        assert screen_name(pilot) == "CacheStep"
        used = sum(p.stat().st_size for p in trained_copy.root.rglob("*")
                   if p.is_file() and not p.name.endswith("-shm"))  # SQLite's, not data
        assert label_text(pilot, "#cache-free").endswith(f"holds data already ({size(used)})")
        await pilot.press("escape")  # back out of the first step: the builder again
        assert screen_name(pilot) == "BuilderScreen"
        await run_command(pilot, "training")
        await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep")
        # the evaluation of the earlier training is shown without retraining
        assert app.screen.query_one("#evaluation", DataTable).row_count == len(MODELS)
        # and under it how far the best model leads the next, and whether beyond chance
        lead = label_text(pilot, "#eval-lead")
        assert re.match(r"\w+ (leads \w+ by [.0-9]+ r_precision|and \w+ are within chance of "
                        r"each other on these [0-9]+ playlists \(\w+ ahead by (under )?[.0-9]+ "
                        r"r_precision|and \w+ tie on r_precision)", lead), lead


@pytest.mark.parametrize("width", [80, 50])  # 50: a split pane
async def test_every_setup_step_fits_the_terminals_width(trained_copy: Locations, tmp_path: Path,
                                                         width: int) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await builder_ready(pilot)
        await pilot.press("f2")
        for step in SETUP_STEPS:
            await wait_for(pilot, lambda step=step: isinstance(app.screen, step), what=step.__name__)
            await settle(pilot)
            room = app.screen.query_one("#step").content_size.width
            texts = list(app.screen.query("#step > Static").results(Static))
            assert texts and all(text.size.width <= room for text in texts), [
                (text.id, text.size.width, room) for text in texts]  # long lines wrap, not cut
            buttons = list(app.screen.query("#step-buttons Button").results(Button))
            assert [button.region.right <= width for button in buttons] == [True] * 3
            # the keys are on the buttons where there is room, else in the footer alone
            assert all(("(ctrl+" in str(b.label) or "(esc)" in str(b.label)) == (width == 80)
                       for b in buttons), [str(b.label) for b in buttons]
            if step is not SETUP_STEPS[-1]:
                await pilot.press("ctrl+n")


async def test_every_setup_step_keeps_its_title_and_field_in_a_short_pane(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A terminal split across (80x12): the step's title stays above what scrolls, and the
    buttons and text fields take one line, so the field the cursor is in shows under it (the
    title had scrolled away, and three-line buttons and fields left the body 5 rows)."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 12)) as pilot:
        await builder_ready(pilot)
        await pilot.press("f2")
        for step in SETUP_STEPS:
            await wait_for(pilot, lambda step=step: isinstance(app.screen, step), what=step.__name__)
            await settle(pilot)
            screen, title = app.screen, app.screen.query_one("#steps")
            assert screen.get_widget_at(title.region.x, title.region.y)[0] is title, step
            buttons = list(screen.query("#step-buttons Button").results(Button))
            assert [button.outer_size.height for button in buttons] == [1] * 3
            if isinstance(screen.focused, Input):
                field = screen.focused
                assert field.outer_size.height == 1
                assert screen.query_one("#step").region.contains_region(field.region), step
            if step is not SETUP_STEPS[-1]:
                await pilot.press("ctrl+n")


SMALL_TWO_TOWER = {"dim": 16, "hidden": 32, "epochs": 2, "batch_size": 256,
                   "examples_per_playlist": 2}


@pytest.mark.tf
async def open_training_step(pilot: Any) -> None:
    """From the builder, once it is ready, to the setup's training step."""
    await builder_ready(pilot)
    await run_command(pilot, "training")
    await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep")


async def test_the_training_step_says_what_a_stopped_run_resumes_and_what_it_reuses(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A two-tower training stopped after epoch 3 of 5 is not "not started": ctrl+r resumes
    it; and ctrl+r names only the models it trains, those trained already as reused."""
    config.update(trained_copy, model_settings={"two_tower": {"epochs": 5}})
    checkpoint = trained_copy.checkpoint_dir("two_tower")
    checkpoint.mkdir(parents=True)
    (checkpoint / "state.json").write_text(json.dumps(
        {"format": "mpdtui-training-state", "version": 1, "key": "k", "epochs_done": 3,
         "finished": False}))
    shutil.rmtree(trained_copy.model_dir("als"))
    # a retrain (R) of a model that serves meanwhile, stopped after its second epoch
    retrain = trained_copy.retrain_mark("item_knn")
    retrain.parent.mkdir(parents=True)
    write_json(retrain, RETRAIN_FORMAT, RETRAIN_VERSION,
               {"replacing": peek_meta(trained_copy.model_dir("item_knn"))["token"]})
    (retrain.parent / "state.json").write_text(json.dumps(
        {"format": "mpdtui-training-state", "version": 1, "key": "k", "epochs_done": 2}))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_training_step(pilot)
        assert label_text(pilot, "#bar-two_tower .stage-info") == (
            "stopped after epoch 3 of 5: ctrl+r resumes it")
        assert label_text(pilot, "#bar-item_knn .stage-info") == (
            "retrain at epoch 2: tick it alone, R resumes")
        await pilot.press("R")  # every model ticked: the question says which one resumes
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen", what="the question")
        assert "(item_knn: the retrain that stopped resumes)?" in " ".join(
            str(label.render()) for label in app.screen.query(Label))
        await pilot.press("n")
        assert label_text(pilot, "#bar-als .stage-info") == "not started"
        said: list[str] = []
        step = app.screen
        status = step.status
        step.status = lambda text: (said.append(text), status(text))[-1]  # type: ignore[method-assign]
        await pilot.press("ctrl+r")
        # as said: the next model saved soon after (item_knn's retrain) says its own over it
        await wait_for(pilot, lambda: any(text.startswith("als is ready") for text in said),
                       timeout=120, what="ALS")
        assert ("Training als… (popularity, title, item_knn: trained for this data already, "
                "reused; escape cancels)") in said
        await wait_for(pilot, lambda: not app.jobs.running, timeout=120, what="the training")


async def test_the_training_step_says_a_stopped_run_of_other_settings_starts_over(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A two-tower checkpoint made before the model's settings changed is not resumed (the
    training starts over): its row says so, not "ctrl+r resumes it"."""
    checkpoint = trained_copy.checkpoint_dir("two_tower")
    checkpoint.mkdir(parents=True)
    (checkpoint / "state.json").write_text(json.dumps(
        {"format": "mpdtui-training-state", "version": 1, "key": "k", "epochs_done": 3,
         "finished": False}))
    split = current_split(trained_copy)
    assert split is not None
    record_run(checkpoint, split.fingerprint, new_model("two_tower", {}).settings)
    config.update(trained_copy, model_settings={"two_tower": {"epochs": 5}})
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_training_step(pilot)
        assert label_text(pilot, "#bar-two_tower .stage-info") == (
            "settings or data changed since it stopped after epoch 3: ctrl+r starts it over")
    config.update(trained_copy, model_settings={})  # as they were: it resumes
    assert app.services.training.epochs_stopped("two_tower")[2] is True


async def test_the_training_step_says_a_model_built_on_one_saved_since_trains_again(
        trained_copy: Locations, tmp_path: Path) -> None:
    """As the ranker after `--retrain --models als` stopped in it: it serves, and ctrl+r
    trains it again (it said "trained for this data")."""
    meta_path = trained_copy.model_dir("item_knn") / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["component_tokens"] = {"als": "the als before"}  # as a ranker's save records them
    meta_path.write_text(json.dumps(meta))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_training_step(pilot)
        assert label_text(pilot, "#bar-item_knn .stage-info") == (
            "built on an earlier als: ctrl+r trains it again")
        assert label_text(pilot, "#bar-als .stage-info") == "trained for this data"


async def test_the_builder_serves_while_training_goes_on(ingested_copy: Locations,
                                                         tmp_path: Path) -> None:
    from mpdtui import config

    config.update(ingested_copy, model_settings={"two_tower": SMALL_TWO_TOWER})
    app = make_app(ingested_copy, tmp_path, train_models=("popularity", "title", "two_tower"))
    async with app.run_test(size=SIZE) as pilot:
        await open_training_step(pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "is ready" in label_text(pilot, "#step-status"),
                       what="the first model")
        await pilot.press("ctrl+n")  # to the builder, while two-tower trains
        assert screen_name(pilot) == "BuilderScreen" and app.jobs.running
        screen = builder(app)
        await wait_for(pilot, lambda: screen.models, what="a servable model")
        await type_text(pilot, "party")
        await wait_for(pilot, lambda: screen.suggestions_shown, what="suggestions")
        assert "training" in app.sub_title, "the header says the training goes on"
        await wait_for(pilot, lambda: not app.jobs.running, timeout=300, what="the training")
        await wait_for(pilot, lambda: "two_tower" in screen.models, what="the new model")
        assert screen.models == ["popularity", "title", "two_tower"]
        best = app.services.models.default()  # the best in the evaluation the job just wrote
        assert app.services.models.evaluation() is not None and best in screen.models
        await wait_for(pilot, lambda: screen.model_name == best, what="the best model, as it comes")


async def test_a_terminal_made_smaller_while_models_train_shows_the_bar_of_the_one_running(
        ingested_copy: Locations, tmp_path: Path) -> None:
    """Made 80x24 (a pane split) while two-tower trained, the step showed the models' list
    and no bar: they are scrolled to as each stage starts, and two-tower's runs for minutes."""
    from textual.geometry import Region

    from mpdtui.tui.widgets.stage_progress import StageProgress as StageBar

    # its 30 epochs by default: it trains on after the resize, until the escape below
    app = make_app(ingested_copy, tmp_path, train_models=("popularity", "two_tower"))
    async with app.run_test(size=SIZE) as pilot:
        await open_training_step(pilot)
        app.screen.query_one("#step", VerticalScroll).scroll_home(animate=False)
        await pilot.press("ctrl+r")
        bar = app.screen.query_one("#bar-two_tower", StageBar)
        await wait_for(pilot, lambda: any(
            said in label_text(pilot, "#bar-two_tower .stage-info")
            for said in ("starting", "TensorFlow", "batches")), what="two-tower's start")
        await pilot.resize_terminal(80, 24)

        def bar_in_view() -> bool:
            shown = app.screen.query_one("#step", VerticalScroll).region
            return Region.intersection(shown, bar.region) == bar.region

        # laid out at the new size, then scrolled, two refreshes later: under load (two-tower's
        # thread takes most of the CPU) three pauses of 0.1 s had not always seen it
        await wait_for(pilot, bar_in_view, timeout=30, what="two-tower's bar in view")
        assert app.jobs.running, "two-tower still trains"
        await pilot.press("escape")  # cancel: not minutes of training more
        await wait_for(pilot, lambda: not app.jobs.running, what="the training stopped")


async def test_a_retrain_by_another_process_keeps_the_best_model(
        trained_copy: Locations, tmp_path: Path) -> None:
    """`mpdtui --train --retrain --models M` in another terminal: M saved anew has no score
    until the evaluation that follows, which writes only the report; meanwhile it keeps its
    place by its predecessor's (the builder went to the next best, then came back)."""
    from mpdtui import splits, training
    from mpdtui.pipeline.request import JobRequest
    from mpdtui.pipeline.runner import run_job

    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        best = screen.model_name
        assert best is not None and best == app.services.models.default()
        data = splits.training_dataset(trained_copy, splits.training_split(trained_copy))
        training.train_model(trained_copy, best, data, {})  # saved, not yet evaluated
        saved = app.services.models.signature()
        await wait_for(pilot, lambda: screen._models_seen == saved, what="the new save seen")
        await pilot.pause()
        await wait_for(pilot, lambda: not screen.workers, what="the models loaded")
        assert screen.model_name == best and best not in app.services.models.scores()
        run_job(trained_copy, JobRequest("evaluate", models=(best,)), lambda event: None)
        evaluated = app.services.models.signature()
        await wait_for(pilot, lambda: screen._models_seen == evaluated, what="the evaluation seen")
        assert screen.model_name == best and best in app.services.models.scores()


async def test_finishing_without_a_model_offers_the_missing_step(tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+n", "ctrl+n")
        assert screen_name(pilot) == "TrainingStep"
        await pilot.press("ctrl+n")  # finish, with no data
        assert screen_name(pilot) == "ConfirmScreen"
        question = app.screen.query_one(Label)
        assert "no data yet" in str(question.render())
        assert question.size.height >= 2, "the question wraps, its end in the dialog"
        assert question.region.right <= question.parent.content_region.right
        await pilot.press("y")
        assert screen_name(pilot) == "DataStep"


def ingested_from(source: Path, cache: Path) -> Locations:
    locations = Locations.resolve(cache)
    open_services(locations).jobs.ingest(source)
    return locations


async def test_the_data_step_over_an_mpd_folder_continues_it_or_takes_the_demo_by_its_word(
        trained_dir: Path, tmp_path: Path) -> None:
    """With an MPD folder ingested, an empty path is that folder again (it used to ask about
    the demo, then ingest the folder), and `demo` is the demo dataset (asked first)."""
    folder = one_slice_folder(trained_dir, tmp_path / "mpd")
    locations = ingested_from(folder, tmp_path / "cache")
    app = make_app(locations, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: data")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the data step")
        explain = str(app.screen.query_one("#data-explain", Static).render())
        assert explain.startswith(f"Leave the path empty to continue or refresh {folder.resolve()}, "
                                  "type demo for the built-in demo dataset")
        assert [label_text(pilot, f"#{bar}-progress .stage-info") for bar in ("demo", "ingest")
                ] == ["not needed", "data ready"]  # under "Ingested: ...", not "not started"
        await pilot.press("ctrl+r")  # empty: the folder there, nothing to ask
        await wait_for(pilot, lambda: "Data ready" in label_text(pilot, "#step-status"),
                       what="the folder ingested again")
        assert screen_name(pilot) == "DataStep"
        await type_text(pilot, "demo")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen", what="the question")
        assert "Ingesting the demo dataset" in str(app.screen.query_one(Label).render())
        await pilot.press("n")
        assert app.services.data.state().primary.path == str(folder.resolve())


async def test_the_data_step_asks_to_replace_a_slice_changed_or_other_data_of_its_name(
        trained_dir: Path, tmp_path: Path) -> None:
    """A slice of the folder ingested, changed since, or another folder's slice of the same
    name: the ingest refused it, saying to add --replace, which the app has not; the step asks
    to replace the data there instead, as it does for the demo."""
    folder = one_slice_folder(trained_dir, tmp_path / "mpd")
    locations = ingested_from(folder, tmp_path / "cache")
    slice_file = folder / ONE_SLICE
    slice_file.write_bytes(slice_file.read_bytes() + b"\n")  # edited: another size
    other = tmp_path / "other"
    other.mkdir()
    (other / ONE_SLICE).write_bytes(slice_file.read_bytes() + b"\n\n")
    app = make_app(locations, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: data")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the data step")
        for typed in ("", str(other)):
            if typed:
                await type_path(pilot, other)
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen",
                           what="the question")
            source = Path(typed).resolve() if typed else folder.resolve()
            assert str(app.screen.query_one(Label).render()).startswith(
                f"{source} holds a file {ONE_SLICE} other than the one ingested before: the cache "
                "dir holds")
            await pilot.press("y")
            await wait_for(pilot, lambda: "Data ready" in label_text(pilot, "#step-status"),
                           what="the data ingested again")
            assert app.services.data.state().primary.path == str(source)


async def test_a_failure_the_step_says_is_not_said_again_over_it(trained_dir: Path,
                                                                 tmp_path: Path) -> None:
    """A bad slice stops the data step's ingest: its status line says why, and no notification
    repeats it on top of that line for 12 s."""
    broken = tmp_path / "broken"
    broken.mkdir()
    whole = (one_slice_folder(trained_dir, tmp_path / "mpd") / ONE_SLICE).read_bytes()
    (broken / ONE_SLICE).write_bytes(whole[: len(whole) // 2])
    app = make_app(ingested_from(tmp_path / "mpd", tmp_path / "cache"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: data")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the data step")
        await type_path(pilot, broken)
        await pilot.press("enter")  # its slice is named as the one there: no replacing with it
        await wait_for(pilot, lambda: "invalid JSON" in label_text(pilot, "#path-error"),
                       what="the slice refused before a replacement is asked")
        assert screen_name(pilot) == "DataStep" and app.services.data.counts().playlists
        await pilot.press("escape")  # away and back: the path typed is still there to mend
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")
        await run_command(pilot, "setup: data")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the data step")
        assert app.screen.query_one("#mpd-path", Input).value == str(broken)
        (broken / ONE_SLICE).rename(broken / "mpd.slice.5000-5999.json")  # named as none there
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Ingest stopped" in label_text(pilot, "#step-status"),
                       what="the ingest stopped")
        assert "invalid JSON" in label_text(pilot, "#step-status")
        await settle(pilot)
        assert not [n for n in notifications(app) if "invalid JSON" in n]
        # its bar says so too, not "waiting" (or a percentage, ticking on)
        assert label_text(pilot, "#ingest-progress .stage-info") == "stopped"


async def test_the_training_step_offers_v_only_with_an_evaluation(trained_dir: Path,
                                                                  tmp_path: Path) -> None:
    """`v` shows the evaluation's next metric: before any training there is none to show."""
    folder = one_slice_folder(trained_dir, tmp_path / "mpd")
    app = make_app(ingested_from(folder, tmp_path / "cache"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) in ("BuilderScreen", "CacheStep"),
                       what="the app")
        await run_command(pilot, "setup: training")
        await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep", what="the step")
        await settle(pilot)
        assert "No evaluation yet." in label_text(pilot, "#eval-title")
        assert "v" not in footer_keys(app.screen)


async def test_the_data_step_says_a_copy_of_a_slice_there_is_not_added(trained_dir: Path,
                                                                        tmp_path: Path) -> None:
    folder = one_slice_folder(trained_dir, tmp_path / "mpd")
    locations = ingested_from(folder, tmp_path / "cache")
    ingested = open_services(locations).data.counts()
    backup = tmp_path / "[b]backup.json"  # a name from the disk: shown, not read as markup
    shutil.copy(folder / ONE_SLICE, backup)
    app = make_app(locations, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: data")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the data step")
        await type_path(pilot, backup)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Data ready" in label_text(pilot, "#step-status"),
                       what="the copy looked at")
        assert label_text(pilot, "#step-status") == (
            f"Data ready. Not added: {backup.name} is a copy of {ONE_SLICE}, ingested before. "
            "Press ctrl+n for the next step.")
        assert app.services.data.counts() == ingested


async def test_a_folder_and_cache_dir_pasted_quoted_are_used(trained_dir: Path,
                                                             tmp_path: Path) -> None:
    """Terminals paste a file dropped on them, or a file manager's "copy as path", quoted or
    escaped: '/my music/mpd', /my\\ music/mpd. The steps take the path inside."""
    folder = one_slice_folder(trained_dir, tmp_path / "my mpd")
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        app.post_message(events.Paste(f"{tmp_path}/my\\ cache"))  # to the focused field
        await pilot.pause()
        await pilot.press("enter")
        assert app.services.locations.root == tmp_path / "my cache"
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep")
        app.post_message(events.Paste(f"'{folder}' "))
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Data ready" in label_text(pilot, "#step-status"),
                       what="the pasted folder ingested")
        assert app.services.data.state().primary.path == str(folder)


@pytest.mark.parametrize("given", ["folder", "slice file"])
async def test_the_features_step_offers_the_csv_that_came_with_the_slices(
        trained_dir: Path, tmp_path: Path, given: str) -> None:
    """`mpdtui demo-data OUT` writes tracks_features.csv beside the slices it makes."""
    folder = one_slice_folder(trained_dir, tmp_path / "mpd", "tracks_features.csv")
    source = folder if given == "folder" else folder / ONE_SLICE
    app = make_app(ingested_from(source, tmp_path / "cache"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: audio features")
        await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep", what="features step")
        assert app.screen.query_one("#csv-path", Input).value == str(
            folder.resolve() / "tracks_features.csv")
        await pilot.press("enter")  # imported: then it is offered no more
        await wait_for(pilot, lambda: "Features now cover" in label_text(pilot, "#step-status"),
                       timeout=120, what="the import")
        assert app.services.features.csv_beside_the_data() is None


async def test_a_download_spotify_refuses_offers_the_csv_that_came_with_the_slices(
        trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The field emptied, ctrl+r: Spotify's 403 said "using features from CSV files (this
    step (ctrl+r))" with the field left empty, and the features store, holding only the
    refusal, kept the CSV beside the slices from being offered again. Followed, the advice
    imports it."""
    import requests
    from fake_spotify import FakeSpotify

    from mpdtui.spotify import auth

    folder = one_slice_folder(trained_dir, tmp_path / "mpd", "tracks_features.csv")
    csv_file = str(folder.resolve() / "tracks_features.csv")
    locations = ingested_from(folder, tmp_path / "cache")
    app = make_app(locations, tmp_path)
    with FakeSpotify() as fake:
        for key, value in fake.env.items():
            monkeypatch.setenv(key, value)  # the job process's too
        auth.login(locations, fake.state.client_id, port=0, timeout=20,
                   open_url=lambda url: requests.get(url, timeout=10))
        fake.state.forbid_audio_features = True
        async with app.run_test(size=SIZE) as pilot:
            await builder_ready(pilot)
            await run_command(pilot, "setup: audio features")
            await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep",
                           what="features step")
            field = app.screen.query_one("#csv-path", Input)
            field.value = ""
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: "Features now cover" in label_text(
                pilot, "#step-status"), timeout=120, what="the download refused")
            assert (f"(the data came with {csv_file}: this step (ctrl+r) imports it)"
                    in label_text(pilot, "#step-status"))
            await wait_for(pilot, lambda: field.value == csv_file, what="the CSV offered")
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: "rows imported" in label_text(pilot, "#step-status"),
                           timeout=120, what="the import")
    coverage = open_services(locations).features.coverage()
    assert coverage is not None and coverage["csv"] > 0


async def test_a_features_csv_of_other_data_says_none_of_its_tracks_is_in_the_catalog(
        trained_dir: Path, tmp_path: Path) -> None:
    """Another demo's tracks_features.csv said "13,750 of 13,750 rows imported … Features now
    cover 0 of the catalog's 10,401 tracks (0%). Press ctrl+n for the next step.", and the
    builder's filter then sent the user back to this step for the features."""
    folder = one_slice_folder(trained_dir, tmp_path / "mpd")
    header, *rows = (trained_dir / "demo-mpd" / "tracks_features.csv").read_text().splitlines()
    other = tmp_path / "other" / "tracks_features.csv"
    other.parent.mkdir()
    other.write_text("\n".join([header, *(f"{n:022d}," + row.split(",", 1)[1]
                                            for n, row in enumerate(rows[:20]))]) + "\n")
    app = make_app(ingested_from(folder, tmp_path / "cache"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: audio features")
        await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep", what="features step")
        app.screen.query_one("#csv-path", Input).value = str(other)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "none of its tracks" in label_text(pilot, "#step-status"),
                       timeout=120, what="the import")
        assert label_text(pilot, "#step-status").startswith(
            "tracks_features.csv: 20 of 20 rows imported (tracks_features layout), but none of "
            "its tracks is in the catalog: it holds other data's features")
        assert "Features now cover" not in label_text(pilot, "#step-status")


async def test_a_features_import_stopped_midway_says_what_it_kept(small_demo: Path,
                                                                 tmp_path: Path) -> None:
    """Stopped (escape) once its first batch was in: the step said "No features this time;
    the models work without them" over tens of thousands of tracks' features, kept."""
    import sqlite3

    locations = ingested_from(small_demo, tmp_path / "cache")
    app = make_app(locations, tmp_path)

    def stored() -> int:
        if not locations.features_db.exists():
            return 0
        with contextlib.closing(sqlite3.connect(locations.features_db)) as db:
            try:
                return int(db.execute("SELECT count(*) FROM features").fetchone()[0])
            except sqlite3.OperationalError:  # its tables not made yet
                return 0

    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: audio features")
        await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep", what="features step")
        await pilot.press("enter")  # the CSV beside the slices
        await wait_for(pilot, lambda: stored() > 0, timeout=120, what="the first batch")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.running is None, timeout=60, what="the stop")
        await settle(pilot)
        covered = app.services.features.coverage()
        assert covered is not None
        known = covered["tracks"] - covered["missing"]
        status = label_text(pilot, "#step-status")
        assert 0 < known < covered["tracks"], f"stopped midway: {status}"
        assert status.startswith(f"Stopped: features are known for {known:,} of the catalog's "
                                 f"{covered['tracks']:,} tracks"), status
        assert status.endswith(", kept. Run it again (ctrl+r) for the rest, or go on (ctrl+n).")


async def test_a_features_csv_that_cannot_be_taken_is_said_beside_the_path(
        trained_dir: Path, tmp_path: Path) -> None:
    """The status said "No features this time; the models work without them. Retry", as for
    a download that failed, and the reason left with its notification."""
    folder = one_slice_folder(trained_dir, tmp_path / "mpd", "tracks_features.csv")
    app = make_app(ingested_from(folder, tmp_path / "cache"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: audio features")
        await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep", what="features step")
        not_features = tmp_path / "playlist.csv"
        not_features.write_text("title,artist\nSong,Artist\n")
        app.screen.query_one("#csv-path", Input).value = str(not_features)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Not imported" in label_text(pilot, "#step-status"),
                       what="the refusal")
        assert label_text(pilot, "#step-status") == (
            f"Not imported: {not_features}: no `id`, `track_id` or `Track URI` column; expected "
            "the layout of tracks_features.csv, dataset.csv or an Exportify export. Fix it and "
            "run it again (ctrl+r), or go on without features (ctrl+n).")


async def test_a_path_whose_name_is_not_utf8_is_said_at_each_step(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Completion can put such a name (a Latin-1 one) in a path field: it went into the job's
    JSON request, which refused it ("unexpected error")."""
    bad = os.fsdecode(bytes(tmp_path / "caf") + b"\xe9")
    Path(bad).mkdir()
    said = f"{tmp_path}/caf\\xe9: its name is not UTF-8 text, and mpdtui records paths as UTF-8"
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        for step, field, shown in (("setup wizard", "#cache-input", "#step-status"),
                                   ("setup: data", "#mpd-path", "#path-error")):
            await run_command(pilot, step)
            await wait_for(pilot, lambda field=field: bool(app.screen.query(field)), what=step)
            app.screen.query_one(field, Input).value = bad
            await pilot.press("enter")
            await wait_for(pilot, lambda shown=shown: label_text(pilot, shown).startswith(said),
                           what=step)
        await run_command(pilot, "setup: audio features")
        await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep", what="features step")
        app.screen.query_one("#csv-path", Input).value = f"{bad}/f.csv"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.startswith(said.replace("caf\\xe9", "caf\\xe9/f.csv"))
                                          for n in notifications(app)), what="the features step")
        assert app.locations == trained_copy


async def test_features_imported_after_training_send_the_models_reading_them_to_training(
        trained_dir: Path, tmp_path: Path) -> None:
    """The ranker learned without audio features: once they are imported, the step says that
    the next one trains it again, and there it is trained again (it used to be reused)."""
    shutil.copytree(trained_dir, tmp_path / "cache", ignore=shutil.ignore_patterns("demo-mpd"))
    locations = Locations.resolve(tmp_path / "cache")
    config.update(locations, model_settings={"ranker": {"components": ["als", "title"],
                                                        "max_cases": 200, "candidates": 50}})
    open_services(locations).jobs.train(["ranker"])
    app = make_app(locations, tmp_path, train_models=(*MODELS, "ranker"))
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: audio features")
        await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep", what="features step")
        await type_path(pilot, trained_dir / "demo-mpd" / "tracks_features.csv")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Features now cover" in label_text(pilot, "#step-status"),
                       timeout=120, what="the import")
        coverage = label_text(pilot, "#step-status").split("Features now cover ")[1].split(")")[0]
        covered = coverage.split(" of ")[0]  # the ranker learned from none: all are more
        behind = (f"ranker learned from other audio features than these ({covered} more tracks "
                  "have them now): train them again at the next step (ctrl+n) to use them.")
        assert label_text(pilot, "#step-status").endswith(f"%). {behind}")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep", what="training step")
        await pilot.press("escape")  # back at the step: what it holds, still said
        await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep", what="features step")
        await wait_for(pilot, lambda: label_text(pilot, "#step-status") == (
            f"Features are known for {coverage}). {behind}"), what="the coverage")
        assert label_text(pilot, "#features-progress .stage-info") == "imported"
        await pilot.press("ctrl+n")
        assert screen_name(pilot) == "TrainingStep"
        await wait_for(pilot, lambda: label_text(pilot, "#step-status") == (
            f"ranker learned from other audio features than those stored now ({covered} more "
            "tracks have them now): ctrl+r trains them again to use them."), what="the models")
        assert label_text(pilot, "#bar-ranker .stage-info") == "trained on other features"
        assert label_text(pilot, "#bar-als .stage-info") == "trained for this data"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "Done" in label_text(pilot, "#step-status"), timeout=120,
                       what="the training")
        await pilot.press("escape")
        await wait_for(pilot, lambda: label_text(pilot, "#step-status") == (
            f"Features are known for {coverage}). Press ctrl+n for the next step."),
            what="the coverage, once trained")
    assert peek_meta(locations.model_dir("ranker"))["tracks_with_audio"] > 0


def in_view(widget: Widget) -> bool:
    """Whether the widget is inside the part of its scrolling step that shows."""
    step = widget.screen.query_one("#step", VerticalScroll)
    top, height = step.scroll_y, step.scrollable_content_region.height
    return top <= widget.virtual_region.y and widget.virtual_region.bottom <= top + height


async def test_a_short_terminal_scrolls_to_the_training_and_its_evaluation(
        ingested_copy: Locations, tmp_path: Path) -> None:
    """At 80x24 the bars and the evaluation are below the models list: shown as they come."""
    app = make_app(ingested_copy, tmp_path, train_models=("popularity", "title"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_training_step(pilot)
        await settle(pilot)
        title = app.screen.query_one("#eval-title")
        assert not in_view(title)
        said = record_status(app.screen)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "Done" in label_text(pilot, "#step-status"),
                       what="the training")
        await settle(pilot)
        assert in_view(title) and "Evaluation: r_precision" in label_text(pilot, "#eval-title")
        assert in_view(app.screen.query_one("#evaluation"))  # every model's row, not the title alone
        ready = [text for text in said if "is ready" in text]
        assert "while the other models train" in ready[0]  # popularity
        assert ready[-1].startswith("title is ready") and "while the evaluation runs" in ready[-1]


def record_status(step: Any) -> list[str]:
    """What the step's status line says from now on, in order."""
    said: list[str] = []
    show = step.status

    def recorded(text: str) -> None:
        said.append(text)
        show(text)

    step.status = recorded
    return said


async def test_finishing_with_data_but_no_model_offers_training(ingested_copy: Locations,
                                                                tmp_path: Path) -> None:
    app = make_app(ingested_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_training_step(pilot)
        await pilot.press("ctrl+n")
        assert "No model is trained yet" in str(app.screen.query_one(Label).render())
        await pilot.press("n")  # the builder anyway: it says what is missing
        assert screen_name(pilot) == "BuilderScreen"
        assert "No trained model" in label_text(pilot, "#suggest-status")


async def test_a_training_refused_for_a_setting_says_why_beside_the_models(
        trained_copy: Locations, tmp_path: Path) -> None:
    """It said "Training stopped; finished models are kept. ctrl+r continues", which does the
    same again; the reason left with its notification."""
    config.update(trained_copy, model_settings={"als": {"factors": "many"}})
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_training_step(pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "stopped" in label_text(pilot, "#step-status"),
                       what="the refusal")
        assert label_text(pilot, "#step-status") == (
            f'Training stopped: {trained_copy.config_json}: "model_settings": model \'als\' '
            'setting factors: expected a whole number, got "many" (README: "Models" lists '
            "each model's settings); fix or delete it. Fix it and run it again (ctrl+r); "
            "finished models are kept.")
        # the bars say what they said before the run, not "0% stopped" / "not selected"
        assert label_text(pilot, "#bar-als .stage-info") == "trained for this data"
        assert label_text(pilot, "#bar-ingest .stage-info") == "data ready"
        assert label_text(pilot, "#bar-evaluate .stage-info") == "results below"


async def test_r_trains_the_ticked_models_again_after_asking(trained_copy: Locations,
                                                            tmp_path: Path) -> None:
    """ctrl+r reuses the models trained for this data (and says R retrains them); R asks, then
    trains the ticked ones again from the start, as `mpdtui --train --retrain --models` does."""
    from textual.widgets import SelectionList

    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_training_step(pilot)
        ticked = app.screen.query_one("#models", SelectionList)
        ticked.deselect_all()
        ticked.select("popularity")
        before = peek_meta(trained_copy.model_dir("popularity"))["token"]
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "Done" in label_text(pilot, "#step-status"), what="a run")
        assert "R trains them again" in label_text(pilot, "#step-status")
        assert peek_meta(trained_copy.model_dir("popularity"))["token"] == before  # reused
        await pilot.press("R")
        assert screen_name(pilot) == "ConfirmScreen"
        assert "Train popularity again from the start?" in str(app.screen.query_one(Label).render())
        await pilot.press("n")
        assert screen_name(pilot) == "TrainingStep" and not app.jobs.running
        await pilot.press("R", "y")
        await wait_for(pilot, lambda: label_text(pilot, "#step-status").startswith("Done."),
                       what="the retrain")
        assert peek_meta(trained_copy.model_dir("popularity"))["token"] != before  # trained anew
        assert peek_meta(trained_copy.model_dir("title"))["token"]  # not ticked: kept
