"""The builder with audio features: tempo/key/energy columns, the filter field (f), ordering
for flow (o); pilot tests driven by keys, and snapshots of the layout."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Label
from tui_support import (  # noqa: F401 (fixtures)
    SIZE,
    audio_copy,
    audio_dir,
    builder,
    builder_ready,
    label_text,
    make_app,
    notifications,
    settle,
    steady_copy,
    steady_dir,
    trained_dir,
    wait_for,
)

from mpdtui.audio.filters import parse_filter
from mpdtui.audio.flow import flow_stats
from mpdtui.data.builder_draft import Draft, write_draft
from mpdtui.data.demo_files import FEATURES_CSV
from mpdtui.data.playlist_length import parse_length
from mpdtui.data.track_features import TrackFeatures
from mpdtui.locations import Locations
from mpdtui.services.root import open_services
from mpdtui.tui.messages import PlaylistLoaded
from mpdtui.tui.screens.builder import BuilderScreen
from mpdtui.tui.screens.builder_base import SUGGESTIONS
from mpdtui.tui.widgets.sound_filter import SoundFilter
from mpdtui.tui.widgets.status_line import StatusLine
from mpdtui.tui.widgets.track_sound import ROWS, TrackSound, packed
from mpdtui.tui.widgets.track_table import TrackTable

PLAYLIST = list(range(0, 60, 5))  # twelve tracks of the demo


def status(app: Any) -> str:
    return str(app.screen.query_one("#suggest-status", Label).render())


def status_on_screen(app: Any) -> list[str]:
    """The status lines as the screen shows them (its label's region of the whole screen)."""
    region = app.screen.query_one("#suggest-status", Label).region
    rows = app.screen._compositor.render_full_update().strips
    return ["".join(strip.text for strip in rows[y])[region.x:region.right].strip()
            for y in range(region.y, region.bottom)]


def headers(table: TrackTable) -> list[str]:
    return [str(column.label) for column in table.columns.values()]


async def open_playlist(pilot: Any) -> BuilderScreen:
    await builder_ready(pilot)
    screen = builder(pilot.app)
    services = pilot.app.services
    tracks = services.catalog.tracks(PLAYLIST)
    screen.post_message(PlaylistLoaded("road trip", tracks, services.audio.audio(PLAYLIST)))
    await wait_for(pilot, lambda: len(screen.playlist) == len(PLAYLIST), what="the playlist")
    await settle(pilot)
    return screen


@pytest.mark.asyncio
async def test_audio_columns_and_a_filter_typed_in_the_builder(audio_copy: Locations,
                                                               tmp_path: Path) -> None:
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playlist(pilot)
        assert screen.with_audio
        for table_id in ("#playlist", "#results", "#suggestions"):
            assert {"BPM", "Key"} <= set(headers(screen.query_one(table_id, TrackTable)))
        playlist_table = screen.query_one("#playlist", TrackTable)
        assert playlist_table.audio == app.services.audio.audio(PLAYLIST)

        await pilot.press("escape", "f", *"tempo 100-140, energy > 0.6")
        await wait_for(pilot, lambda: "matching" in status(app)  # the last filter's, not one
                       and screen.suggestions_shown == screen._request,  # typed on the way
                       what="filtered suggestions")
        suggestions = screen.query_one("#suggestions", TrackTable)
        allowed = parse_filter("tempo 100-140, energy > 0.6").mask(
            app.services.audio.catalog_features())
        shown = [track.id for track in suggestions.tracks]
        assert len(shown) == SUGGESTIONS and all(allowed[i] for i in shown)
        assert not set(shown) & set(PLAYLIST)
        text = status(app)
        assert f"{SUGGESTIONS} of" in text and "tracks matching tempo 100-140 BPM" in text
        assert "without features left out" in text
        # the model first: a narrow screen cuts the line's end, not what it names
        assert text.startswith(f"{screen.model_name}: {SUGGESTIONS} of")

        await pilot.press("enter")  # to the suggestions: the highlighted track in words
        assert "BPM ·" in str(screen.query_one("#track-sound", Label).render())
        await pilot.resize_terminal(80, 24)  # three narrow lines: broken between whole parts
        await settle(pilot)
        sound = screen.query_one(TrackSound)
        audio, reason = suggestions.current_audio(), suggestions.current_reason()
        reason = reason if suggestions.reason_column else ""  # shared: said under the list
        assert audio is not None
        lines = str(sound.render()).splitlines()
        assert 1 < len(lines) <= 3 and all(len(line) <= sound.content_size.width for line in lines)
        shown = [part for line in lines for part in line.removesuffix(" …").split(" · ")]
        assert shown == [*([reason] if reason else []), *audio.describe_parts()][:len(shown)]
        await pilot.press("x")  # hidden: the next one under the cursor, and in words
        next_audio = suggestions.current_audio()
        next_reason = suggestions.current_reason() if suggestions.reason_column else ""
        expected = [*([next_reason] if next_reason else []),
                    *(next_audio.describe_parts() if next_audio else
                      [screen.services.audio.why_no_features(suggestions.current().uri)])]
        assert str(sound.render()) == packed(tuple(expected), sound.content_size.width, ROWS)
        await pilot.press("u")
        # narrow, the table keeps the columns the filter reads and leaves the others out
        assert {"BPM", "Energy"} <= set(suggestions.columns_shown())
        assert "Key" not in suggestions.columns_shown()
        await pilot.press("f", "0")  # f amends the filter: the cursor at its end, none selected
        assert screen.query_one(SoundFilter).value == "tempo 100-140, energy > 0.60"
        await pilot.press("ctrl+u")  # the filter cleared: BPM makes room again
        await settle(pilot)
        assert "BPM" not in suggestions.columns_shown()


@pytest.mark.asyncio
async def test_a_reason_all_suggestions_share_is_not_repeated_in_the_sound(
        audio_copy: Locations, tmp_path: Path) -> None:
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        suggestions = screen.query_one("#suggestions", TrackTable)
        await pilot.press(*"road trip")  # a name alone: the model's fallback for all of them
        await wait_for(pilot, lambda: suggestions.tracks, what="suggestions")
        await settle(pilot)
        (shared,) = set(suggestions.reasons)
        assert shared.split(": ", 1)[-1] in status(app)
        await pilot.press("escape")  # out of the name: to the suggestions (the playlist is empty)
        assert screen.focused is suggestions
        audio = suggestions.current_audio()
        first = audio.describe_parts()[0] if audio is not None else "no audio features:"
        assert str(screen.query_one(TrackSound).render()).startswith(first)
        asked = screen._request
        await pilot.press("f", *"tempo 60-200")  # under a filter too: no column of one reason
        await wait_for(pilot, lambda: screen._request > asked and suggestions.tracks
                       and screen.suggestions_shown == screen._request, what="filtered")
        (filtered,) = set(suggestions.reasons)  # the fallback's own words may differ from
        assert not suggestions.reason_column  # the first list's (it may fill 50 without
        assert "Why" not in suggestions.columns_shown()  # popularity, or not)
        assert "matching tempo 60-200 BPM" in status(app)
        assert status(app).endswith(filtered.split(": ", 1)[-1])


def test_the_sound_is_packed_in_whole_parts() -> None:
    parts = ("often with Nezalu", "151 BPM", "D minor (7A)", "energy 0.79", "valence 0.30")
    assert packed(parts, 31, 3) == ("often with Nezalu · 151 BPM\nD minor (7A) · energy 0.79\n"
                                    "valence 0.30")
    assert packed(parts, 29, 2) == "often with Nezalu · 151 BPM\nD minor (7A) · energy 0.79 …"
    assert packed(parts, 27, 2) == "often with Nezalu · 151 BPM\nD minor (7A) …"
    long_reason = ("often with A Very Long Track Name Indeed", "120 BPM")  # wrapped at words
    assert packed(long_reason, 16, 3) == "often with A\nVery Long Track\nName Indeed …"
    assert packed(long_reason, 16, 4) == "often with A\nVery Long Track\nName Indeed\n120 BPM"
    assert packed(("Supercalifragilistic", "1 BPM"), 10, 3) == "Supercali…\n1 BPM"
    assert packed(parts, 0, 3) == " · ".join(parts)  # not laid out yet: one line


@pytest.mark.asyncio
async def test_a_filter_that_cannot_be_read_says_why(audio_copy: Locations,
                                                    tmp_path: Path) -> None:
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playlist(pilot)
        before = list(screen.query_one("#suggestions", TrackTable).tracks)
        await pilot.press("escape", "f", *"tempo > fast")
        await wait_for(pilot, lambda: "filter 'tempo > fast'" in status(app), what="the error")
        assert "filter 'tempo > fast'" in status(app)
        assert screen.query_one("#filter").has_class("-invalid")
        assert screen.query_one("#suggestions", TrackTable).tracks == before
        # the status line cuts it short on a narrow screen: enter says it whole, under the
        # field, and the cursor stays to mend it; no message over the field (each enter had
        # stacked one more for 12 s), and the next key cuts it short again
        await pilot.resize_terminal(80, 24)
        for _ in range(3):
            await pilot.press("enter")
        await pilot.pause()
        assert screen.focused is screen.query_one("#filter")
        assert not [n for n in notifications(app) if "tempo > fast" in n]
        *error, shown_status = status_on_screen(app)
        assert len(error) > 2 and " ".join(error) == (
            "filter 'tempo > fast': write a feature and a value, e.g. 'tempo 150-170', "
            "'energy > 0.7', 'key 8A', or a word (acoustic, instrumental, live, spoken, "
            "danceable, energetic, happy, sad, major, minor); features: tempo, energy, "
            "danceability, valence, acousticness, instrumentalness, speechiness, liveness, "
            "loudness, duration, key")
        assert shown_status.endswith(f"suggestions from {screen.model_name}")
        assert screen.query_one("#filter").region.bottom <= screen.query_one(
            "#suggest-status").region.y  # under the field, not over it
        await pilot.press("escape")  # left: cut short again, the list's rows back
        await pilot.pause()
        assert len(status_on_screen(app)) == 2
        await pilot.press("f", "enter")
        await pilot.pause()
        assert len(status_on_screen(app)) > 3
        await pilot.press("backspace")
        await pilot.pause()
        error, _ = status_on_screen(app)
        assert error.startswith("filter 'tempo > fas': write") and error.endswith("…")
        await pilot.press("ctrl+u", *"tempo > 400")
        await wait_for(pilot, lambda: "filter 'tempo > 400'" in status(app), what="the range")
        assert status(app).startswith("filter 'tempo > 400': tempo runs from 0 to 300 BPM")
        await pilot.press("ctrl+u", *"tempo 100-140")  # read: no error left
        await wait_for(pilot, lambda: "matching tempo 100-140" in status(app), what="the filter")
        assert "filter '" not in status(app)
        assert not screen.query_one("#filter").has_class("-invalid")


@pytest.mark.asyncio
async def test_a_three_feature_filter_at_80x24_keeps_names_readable_and_its_status_end(
        audio_copy: Locations, tmp_path: Path) -> None:
    """The filter's three columns had left track and artist 5 cells and the reason 2 ("of…");
    the status line's third line was lost, with no "…" to say so."""
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playlist(pilot)
        await pilot.press("escape", "f", *"tempo 100-140, energy > 0.5, key ~12A")
        await wait_for(pilot, lambda: "matching" in status(app)
                       and screen.suggestions_shown == screen._request, what="filtered ones")
        await pilot.pause()
        suggestions = screen.query_one("#suggestions", TrackTable)
        widths = dict(suggestions.fitted)
        assert list(widths) == ["Track", "Artist", "BPM", "Key", "Energy"]
        assert widths["Track"] >= 8 and widths["Artist"] >= 8 and widths["Key"] == 7
        whole = screen.query_one(StatusLine).text
        assert "mixes with it · " in whole  # longer than the two lines it has
        lines = status_on_screen(app)
        assert len(lines) == 2 and lines[1].endswith("…")
        assert whole.startswith(" ".join(lines).removesuffix("…").strip())
        await pilot.press("ctrl+u")  # no filter: the reason's column again
        await wait_for(pilot, lambda: "Why" in suggestions.columns_shown(), what="the reason")


@pytest.mark.asyncio
async def test_in_a_40x12_pane_the_filter_and_its_status_show_while_typed(
        audio_copy: Locations, tmp_path: Path) -> None:
    """The name, the playlist, the search and the suggestions had taken every row: what was
    typed in the filter, and why it could not be read, were out of sight."""
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=(40, 12)) as pilot:
        screen = await open_playlist(pilot)
        await pilot.press("escape", "f", *"tempo > fast")
        await wait_for(pilot, lambda: "filter 'tempo > fast'" in status(app), what="the error")
        await pilot.pause()
        bottom = screen.region.bottom - 1  # the footer's row
        for part in ("#filter", "#suggest-status", "#playlist", "#suggestions"):
            region = screen.query_one(part).region
            assert region.height and region.bottom <= bottom, part
        assert status_on_screen(app)[0].startswith("filter 'tempo > fast'")
        await pilot.press("escape")  # out of the filter: the name and the search are back
        await pilot.pause()
        assert screen.query_one("#name").region.height == 1
        assert screen.query_one("#search").region.height == 1


