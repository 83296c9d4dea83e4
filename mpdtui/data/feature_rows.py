"""Audio features as rows: their names, bare Spotify ids, an API answer's values and the rows
of a features CSV (`tracks_features.csv`, `dataset.csv` or an Exportify export; which files
and where their rows come from: `feature_csv_files`), parsed and counted."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from mpdtui.errors import UserError
from mpdtui.printable import quoted

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


_ID_COLUMNS = {"id": "tracks_features", "trackid": "dataset", "trackuri": "exportify",
               "spotifyid": "exportify"}
"""A features CSV's layout by its id's column, as `_column_key` reads it: Kaggle's
tracks_features.csv (`id`), dataset.csv (`track_id`), an Exportify export (`Track URI`; a
bare `Spotify ID` in its earlier exports, which hold the audio features too)."""
_OTHER_NAMES = {"duration_ms": ("durationms", "trackdurationms")}  # Exportify: "Duration (ms)"


def _column_key(name: str) -> str:
    """"Track URI" -> "trackuri", "duration_ms" -> "durationms": headers as tools write them."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def csv_layout(path: Path, header: list[str] | None) -> tuple[str, int, list[int]]:
    """(layout, the id's column, the features' columns in `FEATURE_NAMES` order)."""
    if not header:
        raise CsvLayoutError(f"{path}: empty file, expected a header row with `id`, "
                             "`track_id` or `Track URI` and the audio feature columns")
    keys = [_column_key(name) for name in header]
    id_key = next((key for key in _ID_COLUMNS if key in keys), None)
    if id_key is None:
        raise CsvLayoutError(f"{path}: no `id`, `track_id` or `Track URI` column; expected "
                             "the layout of tracks_features.csv, dataset.csv or an Exportify "
                             "export")
    layout = _ID_COLUMNS[id_key]
    columns = {name: _column(keys, name) for name in FEATURE_NAMES}
    missing = [name for name, column in columns.items() if column is None]
    if layout == "exportify" and set(missing) >= set(FEATURE_NAMES) - {"duration_ms"}:
        raise CsvLayoutError(f"{path}: an Exportify export without audio features: "
                             f"{_EXPORT_AGAIN}")
    if missing and layout == "exportify":  # its values come from Spotify alone
        raise CsvLayoutError(f"{path}: an Exportify export missing the feature columns "
                             f"{', '.join(missing)}: {_EXPORT_AGAIN}")
    if missing:
        raise CsvLayoutError(f"{path}: missing feature columns {', '.join(missing)}; add them, "
                             "or give the public tracks_features.csv or dataset.csv as published")
    return layout, keys.index(id_key), [column for column in columns.values() if column is not None]


_EXPORT_AGAIN = ("export it again with them (exportify.app: its settings, \"Include audio "
                 "features data\"), or give tracks_features.csv or dataset.csv")


def _column(keys: list[str], name: str) -> int | None:
    wanted = _OTHER_NAMES.get(name, (_column_key(name),))
    return next((keys.index(key) for key in wanted if key in keys), None)


class CsvCounter:
    """Rows read, imported and rejected, with the first few rejections' reasons; `featureless`:
    the rejected rows whose feature cells are all empty (a track Exportify has no features
    of). `where`: the file a multi-file import is reading, for the reasons."""

    def __init__(self) -> None:
        self.rows = self.imported = self.bad = self.featureless = 0
        self.examples: list[str] = []
        self.where = ""

    def reject(self, line: int, why: str) -> None:
        self.bad += 1
        if len(self.examples) < 5:
            self.examples.append(f"{self.where}line {line}: {why}")


FEATURELESS = "no audio features (its feature cells are empty)"


