"""The builder's full garbage collections wait for its pauses (`mpdtui.tui.idle_gc`)."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    builder_ready,
    make_app,
    trained_copy,
    trained_dir,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.tui.idle_gc import THAW_EVERY, IdleCollector
from mpdtui.tui.screens.builder import BuilderScreen


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    """Python's thresholds before the test, and the check that they are back after it."""
    before = gc.get_threshold()
    yield before
    assert gc.get_threshold() == before


def a_dropped_cycle() -> weakref.ref[Cycle]:
    cycle = Cycle()
    return weakref.ref(cycle)


def test_hold_stops_automatic_full_collections_and_release_gives_them_back(
        thresholds: tuple[int, int, int]) -> None:
    collector = IdleCollector()
    collector.hold()
    collector.hold()  # a second refresh: still Python's own thresholds to give back
    young, middle, oldest = gc.get_threshold()
    assert (young, middle) == thresholds[:2] and oldest > 10**9
    collector.release()
    assert gc.get_threshold() == thresholds


def test_collect_frees_cycles_while_holding_only(thresholds: tuple[int, int, int]) -> None:
    collector = IdleCollector()
    gc.disable()  # no automatic collection while the test looks
    try:
        cycle = a_dropped_cycle()
        collector.collect()  # not holding: Python's own collections apply, nothing to do
        assert cycle() is not None
        collector.hold()
        collector.collect()
        assert cycle() is None
        collector.release()
    finally:
        gc.enable()


def test_a_collection_walks_only_what_the_last_one_left_and_a_whole_one_comes_back(
        thresholds: tuple[int, int, int]) -> None:
    """What survived is frozen: a full collection with a 10,000-track playlist open took 150
    ms for its 340k objects, under 1 ms frozen; cycles frozen and dropped since are freed by
    every `THAW_EVERY`-th collection, or at `release`, not kept for good."""
    collector = IdleCollector()
    gc.disable()
    try:
        collector.hold()
        kept = [Cycle() for _ in range(200_000)]  # a long playlist's objects
        older = Cycle()
        older_ref = weakref.ref(older)
        collector.collect()
        assert gc.get_freeze_count() >= len(kept)
        del older  # garbage among the frozen: waits for the whole collection
        collector.collect()
        assert older_ref() is not None
        for _ in range(THAW_EVERY - 3):
            collector.collect()
        assert older_ref() is not None
        collector.collect()  # the THAW_EVERY-th: thaws, walks all, freezes again
        assert older_ref() is None
        assert gc.get_freeze_count() >= len(kept)  # frozen again
        older = Cycle()
        older_ref = weakref.ref(older)
        collector.collect()
        del older
        collector.release()
        assert gc.get_freeze_count() == 0
        gc.collect()
        assert older_ref() is None
        del kept
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_full_collection_is_due_as_often_as_python_would_run_one(
        thresholds: tuple[int, int, int]) -> None:
    collector = IdleCollector()
    assert not collector.due()  # not holding: Python runs its own
    collector.hold()
    collector.collect()
    assert not collector.due()
    for _ in range(thresholds[2] + 1):
        gc.collect(1)  # a young collection: Python counts them towards the next full one
    assert collector.due()
    collector.collect()
    assert not collector.due()
    collector.release()


@pytest.mark.asyncio
async def test_the_builder_collects_at_a_pause_and_lets_go_on_another_screen(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        thresholds: tuple[int, int, int]) -> None:
    monkeypatch.setattr("mpdtui.tui.screens.builder_base.IDLE_S", 0.2)
    # never due: a full collection while the builder holds them is the pause's (the due one
    # after a refresh is the next test's)
    monkeypatch.setattr(IdleCollector, "due", lambda self: False)
    full_collections: list[dict[str, int]] = []
    builders: list[BuilderScreen] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        # counted only while held, so the pause may come before the test looks (a loaded machine)
        if phase == "start" and info["generation"] == 2 and builders and builders[0].collector.holding:
            full_collections.append(info)

    app = make_app(trained_copy, tmp_path)
    gc.callbacks.append(seen)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await builder_ready(pilot)
            screen = app.screen
            assert isinstance(screen, BuilderScreen)
            builders.append(screen)
            await pilot.press(*"rainy")
            await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                           what="suggestions")
            assert screen.collector.holding and gc.get_threshold()[2] > 10**9
            await wait_for(pilot, lambda: full_collections, what="a full collection at the pause")
            await pilot.press("escape", "question_mark")  # the help: another screen
            await wait_for(pilot, lambda: app.screen is not screen, what="the help")
            assert not screen.collector.holding and gc.get_threshold() == thresholds
    finally:
        gc.callbacks.remove(seen)


@pytest.mark.asyncio
async def test_a_due_collection_runs_after_the_refresh_not_at_the_next_pause(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        thresholds: tuple[int, int, int]) -> None:
    monkeypatch.setattr("mpdtui.tui.screens.builder_base.IDLE_S", 600)  # no pause comes
    full_collections: list[dict[str, int]] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full_collections.append(info)

    app = make_app(trained_copy, tmp_path)
    gc.callbacks.append(seen)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await builder_ready(pilot)
            screen = app.screen
            assert isinstance(screen, BuilderScreen)
            await pilot.press(*"rainy")
            await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                           what="suggestions")
            for _ in range(thresholds[2] + 1):
                gc.collect(1)  # as many young collections as make a full one due
            full_collections.clear()
            await pilot.press(*" day")
            await wait_for(pilot, lambda: full_collections, what="a full collection")
    finally:
        gc.callbacks.remove(seen)
