"""Pilot tests of the builder, driven by keys only, on a tiny demo dataset."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import errno
import json
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from desktop_browser import desktop_browser, no_desktop
from textual.events import MouseScrollDown, Paste
from textual.widgets import Input, Label
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    add_first_result,
    builder,
    builder_ready,
    footer_keys,
    label_text,
    make_app,
    notifications,
    run_command,
    screen_name,
    settle,
    to_the_suggestions,
    trained_copy,
    trained_dir,
    type_text,
    wait_for,
)

from mpdtui.data.catalog import Track
from mpdtui.locations import Locations
from mpdtui.services.catalog import CatalogService
from mpdtui.services.model_store import ModelStore
from mpdtui.services.root import open_services
from mpdtui.services.suggester import Suggester
from mpdtui.tui.messages import PlaylistLoaded
from mpdtui.tui.screens.builder_base import SUGGESTIONS
from mpdtui.tui.widgets.sound_filter import SoundFilter
from mpdtui.tui.widgets.track_table import TrackTable

pytestmark = pytest.mark.asyncio


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
        assert "enter" in footer_keys(app.screen)  # the footer had said "esc Cancel" alone
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


async def test_the_lists_end_brings_more_suggestions(trained_copy: Locations,
                                                     tmp_path: Path) -> None:
    """50 at first; the cursor at the end asks for 50 more, where it stays, until the name
    changes (a hidden one keeps the count: the list fills up again)."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen, suggestions = await to_the_suggestions(pilot, "more and more")
        first = list(suggestions.tracks)
        assert len(first) == SUGGESTIONS

        async def shown(count: int) -> list[Track]:
            await wait_for(pilot, lambda: screen.suggestions_shown == screen._request
                           and len(suggestions.tracks) == count, what=f"{count} suggestions")
            return list(suggestions.tracks)

        await pilot.press("G")  # the last of 50
        longer = await shown(2 * SUGGESTIONS)
        assert longer[:SUGGESTIONS] == first and suggestions.cursor_row == SUGGESTIONS - 1
        assert label_text(pilot, "#suggest-status").startswith(
            f"{2 * SUGGESTIONS} suggestions from {screen.model_name}")
        await pilot.press("k", "x")  # hidden: the list fills up to 100 again
        hidden = screen.hidden[0]
        assert hidden not in await shown(2 * SUGGESTIONS)
        await pilot.press("G")
        await shown(3 * SUGGESTIONS)
        assert suggestions.cursor_row == 2 * SUGGESTIONS - 1
        await pilot.press("n", "s")  # another name: 50 again
        await shown(SUGGESTIONS)


async def test_the_mouse_wheel_at_the_lists_end_brings_more(trained_copy: Locations,
                                                            tmp_path: Path) -> None:
    """Scrolled to its end with the mouse wheel, the list grows by 50 as it does under the
    cursor, and the cursor stays where it was."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen, suggestions = await to_the_suggestions(pilot, "more and more")
        end = suggestions.max_scroll_y
        assert len(suggestions.tracks) == SUGGESTIONS and end > 0
        while suggestions.scroll_y < end:
            suggestions.post_message(MouseScrollDown(suggestions, 1, 1, 0, 1, 0, False, False,
                                                     False))
            await pilot.pause()
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request
                       and len(suggestions.tracks) == 2 * SUGGESTIONS, what="50 more")
        assert suggestions.cursor_row == 0


async def test_a_second_click_on_a_suggestion_adds_it(trained_copy: Locations,
                                                     tmp_path: Path) -> None:
    """A click puts the cursor on a suggestion; a second click on it adds it."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen, suggestions = await to_the_suggestions(pilot, "click click")
        second = suggestions.tracks[1]
        row = (3, 3)  # inside the border, under the header: the second row
        await pilot.click("#suggestions", offset=row)
        await settle(pilot)
        assert suggestions.current() == second and screen.playlist == []
        await pilot.click("#suggestions", offset=row)
        await settle(pilot)
        assert screen.playlist == [second]


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


async def test_the_palettes_hide_the_artist_acts_only_on_a_suggestion_under_the_cursor(
        trained_copy: Locations, tmp_path: Path) -> None:
    """With the cursor in the playlist, the palette's "Hide the artist" hid the suggestion
    highlighted in the other list: now it says where to put the cursor, and hides nothing."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen, suggestions = await to_the_suggestions(pilot, "party")
        await pilot.press("enter")  # the first suggestion added: the playlist has a track
        await wait_for(pilot, lambda: screen.playlist and
                       screen.suggestions_shown == screen._request, what="suggestions again")
        playlist = screen.query_one("#playlist", TrackTable)
        playlist.focus()
        await settle(pilot)

        async def palette(command: str) -> None:
            await pilot.press("ctrl+p")
            await type_text(pilot, command)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)

        await palette("Hide the artist")
        assert screen.hidden == [] and screen.focused is playlist
        assert notifications(app)[-1].startswith("Hide the artist hides a suggestion's artist")
        suggestions.focus()
        await settle(pilot)
        unwanted = suggestions.current()
        assert unwanted is not None
        await palette("Hide the artist")  # from the suggestions: their highlighted one's
        await wait_for(pilot, lambda: screen.hidden, what="the artist hidden")
        assert notifications(app)[-1].startswith(f"None of {unwanted.artist_name}'s ")


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


async def test_w_opens_the_highlighted_track_in_the_browser_or_copies_its_link(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """To hear a suggestion before adding it; over ssh (no desktop) its link is copied."""
    browser = desktop_browser(monkeypatch, tmp_path)
    app = make_app(trained_copy, tmp_path, open_browser=True)
    async with app.run_test(size=SIZE) as pilot:
        _, suggestions = await to_the_suggestions(pilot, "listen")
        await pilot.press("j")
        track = suggestions.current()
        assert track is not None
        link = f"https://open.spotify.com/track/{track.uri.removeprefix('spotify:track:')}"
        await pilot.press("w")
        assert notifications(app)[-1] == (f"Opening '{track.name}' on Spotify in the browser: "
                                          f"{link}")
        await wait_for(pilot, browser.opened, what="the browser")
        assert [page.url for page in browser.opened()] == [link] and app.clipboard == ""

        no_desktop(monkeypatch)
        await pilot.press("w")
        assert app.clipboard == link
        assert notifications(app)[-1] == ("No browser can open here (no desktop: an ssh "
                                          f"login?). Copied {link} ('{track.name}').")
        assert len(browser.opened()) == 1


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
        assert notifications(app)[-1] == (
            "Copied 2 track links: paste them into a playlist in Spotify's app (a terminal "
            "that keeps the clipboard to itself: save the playlist (ctrl+s), then `mpdtui export "
            "mix --to links`).")  # it said `mpdtui export NAME --to links`
        assert app.services.playlists.summaries() == []
        assert not list(tmp_path.glob("exports/*")), "no file written"
        await pilot.press("ctrl+s", "e", "end", "enter")  # saved as it is: its own name
        await settle(pilot)
        assert notifications(app)[-1].endswith(
            "(a terminal that keeps the clipboard to itself: `mpdtui export mix --to links`).")


async def test_spotify_links_pasted_add_their_tracks_as_one_change(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Tracks copied in Spotify's app paste as their links, one a line: several pasted into
    the search (or one on a list) are added, not searched; undo takes them back at once."""
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
                  "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=x",
                  link(third.uri)]
        search = screen.query_one("#search", Input)
        search.post_message(Paste("\n".join(pasted)))
        await settle(pilot)
        assert [t.id for t in screen.playlist] == [first.id, second.id, third.id]
        assert search.value == "", "not searched"
        assert notifications(app)[-1] == (  # the playlist's link was left out unsaid
            "Added 2 pasted tracks; 1 in the playlist already; 1 track not in the catalog; left "
            "out 1 playlist, album or artist link (naming no track: copy the tracks in Spotify's "
            "app and paste those).")
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


