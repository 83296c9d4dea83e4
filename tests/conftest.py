"""Shared fixtures: a small demo dataset, generated and ingested once per test session."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import signal

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    # The suite started in the background by a script (`make test &`, a CI runner's shell
    # without job control) inherits SIGINT ignored, and so would every command the tests
    # start: mpdtui keeps a signal its caller ignores (`commands/jobs.py`), so the tests'
    # ctrl+c would not stop them. A handler here is reset to the default in each child.
    signal.signal(signal.SIGINT, signal.default_int_handler)

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_spotify import FakeSpotify
from shared_build import built_once, shared_temp

from mpdtui.data.demo import generate_demo
from mpdtui.data.ingest import ingest
from mpdtui.locations import Locations

SMALL_DEMO_PLAYLISTS = 3000
SMALL_DEMO_SEED = 7


def pytest_configure(config: pytest.Config) -> None:
    """OpenMP (LightGBM, implicit) gets each test process's share of the cores, before the test
    modules load it. Two processes on two cores, each with a thread per core, spun against each
    other: the ranker module's demo fixture took 71-120 s, 26-40 s with one thread each (one
    process alone on a quiet machine, two threads: 18.5 s against 26.6 s). Job processes the
    tests start inherit it; test_overlap raises it where it checks the limit. xdist's controller,
    which runs no test, leaves it to its workers (they inherit its environment)."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")  # set in xdist's workers
    if config.getoption("numprocesses", None) and not workers:
        return
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // int(workers or 1))))


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
        monkeypatch.setattr("mpdtui.advice.advised", lambda text, encoding=None: text)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3,000-playlist demo dataset (3 slices) in MPD format, generated once for the run's
    test processes. Read-only for tests."""
    return built_once(shared_temp(tmp_path_factory) / "demo-mpd",
                      lambda folder: generate_demo(folder, SMALL_DEMO_PLAYLISTS, SMALL_DEMO_SEED))


@pytest.fixture(scope="session")
def small_store(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Locations:
    """A cache dir holding the small demo dataset, ingested. Read-only for tests. Ingested
    once for the run's test processes, each of which reads its own copy."""
    ingested = built_once(shared_temp(tmp_path_factory) / "small-store",
                          lambda root: ingest(Locations.resolve(root), small_demo))
    copy = tmp_path_factory.mktemp("cache") / "cache"
    shutil.copytree(ingested, copy)
    return Locations.resolve(copy)


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
