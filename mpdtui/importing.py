"""Playlists from files: what `mpdtui export` writes (M3U8, JSON, CSV), Exportify's CSVs, a
player's M3U, an MPD playlist's JSON and plain lists of Spotify links; one playlist a file, and
a folder or zip (Exportify's "Export All") holds several.

A track is read by its Spotify URI or link. A line or row that names a song without one (a
local file in an M3U, "artist - title", a Spotify local file) is kept with the artist and title
it gives, for the caller to look up in the catalog (`PlaylistService.import_files`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import orjson

from mpdtui.data.mpd_validation import pasted_track_uri
from mpdtui.errors import UserError, damaged_zip
from mpdtui.printable import printable

IMPORT_SUFFIXES = (".m3u8", ".m3u", ".csv", ".json", ".txt")
LARGEST_FILE = 64 << 20
"""Far above any playlist's file (10,000 tracks of Exportify's CSV are 5 MB)."""
WHAT_IS_READ = ("an M3U8, CSV or JSON playlist (what `mpdtui export` or Exportify writes) or "
                "a text file of Spotify track links")


@dataclass(frozen=True)
class FileTrack:
    """One track as a file names it: by its URI, or ("" for the URI) by artist and title."""

    uri: str
    title: str = ""
    artist: str = ""
    duration_ms: int | None = None


@dataclass(frozen=True)
class PlaylistFile:
    source: str
    """The file, for messages (a zip's member as `zip:member`)."""
    name: str
    """The playlist's name in the file, else one made from the file's name."""
    tracks: tuple[FileTrack, ...]
    not_tracks: int = 0
    """Lines or rows that name no song: a podcast episode, an album link, a row without one."""


def read_playlist_files(path: Path) -> list[PlaylistFile]:
    """The playlist in the file at `path`, or those of a folder's or zip's playlist files
    (by name). UserError when there is none, or a file cannot be read."""
    if path.is_dir():
        return _folder(path)
    try:
        if zipfile.is_zipfile(path):
            return _zip(path)
        size = path.stat().st_size
        if size > LARGEST_FILE:
            raise UserError(f"{path} is {size >> 20:,} MB, too large for a playlist: give "
                            f"{WHAT_IS_READ}")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path} does not exist: give {WHAT_IS_READ}, or a folder or zip "
                        "of them") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror})") from None
    return [parse_playlist(raw, str(path), path.name)]


def _folder(folder: Path) -> list[PlaylistFile]:
    try:
        files = sorted((p for p in folder.iterdir()
                        if p.suffix.lower() in IMPORT_SUFFIXES and p.is_file()),
                       key=lambda p: p.name.casefold())
    except OSError as exc:
        raise UserError(f"{folder}: cannot list the folder ({exc.strerror})") from None
    if not files:
        raise UserError(f"{folder} holds no playlist file ({', '.join(IMPORT_SUFFIXES)}): give "
                        f"{WHAT_IS_READ}")
    return [playlist for file in files for playlist in read_playlist_files(file)]


