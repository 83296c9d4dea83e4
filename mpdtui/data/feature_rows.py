"""Audio features as rows: their names, bare Spotify ids, an API answer's values and the rows
of a features CSV (`tracks_features.csv` or `dataset.csv`, or the zip Kaggle downloads them
in), parsed and counted."""

from __future__ import annotations

import math
import re
import shlex
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from mpdtui.errors import UserError, damaged_zip

FEATURE_NAMES: tuple[str, ...] = (
    "danceability", "energy", "valence", "acousticness", "instrumentalness", "speechiness",
    "liveness", "mode", "key", "loudness", "tempo", "duration_ms",
)
TRACK_PREFIX = "spotify:track:"
_ID = re.compile(r"^[0-9A-Za-z]{1,64}$")


class CsvLayoutError(UserError):
    """A CSV without the columns of either known layout."""


def bare_id(track: str) -> str:
    """`spotify:track:ID` or a bare ID -> ID."""
    return track.removeprefix(TRACK_PREFIX).strip()


def feature_values(answer: Mapping[str, Any]) -> list[float | None]:
    """An audio-features answer of the API as values in `FEATURE_NAMES` order (None: absent)."""
    values: list[float | None] = []
    for name in FEATURE_NAMES:
        value = answer.get(name)
        values.append(float(value) if isinstance(value, int | float) and math.isfinite(value)
                      else None)
    return values


KNOWN_CSVS = ("tracks_features.csv", "dataset.csv")
"""The public features CSVs: Kaggle's "Spotify 1.2M+ Songs" and "Spotify Tracks Dataset"."""


@contextmanager
def csv_bytes(path: Path) -> Iterator[tuple[IO[bytes], int, Path]]:
    """The features CSV at `path` as bytes, its size and its name for messages: the file, or
    the CSV inside a zip (Kaggle's download: `archive.zip` holding `tracks_features.csv`)."""
    if path.is_dir():
        raise UserError(_folder_given(path))
    with ExitStack() as stack:
        try:
            if zipfile.is_zipfile(path):
                archive = stack.enter_context(zipfile.ZipFile(path))
                member = _features_member(path, archive)
                raw, size, named = (stack.enter_context(archive.open(member)), member.file_size,
                                    Path(f"{path}:{member.filename}"))
            else:
                raw, size, named = stack.enter_context(path.open("rb")), path.stat().st_size, path
        except FileNotFoundError:
            raise UserError(f"{path} does not exist: give the features CSV "
                            f"({' or '.join(KNOWN_CSVS)}) or the zip it came in") from None
        except OSError as exc:
            raise UserError(f"{path}: cannot read the features CSV ({exc.strerror})") from None
        except _ZIP_ERRORS as exc:
            raise _damaged_zip(path, exc) from None
        try:
            yield raw, size, named
        except _ZIP_ERRORS as exc:  # a member's CRC, checked as it is read
            raise _damaged_zip(path, exc) from None


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError)


def _folder_given(folder: Path) -> str:
    """A folder where the CSV was wanted: the known CSV in it, when there is one, to give."""
    inside = next((folder / name for name in KNOWN_CSVS if (folder / name).is_file()), None)
    if inside is not None:
        return f"{folder} is a folder: give the features CSV in it, {shlex.quote(str(inside))}"
    return (f"{folder} is a folder without {' or '.join(KNOWN_CSVS)}: give the features CSV "
            "file (or the zip it came in)")


def _damaged_zip(path: Path, exc: Exception) -> UserError:
    return damaged_zip(path, exc, "the CSV it holds")


