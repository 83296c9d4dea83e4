"""The formats of playlist files `mpdtui import` reads, each parsed from its text: lines (an
M3U, M3U8 or a list of links) and JSON (mpdtui's, the MPD's, the Web API's, a list of URIs);
CSV's (mpdtui's, Exportify's, a spreadsheet's) are `mpdtui.data.playlist_csv`'s."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, unquote_plus, urlsplit

import orjson

from mpdtui.data.mpd_validation import MAX_INT32, SHORT_LINK, pasted_track_uri
from mpdtui.data.saved_playlists import TrackEntry
from mpdtui.errors import UserError

WHAT_IS_READ = ("an M3U8, CSV or JSON playlist (what `mpdtui export` or Exportify writes) or "
                "a text file of Spotify track links")


FileTrack = TrackEntry
"""A track as a file names it: by its URI, or ("" for the URI) by artist and title alone, to
be found in the catalog."""


@dataclass
class ParsedPlaylist:
    """What a file holds, before its name is checked."""

    name: str = ""
    tracks: list[FileTrack] = field(default_factory=list)
    not_tracks: int = 0
    broken_links: list[str] = field(default_factory=list)
    """Track links or URIs whose id is not one (cut short, mistyped), and short links
    (spotify.link), as the file has them."""
    audio_features: bool | None = None
    """A CSV with columns for its tracks' audio features (Exportify's): whether a row holds
    them; None: a file without such columns."""
    features_table: str = ""
    """A CSV laid out as a public features table is, its tracks by a bare id beside all the
    features (`feature_rows.csv_layout`'s "tracks_features" or "dataset"); "" else."""
    unlisted: int = 0
    """Tracks of the playlist the file does not list: a page of the Web API's answer (100
    items of a longer playlist, its `total`)."""
    no_track_why: str = ""
    """Why a CSV names no track, where its header row says why ("holds its header row alone,
    no track"), for the refusal; "" else."""
    more: list[ParsedPlaylist] = field(default_factory=list)
    """The other playlists a CSV's `Playlist name` column names, in their order (TuneMyMusic
    writes several playlists to one file); this one is the first's."""


# --- lines: M3U, M3U8 and lists of links ------------------------------------------------------

_EXTINF = re.compile(r"#EXTINF:\s*(-?\d+)[^,]*,(.*)", re.IGNORECASE)
_AUDIO_FILE = re.compile(r"\.(?:mp3|flac|ogg|oga|opus|m4a|aac|wav|wma|aiff?|alac|ape)$",
                         re.IGNORECASE)
_ESCAPED = re.compile(r"%[0-9A-Fa-f]{2}")
_TRACK_NUMBER = re.compile(r"^\s*(?:\d-)?(?:0\d\s*(?:[-._](?!\d))?|\d{1,3}\s*[-._](?!\d))\s*")
"""A file name's track number: "01 ", "01 - ", "12. ", "1-03 " (disc 1); not the number a
title starts with ("99 Luftballons", "2 Become 1")."""
_TWO_DIGIT_NUMBER = re.compile(r"^\s*\d\d\s+(?=\S)")
"""A track number in an album's folder ("Artist/Album/12 Title.flac"), where a song's name
says no artist ("50 Cent - In Da Club.mp3" does)."""


def lines_of(text: str) -> list[str]:
    """The text's lines, ended by a line feed, a carriage return or both; not by what else
    `str.splitlines` ends one at ("…" of a Windows M3U read as Latin-1's NEL, U+2028)."""
    return _LINE_END.split(text)


_LINE_END = re.compile(r"\r\n?|\n")


def from_lines(lines: Iterable[str]) -> ParsedPlaylist:
    """Lines of an M3U (`#PLAYLIST:` its name, `#EXTINF:` the next line's duration and
    "artist - title") or of a list of links: a track URI or link, a Spotify local file, a
    local file or "artist - title"."""
    read = ParsedPlaylist()
    said: tuple[int | None, str] | None = None  # the last #EXTINF's duration and song
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if match := _EXTINF.match(line):
                said = (length_ms(match.group(1), 1000), match.group(2).strip())
            elif line.upper().startswith("#PLAYLIST:"):
                read.name = line[len("#PLAYLIST:"):]
            continue
        add_track(read, line_track(line, said), line)
        said = None
    return read


_TRACK_LINK_START = re.compile(
    r"(?:spotify:track:|(?:https?://)?open\.spotify\.com/(?:intl-[A-Za-z-]+/)?(?:embed/)?"
    r"track/)",
    re.IGNORECASE)


_TRACK_LINK_IN_TEXT = re.compile(
    r"(?:spotify:track:|open\.spotify\.com/(?:intl-[A-Za-z-]+/)?(?:embed/)?track/)"
    r"([0-9A-Za-z]{22})"
    r"(?![0-9A-Za-z])")
"""A track's link or URI among other words (a chat's or a note's line), its id whole."""


def add_track(read: ParsedPlaylist, track: FileTrack | None, *texts: object) -> None:
    """A track the file names; else, for nothing of a song, one more line naming none or, for
    a track's link or URI that holds no track id (`texts`: where it would be) or a short link
    (spotify.link, whose track only Spotify knows), that link."""
    if track is not None:
        read.tracks.append(track)
    elif broken := next((text.strip() for text in texts if isinstance(text, str)
                         and (_TRACK_LINK_START.match(text.strip())
                              or SHORT_LINK.fullmatch(text.strip()))), None):
        read.broken_links.append(broken)
    else:
        read.not_tracks += 1


def line_track(line: str, said: tuple[int | None, str] | None) -> FileTrack | None:
    duration, song = said if said is not None else (None, "")
    artist, title = _artist_and_title(song)
    if (uri := pasted_track_uri(line)) is not None:
        return FileTrack(uri, title, artist, duration)
    if line.startswith("spotify:local:"):
        return local_track(line)
    if line.startswith(("spotify:", "https://open.spotify.com/", "http://open.spotify.com/")):
        return None  # an episode, an album, a playlist: not a track
    if embedded := _TRACK_LINK_IN_TEXT.search(line):  # a chat's line: "Bob: listen https://..."
        return FileTrack(f"spotify:track:{embedded.group(1)}", title, artist, duration)
    if not artist and _AUDIO_FILE.search(line):  # its path names the song, or the artist
        # a title-only #EXTINF leaves out (Rhythmbox's): "Artist/Album/01 Title.mp3"
        artist, named = _file_artist_and_title(line)
        title = title or named
    elif not song:  # the line names the song: "artist - title"
        artist, title = _artist_and_title(line)
    return FileTrack("", title, artist, duration) if title and artist else None


def _file_artist_and_title(path: str) -> tuple[str, str]:
    """A local file's song: "Artist - Title.mp3", "01 - Artist - Title.mp3", or, for a file
    named by its track number in an album's folder, the title by the folder above it
    ("Artist/Album/01 Title.flac", "Artist/Album/12 Title.flac"), else by the album folder's
    first part ("Artist - Album/01. Title.flac")."""
    if path.startswith("file:"):  # a player's file URL: file:///music/Bj%C3%B6rk/...
        path = unquote(urlsplit(path).path)
    elif " " not in path and _ESCAPED.search(path):  # a path escaped as in a URL, without its
        path = unquote(path)  # file:// ("Music/Daft%20Punk/..."): a web player's export
    *folders, name = [part for part in path.replace("\\", "/").split("/") if part] or [""]
    name = _AUDIO_FILE.sub("", name)
    song = _TRACK_NUMBER.sub("", name, count=1)
    artist, title = _artist_and_title(song)
    if artist or not folders:
        return artist, title
    if song == name:  # "12 Title": iTunes writes two digits and a space, from 01 to 99
        song = _TWO_DIGIT_NUMBER.sub("", name, count=1)
        if song == name:
            return "", title
        title = song.strip()
    by_album_folder = _artist_and_title(folders[-1])[0]
    return (by_album_folder or (folders[-2] if len(folders) >= 2 else "")), title


def _artist_and_title(song: str) -> tuple[str, str]:
    """ "Artist - Title" (an M3U's `#EXTINF` and mpdtui's own), split at its first " - ",
    else at an en or em dash ("Artist – Title", as some players and converters write it)."""
    for between in (" - ", " – ", " — "):
        artist, dash, title = song.partition(between)
        if dash:
            return artist.strip(), title.strip()
    return "", song.strip()


def local_track(uri: str) -> FileTrack | None:
    """`spotify:local:artist:album:title:seconds`, a local file in a Spotify playlist."""
    parts = uri.split(":")
    if len(parts) < 6:
        return None
    artist, title = unquote_plus(parts[2]).strip(), unquote_plus(parts[4]).strip()
    return FileTrack("", title, artist, length_ms(parts[5], 1000)) if title and artist else None


LONGEST_NUMBER = 12
"""Digits of a length worth reading (int() refuses more than 4,300, and 12 are 31 years in ms)."""


def length_ms(number: object, unit_ms: int = 1) -> int | None:
    """A track's length in ms from a file's number (text or JSON's; `unit_ms`: 1000 for
    seconds), or None where it gives none a track can have: "-1" (M3U's unknown), 0, "²" (a
    digit int() does not read), or one beyond the int32 milliseconds a length is kept in."""
    if isinstance(number, str):
        number = number.strip()
        number = int(number) if number.isdecimal() and len(number) <= LONGEST_NUMBER else None
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    return number * unit_ms if 0 < number * unit_ms <= MAX_INT32 else None


# --- JSON: mpdtui's export, an MPD playlist, the Web API's playlist, a list of URIs ------------

class NotJson(UserError):
    """Text that starts as JSON does ("{", "[") and is none."""


def from_json(text: str, source: str) -> ParsedPlaylist:
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise NotJson(f"{source} is not valid JSON ({exc}): give {WHAT_IS_READ}") from None
    if isinstance(document, dict) and isinstance(document.get("playlists"), list):
        if _account_data(document["playlists"]):
            return _account_playlists(document["playlists"])
        document = _only_playlist(document["playlists"], source)
    read = ParsedPlaylist(name=_json_name(document))
    items = _json_items(document)
    if items is None:
        raise UserError(f"{source} is JSON but not a playlist: give what `mpdtui export --to "
                        "json` writes, an MPD playlist or a list of Spotify track URIs")
    for item in items:
        add_track(read, _json_track(item), *_json_links(item))
    read.unlisted = _unlisted(document, len(items))
    return read


def _unlisted(document: Any, listed: int) -> int:
    """The Web API's playlist (or a page of its items) gives 100 items a page and the
    playlist's `total`: the tracks beyond those listed."""
    page = document.get("tracks", document) if isinstance(document, dict) else None
    total = page.get("total") if isinstance(page, dict) else None
    if not isinstance(total, int) or isinstance(total, bool):
        return 0
    return max(0, total - listed)


def _json_name(document: Any) -> str:
    """The playlist's `name`; the account data's YourLibrary.json (its "tracks" beside its
    "bannedTracks") holds the songs liked, which Spotify's apps call Liked Songs."""
    if not isinstance(document, dict):
        return ""
    return _text(document.get("name")) or ("Liked Songs" if "bannedTracks" in document else "")


def _account_data(playlists: list[Any]) -> bool:
    """Spotify's download of your account data (Privacy settings > Download your data) holds
    all your playlists in Playlist1.json: each one's "items", not the MPD's "tracks"."""
    return bool(playlists) and all(isinstance(playlist, dict) and "tracks" not in playlist
                                   and isinstance(playlist.get("items"), list)
                                   for playlist in playlists)


def _account_playlists(playlists: list[dict[str, Any]]) -> ParsedPlaylist:
    """Each playlist of the account data's Playlist1.json (the first, the others in `more`);
    an item is a "track" (camelCase: trackUri, trackName, artistName), a "localTrack" or an
    "episode", which is no track."""
    parsed = []
    for playlist in playlists:
        read = ParsedPlaylist(name=_text(playlist.get("name")))
        for item in playlist["items"]:
            track = _account_track(item)
            add_track(read, _json_track(track), *_json_links(track))
        parsed.append(read)
    parsed[0].more = parsed[1:]
    return parsed[0]


def _account_track(item: Any) -> dict[str, Any]:
    """An account data item's track in the keys of mpdtui's JSON ({} for an episode)."""
    track = (item.get("track") or item.get("localTrack")) if isinstance(item, dict) else None
    if not isinstance(track, dict):
        return {}
    return {"uri": track.get("trackUri") or track.get("uri"), "title": track.get("trackName"),
            "artist": track.get("artistName")}


def _only_playlist(playlists: list[Any], source: str) -> Any:
    if len(playlists) == 1:
        return playlists[0]
    held = f"{source} holds {len(playlists):,} playlists"
    if playlists and isinstance(playlists[0], dict) and "num_holdouts" in playlists[0]:
        raise UserError(f"{held}, the RecSys Challenge's challenge set: `mpdtui submit "
                        "--challenge-set PATH --out submission.csv` answers it; an import "
                        "takes one playlist a file")
    raise UserError(f"{held}, an MPD slice: `mpdtui ingest PATH` reads them as training data; "
                    "an import takes one playlist a file")


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


def _json_links(item: Any) -> list[Any]:
    """Where an item of a JSON playlist gives its track's link or URI."""
    if not isinstance(item, dict):
        return [item]
    track = item["track"] if isinstance(item.get("track"), dict) else item
    urls = track.get("external_urls")
    return [*(track.get(key) for key in ("uri", "track_uri", "spotify_uri", "url", "link")),
            urls.get("spotify") if isinstance(urls, dict) else None]


def _json_track(item: Any) -> FileTrack | None:
    if isinstance(item, str):
        return line_track(item.strip(), None) if item.strip() else None
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
    duration_ms = length_ms(track.get("duration_ms"))
    if uri is not None:
        return FileTrack(uri, title, artist, duration_ms)
    local = next((value for value in linked if isinstance(value, str)
                  and value.startswith("spotify:local:")), None)
    if local is not None:
        return local_track(local)
    return FileTrack("", title, artist, duration_ms) if title and artist else None


def _artist_names(artists: Any) -> str:
    if not isinstance(artists, list):
        return ""
    return ", ".join(name for a in artists if isinstance(a, dict) and (name := _text(a.get("name"))))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
