"""Shared fixtures: a small demo dataset, generated and ingested once per test session."""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# OpenMP (LightGBM, implicit) on one thread: the suite runs in two processes on two cores, and
# the ranker's 400 boosting rounds took 71-120 s there with a thread per core, 26-40 s with one
# (job processes the tests start inherit it; test_overlap raises it where it checks the limit)
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_spotify import FakeSpotify

from mpdtui.data.demo import generate_demo
from mpdtui.data.ingest import ingest
from mpdtui.locations import Locations

SMALL_DEMO_PLAYLISTS = 3000
SMALL_DEMO_SEED = 7


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules marked `slow` first, then the others by their number of tests, most first; each
    module's tests stay together and in order. The Makefile's two processes take modules in
    this order (`--no-loadscope-reorder`): xdist's own order, by number of tests alone, left
    the one-test end-to-end modules (a first run in a real terminal: 1-2 min) for last, one
    process running them while the other had nothing left."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def weight(tests: list[pytest.Item]) -> tuple[bool, int]:
        return not any(item.get_closest_marker("slow") for item in tests), -len(tests)

    items[:] = [item for tests in sorted(modules.values(), key=weight) for item in tests]


@pytest.fixture(autouse=True)
def advice_as_without_cache_dir(request: pytest.FixtureRequest,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands that the CLI's messages quote name the --cache-dir given (`advice.
    advised`), which `tests/cli/test_cli_advice.py` checks; the tests of what the messages say
    read them as said with the cache dir in MPDTUI_CACHE_DIR (in a child process:
    `hostile_support.as_typed`)."""
    if not request.node.module.__name__.endswith("test_cli_advice"):
        monkeypatch.setattr("mpdtui.advice.advised", lambda text: text)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3,000-playlist demo dataset (3 slices) in MPD format."""
    folder = tmp_path_factory.mktemp("demo-mpd")
    generate_demo(folder, SMALL_DEMO_PLAYLISTS, SMALL_DEMO_SEED)
    return folder


@pytest.fixture(scope="session")
def small_store(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Locations:
    """A cache dir holding the small demo dataset, ingested. Read-only for tests."""
    locations = Locations.resolve(tmp_path_factory.mktemp("cache"))
    ingest(locations, small_demo)
    return locations


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Locations:
    """An empty cache dir, also set as MPDTUI_CACHE_DIR."""
    monkeypatch.setenv("MPDTUI_CACHE_DIR", str(tmp_path / "cache"))
    return Locations.resolve(tmp_path / "cache")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSpotify]:
    """A Spotify API and accounts server on 127.0.0.1, with mpdtui's base URLs pointing at it."""
    with FakeSpotify() as server:
        for key, value in server.env.items():
            monkeypatch.setenv(key, value)
        yield server