@pytest.mark.asyncio
async def test_while_a_filter_cannot_be_read_the_suggestions_follow_the_last_one_read(
        audio_copy: Locations, tmp_path: Path) -> None:
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playlist(pilot)
        await pilot.press("escape", "f", *"tempo 100-140")
        await wait_for(pilot, lambda: "matching tempo 100-140 BPM" in status(app)
                       and screen.suggestions_shown == screen._request, what="filtered ones")
        await pilot.press(*", x", "escape")  # half typed, and left for the lists
        await wait_for(pilot, lambda: "filter 'x'" in status(app), what="the error")
        before = screen.model_name
        await pilot.press("m")  # another model: its suggestions, through the filter last read
        model = screen.model_name
        assert model != before
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request
                       and f"\n{model}: " in status(app), what="the other model's suggestions")
        text = status(app)
        assert text.startswith("filter 'x': write a feature") and "matching tempo 100-140" in text
        await pilot.pause()
        error, shown_status = status_on_screen(app)  # each on its line, neither hidden
        assert error.startswith("filter 'x': write a feature") and error.endswith("…")
        assert shown_status.startswith(f"{model}: {SUGGESTIONS} of ")
        assert "matching tempo 100-140" in shown_status
        assert screen.query_one("#suggestions").border_title == f"Suggestions · {model}"
        allowed = parse_filter("tempo 100-140").mask(app.services.audio.catalog_features())
        shown = [track.id for track in screen.query_one("#suggestions", TrackTable).tracks]
        assert shown and all(allowed[i] for i in shown)
        assert shown == [s.track.id for s in app.services.audio.suggest(
            "road trip", PLAYLIST, parse_filter("tempo 100-140"), model=model,
            k=SUGGESTIONS).suggestions if s.track.id not in PLAYLIST][:len(shown)]


