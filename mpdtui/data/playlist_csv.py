"""CSV playlists `mpdtui import` reads: mpdtui's export, Exportify's, TuneMyMusic's (several
playlists by a `Playlist name` column), a spreadsheet's (`,`, `;` or tab; any line ends), and
a CSV without a header (a track's link in any cell)."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mpdtui.data.feature_rows import CsvLayoutError, csv_layout, row_has_features
from mpdtui.data.mpd_validation import linked_track_uri, pasted_track_uri
from mpdtui.data.playlist_formats import (
    FileTrack,
    ParsedPlaylist,
    add_track,
    length_ms,
    lines_of,
    local_track,
)
from mpdtui.data.spreadsheet_cells import unguarded
from mpdtui.errors import UserError
from mpdtui.printable import quoted

_URI_COLUMNS = ("uri", "trackuri", "spotifyuri", "spotifytrackuri", "url", "trackurl",
                "spotifyurl", "link", "tracklink", "spotifylink", "spotifyid", "trackid", "id")
_TITLE_COLUMNS = ("title", "trackname", "tracktitle", "song", "songname", "songtitle", "track",
                  "name")
_ARTIST_COLUMNS = ("artist", "artistnames", "artistname", "artists", "trackartist")
_DURATION_COLUMNS = ("durationms", "trackdurationms", "lengthms")
_DELIMITERS = (",", ";", "\t")


def looks_like_csv(text: str) -> bool:
    header = first_line(without_sep_line(text)[0])
    return any(d in header for d in _DELIMITERS) and _columns(_cells(header)).known


_SEP_LINE = re.compile(r"\ufeff?sep=([,;\t|])[ \t]*(?:\r\n|\r|\n)", re.IGNORECASE)
"""Excel's first line naming the delimiter ("sep=;"), written before the header for a
spreadsheet of another locale to open it."""


def without_sep_line(text: str) -> tuple[str, str | None]:
    """The CSV without Excel's "sep=X" line, and the delimiter X that line names (None
    without one)."""
    if match := _SEP_LINE.match(text):
        return text[match.end():], match.group(1)
    return text, None


def first_line(text: str) -> str:
    """The text's first line, whichever line ends it has: a Mac spreadsheet's CSV ends them
    with a carriage return alone."""
    return lines_of(text[:1 << 16])[0]


def _cells(header: str) -> list[str]:
    return next(csv.reader([header], delimiter=csv_delimiter(header)), [])


def csv_delimiter(header: str) -> str:
    """The one a spreadsheet wrote: a comma, or a semicolon (a decimal-comma locale) or tab."""
    return max(_DELIMITERS, key=header.count)


@dataclass(frozen=True)
class _Columns:
    uri: int | None
    title: int | None
    artist: int | None
    duration: int | None
    playlist: int | None  # its name (TuneMyMusic's "Playlist name")

    @property
    def known(self) -> bool:
        return self.uri is not None or (self.title is not None and self.artist is not None)


def _columns(header: list[str]) -> _Columns:
    keys = [re.sub(r"[^0-9a-z]", "", cell.casefold()) for cell in header]

    def first(names: tuple[str, ...]) -> int | None:
        return next((keys.index(name) for name in names if name in keys), None)

    return _Columns(first(_URI_COLUMNS), first(_TITLE_COLUMNS), first(_ARTIST_COLUMNS),
                    first(_DURATION_COLUMNS), first(("playlistname", "playlist")))


def from_csv(text: str, source: str) -> ParsedPlaylist:
    read = ParsedPlaylist()
    rows = _csv_rows(*without_sep_line(text), source)
    header = next(rows, [])
    columns = _columns(header)
    first = [] if columns.known else [header]  # no header: the first row is a track's
    layout, feature_columns = _feature_columns(header)
    read.audio_features = False if feature_columns else None
    read.features_table = layout if layout in ("tracks_features", "dataset") else ""
    others: dict[str, ParsedPlaylist] = {}
    for row in itertools.chain(first, rows):
        if not any(cell.strip() for cell in row):
            continue
        into = read
        if columns.playlist is not None and columns.playlist < len(row):
            name = row[columns.playlist].strip()
            read.name = read.name or name
            if name and name != read.name:  # another playlist's row: not this one's
                into = others.setdefault(name, ParsedPlaylist(name, audio_features=(
                    False if feature_columns else None)))
        if feature_columns and not into.audio_features:
            into.audio_features = row_has_features(row, feature_columns)
        add_track(into, _row_track(row, columns),
                  *(row if columns.uri is None else row[columns.uri:columns.uri + 1]))
    read.more = list(others.values())
    read.no_track_why = _no_track_why(header, columns, read)
    return read


HEADER_CELLS_SAID = 5


def _no_track_why(header: list[str], columns: _Columns, read: ParsedPlaylist) -> str:
    """Why a CSV that names no track names none, where its header says it: no column is read
    (a spreadsheet's own names, in another language), or no row follows it."""
    if read.tracks or read.more or read.broken_links:
        return ""
    if columns.known:
        return "" if read.not_tracks else "holds its header row alone, no track: nothing to import"
    if not read.not_tracks or any(map(linked_track_uri, header)):
        return ""
    cells = ", ".join(quoted(cell.strip()[:40]) for cell in header[:HEADER_CELLS_SAID])
    more = ", ..." if len(header) > HEADER_CELLS_SAID else ""
    return (f"names no track: its first row ({cells}{more}) names no column that is read; "
            "head the titles' column Track Name and the artists' Artist Name (or the tracks' "
            "links' Track URI), then import it again")


def _csv_rows(text: str, delimiter: str | None, source: str) -> Iterator[list[str]]:
    """The CSV's rows (`delimiter`, else the header's), whichever line ends it has; one the
    csv module cannot read (a quote that never closes) is a UserError naming the line it
    starts on (counted in the file: after a "sep=" line, one more)."""
    skipped = 0 if delimiter is None else 1
    reader = csv.reader(io.StringIO(text, newline=""),
                        delimiter=delimiter or csv_delimiter(first_line(text)))
    while True:
        start = reader.line_num + 1 + skipped
        try:
            yield [unguarded(cell) for cell in next(reader)]  # `spreadsheet_text`'s quote
        except StopIteration:
            return
        except csv.Error as exc:
            raise UserError(f"{source}: line {start:,} {_unreadable_csv_why(exc)}") from None


def _unreadable_csv_why(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return (f"opens a quote (\") that does not close within {csv.field_size_limit():,} "
                "characters: close it there (a quote inside a quoted field is written twice, "
                "\"\"), then import the file again")
    return (f"is not CSV that can be read ({exc}): save the file again as CSV from its "
            "spreadsheet, then import it again")


def features_table_layout(header_line: str) -> str:
    """The public features table a CSV's header row is laid out as ("tracks_features",
    "dataset"), else "": a file too large to read as a playlist is told apart by it."""
    header = next(csv.reader([header_line.lstrip("\ufeff")], delimiter=csv_delimiter(header_line)), [])
    layout, _ = _feature_columns(header)
    return layout if layout in ("tracks_features", "dataset") else ""


def _feature_columns(header: list[str]) -> tuple[str, list[int]]:
    """The features CSV layout a header has and the columns of its audio features, else none."""
    try:
        layout, _, columns = csv_layout(Path("CSV"), header)
    except CsvLayoutError:
        return "", []
    return layout, columns


def _row_track(row: list[str], columns: _Columns) -> FileTrack | None:
    def cell(index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    title, artist = cell(columns.title), cell(columns.artist)
    duration_ms = length_ms(cell(columns.duration))
    uri_cell = cell(columns.uri)
    uri = (pasted_track_uri(uri_cell) if columns.uri is not None
           else next(filter(None, map(linked_track_uri, row)), None))
    if uri is not None:
        return FileTrack(uri, title, artist, duration_ms)
    if uri_cell.startswith("spotify:local:"):
        return local_track(uri_cell)
    if uri_cell.startswith("spotify:") or not (title and artist):
        return None
    return FileTrack("", title, artist, duration_ms)
