"""Where a features CSV's rows come from: the file given, the CSV in a zip (Kaggle's
download), or every CSV of a zip or folder (Exportify's "Export All": a CSV per playlist)."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import shlex
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mpdtui.data.mpd import SLICE_NAME
from mpdtui.data.playlist_csv import csv_delimiter
from mpdtui.errors import UserError, damaged_zip, unopened_zip

KNOWN_CSVS = ("tracks_features.csv", "dataset.csv")
"""The public features CSVs: Kaggle's "Spotify 1.2M+ Songs" and "Spotify Tracks Dataset"."""
WHAT_TO_GIVE = f"{' or '.join(KNOWN_CSVS)}, an Exportify export, or the zip they came in"


@dataclass(frozen=True)
class CsvPart:
    """One CSV to read: a file, or a member of the zip `archive`."""

    named: Path  # for messages: the file, or "ARCHIVE:MEMBER"
    size: int
    archive: Path | None = None
    member: str = ""


def csv_parts(path: Path) -> list[CsvPart]:
    """The CSVs `path` gives: itself; in a zip or folder, its one CSV, else its one public
    features CSV, else all of its CSVs."""
    try:
        if path.is_dir():
            return _chosen(path, _folder_parts(path))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return _chosen(path, _zip_parts(path, archive))
        if (damaged := _unopened_zip(path)) is not None:
            raise damaged
        return [CsvPart(path, path.stat().st_size)]
    except FileNotFoundError:
        raise UserError(f"{path} does not exist: give the features CSV "
                        f"({WHAT_TO_GIVE})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read the features CSV ({exc.strerror})") from None
    except _ZIP_ERRORS as exc:
        raise _damaged_zip(path, exc) from None


@contextmanager
def part_bytes(part: CsvPart) -> Iterator[IO[bytes]]:
    """The bytes of one CSV, its zip's damage (a member's CRC is checked as it is read) said
    in one line."""
    with ExitStack() as stack:
        try:
            if part.archive is None:
                raw: IO[bytes] = stack.enter_context(part.named.open("rb"))
            else:
                archive = stack.enter_context(zipfile.ZipFile(part.archive))
                raw = stack.enter_context(archive.open(part.member))
        except OSError as exc:
            raise UserError(f"{part.named}: cannot read the features CSV ({exc.strerror})") \
                from None
        except _ZIP_ERRORS as exc:
            raise _damaged_zip(part.archive or part.named, exc) from None
        try:
            yield raw
        except _ZIP_ERRORS as exc:
            raise _damaged_zip(part.archive or part.named, exc) from None


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError)


def _damaged_zip(path: Path, exc: Exception) -> UserError:
    return damaged_zip(path, exc, _ZIP_HOLDS)


_ZIP_HOLDS = "the CSV it holds"


def _unopened_zip(path: Path) -> UserError | None:
    """A zip cut short, or other bytes named .zip: damaged, not a CSV with no known column."""
    if not path.is_file():
        return None  # a pipe's bytes can be read once only: the CSV's reading needs them
    with path.open("rb") as file:
        return unopened_zip(path, file.read(4), _ZIP_HOLDS)


def _folder_parts(folder: Path) -> list[CsvPart]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    return [CsvPart(p, p.stat().st_size) for p in files]


def _zip_parts(path: Path, archive: zipfile.ZipFile) -> list[CsvPart]:
    return [CsvPart(Path(f"{path}:{info.filename}"), info.file_size, path, info.filename)
            for info in archive.infolist() if not info.is_dir()
            and info.filename.lower().endswith(".csv") and "__MACOSX/" not in info.filename]


def _chosen(path: Path, parts: list[CsvPart]) -> list[CsvPart]:
    if not parts:
        if _holds_mpd_slices(path):
            raise UserError(f"{path} holds MPD playlist slices, not audio features: "
                            f"`mpdtui ingest {shlex.quote(str(path))}` ingests them; give the "
                            f"features CSV here ({WHAT_TO_GIVE})")
        where = "is a folder without a" if path.is_dir() else "holds no"
        raise UserError(f"{path} {where} .csv file: give the features CSV ({WHAT_TO_GIVE})")
    known = [part for part in parts if _base_name(part).lower() in KNOWN_CSVS]
    return known if len(known) == 1 else parts


def _holds_mpd_slices(path: Path) -> bool:
    """A folder or zip with MPD slices in it (mpd.slice.START-END.json): the MPD, given here."""
    if path.is_dir():
        names = [entry.name for entry in path.iterdir()]
        names += [entry.name for entry in (path / "data").glob("*")] if (path / "data").is_dir() \
            else []
    else:
        with zipfile.ZipFile(path) as archive:
            names = [Path(name).name for name in archive.namelist()]
    return any(SLICE_NAME.fullmatch(name) for name in names)


def _encoding(raw: IO[bytes]) -> str:
    """UTF-16 where the bytes start with its byte-order mark (a spreadsheet's "Unicode text",
    which the playlist import reads too), else UTF-8 (its mark, if any, left out)."""
    start = raw.peek(2)[:2] if isinstance(raw, io.BufferedReader | zipfile.ZipExtFile) else b""
    return "utf-16" if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"


def _base_name(part: CsvPart) -> str:
    return Path(part.member).name if part.archive else part.named.name


@contextmanager
def csv_rows(part: CsvPart) -> Iterator[tuple[IO[bytes], Any, str]]:
    """(its bytes, a csv reader from its header on, the delimiter its header uses)."""
    with part_bytes(part) as raw, io.TextIOWrapper(raw, encoding=_encoding(raw), errors="replace",
                                                   newline="") as text:
        header = text.readline()  # a spreadsheet in a decimal-comma locale writes ';'
        delimiter = csv_delimiter(header)
        yield raw, csv.reader(itertools.chain([header], text), delimiter=delimiter), delimiter
