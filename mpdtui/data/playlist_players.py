"""Players' own playlist formats besides M3U: PLS (Winamp's, VLC's, Audacious's, a radio's) and
XSPF (VLC's default "Save Playlist", Strawberry's, Audacious's), each parsed from its text into
the tracks an M3U's lines would give."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable

from mpdtui.data.mpd_validation import pasted_track_uri
from mpdtui.data.playlist_formats import (
    WHAT_IS_READ,
    FileTrack,
    ParsedPlaylist,
    add_track,
    length_ms,
    line_track,
)
from mpdtui.errors import UserError

_PLS_ENTRY = re.compile(r"(File|Title|Length)(\d+)\s*=(.*)", re.IGNORECASE)


def looks_like_pls(text: str) -> bool:
    return text.lower().startswith("[playlist]")


def from_pls(lines: Iterable[str]) -> ParsedPlaylist:
    """`[playlist]`, then `FileN=`, `TitleN=` ("artist - title", as an M3U's #EXTINF) and
    `LengthN=` (seconds, -1: unknown) for each entry N, in N's order."""
    entries: dict[int, dict[str, str]] = {}
    for line in lines:
        if match := _PLS_ENTRY.match(line.strip()):
            key, number, value = match.groups()
            entries.setdefault(int(number), {})[key.lower()] = value.strip()
    read = ParsedPlaylist()
    for _, entry in sorted(entries.items()):
        location = entry.get("file", "")
        said = (length_ms(entry.get("length", ""), 1000), entry.get("title", ""))
        add_track(read, line_track(location, said) if location else None, location)
    return read


XSPF_NAMESPACE = "http://xspf.org/ns/0/"
_DEFAULT_TITLES = {"playlist", "untitled"}
"""What players write for a playlist never named (VLC's "Playlist"): the file's name is
better."""


def looks_like_xspf(text: str) -> bool:
    return text.startswith("<") and XSPF_NAMESPACE in text[:4096]


_MARKUP_START = re.compile(r"<(?:\?xml|!doctype|html|plist)\b", re.IGNORECASE)


def looks_like_markup(text: str) -> bool:
    """XML or HTML, by its first tag (not a line of links in angle brackets, <https://...>)."""
    return _MARKUP_START.match(text) is not None


def other_markup(text: str, source: str) -> UserError:
    """Why a file of XML or HTML that is no XSPF is not read; an iTunes or Music library's XML
    (a plist) is told how Music exports one playlist in a format that is read."""
    if "<plist" in text[:4096]:
        return UserError(f"{source} is an iTunes or Music library's XML, which is not read: in "
                         "Music, select the playlist, then File > Library > Export Playlist... "
                         "as M3U or Unicode Text, and import that file")
    return UserError(f"{source} is XML or HTML but not an XSPF playlist: give {WHAT_IS_READ}")


def from_xspf(text: str, source: str) -> ParsedPlaylist:
    """XSPF's `<track>`s: `<location>` (a file, a file:// URL or a Spotify link), `<title>`,
    `<creator>` (the artist) and `<duration>` (ms)."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise UserError(f"{source} is not valid XSPF ({exc}): give {WHAT_IS_READ}") from None
    title = _child_text(root, "title")
    read = ParsedPlaylist(name="" if title.casefold() in _DEFAULT_TITLES else title)
    for track in root.iter(f"{{{XSPF_NAMESPACE}}}track"):
        location = _child_text(track, "location")
        add_track(read, _xspf_track(track, location), location)
    return read


def _xspf_track(track: ElementTree.Element, location: str) -> FileTrack | None:
    title, artist = _child_text(track, "title"), _child_text(track, "creator")
    duration = length_ms(_child_text(track, "duration"))
    if title and artist:
        return FileTrack(pasted_track_uri(location) or "", title, artist, duration)
    return line_track(location, (duration, title)) if location else None


def _child_text(element: ElementTree.Element, name: str) -> str:
    child = element.find(f"{{{XSPF_NAMESPACE}}}{name}")
    return (child.text or "").strip() if child is not None else ""
