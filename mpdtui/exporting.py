"""Saved playlists to files: M3U8 (with `#EXTINF` duration and "artist - title"), JSON, CSV,
and a text file of track links (pasted into a playlist in Spotify's app, they add its tracks).

JSON and CSV also carry each track's tempo, key, Camelot code and energy when they are known.

Files are written atomically (temp file + rename), so a failed export never leaves half a file;
a device or pipe (`--out /dev/stdout`) is written in place.
An export replaces an earlier mpdtui export at its path, never another file of the user's.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import orjson

from mpdtui.data.files import file_in_the_way, write_out
from mpdtui.data.mpd_validation import TRACK_LINK, track_links
from mpdtui.data.spreadsheet_cells import spreadsheet_text
from mpdtui.errors import UserError, what_to_do
from mpdtui.locations import expand_home
from mpdtui.printable import one_line, quoted

if TYPE_CHECKING:  # the CLI's option lists read FILE_FORMATS before any export
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.data.saved_playlists import SavedPlaylist, TrackEntry

FILE_FORMATS = ("m3u", "json", "csv", "links")
EXTENSIONS = {"m3u": ".m3u8", "json": ".json", "csv": ".csv", "links": ".txt"}
JSON_FORMAT = "mpdtui-playlist"
JSON_VERSION = 1
CSV_COLUMNS = ("position", "uri", "artist", "title", "duration_ms", "tempo", "key", "camelot",
               "energy", "playlist")
"""The last column holds the playlist's name on every row (TuneMyMusic's way), so that an
import gives the name back, where a file name cannot hold it ("Mix: Vol 1" -> Mix-Vol-1.csv)."""
_EARLIER_CSV_COLUMNS = CSV_COLUMNS[:-1]  # exports before the name's column
Audio: TypeAlias = "Sequence[TrackAudio | None] | None"  # aligned with the playlist's tracks
_LARGEST_EXPORT = 64 << 20  # far above any playlist's export; larger files are not read


STEM_MAX_BYTES = 120
"""File systems take names of up to 255 bytes (ext4) or characters (APFS, NTFS): a longer name
(100 CJK characters are 300 bytes in UTF-8) is cut to this many bytes, leaving room for " (2)",
the extension and the affixes of the temporary file it is written through."""


def file_stem(name: str) -> str:
    """A playlist's name as a file name: "Mix: Vol 1" -> "Mix-Vol-1"; a long one cut short."""
    stem = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE)
    stem = stem.encode()[:STEM_MAX_BYTES].decode(errors="ignore")  # whole characters only
    return stem.strip("-.") or "playlist"


def default_path(playlist: SavedPlaylist, fmt: str, sharing: Sequence[int] = ()) -> Path:
    """`<name as a file name>.<ext>`, for the export folder (`config.export_dir`). `sharing`:
    the ids of every saved playlist whose name makes the same file name, whatever its case
    ("Road trip", "road trip!"); the oldest keeps it, the next gets "Road-trip (2)", and so
    on, so that exporting one never replaces another's file. The suffix is not one a name
    can make."""
    older = sum(1 for other in sharing if other < playlist.id)
    suffix = f" ({older + 1})" if older else ""
    return Path(file_stem(playlist.name) + suffix + EXTENSIONS[fmt])


OTHER_FOLDER = "give another folder to write it to with --out DIR/"
"""What to do where a folder takes no file of this user's (another's, read-only)."""


def export_file(playlist: SavedPlaylist, fmt: str, out: Path, audio: Audio = None) -> Path:
    """Write `playlist` as `fmt` ("m3u", "json" or "csv") to `out` (its folder created when
    missing); returns the full path."""
    content = export_bytes(playlist, fmt, audio)
    path = expand_home(out).absolute()
    refuse_file_in_the_way(path.parent, f"give another path to write {path.name} to")
    _refuse_other_files(path)
    _refuse_other_format(path, fmt)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_out(path, content)
    except OSError as exc:
        advice = what_to_do(exc) or OTHER_FOLDER
        raise UserError(f"{path}: cannot write the playlist ({exc.strerror}): {advice}") from None
    return path


_FORMAT_OF_ENDING = {".m3u8": "m3u", ".m3u": "m3u", ".json": "json", ".csv": "csv",
                     ".txt": "links"}
_WRITES = {"m3u": "an M3U8 playlist", "json": "JSON", "csv": "a CSV", "links": "track links"}


def _refuse_other_format(path: Path, fmt: str) -> None:
    """A file named as another format's (`--to json --out mix.m3u`) would be read as that
    format, by a player or a spreadsheet, and fail there: refused before it is written."""
    named = _FORMAT_OF_ENDING.get(path.suffix.lower())
    if named is not None and named != fmt:
        raise UserError(f"{path.name} ends in {path.suffix}, but --to {fmt} writes "
                        f"{_WRITES[fmt]}: give --out a name ending in {EXTENSIONS[fmt]}, or "
                        f"--to {named} to write {_WRITES[named]}")


