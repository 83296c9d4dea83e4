"""Pilot tests of the app, driven by keys only, on a tiny demo dataset."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import threading
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from store_support import mpd_playlist
from textual import events
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Static
from tui_support import (  # noqa: F401 (fixtures)
    DEMO,
    MODELS,
    SIZE,
    builder_ready,
    ingested_copy,
    make_app,
    notifications,
    screen_name,
    settle,
    trained_copy,
    trained_dir,
    wait_for,
)

from models.model_dir import peek_meta
from mpdtui import config
from mpdtui.data.builder_draft import Draft, read_draft, write_draft
from mpdtui.data.catalog import Catalog, Track
from mpdtui.data.ingest import ingest_playlists
from mpdtui.data.saved_playlists import TrackEntry
from mpdtui.locations import Locations
from mpdtui.pipeline.events import StageStarted
from mpdtui.pipeline.unfinished import TrainingMark
from mpdtui.services.catalog import CatalogService
from mpdtui.services.model_store import ModelStore
from mpdtui.services.root import open_services
from mpdtui.services.spotify import SpotifyService
from mpdtui.services.suggester import Suggester
from mpdtui.tui.messages import LoginUrl, PlaylistLoaded
from mpdtui.tui.screens.builder import MISSING_MODEL, SUGGESTIONS, BuilderScreen
from mpdtui.tui.screens.help import KEYS
from mpdtui.tui.screens.playlists import PlaylistsScreen
from mpdtui.tui.screens.setup_cache import DEMO_BYTES_PER_PLAYLIST
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.screens.wizard import SETUP_STEPS
from mpdtui.tui.text import size
from mpdtui.tui.widgets.sound_filter import SoundFilter
from mpdtui.tui.widgets.track_table import TrackTable

pytestmark = pytest.mark.asyncio


def label_text(pilot: Any, selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Label).render())


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*text)


async def run_command(pilot: Any, text: str) -> None:
    """ctrl+p, type, wait for the palette's hits, enter."""
    await pilot.press("ctrl+p")
    await type_text(pilot, text)
    palette = pilot.app.screen
    await wait_for(pilot, lambda: palette.query_one("CommandList").option_count,
                   what="palette hits")
    await pilot.press("enter")


async def take_a_screenshot(tmp_path: Path, export_folder: Path) -> str:
    """What the app says after the palette's Screenshot on its first screen."""
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path, export_dir=export_folder)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        await run_command(pilot, "screenshot")
        await wait_for(pilot, lambda: notifications(app), what="a word on the screenshot")
        return notifications(app)[-1]


async def test_the_palettes_screenshot_says_where_it_saved_it_or_why_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's own screenshot goes to ~/Downloads only: without that folder (an account on a
    server) it said "Failed to save screenshot" and saved nothing."""
    downloads = tmp_path / "Downloads"
    monkeypatch.setattr("mpdtui.tui.app.user_downloads_path", lambda: downloads)
    in_the_way = tmp_path / "a file"
    in_the_way.write_text("")
    said = await take_a_screenshot(tmp_path, in_the_way / "exports")
    assert said.startswith(f"{in_the_way}/exports/mpdtui-screenshot-")
    assert said.endswith(".svg: Not a directory")
    for folder in (tmp_path / "exports", downloads):  # no Downloads folder, then one
        said = await take_a_screenshot(tmp_path, tmp_path / "exports")
        [saved] = folder.glob("*.svg")
        assert said == f"Saved the screenshot to {saved}"
        assert "Cache&#160;directory" in saved.read_text()  # the screen it showed
        downloads.mkdir(exist_ok=True)


# --- the setup wizard ------------------------------------------------------------------------

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
        await type_text(pilot, str(trained_dir / "demo-mpd"))
        await pilot.press("enter")
        await settle(pilot)
        assert "Data ready" in label_text(pilot, "#step-status")
        assert "1,500 playlists" in label_text(pilot, "#data-now")
        await pilot.press("ctrl+n")
        assert screen_name(pilot) == "SpotifyStep"
        assert "Not logged in" in label_text(pilot, "#spotify-user")
        await pilot.press("ctrl+n")  # skip Spotify
        assert screen_name(pilot) == "FeaturesStep"
        await type_text(pilot, str(trained_dir / "demo-mpd" / "tracks_features.csv"))
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
    await type_text(pilot, str(path))
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
        assert any("Cancelled" in n for n in notifications(app))
        assert not services.data.has_data()
        await pilot.press("ctrl+r")  # resume
        await settle(pilot)
        assert "Data ready" in label_text(pilot, "#step-status")
        assert services.data.has_data()


async def test_a_busy_cache_dir_is_waited_for(trained_dir: Path, tmp_path: Path) -> None:
    from mpdtui.pipeline.lock import WriterLock

    locations = Locations.resolve(tmp_path / "fresh")
    app = make_app(locations, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        await pilot.press("ctrl+n")
        with WriterLock(locations, "training"):  # another mpdtui writes to this cache dir
            await type_text(pilot, str(trained_dir / "demo-mpd"))
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


async def test_quitting_while_a_job_runs_asks_first(trained_dir: Path, tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await give_at_the_data_step(pilot, trained_dir / "demo-mpd")
        await wait_for(pilot, lambda: app.jobs.process is not None, what="the job process")
        job = app.jobs.process.pid
        os.kill(job, signal.SIGSTOP)  # held: still running when asked
        try:
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
            question = str(app.screen.query_one(Label).render())
            assert question.startswith("Ingest") and "Quit and stop it? What is finished is kept" in question
            await pilot.press("ctrl+q")  # asked already: the question stands
            assert screen_name(pilot) == "ConfirmScreen" and len(app.screen_stack) == 3
            await pilot.press("n")  # stay: the job goes on
            assert screen_name(pilot) == "DataStep" and app.jobs.running and not app._exit
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        finally:
            os.kill(job, signal.SIGCONT)
        await pilot.press("y")
        await pilot.pause()
        assert app._exit


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


async def test_cache_dir_can_be_changed(tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        await type_text(pilot, str(tmp_path / "other"))
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
        await type_text(pilot, str(path))
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


async def test_a_cache_dir_that_cannot_be_made_leaves_the_session_as_it_was(
        trained_copy: Locations, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("mine")
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup wizard")
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep", what="the cache step")
        await type_text(pilot, str(tmp_path / "a-file" / "cache"))
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
        await type_text(pilot, str(tmp_path / "loop" / "cache"))
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
        assert trained_copy.builder_draft.exists()
        await run_command(pilot, "setup wizard")
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep", what="the cache step")
        await type_text(pilot, str(other.root))
        await pilot.press("enter", "escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")
        await settle(pilot)
        assert screen.editing is None and screen.unsaved()
        screen._check_data()  # the draft goes with the playlist
        assert other.builder_draft.exists() and not trained_copy.builder_draft.exists()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not other.builder_draft.exists()
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
        assert re.match(r"\w+ (leads \w+ by [.0-9]+|and \w+ are within chance of each other "
                        r"on these [0-9]+ playlists \(\w+ ahead by [.0-9]+) r_precision", lead), lead


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


SMALL_TWO_TOWER = {"dim": 16, "hidden": 32, "epochs": 2, "batch_size": 256,
                   "examples_per_playlist": 2}


@pytest.mark.tf
async def open_training_step(pilot: Any) -> None:
    """From the builder, once it is ready, to the setup's training step."""
    await builder_ready(pilot)
    await run_command(pilot, "training")
    await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep")


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


async def test_an_evaluation_by_another_process_brings_the_best_model_back(
        trained_copy: Locations, tmp_path: Path) -> None:
    """`mpdtui --train --retrain --models M` in another terminal: M saved anew has no score
    until the evaluation that follows, which writes only the report."""
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
        await wait_for(pilot, lambda: screen.model_name != best, what="a model with a score")
        run_job(trained_copy, JobRequest("evaluate", models=(best,)), lambda event: None)
        await wait_for(pilot, lambda: screen.model_name == best, what="the best model again")


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


ONE_SLICE = "mpd.slice.1000-1999.json"
"""The trained cache's second slice: ingested alone, its tracks get other ids."""


