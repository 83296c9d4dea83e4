"""The track table changes only the rows that changed (a long playlist's edit took 0.3 s when
every row was drawn again), and shows exactly what drawing every row again shows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.app import App, ComposeResult

from mpdtui.data.catalog import Track
from mpdtui.tui.widgets.track_table import TrackTable

pytestmark = pytest.mark.asyncio
TRACKS = [Track(i, f"spotify:track:{i:022d}", f"Song {i}" + " la" * (i % 5), f"Artist {i % 7}",
                f"spotify:artist:{i % 7}", f"Album {i % 11}", "", 180_000 + 1000 * i, 1)
          for i in range(60)]
Change = Callable[[list[Track]], list[Track]]
CHANGES: list[tuple[str, Change, int | None]] = [  # name, change, rows made (None: all)
    ("add at the end", lambda t: [*t, TRACKS[50]], 1),
    ("take one out", lambda t: t[:7] + t[8:], 0),
    ("move one down", lambda t: [*t[:3], t[4], t[3], *t[5:]], 2),
    ("put one back in", lambda t: [*t[:7], TRACKS[49], *t[7:]], 1),
    ("put two back in", lambda t: [*t[:2], TRACKS[48], TRACKS[47], *t[2:]], 2),
    ("reverse", lambda t: t[::-1], 43),  # each of its 43 rows, in place
    ("take the last out", lambda t: t[:-1], 0),
    ("take three out", lambda t: t[3:], 0),
    ("take ten out of the middle", lambda t: t[:5] + t[15:], 0),  # an add of ten undone
    ("take most out", lambda t: t[25:], None),  # drawn again: fewer rows to draw
    ("empty", lambda t: [], None),
    ("refill", lambda t: TRACKS[:40], None),
]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TrackTable(numbered=True, id="playlist")


def shown(table: TrackTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


def drawn_again(table: TrackTable) -> list[list[str]]:
    """What drawing every row again shows."""
    names = table.columns_shown()
    return [[str(i + 1) if name == "#" else str(cells[name]) for name in names]
            for i, cells in enumerate(table._cells)]


async def test_only_the_rows_that_changed_are_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows an edit left alone keep their DataTable rows and are not made again (a
    10,000-track playlist's edit made and measured all its rows: over a second a key); the
    numbers follow the rows' places."""
    made = []
    row = TrackTable._row
    monkeypatch.setattr(TrackTable, "_row", lambda self, *args: made.append(1) or row(self, *args))
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(TrackTable)
        tracks = TRACKS[:40]
        table.show(tracks, keep_cursor=True)
        table.move_cursor(row=20)
        await pilot.pause()
        for name, change, rows_made in CHANGES:
            keys = [row.key for row in table.ordered_rows]
            cursor = table.cursor_row
            tracks = change(tracks)
            made.clear()
            table.show(tracks, keep_cursor=True)
            await pilot.pause()
            assert shown(table) == drawn_again(table), name
            assert [str(row[0]) for row in shown(table)] == [str(i + 1) for i in range(len(tracks))]
            assert table.tracks == tracks, name
            assert table.virtual_size.height == len(tracks) + table.header_height, name
            now = [row.key for row in table.ordered_rows]
            if rows_made is None:  # drawn again
                assert not set(now) & set(keys) and len(made) == len(tracks), name
            else:  # the same rows, changed in place; those taken out gone, those added new
                assert len(made) == rows_made, name
                assert len(set(now) - set(keys)) == max(0, len(now) - len(keys)), name
            if tracks:
                assert table.cursor_row == min(cursor, len(tracks) - 1), name


async def test_a_new_list_of_suggestions_is_drawn_again_from_its_top() -> None:
    """Without `keep_cursor` (a new list), every row is drawn again and the cursor goes up."""
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(TrackTable)
        table.show(TRACKS[:30])
        table.move_cursor(row=10)
        table.show(TRACKS[5:35])
        await pilot.pause()
        assert table.cursor_row == 0 and shown(table) == drawn_again(table)


@pytest.mark.parametrize(("bottom", "top"), [("G", "g"), ("end", "home")])
async def test_the_keys_of_a_lists_top_and_bottom(bottom: str, top: str) -> None:
    """`Home` / `End` scrolled the list sideways (a DataTable's own), as the saved playlists'
    list did `g` / `G` too: both go to the top / bottom of every list now."""
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(TrackTable)
        table.show(TRACKS[:20])
        table.focus()
        await pilot.pause()
        assert table.row_count == 20 and table.cursor_row == 0
        await pilot.press(bottom)
        assert table.cursor_row == 19
        await pilot.press(top)
        assert table.cursor_row == 0


