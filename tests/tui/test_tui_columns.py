"""Column widths that follow the table's width (`mpdtui.tui.widgets.columns.fit`)."""

from __future__ import annotations

import pytest

from mpdtui.tui.widgets.columns import CELL_PADDING, Column, fit
from mpdtui.tui.widgets.track_table import PLAYLIST, SUGGESTIONS

WANTED = {"Track": 30, "Artist": 16, "Album": 20, "Time": 4, "Why": 40, "#": 2}
PLAIN = [c for c in SUGGESTIONS if not c.audio]


def used(layout: list[tuple[str, int]]) -> int:
    return sum(width + CELL_PADDING for _, width in layout)


def test_a_wide_table_shows_whole_names_and_the_reason_takes_the_rest() -> None:
    layout = dict(fit(PLAIN, WANTED, 150, rest="Why"))
    assert layout["Track"] == 30 and layout["Artist"] == 16 and layout["Album"] == 20
    assert layout["Why"] > 40
    assert used(list(layout.items())) == 150  # no column of empty space


def test_a_narrow_table_leaves_out_album_and_time_before_cutting_names() -> None:
    layout = fit(PLAIN, WANTED, 46, rest="Why")
    assert [name for name, _ in layout] == ["Track", "Artist", "Why"]
    assert used(layout) == 46
    widths = dict(layout)
    assert widths["Track"] >= 10 and widths["Artist"] >= 8 and widths["Why"] >= 12


def test_short_of_room_widths_are_shared_by_what_each_column_wants() -> None:
    columns = [Column("Track", 10, 48), Column("Artist", 8, 28)]
    layout = dict(fit(columns, {"Track": 40, "Artist": 8}, 34))
    assert layout == {"Track": 22, "Artist": 8}  # 34 less padding; the artist wants no more


def test_the_playlist_keeps_track_and_artist_in_a_quarter_of_80_columns() -> None:
    layout = fit(PLAYLIST, WANTED, 24, rest="Track")
    names = [name for name, _ in layout]
    assert "Track" in names and "Artist" in names and used(layout) <= 24
    assert dict(layout)["Artist"] >= 6


@pytest.mark.parametrize(("width", "album"), [(63, False), (88, True)])
def test_the_playlists_album_shows_only_where_its_names_are_whole(width: int,
                                                                  album: bool) -> None:
    """Its pane at 160 columns (63 cells): the album had cut track names short; at 220 (88
    cells) there is room for it too (at 200, 80 cells, for the energy before it)."""
    wanted = {"#": 1, "Track": 22, "Artist": 8, "Album": 13, "Time": 4, "BPM": 3, "Key": 7}
    layout = dict(fit(PLAYLIST, wanted, width, rest="Track"))
    assert layout["Track"] >= 22 and layout["Artist"] == 8 and "Key" in layout
    assert ("Album" in layout) == album and layout.get("Album", 13) >= 13


def test_audio_columns_go_before_track_artist_and_reason() -> None:
    wanted = {**WANTED, "BPM": 3, "Key": 6, "Energy": 6}
    names = [name for name, _ in fit(SUGGESTIONS, wanted, 60, rest="Why")]
    assert names[:2] == ["Track", "Artist"] and names[-1] == "Why"
    assert "Album" not in names


def test_a_short_artist_is_whole_before_a_long_title_takes_the_rest() -> None:
    columns = [Column("Track", 8, 40), Column("Artist", 6, 24)]
    layout = dict(fit(columns, {"Track": 21, "Artist": 7}, 26, rest="Track"))
    assert layout == {"Track": 15, "Artist": 7}


def test_track_artist_and_reason_are_served_before_the_album() -> None:
    layout = dict(fit(PLAIN, {"Track": 30, "Artist": 16, "Album": 30, "Time": 4, "Why": 34},
                      104, rest="Why"))
    assert layout["Track"] == 30 and layout["Artist"] == 16 and layout["Why"] >= 34
    assert layout["Album"] < 30


@pytest.mark.parametrize("width", [31, 20, 12])
def test_a_table_narrower_than_its_least_widths_cuts_the_reason_first(width: int) -> None:
    """A split pane of 64 columns gives the suggestions 31 cells: the reason had been clipped
    at the border ("fits th") behind a horizontal scrollbar."""
    layout = fit(SUGGESTIONS, WANTED, width, rest="Why")
    widths = dict(layout)
    assert list(widths) == ["Track", "Artist", "Why"]
    assert used(layout) <= max(width, 3 * (3 + CELL_PADDING))  # the narrowest: 3 cells each
    assert widths["Why"] == 3 or (widths["Track"], widths["Artist"]) == (10, 8)  # it gives first
    assert min(widths.values()) >= 3


@pytest.mark.parametrize(("width", "shown"), [(63, []), (71, ["Energy"]),
                                              (87, ["Album", "Energy"])])
def test_the_playlists_energy_shows_where_its_names_are_whole_before_the_album(
        width: int, shown: list[str]) -> None:
    """README says the builder's lists have an Energy column: the playlist had none."""
    wanted = {"#": 1, "Track": 22, "Artist": 8, "Album": 13, "Time": 4, "BPM": 3, "Key": 7,
              "Energy": 6}
    layout = dict(fit(PLAYLIST, wanted, width, rest="Track"))
    assert layout["Track"] >= 22 and layout["Artist"] == 8 and "Key" in layout
    assert [name for name in ("Album", "Energy") if name in layout] == shown
