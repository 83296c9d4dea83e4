"""Pilot tests of keys that said nothing or too little: saving an empty playlist, a name typed
before a late draft, the help's dialog keys, notices over a dialog's field."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    builder,
    builder_ready,
    footer_keys,
    late_draft,
    make_app,
    notifications,
    run_command,
    screen_name,
    settle,
    trained_copy,
    trained_dir,
    type_text,
    wait_for,
)

from mpdtui.locations import Locations
from mpdtui.services.root import open_services
from mpdtui.tui.app import MpdtuiApp
from mpdtui.tui.screens.builder import BuilderScreen
from mpdtui.tui.widgets.track_table import TrackTable

pytestmark = pytest.mark.asyncio

NOTHING_SAVED = ("Nothing saved: the playlist has no tracks. Add some first (/ searches, a adds "
                 "the highlighted one).")



def _holding(app: MpdtuiApp, track_ids: list[int]) -> BuilderScreen:
    """The builder, its playlist these tracks (as if added)."""
    screen = builder(app)
    screen.playlist = app.services.catalog.tracks(track_ids)
    screen._playlist_changed()
    return screen

async def test_saving_an_empty_playlist_says_why_nothing_is_saved_from_the_key_and_palette(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The palette's Save saved a playlist of 0 tracks; ctrl+s did nothing and said nothing."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await type_text(pilot, "empty one")  # the builder opens in the name
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert notifications(app) == [NOTHING_SAVED]
        app.clear_notifications()
        await run_command(pilot, "Save playlist")
        await settle(pilot)
        assert notifications(app) == [NOTHING_SAVED]
        assert app.services.playlists.summaries() == []
        builder(app).playlist = app.services.catalog.tracks([1])
        await pilot.press("ctrl+s")  # with a track: saved as before
        await settle(pilot)
        assert [p.name for p in app.services.playlists.summaries()] == ["empty one"], (
            notifications(app), app.focused)


async def test_the_help_and_readme_list_the_dialogs_keys_and_shift_arrows() -> None:
    """The help had no `c` of the unsaved-changes dialog (nor `y` / `n` of a question); README
    had no shift+up / shift+down, which move a playlist track as K / J do."""
    from mpdtui.tui.screens.builder_base import BuilderBase
    from mpdtui.tui.screens.confirm import ConfirmScreen
    from mpdtui.tui.screens.help import KEYS
    from mpdtui.tui.screens.unsaved import UnsavedScreen

    def keys_of(section: str) -> set[str]:
        return {key for keys, _ in KEYS[section] for key in keys.replace("/", " ").split()}

    for screen in (UnsavedScreen, ConfirmScreen):
        for binding in screen.BINDINGS:
            for key in binding.key.split(","):  # type: ignore[union-attr]
                assert key in keys_of("Dialogs"), f"{screen.__name__}: {key}"
    moves = {b.action: b.key for b in BuilderBase.BINDINGS  # type: ignore[union-attr]
             if b.action.startswith("move")}  # type: ignore[union-attr]
    assert moves == {"move(-1)": "K,shift+up", "move(1)": "J,shift+down"}
    assert {"K", "J", "shift+up", "shift+down"} <= keys_of("Playlist builder")
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "| `K` / `J`, `shift+up` / `shift+down` | move the highlighted playlist track" in readme
    assert "or stay (`c` or `Esc`)" in readme


async def test_shift_up_and_down_move_the_highlighted_track_as_k_and_j_do(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = _holding(app, [1, 2, 3])
        await pilot.press("escape")  # from the name to the playlist
        await settle(pilot)
        assert app.focused is screen.query_one("#playlist")
        await pilot.press("shift+down")
        assert [t.id for t in screen.playlist] == [2, 1, 3]
        await pilot.press("shift+up")
        assert [t.id for t in screen.playlist] == [1, 2, 3]


@pytest.mark.parametrize("draft_name", ["mix", ""])
async def test_a_name_typed_before_a_late_draft_is_kept_and_said(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        draft_name: str) -> None:
    """A long draft shows seconds after the start; a name typed meanwhile was replaced by the
    draft's without a word. The name typed last is kept, and the notice says so."""
    release = late_draft(trained_copy, monkeypatch, draft_name)
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")
        screen = builder(app)
        await type_text(pilot, "party")  # the builder opens in the name
        release.set()
        await wait_for(pilot, lambda: screen.playlist, what="the draft")
        name = screen.query_one("#name", Input)
        assert name.value == "party" and app.focused is name and screen.unsaved()
        was = "Its name was 'mix'; the" if draft_name else "The"
        assert notifications(app)[-1].endswith(
            f"{was} name typed meanwhile, 'party', is kept (n edits it)."), notifications(app)
        await pilot.press("s", "ctrl+s")  # typing goes on in the name; saved under it
        await settle(pilot)
        drafted = app.services.catalog.tracks([1, 2])
        assert app.services.playlists.get("partys").uris == [t.uri for t in drafted]