LONG = [Track(i, f"spotify:track:{i:022d}", f"Song {i}", f"Artist {i % 7}",
              f"spotify:artist:{i % 7}", f"Album {i % 11}", "", 180_000, 1) for i in range(1500)]


async def test_a_long_list_says_where_the_cursor_is_when_its_numbers_are_left_out() -> None:
    """From 1,000 tracks the row numbers need 4 cells: a narrow pane (the builder's at 120x36)
    leaves them out rather than cut them ("1…"), and its top border says the cursor's row."""
    app = TableApp()
    async with app.run_test(size=(34, 20)) as pilot:
        table = app.query_one(TrackTable)
        table.name_pane("Playlist")
        table.show(LONG, keep_cursor=True)
        table.focus()
        await pilot.pause()
        assert "#" not in table.columns_shown()
        assert str(table.border_title) == "Playlist · row 1 of 1,500"
        await pilot.press("j", "j")
        assert str(table.border_title) == "Playlist · row 3 of 1,500"
        await pilot.press("G")  # whole in the border, shorter (cut: "Playlist · row 1,500 of 1,5…")
        assert str(table.border_title) == "Playlist · 1,500 of 1,500"
        await pilot.resize_terminal(120, 20)
        await pilot.pause()
        assert dict(table.fitted).get("#", 0) >= 4 and str(table.border_title) == "Playlist"


async def test_a_track_added_at_the_end_of_a_long_list_is_scrolled_into_view() -> None:
    """A track added (from the search, the suggestions) at the end of a long playlist is in
    view, and so is the cursor: left on its row above the view, it was seen again only when j
    or k jumped the view back to it (the border said "row 6 of 1,201"). It goes to the track
    added; a cursor still in view stays where it is."""
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(TrackTable)
        table.show(LONG[:1200], keep_cursor=True)
        table.move_cursor(row=5)
        await pilot.pause()
        assert table.scroll_y == 0
        table.show([*LONG[:1200], LONG[1300]], keep_cursor=True)
        await pilot.pause()
        await pilot.pause()
        top = int(table.scroll_y)
        in_view = table.size.height - table.header_height
        assert top <= 1200 < top + in_view
        assert table.cursor_row == 1200
        table.move_cursor(row=1195)  # in view with the next track added: it stays
        await pilot.pause()
        table.show([*LONG[:1200], LONG[1300], LONG[1301]], keep_cursor=True)
        await pilot.pause()
        await pilot.pause()
        top = int(table.scroll_y)
        assert top <= 1201 < top + in_view and table.cursor_row == 1195
        table.move_cursor(row=3)  # a move (J, K) is no add: the view follows the cursor
        table.show([*LONG[:1200], LONG[1301], LONG[1300]], keep_cursor=True)
        await pilot.pause()
        assert table.cursor_row == 3 and table.scroll_y < 10


async def test_a_track_added_to_a_short_list_leaves_the_cursor_where_it_is() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(TrackTable)
        table.show(LONG[:3], keep_cursor=True)
        table.move_cursor(row=1)
        await pilot.pause()
        table.show(LONG[:4], keep_cursor=True)
        await pilot.pause()
        await pilot.pause()
        assert table.cursor_row == 1 and table.scroll_y == 0


async def test_the_cursors_place_in_a_narrow_border_is_whole() -> None:
    """The builder's playlist at 80x24 is 30 columns wide: from 1,000 tracks its border read
    "Playlist · row 1 of 2,0…", the count cut. A shorter form fits whole."""
    app = TableApp()
    async with app.run_test(size=(30, 20)) as pilot:
        table = app.query_one(TrackTable)
        table.name_pane("Playlist")
        table.show(LONG, keep_cursor=True)
        await pilot.pause()
        assert str(table.border_title) == "Playlist · 1 of 1,500"
        await pilot.press("G")
        assert str(table.border_title) == "Playlist · 1,500/1,500"
        await pilot.resize_terminal(26, 20)
        await pilot.pause()
        assert str(table.border_title) == "1,500/1,500"
