"""The table `mpdtui suggest` prints: a row per track where the terminal is wide enough, a
block per track where it is not (an 80-column terminal cut every name to one letter)."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from mpdtui.audio.describe import TrackAudio
from mpdtui.commands.audio import add_audio_columns, audio_cells
from mpdtui.printable import printable
from mpdtui.services.suggester import Suggestion

URI_WIDTH = 36
"""A track URI is shown whole, to copy into --seed."""

_MEASURE_WIDTH = 10_000
"""Room enough to measure a table's natural width (a console clamps measures to its own)."""


def as_text(data: str) -> Text:
    """Text from data for a Rich table: control characters escaped, `[markup]` kept as typed."""
    return Text(printable(data))


def print_suggestions(console: Console, title: str, suggestions: list[Suggestion],
                      scores: list[float], audio: list[TrackAudio | None],
                      shared_reason: str | None) -> None:
    """A row per track in a file, a pipe or a terminal wide enough for it; otherwise a block per
    track (name, artist, reason and URI stacked) beside its score and audio columns."""
    with_audio = any(sound is not None for sound in audio)
    rows = list(zip(suggestions, scores, audio, strict=True))
    wide = _row_per_track(title, rows, with_audio, shared_reason)
    if not console.is_terminal:  # every line whole
        Console(file=console.file, width=_measure(wide).maximum).print(wide)
    elif _measure(wide).maximum <= console.width:
        console.print(wide)
    else:
        blocks = _block_per_track(title, rows, with_audio, shared_reason, audio_inline=False)
        if with_audio and _measure(blocks).minimum > console.width:
            blocks = _block_per_track(title, rows, with_audio, shared_reason, audio_inline=True)
        console.print(blocks)


def _measure(table: Table) -> Measurement:
    return Console(width=_MEASURE_WIDTH).measure(table)


_Row = tuple[Suggestion, float, TrackAudio | None]


def _row_per_track(title: str, rows: list[_Row], with_audio: bool,
                   shared_reason: str | None) -> Table:
    table = Table(title=as_text(title))
    for column in ("#", "track", "artist", "score", *(("why",) if shared_reason is None else ())):
        table.add_column(column)
    if with_audio:
        add_audio_columns(table)
    table.add_column("uri", no_wrap=True, min_width=URI_WIDTH)
    for rank, (s, score, sound) in enumerate(rows, 1):
        why = (as_text(s.reason),) if shared_reason is None else ()
        table.add_row(str(rank), as_text(s.track.name), as_text(s.track.artist_name),
                      f"{score:.2f}", *why, *_audio(s, sound, with_audio), as_text(s.track.uri))
    return table


def _block_per_track(title: str, rows: list[_Row], with_audio: bool, shared_reason: str | None,
                     audio_inline: bool) -> Table:
    """Audio in columns beside the block, or as a line of it where the columns would not fit."""
    table = Table(title=as_text(title), box=box.SIMPLE_HEAD, show_lines=True, pad_edge=False,
                  collapse_padding=True)
    table.add_column("#", justify="right")
    table.add_column("track, artist, why, uri" if shared_reason is None else "track, artist, uri",
                     min_width=URI_WIDTH, overflow="fold")
    table.add_column("score", justify="right")
    columns = with_audio and not audio_inline
    if columns:
        add_audio_columns(table)
    for rank, (s, score, sound) in enumerate(rows, 1):
        block = Text(printable(s.track.name), style="bold")
        block.append("\n" + printable(s.track.artist_name))
        if with_audio and audio_inline:
            block.append("\n" + _audio_line(s, sound))
        if shared_reason is None:
            block.append("\n" + printable(s.reason), style="italic")
        block.append("\n" + s.track.uri, style="dim")
        table.add_row(str(rank), block, f"{score:.2f}", *_audio(s, sound, columns))
    return table


def _audio_line(suggestion: Suggestion, sound: TrackAudio | None) -> str:
    """"2:28 · 107 BPM · G major 9B · energy 0.83", what is known of it."""
    time, bpm, key, energy = audio_cells(suggestion.track.duration_ms, sound)
    parts = (time, bpm and f"{bpm} BPM", key, energy and f"energy {energy}")
    return " · ".join(part for part in parts if part) or "no audio features"


def _audio(suggestion: Suggestion, sound: TrackAudio | None, with_audio: bool) -> tuple[str, ...]:
    return audio_cells(suggestion.track.duration_ms, sound) if with_audio else ()