def one_slice_folder(trained_dir: Path, folder: Path, *beside: str) -> Path:
    """An MPD folder of one slice of the trained cache's demo (and its files named `beside`)."""
    folder.mkdir()
    for name in (ONE_SLICE, *beside):
        shutil.copy(trained_dir / "demo-mpd" / name, folder)
    return folder


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
        await type_text(pilot, str(backup))
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
        app.screen.query_one("#csv-path", Input).value = str(folder)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Not imported" in label_text(pilot, "#step-status"),
                       what="the refusal")
        assert label_text(pilot, "#step-status") == (
            f"Not imported: {folder} is a folder: give the features CSV in it, "
            f"{folder / 'tracks_features.csv'}. Fix it and run it again (ctrl+r), or go on "
            "without features (ctrl+n).")


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
        await type_text(pilot, str(trained_dir / "demo-mpd" / "tracks_features.csv"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Features now cover" in label_text(pilot, "#step-status"),
                       timeout=120, what="the import")
        assert label_text(pilot, "#step-status").endswith(
            "%). ranker learned from other audio features than these: train them again at the "
            "next step (ctrl+n) to use them.")
        coverage = label_text(pilot, "#step-status").split("Features now cover ")[1].split(")")[0]
        await pilot.press("ctrl+n", "escape")  # back at the step: what it holds, still said
        assert screen_name(pilot) == "FeaturesStep"
        await wait_for(pilot, lambda: label_text(pilot, "#step-status") == (
            f"Features are known for {coverage}). ranker learned from other audio features than "
            "these: train them again at the next step (ctrl+n) to use them."), what="the coverage")
        await pilot.press("ctrl+n")
        assert screen_name(pilot) == "TrainingStep"
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


# --- the builder --------------------------------------------------------------------------------

def builder(app: Any) -> BuilderScreen:
    assert isinstance(app.screen, BuilderScreen)
    return app.screen


async def test_build_save_and_export_with_keys(trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        assert screen.model_name == "als"  # the best trained model by default
        await type_text(pilot, "road trip")
        await pilot.press("escape", "slash")
        query = app.services.catalog.catalog().tracks([0])[0].name.split()[0]
        await type_text(pilot, query)
        await wait_for(pilot, lambda: screen.query_one("#results").tracks, what="results")
        await pilot.press("enter")  # adds the best result; the search box keeps the focus
        assert screen.focused is screen.query_one("#search")
        await pilot.press("down", "a")  # into the results, on the next one: add it
        await settle(pilot)
        assert len(screen.playlist) == 2
        first, second = screen.playlist
        assert screen.suggestions_shown == screen._request
        await pilot.press("tab", "enter")  # suggestions: enter adds the highlighted one
        await settle(pilot)
        assert len(screen.playlist) == 3
        # reorder and remove in the playlist
        await pilot.press("shift+tab", "shift+tab")  # results, playlist: tab goes by the lists
        assert screen.focused is screen.query_one("#playlist")
        await pilot.press("g", "J")
        assert screen.playlist[:2] == [second, first]
        await pilot.press("K")
        assert screen.playlist[:2] == [first, second]
        await pilot.press("G", "x")
        await settle(pilot)
        assert screen.playlist == [first, second]
        total = first.duration_ms + second.duration_ms
        assert "2 tracks" in label_text(pilot, "#totals")
        assert f"{total // 60000}:" in label_text(pilot, "#totals")
        await pilot.press("ctrl+s")
        saved = app.services.playlists.summaries()
        assert [(p.name, p.num_tracks) for p in saved] == [("road trip", 2)]
        await pilot.press("e")
        assert screen_name(pilot) == "ExportScreen"
        await pilot.press("enter")  # M3U8
        await settle(pilot)
        written = tmp_path / "exports" / "road-trip.m3u8"
        assert any(f"Exported to {written}" in n for n in notifications(app))  # the full path
        m3u = written.read_text()
        assert first.uri in m3u and second.uri in m3u and m3u.startswith("#EXTM3U")
        await pilot.press("e", "j", "enter")  # JSON
        await settle(pilot)
        document = json.loads((tmp_path / "exports" / "road-trip.json").read_text())
        assert [t["uri"] for t in document["tracks"]] == [first.uri, second.uri]
        await pilot.press("G", "x", "e", "escape")  # an export given up saves nothing
        await settle(pilot)
        assert [(p.name, p.num_tracks) for p in app.services.playlists.summaries()] == [
            ("road trip", 2)]
        assert screen.unsaved()


async def test_saving_on_a_full_disk_says_so_and_keeps_the_playlist(trained_copy: Locations,
                                                                    tmp_path: Path) -> None:
    """It crashed the app (SQLite's "database or disk is full" was no error it expected),
    taking the playlist with it."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "full disk")
        screen.playlist = app.services.catalog.tracks(list(range(300)))
        store = app.services.playlists.store()
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
        await pilot.press("escape", "ctrl+s")
        await settle(pilot)
        assert any(f"{trained_copy.playlists_db}: No space left on device (free some space on "
                   "that disk, then try again" in n for n in notifications(app))
        assert len(screen.playlist) == 300 and screen.unsaved()
        store._db.execute(f"PRAGMA max_page_count = {2**30}")  # space freed: saved this time
        await pilot.press("ctrl+s")
        assert [(p.name, p.num_tracks) for p in app.services.playlists.summaries()] == [
            ("full disk", 300)]


async def test_undo_and_redo_of_the_tracks(trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "undo me")
        await wait_for(pilot, lambda: screen.query_one("#suggestions", TrackTable).row_count,
                       what="suggestions")
        await pilot.press("escape", "a", "a", "a")  # to the suggestions: add three
        await settle(pilot)
        first, second, third = screen.playlist
        screen.query_one("#playlist").focus()
        await pilot.press("g", "J", "x")  # first moved down, then removed
        await settle(pilot)
        assert screen.playlist == [second, third]
        assert "u" in footer_keys(screen) and "U" not in footer_keys(screen)
        asked = screen._request
        await pilot.press("u")
        assert screen.playlist == [second, first, third]
        assert screen.query_one("#playlist", TrackTable).cursor_row == 1  # on the track back
        assert notifications(app)[-1] == f"Undone: removed '{first.name}' (U redoes it)."
        assert screen._request > asked  # suggestions asked for the tracks as they are again
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                       what="the suggestions after the undo")
        shown = screen.query_one("#suggestions", TrackTable).tracks
        assert first not in shown
        await pilot.press("u")
        assert screen.playlist == [first, second, third]
        await pilot.press("U")
        assert screen.playlist == [second, first, third]
        await pilot.press("ctrl+r")
        assert screen.playlist == [second, third]
        assert notifications(app)[-1] == f"Redone: removed '{first.name}'."
        await pilot.press("ctrl+s")
        assert not screen.unsaved()
        await pilot.press("u")
        assert screen.unsaved()  # undone after saving: a change to save again
        await pilot.press("U")
        assert not screen.unsaved()
        await pilot.press("u", "u", "u", "u", "u")
        assert screen.playlist == [] and "u" not in footer_keys(screen)
        await pilot.press("U", "U", "U", "U", "U")
        assert screen.playlist == [second, third] and not screen.unsaved()
        await pilot.press("ctrl+n")  # the new playlist has no changes to undo
        await settle(pilot)
        assert screen.playlist == [] and not screen.history.can_undo
        await pilot.press("escape")  # out of the name field, where u would type
        await pilot.press("u")
        assert screen.playlist == []


async def to_the_suggestions(pilot: Any, name: str) -> tuple[BuilderScreen, TrackTable]:
    """The builder, a name typed, the cursor on its suggestions (the playlist is empty)."""
    await builder_ready(pilot)
    screen = builder(pilot.app)
    await type_text(pilot, name)
    await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                   what="suggestions")
    await pilot.press("escape")
    return screen, screen.query_one("#suggestions", TrackTable)


async def test_x_hides_a_suggestion_from_this_playlist(trained_copy: Locations,
                                                        tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen, suggestions = await to_the_suggestions(pilot, "hide some")
        assert screen.active_bindings["x"].binding.action == "hide"
        await pilot.press("j")
        unwanted, following = suggestions.tracks[1], suggestions.tracks[2]
        await pilot.press("x")
        assert unwanted not in suggestions.tracks and suggestions.current() == following
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                       what="the suggestions filled up again")
        assert label_text(pilot, "#suggest-status").startswith(
            f"{SUGGESTIONS} suggestions from {screen.model_name} (1 hidden)")
        assert len(suggestions.tracks) == SUGGESTIONS and unwanted not in suggestions.tracks
        assert suggestions.current() == following  # the cursor stayed: x again hides the next
        await pilot.press("a")  # a track added: the new suggestions still leave it out
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                       what="the suggestions for the added track")
        assert screen.playlist == [following] and unwanted not in suggestions.tracks
        screen.query_one("#playlist").focus()
        await settle(pilot)
        assert screen.active_bindings["x"].binding.action == "remove"
        await pilot.press("x")  # on the playlist, x removes
        assert screen.playlist == []
        await pilot.press("u", "u")  # the removal, then the addition
        assert screen.playlist == [] and screen.hidden == [unwanted]
        await pilot.press("u")
        assert screen.hidden == []
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                       what="the suggestions after the undo")
        assert unwanted in suggestions.tracks  # the same name, nothing added: suggested again
        assert suggestions.current() == unwanted  # the cursor on the suggestion brought back
        row = suggestions.cursor_row
        assert notifications(app)[-1] == (
            f"Undone: hid '{unwanted.name}' from the suggestions (U redoes it).")
        await pilot.press("U")
        assert screen.hidden == [unwanted]
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                       what="the suggestions after the redo")
        assert unwanted not in suggestions.tracks and suggestions.cursor_row == row
        await pilot.press("ctrl+n")  # another playlist: its suggestions hide nothing
        await settle(pilot)
        assert screen.hidden == []


async def test_shift_x_hides_an_artist_from_this_playlist(trained_copy: Locations,
                                                          tmp_path: Path) -> None:
    """X on a suggestion: none of its artist's tracks is suggested again; u brings them back
    and the cursor to that suggestion."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen, suggestions = await to_the_suggestions(pilot, "party")
        artists = [t.artist_uri for t in suggestions.tracks]
        row = max(range(len(artists)), key=artists.count)  # an artist suggested most often
        suggestions.move_cursor(row=row)
        unwanted = suggestions.current()
        assert unwanted is not None and artists.count(unwanted.artist_uri) > 1
        await pilot.press("X")
        await wait_for(pilot, lambda: screen.hidden and screen.suggestions_shown == screen._request,
                       what="the suggestions without the artist")
        assert unwanted.artist_uri not in {t.artist_uri for t in suggestions.tracks}
        assert len(suggestions.tracks) == SUGGESTIONS
        assert label_text(pilot, "#suggest-status").startswith(
            f"{SUGGESTIONS} suggestions from {screen.model_name} (1 artist hidden)")
        by_artist = app.services.catalog.same_artist(unwanted.id)
        assert unwanted.id in by_artist and {t.artist_uri for t in app.services.catalog.tracks(
            by_artist)} == {unwanted.artist_uri}
        assert notifications(app)[-1] == (
            f"None of {unwanted.artist_name}'s {len(by_artist)} tracks will be suggested for "
            "this playlist (u brings them back).")
        await pilot.press("u")
        await wait_for(pilot, lambda: not screen.hidden and
                       screen.suggestions_shown == screen._request, what="the artist back")
        assert suggestions.current() == unwanted


async def test_y_copies_the_highlighted_tracks_link(trained_copy: Locations,
                                                    tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "copy me")
        suggestions = screen.query_one("#suggestions", TrackTable)
        await wait_for(pilot, lambda: suggestions.row_count > 1, what="suggestions")
        await pilot.press("y")  # in the name field: a letter
        assert screen.query_one("#name", Input).value == "copy mey" and app.clipboard == ""
        # the suggestions for the new name first: they replace the list (and its cursor)
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request
                       and suggestions.row_count > 1, what="the suggestions for the new name")
        await pilot.press("escape", "j")
        track = suggestions.current()
        assert track is not None and suggestions.cursor_row == 1
        await pilot.press("y")  # the second suggestion's link
        link = f"https://open.spotify.com/track/{track.uri.removeprefix('spotify:track:')}"
        assert app.clipboard == link
        assert notifications(app)[-1] == f"Copied {link} ('{track.name}')."


async def test_the_export_dialog_copies_the_tracks_links_without_saving(
        trained_copy: Locations, tmp_path: Path) -> None:
    """For pasting into a playlist in Spotify's app: no login, no file, nothing saved."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "mix")
        screen.playlist = app.services.catalog.tracks([1, 2])
        await pilot.press("escape", "e", "end", "enter")  # the last choice: the links
        await settle(pilot)
        assert app.clipboard == "".join(
            f"https://open.spotify.com/track/{t.uri.removeprefix('spotify:track:')}\n"
            for t in screen.playlist)
        assert notifications(app)[-1].startswith("Copied 2 track links: paste them into a "
                                                 "playlist in Spotify's app")
        assert app.services.playlists.summaries() == []
        assert not list(tmp_path.glob("exports/*")), "no file written"


async def test_spotify_links_pasted_add_their_tracks_as_one_change(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Tracks copied in Spotify's app paste as their links, one a line: several pasted into
    the search (or one on a list) are added, not searched; undo takes them back at once."""
    from textual.events import Paste

    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        first, second, third = app.services.catalog.tracks([1, 2, 3])
        screen.playlist = [first]
        await pilot.press("escape", "slash")

        def link(uri: str) -> str:
            return f"https://open.spotify.com/track/{uri.removeprefix('spotify:track:')}?si=x"

        pasted = [link(second.uri), link(first.uri), link("spotify:track:" + "Z" * 22),
                  link(third.uri)]
        search = screen.query_one("#search", Input)
        search.post_message(Paste("\n".join(pasted)))
        await settle(pilot)
        assert [t.id for t in screen.playlist] == [first.id, second.id, third.id]
        assert search.value == "", "not searched"
        assert notifications(app)[-1] == ("Added 2 pasted tracks; 1 in the playlist already; "
                                          "1 track not in the catalog.")
        await pilot.press("escape", "u")  # one undo: both gone
        assert [t.id for t in screen.playlist] == [first.id]

        search.post_message(Paste(link(second.uri)))  # one link: searched, to look at first
        await settle(pilot)
        assert search.value == link(second.uri) and len(screen.playlist) == 1
        screen.query_one("#playlist", TrackTable).focus()
        await pilot.pause()
        app.screen.focused.post_message(Paste(link(second.uri)))  # on a list: added
        await settle(pilot)
        assert [t.id for t in screen.playlist] == [first.id, second.id]


async def test_the_export_folder_is_shown_and_changed_in_the_dialog(
        trained_copy: Locations, tmp_path: Path) -> None:
    from mpdtui import config

    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "mix")
        screen.playlist = app.services.catalog.tracks([1, 2])
        await pilot.press("escape", "e")
        folder = app.screen.query_one("#export-folder", Input)
        assert folder.value == str(tmp_path / "exports")
        await pilot.press("tab")
        folder.value = ""
        await type_text(pilot, str(tmp_path / "my music"))
        await pilot.press("enter", "j", "enter")  # back to the formats: JSON
        await settle(pilot)
        written = tmp_path / "my music" / "mix.json"
        assert written.exists() and any(str(written) in n for n in notifications(app))
        assert config.export_dir(trained_copy) == tmp_path / "my music"  # kept for next time
        await pilot.press("e")
        folder = app.screen.query_one("#export-folder", Input)
        assert folder.value == str(tmp_path / "my music")
        await pilot.press("tab")
        folder.value = ""
        # refused, said under the folder (the dialog stays, the typed folder in it), not kept:
        # the cache dir, a file on the way, a home there is not
        (tmp_path / "notes").write_text("mine")
        for typed, why in ((str(trained_copy.root), f"{trained_copy.root} is in the cache dir"),
                           (str(tmp_path / "notes" / "mix"), f"{tmp_path / 'notes'} is a file, "
                                                             "not a folder: give another folder"),
                           ("~mpdtui-no-such-user/", "~mpdtui-no-such-user/: "
                                                     "~mpdtui-no-such-user names no home folder")):
            folder.value = ""
            await type_text(pilot, typed)
            await pilot.press("enter", "enter")  # the cursor stays in the field: twice refused
            await settle(pilot)
            assert screen_name(pilot) == "ExportScreen" and app.screen.focused is folder
            assert label_text(pilot, "#export-refused").startswith(why)
        await pilot.press("escape")
        assert not list(trained_copy.root.glob("mix.*")) and (tmp_path / "notes").read_text() == "mine"
        assert config.export_dir(trained_copy) == tmp_path / "my music"
        await pilot.press("e", "tab")  # a folder taken after one refused: the why goes
        folder = app.screen.query_one("#export-folder", Input)
        folder.value = str(trained_copy.root)
        await pilot.press("enter")
        assert app.screen.query_one("#export-refused", Label).display
        folder.value = str(tmp_path / "my music")
        await pilot.press("enter")
        assert not app.screen.query_one("#export-refused", Label).display
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / "my music" / "mix.m3u8").exists()


