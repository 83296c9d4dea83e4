"""Pilot tests of saved playlists, the draft kept for the next start, and what the builder says
when something is missing or fails, driven by keys only, on a tiny demo dataset."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input
from tui_support import (  # noqa: F401 (fixtures)
    ONE_SLICE,
    SIZE,
    builder,
    builder_ready,
    footer_keys,
    import_path,
    ingested_copy,
    label_text,
    late_draft,
    make_app,
    notifications,
    one_slice_folder,
    run_command,
    screen_name,
    settle,
    to_the_saved_list,
    trained_copy,
    trained_dir,
    type_text,
    wait_for,
)

from mpdtui.data.builder_draft import Draft, read_draft, write_draft
from mpdtui.data.catalog import Track
from mpdtui.data.saved_playlists import TrackEntry
from mpdtui.locations import Locations
from mpdtui.pipeline.display import playlist_length
from mpdtui.services.catalog import CatalogService
from mpdtui.services.root import open_services
from mpdtui.tui.screens.builder import MISSING_MODEL
from mpdtui.tui.screens.playlists import PlaylistsScreen
from mpdtui.tui.widgets.track_table import TrackTable

pytestmark = pytest.mark.asyncio


async def test_saved_playlists_screen(trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        tracks = app.services.catalog.tracks([3, 1, 4])
        app.services.playlists.save("gym", tracks)
        await pilot.press("escape", "p")
        assert isinstance(app.screen, PlaylistsScreen)
        await pilot.press("r")
        await pilot.press(*["backspace"] * 3)
        await type_text(pilot, "workout")
        await pilot.press("enter")
        assert [p.name for p in app.services.playlists.summaries()] == ["workout"]
        await pilot.press("d")
        names = sorted(p.name for p in app.services.playlists.summaries())
        assert names == ["workout", "workout (copy)"]
        await pilot.press("x", "y")  # delete the highlighted copy, confirmed
        assert [p.name for p in app.services.playlists.summaries()] == ["workout"]
        await pilot.press("x", "n")  # asked, refused: kept
        assert [p.name for p in app.services.playlists.summaries()] == ["workout"]
        await pilot.press("enter")  # open in the builder
        await settle(pilot)
        screen = builder(app)
        assert [t.id for t in screen.playlist] == [3, 1, 4]
        assert screen.query_one("#name", Input).value == "workout"


async def test_saved_playlists_list_what_another_terminal_saves_renames_and_deletes(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        elsewhere = open_services(trained_copy).playlists  # a store of its own
        tracks = app.services.catalog.tracks
        elsewhere.save("gym", tracks([3, 1]))
        elsewhere.save("road trip", tracks([4]))
        await pilot.press("escape", "p")
        screen = app.screen
        assert isinstance(screen, PlaylistsScreen)
        await pilot.press("down")  # on 'gym'
        elsewhere.save("rainy sunday", tracks([5, 6, 7]))
        elsewhere.rename("road trip", "long drive")
        elsewhere.save_extended("gym", elsewhere.get("gym"), tracks([8]))
        screen._check_saved()  # what the list does every few seconds
        await pilot.pause()
        assert [(p.name, p.num_tracks) for p in screen.summaries] == [
            ("gym", 3), ("long drive", 1), ("rainy sunday", 3)]  # most recently changed first
        assert screen._selected() == screen.summaries[0]  # still on 'gym'
        elsewhere.delete("rainy sunday")
        screen._check_saved()
        await pilot.pause()
        assert [p.name for p in screen.summaries] == ["gym", "long drive"]


async def test_deleting_or_renaming_one_deleted_elsewhere_says_so(trained_copy: Locations,
                                                                 tmp_path: Path) -> None:
    """Deleted in another terminal while its delete question or rename dialog was open: the
    app says it is gone (not "no saved playlist with id 2"), and not "Deleted" as well."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        save_gym_and_sleep(app)
        elsewhere = open_services(trained_copy).playlists  # a store of its own
        await pilot.press("escape", "p")
        await settle(pilot)
        await pilot.press("x")  # the latest first: "sleep"
        elsewhere.delete("sleep")
        await pilot.press("y")
        await settle(pilot)
        assert notifications(app)[-1] == (
            "that saved playlist is gone: deleted in another window or terminal")
        assert not any(n.startswith("Deleted") for n in notifications(app))
        assert [s.name for s in app.screen.summaries] == ["gym"]
        await pilot.press("r")
        elsewhere.delete("gym")
        await pilot.press("enter")
        assert label_text(pilot, "#prompt-refused") == (
            "that saved playlist is gone: deleted in another window or terminal")