async def test_a_search_that_finds_nothing_says_why_under_its_results(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Words that match nothing, a track's link the data does not hold, a playlist's link
    (Spotify's Share > Copy link on one): the empty results say why, and a link's note says
    what to paste instead. Before, the results were only empty."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        results = screen.query_one("#results", TrackTable)
        await pilot.press("escape", "slash")
        await type_text(pilot, "zzqqxx")
        await settle(pilot)
        assert str(results.border_subtitle) == "nothing found: try fewer or shorter words"
        assert notifications(app) == []  # typed: no note a key
        search = screen.query_one("#search", Input)
        for pasted, why in (
                ("https://open.spotify.com/track/" + "Z" * 22,
                 "that track is in none of the data's playlists, so mpdtui cannot offer it"),
                ("https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=x",
                 "a playlist's link, which names no track: in Spotify's app, select the playlist's "
                 "tracks and copy them (ctrl+c), then paste them here: their tracks are added")):
            search.value = ""
            search.post_message(Paste(pasted))
            await settle(pilot)
            assert str(results.border_subtitle) == f"nothing found: {why}"
            assert notifications(app)[-1] == f"Nothing found: {why}."
        search.value = app.services.catalog.tracks([1])[0].name
        await settle(pilot)
        assert results.row_count and results.border_subtitle is None
        screen.query_one("#playlist", TrackTable).focus()
        await pilot.pause()
        app.screen.focused.post_message(Paste("https://open.spotify.com/album/" + "A" * 22))
        await settle(pilot)
        assert notifications(app)[-1].startswith("Nothing added: an album's link, which names "
                                                 "no track: in Spotify's app")
        assert screen.playlist == []


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
        assert "enter" in footer_keys(app.screen)  # the choices' enter: Export
        await pilot.press("j", "tab")  # JSON, then the folder
        assert "enter" in footer_keys(app.screen)  # it went back to the choices, said nothing
        folder.value = f"{tmp_path}/"  # typed key by key, a path costs seconds: its end only
        await pilot.press("end")
        await type_text(pilot, "my music")
        await pilot.press("enter")  # exports as highlighted, as the footer's enter says
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
            folder.value = typed[:-1]
            await pilot.press("end", typed[-1])
            await pilot.press("enter", "enter")  # the cursor stays in the field: twice refused
            await settle(pilot)
            assert screen_name(pilot) == "ExportScreen" and app.screen.focused is folder
            assert label_text(pilot, "#export-refused").startswith(why)
        await pilot.press("escape")
        assert not list(trained_copy.root.glob("mix.*")) and (tmp_path / "notes").read_text() == "mine"
        assert config.export_dir(trained_copy) == tmp_path / "my music"
        await pilot.press("e", "tab")  # a folder taken after one refused: exported at once
        folder = app.screen.query_one("#export-folder", Input)
        folder.value = str(trained_copy.root)
        await pilot.press("enter")
        assert app.screen.query_one("#export-refused", Label).display
        folder.value = str(tmp_path / "my music")
        await pilot.press("enter")  # as the first choice, highlighted: M3U8
        await settle(pilot)
        assert (tmp_path / "my music" / "mix.m3u8").exists()


@pytest.mark.parametrize("width", [80, 100, 120])
async def test_the_footer_shows_keys_whole_or_not_at_all(trained_copy: Locations,
                                                         tmp_path: Path, width: int) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await builder_ready(pilot)
        await add_first_result(pilot, builder(app))
        for _ in range(3):  # the playlist, the suggestions: each focus has its keys
            await pilot.press("tab")
            await settle(pilot)
            shown = [key for key in app.screen.query("FooterKey") if key.visible]
            palette = next(key for key in shown if key.has_class("-command-palette"))
            assert len(shown) >= 6
            for key in shown:  # none cut at the palette's key ("f Filte", a lone "q")
                assert key is palette or key.region.right <= palette.region.x, key.region
            await pilot.resize_terminal(width + 3, 24)  # another cut, found again
            await settle(pilot)


async def test_the_footer_shows_only_keys_that_work_where_the_cursor_is(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        assert screen.focused is screen.query_one("#name")
        in_name = footer_keys(screen)
        assert not {"n", "q"} & in_name  # they type letters here
        assert {"escape", "slash", "question_mark"} <= in_name  # while no name is
        assert "ctrl+s" not in in_name  # no tracks: nothing to save (it saved an empty one)
        name, search = screen.query_one("#name", Input), screen.query_one("#search", Input)
        # a placeholder names the key that focuses its field, but not while n would type an n
        assert (name.placeholder, search.placeholder) == (
            "Playlist name", "Search tracks, artists, albums (/)")
        await type_text(pilot, "a/b?")
        assert name.value == "a/b?"  # a name begun: `/` types a /
        assert not {"slash", "question_mark"} & footer_keys(screen)
        await pilot.press("ctrl+s")
        assert app.services.playlists.summaries() == []
        screen.playlist.append(app.services.catalog.tracks([1])[0])
        screen.refresh_bindings()
        assert "ctrl+s" in footer_keys(screen)
        screen.playlist.clear()
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


@pytest.mark.parametrize("size", [(80, 12), (100, 16)], ids=["80x12", "100x16"])
async def test_a_short_pane_still_shows_rows_of_both_lists(trained_copy: Locations,
                                                           tmp_path: Path,
                                                           size: tuple[int, int]) -> None:
    """A terminal split in two (80x12): each input takes one line, as in a narrow pane, so
    the playlist and the suggestions keep rows (with three-line inputs, they had none)."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=size) as pilot:
        screen, suggestions = await twelve_tracks_and_suggestions(pilot)
        assert_rows_under_headers(screen, playlist=4, suggestions=2)
        assert screen.query_one("#name", Input).outer_size.height == 1
        await pilot.press("slash")  # a search has the right-hand rows while in turn
        await type_text(pilot, app.services.catalog.catalog().tracks([0])[0].name.split()[0])
        results = screen.query_one("#results", TrackTable)
        await wait_for(pilot, lambda: results.row_count, what="results")
        await settle(pilot)
        assert results.size.height - 1 >= 2
        await pilot.press("tab", "tab")  # past the results: the suggestions' turn again
        await settle(pilot)
        assert screen.focused is suggestions and not results.display
        assert_rows_under_headers(screen, playlist=4, suggestions=2)
        await pilot.resize_terminal(80, 24)  # room enough: the inputs as before
        await pilot.pause()
        assert screen.query_one("#name", Input).outer_size.height == 3


@pytest.mark.parametrize("size", [(60, 16), (50, 14)])
async def test_a_short_narrow_pane_shows_a_row_of_each_list(trained_copy: Locations,
                                                            tmp_path: Path,
                                                            size: tuple[int, int]) -> None:
    """60x16: the playlist above the suggestions, and a row of each (the playlist had none);
    its totals in its bottom border (they had no row); 50x14: every part whole (the playlist's
    bottom border was cut, the filter and the status at 60x16 too)."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=size) as pilot:
        screen, _ = await twelve_tracks_and_suggestions(pilot)
        assert screen.query_one("#builder").has_class("-narrow", "-short")
        assert_rows_under_headers(screen, playlist=1, suggestions=1)
        playlist = screen.query_one("#playlist", TrackTable)
        assert str(playlist.border_subtitle) == label_text(pilot, "#totals")
        assert label_text(pilot, "#totals").startswith("12 tracks · ")
        assert playlist.region.bottom <= screen.query_one("#search").region.y  # border whole
        for part in ("#filter", "#suggest-status"):  # above the footer, not cut
            assert screen.query_one(part).region.bottom <= screen.region.bottom - 1, part
        await pilot.resize_terminal(60, 24)  # room for the totals under it
        await pilot.pause()
        assert playlist.border_subtitle is None and screen.query_one("#totals").display


async def twelve_tracks_and_suggestions(pilot: Any) -> tuple[Any, TrackTable]:
    """The builder with a playlist of 12 tracks, once its suggestions are shown."""
    await builder_ready(pilot)
    screen = builder(pilot.app)
    screen.post_message(PlaylistLoaded("short", pilot.app.services.catalog.tracks(list(range(12)))))
    suggestions = screen.query_one("#suggestions", TrackTable)
    await wait_for(pilot, lambda: suggestions.row_count, what="suggestions")
    await settle(pilot)
    return screen, suggestions


async def test_a_dialog_closed_asks_for_no_suggestions_again(trained_copy: Locations,
                                                               tmp_path: Path) -> None:
    """Back from the help (or the order dialog, the export), the models were read again and
    the suggestions asked for again: seconds for a 10,000-track playlist, and quitting waited
    for them. Back from the setup with other models, they are read again."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await twelve_tracks_and_suggestions(pilot)
        asked = screen._request
        await pilot.press("escape", "question_mark")
        assert screen_name(pilot) == "HelpScreen"
        await pilot.press("escape")
        await settle(pilot)
        assert screen._request == asked
        # as after a training at the setup: a signature other than the models' (an empty one
        # was put back by the 3 s poll when the machine was slow to press the keys)
        screen._models_seen = (-1.0,)
        await pilot.press("question_mark", "escape")
        # the models are read in a worker, whose answer asks: it may come after the worker
        # ends (a loaded machine)
        await wait_for(pilot, lambda: screen._request > asked, what="suggestions asked again")


def assert_rows_under_headers(screen: Any, **rows: int) -> None:
    for table_id, least in rows.items():
        table = screen.query_one(f"#{table_id}", TrackTable)
        assert table.size.height - 1 >= least, (table_id, table.size)


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


async def test_enter_in_the_search_goes_on_past_a_result_the_playlist_has(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The best result already in the playlist: Enter said so and left the cursor on it, so
    every Enter after said it again; as after an add, the next Enter adds the next one."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        results = screen.query_one("#results", TrackTable)
        query = app.services.catalog.catalog().tracks([0])[0].name.split()[0]
        await pilot.press("escape", "slash", *query, "enter")
        await wait_for(pilot, lambda: screen.playlist, what="the best result added")
        await pilot.press("ctrl+u", *query)  # the same search again: the best one is there
        await wait_for(pilot, lambda: screen._search_shown == screen._search_request,
                       what="the results")
        assert len(results.tracks) > 2 and results.cursor_row == 0
        await pilot.press("enter")
        assert notifications(app)[-1] == f"'{results.tracks[0].name}' is already in the playlist."
        await pilot.press("enter")
        await settle(pilot)
        assert screen.playlist == results.tracks[:2]


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
        # "c", "ch", ... each ask on the way: wait for the answer to the whole name
        await wait_for(pilot, lambda: screen.query_one("#suggestions").tracks
                       and screen.suggestions_shown == screen._request, what="suggestions")
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
        assert notifications(app)[-1] == (
            "'mix' is saved already (1 track): type another name for this playlist (the cursor "
            "is in the name), or open that one to change it (esc, p).")
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
        await wait_for(pilot, lambda: screen.query_one("#suggestions").tracks
                       and screen.suggestions_shown == screen._request, what="suggestions")
        await pilot.press("escape")  # out of the name: to the suggestions (the playlist is empty)
        assert screen.focused is screen.query_one("#suggestions")
        liked = screen.query_one("#suggestions").current()
        await pilot.press("l")
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                       what="more like it")
        assert "More like" in screen.query_one("#suggestions").border_title
        expected = app.services.suggester.suggest("", [liked.id], model="als")
        assert [t.id for t in screen.query_one("#suggestions").tracks] == [
            s.track.id for s in expected]
        # the way back first: at 100 columns the footer has no room for esc
        assert label_text(pilot, "#suggest-status").startswith(
            "esc goes back to the playlist's suggestions · ")
        await pilot.press("escape")
        await settle(pilot)
        assert "More like" not in screen.query_one("#suggestions").border_title
        assert not label_text(pilot, "#suggest-status").startswith("esc")

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


async def typed_before_the_suggestions(pilot: Any, screen: Any, name: str, *keys: str) -> None:
    """Type `name` and press `keys` while the name's suggestions wait (typing speed varies),
    then let them come."""
    held: list[float] = []
    screen._schedule = held.append
    await type_text(pilot, name)
    await pilot.press(*keys)
    assert held and not screen.query_one("#suggestions").tracks
    assert screen.focused is screen.query_one("#playlist") and not screen.playlist
    del screen._schedule  # the builder's own again, asked now
    screen._schedule(0)


async def test_a_name_entered_before_its_suggestions_came_hands_the_cursor_to_them(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Typed fast, the name's enter found no suggestions yet and left the cursor in the empty
    playlist, where `a` added nothing; unless the user has gone elsewhere since."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        suggestions, playlist = screen.query_one("#suggestions"), screen.query_one("#playlist")
        await typed_before_the_suggestions(pilot, screen, "party", "enter")
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


async def test_name_enter_enter_typed_before_the_suggestions_adds_the_first(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The second Enter met the empty playlist and was lost; it adds the first suggestion
    once they come, as it does when they are there."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        suggestions, playlist = screen.query_one("#suggestions"), screen.query_one("#playlist")
        await typed_before_the_suggestions(pilot, screen, "party", "enter", "enter")
        await wait_for(pilot, lambda: playlist.tracks, what="the first suggestion added")
        await settle(pilot)
        assert screen.focused is suggestions and len(playlist.tracks) == 1
        assert suggestions.tracks[0].id not in {t.id for t in playlist.tracks}  # it left them


async def test_name_enter_enter_over_the_last_names_suggestions_adds_the_new_names_first(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A name changed and entered within the suggestions' wait (0.3 s) found the last name's
    still on screen: Enter took the cursor to them, and a second Enter added their first to
    the new playlist. The cursor waits in the playlist for the new name's, as it does when
    there are none yet."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        suggestions, playlist = screen.query_one("#suggestions"), screen.query_one("#playlist")
        await type_text(pilot, "party")
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                       what="the suggestions for party")
        partys = [t.id for t in suggestions.tracks]
        held: list[int] = []
        screen._fetch = held.append  # the new name's suggestions wait (typing speed varies)
        await pilot.press("ctrl+u", *"sleep", "enter", "enter")
        # the name's request comes after its wait (0.3 s): on a quick run, after the presses
        await wait_for(pilot, lambda: held, what="the new name's request")
        assert held and [t.id for t in suggestions.tracks] == partys  # still on screen
        assert screen.focused is playlist and not screen.playlist
        del screen._fetch  # the builder's own again, asked now
        screen._fetch(screen._request)
        await wait_for(pilot, lambda: playlist.tracks, what="the first suggestion added")
        await settle(pilot)
        sleeps = screen.services.suggester.suggest("sleep", [], model=screen.model_name)
        assert sleeps[0].track.id != partys[0]  # else the test tells nothing
        assert [t.id for t in screen.playlist] == [sleeps[0].track.id]
        assert screen.focused is suggestions


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
        await type_text(pilot, "road trip")  # the answer for the whole name, not "road t"'s:
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request)
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
        screen.focused.post_message(Paste(seed.uri))  # a pasted URI finds that one track
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


async def settle_except_held(pilot: Any) -> None:
    await pilot.pause(0.3)


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


async def test_a_start_after_a_playlist_was_saved_names_it_and_how_to_open_it(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A new user saved 'rainy sunday', quit and started again: an empty builder said "Type a
    name or add tracks to get suggestions" and nothing of the playlist saved. Now it names it
    and the keys that open it (esc: the name field has the cursor, where p is typed). In the
    search, whose results had no key shown adding them, the footer names enter."""
    services = open_services(trained_copy)
    services.playlists.save("rainy sunday", services.catalog.tracks([1, 2]))
    app = make_app(trained_copy, tmp_path, services)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        await wait_for(pilot, lambda: "reopens" in label_text(pilot, "#suggest-status"))
        assert " ".join(label_text(pilot, "#suggest-status").split()) == (
            "Type a name or add tracks for suggestions; esc, p, enter reopens 'rainy sunday'.")
        await pilot.press("slash")
        assert "enter" in footer_keys(app.screen)
        await pilot.press("escape", "escape", "p")
        await wait_for(pilot, lambda: screen_name(pilot) == "PlaylistsScreen")
        await pilot.press("enter")  # as said: the one saved last is the list's first
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen"
                       and app.screen.query_one("#name", Input).value == "rainy sunday")
