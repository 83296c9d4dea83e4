"""A table of tracks (title, artist, album, duration, and optionally why) with vim keys.

With `with_audio` on (the builder's, when audio features are known) it also shows each
track's tempo, key ("Am 8A") and, where there is room, energy. Cells hold data as plain text.

Column widths follow the table's width (`columns.fit`): names get what their content needs,
the reason (or the track name) takes what is left, and a narrow table leaves out album, time
and the audio columns before it cuts track and artist short, but keeps the column of a feature
the builder's filter reads (`keep_columns_of`); results show them only beside whole names,
suggestions their album and time beside a whole reason too, which is cut first. A text cut
short ends in "…"; the suggestions with the focus show the highlighted one's whole reason in
their border. A reason all rows share has no column when the caller says it elsewhere.
Songs the playlist holds already (`mark`), in any version, read "✓ " before their name, dimmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, CellType, RowKey

from mpdtui.tui.text import cell_text, data_text, duration
from mpdtui.tui.widgets.columns import Column, fit
from mpdtui.tui.widgets.table_rows import NUMBER, ContentWidths, changed_span, place_title

if TYPE_CHECKING:
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.data.catalog import Track

SCROLLBAR = 2  # kept free always: a scrollbar that comes and goes must not reflow the columns
UNSIZED = 200  # the width assumed before the first layout

# least and most useful widths ("C#m 12A": a key is no use cut); `drop`: left out when short
# of width, the highest first
PLAYLIST = (Column("#", 2, 6, drop=5), Column("Track", 8, 40, good=12),
            Column("Artist", 6, 24, good=10), Column("Album", 8, 24, drop=6, spare=True),
            Column("Time", 4, 5, drop=4), Column("BPM", 3, 3, drop=2, audio=True),
            Column("Key", 7, 7, drop=3, audio=True),
            Column("Energy", 6, 6, drop=1, audio=True, spare=True))  # before the album
RESULTS = (Column("Track", 10, 48, good=48), Column("Artist", 8, 28, good=28),  # whole
           Column("Album", 8, 28, drop=5),
           Column("Time", 4, 5, drop=2), Column("BPM", 3, 3, drop=3, audio=True),
           Column("Key", 7, 7, drop=4, audio=True), Column("Energy", 6, 6, drop=6, audio=True))
SUGGESTIONS = (Column("Track", 10, 48, good=16), Column("Artist", 8, 28, good=12),
               Column("Album", 8, 24, drop=7, spare=True), Column("Time", 4, 5, drop=6, spare=True),
               Column("BPM", 3, 3, drop=3, audio=True), Column("Key", 7, 7, drop=4, audio=True),
               Column("Energy", 6, 6, drop=5, audio=True),
               Column("Why", 12, 60, good=20, yields=True))  # cut first: the border says it

Cell = Text | str
Row = tuple["Track", "TrackAudio | None", str]  # a row's track, its features, its reason

# the column that shows what a filter on a feature reads: kept however narrow the table
FEATURE_COLUMNS = {"tempo": "BPM", "key": "Key", "mode": "Key", "energy": "Energy",
                   "duration_ms": "Time"}


class TrackTable(DataTable):
    """Rows are tracks; `tracks` holds them in row order, `audio` their features (or None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g,home", "scroll_top", "Top", show=False),  # not the DataTable's sideways
        Binding("G,end", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(self, *, with_reason: bool = False, numbered: bool = False,
                 id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.spec = PLAYLIST if numbered else SUGGESTIONS if with_reason else RESULTS
        self.rest = "Why" if with_reason else "Track"
        self.with_audio = False
        self.tracks: list[Track] = []
        self.reasons: list[str] = []
        self.empty_text = ""
        """What the bottom border says while there are no rows (why a search found none)."""
        self.footnote = ""
        """What it says when there is nothing else to say (`show_footnote`)."""
        self.pane_title = ""
        """A numbered table's top border (`name_pane`): with the cursor's place where the
        column of row numbers is left out (a narrow pane)."""
        self.reason_column = with_reason
        self.audio: list[TrackAudio | None] = []
        self.marked: frozenset[tuple[str, str]] = frozenset()  # songs (`Track.song`)
        self.kept: frozenset[str] = frozenset()
        self._rows: list[Row] = []  # what each row shows, to find what an edit changed
        self._cells: list[dict[str, Cell]] = []  # but the row numbers (`NUMBER`)
        self._keys: list[RowKey] = []  # the DataTable's, in row order
        self._widths = ContentWidths()
        self.fitted: list[tuple[str, int]] = []

    class EnterWithoutRows(Message):
        """Enter on the table while it has no rows (DataTable says nothing then)."""

        def __init__(self, table: TrackTable) -> None:
            super().__init__()
            self.table = table

    class ScrolledToEnd(Message):
        """The view reached the last row by scrolling (the mouse wheel, the scroll bar), the
        cursor left where it was."""

        def __init__(self, table: TrackTable) -> None:
            super().__init__()
            self.table = table

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value > old_value and new_value >= self.max_scroll_y > 0:
            self.post_message(self.ScrolledToEnd(self))

    def action_select_cursor(self) -> None:
        if not self.row_count:
            self.post_message(self.EnterWithoutRows(self))
        super().action_select_cursor()

    def on_mount(self) -> None:
        self._draw()

    # these handlers run before Widget's own, which set `has_focus`
    def on_focus(self) -> None:
        self._show_reason(focused=True)

    def on_blur(self) -> None:
        self._show_reason(focused=False)

    def on_data_table_row_highlighted(self) -> None:
        self._show_reason()

    def _show_reason(self, focused: bool | None = None) -> None:
        has_focus = self.has_focus if focused is None else focused
        reason = self.current_reason() if has_focus and self.reason_column else ""
        said = f"why: {reason}" if reason else "" if self.tracks else self.empty_text
        said = said or self.footnote
        self.border_subtitle = data_text(said) if said else None
        self._show_place()

    def name_pane(self, title: str) -> None:
        """`title` in the top border, with the cursor's row where row numbers are not shown."""
        self.pane_title = title
        self._show_place()

    def _show_place(self) -> None:
        if not self.pane_title:
            return
        numbers_left_out = self.spec is PLAYLIST and NUMBER not in self.columns_shown()
        self.border_title = (place_title(self.pane_title, self.cursor_row + 1, len(self.tracks),
                                         self.outer_size.width) if numbers_left_out
                             and self.current() is not None else self.pane_title)

    def show_footnote(self, text: str) -> None:
        """The bottom border says `text` when it has nothing else to say (the playlist's
        totals, where a short narrow pane has no row for them under it)."""
        if text != self.footnote:
            self.footnote = text
            self._show_reason()

    def on_resize(self, event: events.Resize) -> None:
        if self._fit() != self.fitted:
            self._draw(keep_cursor=True)
        self._show_place()  # in the border's width

    def _fit(self) -> list[tuple[str, int]]:
        columns = [replace(c, drop=0) if c.name in self.kept else c for c in self.spec
                   if (self.with_audio or not c.audio) and (self.reason_column or c.name != "Why")]
        digits = len(str(len(self._cells)))  # a row number cut short ("1…") says nothing:
        columns = [replace(c, least=max(c.least, digits)) if c.name == NUMBER else c
                   for c in columns]  # whole, or left out (the place in the top border)
        wanted = {c.name: max(cell_len(c.name), self._widths.widest(c.name)) for c in columns}
        if NUMBER in wanted:
            wanted[NUMBER] = max(wanted[NUMBER], digits)
        width = self.size.width - SCROLLBAR if self.size.width else UNSIZED
        rest = self.rest if self.reason_column else "Track"
        layout = fit(columns, wanted, width, rest)
        why = next((c for c in columns if c.name == "Why"), None)
        if self.kept and why is not None and dict(layout).get("Why", why.least) < why.least:
            # the columns a filter reads, where the reason would be cut to "of…": they take
            # its place, and track and artist keep readable widths (the border and the sound
            # under the playlist give the highlighted one's reason)
            layout = fit([c for c in columns if c is not why], wanted, width)
        return layout

    def _draw(self, keep_cursor: bool = False) -> None:
        """Columns for the current width, then the rows."""
        row = self.cursor_row
        layout = self._fit()
        if layout != self.fitted:
            self.clear(columns=True)
            for name, width in layout:
                self.add_column(name, width=width, key=name)
            self.fitted = layout
        else:
            self.clear()
        self._keys = [self.add_row(*(cells.get(name, "") for name, _ in layout))
                      for cells in self._cells]
        if keep_cursor and self.tracks:
            self.move_cursor(row=min(row, len(self.tracks) - 1))
        self._show_place()

    def columns_shown(self) -> list[str]:
        return [name for name, _ in self.fitted]

    def set_audio(self, on: bool) -> None:
        """Show (or hide) the audio columns."""
        if on == self.with_audio:
            return
        self.with_audio = on
        self.show(self.tracks, self.reasons, keep_cursor=True, audio=self.audio,
                  reason_column=self.reason_column)

    def show(self, tracks: Sequence[Track], reasons: Sequence[str] | None = None,
             keep_cursor: bool = False, audio: Sequence[TrackAudio | None] | None = None, *,
             reason_column: bool = True) -> None:
        """Show these tracks; `keep_cursor`: the same list edited (the cursor stays on its
        row), where only the rows that changed are changed."""
        self.tracks = list(tracks)
        self.reasons = list(reasons or [])
        reason_column = reason_column and self.rest == "Why"
        self.audio = list(audio) if audio is not None else [None] * len(self.tracks)
        rows: list[Row] = [(track, sound, self.reasons[i] if i < len(self.reasons) else "")
                           for i, (track, sound) in enumerate(zip(self.tracks, self.audio,
                                                                  strict=True))]
        edit = keep_cursor and reason_column == self.reason_column
        self.reason_column = reason_column
        added_at_end = (edit and self.spec is PLAYLIST and len(self._rows) < len(rows)
                        and self._rows[-1:] == rows[len(self._rows) - 1:len(self._rows)]
                        and self._rows[:1] == rows[:1])
        if not (edit and self._change_rows(rows)):
            self._rows, self._cells = rows, [self._row(row) for row in rows]
            self._widths = ContentWidths(self._cells)
            self._draw(keep_cursor)
        if added_at_end:  # a track added from the search or the suggestions: shown
            self.call_after_refresh(self._bring_into_view, len(rows) - 1)
        self._show_reason()

    def _bring_into_view(self, row: int) -> None:
        """Scroll the view to the row; the cursor stays while in view, else goes to the row
        (a cursor out of view was found again only by j / k jumping the view back to it)."""
        if not self.is_valid_row_index(row):
            return
        _, _, _, left = spacing = self._get_fixed_offset()
        _, y, width, height = self._get_row_region(row)
        self.scroll_to_region(Region(int(self.scroll_x) + left, y, width - left, height),
                              animate=False, spacing=spacing, force=True)
        top = int(self.scroll_y)
        rows_in_view = self.size.height - (self.header_height if self.show_header else 0)
        if not top <= self.cursor_row < top + rows_in_view:
            self.move_cursor(row=row)

    def _change_rows(self, rows: list[Row]) -> bool:
        """Show `rows` by changing only the rows that changed, the columns staying: the cells
        that differ changed in place, rows taken out, rows added (and put in their place),
        or every row drawn again where the columns' widths change; False where it cannot
        (most of its rows taken out, a table not drawn yet). DataTable measures every
        cell of every row it adds: drawing a 10,000-track playlist again took over a second
        a key in the builder (`bench/track_table.py`)."""
        before = self._rows
        if not self.fitted or self.row_count != len(before) or len(self._keys) != len(before):
            return False
        first, same = changed_span(before, rows)
        gone, came = len(before) - same - first, len(rows) - same - first
        if gone - came > len(rows):
            return False  # fewer rows to draw than to take out
        old = self._cells[first:first + gone]
        new = [self._row(row) for row in rows[first:first + came]]
        self._widths.remove(old)
        self._widths.add(new)
        self._rows = rows
        self._cells[first:first + gone] = new
        if self._fit() != self.fitted:  # other widths: every row drawn again
            self._draw(keep_cursor=True)
            return True
        shown = [name for name in self.columns_shown() if name != NUMBER]
        keys = self._keys[first:first + gone]
        for key, was, cells in zip(keys, old, new, strict=False):
            for name in shown:
                if cells[name] != was[name]:
                    self.update_cell(key, name, cells[name])
        added = [self.add_row(*(cells.get(name, "") for name in self.columns_shown()))
                 for cells in new[gone:]]
        self._keys[first:first + gone] = keys[:came] + added
        if keys[came:]:
            self._take_out(keys[came:])
        elif added and same:  # added at the end: in their place now
            self._put_in_order()
        if self.tracks:
            self.move_cursor(row=min(self.cursor_row, len(self.tracks) - 1))
        return True

    def _put_in_order(self) -> None:
        """The rows in the order of `_keys`, as `DataTable.sort` orders them (no row is added
        anywhere but at the end otherwise)."""
        self._row_locations = TwoWayDict({key: row for row, key in enumerate(self._keys)})
        self._update_count += 1
        self.refresh()

    def _take_out(self, keys: list[RowKey]) -> None:
        """`DataTable.remove_row` for these rows at once, the others in the order of `_keys`:
        it renumbers every row for each row it takes out (tens of ms at 10,000 rows)."""
        for key in keys:
            for column in self._data[key]:
                self._updated_cells.discard(CellKey(key, column))
            del self.rows[key], self._data[key]
        self._put_in_order()
        self._require_update_dimensions = True  # the table's height (`_on_idle`)
        self.check_idle()
        self.cursor_coordinate = self.cursor_coordinate  # within the rows left
        self.hover_coordinate = self.hover_coordinate
        self.refresh(layout=True)

    def get_row_at(self, row_index: int) -> list[CellType]:
        """The row's cells, its number (`NUMBER`) the row's place now: what the table draws."""
        cells = super().get_row_at(row_index)
        if self.fitted and self.fitted[0][0] == NUMBER:
            cells[0] = str(row_index + 1)
        return cells

    def keep_columns_of(self, features: Iterable[str]) -> None:
        """Show the columns of these features (those a filter reads) whatever the width: a
        tempo filter's results with their BPM."""
        kept = frozenset(FEATURE_COLUMNS[f] for f in features if f in FEATURE_COLUMNS)
        if kept != self.kept:
            self.kept = kept
            self._draw(keep_cursor=True)

    def drop_current(self) -> None:
        """Take the highlighted row out; the cursor goes to the one that follows."""
        row = self.cursor_row
        if self.current() is None:
            return
        tracks, audio, reasons = list(self.tracks), list(self.audio), list(self.reasons)
        del tracks[row], audio[row]
        if row < len(reasons):
            del reasons[row]
        self.show(tracks, reasons, keep_cursor=True, audio=audio, reason_column=self.reason_column)

    def mark(self, tracks: Iterable[Track]) -> None:
        """Mark the songs of these tracks (those in the playlist) where they are listed, in
        whichever version."""
        marked = frozenset(track.song for track in tracks)
        changed = [row for row, track in enumerate(self.tracks)
                   if (track.song in marked) != (track.song in self.marked)]
        self.marked = marked
        shown = self.columns_shown()
        for row in changed:  # those cells only: a redraw of every row took tens of ms an add
            cell = _cut(self.tracks[row].name, added=self.tracks[row].song in marked)
            self._widths.remove([{"Track": self._cells[row]["Track"]}])
            self._widths.add([{"Track": cell}])
            self._cells[row]["Track"] = cell
            if "Track" in shown:
                self.update_cell_at(Coordinate(row, shown.index("Track")), cell)

    def _row(self, row: Row) -> dict[str, Cell]:
        track, sound, reason = row
        return {
            "Track": _cut(track.name, added=track.song in self.marked),
            "Artist": _cut(track.artist_name), "Album": _cut(track.album_name),
            "Time": duration(track.duration_ms),
            "BPM": sound.bpm_text() if sound else "", "Key": sound.key_text() if sound else "",
            "Energy": sound.energy_text() if sound else "",
            "Why": _cut(reason),
        }

    def current(self) -> Track | None:
        """The highlighted track, if any."""
        if not self.tracks or not 0 <= self.cursor_row < len(self.tracks):
            return None
        return self.tracks[self.cursor_row]

    def current_audio(self) -> TrackAudio | None:
        """The highlighted track's features, if known."""
        if self.current() is None:
            return None
        return self.audio[self.cursor_row]

    def current_reason(self) -> str:
        """Why the highlighted track is suggested ("" when not a suggestion)."""
        row = self.cursor_row
        return self.reasons[row] if self.current() is not None and row < len(self.reasons) else ""


def _cut(data: str, added: bool = False) -> Text:
    """`cell_text`; `added`: "✓ " first, dimmed (the track is in the playlist)."""
    if not added:
        return cell_text(data)
    text = Text.assemble("✓ ", data_text(data), style="dim")
    text.overflow, text.no_wrap = "ellipsis", True
    return text
