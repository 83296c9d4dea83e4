"""A table of tracks (title, artist, album, duration, and optionally why) with vim keys.

With `with_audio` on (the builder turns it on when audio features are known) it also shows
each track's tempo, key ("Am 8A") and, where there is room, energy. Cells hold text from the
data as plain text, never as markup.

Column widths follow the table's width (`columns.fit`): names get what their content needs,
the reason (or the track name) takes what is left, and a narrow table leaves out album, time
and the audio columns before it cuts track and artist short, but keeps the column of a feature
the builder's filter reads (`keep_columns_of`). A text cut short ends in "…".
Below 160 columns the Why column cuts most reasons short, so a table of suggestions with the
focus shows the highlighted one's whole reason in its bottom border. A reason every row shares
(a fallback's) has no column when the caller says it once elsewhere (`reason_column=False`).
Songs the playlist holds already (`mark`), in any version, read "✓ " before their name, dimmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from mpdtui.tui.text import cell_text, data_text, duration
from mpdtui.tui.widgets.columns import Column, fit

if TYPE_CHECKING:
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.data.catalog import Track

SCROLLBAR = 2  # kept free always: a scrollbar that comes and goes must not reflow the columns
UNSIZED = 200  # the width assumed before the first layout

# least and most useful widths ("C#m 12A": a key is no use cut); `drop`: left out when short
# of width, the highest first
PLAYLIST = (Column("#", 2, 3, drop=5), Column("Track", 8, 40, good=12),
            Column("Artist", 6, 24, good=10), Column("Album", 8, 24, drop=6, spare=True),
            Column("Time", 4, 5, drop=4), Column("BPM", 3, 3, drop=2, audio=True),
            Column("Key", 7, 7, drop=3, audio=True),
            Column("Energy", 6, 6, drop=1, audio=True, spare=True))  # before the album
RESULTS = (Column("Track", 10, 48, good=16), Column("Artist", 8, 28, good=12),
           Column("Album", 8, 28, drop=5),
           Column("Time", 4, 5, drop=2), Column("BPM", 3, 3, drop=3, audio=True),
           Column("Key", 7, 7, drop=4, audio=True), Column("Energy", 6, 6, drop=6, audio=True))
SUGGESTIONS = (Column("Track", 10, 48, good=16), Column("Artist", 8, 28, good=12),
               Column("Album", 8, 24, drop=7), Column("Time", 4, 5, drop=6),
               Column("BPM", 3, 3, drop=3, audio=True), Column("Key", 7, 7, drop=4, audio=True),
               Column("Energy", 6, 6, drop=5, audio=True), Column("Why", 12, 60, good=20))

Cell = Text | str

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
        self.reason_column = with_reason
        self.audio: list[TrackAudio | None] = []
        self.marked: frozenset[tuple[str, str]] = frozenset()  # songs (`Track.song`)
        self.kept: frozenset[str] = frozenset()
        self._cells: list[dict[str, Cell]] = []
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

    def show_footnote(self, text: str) -> None:
        """The bottom border says `text` when it has nothing else to say (the playlist's
        totals, where a short narrow pane has no row for them under it)."""
        if text != self.footnote:
            self.footnote = text
            self._show_reason()

    def on_resize(self, event: events.Resize) -> None:
        if self._fit() != self.fitted:
            self._draw(keep_cursor=True)

    def _fit(self) -> list[tuple[str, int]]:
        columns = [replace(c, drop=0) if c.name in self.kept else c for c in self.spec
                   if (self.with_audio or not c.audio) and (self.reason_column or c.name != "Why")]
        wanted = {c.name: max([cell_len(c.name), *(cell_len(_plain(row[c.name]))
                                                   for row in self._cells)])
                  for c in columns}
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
        for cells in self._cells:
            self.add_row(*(cells[name] for name, _ in layout))
        if keep_cursor and self.tracks:
            self.move_cursor(row=min(row, len(self.tracks) - 1))

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
        self.tracks = list(tracks)
        self.reasons = list(reasons or [])
        self.reason_column = reason_column and self.rest == "Why"
        self.audio = list(audio) if audio is not None else [None] * len(self.tracks)
        before, self._cells = self._cells, [self._row(i, t) for i, t in enumerate(self.tracks)]
        if not (keep_cursor and self._change_rows(before)):
            self._draw(keep_cursor)
        self._show_reason()

    def _change_rows(self, before: list[dict[str, Cell]]) -> bool:
        """Show `_cells` by changing only what differs, the columns staying: the rows from the
        first that differs changed in place, rows added at the end, or the one row taken out;
        False where it cannot (other columns, fewer rows by more than one). DataTable measures
        every cell of every row it adds: drawing 2,000 rows again took 0.3 s a key in the
        builder (`bench/track_table.py`)."""
        after = self._cells
        if not self.fitted or self.row_count != len(before) or self._fit() != self.fitted:
            return False
        shown = self.columns_shown()
        first = next((i for i, (old, new) in enumerate(zip(before, after, strict=False))
                      if old != new), min(len(before), len(after)))
        if len(after) < len(before):
            if len(after) != len(before) - 1 or any(
                    _unnumbered(old) != _unnumbered(new)
                    for old, new in zip(before[first + 1:], after[first:], strict=True)):
                return False
            self.remove_row(self.ordered_rows[first].key)
            before = before[:first] + before[first + 1:]  # as the table now holds them
        for row in range(first, min(len(before), len(after))):
            for column, name in enumerate(shown):
                if after[row][name] != before[row][name]:
                    self.update_cell_at(Coordinate(row, column), after[row][name])
        for cells in after[len(before):]:
            self.add_row(*(cells[name] for name in shown))
        if self.tracks:
            self.move_cursor(row=min(self.cursor_row, len(self.tracks) - 1))
        return True

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
        del self.tracks[row], self.audio[row]
        if row < len(self.reasons):
            del self.reasons[row]
        self.show(self.tracks, self.reasons, keep_cursor=True, audio=self.audio,
                  reason_column=self.reason_column)

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
            self._cells[row]["Track"] = cell
            if "Track" in shown:
                self.update_cell_at(Coordinate(row, shown.index("Track")), cell)

    def _row(self, index: int, track: Track) -> dict[str, Cell]:
        sound = self.audio[index]
        return {
            "#": str(index + 1), "Track": _cut(track.name, added=track.song in self.marked),
            "Artist": _cut(track.artist_name), "Album": _cut(track.album_name),
            "Time": duration(track.duration_ms),
            "BPM": sound.bpm_text() if sound else "", "Key": sound.key_text() if sound else "",
            "Energy": sound.energy_text() if sound else "",
            "Why": _cut(self.reasons[index] if index < len(self.reasons) else ""),
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


def _unnumbered(cells: dict[str, Cell]) -> dict[str, Cell]:
    return {name: cell for name, cell in cells.items() if name != "#"}


def _cut(data: str, added: bool = False) -> Text:
    """`cell_text`; `added`: "✓ " first, dimmed (the track is in the playlist)."""
    if not added:
        return cell_text(data)
    text = Text.assemble("✓ ", data_text(data), style="dim")
    text.overflow, text.no_wrap = "ellipsis", True
    return text


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell
