"""What stood in a new user's way: the demo's size, chosen at the data step (it was
config.json's alone, which only README named); placeholders cut at 80x24; the builder's
notices over its filter; the training step's model names unexplained."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Input, Label
from tui_support import (  # noqa: F401 (fixtures)
    builder_ready,
    footer_keys,
    label_text,
    make_app,
    on_to_the_data_step,
    run_command,
    screen_name,
    settle,
    trained_copy,
    trained_dir,
    wait_for,
)

from mpdtui import config
from mpdtui.locations import Locations
from mpdtui.tui.screens.wizard import SETUP_STEPS
from mpdtui.tui.widgets import demo_size
from mpdtui.tui.widgets.demo_size import DemoSizeChoice

pytestmark = pytest.mark.asyncio


async def test_the_data_step_offers_demo_sizes_and_keeps_the_one_chosen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """shift+tab from the path to the sizes, → and enter: the cursor is back in the path, whose
    placeholder names the size; enter there generates and ingests it, and config.json keeps
    it. Another size over the demo ingested is other data: asked first, and `n` keeps all."""
    monkeypatch.setattr(demo_size, "DEMO_SIZES", ((120, "1 min"), (150, "2 min")))
    locations = Locations.resolve(tmp_path / "fresh")
    locations.ensure()
    locations.config_json.write_text(json.dumps({"demo": {"playlists": 120, "seed": 2}}))
    app = make_app(locations, tmp_path, demo_playlists=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await on_to_the_data_step(pilot)
        path = app.screen.query_one("#mpd-path", Input)
        assert "120 playlists" in path.placeholder and app.screen.focused is path
        await pilot.press("shift+tab", "right", "enter")
        assert app.screen.focused is path  # back where enter ingests
        assert path.placeholder.startswith("empty: the demo dataset (150 playlists)")
        assert "The demo: 150 playlists." in label_text(pilot, "#step-status")
        assert config.read(locations).demo_playlists == 120  # nothing done yet
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Data ready" in label_text(pilot, "#step-status"),
                       what="the demo ingested")
        assert "Ingested: 150 playlists" in label_text(pilot, "#data-now")
        settings = config.read(locations)
        assert (settings.demo_playlists, settings.demo_seed) == (150, 2)
        await pilot.press("shift+tab", "left", "enter")
        assert path.placeholder.startswith("empty: the demo at 120 playlists, replacing the "
                                           "demo dataset (150 playlists, seed 2)")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen", what="the question")
        assert "Replace?" in str(app.screen.query_one(Label).render())
        await pilot.press("n")
        await settle(pilot)
        assert app.services.data.counts().playlists == 150
        assert config.read(locations).demo_playlists == 150


def cut_placeholders(app: object) -> list[tuple[str | None, str, int]]:
    """The empty fields on screen whose placeholder is wider than the field has room for."""
    cut = []
    for field in app.screen.query(Input).results(Input):  # type: ignore[attr-defined]
        room = field.content_size.width - 1  # the cursor's cell past the end
        if field.display and not field.value and cell_len(field.placeholder) > room:
            cut.append((field.id, field.placeholder, room))
    return cut


async def test_every_placeholder_is_whole_at_80x24(trained_copy: Locations,
                                                   tmp_path: Path) -> None:
    """At 80x24 the builder's filter read "Filter by sound (f): tempo 150-170, energ" and the
    data step's path "empty: the demo dataset (1,500 playlists, seed 1); or an MPD folde"."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        assert cut_placeholders(app) == []
        await pilot.press("f")  # focused, the key leaves the placeholder: another text
        assert cut_placeholders(app) == []
        await pilot.press("escape", "f2")
        for step in SETUP_STEPS:
            await wait_for(pilot, lambda step=step: isinstance(app.screen, step), what=step.__name__)
            await settle(pilot)
            assert cut_placeholders(app) == [], step.__name__
            if step is not SETUP_STEPS[-1]:
                await pilot.press("ctrl+n")


@pytest.mark.parametrize("size", [(80, 24), (48, 30), (120, 40)])
async def test_the_builders_notices_cover_neither_the_filter_nor_its_status(
        trained_copy: Locations, tmp_path: Path, size: tuple[int, int]) -> None:
    """At 80x24 the start's notice (20 s: a training stopped) stood over the filter by sound
    and the line under it that says why a filter cannot be read."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await builder_ready(pilot)
        app.notify("The last training stopped before two_tower, ranker: continue it at the "
                   "setup's training step (f2).", severity="warning", timeout=20)
        app.notify("A second notice, long enough to take a few lines in the corner.")
        await pilot.pause(0.3)
        parts = [app.screen.query_one(part) for part in ("#filter", "#suggest-status", "#name",
                                                         "#search")]

        def covered() -> list[object]:
            toasts = [toast.region for toast in app.screen.query("Toast")]
            return [(part.id, toasts) for part in parts
                    if any(toast.overlaps(part.region) for toast in toasts)]

        assert len(app.screen.query("Toast")) == 2
        await wait_for(pilot, lambda: not covered(), timeout=10, what="no field covered")


async def test_the_palettes_keys_opens_the_apps_help(trained_copy: Locations,
                                                    tmp_path: Path) -> None:
    """The palette's first command, Textual's Keys, squeezed the builder at 80x24 into 50
    columns beside a panel of Textual's keys ("Page Left", "Copy selected text"): it opens the
    app's help, at the builder's keys."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "Keys")
        await wait_for(pilot, lambda: screen_name(pilot) == "HelpScreen", what="the help")
        assert not app.query("HelpPanel")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")
        assert app.screen.query_one("#filter").size.width > 40  # not squeezed


async def test_the_help_says_how_to_reach_the_demos_sizes() -> None:
    from mpdtui.tui.screens.help import KEYS

    said = dict(KEYS["Setup wizard"])
    assert "demo's sizes" in said["shift+tab"]
    assert DemoSizeChoice.BINDINGS  # enter and space, as said


async def test_a_dialogs_field_names_its_enter_in_the_footer(trained_copy: Locations,
                                                             tmp_path: Path) -> None:
    """The rename and fill dialogs' footer showed "esc Cancel" alone."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        app.services.playlists.save("summer", app.services.catalog.tracks([1, 2]))
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: screen_name(pilot) == "PlaylistsScreen", what="the list")
        await settle(pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: screen_name(pilot) == "PromptScreen", what="the dialog")
        assert {"enter", "escape"} <= footer_keys(app.screen)
        await pilot.press("ctrl+u", *"winter", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "PlaylistsScreen", what="the list")
        assert [p.name for p in app.services.playlists.summaries()] == ["winter"]


async def test_the_data_steps_field_stays_in_view_as_the_terminal_shrinks(
        trained_copy: Locations, tmp_path: Path) -> None:
    """At 60x20 the sizes, one under the other, pushed the path with the cursor below the
    step's fold."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        await run_command(pilot, "setup: data")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the data step")
        await settle(pilot)
        field, step = app.screen.query_one("#mpd-path"), app.screen.query_one("#step")
        for size in ((60, 20), (50, 16), (100, 30)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            assert app.screen.focused is field
            await wait_for(pilot, lambda: step.region.contains_region(field.region),
                           timeout=10, what=f"the path in view at {size}")