def footer_keys(screen: Any) -> set[str]:
    """The keys the footer shows (active, shown bindings)."""
    return {key for key, active in screen.active_bindings.items() if active.binding.show}


async def test_the_footer_shows_only_keys_that_work_where_the_cursor_is(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        assert screen.focused is screen.query_one("#name")
        in_name = footer_keys(screen)
        assert not {"n", "q"} & in_name  # they type letters here
        assert {"ctrl+s", "escape", "slash", "question_mark"} <= in_name  # while no name is
        name, search = screen.query_one("#name", Input), screen.query_one("#search", Input)
        # a placeholder names the key that focuses its field, but not while n would type an n
        assert (name.placeholder, search.placeholder) == (
            "Playlist name", "Search tracks, artists, albums (/)")
        await type_text(pilot, "a/b?")
        assert name.value == "a/b?"  # a name begun: `/` types a /
        assert not {"slash", "question_mark"} & footer_keys(screen)
        await pilot.press("escape")  # out of the field: the list keys are back
        # (to the empty playlist, or to the suggestions once the name's have come: timing)
        assert screen.focused in (screen.query_one("#playlist"), screen.query_one("#suggestions"))
        assert {"slash", "n", "question_mark"} <= footer_keys(screen)
        await pilot.press("slash")
        assert screen.focused is search
        assert (name.placeholder, search.placeholder) == (
            "Playlist name (n)", "Search tracks, artists, albums")


async def test_tab_goes_from_list_to_list_never_into_a_field(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A list key pressed after tab had reached the search box or the sound filter typed a
    letter there instead."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        playlist, results, suggestions = (screen.query_one(f"#{name}", TrackTable)
                                          for name in ("playlist", "results", "suggestions"))
        await type_text(pilot, "mix")
        await wait_for(pilot, lambda: suggestions.row_count, what="suggestions")
        visited = []
        for key in ("tab", "tab", "tab", "shift+tab"):
            await pilot.press(key)
            visited.append(screen.focused)
        assert visited == [playlist, suggestions, playlist, suggestions]
        await pilot.press("f", "tab", "a")  # from the filter to a list, where a adds
        assert screen.focused is playlist and not screen.query_one(SoundFilter).value
        query = app.services.catalog.catalog().tracks([0])[0].name.split()[0]
        await pilot.press("slash")
        await type_text(pilot, query)
        await wait_for(pilot, lambda: results.row_count, what="results")
        await pilot.press("tab")
        assert screen.focused is results


async def test_slash_in_the_empty_name_searches_and_the_results_get_the_room(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The builder opens with the cursor in the name: `/` and `?` there, before any name, are
    the search and help keys. While searching, the results take the
    larger share of the rows, and the suggestions take it back after."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await pilot.press("question_mark")  # the help, as in the lists
        assert screen_name(pilot) == "HelpScreen"
        await pilot.press("escape", "slash")
        assert screen.focused is screen.query_one("#search")
        assert screen.query_one("#name", Input).value == ""
        await type_text(pilot, app.services.catalog.catalog().tracks([0])[0].name.split()[0])
        results = screen.query_one("#results", TrackTable)
        suggestions = screen.query_one("#suggestions", TrackTable)
        await wait_for(pilot, lambda: results.tracks, what="the results")
        await settle(pilot)
        assert results.size.height > suggestions.size.height
        await pilot.press("escape")
        await settle(pilot)
        assert results.display and results.size.height < suggestions.size.height


async def test_search_box_down_moves_to_results_and_one_enter_adds(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await pilot.press("escape", "slash")
        query = app.services.catalog.catalog().tracks([0])[0].name.split()[0]
        await type_text(pilot, query)
        await pilot.press("enter")  # at once, maybe before the results: added when they come
        await wait_for(pilot, lambda: screen.playlist, what="the added track")
        results = screen.query_one("#results", TrackTable)
        assert screen.playlist == results.tracks[:1]
        assert screen.focused is screen.query_one("#search")
        await pilot.press("down")
        assert screen.focused is results and results.cursor_row == 1
        await pilot.press("enter")  # in the results: adds the highlighted one
        await settle(pilot)
        assert screen.playlist == results.tracks[:2]
        names = [str(results.get_row_at(row)[0]) for row in range(results.row_count)]
        added = [name.startswith("✓ ") for name in names]  # marked: in the playlist
        assert added == [True, True] + [False] * (len(names) - 2)
        screen.query_one("#playlist").focus()
        await pilot.press("g", "x")
        await settle(pilot)
        assert not str(results.get_row_at(0)[0]).startswith("✓ ")  # removed: unmarked


async def test_a_song_in_the_playlist_in_another_version_is_not_added_again(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        song, other = app.services.catalog.catalog().tracks([0, 1])
        # the same song from its single: another URI, its title written otherwise
        single = replace(other, name=f" {song.name.upper()} ", artist_uri=song.artist_uri,
                         album_name="The Single")
        screen.post_message(PlaylistLoaded("versions", [single]))
        await wait_for(pilot, lambda: screen.playlist == [single], what="the playlist")
        await pilot.press("escape", "slash")
        await type_text(pilot, song.uri)  # a pasted URI finds that one track
        results = screen.query_one("#results", TrackTable)
        await wait_for(pilot, lambda: results.tracks == [song], what="the search result")
        assert str(results.get_row_at(0)[0]).startswith("✓ ")  # its song is there
        await pilot.press("enter")
        await settle(pilot)
        assert screen.playlist == [single]
        assert notifications(app)[-1] == (
            f"'{song.name}' is already in the playlist (its version from 'The Single').")


async def test_title_only_suggestions_and_model_switch(trained_copy: Locations,
                                                       tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        assert screen.query_one("#suggestions").tracks == []
        await type_text(pilot, "chill")
        await wait_for(pilot, lambda: screen.query_one("#suggestions").tracks)
        await settle(pilot)
        expected = app.services.suggester.suggest("chill", [], model="als")
        assert [t.id for t in screen.query_one("#suggestions").tracks] == [
            s.track.id for s in expected]
        await pilot.press("escape", "m")  # als -> popularity (wraps around)
        await settle(pilot)
        assert screen.model_name == "popularity"
        assert "popularity" in screen.query_one("#suggestions").border_title
        # each switch says how the model scored, beside the best
        scores = app.services.models.scores()
        assert max(scores, key=scores.__getitem__) == "als"
        assert notifications(app)[-1] == (
            f"Suggesting with popularity: R-precision {scores['popularity']:.3f} on held-out "
            f"playlists (als: {scores['als']:.3f}).")
        await pilot.press("m", "m", "m")  # popularity -> title -> item_knn -> als
        assert notifications(app)[-1] == (
            f"Suggesting with als: R-precision {scores['als']:.3f} on held-out playlists, the best.")


async def add_first_result(pilot: Any, screen: BuilderScreen) -> None:
    """Search for a word of the catalog's first track and add the best result."""
    await pilot.press("escape", "slash")
    await type_text(pilot, pilot.app.services.catalog.catalog().tracks([0])[0].name.split()[0])
    await wait_for(pilot, lambda: screen.query_one("#results").tracks, what="results")
    await pilot.press("enter", "escape")  # added; out of the search box
    await settle(pilot)


async def test_changes_not_saved_are_asked_about_before_they_would_be_lost(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "road trip")
        await add_first_result(pilot, screen)
        await pilot.press("ctrl+n")  # a new playlist would drop this one: asked first
        assert screen_name(pilot) == "UnsavedScreen"
        assert "'road trip' (1 track) has changes that are not saved." in str(
            app.screen.query_one(Label).render())
        await pilot.press("escape")  # stay: nothing changes
        assert app.screen is screen and len(screen.playlist) == 1
        await pilot.press("ctrl+n", "d")  # discard: the new, empty playlist
        assert screen.playlist == [] and screen.query_one("#name", Input).value == ""
        await pilot.press("ctrl+n")  # nothing to lose: no question
        assert app.screen is screen
        await add_first_result(pilot, screen)
        await pilot.press("q", "s")  # no name to save it under: the name field, not quitting
        assert app.screen is screen and screen.focused is screen.query_one("#name")
        await type_text(pilot, "late drive")
        await pilot.press("escape", "q", "s")  # saved, then quit
        await pilot.pause()
        assert app._exit
    saved = open_services(trained_copy).playlists.get("late drive")
    assert len(saved.tracks) == 1


async def test_a_saved_playlist_quits_at_once_and_its_edits_are_asked_about(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await type_text(pilot, "kept")
        await add_first_result(pilot, builder(app))
        await pilot.press("ctrl+s")
        await pilot.press("?", "ctrl+q")  # saved: ctrl+q, even from the help, asks nothing
        await pilot.pause()
        assert app._exit
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await pilot.press("escape", "p", "enter")  # open 'kept'
        await wait_for(pilot, lambda: screen.playlist, what="the saved playlist")
        assert not screen.unsaved()
        await pilot.press("n")
        await type_text(pilot, " too")  # a renamed playlist is an edit
        assert screen.query_one("#name", Input).value == "kept too"  # n amends the name
        await pilot.press("ctrl+q")  # in the name field too
        assert screen_name(pilot) == "UnsavedScreen"
        await pilot.press("ctrl+q")  # asked already: the question stands
        assert len(app.screen_stack) == 3
        await pilot.press("d")
        await pilot.pause()
        assert app._exit
    assert open_services(trained_copy).playlists.get("kept")  # as saved


async def test_ctrl_c_says_the_key_that_quits_on_every_screen(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "ctrl+c")  # the builder's q quits, but the message stays
        await pilot.press("p")  # on the saved playlists, where q goes back
        await wait_for(pilot, lambda: screen_name(pilot) == "PlaylistsScreen")
        assert notifications(app) == ["Press ctrl+q to quit the app."]
        assert not app._exit


async def test_a_new_playlist_does_not_replace_a_saved_one_of_its_name(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Saving looks playlists up by name: a new playlist called as a saved one had replaced
    its tracks. It is refused; the saved one, opened, saves in place as before."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen, saved = builder(app), app.services.playlists
        await type_text(pilot, "mix")
        await add_first_result(pilot, screen)
        await pilot.press("ctrl+s")
        first = saved.get("mix").tracks
        await pilot.press("ctrl+n")
        await type_text(pilot, "mix")
        screen.playlist = app.services.catalog.tracks([1, 2])
        await pilot.press("ctrl+s")
        assert saved.get("mix").tracks == first and len(saved.summaries()) == 1
        assert notifications(app)[-1] == ("'mix' is saved already (1 track): give this playlist "
                                          "another name (n), or open that one (p) to change it.")
        assert screen.unsaved() and screen.focused is screen.query_one("#name")
        await type_text(pilot, " 2")
        await pilot.press("ctrl+s")
        assert len(saved.get("mix 2").tracks) == 2 and saved.get("mix").tracks == first
        await pilot.press("escape", "p", "down", "enter")  # open 'mix' (the older one)
        await wait_for(pilot, lambda: len(screen.playlist) == 1, what="the saved playlist")
        screen.playlist = app.services.catalog.tracks([3, 4, 5])
        await pilot.press("ctrl+s")
        assert len(saved.get("mix").tracks) == 3 and len(saved.summaries()) == 2


async def test_a_save_the_disk_refuses_is_said_once_and_kept_unsaved(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The look for a playlist of that name failed too, and the save was tried all the same:
    the same notification twice."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "mix")
        await add_first_result(pilot, screen)
        app.services.playlists.close()
        full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(trained_copy.playlists_db))

        def refused(write: bool = True) -> None:
            raise full
        monkeypatch.setattr(app.services.playlists, "store", refused)
        before = len(notifications(app))
        await pilot.press("ctrl+s")
        assert notifications(app)[before:] == [
            f"{trained_copy.playlists_db}: No space left on device (free some space on that disk, "
            "then try again: what was finished is kept)"]
        assert screen.unsaved()


async def test_more_like_this(trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "party")
        await wait_for(pilot, lambda: screen.query_one("#suggestions").tracks)
        await pilot.press("escape")  # out of the name: to the suggestions (the playlist is empty)
        assert screen.focused is screen.query_one("#suggestions")
        liked = screen.query_one("#suggestions").current()
        await pilot.press("l")
        await settle(pilot)
        assert "More like" in screen.query_one("#suggestions").border_title
        expected = app.services.suggester.suggest("", [liked.id], model="als")
        assert [t.id for t in screen.query_one("#suggestions").tracks] == [
            s.track.id for s in expected]
        await pilot.press("escape")
        await settle(pilot)
        assert "More like" not in screen.query_one("#suggestions").border_title

        # with a playlist: like the track alone (thirty seeds would drown it), none of the
        # playlist's own tracks
        playlist = [s.track for s in app.services.suggester.suggest("party", [], model="als",
                                                                    k=30)]
        screen.playlist = playlist
        await settle(pilot)
        screen.query_one("#suggestions").focus()
        liked = screen.query_one("#suggestions").current()
        await pilot.press("l")
        await settle(pilot)
        expected = app.services.suggester.suggest("", [liked.id], model="als",
                                                  exclude={t.id for t in playlist})
        assert [t.id for t in screen.query_one("#suggestions").tracks] == [
            s.track.id for s in expected]
        assert not {t.id for t in playlist} & {t.id for t in screen.query_one("#suggestions").tracks}


async def test_leaving_a_field_of_a_new_playlist_goes_to_the_suggestions(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Down, enter and escape from the name went to the empty playlist (and down from a search
    that found nothing, to its empty results): three tabs more to reach a track to pick."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        suggestions, playlist = screen.query_one("#suggestions"), screen.query_one("#playlist")
        await type_text(pilot, "party")
        await wait_for(pilot, lambda: suggestions.tracks)
        for key in ("down", "enter", "escape"):
            if screen.focused is not screen.query_one("#name"):
                await pilot.press("n")  # back into the name
            await pilot.press(key)
            assert screen.focused is suggestions, key
        results = screen.query_one("#results")
        assert not results.display  # no search: the suggestions have its room
        await pilot.press("slash", *"qqqzzz")
        assert results.display
        await pilot.press("down")  # found nothing
        assert screen.focused is suggestions
        await pilot.press("slash", *["backspace"] * 6)
        assert not results.display
        await pilot.press("down")
        assert screen.focused is suggestions
        await pilot.press("a", "n", "escape")  # a track in the playlist: it is the list now
        await settle(pilot)
        assert playlist.tracks and screen.focused is playlist


async def test_a_name_entered_before_its_suggestions_came_hands_the_cursor_to_them(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Typed fast, the name's enter found no suggestions yet and left the cursor in the empty
    playlist, where `a` added nothing; unless the user has gone elsewhere since."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        suggestions, playlist = screen.query_one("#suggestions"), screen.query_one("#playlist")
        held: list[float] = []
        screen._schedule = held.append  # the name's suggestions wait: typing speed varies
        await type_text(pilot, "party")
        await pilot.press("enter")
        assert held and not suggestions.tracks and screen.focused is playlist
        del screen._schedule  # the builder's own again, asked now
        screen._schedule(0)
        await wait_for(pilot, lambda: screen.focused is suggestions, what="the cursor on them")
        await pilot.press("a")
        await settle(pilot)
        assert len(playlist.tracks) == 1

        await pilot.press("ctrl+n", "d")  # a new playlist; the old one discarded
        await type_text(pilot, "summer")
        await pilot.press("enter", "slash")  # on to the search before the suggestions came
        await wait_for(pilot, lambda: suggestions.tracks, what="the suggestions")
        await settle(pilot)
        assert screen.focused is screen.query_one("#search")


def seed_of_mixed_reasons(services: Any) -> Track:
    """A track whose item_knn suggestions are its neighbours, then popular ones: two reasons."""
    catalog = services.catalog.catalog()
    for track_id in range(0, catalog.n_tracks(), 97):
        found = services.suggester.suggest("", [track_id], model="item_knn")
        if len({s.reason for s in found}) > 1:
            return catalog.tracks([track_id])[0]
    raise AssertionError("no seed of the demo has item_knn suggestions of mixed reasons")


async def test_a_reason_all_suggestions_share_is_said_once(trained_copy: Locations,
                                                            tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        suggestions = screen.query_one("#suggestions", TrackTable)
        await type_text(pilot, "road trip")
        await wait_for(pilot, lambda: suggestions.tracks)
        await settle(pilot)
        shared = app.services.suggester.suggest("road trip", [], model="als")[0].reason
        assert set(suggestions.reasons) == {shared}  # als' fallback, for every suggestion
        assert suggestions.columns_shown() == ["Track", "Artist", "Album", "Time"]
        assert label_text(pilot, "#suggest-status") == (
            f"50 suggestions from als: {shared.removeprefix('als: ')}")
        await pilot.press("escape")  # out of the name: to the suggestions (the playlist is empty)
        assert screen.focused is suggestions and suggestions.border_subtitle is None


async def test_the_highlighted_suggestion_shows_its_whole_reason(trained_copy: Locations,
                                                               tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        seed = seed_of_mixed_reasons(app.services)
        screen = builder(app)
        suggestions = screen.query_one("#suggestions", TrackTable)
        await run_command(pilot, "model: item")
        await pilot.press("escape", "slash")
        await type_text(pilot, seed.uri)  # a pasted URI finds that one track
        await wait_for(pilot, lambda: screen.query_one("#results").tracks, what="results")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(set(suggestions.reasons)) > 1, what="mixed reasons")
        await settle(pilot)
        assert "Why" in suggestions.columns_shown()
        assert label_text(pilot, "#suggest-status") == (
            f"{len(suggestions.tracks)} suggestions from item_knn")
        assert suggestions.border_subtitle is None  # only while the list has the focus
        await pilot.press("tab", "tab")  # from the search box, past the results
        assert screen.focused is suggestions
        for row in range(len(suggestions.tracks)):
            reason = suggestions.reasons[row]
            shown = suggestions._border_subtitle
            assert shown is not None and shown.plain == f"why: {reason}"
            await pilot.press("down")
        await pilot.press("shift+tab")
        assert suggestions.border_subtitle is None


class SlowFirstSuggest(Suggester):
    """The first `suggest` call waits until the test releases it (a slow, stale answer)."""

    def __init__(self, models: ModelStore, catalog: CatalogService) -> None:
        super().__init__(models, catalog)
        self.release = threading.Event()
        self.calls = 0
        self.lock = threading.Lock()

    def suggest(self, name: str, seeds: Any, model: str | None = None, k: int = 50,
                allowed: Any = None, exclude: Any = ()) -> Any:
        with self.lock:
            self.calls += 1
            first = self.calls == 1
        answer = super().suggest(name, seeds, model, k, allowed, exclude)
        if first:
            self.release.wait(30)
        return answer


async def test_a_stale_suggestion_answer_is_discarded(trained_copy: Locations,
                                                      tmp_path: Path) -> None:
    services = open_services(trained_copy, suggester=SlowFirstSuggest)
    slow = services.suggester
    assert isinstance(slow, SlowFirstSuggest)
    app = make_app(trained_copy, tmp_path, services=services)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "sleep")  # request 1: held back
        await wait_for(pilot, lambda: slow.calls == 1)
        await pilot.press("backspace")  # "slee": request 2 answers at once
        await wait_for(pilot, lambda: slow.calls == 2 and screen.suggestions_shown)
        await settle_except_held(pilot)
        newest = [s.track.id for s in services.suggester.suggest("slee", [], model="als")]
        assert [t.id for t in screen.query_one("#suggestions").tracks] == newest
        shown = screen.suggestions_shown
        slow.release.set()  # the stale answer to "sleep" arrives now
        await settle(pilot)
        assert screen.suggestions_shown == shown
        assert [t.id for t in screen.query_one("#suggestions").tracks] == newest
        stale = [s.track.id for s in services.suggester.suggest("sleep", [], model="als")]
        assert stale != newest


async def settle_except_held(pilot: Any) -> None:
    await pilot.pause(0.3)


async def test_saved_playlists_screen(trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        tracks = app.services.catalog.tracks([3, 1, 4])
        app.services.playlists.save("gym", tracks)
        await pilot.press("escape", "p")
        assert isinstance(app.screen, PlaylistsScreen)
        await pilot.press("r")
        await pilot.press(*["backspace"] * 3)
        await type_text(pilot, "workout")
        await pilot.press("enter")
        assert [p.name for p in app.services.playlists.summaries()] == ["workout"]
        await pilot.press("d")
        names = sorted(p.name for p in app.services.playlists.summaries())
        assert names == ["workout", "workout (copy)"]
        await pilot.press("x", "y")  # delete the highlighted copy, confirmed
        assert [p.name for p in app.services.playlists.summaries()] == ["workout"]
        await pilot.press("x", "n")  # asked, refused: kept
        assert [p.name for p in app.services.playlists.summaries()] == ["workout"]
        await pilot.press("enter")  # open in the builder
        await settle(pilot)
        screen = builder(app)
        assert [t.id for t in screen.playlist] == [3, 1, 4]
        assert screen.query_one("#name", Input).value == "workout"


async def test_saved_playlists_list_what_another_terminal_saves_renames_and_deletes(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        elsewhere = open_services(trained_copy).playlists  # a store of its own
        tracks = app.services.catalog.tracks
        elsewhere.save("gym", tracks([3, 1]))
        elsewhere.save("road trip", tracks([4]))
        await pilot.press("escape", "p")
        screen = app.screen
        assert isinstance(screen, PlaylistsScreen)
        await pilot.press("down")  # on 'gym'
        elsewhere.save("rainy sunday", tracks([5, 6, 7]))
        elsewhere.rename("road trip", "long drive")
        elsewhere.save_extended("gym", elsewhere.get("gym"), tracks([8]))
        screen._check_saved()  # what the list does every few seconds
        await pilot.pause()
        assert [(p.name, p.num_tracks) for p in screen.summaries] == [
            ("gym", 3), ("long drive", 1), ("rainy sunday", 3)]  # most recently changed first
        assert screen._selected() == screen.summaries[0]  # still on 'gym'
        elsewhere.delete("rainy sunday")
        screen._check_saved()
        await pilot.pause()
        assert [p.name for p in screen.summaries] == ["gym", "long drive"]


async def test_a_playlist_file_imports_from_the_saved_playlists(trained_copy: Locations,
                                                                tmp_path: Path) -> None:
    """`i`: a file's path, completed with tab; a path with no playlist is said in the dialog,
    which stays open; a name taken gets a number."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        tracks = app.services.catalog.tracks([3, 1, 4])
        app.services.playlists.save("gym", tracks[:1])
        (tmp_path / "exportify").mkdir()
        (tmp_path / "exportify" / "gym.csv").write_text(
            "Track URI,Track Name\n" + "".join(f"{t.uri},{t.name}\n" for t in tracks))
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="playlists")
        await pilot.press("i")
        field = app.screen.query_one("#prompt-input", Input)
        field.value = str(tmp_path / "exportify" / "nothing.csv")
        await pilot.press("enter")
        assert "nothing.csv does not exist: give an M3U8, CSV or JSON playlist" in label_text(
            pilot, "#prompt-refused")
        field.value = str(tmp_path / "exportify" / "g")
        field.cursor_position = len(field.value)
        await pilot.press("tab")  # completed as a shell would
        assert field.value == str(tmp_path / "exportify" / "gym.csv")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlaylistsScreen)
        assert app.services.playlists.get("gym 2").uris == [t.uri for t in tracks]
        selected = screen._selected()
        assert selected is not None and selected.name == "gym 2"
        assert "Imported 'gym 2' ('gym' is taken): 3 tracks." in notifications(app)

        (tmp_path / "songs.txt").write_text("Nobody - Nothing\n")  # no song the catalog holds
        await pilot.press("i")
        app.screen.query_one("#prompt-input", Input).value = str(tmp_path / "songs.txt")
        await pilot.press("enter")
        await settle(pilot)
        assert any("songs.txt names 1 song without a Spotify link, such as 'Nobody - Nothing', "
                   "and none of them is in the catalog" in said for said in notifications(app))
        assert [p.name for p in app.services.playlists.summaries()] == ["gym 2", "gym"]


async def test_a_saved_playlists_tracks_outside_the_catalog_survive_editing_it(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Saved on other data (the demo before the MPD, say): the builder cannot show those
    tracks, so saving the playlist after an edit keeps them where they were."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        known = app.services.catalog.tracks([3, 1, 4])
        elsewhere = [TrackEntry(f"spotify:track:{'A' * 21}{i}", f"Gone {i}", "Nobody", 1000)
                     for i in range(2)]
        entries = [TrackEntry(t.uri, t.name, t.artist_name, t.duration_ms) for t in known]
        app.services.playlists.store().save("mix", [elsewhere[0], *entries[:2], elsewhere[1],
                                                    entries[2]])
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="playlists")
        await settle(pilot)
        await pilot.press("enter")  # open it in the builder
        await settle(pilot)
        screen = builder(app)
        assert [t.id for t in screen.playlist] == [3, 1, 4]
        assert any("2 of its tracks are not in the catalog: not shown here; saving keeps them "
                   "in place" in said for said in notifications(app))
        screen.playlist = [*screen.playlist[:1], *screen.playlist[2:], *app.services.catalog.tracks([9])]
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = app.services.playlists.get("mix")
        ninth = app.services.catalog.tracks([9])[0].uri
        assert saved.uris == [elsewhere[0].uri, known[0].uri, known[2].uri, elsewhere[1].uri, ninth]


@pytest.mark.parametrize("saved", [True, False], ids=["saved", "new"])
async def test_other_data_replacing_the_catalog_finds_the_playlist_again(
        trained_dir: Path, trained_copy: Locations, tmp_path: Path, saved: bool) -> None:
    """`mpdtui ingest OTHER --replace` in another terminal: the track ids of the playlist on
    screen mean other tracks in the new catalog, so it is found again by URI."""
    import asyncio

    from mpdtui.data.catalog import Catalog

    other = one_slice_folder(trained_dir, tmp_path / "other-mpd")
    second = json.loads((other / ONE_SLICE).read_text())["playlists"]
    in_second = {t["track_uri"] for p in second for t in p["tracks"]}
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        catalog = app.services.catalog
        kept = [t for t in catalog.tracks(catalog.resolve_uris(
            [t["track_uri"] for t in second[0]["tracks"][:3]])) if t.id > 0]
        gone = next(t for t in catalog.tracks(range(1, 200)) if t.uri not in in_second)
        screen = builder(app)
        screen.playlist = [kept[0], gone, *kept[1:]]
        await type_text(pilot, "mix")
        if saved:
            await pilot.press("ctrl+s")
        await settle(pilot)

        await asyncio.to_thread(open_services(trained_copy).jobs.ingest, other, replace=True)
        await wait_for(pilot, lambda: len(screen.playlist) == len(kept), timeout=30,
                       what="the playlist found again")
        with Catalog.open(trained_copy) as new_catalog:
            new_ids = new_catalog.track_ids([t.uri for t in kept])
        assert [(t.id, t.uri) for t in screen.playlist] == list(
            zip(new_ids, [t.uri for t in kept], strict=True))
        assert new_ids != [t.id for t in kept]  # the old ids would have meant other tracks
        said = [n for n in notifications(app) if n.startswith("The catalog holds other data now.")]
        assert said and said[0].endswith(
            "1 of the playlist's tracks is not in the catalog: not shown here; saving keeps it in "
            "place." if saved else "1 of the playlist's tracks is not in it: taken out of the "
            "playlist.")
        assert screen.unsaved() is not saved
        await wait_for(pilot, lambda: not screen.query_one("#suggestions", TrackTable).tracks,
                       what="no suggestions: the models went with the data they learned")
        await pilot.press("escape", "/")
        await type_text(pilot, kept[0].name)  # search reads the new catalog
        await wait_for(pilot, lambda: kept[0].uri in [
            t.uri for t in screen.query_one("#results", TrackTable).tracks], what="results")
        if saved:
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.services.playlists.get("mix").uris == [kept[0].uri, gone.uri,
                                                             *[t.uri for t in kept[1:]]]


async def test_a_long_saved_name_is_cut_and_the_other_columns_stay(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        app.services.playlists.save("夜" * 100, app.services.catalog.tracks([3, 1]))
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="playlists")
        await settle(pilot)
        table = app.screen.query_one("#saved", DataTable)
        widths = [column.width for column in table.columns.values()]
        assert [str(c.label) for c in table.columns.values()] == ["Name", "Tracks", "Changed"]
        assert sum(widths) + 2 * len(widths) <= table.size.width  # no column out of view
        lines = ["".join(seg.text for seg in strip)
                 for strip in app.screen._compositor.render_full_update().strips]
        row = next(line for line in lines if line.startswith(" 夜"))  # as the screen shows it
        assert "…  2 " in row


async def test_the_highlighted_saved_playlists_tracks_show_beside_the_list(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        gym = app.services.catalog.tracks([3, 1, 4])
        app.services.playlists.save("gym", gym)
        app.services.playlists.save("sleep", app.services.catalog.tracks([7]))
        await pilot.press("escape", "p")
        await settle(pilot)
        screen = app.screen
        assert "enter" in footer_keys(screen)  # Open: the list's own enter hid it
        preview = screen.query_one("#saved-tracks", DataTable)

        def shown() -> list[str]:
            return [str(preview.get_row_at(row)[1]) for row in range(preview.row_count)]

        assert shown() == [app.services.catalog.tracks([7])[0].name]  # the latest first
        await pilot.press("j")
        await settle(pilot)
        assert shown() == [t.name for t in gym]
        total = sum(t.duration_ms for t in gym)
        assert str(preview.border_title).startswith(f"gym · {total // 60000}:")
        assert not preview.can_focus and screen.focused is screen.query_one("#saved")


async def test_the_saved_playlists_filter_by_name(trained_copy: Locations,
                                                  tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        for name in ("Road trip", "gym", "road to nowhere"):
            app.services.playlists.save(name, app.services.catalog.tracks([3, 1]))
        await pilot.press("escape", "p")
        await settle(pilot)
        screen = app.screen
        listed = screen.query_one("#saved", DataTable)

        def names() -> list[str]:
            return [str(listed.get_row_at(row)[0]) for row in range(listed.row_count)]

        await pilot.press("slash")
        await type_text(pilot, "ROAD")  # any case; q, r, d, x are letters here
        assert names() == ["road to nowhere", "Road trip"]
        assert footer_keys(screen) >= {"enter", "escape"} and "r" not in footer_keys(screen)
        await type_text(pilot, "x")
        assert names() == [] and "holds 'ROADx'" in label_text(pilot, "#saved-empty")
        await pilot.press("backspace", "escape")  # back to the list, the filter kept
        assert screen.focused is listed and names() == ["road to nowhere", "Road trip"]
        await pilot.press("slash", "end", "space", "t", "r", "enter")  # enter opens the match
        await settle(pilot)
        assert builder(app).query_one("#name", Input).value == "Road trip"


async def test_the_builder_follows_a_rename_or_delete_of_its_playlist(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Renamed in the playlists screen, the playlist on screen shows its new name and saves in
    place (it had saved a second playlist under the old name); deleted, it saves as new."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen, saved = builder(app), app.services.playlists
        await type_text(pilot, "mix")
        screen.playlist = app.services.catalog.tracks([1, 2])
        await pilot.press("ctrl+s", "escape", "p", "r", *["backspace"] * 3)
        await type_text(pilot, "road")
        await pilot.press("enter", "escape")  # renamed; back in the builder
        assert screen.query_one("#name", Input).value == "road" and not screen.unsaved()
        screen.playlist = app.services.catalog.tracks([1, 2, 3])
        await pilot.press("ctrl+s")
        assert [(p.name, p.num_tracks) for p in saved.summaries()] == [("road", 3)]
        await pilot.press("p", "x", "y", "escape")  # deleted: its id may be given again
        assert screen.editing is None and screen.unsaved()  # quitting now asks
        await pilot.press("ctrl+s")
        assert [(p.name, p.num_tracks) for p in saved.summaries()] == [("road", 3)]
        assert screen.editing == saved.summaries()[0].id


async def test_the_builder_follows_its_playlist_changed_in_another_terminal(
        trained_copy: Locations, tmp_path: Path) -> None:
    """`mpdtui suggest --save` or `playlists --rename/--delete` in another terminal change the
    saved playlist on screen. Unchanged here, it is shown as saved; changed here too, saving
    asks before replacing theirs (no keeps theirs); deleted, it saves as a new one."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen, tracks = builder(app), app.services.catalog.tracks
        elsewhere = open_services(trained_copy).playlists  # a store of its own
        await type_text(pilot, "mix")
        screen.playlist = tracks([1, 2])
        await pilot.press("ctrl+s")
        elsewhere.save_extended("mix", elsewhere.get("mix"), tracks([3]))
        elsewhere.rename("mix", "road")
        screen._check_data()  # what the builder does every few seconds
        await wait_for(pilot, lambda: [t.id for t in screen.playlist] == [1, 2, 3],
                       what="the playlist as saved elsewhere")
        assert screen.query_one("#name", Input).value == "road" and not screen.unsaved()

        screen.playlist = tracks([1])  # changed here...
        theirs = elsewhere.replace_tracks("road", [TrackEntry(t.uri) for t in tracks([4, 5])])
        screen._check_data()
        screen._check_data()  # ...and there: said once
        await pilot.pause()
        warned = [n for n in notifications(app) if "asks before" in n]
        assert warned == ["'road' was changed in another window or terminal (2 tracks now): "
                          "saving here asks before replacing that."]
        await pilot.press("ctrl+s")
        assert screen_name(pilot) == "ConfirmScreen"
        await pilot.press("n")
        assert elsewhere.get("road").uris == theirs.uris and screen.unsaved()
        await pilot.press("ctrl+s", "y")
        assert elsewhere.get("road").uris == [tracks([1])[0].uri] and not screen.unsaved()
        await pilot.press("ctrl+s")  # saved here last: nothing to ask
        assert screen_name(pilot) == "BuilderScreen"

        elsewhere.replace_tracks("road", theirs.tracks)
        screen.query_one("#name", Input).value = "road too"  # both kept: nothing to ask
        await pilot.press("ctrl+s")
        assert screen_name(pilot) == "BuilderScreen"
        assert {p.name: p.num_tracks for p in elsewhere.summaries()} == {"road": 2, "road too": 1}

        elsewhere.delete("road too")
        screen._check_data()
        await pilot.pause()
        assert "'road too' was deleted in another window or terminal: save it (ctrl+s) to keep " \
            "it." in notifications(app)
        assert screen.editing is None and screen.unsaved()  # quitting now asks
        await pilot.press("ctrl+s")
        assert {p.name: p.num_tracks for p in elsewhere.summaries()} == {"road": 2, "road too": 1}


async def test_unsaved_changes_outlive_the_app_and_come_back_at_its_next_start(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A terminal closed (no quit, no question) keeps what was not saved: the next start shows
    it, still unsaved, and a save over a change made elsewhere since still asks first."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen, tracks = builder(app), app.services.catalog.tracks
        await type_text(pilot, "mix")
        screen.playlist = tracks([1, 2])
        await pilot.press("ctrl+s")
        screen.playlist = tracks([1, 2, 3])  # changed, not saved
        screen._check_data()  # what the builder does every few seconds
        assert trained_copy.builder_draft.exists()
        app.services.playlists.save_extended("mix", app.services.playlists.get("mix"),
                                             tracks([4]))  # another terminal's change
    # run_test ends the app without the builder's quit: as a closed terminal would
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await wait_for(pilot, lambda: screen.playlist, what="the draft")
        assert [t.id for t in screen.playlist] == [1, 2, 3] and screen.unsaved()
        assert screen.query_one("#name", Input).value == "mix"
        assert ("Restored 'mix' (3 tracks): its changes were not saved when mpdtui last closed. "
                "ctrl+s saves them; ctrl+n, then d, drops them.") in notifications(app)
        await pilot.press("ctrl+s")
        assert screen_name(pilot) == "ConfirmScreen"  # 'mix' has 3 other tracks since
        await pilot.press("y")
        assert app.services.playlists.get("mix").uris == [t.uri for t in tracks([1, 2, 3])]
        assert not trained_copy.builder_draft.exists()  # saved: nothing to restore
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        assert not builder(app).playlist


async def test_a_draft_another_running_window_keeps_is_not_restored(
        trained_copy: Locations, tmp_path: Path) -> None:
    tracks = open_services(trained_copy).catalog.tracks([1, 2])
    draft = Draft("theirs", tuple(t.uri for t in tracks), pid=os.getppid())  # running
    write_draft(trained_copy.builder_draft, draft)
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.pause(0.2)
        assert not builder(app).playlist
        builder(app)._check_data()  # nothing unsaved here: their draft stays
    assert read_draft(trained_copy.builder_draft) == draft


async def test_a_refused_rename_keeps_its_dialog_open_with_why(trained_copy: Locations,
                                                               tmp_path: Path) -> None:
    """A name another playlist has closed the dialog, the typed name with it, behind a
    notification; the dialog now says why under the name, to be changed there."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        saved = app.services.playlists
        saved.save("Road trip", app.services.catalog.tracks([1]))
        saved.save("Mix", app.services.catalog.tracks([2]))
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: screen_name(pilot) == "PlaylistsScreen")
        await pilot.press("r", "ctrl+u")  # the most recent first: Mix
        await type_text(pilot, "Road trip")
        await pilot.press("enter")
        assert screen_name(pilot) == "PromptScreen"
        assert label_text(pilot, "#prompt-refused") == (
            "a saved playlist named 'Road trip' already exists: choose another name")
        await type_text(pilot, " 2")
        await pilot.press("enter")
        assert screen_name(pilot) == "PlaylistsScreen"
        assert sorted(p.name for p in saved.summaries()) == ["Road trip", "Road trip 2"]
        assert "Renamed to 'Road trip 2'." in notifications(app)


async def test_no_models_yet_is_a_notification(ingested_copy: Locations, tmp_path: Path) -> None:
    app = make_app(ingested_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await settle(pilot)
        assert "No trained model" in label_text(pilot, "#suggest-status")
        await pilot.press("escape", "m")
        assert screen_name(pilot) == "BuilderScreen"
        await pilot.press("f2")  # where the message sends the user, and back from there
        await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep", what="the training step")
        await pilot.press("escape")  # back, still without a model: the status line says it
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")
        await settle(pilot)
        assert notifications(app).count(MISSING_MODEL) == 1  # said once, not at each load


async def test_the_builder_without_data_says_what_is_missing(tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        app.open_builder()  # however one gets there (another process removed the data)
        await builder_ready(pilot)
        status = label_text(pilot, "#suggest-status")
        assert "No data yet" in status and "data step (f2)" in status


async def test_spotify_export_without_login_is_an_error_message(trained_copy: Locations,
                                                                tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "mix")
        screen.playlist = app.services.catalog.tracks([1, 2])
        await pilot.press("escape", "e", "j", "j", "j", "enter")
        await settle(pilot)
        said = [n for n in notifications(app) if "not logged in to Spotify" in n]
        assert said and "Spotify step (f2)" in said[0] and "mpdtui auth" not in said[0]
        assert screen_name(pilot) == "BuilderScreen"
        await pilot.press("f2")  # the step the message names, and back from it: the builder
        await wait_for(pilot, lambda: screen_name(pilot) == "SpotifyStep", what="the Spotify step")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")


class BrokenSearch(CatalogService):
    def search(self, text: str, limit: int = 50) -> list[Any]:
        raise RuntimeError("disk on fire")


async def test_an_unexpected_worker_error_is_a_notification(trained_copy: Locations,
                                                            tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, catalog=BrokenSearch))
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "slash", "a")
        await settle(pilot)
        assert any("disk on fire" in n for n in notifications(app))
        assert app.is_running


# --- help and palette ---------------------------------------------------------------------------

async def test_help_lists_every_key() -> None:
    documented = " ".join(key for keys in KEYS.values() for key, _ in keys)
    screens: list[type] = [BuilderScreen, PlaylistsScreen, SetupStep, *SETUP_STEPS]
    for screen in screens:
        for binding in screen.BINDINGS:
            for key in binding.key.split(","):  # type: ignore[union-attr]
                shown = {"slash": "/", "question_mark": "?"}.get(key, key)
                assert shown in documented, f"{screen.__name__}: key {key} not in the help"


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_help_screen_opens_and_closes(trained_copy: Locations, tmp_path: Path,
                                            size: tuple[int, int]) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=size) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "question_mark")
        assert screen_name(pilot) == "HelpScreen"
        help_box = app.screen.query_one("#help")
        assert help_box.region.right <= size[0]  # whole, at 80 columns too
        key, what = (app.screen.query_one(f"#help .{part}", Static) for part in ("key", "what"))
        assert (str(key.render()), str(what.render())) == ("?", "this help")
        long = next(w for w in app.screen.query("#help .what").results(Static)
                    if str(w.render()).startswith("filter suggestions by sound"))
        assert long.region.height > 1 and long.region.x == what.region.x  # wraps in its column
        assert help_box.max_scroll_y > 2 or size != (80, 24)  # too long for 24 rows
        if help_box.max_scroll_y:  # the keys that move in a list move in the help
            await pilot.press("j", "j")
            assert help_box.scroll_y == 2
            await pilot.press("G")
            assert help_box.scroll_y == help_box.max_scroll_y
            await pilot.press("k", "g")
            assert help_box.scroll_y == 0
        await pilot.press("escape")
        assert screen_name(pilot) == "BuilderScreen"


async def test_palette_switches_model(trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "model: item")
        await settle(pilot)
        assert builder(app).model_name == "item_knn"


assert DEMO.playlists == 1500  # the sizes the assertions above rely on


# --- Spotify: login in the setup, then export (against the loopback fake) ----------------------

class AnyPort(SpotifyService):
    def login(self, client_id: str, **kwargs: Any) -> Any:
        return super().login(client_id, **{**kwargs, "port": 0})


@pytest.fixture
def fake_spotify(monkeypatch: pytest.MonkeyPatch) -> Any:
    from fake_spotify import FakeSpotify

    with FakeSpotify() as server:
        for key, value in server.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("MPDTUI_SPOTIFY_CLIENT_ID", raising=False)
        yield server


async def test_the_login_url_shows_at_24_rows_and_goes_to_the_clipboard(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Over SSH the URL is opened on another machine: it was below the fold at 80×24, and a
    selection of its wrapped lines copies line breaks into it."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        await pilot.press("f2", "ctrl+n", "ctrl+n")
        assert screen_name(pilot) == "SpotifyStep"
        step = app.screen
        url = ("https://accounts.spotify.com/authorize?client_id=abc&response_type=code&"
               "redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&code_challenge=" + "x" * 43)
        step.post_message(LoginUrl(url))
        await settle(pilot)
        assert app.clipboard == url
        shown, paste = step.query_one("#login-url"), step.query_one("#redirect-url", Input)
        visible = step.query_one("#step").content_region
        assert paste.has_focus
        assert visible.contains_region(shown.region) and visible.contains_region(paste.region)
        assert "".join(str(shown.render()).split("\n")).endswith(url)
        assert "INVALID_CLIENT: check the Client ID" in label_text(pilot, "#step-status")
        assert "hold http://127.0.0.1:8765/callback exactly" in label_text(pilot, "#step-status")


async def start_login(pilot: Any, client_id: str) -> None:
    """From the builder to the Spotify step, and a login started there with `client_id`."""
    await builder_ready(pilot)
    await pilot.press("f2", "ctrl+n", "ctrl+n")
    assert screen_name(pilot) == "SpotifyStep"
    await type_text(pilot, client_id)
    await pilot.press("enter")


async def test_a_refused_login_says_why_beside_the_login_url(fake_spotify: Any,
                                                             trained_copy: Locations,
                                                             tmp_path: Path) -> None:
    """It said "Not logged in. Try again", the reason gone with its notification."""
    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, spotify=AnyPort))
    async with app.run_test(size=SIZE) as pilot:
        await start_login(pilot, fake_spotify.state.client_id)
        paste = app.screen.query_one("#redirect-url", Input)
        await wait_for(pilot, lambda: paste.has_focus, what="the paste field")
        paste.value = "http://127.0.0.1:8765/callback?error=access_denied&state=x"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Not logged in" in label_text(pilot, "#step-status"),
                       what="the refusal")
        assert label_text(pilot, "#step-status") == (
            "Not logged in: Spotify login was refused (access_denied). Try again (ctrl+r) or "
            "skip (ctrl+n).")


async def test_spotify_login_by_pasted_url_then_export(fake_spotify: Any,
                                                       trained_copy: Locations,
                                                       tmp_path: Path) -> None:
    import requests

    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, spotify=AnyPort))
    async with app.run_test(size=SIZE) as pilot:
        await start_login(pilot, fake_spotify.state.client_id)
        step = app.screen

        def login_url() -> str:
            shown = str(step.query_one("#login-url").render())
            said = "Login page (copied to the clipboard): "
            return shown.split(said, 1)[1].strip() if said in shown else ""

        await wait_for(pilot, login_url)
        cancelled = login_url()
        await pilot.press("escape")  # a login given up, then another: its paste is read
        await wait_for(pilot, lambda: "Login cancelled" in label_text(pilot, "#step-status"))
        assert not any("cancelled" in n for n in notifications(app)), "no failure: escape"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: login_url() not in ("", cancelled))
        url = login_url()
        assert app.clipboard == url
        redirect = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        paste = step.query_one("#redirect-url", Input)
        assert paste.has_focus
        paste.value = redirect  # what a terminal paste puts in the field
        await pilot.press("enter")
        await settle(pilot)
        assert "Logged in" in label_text(pilot, "#step-status")
        assert "Fake User" in label_text(pilot, "#spotify-user")
        await pilot.press("ctrl+n", "ctrl+n", "ctrl+n")  # features, training, finish
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "for spotify")
        screen.playlist = app.services.catalog.tracks([1, 2, 3])
        await pilot.press("escape", "e", "j", "j", "j", "enter")
        await settle(pilot)
        assert any("Exported to Spotify: 3 tracks" in n for n in notifications(app))