def _features_member(path: Path, archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    csvs = [info for info in archive.infolist() if not info.is_dir()
            and info.filename.lower().endswith(".csv") and "__MACOSX/" not in info.filename]
    known = [info for info in csvs if Path(info.filename).name.lower() in KNOWN_CSVS]
    if len(csvs) == 1 or len(known) == 1:
        return (known or csvs)[0]
    if not csvs:
        raise UserError(f"{path} holds no .csv file: give the features CSV "
                        f"({' or '.join(KNOWN_CSVS)}), or the zip it came in")
    names = ", ".join(info.filename for info in csvs[:5])
    raise UserError(f"{path} holds several CSV files ({names}): extract the features one and "
                    "give its path")


def csv_layout(path: Path, header: list[str] | None) -> tuple[str, int, list[int]]:
    """(layout, the id's column, the features' columns in `FEATURE_NAMES` order)."""
    if not header:
        raise CsvLayoutError(f"{path}: empty file, expected a header row with `id` or "
                             "`track_id` and the audio feature columns")
    names = [name.strip().lower() for name in header]
    if "id" in names:
        layout, id_col = "tracks_features", names.index("id")
    elif "track_id" in names:
        layout, id_col = "dataset", names.index("track_id")
    else:
        raise CsvLayoutError(f"{path}: no `id` or `track_id` column; expected the layout of "
                             "tracks_features.csv or dataset.csv")
    missing = [name for name in FEATURE_NAMES if name not in names]
    if missing:
        raise CsvLayoutError(f"{path}: missing feature columns {', '.join(missing)}; add them, "
                             "or give the public tracks_features.csv or dataset.csv as published")
    return layout, id_col, [names.index(name) for name in FEATURE_NAMES]


class CsvCounter:
    """Rows read, imported and rejected, with the first few rejections' reasons."""

    def __init__(self) -> None:
        self.rows = self.imported = self.bad = 0
        self.examples: list[str] = []

    def reject(self, line: int, why: str) -> None:
        self.bad += 1
        if len(self.examples) < 5:
            self.examples.append(f"line {line}: {why}")


def parse_rows(reader: Any, id_col: int, columns: list[int], counter: CsvCounter,
               decimal_comma: bool = False) -> Iterator[tuple[Any, ...]]:
    """(bare id, "csv", values...) of each row that parses; the others are counted.
    `decimal_comma`: "0,61" is 0.61 (a file with ';' between fields; in one with commas, a
    quoted "210,000" is no number rather than 210)."""
    width = max(id_col, *columns) + 1
    for row in reader:
        counter.rows += 1
        line = reader.line_num
        if len(row) < width:
            counter.reject(line, f"{len(row)} fields, expected at least {width}")
            continue
        track_id = bare_id(row[id_col])
        if not _ID.match(track_id):
            counter.reject(line, f"track id {track_id[:40]!r} is not a Spotify id")
            continue
        values = numbers_of(row, columns, decimal_comma)
        if isinstance(values, str):
            counter.reject(line, values)
            continue
        yield (track_id, "csv", *values)


_PITCH_CLASSES = {note: pitch for pitch, notes in enumerate((
    ("c", "b#"), ("c#", "db"), ("d",), ("d#", "eb"), ("e", "fb"), ("f", "e#"), ("f#", "gb"),
    ("g",), ("g#", "ab"), ("a",), ("a#", "bb"), ("b", "cb"))) for note in notes}
NAMED_VALUES: dict[str, dict[str, float]] = {
    "key": {note: float(pitch) for note, pitch in _PITCH_CLASSES.items()},
    "mode": {"major": 1.0, "minor": 0.0},
}
"""Keys and modes by name, as Kaggle's SpotifyFeatures.csv gives them ("C#", "Minor")."""


_SHARES = ("danceability", "energy", "valence", "acousticness", "instrumentalness",
           "speechiness", "liveness")
BOUNDS: dict[str, tuple[float, float]] = {
    **{name: (0.0, 1.0) for name in _SHARES}, "mode": (0.0, 1.0), "key": (-1.0, 11.0),
    "tempo": (0.0, math.inf), "duration_ms": (0.0, math.inf)}
"""What Spotify's audio features can hold (key -1: none detected; tempo 0: no beat); a row
outside them is damaged (an energy of 5 would pass any 'energy > 0.7')."""


def numbers_of(row: list[str], columns: list[int],
               decimal_comma: bool = False) -> list[float] | str:
    values = []
    for name, col in zip(FEATURE_NAMES, columns, strict=True):
        try:
            value = float(row[col].replace(",", ".") if decimal_comma else row[col])
        except ValueError:
            named = NAMED_VALUES.get(name, {}).get(row[col].strip().lower())
            if named is None:
                return f"{name} = {row[col][:40]!r} is not a number"
            value = named
        if not math.isfinite(value):
            return f"{name} = {row[col][:40]!r} is not a finite number"
        low, high = BOUNDS.get(name, (-math.inf, math.inf))
        if not low <= value <= high:
            bounds = f"outside {low:g} to {high:g}" if math.isfinite(high) else f"below {low:g}"
            return f"{name} = {row[col][:40]!r} is {bounds}"
        values.append(value)
    return values


def batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
