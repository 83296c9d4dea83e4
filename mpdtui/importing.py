"""Playlists from files: what `mpdtui export` writes (M3U8, JSON, CSV), Exportify's CSVs, a
player's M3U, an MPD playlist's JSON and plain lists of Spotify links; one playlist a file, and
a folder or zip (Exportify's "Export All") holds several.

A track is read by its Spotify URI or link. A line or row that names a song without one (a
local file in an M3U, "artist - title", a Spotify local file) is kept with the artist and title
it gives, for the caller to look up in the catalog (`mpdtui.services.playlist_import`). The
formats' parsers are in `mpdtui.data.playlist_formats` and `mpdtui.data.playlist_csv`.
"""

from __future__ import annotations

import codecs
import re
import shlex
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from mpdtui.data.feature_csv_files import KNOWN_CSVS
from mpdtui.data.mpd_validation import (
    SHORT_LINK,
    linked_kind,
    linked_track_uri,
    no_track_linked,
)
from mpdtui.data.playlist_csv import features_table_layout, from_csv, looks_like_csv
from mpdtui.data.playlist_formats import (
    WHAT_IS_READ,
    FileTrack,
    NotJson,
    ParsedPlaylist,
    from_json,
    from_lines,
    lines_of,
)
from mpdtui.data.playlist_players import (
    from_pls,
    from_xspf,
    looks_like_markup,
    looks_like_pls,
    looks_like_xspf,
    other_markup,
)
from mpdtui.errors import UserError, damaged_zip, unopened_zip
from mpdtui.printable import one_line, quoted

IMPORT_SUFFIXES = (".m3u8", ".m3u", ".csv", ".json", ".txt", ".pls", ".xspf")
LARGEST_FILE = 64 << 20
"""Far above any playlist's file (10,000 tracks of Exportify's CSV are 5 MB)."""

PLAYLIST_MOST_TRACKS = 10_000
"""The most tracks a Spotify playlist holds: a CSV of more rows is no playlist's export."""
FEATURES_TABLES = (*KNOWN_CSVS, "spotifyfeatures.csv")
"""The public features tables' file names (lower case): Kaggle's downloads."""

PASTE_TO_IMPORT = "them in its place: their links, one a line, are the playlist's tracks"
"""Where the tracks' links go when a file to import holds a playlist's link instead."""
PASTE_LINKS = "them into `mpdtui import -` (ctrl+d ends them) or into the app's builder"
"""Where they go when a playlist's link is given for the file."""


@dataclass(frozen=True)
class PlaylistFile:
    source: str
    """The file, for messages (a zip's member as `zip:member`)."""
    name: str
    """The playlist's name in the file, else one made from the file's name."""
    tracks: tuple[FileTrack, ...]
    not_tracks: int = 0
    """Lines or rows that name no song: a podcast episode, an album link, a row without one."""
    audio_features: bool | None = None
    """A CSV with columns for its tracks' audio features (Exportify's): whether a row holds
    them; None: a file without such columns."""
    broken_links: tuple[str, ...] = ()
    """Track links or URIs that hold no track id (cut short, mistyped), as the file has them."""
    unlisted: int = 0
    """Tracks of the playlist the file does not list (a page of the Web API's answer)."""


@dataclass(frozen=True)
class ReadFiles:
    playlists: list[PlaylistFile]
    skipped: list[str]
    """Why each file of a folder or zip that holds no playlist was left out (one line each)."""

    @property
    def audio_features(self) -> bool:
        """Every playlist read has columns for its tracks' audio features, and some hold
        them: the path read, given to `mpdtui features --csv`, imports them."""
        held = [playlist.audio_features for playlist in self.playlists]
        return None not in held and any(held)