async def test_notices_from_before_leave_the_export_dialogs_folder_field_clear_at_80x24(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Notices still showing when `e` opened the export dialog covered its folder field."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await builder_ready(pilot)
        screen = _holding(app, [1, 2])
        await type_text(pilot, "mix")
        await pilot.press("ctrl+s")
        for n in range(3):
            app.notify(f"notice {n}: long enough to take a few lines in the corner of the "
                       "screen, as a restored draft's does")
        await pilot.pause(0.2)
        screen.query_one("#playlist").focus()
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(pilot) == "ExportScreen", what="the dialog")
        await pilot.pause(0.3)
        field = app.screen.query_one("#export-folder")
        toasts = [toast.region for toast in app.screen.query("Toast")]
        assert not any(region.overlaps(field.region) for region in toasts), (toasts, field.region)
        app.notify("said while the dialog is open")
        await pilot.pause(0.3)
        assert len(app.screen.query("Toast")) == 1  # shows


async def test_export_and_order_keys_on_an_empty_playlist_say_why(
        trained_copy: Locations, tmp_path: Path) -> None:
    """e and o did nothing and said nothing on an empty playlist, where the palette's Export
    said why: each key says what its palette command says."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "empty one")
        await pilot.press("escape")  # to the lists, where e and o are keys
        await settle(pilot)
        assert screen.focused in (screen.query_one("#playlist"), screen.query_one("#suggestions"))
        for key, command in (("e", "Export playlist"), ("o", "Order for flow")):
            app.clear_notifications()
            await pilot.press(key)
            await settle(pilot)
            said = notifications(app)
            assert len(said) == 1 and screen_name(pilot) == "BuilderScreen", (key, said)
            app.clear_notifications()
            await run_command(pilot, command)
            await settle(pilot)
            assert notifications(app) == said
        assert notifications(app)[0].startswith("No audio features yet")  # the demo's here
        await pilot.press("n", "e", "o")  # in the name they type letters, and say nothing
        await settle(pilot)
        assert screen.query_one("#name", Input).value == "empty oneeo"
        assert len(notifications(app)) == 1


@pytest.mark.parametrize("width", [80, 60])
async def test_the_footer_shows_add_remove_save_help_and_quit_first(
        trained_copy: Locations, tmp_path: Path, width: int) -> None:
    """At 80 columns the footer showed the keys in the order of the bindings and cut the
    rest: in the playlist, no Save and no Quit. The keys a new user needs first are whole
    there, at 60 columns too."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await builder_ready(pilot)
        await type_text(pilot, "mix")
        screen = _holding(app, [1, 2])
        for pane, keys in (("#playlist", {"x", "ctrl+s", "question_mark", "q"}),
                           ("#suggestions", {"a", "x", "ctrl+s", "question_mark", "q"})):
            screen.query_one(pane).focus()
            await settle(pilot)
            shown = {key.key for key in screen.query("FooterKey") if key.visible}
            assert keys <= shown, (pane, shown)


async def test_tracks_added_before_a_late_draft_are_kept_after_its_tracks(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long draft shows seconds after the start; tracks added meanwhile were replaced by the
    draft's without a word. They are kept after its tracks (a song the draft has is not added
    twice), said, and u takes them out."""
    release = late_draft(trained_copy, monkeypatch, "mix")
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")
        screen = builder(app)
        for track in app.services.catalog.tracks([2, 7, 9]):  # as the search's enter adds
            screen._add_track(track)
        release.set()
        await wait_for(pilot, lambda: any(n.startswith("Restored") for n in notifications(app)),
                       what="the draft")
        assert [t.id for t in screen.playlist] == [1, 2, 7, 9]  # was [1, 2]
        assert notifications(app)[-1].endswith(
            " 2 tracks added meanwhile are kept, after its tracks (u takes them out)."), (
            notifications(app))
        assert screen.unsaved()
        await pilot.press("escape")  # from the name to the playlist, where u is a key
        await pilot.press("u")
        assert [t.id for t in screen.playlist] == [1, 2]


async def test_a_save_or_export_that_asked_for_a_name_goes_on_at_enter_there(
        trained_copy: Locations, tmp_path: Path) -> None:
    """q, s (save, then quit) on a playlist with no name put the cursor in the name: the name
    typed, enter went to the playlist, nothing saved and the app still there, until q and s
    again. Enter in the name goes on with what asked for it; leaving the name otherwise
    gives it up."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = _holding(app, [1, 2])
        name = screen.query_one("#name", Input)
        await pilot.press("escape", "e")  # to the playlist; export: no name yet
        await settle(pilot)
        assert app.focused is name
        await type_text(pilot, "x")
        await pilot.press("enter")  # the export goes on
        await settle(pilot)
        assert screen_name(pilot) == "ExportScreen"
        await pilot.press("escape")  # given up; again, the name taken out first
        await settle(pilot)
        await pilot.press("n", "ctrl+u", "escape", "e")
        await settle(pilot)
        assert app.focused is name
        await type_text(pilot, "x")
        await pilot.press("escape", "n", "enter")  # left, then back: the export was given up
        await settle(pilot)
        assert screen_name(pilot) == "BuilderScreen"
        await pilot.press("n", "ctrl+u", "escape", "q", "s")
        await settle(pilot)
        assert app.focused is name and not app._exit
        await type_text(pilot, "late name")
        await pilot.press("enter")
        await pilot.pause()
        assert app._exit
    saved = open_services(trained_copy).playlists.get("late name")
    assert [t.id for t in open_services(trained_copy).catalog.tracks(
        open_services(trained_copy).catalog.resolve_uris(saved.uris))] == [1, 2]