async def test_counts_of_a_thousand_tracks_and_more_read_with_a_thousands_separator(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A library's playlist of 1,200 tracks: "1,200" in the saved list and the builder's
    totals, as the CLI and every other message write counts."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        app.services.playlists.save("library", app.services.catalog.tracks(list(range(1200))))
        await to_the_saved_list(pilot)
        table = app.screen.query_one("#saved", DataTable)
        assert str(table.get_row_at(0)[1]) == "1,200"
        await pilot.press("enter")  # open in the builder
        await settle(pilot)
        assert label_text(pilot, "#totals").startswith("1,200 tracks · ")


async def test_n_puts_the_cursor_at_the_end_of_a_name_the_app_filled_in(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A saved playlist opened after a shorter name was typed: `n` then `ctrl+u` clears its
    whole name (the cursor had stayed where the typing left it: "late nightve" was saved)."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        app.services.playlists.save("night drive", app.services.catalog.tracks([3, 1]))
        await type_text(pilot, "road")
        await to_the_saved_list(pilot)
        await pilot.press("enter")  # night drive, in the builder
        await wait_for(pilot, lambda: app.screen is screen and len(screen.playlist) == 2,
                       what="the saved playlist opened")
        name = screen.query_one("#name", Input)
        assert name.value == "night drive"
        await pilot.press("n")
        assert name.cursor_position == len("night drive")
        await pilot.press("ctrl+u")
        await type_text(pilot, "late night")
        assert name.value == "late night"
        await pilot.press("ctrl+s")  # a new name: a new playlist, and the message says so
        await settle(pilot)
        assert notifications(app)[-1] == ("Saved 'late night' (2 tracks) as a new playlist; "
                                          "'night drive' stays as it was (to rename it: p, then r).")
        assert {p.name for p in app.services.playlists.summaries()} >= {"night drive", "late night"}
        await pilot.press("ctrl+s")  # saved as itself again: nothing else to say
        await settle(pilot)
        assert notifications(app)[-1] == "Saved 'late night' (2 tracks)."


async def test_a_playlist_file_imports_from_the_saved_playlists(trained_copy: Locations,
                                                                tmp_path: Path) -> None:
    """`i`: a file's path, completed with tab; a path with no playlist is said in the dialog,
    which stays open; a name taken gets a number."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        tracks = app.services.catalog.tracks([3, 1, 4])
        app.services.playlists.save("gym", tracks[:1])
        (tmp_path / "exportify").mkdir()
        (tmp_path / "exportify" / "gym.csv").write_text(
            "Track URI,Track Name\n" + "".join(f"{t.uri},{t.name}\n" for t in tracks))
        await to_the_saved_list(pilot)
        await pilot.press("i")
        field = app.screen.query_one("#prompt-input", Input)
        field.value = str(tmp_path / "exportify" / "nothing.csv")
        await pilot.press("enter")
        assert "nothing.csv does not exist: give an M3U8, CSV or JSON playlist" in label_text(
            pilot, "#prompt-refused")
        field.value = str(tmp_path / "exportify" / "g")
        field.cursor_position = len(field.value)
        await pilot.press("tab")  # completed as a shell would
        assert field.value == str(tmp_path / "exportify" / "gym.csv")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlaylistsScreen)
        assert app.services.playlists.get("gym 2").uris == [t.uri for t in tracks]
        selected = screen._selected()
        assert selected is not None and selected.name == "gym 2"
        assert "Imported 'gym 2' ('gym' is taken): 3 tracks." in notifications(app)

        (tmp_path / "songs.txt").write_text("Nobody - Nothing\n")  # no song the catalog holds
        await import_path(pilot, tmp_path / "songs.txt")
        await settle(pilot)
        assert any("songs.txt names 1 song without a Spotify link, such as 'Nobody - Nothing', "
                   "and none of them is in the catalog" in said for said in notifications(app))
        assert [p.name for p in app.services.playlists.summaries()] == ["gym 2", "gym"]
        assert not any(said.startswith("Importing") for said in notifications(app))

        # songs enough that finding them takes a while: the import says it has begun
        (tmp_path / "many.txt").write_text("".join(f"Nobody - Nothing {n}\n" for n in range(200)))
        await import_path(pilot, tmp_path / "many.txt")
        await settle(pilot)
        assert ("Importing: finding 200 songs in the catalog by artist and title…"
                in notifications(app))


async def test_a_playlist_file_imports_as_a_terminal_pastes_its_path(trained_copy: Locations,
                                                                     tmp_path: Path) -> None:
    """A file dropped on the terminal pastes quoted ('/my music/gym.csv'), with backslashes
    or as a file:// URL, as the other path fields take it: it was "does not exist"."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        tracks = app.services.catalog.tracks([3, 1, 4])
        (tmp_path / "my music").mkdir()
        for name in ("gym", "run", "walk"):
            (tmp_path / "my music" / f"{name}.csv").write_text(
                "Track URI,Track Name\n" + "".join(f"{t.uri},{t.name}\n" for t in tracks))
        await to_the_saved_list(pilot)
        folder = tmp_path / "my music"
        for pasted in (f"'{folder}/gym.csv'", str(folder / "run.csv").replace(" ", "\\ "),
                       (folder / "walk.csv").as_uri()):
            await import_path(pilot, pasted)
            await settle(pilot)
            assert screen_name(pilot) == "PlaylistsScreen", pasted
        await wait_for(pilot, lambda: len(app.services.playlists.summaries()) == 3,
                       what="three imported")
        assert sorted(p.name for p in app.services.playlists.summaries()) == ["gym", "run",
                                                                              "walk"]


async def test_an_exportify_import_says_where_its_audio_features_are_imported(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Exportify writes each track's audio features beside it: the import said nothing of
    them (and the features step refused the file)."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        track = app.services.catalog.tracks([3])[0]
        export = tmp_path / "gym.csv"
        export.write_text("Track URI,Track Name,Duration (ms),Danceability,Energy,Key,Loudness,"
                          "Mode,Speechiness,Acousticness,Instrumentalness,Liveness,Valence,"
                          f"Tempo\n{track.uri},{track.name},200000,0.5,0.7,1,-6,1,0.05,0.1,0,"
                          "0.1,0.4,128\n")
        await to_the_saved_list(pilot)
        await import_path(pilot, export)
        await settle(pilot)
        assert (f"Imported 'gym': 1 track.\n{export} also holds the tracks' audio features: "
                "the setup's audio features step (f2) imports them (to filter and order by "
                "sound)") in notifications(app)
        await pilot.press("f2")  # the step the note names, with the file ready to import
        await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep", what="features step")
        assert app.screen.query_one("#csv-path", Input).value == str(export)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "1 of 1 rows imported" in label_text(pilot, "#step-status"),
                       timeout=60, what="the import")
        assert app.features_csv_offered == ""  # imported: not offered again


@pytest.mark.parametrize("found", [True, False], ids=["imported", "none-found"])
async def test_an_import_goes_on_and_says_how_it_ended_after_leaving_the_saved_playlists(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        found: bool) -> None:
    """Back in the builder while the songs are looked up: the playlist is still saved, and
    the app says so, or why it could not be."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        tracks = app.services.catalog.tracks([3, 1, 4])
        path = tmp_path / ("gym.csv" if found else "songs.txt")
        path.write_text("Track URI,Track Name\n" + "".join(f"{t.uri},{t.name}\n" for t in tracks)
                        if found else "Nobody - Nothing\n")  # no song the catalog holds
        left = threading.Event()
        service = app.services.playlist_files
        look_up = service.import_files

        def import_once_left(*args: Any, **kwargs: Any) -> Any:
            assert left.wait(10), "the test never left the saved playlists"
            return look_up(*args, **kwargs)

        monkeypatch.setattr(service, "import_files", import_once_left)
        await to_the_saved_list(pilot)
        await import_path(pilot, path)
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="the list")
        await pilot.press("q")
        await wait_for(pilot, lambda: not isinstance(app.screen, PlaylistsScreen), what="builder")
        left.set()
        await settle(pilot)
        if found:
            assert app.services.playlists.get("gym").uris == [t.uri for t in tracks]
            assert "Imported 'gym': 3 tracks." in notifications(app)
        else:
            assert any("songs.txt" in said and "nothing to import" in said
                       for said in notifications(app)), notifications(app)
        assert not any("rror" in said for said in notifications(app)), notifications(app)


async def test_a_saved_playlists_tracks_outside_the_catalog_survive_editing_it(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Saved on other data (the demo before the MPD, say): the builder cannot show those
    tracks, so saving the playlist after an edit keeps them where they were."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        known = app.services.catalog.tracks([3, 1, 4])
        elsewhere = [TrackEntry(f"spotify:track:{'A' * 21}{i}", f"Gone {i}", "Nobody", 1000)
                     for i in range(2)]
        entries = [TrackEntry(t.uri, t.name, t.artist_name, t.duration_ms) for t in known]
        app.services.playlists.store().save("mix", [elsewhere[0], *entries[:2], elsewhere[1],
                                                    entries[2]])
        await to_the_saved_list(pilot)
        await settle(pilot)
        await pilot.press("enter")  # open it in the builder
        await settle(pilot)
        screen = builder(app)
        assert [t.id for t in screen.playlist] == [3, 1, 4]
        assert any("2 of its tracks are not in the catalog: not shown here; saving keeps them "
                   "in place" in said for said in notifications(app))
        screen.playlist = [*screen.playlist[:1], *screen.playlist[2:], *app.services.catalog.tracks([9])]
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = app.services.playlists.get("mix")
        ninth = app.services.catalog.tracks([9])[0].uri
        assert saved.uris == [elsewhere[0].uri, known[0].uri, known[2].uri, elsewhere[1].uri, ninth]


@pytest.mark.parametrize("state", ["saved", "new", "changed"])
async def test_other_data_replacing_the_catalog_finds_the_playlist_again(
        trained_dir: Path, trained_copy: Locations, tmp_path: Path, state: str) -> None:
    """`mpdtui ingest OTHER --replace` in another terminal: the track ids of the playlist on
    screen mean other tracks in the new catalog, so it is found again by URI. Unsaved (new, or
    saved and changed since), its tracks the new data lacks would go with the changes: it is
    saved as it was under a name of its own, and shown as that saved playlist."""
    import asyncio

    from mpdtui.data.catalog import Catalog

    other = one_slice_folder(trained_dir, tmp_path / "other-mpd")
    second = json.loads((other / ONE_SLICE).read_text())["playlists"]
    in_second = {t["track_uri"] for p in second for t in p["tracks"]}
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        catalog = app.services.catalog
        kept = [t for t in catalog.tracks(catalog.resolve_uris(
            [t["track_uri"] for t in second[0]["tracks"][:3]])) if t.id > 0]
        gone = next(t for t in catalog.tracks(range(1, 200)) if t.uri not in in_second)
        screen = builder(app)
        screen.playlist = [kept[0], *kept[1:]] if state == "changed" else [kept[0], gone, *kept[1:]]
        await type_text(pilot, "mix")
        if state != "new":
            await pilot.press("ctrl+s")
            await settle(pilot)
        if state == "changed":  # the track the new data lacks added since
            screen.playlist = [kept[0], gone, *kept[1:]]
        await settle(pilot)

        await asyncio.to_thread(open_services(trained_copy).jobs.ingest, other, replace=True)
        def said_now() -> list[str]:
            return [n for n in notifications(app) if n.startswith("The catalog holds other data")]

        # the notice comes through the app's queue after the playlist is set: both waited for
        await wait_for(pilot, lambda: len(screen.playlist) == len(kept) and said_now(),
                       timeout=30, what="the playlist found again")
        with Catalog.open(trained_copy) as new_catalog:
            new_ids = new_catalog.track_ids([t.uri for t in kept])
        assert [(t.id, t.uri) for t in screen.playlist] == list(
            zip(new_ids, [t.uri for t in kept], strict=True))
        assert new_ids != [t.id for t in kept]  # the old ids would have meant other tracks
        said = said_now()
        assert said and said[0].endswith(
            "1 of the playlist's tracks is not in the catalog: not shown here; saving keeps it in "
            "place." if state == "saved" else "1 of the playlist's tracks is not in it: the "
            "playlist as it was, unsaved changes and all, is saved as 'mix (before other data)', "
            "shown here without it (saving keeps it in place).")
        assert not screen.unsaved()
        as_it_was = [kept[0].uri, gone.uri, *[t.uri for t in kept[1:]]]
        if state != "saved":
            assert app.services.playlists.get("mix (before other data)").uris == as_it_was
            assert screen.query_one("#name", Input).value == "mix (before other data)"
        if state == "changed":
            assert app.services.playlists.get("mix").uris == [t.uri for t in kept]  # as saved
        await wait_for(pilot, lambda: not screen.query_one("#suggestions", TrackTable).tracks,
                       what="no suggestions: the models went with the data they learned")
        await pilot.press("escape", "/")
        await type_text(pilot, kept[0].name)  # search reads the new catalog
        await wait_for(pilot, lambda: kept[0].uri in [
            t.uri for t in screen.query_one("#results", TrackTable).tracks], what="results")
        added = next(t for t in app.services.catalog.tracks(range(1, 50))
                     if t.uri not in as_it_was)
        screen.playlist = [*screen.playlist, added]
        await pilot.press("ctrl+s")
        await settle(pilot)
        name = "mix" if state == "saved" else "mix (before other data)"
        assert app.services.playlists.get(name).uris == [*as_it_was, added.uri]


async def test_a_long_saved_name_is_cut_and_the_other_columns_stay(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        app.services.playlists.save("夜" * 100, app.services.catalog.tracks([3, 1]))
        await to_the_saved_list(pilot)
        await settle(pilot)
        table = app.screen.query_one("#saved", DataTable)
        widths = [column.width for column in table.columns.values()]
        assert [str(c.label) for c in table.columns.values()] == ["Name", "Tracks", "Changed"]
        assert sum(widths) + 2 * len(widths) <= table.size.width  # no column out of view
        lines = ["".join(seg.text for seg in strip)
                 for strip in app.screen._compositor.render_full_update().strips]
        row = next(line for line in lines if line.startswith(" 夜"))  # as the screen shows it
        assert "…  2 " in row


async def test_a_narrow_pane_shows_the_preview_under_the_saved_playlists(
        trained_copy: Locations, tmp_path: Path) -> None:
    """At 50x14 the preview beside the list left the names 3 cells ("lo…")."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(50, 14)) as pilot:
        await builder_ready(pilot)
        app.services.playlists.save("evening run mix", app.services.catalog.tracks([3, 1]))
        await to_the_saved_list(pilot)
        await settle(pilot)
        table = app.screen.query_one("#saved", DataTable)
        preview = app.screen.query_one("#saved-tracks", DataTable)
        assert next(iter(table.columns.values())).width >= len("evening run mix")
        assert preview.region.y >= table.region.bottom and preview.region.height >= 3
        await pilot.resize_terminal(100, 24)  # wide: beside it again
        await pilot.pause()
        await settle(pilot)
        assert preview.region.x >= table.region.right


def save_gym_and_sleep(app: Any) -> list[Track]:
    """Two saved playlists: "gym" (tracks 3, 1, 4: returned), then "sleep" (track 7)."""
    gym = app.services.catalog.tracks([3, 1, 4])
    app.services.playlists.save("gym", gym)
    app.services.playlists.save("sleep", app.services.catalog.tracks([7]))
    return gym


async def gym_and_sleep_listed(pilot: Any, app: Any) -> list[Track]:
    """From the builder, "gym" and "sleep" saved (`save_gym_and_sleep`: gym's tracks
    returned) and the saved playlists shown, "sleep" highlighted."""
    await builder_ready(pilot)
    gym = save_gym_and_sleep(app)
    await pilot.press("escape", "p")
    await settle(pilot)
    return gym


async def test_the_highlighted_saved_playlists_tracks_show_beside_the_list(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        gym = await gym_and_sleep_listed(pilot, app)
        screen = app.screen
        assert "enter" in footer_keys(screen)  # Open: the list's own enter hid it
        preview = screen.query_one("#saved-tracks", DataTable)

        def shown() -> list[str]:
            return [str(preview.get_row_at(row)[1]) for row in range(preview.row_count)]

        assert shown() == [app.services.catalog.tracks([7])[0].name]  # the latest first
        await pilot.press("j")
        await settle(pilot)
        assert shown() == [t.name for t in gym]
        assert "Album" in [str(c.label) for c in preview.columns.values()]  # as the builder's
        album = [str(c.label) for c in preview.columns.values()].index("Album")
        assert [str(preview.get_row_at(row)[album]) for row in range(preview.row_count)] == [
            t.album_name for t in gym]
        total = sum(t.duration_ms for t in gym)
        assert str(preview.border_title).startswith(f"gym · {total // 60000}:")
        assert not preview.can_focus and screen.focused is screen.query_one("#saved")


async def test_a_long_saved_playlists_preview_shows_its_first_tracks_and_counts_the_rest(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A 10,000-track playlist took seconds to preview, the app frozen with an empty pane."""
    from mpdtui.tui.widgets.playlist_preview import PREVIEW_ROWS

    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        tracks = app.services.catalog.tracks(list(range(PREVIEW_ROWS + 20)))
        assert len(tracks) == PREVIEW_ROWS + 20
        app.services.playlists.save("long", tracks)
        await pilot.press("escape", "p")
        preview = app.screen.query_one("#saved-tracks", DataTable)
        await wait_for(pilot, lambda: preview.row_count, what="the preview")
        assert preview.row_count == PREVIEW_ROWS + 1
        assert str(preview.get_row_at(PREVIEW_ROWS - 1)[1]) == tracks[PREVIEW_ROWS - 1].name
        assert str(preview.get_row_at(PREVIEW_ROWS)[1]) == (
            "… and 20 more (enter opens the playlist)")
        total = sum(t.duration_ms for t in tracks)  # of them all
        assert str(preview.border_title).startswith(f"long · {playlist_length(total)}")


async def test_opening_a_long_saved_playlist_says_so_first(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """10,000 tracks took 8 s to show in the builder, the old playlist on screen meanwhile
    and nothing said."""
    from mpdtui.tui.screens import builder_files

    monkeypatch.setattr(builder_files, "LONG_PLAYLIST", 3)  # a long one, as the catalog allows
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        gym = await gym_and_sleep_listed(pilot, app)
        await pilot.press("enter")  # sleep, 1 track: opened at once, nothing said
        await wait_for(pilot, lambda: builder(app).stored is not None, what="sleep opened")
        assert not [n for n in notifications(app) if n.startswith("Opening")]
        await pilot.press("escape", "p")
        await settle(pilot)
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: builder(app).playlist == gym, what="gym opened")
        assert "Opening 'gym': 3 tracks, a few seconds…" in notifications(app)


async def test_the_highlighted_saved_playlist_exports_without_opening_it(
        trained_copy: Locations, tmp_path: Path) -> None:
    """e on the list: the export dialog for the highlighted playlist, as the builder's; the
    builder's playlist is left as it was. An empty one is refused, saying why."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        gym = save_gym_and_sleep(app)
        app.services.playlists.save("quiet", [])
        await pilot.press("escape", "p")
        await settle(pilot)
        await pilot.press("e")  # the latest first: "quiet", with no tracks
        assert screen_name(pilot) == "PlaylistsScreen"
        assert notifications(app)[-1] == ("'quiet' has no tracks: open it (enter) and add some "
                                          "before exporting.")
        await pilot.press("j", "j", "e")
        assert label_text(pilot, "Label") == "Export 'gym' as:"
        await pilot.press("j", "enter")  # JSON, into the export folder
        await settle(pilot)
        written = tmp_path / "exports" / "gym.json"
        assert notifications(app)[-1] == f"Exported to {written}"
        assert all(track.uri in written.read_text() for track in gym)
        assert screen_name(pilot) == "PlaylistsScreen"
        await pilot.press("e", "end", "enter")  # the tracks' links
        await settle(pilot)
        assert app.clipboard == "".join(
            f"https://open.spotify.com/track/{t.uri.removeprefix('spotify:track:')}\n"
            for t in gym)
        assert notifications(app)[-1].startswith("Copied 3 track links: paste them")
        assert notifications(app)[-1].endswith("`mpdtui export gym --to links`).")
        await pilot.press("escape")
        await settle(pilot)
        screen = builder(app)
        assert screen.playlist == [] and screen.query_one("#name", Input).value == ""
        assert [s.name for s in app.services.playlists.summaries()] == ["quiet", "sleep", "gym"]


async def test_a_refused_export_is_said_once(trained_copy: Locations, tmp_path: Path) -> None:
    """An export that fails at once (a file of one's own in its place) is one notification:
    the worker's pending and running events, handled after it failed, said it three times."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        save_gym_and_sleep(app)
        mine = tmp_path / "exports" / "gym.json"
        mine.write_text("my notes\n")
        await pilot.press("escape", "p")
        await settle(pilot)
        await pilot.press("j", "e", "j", "enter")  # "gym": JSON, into the export folder
        await settle(pilot)
        await pilot.pause(0.2)
        said = [n for n in notifications(app) if "already exists" in n]
        assert len(said) == 1, said
        assert mine.read_text() == "my notes\n"


async def test_the_saved_playlists_and_the_export_dialog_fit_a_short_pane(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A terminal split across (80x12): the filter takes one line, so the list shows 6
    playlists (4 under a three-line field); the export dialog shows every choice and the
    folder field at once. From 20 rows up, the fields keep their three lines."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 12)) as pilot:
        await builder_ready(pilot)
        for number in range(8):
            app.services.playlists.save(f"mix {number}", app.services.catalog.tracks([1]))
        await pilot.press("escape", "p")
        await settle(pilot)
        assert app.screen.query_one("#saved-filter").outer_size.height == 1
        listed = app.screen.query_one("#saved", DataTable)
        assert listed.scrollable_content_region.height - 1 >= 6  # under the column names
        await pilot.press("e")
        await settle(pilot)
        formats, folder = app.screen.query_one("#formats"), app.screen.query_one("#export-folder")
        assert formats.max_scroll_y == 0, "every choice shows"
        assert folder.outer_size.height == 1
        for part in (app.screen.query_one(".dialog > Label"), formats, folder):
            assert app.screen.region.contains_region(part.region), part
        await pilot.press("escape")
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert app.screen.query_one("#saved-filter").outer_size.height == 3


async def test_the_empty_saved_playlists_say_what_to_do_in_full_in_80_columns(
        trained_copy: Locations, tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "p")
        await settle(pilot)
        empty = app.screen.query_one("#saved-empty")
        assert label_text(pilot, "#saved-empty").endswith("import a playlist file (i).")
        assert app.screen.region.contains_region(empty.region), empty.region  # wrapped, not cut
        keys = [key for key in app.screen.query("FooterKey") if key.visible]
        assert {key.key_display for key in keys} >= {"q", "e", "x", "i"}  # q: Back, whole
        for key in keys:  # none cut at the edge (a lone "q" was Back's)
            assert app.screen.region.contains_region(key.region), key.key_display


async def test_the_saved_playlists_filter_by_name(trained_copy: Locations,
                                                  tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        for name in ("Road trip", "gym", "road to nowhere"):
            app.services.playlists.save(name, app.services.catalog.tracks([3, 1]))
        await pilot.press("escape", "p")
        await settle(pilot)
        screen = app.screen
        listed = screen.query_one("#saved", DataTable)

        def names() -> list[str]:
            return [str(listed.get_row_at(row)[0]) for row in range(listed.row_count)]

        await pilot.press("slash")
        await type_text(pilot, "ROAD")  # any case; q, r, d, x are letters here
        assert names() == ["road to nowhere", "Road trip"]
        assert footer_keys(screen) >= {"enter", "escape"} and "r" not in footer_keys(screen)
        await type_text(pilot, "x")
        assert names() == [] and "holds 'ROADx'" in label_text(pilot, "#saved-empty")
        await pilot.press("backspace", "escape")  # back to the list, the filter kept
        assert screen.focused is listed and names() == ["road to nowhere", "Road trip"]
        await pilot.press("slash", "end", "space", "t", "r", "enter")  # enter opens the match
        await settle(pilot)
        assert builder(app).query_one("#name", Input).value == "Road trip"


async def test_the_palettes_playlist_commands_say_why_when_none_is_listed(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Run from the palette while the filter matched nothing, Rename, Duplicate, Export did
    nothing and said nothing; the palette had no Delete. Enter, from the filter or the list,
    said nothing too (at 80x24, the list empty: r, e, x said why, enter did not)."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        app.services.playlists.save("gym", app.services.catalog.tracks([3, 1]))
        await pilot.press("escape", "p")
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "[b]zz")
        for command in ("Rename playlist", "Duplicate playlist", "Export playlist",
                        "Delete playlist"):
            await run_command(pilot, command)
            await settle(pilot)
            assert isinstance(app.screen, PlaylistsScreen), command  # no dialog
            assert notifications(app)[-1] == (
                "No saved playlist's name holds '[b]zz': change the filter (/)."), command
            app.clear_notifications()
        assert [p.name for p in app.services.playlists.summaries()] == ["gym"]
        for where in ("filter", "list"):  # enter, which opens one, said nothing either
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, PlaylistsScreen), where
            assert notifications(app) == [
                "No saved playlist's name holds '[b]zz': change the filter (/)."], where
            app.clear_notifications()
            await pilot.press("escape")  # to the list, the filter kept


async def test_the_builder_follows_a_rename_or_delete_of_its_playlist(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Renamed in the playlists screen, the playlist on screen shows its new name and saves in
    place (it had saved a second playlist under the old name); deleted, it saves as new."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen, saved = builder(app), app.services.playlists
        await type_text(pilot, "mix")
        screen.playlist = app.services.catalog.tracks([1, 2])
        await pilot.press("ctrl+s", "escape", "p", "r", *["backspace"] * 3)
        await type_text(pilot, "road")
        await pilot.press("enter", "escape")  # renamed; back in the builder
        assert screen.query_one("#name", Input).value == "road" and not screen.unsaved()
        screen.playlist = app.services.catalog.tracks([1, 2, 3])
        await pilot.press("ctrl+s")
        assert [(p.name, p.num_tracks) for p in saved.summaries()] == [("road", 3)]
        await pilot.press("p", "x", "y", "escape")  # deleted: its id may be given again
        assert screen.editing is None and screen.unsaved()  # quitting now asks
        await pilot.press("ctrl+s")
        assert [(p.name, p.num_tracks) for p in saved.summaries()] == [("road", 3)]
        assert screen.editing == saved.summaries()[0].id


async def test_a_delete_in_the_saved_playlists_is_not_said_to_be_another_terminals(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The playlist on screen deleted in the saved playlists (p, x, y): the builder's check
    every 3 s, due while that screen was still open over it, said "'road' was deleted in
    another window or terminal: save it (ctrl+s) to keep it." It was deleted right there."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "road")
        screen.playlist = app.services.catalog.tracks([1, 2])
        await pilot.press("ctrl+s", "escape", "p", "x", "y")
        await settle(pilot)
        assert screen_name(pilot) == "PlaylistsScreen"
        screen._check_data()  # its check, due while the saved playlists are open
        await settle(pilot)
        await pilot.press("escape")  # back in the builder, which follows the delete
        await settle(pilot)
        assert screen_name(pilot) == "BuilderScreen"
        assert screen.editing is None and screen.unsaved()
        assert [n for n in notifications(app) if "another window" in n] == []


async def test_the_builder_follows_its_playlist_changed_in_another_terminal(
        trained_copy: Locations, tmp_path: Path) -> None:
    """`mpdtui suggest --save` or `playlists --rename/--delete` in another terminal change the
    saved playlist on screen. Unchanged here, it is shown as saved; changed here too, saving
    asks before replacing theirs (no keeps theirs); deleted, it saves as a new one."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen, tracks = builder(app), app.services.catalog.tracks
        elsewhere = open_services(trained_copy).playlists  # a store of its own
        await type_text(pilot, "mix")
        screen.playlist = tracks([1, 2])
        await pilot.press("ctrl+s")
        elsewhere.save_extended("mix", elsewhere.get("mix"), tracks([3]))
        elsewhere.rename("mix", "road")
        screen._check_data()  # what the builder does every few seconds
        await wait_for(pilot, lambda: [t.id for t in screen.playlist] == [1, 2, 3],
                       what="the playlist as saved elsewhere")
        assert screen.query_one("#name", Input).value == "road" and not screen.unsaved()

        screen.playlist = tracks([1])  # changed here...
        theirs = elsewhere.replace_tracks("road", [TrackEntry(t.uri) for t in tracks([4, 5])])
        screen._check_data()
        screen._check_data()  # ...and there: said once
        await pilot.pause()
        warned = [n for n in notifications(app) if "asks before" in n]
        assert warned == ["'road' was changed in another window or terminal (2 tracks now): "
                          "saving here asks before replacing that."]
        await pilot.press("ctrl+s")
        assert screen_name(pilot) == "ConfirmScreen"
        await pilot.press("n")
        assert elsewhere.get("road").uris == theirs.uris and screen.unsaved()
        await pilot.press("ctrl+s", "y")
        assert elsewhere.get("road").uris == [tracks([1])[0].uri] and not screen.unsaved()
        await pilot.press("ctrl+s")  # saved here last: nothing to ask
        assert screen_name(pilot) == "BuilderScreen"

        elsewhere.replace_tracks("road", theirs.tracks)
        screen.query_one("#name", Input).value = "road too"  # both kept: nothing to ask
        await pilot.press("ctrl+s")
        assert screen_name(pilot) == "BuilderScreen"
        assert {p.name: p.num_tracks for p in elsewhere.summaries()} == {"road": 2, "road too": 1}

        elsewhere.delete("road too")
        screen._check_data()
        await pilot.pause()
        assert "'road too' was deleted in another window or terminal: save it (ctrl+s) to keep " \
            "it." in notifications(app)
        assert screen.editing is None and screen.unsaved()  # quitting now asks
        await pilot.press("ctrl+s")
        assert {p.name: p.num_tracks for p in elsewhere.summaries()} == {"road": 2, "road too": 1}


async def test_unsaved_changes_outlive_the_app_and_come_back_at_its_next_start(
        trained_copy: Locations, tmp_path: Path) -> None:
    """A terminal closed (no quit, no question) keeps what was not saved: the next start shows
    it, still unsaved, and a save over a change made elsewhere since still asks first."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen, tracks = builder(app), app.services.catalog.tracks
        await type_text(pilot, "mix")
        screen.playlist = tracks([1, 2])
        await pilot.press("ctrl+s")
        screen.playlist = tracks([1, 2, 3])  # changed, not saved
        screen._check_data()  # what the builder does every few seconds
        assert trained_copy.builder_draft_of(os.getpid()).exists()
        app.services.playlists.save_extended("mix", app.services.playlists.get("mix"),
                                             tracks([4]))  # another terminal's change
    # run_test ends the app without the builder's quit: as a closed terminal would
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await wait_for(pilot, lambda: screen.playlist, what="the draft")
        assert [t.id for t in screen.playlist] == [1, 2, 3] and screen.unsaved()
        assert screen.query_one("#name", Input).value == "mix"
        assert ("Restored 'mix' (3 tracks): its changes were not saved when mpdtui last closed. "
                "ctrl+s saves them; ctrl+n, then d, drops them.") in notifications(app)
        await pilot.press("ctrl+s")
        assert screen_name(pilot) == "ConfirmScreen"  # 'mix' has 3 other tracks since
        await pilot.press("y")
        assert app.services.playlists.get("mix").uris == [t.uri for t in tracks([1, 2, 3])]
        assert not trained_copy.builder_draft_of(os.getpid()).exists()  # saved: nothing to restore
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        assert not builder(app).playlist


async def test_a_draft_another_running_window_keeps_is_neither_restored_nor_overwritten(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Two windows on one cache dir each keep their own unsaved playlist: a terminal closed
    loses neither."""
    tracks = open_services(trained_copy).catalog.tracks([1, 2])
    theirs = trained_copy.builder_draft_of(os.getppid())  # a running process
    draft = Draft("theirs", tuple(t.uri for t in tracks), pid=os.getppid())
    write_draft(theirs, draft)
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.pause(0.2)
        screen = builder(app)
        assert not screen.playlist
        screen._check_data()  # nothing unsaved here
        screen.playlist = tracks[:1]  # unsaved here too: kept beside theirs
        screen._check_data()
        mine = read_draft(trained_copy.builder_draft_of(os.getpid()))
        assert mine is not None and mine.uris == (tracks[0].uri,)
    assert read_draft(theirs) == draft


async def test_drafts_left_by_several_windows_come_back_one_a_start_newest_first(
        trained_copy: Locations, tmp_path: Path) -> None:
    """Two windows closed with unsaved playlists (one of them kept by an earlier mpdtui, in
    its one draft file; the other not named yet): a start restores the newer, the next start
    the other."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    tracks = open_services(trained_copy).catalog.tracks([1, 2, 3])
    write_draft(trained_copy.old_builder_draft,
                Draft("older", (tracks[0].uri,), pid=ended.pid))
    newer = trained_copy.builder_draft_of(ended.pid)
    write_draft(newer, Draft("", tuple(t.uri for t in tracks[1:]), pid=ended.pid))
    os.utime(newer, (time.time() + 5, time.time() + 5))
    for name, count in (("", 2), ("older", 1)):
        app = make_app(trained_copy, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await builder_ready(pilot)
            screen = builder(app)
            await wait_for(pilot, lambda s=screen: s.playlist, what="a draft")
            assert screen.query_one("#name", Input).value == name
            assert len(screen.playlist) == count and screen.unsaved()
            more = " 1 more unsaved playlist is kept: the next start shows it."
            called = "an unnamed playlist" if name == "" else "'older'"
            assert notifications(app)[-1].startswith(f"Restored {called} ({count} track")
            assert notifications(app)[-1].endswith(
                "drops them." + (more if name == "" else "")), notifications(app)
            screen._check_data()
        if name == "":  # its window stays open (the tests' parent stands for it)
            trained_copy.builder_draft_of(os.getpid()).rename(
                trained_copy.builder_draft_of(os.getppid()))
    kept = [read_draft(trained_copy.builder_draft_of(pid)) for pid in (os.getppid(), os.getpid())]
    assert [draft.name if draft else None for draft in kept] == ["", "older"]
    assert not trained_copy.old_builder_draft.exists() and not newer.exists()


async def test_a_draft_of_an_app_that_has_just_ended_is_restored(trained_copy: Locations,
                                                                  tmp_path: Path) -> None:
    """Its terminal closed a moment ago: the app has ended, but its parent has not yet reaped
    it (a zombie). A new start right then restores its playlist, as it would a second later."""
    ended = os.posix_spawnp("true", ["true"], os.environ)
    try:
        state = Path(f"/proc/{ended}/stat")
        deadline = time.monotonic() + 10
        while state.read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline, "the process never ended"
            time.sleep(0.01)
        tracks = open_services(trained_copy).catalog.tracks([1, 2])
        write_draft(trained_copy.builder_draft_of(ended),
                    Draft("theirs", tuple(t.uri for t in tracks), pid=ended))
        app = make_app(trained_copy, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await builder_ready(pilot)
            await wait_for(pilot, lambda: builder(app).playlist, what="the draft")
            assert [t.id for t in builder(app).playlist] == [1, 2]
    finally:
        os.waitpid(ended, 0)


@pytest.mark.parametrize("typed", ["", "/road"])
async def test_a_draft_restored_late_leaves_the_cursor_where_the_keys_since_put_it(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        typed: str) -> None:
    """A long draft shows seconds after the builder opens. It took the cursor to its tracks
    wherever it was: "/" and a search typed meanwhile went on in the list, each letter a key
    there (x removed a track, A opened the fill dialog). The cursor goes to the tracks only
    from the empty name the builder opened in."""
    release = late_draft(trained_copy, monkeypatch, "mix")
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")
        screen = builder(app)
        await type_text(pilot, typed)
        release.set()
        await wait_for(pilot, lambda: screen.playlist, what="the draft")
        await pilot.press("x")
        if typed:
            assert app.focused is screen.query_one("#search")
            assert screen.query_one("#search", Input).value == "roadx"
        else:
            assert app.focused is screen.query_one("#playlist")
        assert len(screen.playlist) == (2 if typed else 1)  # x: a track removed from the list


async def test_a_refused_rename_keeps_its_dialog_open_with_why(trained_copy: Locations,
                                                               tmp_path: Path) -> None:
    """A name another playlist has closed the dialog, the typed name with it, behind a
    notification; the dialog now says why under the name, to be changed there."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        saved = app.services.playlists
        saved.save("Road trip", app.services.catalog.tracks([1]))
        saved.save("Mix", app.services.catalog.tracks([2]))
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: screen_name(pilot) == "PlaylistsScreen")
        await pilot.press("r", "ctrl+u")  # the most recent first: Mix
        await type_text(pilot, "Road trip")
        await pilot.press("enter")
        assert screen_name(pilot) == "PromptScreen"
        assert label_text(pilot, "#prompt-refused") == (
            "a saved playlist named 'Road trip' already exists: choose another name")
        await type_text(pilot, " 2")
        await pilot.press("enter")
        assert screen_name(pilot) == "PlaylistsScreen"
        assert sorted(p.name for p in saved.summaries()) == ["Road trip", "Road trip 2"]
        assert "Renamed to 'Road trip 2'." in notifications(app)


async def test_no_models_yet_is_a_notification(ingested_copy: Locations, tmp_path: Path) -> None:
    app = make_app(ingested_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await settle(pilot)
        assert "No trained model" in label_text(pilot, "#suggest-status")
        await pilot.press("escape", "m")
        assert screen_name(pilot) == "BuilderScreen"
        assert notifications(app).count(MISSING_MODEL) == 1
        await pilot.press("f2")  # where the message sends the user, and back from there
        await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep", what="the training step")
        await pilot.press("escape")  # back, still without a model: the status line says it
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")
        await settle(pilot)
        # said once: taken down at the step it names, and not said again at the builder's
        # next load (its status line says it)
        assert notifications(app).count(MISSING_MODEL) == 0
        assert "No trained model" in label_text(pilot, "#suggest-status")


async def test_a_model_saved_by_another_version_is_said_and_the_others_serve(
        trained_copy: Locations, tmp_path: Path) -> None:
    """ALS, the best here, saved by another mpdtui (its model version changed): before, the
    builder loaded it, failed, and said "No models" though three others were trained."""
    meta = trained_copy.model_dir("als") / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "version": 999}))
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        assert screen.models == ["popularity", "title", "item_knn"]
        assert screen.model_name in screen.models
        assert ("als: saved by another version of mpdtui, or built on a model that is gone, so "
                "the others serve: the setup's training step (f2) trains them again."
                ) in notifications(app)
        await type_text(pilot, "road")
        await wait_for(pilot, lambda: screen.query_one("#suggestions", TrackTable).tracks,
                       what="suggestions")


async def test_the_builder_without_data_says_what_is_missing(tmp_path: Path) -> None:
    app = make_app(Locations.resolve(tmp_path / "fresh"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "CacheStep")
        app.open_builder()  # however one gets there (another process removed the data)
        await builder_ready(pilot)
        status = label_text(pilot, "#suggest-status")
        assert "No data yet" in status and "data step (f2)" in status


async def test_spotify_export_without_login_is_an_error_message(trained_copy: Locations,
                                                                tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await type_text(pilot, "mix")
        screen.playlist = app.services.catalog.tracks([1, 2])
        await pilot.press("escape", "e", "j", "j", "j", "enter")
        await settle(pilot)
        said = [n for n in notifications(app) if "not logged in to Spotify" in n]
        assert said and "Spotify step (f2)" in said[0] and "mpdtui auth" not in said[0]
        assert screen_name(pilot) == "BuilderScreen"
        await pilot.press("f2")  # the step the message names, and back from it: the builder
        await wait_for(pilot, lambda: screen_name(pilot) == "SpotifyStep", what="the Spotify step")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "BuilderScreen", what="the builder")


class BrokenSearch(CatalogService):
    def search(self, text: str, limit: int = 50) -> list[Any]:
        raise RuntimeError("disk on fire")


async def test_an_unexpected_worker_error_is_a_notification(trained_copy: Locations,
                                                            tmp_path: Path) -> None:
    app = make_app(trained_copy, tmp_path, services=open_services(trained_copy, catalog=BrokenSearch))
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "slash", "a")
        await settle(pilot)
        assert any("disk on fire" in n for n in notifications(app))
        assert app.is_running



async def test_a_fitting_of_the_list_due_after_it_was_closed_does_nothing(
        trained_copy: Locations, tmp_path: Path) -> None:
    """The list fits its names to its width once laid out after a resize (as when it opens).
    A playlist opened before that (p, enter on a busy machine: CI's run) took the list away
    first, and the fitting, still due, ended the app ("No nodes match '#saved'")."""
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        app.services.playlists.save("gym", app.services.catalog.tracks([3, 1, 4]))
        await pilot.press("escape", "p")
        listing = app.screen
        assert isinstance(listing, PlaylistsScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert [t.id for t in builder(app).playlist] == [3, 1, 4]
        listing._fit_names()  # what the resize had left due, run after the list was closed