@pytest.mark.asyncio
async def test_order_for_flow_with_keys(audio_copy: Locations, tmp_path: Path) -> None:
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playlist(pilot)
        first = screen.playlist[0].id
        await pilot.press("escape", "o")  # focus the playlist, then order
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OrderScreen",
                       what="the order dialog")
        await pilot.press("enter")  # the first choice: smooth
        await settle(pilot)
        ids = [t.id for t in screen.playlist]
        assert sorted(ids) == sorted(PLAYLIST) and ids[0] == first and ids != PLAYLIST
        features = app.services.audio.catalog_features()
        before, after = flow_stats(features.take(PLAYLIST)), flow_stats(features.take(ids))
        assert after.clashes <= before.clashes and after.tempo_jump <= before.tempo_jump
        assert [t.id for t in screen.query_one("#playlist", TrackTable).tracks] == ids
        assert any(n.startswith("Ordered for flow: key clashes") for n in notifications(app))


@pytest.mark.asyncio
async def test_the_order_dialog_keeps_its_keys_on_a_short_screen(audio_copy: Locations,
                                                                tmp_path: Path) -> None:
    """At 60x16 the dialog's end is cut: its keys come before the explanation (they were
    under the fold)."""
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=(60, 16)) as pilot:
        await open_playlist(pilot)
        await pilot.press("escape", "o")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OrderScreen"
                       and "Neighbours" in label_text(pilot, "#order-hint"), what="the orders")
        rows = app.screen._compositor.render_full_update().strips
        shown = " ".join("".join(strip.text for strip in row).strip("█ ") for row in rows)
        assert "enter: reorder the playlist this way (u undoes it) · escape: leave it as it is" \
            in " ".join(shown.split())