def refuse_file_in_the_way(folder: Path, advice: str) -> None:
    """UserError when a file (or device) stands where `folder` or a parent it needs would be."""
    blocking = file_in_the_way(folder)
    if blocking is not None:
        raise UserError(f"{blocking} is a file, not a folder: {advice}")


def export_bytes(playlist: SavedPlaylist, fmt: str, audio: Audio = None) -> bytes:
    """The file an export of `playlist` as `fmt` holds (`--out -` writes it to stdout)."""
    if fmt not in FILE_FORMATS:
        raise UserError(f"unknown export format {quoted(fmt)}: use one of {', '.join(FILE_FORMATS)}")
    if fmt == "json":
        document = {"format": JSON_FORMAT, "version": JSON_VERSION,
                    **playlist_document(playlist, audio)}
        return orjson.dumps(document, option=orjson.OPT_INDENT_2)
    if fmt == "links":
        return track_links(playlist.uris).encode()
    text = m3u8_text(playlist) if fmt == "m3u" else csv_text(playlist, audio)
    return text.encode("utf-8")


def _refuse_other_files(path: Path) -> None:
    """Re-exporting to the same path is the usual loop, so an earlier export (of any of the
    four formats) is replaced; anything else at `path` is the user's and is kept."""
    if not path.is_file() or _is_an_export(path):
        return
    raise UserError(f"{path} already exists and is not a playlist mpdtui exported: move or "
                    "rename it, or export to another file")


def _is_an_export(path: Path) -> bool:
    try:
        if path.stat().st_size > _LARGEST_EXPORT:
            return False
        raw = path.read_bytes()
    except OSError:
        return False  # unreadable: not ours to replace
    if not raw.strip():
        return True  # nothing in it to lose
    text = raw.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if lines[0] in (",".join(CSV_COLUMNS), ",".join(_EARLIER_CSV_COLUMNS)):
        return True
    if all(line.startswith(TRACK_LINK) for line in lines):
        return True
    if lines[0] == "#EXTM3U" and len(lines) > 1 and lines[1].startswith("#PLAYLIST:"):
        return all(line.startswith(("#EXTINF:", "spotify:")) for line in lines[2:])
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    return isinstance(document, dict) and document.get("format") == JSON_FORMAT


def display_name(track: TrackEntry) -> str:
    """ "artist - title", or whichever of them is known, or the URI."""
    parts = [one_line(part) for part in (track.artist, track.title) if part.strip()]
    return " - ".join(parts) if parts else track.uri


def m3u8_text(playlist: SavedPlaylist) -> str:
    """Lines from data have no line break nor control character (`one_line`): an escape
    sequence in a title reached the terminal of whoever printed the file."""
    lines = ["#EXTM3U", f"#PLAYLIST:{one_line(playlist.name)}"]
    for track in playlist.tracks:
        seconds = round(track.duration_ms / 1000) if track.duration_ms is not None else -1
        lines += [f"#EXTINF:{seconds},{display_name(track)}", track.uri]
    return "\n".join(lines) + "\n"


def csv_text(playlist: SavedPlaylist, audio: Audio = None) -> str:
    """The data's text cells as `spreadsheet_text`: opened in a spreadsheet, a title such as
    "=HYPERLINK(...)" is shown, not run."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for pos, (track, sound) in enumerate(zip(playlist.tracks, _aligned(playlist, audio),
                                             strict=True), start=1):
        duration = "" if track.duration_ms is None else track.duration_ms
        texts = map(spreadsheet_text, (track.uri, track.artist, track.title))
        writer.writerow((pos, *texts, duration, *_audio_cells(sound),
                         spreadsheet_text(playlist.name)))
    return buffer.getvalue()


def playlist_document(playlist: SavedPlaylist, audio: Audio = None) -> dict[str, object]:
    return {"name": playlist.name, "tracks": [
        {"uri": t.uri, "artist": t.artist, "title": t.title, "duration_ms": t.duration_ms,
         "audio": None if sound is None else sound.as_json()}
        for t, sound in zip(playlist.tracks, _aligned(playlist, audio), strict=True)]}


def _aligned(playlist: SavedPlaylist, audio: Audio) -> Sequence[TrackAudio | None]:
    return [None] * len(playlist.tracks) if audio is None else audio


def _audio_cells(sound: TrackAudio | None) -> tuple[str, ...]:
    if sound is None:
        return ("", "", "", "")
    tempo = "" if sound.tempo is None else f"{sound.tempo:.1f}"
    return (tempo, sound.key, sound.camelot, sound.energy_text())
