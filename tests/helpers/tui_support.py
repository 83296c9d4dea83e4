"""Shared by the TUI tests (no tests here): a trained tiny demo cache and pilot helpers.

The trained cache is built once per run under pytest's base temp dir, shared by the modules and
by `make test`'s two processes (`shared_build`); tests that write get their own copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from shared_build import built_once, shared_temp
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Label

from mpdtui.data.builder_draft import Draft, write_draft
from mpdtui.data.demo_files import FEATURES_CSV
from mpdtui.data.features import FeatureStore
from mpdtui.locations import Locations
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.sources import DemoSpec
from mpdtui.services.root import Services, open_services
from mpdtui.tui.app import MpdtuiApp, create_app
from mpdtui.tui.context import AppOptions
from mpdtui.tui.screens.builder import BuilderScreen
from mpdtui.tui.widgets.track_table import TrackTable

DEMO = DemoSpec(playlists=1500, seed=1)
MODELS = ("popularity", "title", "item_knn", "als")
SIZE = (130, 40)


def build_trained(root: Path) -> None:
    """Ingest the demo and train the light models into `root`, without audio features: the
    builder's plain layout (the audio tests import them into their copy). The features store
    is there, empty, as after a features step that found none (the setup's features step
    still offers the demo's CSV: the snapshots show its path in the cache dir as /cache)."""
    locations = Locations.resolve(root)
    services = open_services(locations)
    services.jobs.ingest(services.data.demo_source(DEMO))
    with FeatureStore.open(locations.ensure()):
        pass
    services.jobs.run(JobRequest("setup", models=MODELS, demo_features=False))  # as the app


@pytest.fixture(scope="session")
def trained_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(shared_temp(tmp_path_factory) / "tui-trained", build_trained)


STEADY_MODELS = ("popularity", "title", "item_knn")
"""Models that train to the same numbers every time (ALS may not): for snapshots."""


@pytest.fixture(scope="session")
def steady_dir(trained_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(root: Path) -> None:
        shutil.copytree(trained_dir, root,
                        ignore=shutil.ignore_patterns("demo-mpd", "models", "reports"))
        open_services(Locations.resolve(root)).jobs.run(
            JobRequest("setup", models=STEADY_MODELS, demo_features=False))

    return built_once(shared_temp(tmp_path_factory) / "tui-steady", build)


@pytest.fixture
def steady_copy(steady_dir: Path, tmp_path: Path) -> Locations:
    """A private copy of a cache with deterministic models only."""
    target = tmp_path / "cache"
    shutil.copytree(steady_dir, target)
    return Locations.resolve(target)


@pytest.fixture
def trained_copy(trained_dir: Path, tmp_path: Path) -> Locations:
    """A private copy of the trained cache (without the demo's JSON files)."""
    target = tmp_path / "cache"
    shutil.copytree(trained_dir, target, ignore=shutil.ignore_patterns("demo-mpd"))
    return Locations.resolve(target)


@pytest.fixture
def ingested_copy(trained_dir: Path, tmp_path: Path) -> Locations:
    """Data but no models."""
    target = tmp_path / "cache"
    shutil.copytree(trained_dir, target,
                    ignore=shutil.ignore_patterns("demo-mpd", "models", "reports"))
    return Locations.resolve(target)


def make_app(locations: Locations, tmp_path: Path, services: Services | None = None,
             **options: object) -> MpdtuiApp:
    defaults: dict[str, object] = {"train_models": MODELS, "export_dir": tmp_path / "exports",
                                   "open_browser": False, "demo_playlists": 1500,
                                   "demo_seed": 1}
    defaults.update(options)
    (tmp_path / "exports").mkdir(exist_ok=True)
    return create_app(locations, AppOptions(**defaults), services)  # type: ignore[arg-type]


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 60.0,
                   what: str = "condition") -> None:
    """Let the app run until `condition()` is true (workers are threads)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)
    await pilot.pause()  # let the screen finish mounting / handle posted messages


def screen_name(pilot: Pilot) -> str:
    return type(pilot.app.screen).__name__


async def builder_ready(pilot: Pilot) -> None:
    """Wait for the builder with its models loaded."""
    await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")
    await settle(pilot)


def notifications(app: MpdtuiApp) -> list[str]:
    """The notifications showing (those whose time is up are gone: see `noted`)."""
    return [n.message for n in app._notifications]


def noted(app: MpdtuiApp) -> list[str]:
    """Every notification's message from now on, as it is sent: a 5-s note sent while a test
    waits for something else may be gone from `notifications` when a slow run looks."""
    said: list[str] = []
    shown = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        said.append(str(message))
        shown(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return said


async def settle(pilot: Pilot) -> None:
    """Wait until no worker of the current screen or app runs."""
    await wait_for(pilot, lambda: all(w.is_finished for w in pilot.app.workers),
                   what="workers")
    await pilot.pause(0.05)


def label_text(pilot: Pilot, selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Label).render())


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


async def on_to_the_data_step(pilot: Pilot) -> None:
    """From a first run's cache step (an empty cache dir), on to the data step."""
    await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the data step")


async def to_the_saved_list(pilot: Pilot) -> None:
    """From the builder to the saved playlists' list (escape, p)."""
    from mpdtui.tui.screens.playlists import PlaylistsScreen

    await pilot.press("escape", "p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PlaylistsScreen), what="playlists")


async def import_path(pilot: Pilot, path: object) -> None:
    """In the saved playlists' list: the import dialog (i), `path` given, enter."""
    await pilot.press("i")
    pilot.app.screen.query_one("#prompt-input", Input).value = str(path)
    await pilot.press("enter")


async def type_path(pilot: Pilot, path: object) -> None:
    """Give the focused field `path` as typed: its last part key by key, the rest at once (a
    long path typed key by key costs seconds, each key completing)."""
    field = pilot.app.focused
    assert isinstance(field, Input), field
    head, slash, tail = str(path).rpartition("/")
    field.replace(head + slash, *field.selection)  # as a key: over the selection, if any
    await type_text(pilot, tail)


async def run_command(pilot: Pilot, text: str) -> None:
    """ctrl+p, type, wait for the palette's hits, enter."""
    await pilot.press("ctrl+p")
    await type_text(pilot, text)
    palette = pilot.app.screen
    await wait_for(pilot, lambda: palette.query_one("CommandList").option_count,
                   what="palette hits")
    await pilot.press("enter")


def builder(app: MpdtuiApp) -> BuilderScreen:
    assert isinstance(app.screen, BuilderScreen)
    return app.screen


async def to_the_suggestions(pilot: Pilot, name: str) -> tuple[BuilderScreen, TrackTable]:
    """The builder, a name typed, the cursor on its suggestions (the playlist is empty)."""
    await builder_ready(pilot)
    screen = builder(pilot.app)
    await type_text(pilot, name)
    await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                   what="suggestions")
    await pilot.press("escape")
    return screen, screen.query_one("#suggestions", TrackTable)


async def add_first_result(pilot: Pilot, screen: BuilderScreen) -> None:
    """Search for a word of the catalog's first track and add the best result."""
    await pilot.press("escape", "slash")
    await type_text(pilot, pilot.app.services.catalog.catalog().tracks([0])[0].name.split()[0])
    await wait_for(pilot, lambda: screen.query_one("#results").tracks, what="results")
    await pilot.press("enter", "escape")  # added; out of the search box
    await settle(pilot)


def footer_keys(screen: Screen) -> set[str]:
    """The keys the footer shows (active, shown bindings)."""
    return {key for key, active in screen.active_bindings.items() if active.binding.show}


ONE_SLICE = "mpd.slice.1000-1999.json"
"""The trained cache's second slice: ingested alone, its tracks get other ids."""


def one_slice_folder(trained_dir: Path, folder: Path, *beside: str) -> Path:
    """An MPD folder of one slice of the trained cache's demo (and its files named `beside`)."""
    folder.mkdir()
    for name in (ONE_SLICE, *beside):
        shutil.copy(trained_dir / "demo-mpd" / name, folder)
    return folder


@pytest.fixture(scope="session")
def audio_dir(steady_dir: Path, trained_dir: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The steady cache (deterministic models) with the demo's audio features imported."""
    def build(root: Path) -> None:
        shutil.copytree(steady_dir, root)
        open_services(Locations.resolve(root)).jobs.import_features_csv(
            trained_dir / "demo-mpd" / FEATURES_CSV)

    return built_once(shared_temp(tmp_path_factory) / "tui-audio", build)


@pytest.fixture
def audio_copy(audio_dir: Path, tmp_path: Path) -> Locations:
    target = tmp_path / "cache"
    shutil.copytree(audio_dir, target)
    return Locations.resolve(target)


def late_draft(locations: Locations, monkeypatch: pytest.MonkeyPatch,
               name: str = "mix") -> threading.Event:
    """A draft of tracks 1 and 2, left by a process that ended, which the next builder
    restores only once the event returned is set (a long draft shows seconds after the
    start)."""
    from mpdtui.tui.draft import DraftKeeper

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    tracks = open_services(locations).catalog.tracks([1, 2])
    write_draft(locations.builder_draft_of(ended.pid),
                Draft(name, tuple(t.uri for t in tracks), pid=ended.pid))
    release = threading.Event()
    restored = DraftKeeper.restored

    def late(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)
        return restored(*args, **kwargs)

    monkeypatch.setattr(DraftKeeper, "restored", late)
    return release
