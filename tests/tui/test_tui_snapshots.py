"""One snapshot per screen (fixed terminal size; paths, free space and times masked; only
models that train to the same numbers every time)."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from textual.widgets import DataTable, Input, Label
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    builder_ready,
    make_app,
    settle,
    steady_copy,
    steady_dir,
    trained_dir,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.tui.messages import PlaylistLoaded


@pytest.fixture(autouse=True)
def no_client_id_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MPDTUI_SPOTIFY_CLIENT_ID", raising=False)


CACHE_DIR = "/cache"
"""What a snapshot shows for the test's cache dir, whose path changes from run to run."""


async def steady(pilot: Any) -> None:
    """Mask what differs between machines and runs, drop toasts, let rendering finish."""
    await settle(pilot)
    for field in pilot.app.screen.query(Input).results(Input):
        field.cursor_blink = False  # a blinking cursor is on or off by the clock
        if field.has_class("volatile"):
            field.value = f"<{field.id or 'masked'}>"
        else:  # a path the app offers (the features CSV that came with the demo) stays there
            field.value = field.value.replace(str(pilot.app.locations.root), CACHE_DIR)
    for label in pilot.app.screen.query(".volatile").results(Label):
        label.update(f"<{label.id or 'masked'}>")
    pilot.app.clear_notifications()
    await pilot.pause()


def goto(step: int) -> Any:
    async def run_before(pilot: Any) -> None:
        await wait_for(pilot, lambda: pilot.app.services is not None
                       and type(pilot.app.screen).__name__ != "Screen")
        if type(pilot.app.screen).__name__ != "CacheStep" or step:
            pilot.app.goto_step(step)
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__.endswith("Step"))
        await steady(pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
@pytest.mark.parametrize("step", [0, 1, 2, 3, 4],
                         ids=["cache", "data", "spotify", "features", "training"])
def test_setup_steps_at_common_sizes(snap_compare: Any, steady_copy: Locations, tmp_path: Path,
                                     step: int, size: tuple[int, int]) -> None:
    """Every step's buttons and status stay on screen, the body scrolls above them."""
    app = make_app(steady_copy, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=goto(step))


def test_evaluation_chart(snap_compare: Any, steady_copy: Locations, tmp_path: Path) -> None:
    """The training step scrolled to the evaluation chart (a README picture)."""
    async def run_before(pilot: Any) -> None:
        await goto(4)(pilot)
        pilot.app.screen.query_one("#step").scroll_end(animate=False)
        await steady(pilot)

    assert snap_compare(make_app(steady_copy, tmp_path), terminal_size=(160, 45),
                        run_before=run_before)


@pytest.mark.parametrize("step", [0, 1, 2, 3, 4],
                         ids=["cache", "data", "spotify", "features", "training"])
def test_setup_steps(snap_compare: Any, steady_copy: Locations, tmp_path: Path,
                     step: int) -> None:
    app = make_app(steady_copy, tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=goto(step))


async def open_builder_with_tracks(pilot: Any, saved: bool = False) -> None:
    """The builder with 'road trip' open (`saved`: as the saved playlist of that name)."""
    await builder_ready(pilot)
    screen, services = pilot.app.screen, pilot.app.services
    tracks = services.catalog.tracks([5, 8, 13])
    stored = services.playlists.save("road trip", tracks) if saved else None
    screen.post_message(PlaylistLoaded("road trip", tracks, saved=stored))
    await wait_for(pilot, lambda: len(screen.playlist) == 3)
    await steady(pilot)


def test_builder(snap_compare: Any, steady_copy: Locations, tmp_path: Path) -> None:
    app = make_app(steady_copy, tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_builder_with_tracks)


@pytest.mark.parametrize("size", [(80, 24), (160, 45), (48, 30)],
                         ids=["80x24", "160x45", "48x30"])
def test_builder_at_common_sizes(snap_compare: Any, steady_copy: Locations, tmp_path: Path,
                                 size: tuple[int, int]) -> None:
    """Suggestions showing: whole names and reasons at 160x45, track and artist at 80x24; in
    a narrow pane the playlist above the suggestions, each input one line."""
    app = make_app(steady_copy, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=open_builder_with_tracks)


def test_builder_search(snap_compare: Any, steady_copy: Locations,
                        tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await open_builder_with_tracks(pilot)
        await pilot.press("escape", "slash", *"ra")
        screen = pilot.app.screen  # "r" is answered on the way: wait for "ra"'s answer
        await wait_for(pilot, lambda: screen.query_one("#results").tracks
                       and screen._search_shown == screen._search_request)
        await steady(pilot)

    assert snap_compare(make_app(steady_copy, tmp_path), terminal_size=SIZE,
                        run_before=run_before)


def test_saved_playlists(snap_compare: Any, steady_copy: Locations,
                         tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await builder_ready(pilot)
        services = pilot.app.services
        services.playlists.save("gym", services.catalog.tracks([1, 2, 3]))
        services.playlists.save("sleep", services.catalog.tracks([7]))
        await pilot.press("escape", "p")
        mask_times(pilot)
        await steady(pilot)

    assert snap_compare(make_app(steady_copy, tmp_path), terminal_size=SIZE,
                        run_before=run_before)


def mask_times(pilot: Any) -> None:
    table = pilot.app.screen.query_one("#saved", DataTable)
    for row in range(table.row_count):
        table.update_cell_at((row, 2), "<changed>", update_width=True)


@pytest.mark.parametrize("keys", [("question_mark",), ("e",), ("p", "x"), ("p", "r"),
                                  ("x", "ctrl+n")],
                         ids=["help", "export", "confirm", "prompt", "unsaved"])
def test_dialogs(snap_compare: Any, steady_copy: Locations, tmp_path: Path,
                 keys: tuple[str, ...]) -> None:
    async def run_before(pilot: Any) -> None:
        await open_builder_with_tracks(pilot, saved=True)
        await pilot.press("escape", *keys[:1])
        if keys[0] == "p":
            mask_times(pilot)
        await pilot.press(*keys[1:])  # ("x", "ctrl+n"): one track less, then a new playlist
        await steady(pilot)

    assert snap_compare(make_app(steady_copy, tmp_path), terminal_size=SIZE,
                        run_before=run_before)


def test_first_run_cache_step(snap_compare: Any, tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=goto(0))


def test_readme_pictures_are_the_snapshots() -> None:
    """The README's screenshots are snapshot files of this suite, so they stay current."""
    root = Path(__file__).parents[2]
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+\.svg)\)", (root / "README.md").read_text())
    assert {"builder", "training", "evaluation_chart"} <= {
        key for key in ("builder", "training", "evaluation_chart")
        if any(key in unquote(p) for p in pictures)}
    for picture in pictures:
        path = root / unquote(picture)
        assert path.is_file(), f"README shows {picture}, which no snapshot test writes"
        assert path.parent.parent == root / "tests" / "tui" / "__snapshots__"
