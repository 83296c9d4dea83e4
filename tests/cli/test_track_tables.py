"""The tables of `mpdtui suggest` and `mpdtui search`: a row per track where it fits, a block
per track in a narrower terminal (audio in columns, or in the block below that), every line
whole in a file."""

from __future__ import annotations

import io
import re
import sys
from unittest.mock import Mock

import pytest
from rich import box
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from mpdtui.audio.describe import TrackAudio
from mpdtui.audio.keys import camelot, key_name
from mpdtui.commands import table_output
from mpdtui.commands.table_output import measured, natural_widths, print_table, print_whole_lines
from mpdtui.commands.track_tables import TrackRow, print_tracks
from mpdtui.data.catalog import Track

NAMES = [("Lose Yourself - From \"8 Mile\" Soundtrack", "Eminem"),
         ("Don't Stop Me Now - Remastered 2011", "Queen"),
         ("[bold]Mr. Brightside[/bold]", "The Killers")]  # markup in data is text
LONGEST_KEY = max(range(24), key=lambda code: len(f"{key_name(code)} {camelot(code)}"))
URI = re.compile(r"spotify:track:[A-Za-z0-9]{22}")


def _tracks() -> list[Track]:
    return [Track(i, f"spotify:track:{chr(65 + i) * 22}", name, artist,
                  f"spotify:artist:{'a' * 22}", f"Album {i}", f"spotify:album:{'b' * 22}",
                  200_000 + 1000 * i, 10)
            for i, (name, artist) in enumerate(NAMES)]


AUDIO = [TrackAudio(171.4, LONGEST_KEY, 0.91), None, TrackAudio(148.0, 3, 0.55)]


def _printed(width: int, terminal: bool = True, audio: bool = True, shared: str | None = None,
             suggested: bool = True) -> list[str]:
    """Three suggestions (score and reason), or three search results (album, neither)."""
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, color_system=None)
    scores = [1.0, 0.5, 0.25]
    rows = [TrackRow(track, sound if audio else None,
                     *((score, f"often with seed {i}") if suggested else ()))
            for i, (track, sound, score) in enumerate(zip(_tracks(), AUDIO, scores, strict=True))]
    print_tracks(console, "suggestions for 'x'", rows, album=not suggested, shared_reason=shared)
    return out.getvalue().splitlines()


def _words(lines: list[str]) -> set[str]:
    return {word for line in lines for word in line.split()}


@pytest.mark.parametrize("width", [200, 80, 60, 50])
def test_every_name_uri_and_value_is_whole_at_any_width(width: int) -> None:
    lines = _printed(width)
    assert max(len(line) for line in lines) <= width
    assert [URI.search(line)[0] for line in lines if URI.search(line)] == [  # type: ignore[index]
        track.uri for track in _tracks()]  # whole, in rank order
    words = _words(lines)
    for name, artist in NAMES:
        assert set(f"{name} {artist}".split()) <= words, name
    assert {"often", "seed", "1.00", "0.50", "0.25", "171", "148", "0.91", "0.55", "3:20",
            *camelot(LONGEST_KEY).split()} <= words
    assert not any("…" in line for line in lines)


def test_a_wide_terminal_gets_a_row_per_track_a_narrow_one_a_block() -> None:
    wide = _printed(200)
    assert sum(bool(URI.search(line)) and "Eminem" in line for line in wide) == 1
    narrow = _printed(80)
    eminem = next(i for i, line in enumerate(narrow) if "Eminem" in line)
    assert URI.search(narrow[eminem + 2])  # name, artist, reason, URI stacked
    assert "BPM" in narrow[narrow.index(next(line for line in narrow if "track, artist" in line))]
    assert not any("BPM ·" in line for line in narrow)  # the audio has its columns at 80
    assert any("171 BPM · " in line for line in _printed(50))  # a line of the block at 50


def test_a_file_or_a_pipe_gets_every_row_on_one_line_whatever_its_width() -> None:
    lines = _printed(40, terminal=False)
    for track in _tracks():
        assert sum(track.uri in line and track.artist_name in line for line in lines) == 1


def test_a_table_printed_whole_is_as_rich_would_print_it_at_its_measured_width() -> None:
    """Widths fixed from the cells' text (Rich measured every cell twice: seconds for a
    10,000-row table) print the very lines of Rich's own measure: wide characters, markup in
    the data, a column's least width, a header wider than its cells."""
    def table() -> Table:
        made = Table("#", Column("a long header", justify="right"), "name", title=Text("t"))
        made.add_column("uri", min_width=30)
        for n, name in enumerate(["東京 Tokyo", "[bold]x[/bold]", "🎧 mix", "plain"]):
            made.add_row(str(n), "1", Text(name), f"spotify:track:{n}")
        return made

    expected, printed = io.StringIO(), io.StringIO()
    Console(file=expected, width=measured(table()).maximum).print(table())
    print_whole_lines(table(), printed)
    assert printed.getvalue() == expected.getvalue()
    fixed = natural_widths(table())
    assert [column.width for column in fixed.columns] == [1, 13, 14, 30]
    assert measured(fixed).maximum == measured(table()).maximum


