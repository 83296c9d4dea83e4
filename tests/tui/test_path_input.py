"""Path fields complete as a shell's tab does: the names a folder holds, a folder's with `/`,
files only of the kinds the field takes."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input

from mpdtui.tui.typed_path import typed_path
from mpdtui.tui.widgets.path_input import (
    PathCompletion,
    PathInput,
    complete_path,
    nothing_to_complete,
)

pytestmark = pytest.mark.asyncio

SLICES = (".json", ".zip")


@pytest.fixture
def music(tmp_path: Path) -> Path:
    """My Music/ with the MPD's folder (data/ and src/), a zip, notes and a hidden folder."""
    root = tmp_path / "My Music"
    mpd = root / "spotify_million_playlist_dataset"
    for folder in (mpd / "data", mpd / "src", root / ".cache"):
        folder.mkdir(parents=True)
    for name in ("mpd.slice.0-999.json", "mpd.slice.1000-1999.json"):
        (mpd / "data" / name).write_text("{}")
    (root / "spotify_million_playlist_dataset.zip").write_bytes(b"PK")
    (root / "notes.txt").write_text("")
    return root


async def test_a_name_only_one_entry_has_is_completed(music: Path) -> None:
    mpd = music / "spotify_million_playlist_dataset"
    assert complete_path(f"{mpd}/d", SLICES).completed == f"{mpd}/data/"
    assert complete_path(f"{mpd}/data/mpd.slice.1", SLICES).completed == (
        f"{mpd}/data/mpd.slice.1000-1999.json")
    assert complete_path(f"{music}/n", SLICES) == PathCompletion()  # not a kind it takes
    assert complete_path(f"{music}/n", (".txt",)).completed == f"{music}/notes.txt"


async def test_several_names_complete_to_what_they_share_then_are_listed(music: Path) -> None:
    assert complete_path(f"{music}/s", SLICES).completed == f"{music}/spotify_million_playlist_dataset"
    shared = complete_path(f"{music}/spotify_million_playlist_dataset", SLICES)
    assert shared == PathCompletion(choices=("spotify_million_playlist_dataset.zip",
                                             "spotify_million_playlist_dataset/"))
    inside = complete_path(f"{music}/spotify_million_playlist_dataset/", SLICES)
    assert inside == PathCompletion(choices=("data/", "src/"))
    # only folders where the field wants one: the zip does not count
    assert complete_path(f"{music}/s").completed == f"{music}/spotify_million_playlist_dataset/"


async def test_a_path_typed_with_a_shells_backslashes_completes_with_them(music: Path) -> None:
    """`My\\ Mu` and tab, as in a shell: the rest comes escaped the same way, and the field's
    path is the folder's."""
    (music / "Mixes (2024)").mkdir()
    escaped = str(music).replace(" ", "\\ ")
    assert complete_path(f"{escaped[:-3]}", ()).completed == f"{escaped}/"
    assert complete_path(f"{escaped}/M", ()).completed == f"{escaped}/Mixes\\ \\(2024\\)/"
    zip_name = complete_path(f"{escaped}/spotify_million_playlist_dataset.", SLICES).completed
    assert zip_name == f"{escaped}/spotify_million_playlist_dataset.zip"
    assert typed_path(f"{escaped}/Mixes\\ \\(2024\\)/") == f"{music}/Mixes (2024)/"


async def test_hidden_names_only_when_a_dot_is_typed(music: Path) -> None:
    assert complete_path(f"{music}/", ()).completed == f"{music}/spotify_million_playlist_dataset/"
    assert complete_path(f"{music}/.", ()).completed == f"{music}/.cache/"


async def test_names_the_terminal_would_act_on_are_left_out(music: Path) -> None:
    (music / "spotify\x1b[41m red").mkdir()
    (music / "sp\nlit.zip").write_bytes(b"PK")
    assert complete_path(f"{music}/sp", SLICES).completed == f"{music}/spotify_million_playlist_dataset"
    assert complete_path(f"{music}/spotify", ()).completed == f"{music}/spotify_million_playlist_dataset/"


async def test_home_relative_and_pasted_paths(music: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(music))
    assert complete_path("~") == PathCompletion("~/")
    assert complete_path("~/sp").completed == "~/spotify_million_playlist_dataset/"
    monkeypatch.chdir(music)
    assert complete_path("sp").completed == "spotify_million_playlist_dataset/"
    for pasted in (f"'{music}/sp", f"file://{music}/sp", ""):
        assert complete_path(pasted) == PathCompletion()
    assert complete_path(f"{music}/nowhere/x") == PathCompletion()
    assert complete_path("~nobody-here/x") == PathCompletion()


class PathApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PathInput(id="path", file_suffixes=SLICES)
        yield Input(id="next")


async def test_tab_completes_lists_the_choices_then_moves_on(music: Path) -> None:
    app = PathApp()
    async with app.run_test() as pilot:
        field = app.query_one("#path", PathInput)
        await pilot.press(*f"{music}/sp")
        await pilot.press("tab")
        assert field.value == f"{music}/spotify_million_playlist_dataset"
        await pilot.press("tab")  # a folder and a zip: named, and the cursor stays
        await pilot.pause()
        listed = [str(n.message) for n in app._notifications]
        assert listed == ["spotify_million_playlist_dataset.zip   spotify_million_playlist_dataset/"]
        assert app.focused is field
        await pilot.press("/", "tab")
        assert field.value == f"{music}/spotify_million_playlist_dataset/"  # data/ or src/
        await pilot.press("d", "tab", "tab")
        assert field.value == f"{music}/spotify_million_playlist_dataset/data/mpd.slice.", (
            "the folder's slices share their start")
        await pilot.press("0", "tab")
        assert field.value.endswith("/data/mpd.slice.0-999.json")
        await pilot.press("tab")  # complete: tab goes on, as elsewhere
        assert app.focused is app.query_one("#next")


async def test_the_grey_completion_is_taken_by_the_right_arrow(music: Path) -> None:
    app = PathApp()
    async with app.run_test() as pilot:
        field = app.query_one("#path", PathInput)
        await pilot.press(*f"{music}/spotify_million_playlist_dataset/d")
        await pilot.pause()
        assert field._suggestion == f"{music}/spotify_million_playlist_dataset/data/"
        await pilot.press("right")
        assert field.value == f"{music}/spotify_million_playlist_dataset/data/"
        await pilot.pause()
        assert field._suggestion == "", "a folder's contents are not suggested unasked"


async def test_tab_in_an_empty_field_lists_the_current_folder_and_stays(
        music: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tab in an empty field moved the focus on (in the setup's steps to Back): the path
    typed next was lost, and enter pressed Back. As a shell's tab on an empty word, it lists
    the current folder's names now, and the path typed next goes into the field."""
    (music / "Mixes").mkdir()
    monkeypatch.chdir(music)
    app = PathApp()
    async with app.run_test() as pilot:
        field = app.query_one("#path", PathInput)
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is field and field.value == ""
        assert [(n.title, n.message) for n in app._notifications] == [
            (f"In {music}", "Mixes/   spotify_million_playlist_dataset.zip   "
                            "spotify_million_playlist_dataset/")]
        await pilot.press("s", "tab")
        assert field.value == "spotify_million_playlist_dataset"


async def test_a_new_folder_name_where_one_is_made_says_so(music: Path) -> None:
    """The cache step's and the export dialog's fields make a folder that is not there yet:
    tab on a new name there said only "No folder ... starts with Mixes", read as a mistake."""
    assert nothing_to_complete(f"{music}/Mixes", makes_folders=True) == (
        f"No folder in {music} starts with Mixes (a new folder is made when used)")
    assert nothing_to_complete(f"{music}/Mixes") == f"No folder in {music} starts with Mixes"
    assert nothing_to_complete(f"{music}/gone/x", makes_folders=True) == (
        f"{music}/gone is not a folder: check the path")


async def test_tab_on_a_path_that_names_nothing_says_why_and_stays(music: Path) -> None:
    app = PathApp()
    async with app.run_test() as pilot:
        field = app.query_one("#path", PathInput)
        for typed, why in ((f"{music}/Downlo", f"No folder or .json/.zip file in {music} starts "
                                                "with Downlo"),
                           (f"{music}/gone/x", f"{music}/gone is not a folder: check the path")):
            field.value = typed
            field.cursor_position = len(typed)
            app.clear_notifications()
            await pilot.press("tab")
            await pilot.pause()
            assert app.focused is field, typed
            assert [(n.title, n.message) for n in app._notifications] == [
                ("Nothing to complete", why)]
        field.value = ""
        await pilot.press(*"ads")  # the keys typed next are the field's
        assert field.value == "ads"
        field.value = f"{music}/notes.txt"  # there, though not a kind it completes: done
        field.cursor_position = len(field.value)
        await pilot.press("tab")
        assert app.focused is app.query_one("#next")