@pytest.mark.asyncio
async def test_a_playlist_opened_while_the_features_load_gets_them(audio_copy: Locations,
                                                                 tmp_path: Path) -> None:
    services, loaded = open_services(audio_copy), threading.Event()
    read_features = services.audio.catalog_features
    services.audio.catalog_features = (  # type: ignore[method-assign]
        lambda: loaded.wait(60) and read_features())
    services.playlists.save("road trip", services.catalog.tracks(PLAYLIST))
    app = make_app(audio_copy, tmp_path, services)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="the builder")
        screen = builder(app)
        await wait_for(pilot, lambda: screen.model_name is not None, what="the models")
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PlaylistsScreen",
                       what="the saved playlists")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(screen.playlist) == len(PLAYLIST), what="the playlist")
        assert not screen.with_audio and all(screen.sound.get(t.id) is None
                                             for t in screen.playlist)
        loaded.set()  # the features arrive after the playlist
        known = services.audio.audio(PLAYLIST)
        assert known[0] is not None and sum(a is not None for a in known) > len(PLAYLIST) // 2
        await wait_for(pilot, lambda: [screen.sound.get(t.id) for t in screen.playlist] == known,
                       what="their features")
        assert screen.focused is screen.query_one("#playlist", TrackTable)
        await wait_for(pilot, lambda: "BPM" in str(screen.query_one(TrackSound).render()),
                       what="the highlighted (first) track's sound")


