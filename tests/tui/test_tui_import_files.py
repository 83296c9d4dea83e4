"""Pilot tests of the saved playlists' import dialog (`i`) with files other programs write: a
Mac spreadsheet's CSV, a player's M3U, a CSV the csv module cannot read."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    builder_ready,
    import_path,
    label_text,
    make_app,
    notifications,
    screen_name,
    settle,
    to_the_saved_list,
    trained_copy,
    trained_dir,
    wait_for,
)

from mpdtui.locations import Locations

pytestmark = pytest.mark.asyncio


async def test_other_programs_files_import_and_an_unreadable_csv_is_said_in_the_dialog(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A Mac CSV (carriage returns alone) and an unclosed quote raised csv.Error out of the
    dialog (the app stopped); Rhythmbox's M3U (#EXTINF of the title alone) named no track."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        tracks = app.services.catalog.tracks([3, 1, 4])
        (tmp_path / "mac.csv").write_bytes(
            ("Track Name,Artist Name\r" + "".join(f'"{t.name}","{t.artist_name}"\r'
                                                  for t in tracks)).encode())
        (tmp_path / "rhythmbox.m3u").write_text("#EXTM3U\n" + "".join(
            f"#EXTINF:200,{t.name}\n../Music/{t.artist_name}/Album/01 - {t.name}.ogg\n"
            for t in tracks))
        (tmp_path / "cut.csv").write_text('Track Name,Artist Name\n"Open,Band\n' + "x\n" * 70_000)
        await to_the_saved_list(pilot)

        await import_path(pilot, tmp_path / "cut.csv")
        assert screen_name(pilot) == "PromptScreen", "kept open to give another file"
        assert label_text(pilot, "#prompt-refused").startswith(
            f'{tmp_path / "cut.csv"}: line 2 opens a quote (") that does not close')
        await pilot.press("escape")

        for name in ("mac", "rhythmbox"):
            await pilot.press("i")
            suffix = ".csv" if name == "mac" else ".m3u"
            app.screen.query_one("#prompt-input", Input).value = str(tmp_path / f"{name}{suffix}")
            await pilot.press("enter")
            await settle(pilot)
            assert screen_name(pilot) == "PlaylistsScreen", name
            assert app.services.playlists.get(name).uris == [t.uri for t in tracks]
            assert (f"Imported '{name}': 3 tracks; 3 songs without a Spotify link found in the "
                    "catalog by artist and title." in notifications(app)), name


async def test_a_folders_file_of_songs_the_catalog_lacks_is_skipped_in_the_app(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The import ended "Could not finish: local.m3u names 1 song ... nothing to import", and
    none of the folder's other playlists was saved."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        tracks = app.services.catalog.tracks([3, 1])
        folder = tmp_path / "all"
        folder.mkdir()
        (folder / "gym.csv").write_text("Track URI\n" + "".join(f"{t.uri}\n" for t in tracks))
        (folder / "local.m3u").write_text("/music/Nobody - Nothing.mp3\n")
        await to_the_saved_list(pilot)
        await import_path(pilot, folder)
        await settle(pilot)
        assert app.services.playlists.get("gym").uris == [t.uri for t in tracks]
        assert notifications(app) == [
            f"Imported 'gym': 2 tracks.\nSkipped {folder / 'local.m3u'} names 1 song without a "
            "Spotify link, such as 'Nobody - Nothing', and none of them is in the catalog by its "
            "artist and title: nothing to import"]


async def test_an_import_of_many_playlists_is_said_in_a_few_lines(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Spotify's account data (Playlist1.json) of 30 playlists gave a note of 30 lines, taller
    than the screen, for 70 s: now how many, and how many have something to say."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        tracks = app.services.catalog.tracks([3, 1])
        items = [{"track": {"trackName": t.name, "artistName": t.artist_name, "trackUri": t.uri}}
                 for t in tracks]
        odd = [*items, {"track": None, "episode": {"episodeName": "Ep"}}]  # one note to say
        (tmp_path / "Playlist1.json").write_text(json.dumps({"playlists": [
            {"name": f"mix {n}", "items": odd if n == 7 else items} for n in range(30)]}))
        await to_the_saved_list(pilot)
        await import_path(pilot, tmp_path / "Playlist1.json")
        await settle(pilot)
        assert len(app.services.playlists.summaries()) == 30
        assert notifications(app) == [
            "Imported 30 playlists, 60 tracks: the list shows them. 1 of them with notes (left "
            "out, not found: `mpdtui import` of the same files says them)."]


async def test_a_folder_of_many_files_without_playlists_counts_them(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Each file left out was a "Skipped ..." of three lines or more: a folder of such files
    gave a note taller than an 80x24 screen. Two are said, as before."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        (track,) = app.services.catalog.tracks([3])
        folder = tmp_path / "downloads"
        folder.mkdir()
        (folder / "a mix.txt").write_text(f"{track.uri}\n")
        for n in range(5):
            (folder / f"notes {n}.txt").write_text("what to buy\n")
        await to_the_saved_list(pilot)
        await import_path(pilot, folder)
        await settle(pilot)
        assert notifications(app) == [
            "Imported 'a mix': 1 track.\n"
            "Skipped 5 files (`mpdtui import` of the folder or zip says why)."]


async def test_three_playlists_with_notes_are_counted_on_a_small_screen(
        trained_copy: Locations, tmp_path: Path) -> None:
    """At 60x20 the note of 4 playlists, 4 lines each, was taller than the screen."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await builder_ready(pilot)
        (track,) = app.services.catalog.tracks([3])
        items = [{"track": {"trackUri": track.uri}}, {"track": None, "episode": {}}]
        (tmp_path / "Playlist1.json").write_text(json.dumps({"playlists": [
            {"name": name, "items": items} for name in ("road", "gym", "sleep")]}))
        await to_the_saved_list(pilot)
        await import_path(pilot, tmp_path / "Playlist1.json")
        await settle(pilot)
        assert notifications(app) == [
            "Imported 3 playlists, 3 tracks: the list shows them. 3 of them with notes (left "
            "out, not found: `mpdtui import` of the same files says them)."]