def _zip(path: Path) -> list[PlaylistFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted((m for m in archive.infolist() if not m.is_dir()
                              and Path(m.filename).suffix.lower() in IMPORT_SUFFIXES
                              and not Path(m.filename).name.startswith(".")),
                             key=lambda m: m.filename.casefold())
            if not members:
                raise UserError(f"{path} holds no playlist file ({', '.join(IMPORT_SUFFIXES)})"
                                f": give {WHAT_IS_READ}")
            read = []
            for member in members:
                if member.file_size > LARGEST_FILE:
                    raise UserError(f"{path}:{member.filename} is {member.file_size >> 20:,} "
                                    "MB, too large for a playlist")
                read.append(parse_playlist(archive.read(member), f"{path}:{member.filename}",
                                           Path(member.filename).name))
            return read
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise damaged_zip(path, exc, "the playlist files it holds") from None


def parse_playlist(raw: bytes, source: str, file_name: str) -> PlaylistFile:
    """The playlist in a file's bytes, whichever of the formats it is in."""
    text = _decoded(raw, source)
    stripped = text.lstrip()
    suffix = Path(file_name).suffix.lower()
    if stripped.startswith(("{", "[")):
        read = _from_json(text, source)
    elif stripped.upper().startswith(("#EXTM3U", "#EXTINF")) or suffix in (".m3u", ".m3u8"):
        read = _from_lines(text.splitlines())
    elif suffix == ".csv" or _looks_like_csv(stripped):
        read = _from_csv(text)
    else:
        read = _from_lines(text.splitlines())
    if not read.tracks:
        raise UserError(f"{source} names no track (found {_counted_lines(read)}): give "
                        f"{WHAT_IS_READ}")
    return PlaylistFile(source, _playlist_name(read.name, file_name), tuple(read.tracks),
                        read.not_tracks)


@dataclass
class _Read:
    name: str = ""
    tracks: list[FileTrack] = field(default_factory=list)
    not_tracks: int = 0


def _counted_lines(read: _Read) -> str:
    if not read.not_tracks:
        return "nothing in it"
    return f"{read.not_tracks:,} line{'s' * (read.not_tracks != 1)} naming no song"


def _decoded(raw: bytes, source: str) -> str:
    """Text in UTF-8 (a byte-order mark aside), UTF-16 with its mark (Windows' Notepad), else
    Latin-1 (an old M3U's)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    if b"\0" in raw[:4096]:
        raise UserError(f"{source} is not a text file: give {WHAT_IS_READ}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _playlist_name(named: str, file_name: str) -> str:
    """The name the file gives, else its file name's ("rainy_sunday.csv": "rainy sunday");
    never one with control characters."""
    for name in (named, Path(file_name).stem.replace("_", " ")):
        name = " ".join(name.split())
        if name and printable(name) == name:
            return name
    return "imported playlist"


# --- lines: M3U, M3U8 and lists of links ------------------------------------------------------

_EXTINF = re.compile(r"#EXTINF:\s*(-?\d+)[^,]*,(.*)", re.IGNORECASE)
_AUDIO_FILE = re.compile(r"\.(?:mp3|flac|ogg|oga|opus|m4a|aac|wav|wma|aiff?|alac|ape)$",
                         re.IGNORECASE)


def _from_lines(lines: Iterable[str]) -> _Read:
    """Lines of an M3U (`#PLAYLIST:` its name, `#EXTINF:` the next line's duration and
    "artist - title") or of a list of links: a track URI or link, a Spotify local file, a
    local file or "artist - title"."""
    read = _Read()
    said: tuple[int | None, str] | None = None  # the last #EXTINF's duration and song
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if match := _EXTINF.match(line):
                seconds = int(match.group(1))
                said = (seconds * 1000 if seconds > 0 else None, match.group(2).strip())
            elif line.upper().startswith("#PLAYLIST:"):
                read.name = line[len("#PLAYLIST:"):]
            continue
        _add(read, _line_track(line, said))
        said = None
    return read


def _add(read: _Read, track: FileTrack | None) -> None:
    if track is None:
        read.not_tracks += 1
    else:
        read.tracks.append(track)


def _line_track(line: str, said: tuple[int | None, str] | None) -> FileTrack | None:
    duration, song = said if said is not None else (None, "")
    artist, title = _artist_and_title(song)
    if (uri := pasted_track_uri(line)) is not None:
        return FileTrack(uri, title, artist, duration)
    if line.startswith("spotify:local:"):
        return _local_track(line)
    if line.startswith(("spotify:", "https://open.spotify.com/", "http://open.spotify.com/")):
        return None  # an episode, an album, a playlist: not a track
    if not song:  # a file's name ("Artist - Title.mp3") or the line itself names the song
        is_file = _AUDIO_FILE.search(line) is not None
        song = _AUDIO_FILE.sub("", line.replace("\\", "/").rpartition("/")[2]) if is_file else line
        artist, title = _artist_and_title(song)
    return FileTrack("", title, artist, duration) if title and artist else None


def _artist_and_title(song: str) -> tuple[str, str]:
    """ "Artist - Title" (an M3U's `#EXTINF` and mpdtui's own), split at its first " - "."""
    artist, dash, title = song.partition(" - ")
    return (artist.strip(), title.strip()) if dash else ("", song.strip())


def _local_track(uri: str) -> FileTrack | None:
    """`spotify:local:artist:album:title:seconds`, a local file in a Spotify playlist."""
    parts = uri.split(":")
    if len(parts) < 6:
        return None
    artist, title = unquote_plus(parts[2]).strip(), unquote_plus(parts[4]).strip()
    seconds = int(parts[5]) if parts[5].isdigit() else 0
    return FileTrack("", title, artist, seconds * 1000 or None) if title and artist else None


# --- CSV: mpdtui's and Exportify's columns, or a link in any cell ------------------------------

_URI_COLUMNS = ("uri", "trackuri", "spotifyuri", "spotifytrackuri", "url", "trackurl",
                "spotifyurl", "link", "tracklink", "spotifylink", "spotifyid", "trackid", "id")
_TITLE_COLUMNS = ("title", "trackname", "tracktitle", "song", "songname", "songtitle", "track",
                  "name")
_ARTIST_COLUMNS = ("artist", "artistnames", "artistname", "artists", "trackartist")
_DURATION_COLUMNS = ("durationms", "trackdurationms", "lengthms")
_DELIMITERS = (",", ";", "\t")


def _looks_like_csv(text: str) -> bool:
    header = text.partition("\n")[0]
    return any(d in header for d in _DELIMITERS) and _columns(_cells(header)).known


def _cells(header: str) -> list[str]:
    return next(csv.reader([header], delimiter=_delimiter(header)), [])


def _delimiter(header: str) -> str:
    """The one a spreadsheet wrote: a comma, or a semicolon (a decimal-comma locale) or tab."""
    return max(_DELIMITERS, key=header.count)


@dataclass(frozen=True)
class _Columns:
    uri: int | None
    title: int | None
    artist: int | None
    duration: int | None

    @property
    def known(self) -> bool:
        return self.uri is not None or (self.title is not None and self.artist is not None)


def _columns(header: list[str]) -> _Columns:
    keys = [re.sub(r"[^0-9a-z]", "", cell.casefold()) for cell in header]

    def first(names: tuple[str, ...]) -> int | None:
        return next((keys.index(name) for name in names if name in keys), None)

    return _Columns(first(_URI_COLUMNS), first(_TITLE_COLUMNS), first(_ARTIST_COLUMNS),
                    first(_DURATION_COLUMNS))


def _from_csv(text: str) -> _Read:
    read = _Read()
    rows = csv.reader(io.StringIO(text), delimiter=_delimiter(text.partition("\n")[0]))
    header = next(rows, [])
    columns = _columns(header)
    if not columns.known:  # no header: the first row is a track's
        rows = _chained([header], rows)
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        _add(read, _row_track(row, columns))
    return read


def _chained(first: list[list[str]], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield from first
    yield from rest


def _row_track(row: list[str], columns: _Columns) -> FileTrack | None:
    def cell(index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    title, artist = cell(columns.title), cell(columns.artist)
    duration = cell(columns.duration)
    duration_ms = int(duration) if duration.isdigit() and int(duration) > 0 else None
    uri_cell = cell(columns.uri)
    uri = (pasted_track_uri(uri_cell) if columns.uri is not None
           else next(filter(None, map(_linked_uri, row)), None))
    if uri is not None:
        return FileTrack(uri, title, artist, duration_ms)
    if uri_cell.startswith("spotify:local:"):
        return _local_track(uri_cell)
    if uri_cell.startswith("spotify:") or not (title and artist):
        return None
    return FileTrack("", title, artist, duration_ms)


def _linked_uri(cell: str) -> str | None:
    """A cell's track URI or link (a bare id in a column of no known name is not read)."""
    cell = cell.strip()
    return pasted_track_uri(cell) if cell.startswith(("spotify:", "http", "open.")) else None


# --- JSON: mpdtui's export, an MPD playlist, the Web API's playlist, a list of URIs ------------

def _from_json(text: str, source: str) -> _Read:
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise UserError(f"{source} is not valid JSON ({exc}): give {WHAT_IS_READ}") from None
    if isinstance(document, dict) and isinstance(document.get("playlists"), list):
        document = _only_playlist(document["playlists"], source)
    read = _Read(name=_text(document.get("name")) if isinstance(document, dict) else "")
    items = _json_items(document)
    if items is None:
        raise UserError(f"{source} is JSON but not a playlist: give what `mpdtui export --to "
                        "json` writes, an MPD playlist or a list of Spotify track URIs")
    for item in items:
        _add(read, _json_track(item))
    return read


def _only_playlist(playlists: list[Any], source: str) -> Any:
    if len(playlists) == 1:
        return playlists[0]
    raise UserError(f"{source} holds {len(playlists):,} playlists, an MPD slice: `mpdtui ingest "
                    f"{source}` reads them as training data; an import takes one playlist a file")


def _json_items(document: Any) -> list[Any] | None:
    """The list of tracks: the document itself, its "tracks" (mpdtui, the MPD), or their
    "items" (the Web API's playlist, or a page of its items)."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        return None
    tracks = document.get("tracks", document.get("items"))
    if isinstance(tracks, dict):
        tracks = tracks.get("items")
    return tracks if isinstance(tracks, list) else None


def _json_track(item: Any) -> FileTrack | None:
    if isinstance(item, str):
        return _line_track(item.strip(), None) if item.strip() else None
    if not isinstance(item, dict):
        return None
    track = item["track"] if isinstance(item.get("track"), dict) else item  # the Web API's
    urls = track.get("external_urls")
    linked = [track.get(key) for key in ("uri", "track_uri", "spotify_uri", "url", "link")]
    if isinstance(urls, dict):
        linked.append(urls.get("spotify"))
    uri = next((found for value in linked if isinstance(value, str)
                and (found := pasted_track_uri(value))), None)
    title = _text(track.get("title")) or _text(track.get("track_name")) or _text(track.get("name"))
    artist = (_text(track.get("artist")) or _text(track.get("artist_name"))
              or _artist_names(track.get("artists")))
    duration = track.get("duration_ms")
    duration_ms = duration if isinstance(duration, int) and duration > 0 else None
    if uri is not None:
        return FileTrack(uri, title, artist, duration_ms)
    local = next((value for value in linked if isinstance(value, str)
                  and value.startswith("spotify:local:")), None)
    if local is not None:
        return _local_track(local)
    return FileTrack("", title, artist, duration_ms) if title and artist else None


def _artist_names(artists: Any) -> str:
    if not isinstance(artists, list):
        return ""
    return ", ".join(name for a in artists if isinstance(a, dict) and (name := _text(a.get("name"))))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