@pytest.mark.asyncio
async def test_a_draft_read_before_the_features_and_shown_after_them_gets_them(
        audio_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The draft an app left is read in a thread as the builder opens, beside the features:
    its tracks read before the features were known (none yet) and the playlist shown after
    they came still get theirs (it showed "no audio features" and empty BPM and key cells)."""
    services, asked = open_services(audio_copy), threading.Event()
    ended = subprocess.Popen([sys.executable, "-c", "pass"])  # the app that left the draft
    ended.wait()
    write_draft(audio_copy.builder_draft_of(ended.pid),
                Draft("road trip", tuple(t.uri for t in services.catalog.tracks(PLAYLIST)),
                      pid=ended.pid))
    read_features = services.audio.catalog_features
    services.audio.catalog_features = (  # type: ignore[method-assign]
        lambda: asked.wait(60) and read_features())
    audio_of = BuilderScreen._audio_of

    def read_before_the_features(screen: BuilderScreen, tracks: list[Any]) -> list[Any]:
        audio = audio_of(screen, tracks)  # the features are not known yet: none
        asked.set()
        deadline = time.monotonic() + 60
        while not screen.with_audio and time.monotonic() < deadline:
            time.sleep(0.01)  # the playlist comes after the features
        return audio

    monkeypatch.setattr(BuilderScreen, "_audio_of", read_before_the_features)
    app = make_app(audio_copy, tmp_path, services)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="the builder")
        screen = builder(app)
        await wait_for(pilot, lambda: len(screen.playlist) == len(PLAYLIST), what="the draft")
        assert screen.with_audio
        known = services.audio.audio(PLAYLIST)
        assert sum(a is not None for a in known) > len(PLAYLIST) // 2
        await wait_for(pilot, lambda: [screen.sound.get(t.id) for t in screen.playlist] == known,
                       timeout=10, what="their features")


@pytest.mark.asyncio
async def test_without_features_there_are_no_audio_columns_and_filters_say_why(
        steady_copy: Locations, tmp_path: Path) -> None:
    app = make_app(steady_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:  # the reason and its step, all in sight
        screen = await open_playlist(pilot)
        assert not screen.with_audio
        assert "BPM" not in headers(screen.query_one("#suggestions", TrackTable))
        await pilot.press("escape", "f", *"tempo > 120")
        await wait_for(pilot, lambda: "no audio features" in status(app), what="the reason")
        shown = " ".join(status_on_screen(app))
        assert shown.startswith(f"{screen.model_name}: no audio features")
        assert "audio features step (f2)" in shown
        assert screen.query_one("#suggestions", TrackTable).tracks == []
        await pilot.press("escape", "o")
        assert any(n.startswith("No audio features yet: get them in the setup's audio "
                                "features step (f2)") for n in notifications(app))


# --- snapshots -----------------------------------------------------------------------------------

async def steady(pilot: Any) -> None:
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_builder_with_audio_and_a_filter(snap_compare: Any, audio_copy: Locations,
                                         tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await open_playlist(pilot)
        await pilot.press("escape", "f", *"tempo 100-140, energy > 0.6", "enter")
        await wait_for(pilot, lambda: "matching" in status(pilot.app), what="filtered suggestions")
        await steady(pilot)

    assert snap_compare(make_app(audio_copy, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_order_dialog(snap_compare: Any, audio_copy: Locations, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await open_playlist(pilot)
        await steady(pilot)  # no toast of the opened playlist under the dialog
        await pilot.press("escape", "o")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "OrderScreen")
        await steady(pilot)

    assert snap_compare(make_app(audio_copy, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_features_of_a_saved_playlist_follow_its_order(audio_copy: Locations) -> None:
    """`TrackFeatures.load` by URI and the catalog columns by id agree."""
    services = open_services(audio_copy)
    uris = [t.uri for t in services.catalog.tracks(PLAYLIST)]
    by_uri = TrackFeatures.load(audio_copy, uris)
    by_id = services.audio.catalog_features().take(PLAYLIST)
    for name in ("tempo", "key", "energy"):
        assert by_uri[name].tobytes() == by_id[name].tobytes()


@pytest.mark.asyncio
async def test_a_fills_the_playlist_with_the_top_suggestions_to_a_length(
        audio_copy: Locations, tmp_path: Path) -> None:
    """A asks how long; the top suggestions (through the filter) are added until the playlist
    is that long, as one change that u undoes."""
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playlist(pilot)
        had = sum(t.duration_ms for t in screen.playlist)
        await pilot.press("escape", "f", *"tempo 100-140", "escape")
        await wait_for(pilot, lambda: "matching" in status(app)
                       and screen.suggestions_shown == screen._request, what="filtered")
        await pilot.press("A")
        await wait_for(pilot, lambda: app.screen.query("#prompt-input"), what="the question")
        await pilot.press(*"10 tracks", "enter")  # the playlist has 12: said, the dialog stays
        refused = str(app.screen.query_one("#prompt-refused", Label).render())
        assert refused == "The playlist has 12 tracks already."
        await pilot.press("ctrl+u", *"2h", "enter")
        await wait_for(pilot, lambda: len(screen.playlist) > len(PLAYLIST), what="the fill")
        await settle(pilot)
        added = screen.playlist[len(PLAYLIST):]
        # said before the checks below work the fill out again (seconds on a loaded machine,
        # longer than the notice stays)
        assert notifications(app)[-1].startswith(f"{len(added)} suggestions make the playlist")
        total = had + sum(t.duration_ms for t in added)
        assert total >= 2 * 3_600_000 > total - added[-1].duration_ms  # just long enough
        allowed = parse_filter("tempo 100-140").mask(app.services.audio.catalog_features())
        assert all(allowed[t.id] for t in added)
        expected = app.services.audio.fill("road trip", PLAYLIST, parse_filter("tempo 100-140"),
                                           parse_length("2h"), (len(PLAYLIST), had),
                                           screen.model_name)
        assert added == [s.track for s in expected.found.suggestions]  # the top, in order
        assert screen.query_one("#playlist", TrackTable).audio[-1] == app.services.audio.audio(
            [added[-1].id])[0]

        await pilot.press("u")  # all of them, at once
        assert [t.id for t in screen.playlist] == PLAYLIST
        await pilot.press("A")
        await wait_for(pilot, lambda: app.screen.query("#prompt-input"), what="the question")
        assert app.screen.query_one("#prompt-input", Input).value == "2h"  # as last typed


@pytest.mark.asyncio
async def test_features_imported_in_another_terminal_reach_the_open_builder(
        audio_copy: Locations, trained_dir: Path, tmp_path: Path) -> None:
    """`mpdtui features --csv` in another terminal: the builder kept the features it had read
    (its filter matched 1 track where `mpdtui suggest` matched 2) until it was restarted."""
    import csv

    with (trained_dir / "demo-mpd" / FEATURES_CSV).open(newline="") as file:
        header, _, row, *_ = csv.reader(file)  # not the first track: the playlist has it
    row[header.index("tempo")] = "299.5"
    faster = tmp_path / "faster.csv"
    with faster.open("w", newline="") as file:
        csv.writer(file).writerows([header, row])
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_playlist(pilot)
        await pilot.press("escape", "f", *"tempo > 299")
        await wait_for(pilot, lambda: "no track matches tempo > 299" in status(app),
                       what="the filter")
        subprocess.run([sys.executable, "-m", "mpdtui", "--cache-dir", str(audio_copy.root),
                        "features", "--csv", str(faster)], check=True, capture_output=True)
        await wait_for(pilot, lambda: "only 1 track matches tempo > 299" in status(app),
                       timeout=15, what="the features imported elsewhere")


@pytest.mark.asyncio
async def test_a_restored_draft_brings_back_its_sound_filter(audio_copy: Locations,
                                                             tmp_path: Path) -> None:
    """The filter typed when the app closed comes back with the unsaved playlist, and with it
    the suggestions it filtered and the status saying so (it came back empty: the next start
    suggested unfiltered tracks, and said nothing of the filter lost)."""
    typed = "tempo 100-140, energy > 0.6"
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playlist(pilot)
        screen.query_one("#name", Input).value = "road trip 2"  # unsaved: a draft is kept
        await pilot.press("escape", "f", *typed)
        await wait_for(pilot, lambda: "matching" in status(app)
                       and screen.suggestions_shown == screen._request, what="filtered")
        said, shown = status(app), [t.id for t in screen.query_one("#suggestions", TrackTable).tracks]
        screen.keep_draft()  # as the builder's poll does, every few seconds
    app = make_app(audio_copy, tmp_path)  # the next start
    async with app.run_test(size=SIZE) as pilot:
        await builder_ready(pilot)
        screen = builder(app)
        await wait_for(pilot, lambda: len(screen.playlist) == len(PLAYLIST), what="the draft")
        assert screen.query_one(SoundFilter).value == typed
        await wait_for(pilot, lambda: status(app) == said, what="the filter's status")
        assert [t.id for t in screen.query_one("#suggestions", TrackTable).tracks] == shown
        assert f"The suggestions' filter by sound is back: '{typed}' (f changes it)." in (
            " ".join(notifications(app)))