def parse_rows(reader: Any, id_col: int, columns: list[int], counter: CsvCounter,
               decimal_comma: bool = False) -> Iterator[tuple[Any, ...]]:
    """(bare id, "csv", values...) of each row that parses; the others are counted.
    `decimal_comma`: "0,61" is 0.61 (a file with ';' between fields; in one with commas, a
    quoted "210,000" is no number rather than 210)."""
    width = max(id_col, *columns) + 1
    for row in reader:
        counter.rows += 1
        line = reader.line_num
        if _featureless(row, columns, width):
            counter.featureless += 1
            counter.reject(line, FEATURELESS)
            continue
        if len(row) < width:
            counter.reject(line, f"{len(row)} fields, expected at least {width}")
            continue
        track_id = bare_id(row[id_col])
        if not _ID.match(track_id):
            counter.reject(line, f"track id {quoted(track_id[:40])} is not a Spotify id")
            continue
        values = numbers_of(row, columns, decimal_comma)
        if isinstance(values, str):
            counter.reject(line, values)
            continue
        yield (track_id, "csv", *values)


def _featureless(row: list[str], columns: list[int], width: int) -> bool:
    """A whole row, or one that ends where the features begin, without any feature's value."""
    whole = len(row) >= width or len(row) == min(_of_the_sound(columns))
    return whole and not row_has_features(row, columns)


def row_has_features(row: list[str], columns: list[int]) -> bool:
    """Whether a row holds a value in any of the features' `columns` (`csv_layout`'s) but the
    length, which Exportify gives every track."""
    return any(row[col].strip() for col in _of_the_sound(columns) if col < len(row))


def _of_the_sound(columns: list[int]) -> list[int]:
    return [col for name, col in zip(FEATURE_NAMES, columns, strict=True) if name != "duration_ms"]


def refuse_nothing_imported(path: Path, counter: CsvCounter) -> None:
    """A CSV of which no row could be taken is bad input, not an import of nothing."""
    if not counter.rows:
        raise CsvLayoutError(f"{path}: no rows under its header: nothing to import (a "
                             "features CSV has a row per track)")
    if counter.imported:
        return
    if counter.featureless == counter.bad:
        raise CsvLayoutError(f"{path}: none of its {counter.rows:,} tracks has audio features "
                             "(their cells are empty: Spotify gave the exporter none): give a "
                             "CSV that holds them, such as tracks_features.csv or dataset.csv")
    raise CsvLayoutError(f"{path}: none of its {counter.rows:,} rows could be imported "
                         f"(first: {counter.examples[0]}): fix those rows and import it again")


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
    "loudness": (-100.0, 10.0), "tempo": (0.0, 300.0), "duration_ms": (0.0, 86_400_000.0)}
"""What Spotify's audio features can hold (key -1: none detected; tempo 0: no beat; loudness
in dB, about -60 to 0; a track of a day at most); a row outside them is damaged (an energy of 5
would pass any 'energy > 0.7', a tempo of 1e308 is infinite as the float32 features are)."""
WHOLE_NUMBERS = ("key", "mode")
"""The features that are whole numbers: a key's pitch class, a mode's 1 (major) or 0 (minor)."""


def numbers_of(row: list[str], columns: list[int],
               decimal_comma: bool = False) -> list[float] | str:
    values = []
    for name, col in zip(FEATURE_NAMES, columns, strict=True):
        try:
            value = float(row[col].replace(",", ".") if decimal_comma else row[col])
        except ValueError:
            named = NAMED_VALUES.get(name, {}).get(row[col].strip().lower())
            if named is None:
                return f"{name} = {quoted(row[col][:40])} is not a number"
            value = named
        if (impossible := _impossible(name, value)) is not None:
            return f"{name} = {quoted(row[col][:40])} is {impossible}"
        values.append(value)
    return values


def _impossible(name: str, value: float) -> str | None:
    """Why `value` is no value of the feature `name`; None: it can be."""
    if not math.isfinite(value):
        return "not a finite number"
    low, high = BOUNDS[name]
    if not low <= value <= high:
        return f"outside {_number(low)} to {_number(high)}"
    if name in WHOLE_NUMBERS and not value.is_integer():
        return "not a whole number"
    return None


def _number(value: float) -> str:
    return f"{value:,.0f}" if value.is_integer() else f"{value:g}"


def batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