def read_playlist_files(path: Path) -> ReadFiles:
    """The playlist in the file at `path`, or those of a folder's or zip's playlist files (by
    name; those that hold none are skipped). UserError when there is none, or the file given
    cannot be read."""
    if path.is_dir():
        return _gathered(path, _folder(path))
    try:
        if zipfile.is_zipfile(path):
            return _zip(path)
        size = path.stat().st_size
        if size > LARGEST_FILE:
            raise _too_large(path, size)
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(_not_found(path)) from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror})") from None
    if (damaged := unopened_zip(path, raw[:4], _ZIP_HOLDS)) is not None:
        raise damaged
    named = path.name if path.is_file() else ""  # a pipe's name (/dev/fd/63) is no playlist's
    return ReadFiles(parse_playlists(raw, str(path), named, str(path) if named else None), [])


def _too_large(path: Path, size: int) -> UserError:
    """A file larger than any playlist's: Kaggle's features table (330 MB), say, by its
    header, is pointed to the features import."""
    with path.open("rb") as file:
        first_line = file.readline(1 << 16).decode("utf-8", "replace")
    if layout := features_table_layout(first_line):
        return FeaturesTableError(
            f"{path} is a table of audio features ({size >> 20:,} MB laid out as {layout}.csv "
            f"is), not a playlist: `mpdtui features --csv {shlex.quote(str(path))}` imports them")
    return UserError(f"{path} is {size >> 20:,} MB, too large for a playlist: give {WHAT_IS_READ}")


def _not_found(path: Path) -> str:
    """Why no file is at `path`: a Spotify link given for a file is told apart."""
    text = re.sub(r"^(https?:)/(?!/)", r"\1//", str(path))  # Path made its // one /
    if (linked := no_track_linked(text, PASTE_LINKS)) is not None:
        own = (" (your own playlists: `mpdtui import-spotify` imports them all, after "
               "`mpdtui auth`)" if linked_kind(text) == "playlist" else "")
        return f"{text} is {linked}{own}"
    if linked_track_uri(text) is not None:
        return (f"{text} is a track's link, not a file: paste links into `mpdtui import -` "
                "(ctrl+d ends them) or into the app's builder")
    if SHORT_LINK.fullmatch(text):
        return f"{text} is {SHORT_LINK_SAID}"
    return f"{path} does not exist: give {WHAT_IS_READ}, or a folder or zip of them"


SHORT_LINK_SAID = ("a short link (spotify.link), which says nothing of what it leads to "
                   "without asking Spotify: open it in a browser, then import the "
                   "open.spotify.com link it leads to (`mpdtui import -`, ctrl+d ends it)")
_ZIP_HOLDS = "the playlist files it holds"
Reading = Callable[[], list[PlaylistFile]]


def _gathered(where: Path, readings: list[Reading]) -> ReadFiles:
    """The playlists of a folder's or zip's files; a file that holds none is skipped, unless
    none does."""
    playlists, skipped, tables = [], [], []
    for reading in readings:
        try:
            playlists.extend(reading())
        except FeaturesTableError as exc:  # said whole: its command works as it is
            tables.append(exc)
            skipped.append(str(exc))
        except UserError as exc:  # what the file is not, without the advice of what to give
            skipped.append(str(exc).split(": give ")[0])
    if not readings:
        raise UserError(f"{where} holds no playlist file ({', '.join(IMPORT_SUFFIXES)})"
                        f"{_subfolders_said(where) or f': give {WHAT_IS_READ}'}")
    if not playlists and tables:
        raise tables[0]
    if not playlists:
        raise UserError(f"{where} holds no playlist ({skipped[0]}): give {WHAT_IS_READ}")
    return ReadFiles(playlists, skipped)


def _folder(folder: Path) -> list[Reading]:
    try:
        files = sorted((p for p in folder.iterdir()
                        if p.suffix.lower() in IMPORT_SUFFIXES and p.is_file()),
                       key=lambda p: p.name.casefold())
    except OSError as exc:
        raise UserError(f"{folder}: cannot list the folder ({exc.strerror})") from None
    return [partial(_only_playlist, file) for file in files]