def _shapes() -> list[Table]:
    """Tables as the commands print them, and the odd ones: every box, no edge, each
    justification, a title longer than the table (wrapped), none, no rows, markup and emoji
    codes in str cells (read as Rich reads them), text ending in spaces."""
    made = []
    for box_ in (box.HEAVY_HEAD, box.SIMPLE_HEAD, box.ROUNDED, box.MINIMAL):
        for edge in (True, False):
            table = Table("#", Column("time", justify="right"), Column("key", justify="center"),
                          title=Text("a title longer than the table is wide " * 3), box=box_,
                          show_edge=edge)
            table.add_column("uri", no_wrap=True)
            for n, name in enumerate(["東京 Tokyo", "[bold]x[/bold]", "🎧 mix  ", "plain", ""]):
                table.add_row(f"{n}\b", f"{n}:0{n}", Text(name), f"spotify:track:{n} :smile: [b]y")
            made.append(table)
    made.append(Table("#", "track", title="[i]markup[/i] title"))
    made.append(Table("only a header"))
    return made


@pytest.mark.parametrize("shape", range(len(_shapes())))
def test_a_table_printed_whole_is_written_as_rich_prints_it(shape: int,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The lines are written without Rich rendering the rows (4-6 s for a 10,000-track
    playlist's table: `mpdtui playlists NAME > file`), and are the very lines Rich prints."""
    expected, printed = io.StringIO(), io.StringIO()
    Console(file=expected, width=10_000).print(natural_widths(_shapes()[shape]))
    monkeypatch.setattr(Console, "print", Mock(side_effect=AssertionError("Rich rendered it")))
    print_whole_lines(_shapes()[shape], printed)
    assert printed.getvalue() == expected.getvalue()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("shape", range(len(_shapes())))
def test_a_table_that_fits_the_terminal_is_written_as_rich_prints_it(
        shape: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal too (its title and header styled by Rich), but for the rows: 7 s of
    CPU for a 10,000-track playlist's table."""
    monkeypatch.setenv("COLUMNS", "300")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    expected, printed = _Tty(), _Tty()
    Console(file=expected).print(_shapes()[shape])
    assert "\x1b[1m" in expected.getvalue()  # the header is bold: styles are written
    monkeypatch.setattr(sys, "stdout", printed)
    print_table(_shapes()[shape])
    assert printed.getvalue() == expected.getvalue()
    # ([b] markup in a str cell is a style: Rich prints those rows itself)
    assert (table_output._terminal_lines(_shapes()[shape], Console(file=_Tty())) is None) == \
        any("[b]" in str(cell) for column in _shapes()[shape].columns for cell in column.cells)


def test_a_table_too_wide_for_the_terminal_or_styled_is_printed_by_rich(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    unstyled = Table("#", "track", Column("time", justify="right"), title=Text("road trip"))
    unstyled.add_row("1", Text("東京 🎧 [bold]x[/bold]"), "3:05")
    assert table_output._terminal_lines(unstyled, Console(file=_Tty())) is not None
    wide, styled, emoji = _shapes()[-2], _shapes()[-2], _shapes()[-2]
    wide.add_row("x" * 300, "")
    styled.add_row(Text("red", style="red"), "")
    emoji.add_row(":smile: x", "")  # measured as its code, printed as 🙂
    for table in (wide, styled, emoji):
        assert table_output._terminal_lines(table, Console(file=_Tty())) is None


def test_a_reason_all_share_has_no_column_and_no_line() -> None:
    for width in (200, 80, 50):
        lines = _printed(width, shared="often with seed 0")
        assert "often" not in _words(lines)
        assert not any("why" in line for line in lines)


def test_without_audio_there_are_no_audio_columns() -> None:
    for width in (200, 60):
        lines = _printed(width, audio=False)
        assert not any("BPM" in line for line in lines)
        assert len([line for line in lines if URI.search(line)]) == 3


@pytest.mark.parametrize("width", [200, 80, 50])
def test_search_results_show_the_album_and_no_score_or_reason(width: int) -> None:
    lines = _printed(width, suggested=False)
    words = _words(lines)
    assert {"Album", "0", "1", "2"} <= words and not {"score", "why", "often", "1.00"} & words
    assert max(len(line) for line in lines) <= width
    assert len([line for line in lines if URI.search(line)]) == 3


def test_a_long_name_in_a_pipe_makes_its_own_row_long_not_every_row() -> None:
    """`mpdtui search WORD | less` with a 300-character track name: every row was padded to
    it (380 columns; 900 with a long artist and album too). Its own row is long; the others
    keep the widths of their cells, each still a row a line, every name whole."""
    long_name = "Long " + "L" * 295
    tracks = [*_tracks(), Track(3, f"spotify:track:{'D' * 22}", long_name, "Nobody",
                                f"spotify:artist:{'a' * 22}", "Album 3",
                                f"spotify:album:{'b' * 22}", 200_000, 10)]
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=False, color_system=None)
    print_tracks(console, "tracks matching 'l'", [TrackRow(track, None) for track in tracks],
                 album=True)
    lines = out.getvalue().splitlines()
    rows = [line for line in lines if URI.search(line)]
    assert [URI.search(line)[0] for line in rows] == [t.uri for t in tracks]  # type: ignore[index]
    assert long_name in rows[-1] and "Nobody" in rows[-1]
    assert max(len(line) for line in lines if long_name not in line) <= 150
    assert len({line.index("spotify:track:") for line in rows[:-1]}) == 1  # the others aligned