async def test_the_footer_offers_more_like_this_only_on_a_track(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The empty playlist's footer offered "l More like this", which did nothing there."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        screen.query_one("#playlist").focus()
        await settle(pilot)
        assert "l" not in footer_keys(screen)
        await pilot.press("l")
        assert screen.like is None
        await pilot.press("n")  # to the name: its suggestions, then a track to highlight
        await type_text(pilot, "road")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.query_one("#suggestions", TrackTable).row_count,
                       what="suggestions")
        screen.query_one("#suggestions").focus()
        await wait_for(pilot, lambda: "l" in footer_keys(screen), what="l in the footer")


async def test_k_and_j_on_a_suggestion_and_a_on_the_playlist_say_where_they_work(
        trained_copy: Locations, tmp_path: Path) -> None:
    """K on the suggestions (to move a track, as the help says) and a on the playlist did
    nothing and said nothing."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = _holding(app, [1, 2, 3])
        suggestions = screen.query_one("#suggestions", TrackTable)
        await wait_for(pilot, lambda: suggestions.tracks, what="suggestions")
        suggestions.focus()
        await settle(pilot)
        app.clear_notifications()
        for key in ("K", "shift+down"):
            await pilot.press(key)
            await settle(pilot)
            assert notifications(app) == [
                "K and J move the playlist's highlighted track: tab to the playlist first."], key
            app.clear_notifications()
        assert [t.id for t in screen.playlist] == [1, 2, 3]
        await pilot.press("tab")  # to the playlist: K moves there, and says nothing
        assert app.focused is screen.query_one("#playlist")
        await pilot.press("down", "K")
        await settle(pilot)
        assert [t.id for t in screen.playlist] == [2, 1, 3] and notifications(app) == []
        await pilot.press("a")  # a adds from the other lists: it says so, and adds nothing
        await settle(pilot)
        assert notifications(app) == ["a adds the highlighted suggestion or search result: "
                                      "tab to the suggestions, or / to search, first."]
        assert [t.id for t in screen.playlist] == [2, 1, 3]


async def test_m_pressed_again_and_again_leaves_one_note_naming_the_model_in_use(
        trained_copy: Locations, tmp_path: Path) -> None:
    """m pressed four times at 80x24 left four notes over the suggestions for seconds, three
    of them naming models no longer in use."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await wait_for(pilot, lambda: len(screen.models) > 2, what="the models")
        await pilot.press("escape")  # to the lists, where m is a key
        for _ in range(3):
            await pilot.press("m")
        await settle(pilot)
        said = [note for note in notifications(app) if note.startswith("Suggesting with ")]
        assert len(said) == 1 and said[0].startswith(f"Suggesting with {screen.model_name}"), (
            said)


async def test_a_note_said_again_replaces_the_one_still_shown(
        trained_copy: Locations, tmp_path: Path) -> None:
    """a pressed again and again on the playlist (the key to add, where it adds nothing)
    stacked a copy of its three-line note per press over the builder at 80x24."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        screen = _holding(app, [1, 2, 3])
        screen.query_one("#playlist").focus()
        await settle(pilot)
        app.clear_notifications()
        for _ in range(4):
            await pilot.press("a")
        await settle(pilot)
        assert notifications(app) == ["a adds the highlighted suggestion or search result: "
                                      "tab to the suggestions, or / to search, first."]
        app.notify("Another note.")  # a note of its own still joins it
        await settle(pilot)
        assert len(notifications(app)) == 2