def _subfolders_said(where: Path) -> str:
    """Where a folder's own files hold no playlist: its subfolders, which are not read (a
    folder given by mistake, such as the home folder, is not searched through)."""
    try:
        inside = sorted(p.name for p in where.iterdir() if p.is_dir())
    except OSError:  # a zip, or a folder that went
        return ""
    if not inside:
        return ""
    named = ", ".join(inside[:3]) + (", ..." if len(inside) > 3 else "")
    return f" of its own, and its folders ({named}) are not read: give one of them"


def _only_playlist(file: Path) -> list[PlaylistFile]:
    return read_playlist_files(file).playlists


def _zip(path: Path) -> ReadFiles:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted((m for m in archive.infolist() if not m.is_dir()
                              and Path(m.filename).suffix.lower() in IMPORT_SUFFIXES
                              and not Path(m.filename).name.startswith(".")),
                             key=lambda m: m.filename.casefold())
            return _gathered(path, [partial(_member, path, archive, m) for m in members])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise damaged_zip(path, exc, _ZIP_HOLDS) from None


def _member(path: Path, archive: zipfile.ZipFile,
            member: zipfile.ZipInfo) -> list[PlaylistFile]:
    source = f"{path}:{member.filename}"
    if member.file_size > LARGEST_FILE:
        raise UserError(f"{source} is {member.file_size >> 20:,} MB, too large for a playlist")
    return parse_playlists(archive.read(member), source, Path(member.filename).name, str(path))


def parse_playlist(raw: bytes, source: str, file_name: str,
                   features_path: str | None = None) -> PlaylistFile:
    """The (first) playlist in a file's bytes (`parse_playlists`)."""
    return parse_playlists(raw, source, file_name, features_path)[0]


def parse_playlists(raw: bytes, source: str, file_name: str,
                    features_path: str | None = None) -> list[PlaylistFile]:
    """The playlist in a file's bytes, whichever of the formats it is in; a CSV whose
    `Playlist name` column names several gives each (their tracks had all gone to the first's
    name). `features_path`: what `mpdtui features --csv` reads these bytes from (the file, its
    zip), should they be a features table; None: a pipe's or standard input's."""
    text = _decoded(raw, source)
    stripped = text.lstrip()
    suffix = Path(file_name).suffix.lower()
    if looks_like_pls(stripped):  # before JSON: "[playlist]"
        read = from_pls(lines_of(text))
    elif looks_like_xspf(stripped):
        read = from_xspf(stripped, source)
    elif looks_like_markup(stripped):
        raise other_markup(stripped, source)
    elif stripped.startswith(("{", "[")):
        read = _json_or_lines(text, source, suffix)
    elif stripped.upper().startswith(("#EXTM3U", "#EXTINF")):
        read = from_lines(lines_of(text))
    elif looks_like_csv(stripped) or suffix == ".csv":  # by its header whatever its name:
        read = from_csv(text, source)  # `mpdtui export --to csv --out mix.m3u8` wrote one
    else:
        read = from_lines(lines_of(text))
    if (table := _features_table(read, source, file_name, features_path)) is not None:
        raise table
    parts = [part for part in (read, *read.more) if part.tracks]
    if not parts:
        linked = next(filter(None, (no_track_linked(line, PASTE_TO_IMPORT)
                                    for line in lines_of(stripped)[:10])), None)
        if linked:
            raise UserError(f"{source} holds {linked}")
        if any(SHORT_LINK.fullmatch(line.strip()) for line in lines_of(stripped)[:10]):
            raise UserError(f"{source} holds {SHORT_LINK_SAID}")
        if read.no_track_why:
            raise UserError(f"{source} {read.no_track_why}")
        if read.broken_links and not read.not_tracks:
            raise UserError(f"{source} names no track, only {broken_links_said(read.broken_links)}")
        raise UserError(f"{source} names no track (found {_counted_lines(read)}): give "
                        f"{WHAT_IS_READ}")
    return [PlaylistFile(source, _playlist_name(part.name, file_name), tuple(part.tracks),
                         part.not_tracks, part.audio_features, tuple(part.broken_links),
                         part.unlisted)
            for part in parts]


