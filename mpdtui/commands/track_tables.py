"""The tables of tracks `mpdtui suggest` and `mpdtui search` print: a row per track where the
terminal is wide enough, a block per track where it is not (an 80-column terminal cut every
name to one letter)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mpdtui.commands.audio import add_audio_columns, audio_cells
from mpdtui.commands.table_output import measured, natural_widths, print_whole_lines
from mpdtui.printable import printable

if TYPE_CHECKING:
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.data.catalog import Track

URI_WIDTH = 36
"""A track URI is shown whole, to copy into --seed."""

@dataclass(frozen=True)
class TrackRow:
    track: Track
    audio: TrackAudio | None = None
    score: float | None = None  # a suggestion's, on the 0-1 scale shown
    reason: str | None = None  # why it is suggested


@dataclass(frozen=True)
class _Columns:
    """Which of the optional columns a table has."""
    album: bool
    score: bool
    reason: bool
    audio: bool
    audio_inline: bool = False  # a block per track: the audio as a line of the block

    @property
    def audio_columns(self) -> bool:
        return self.audio and not self.audio_inline


def as_text(data: str) -> Text:
    """Text from data for a Rich table: control characters escaped, `[markup]` kept as typed."""
    return Text(printable(data))


def print_tracks(console: Console, title: str, rows: list[TrackRow], album: bool = False,
                 shared_reason: str | None = None) -> None:
    """A row per track in a file, a pipe or a terminal wide enough for it; otherwise a block per
    track (name, artist, album, reason and URI stacked) beside its score and audio columns.
    A reason every row shares (`shared_reason`) has no column: the caller says it once."""
    columns = _Columns(album=album, score=any(row.score is not None for row in rows),
                       reason=shared_reason is None and any(row.reason for row in rows),
                       audio=any(row.audio is not None for row in rows))
    wide = natural_widths(_row_per_track(title, rows, columns))
    if not console.is_terminal:  # every line whole
        print_whole_lines(wide, console.file)
    elif measured(wide).maximum <= console.width:
        console.print(wide)
    else:
        blocks = _block_per_track(title, rows, columns)
        if columns.audio and measured(blocks).minimum > console.width:
            inline = _Columns(album, columns.score, columns.reason, audio=True, audio_inline=True)
            blocks = _block_per_track(title, rows, inline)
        console.print(blocks)


def _row_per_track(title: str, rows: list[TrackRow], columns: _Columns) -> Table:
    table = Table(title=as_text(title))
    names = ("#", "track", "artist", *(("album",) if columns.album else ()),
             *(("score",) if columns.score else ()), *(("why",) if columns.reason else ()))
    for name in names:
        table.add_column(name)
    if columns.audio:
        add_audio_columns(table)
    table.add_column("uri", no_wrap=True, min_width=URI_WIDTH)
    for rank, row in enumerate(rows, 1):
        track = row.track
        cells: list[Text | str] = [str(rank), as_text(track.name), as_text(track.artist_name)]
        if columns.album:
            cells.append(as_text(track.album_name))
        if columns.score:
            cells.append(_score(row))
        if columns.reason:
            cells.append(as_text(row.reason or ""))
        table.add_row(*cells, *_audio(row, columns.audio), as_text(track.uri))
    return table


def _block_per_track(title: str, rows: list[TrackRow], columns: _Columns) -> Table:
    """Audio in columns beside the block, or as a line of it where the columns would not fit."""
    table = Table(title=as_text(title), box=box.SIMPLE_HEAD, show_lines=True, pad_edge=False,
                  collapse_padding=True)
    table.add_column("#", justify="right")
    stacked = ["track", "artist", *(["album"] if columns.album else []),
               *(["why"] if columns.reason else []), "uri"]
    table.add_column(", ".join(stacked), min_width=URI_WIDTH, overflow="fold")
    if columns.score:
        table.add_column("score", justify="right")
    if columns.audio_columns:
        add_audio_columns(table)
    for rank, row in enumerate(rows, 1):
        score = (_score(row),) if columns.score else ()
        table.add_row(str(rank), _block(row, columns), *score,
                      *_audio(row, columns.audio_columns))
    return table


def _block(row: TrackRow, columns: _Columns) -> Text:
    track = row.track
    block = Text(printable(track.name), style="bold")
    block.append("\n" + printable(track.artist_name))
    if columns.album:
        block.append("\n" + printable(track.album_name))
    if columns.audio_inline:
        block.append("\n" + _audio_line(row))
    if columns.reason:
        block.append("\n" + printable(row.reason or ""), style="italic")
    block.append("\n" + track.uri, style="dim")
    return block


def _score(row: TrackRow) -> str:
    return "" if row.score is None else f"{row.score:.2f}"


def _audio_line(row: TrackRow) -> str:
    """"2:28 · 107 BPM · G major 9B · energy 0.83", what is known of it."""
    time, bpm, key, energy = audio_cells(row.track.duration_ms, row.audio)
    parts = (time, bpm and f"{bpm} BPM", key, energy and f"energy {energy}")
    return " · ".join(part for part in parts if part) or "no audio features"


def _audio(row: TrackRow, shown: bool) -> tuple[str, ...]:
    return audio_cells(row.track.duration_ms, row.audio) if shown else ()