def _json_or_lines(text: str, source: str, suffix: str) -> ParsedPlaylist:
    """JSON by its first character, else (not named .json) lines that start with a bracket: a
    chat's export ("[12:01] Bob: https://open.spotify.com/track/..."), a note's "[1] ..."."""
    try:
        return from_json(text, source)
    except NotJson:
        if suffix == ".json" or not text.lstrip().startswith("["):
            raise
        return from_lines(lines_of(text))


class FeaturesTableError(UserError):
    """A table of audio features (Kaggle's tracks_features.csv) given for a playlist."""


def _features_table(read: ParsedPlaylist, source: str, file_name: str,
                    features_path: str | None) -> FeaturesTableError | None:
    """A CSV laid out as tracks_features.csv or dataset.csv is (a bare id, all the features)
    that is named as one or holds more rows than a playlist can: not a playlist (a playlist's
    CSV of that layout, a script's, is imported, the features said apart)."""
    rows = len(read.tracks) + read.not_tracks + len(read.broken_links)
    if not read.features_table or (rows <= PLAYLIST_MOST_TRACKS
                                   and Path(file_name).name.lower() not in FEATURES_TABLES):
        return None
    how = (f"`mpdtui features --csv {shlex.quote(features_path)}` imports them" if features_path
           else "save it as a file, then `mpdtui features --csv FILE` imports them")
    return FeaturesTableError(f"{source} is a table of audio features ({rows:,} rows laid out "
                              f"as {read.features_table}.csv is), not a playlist: {how}")


BROKEN_LINKS_SHOWN = 3


def broken_links_said(links: Sequence[str]) -> str:
    """ "1 track link that holds no track id: 'spotify:track:nope' (...what to do)", and the
    short links (spotify.link) apart, with what to do with them."""
    short = [link for link in links if SHORT_LINK.fullmatch(link)]
    broken = [link for link in links if link not in short]
    said = []
    if broken:
        said.append(f"{_counted_links(broken, 'track link')} that hold{'s' * (len(broken) == 1)} "
                    f"no track id: {_links_shown(broken)} (a track's id is 22 letters and "
                    "digits: copy its link again in Spotify's app, Share > Copy Song Link)")
    if short:
        said.append(f"{_counted_links(short, 'short link')} (spotify.link), which say"
                    f"{'s' * (len(short) == 1)} nothing of the track without asking Spotify: "
                    f"{_links_shown(short)} (open it in a browser, then import the "
                    "open.spotify.com link it leads to)")
    return " and ".join(said)


def _counted_links(links: Sequence[str], what: str) -> str:
    return f"{len(links):,} {what}{'s' * (len(links) != 1)}"


def _links_shown(links: Sequence[str]) -> str:
    shown = ", ".join(quoted(link[:80]) for link in links[:BROKEN_LINKS_SHOWN])
    more = len(links) - BROKEN_LINKS_SHOWN
    return f"{shown}{f' and {more:,} more' if more > 0 else ''}"


def _counted_lines(read: ParsedPlaylist) -> str:
    lines = read.not_tracks + len(read.broken_links)
    if not lines:
        return "nothing in it"
    return f"{lines:,} line{'s' * (lines != 1)} naming no song"


def _decoded(raw: bytes, source: str) -> str:
    """Text in UTF-8 (a byte-order mark aside), UTF-16 with its mark (Windows' Notepad), else
    Windows' Latin-1 (cp1252: an old M3U's, whose ’ – … Latin-1 reads as control
    characters), else Latin-1 (the five bytes cp1252 leaves undefined)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    if b"\0" in raw[:4096]:
        raise UserError(f"{source} is not a text file: give {WHAT_IS_READ}")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _playlist_name(named: str, file_name: str) -> str:
    """The name the file gives, else its file name's ("rainy_sunday.csv": "rainy sunday"),
    without control characters."""
    for name in (named, Path(file_name).stem.replace("_", " ")):
        name = one_line(name)
        if name:
            return name
    return "imported playlist"
