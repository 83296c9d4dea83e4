"""Saved playlists from files (`mpdtui import`, `i` in the saved playlists): each file's
tracks as the catalog knows them, songs named without a Spotify link found by artist and title,
and every name checked before anything is saved."""

from __future__ import annotations

import os
import re
import shlex
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import replace as replace_fields
from functools import lru_cache

from mpdtui.data.catalog import Track
from mpdtui.data.playlist_formats import FileTrack
from mpdtui.data.saved_playlists import PlaylistExists, SavedPlaylist, SavedPlaylists, TrackEntry
from mpdtui.data.track_query import APOSTROPHES
from mpdtui.errors import UserError
from mpdtui.importing import PlaylistFile, ReadFiles, broken_links_said
from mpdtui.pipeline.display import counted
from mpdtui.printable import quoted
from mpdtui.services.catalog import CatalogService

SONGS_WORTH_SAYING = 200
"""Songs to find by artist and title from which an import says it has begun (about a second of
look-ups on a large catalog, more where few are found)."""
SONG_CANDIDATES = 50
"""Search results looked through for a song named by artist and title (most popular first: a
song's many versions, remasters and live takes, share their words)."""


@dataclass(frozen=True)
class ImportedPlaylist:
    playlist: SavedPlaylist
    source: str
    replaced: bool
    """It replaced the tracks of the saved playlist of its name."""
    renamed_from: str
    """The name the file gives, when that was taken ("X" saved as "X 2"); else ""."""
    not_in_catalog: int
    """Spotify tracks the catalog does not hold: kept (exports take them), not shown."""
    found_by_song: int
    """Songs the file names without a Spotify link, found in the catalog by artist and title."""
    not_found: tuple[str, ...]
    """Those not found ("artist - title"), left out."""
    repeats: int
    """Repeats of a track, left out."""
    not_songs: int
    """Lines or rows that name no song (a podcast episode, an album link), left out."""
    audio_features: bool | None = None
    """The file has columns for its tracks' audio features (Exportify's): whether a row holds
    them (`mpdtui features --csv FILE` imports them); None: no such columns."""
    broken_links: tuple[str, ...] = ()
    """Track links or URIs that hold no track id (cut short, mistyped), left out."""
    taken_by: str = ""
    """When `renamed_from` went to another file of this import, not a saved playlist: that
    file."""
    unlisted: int = 0
    """Tracks of the playlist the file does not list (a page of the Web API's answer)."""


@dataclass(frozen=True)
class Imported:
    playlists: list[ImportedPlaylist]
    left_out: list[str]
    """Why each file none of whose songs the catalog holds was left out, where other files of
    the import were saved (a folder's playlist of local files should not stop the others)."""


class NoSongFound(UserError):
    """A file names songs without a Spotify link only, and the catalog holds none of them."""


@dataclass(frozen=True)
class _Plan:
    file: PlaylistFile
    name: str
    entries: list[TrackEntry]
    not_in_catalog: int
    found_by_song: int
    not_found: tuple[str, ...]
    repeats: int
    renamed_from: str = ""
    taken_by: str = ""


def import_playlists(store: SavedPlaylists, catalog: CatalogService,
                     files: Sequence[PlaylistFile], *, name: str | None = None,
                     replace: bool = False,
                     other_name_when_taken: bool = False) -> Imported:
    """Save the playlists `files` hold, under the names they give (or `name`, for one). A
    saved playlist's name is refused (PlaylistExists, before anything is saved) unless
    `replace` (its tracks are replaced) or `other_name_when_taken` ("X 2"). A file none of
    whose songs the catalog holds is left out and said, unless no file has any (NoSongFound)."""
    if name is not None and len(files) > 1:
        raise UserError(f"{len(files)} playlists to import: a name is for one; import them "
                        "under the names they give without it")
    plans, left_out = [], []
    for file in files:
        try:
            plans.append(_plan(file, name or file.name, catalog))
        except NoSongFound as exc:
            left_out.append(exc)
    if not plans:
        raise left_out[0]
    taken = {summary.name for summary in store.list()}
    named = _named(plans, taken, replace, other_name_when_taken, store.find_by_origin)
    return Imported([_save(store, plan, replaced=plan.name in taken) for plan in named],
                    [str(exc) for exc in left_out])


def finding_songs(files: Sequence[PlaylistFile]) -> str | None:
    """ "finding 2,000 songs in the catalog by artist and title…", where `files` name enough
    songs without a Spotify link that their look-ups take a while; else None."""
    songs = sum(not track.uri for file in files for track in file.tracks)
    if songs < SONGS_WORTH_SAYING:
        return None
    return f"finding {counted(songs, 'song')} in the catalog by artist and title…"


def audio_features_note(path: str, read: ReadFiles) -> str | None:
    """What to do with the audio features the files at `path` hold (Exportify writes them
    beside each track): they are imported apart, as a job, with the other features."""
    if not read.audio_features:
        return None
    return (f"{path} also holds the tracks' audio features: `mpdtui features --csv "
            f"{shlex.quote(path)}` imports them (to filter and order by sound)")


def _named(plans: list[_Plan], taken: set[str], replace: bool, other_name: bool,
           by_origin: Callable[[str], SavedPlaylist | None]) -> list[_Plan]:
    """Each plan under a name of its own: two files giving one name, the second gets "X 2"
    (with `replace`, the "X 2" an earlier import of that file made, its tracks replaced: never
    a new copy at each run, nor another playlist of that name). A saved playlist's name is
    refused unless `replace` or `other_name`."""
    if not (replace or other_name):
        _refuse_taken(plans, taken)
    named: list[_Plan] = []
    used: dict[str, str] = {}  # name -> the file of this import saved under it
    for plan in plans:
        wanted = plan.name
        earlier = by_origin(_origin(plan.file)) if replace and wanted in used else None
        if earlier is not None and earlier.name.startswith(f"{wanted} ") and earlier.name not in used:
            wanted = earlier.name
        elif wanted in used or (wanted in taken and other_name):
            wanted = _free_name(wanted, taken | set(used))
        used[wanted] = plan.file.source
        renamed_from = plan.name if wanted != plan.name else ""
        taken_by = used.get(plan.name, "") if renamed_from else ""
        named.append(replace_fields(plan, name=wanted, renamed_from=renamed_from,
                                    taken_by=taken_by))
    return named


def _refuse_taken(plans: list[_Plan], taken: set[str]) -> None:
    """Every name the files give that a saved playlist has, in one refusal (one a run took as
    many runs as names)."""
    clashes = list(dict.fromkeys(plan.name for plan in plans if plan.name in taken))
    if not clashes:
        return
    first = clashes[0]
    rename = f"`mpdtui playlists {shlex.quote(first)} --rename NEW`"
    if len(clashes) == 1:
        advice = (f"rename the saved one first ({rename})" if len(plans) > 1
                  else "import under another name with --name NEW")
        raise PlaylistExists(f"a saved playlist named {quoted(first)} already exists: {advice}, "
                             "or replace its tracks with --replace", name=first)
    names = ", ".join(quoted(name) for name in clashes)
    raise PlaylistExists(f"{len(clashes)} saved playlists have the names these files give "
                         f"({names}): rename the saved ones first ({rename}, and so on), or "
                         "replace their tracks with --replace", name=first)


def _free_name(wanted: str, taken: set[str]) -> str:
    n = 2
    while f"{wanted} {n}" in taken:
        n += 1
    return f"{wanted} {n}"


def _origin(file: PlaylistFile) -> str:
    """What an imported playlist records it came from (`SavedPlaylist.origin`): the same
    file given from another folder is the same."""
    return f"file:{os.path.abspath(file.source)}"


def _save(store: SavedPlaylists, plan: _Plan, replaced: bool) -> ImportedPlaylist:
    saved = (store.set_tracks(plan.name, plan.entries) if replaced
             else store.create(plan.name, plan.entries, origin=_origin(plan.file)))
    return ImportedPlaylist(saved, plan.file.source, replaced, plan.renamed_from,
                            plan.not_in_catalog, plan.found_by_song, plan.not_found,
                            plan.repeats, plan.file.not_tracks, plan.file.audio_features,
                            plan.file.broken_links, plan.taken_by, plan.file.unlisted)


def _plan(file: PlaylistFile, name: str, catalog: CatalogService) -> _Plan:
    """The file's tracks as saved entries: those the catalog holds as it knows them."""
    searchable = catalog.file_identity() is not None  # no data yet: tracks kept as named
    known = _known_tracks(catalog, [t.uri for t in file.tracks if t.uri]) if searchable else {}
    entries: list[TrackEntry] = []
    seen: set[str] = set()
    not_in_catalog = found_by_song = repeats = 0
    not_found: list[str] = []
    for track in file.tracks:
        match = (known.get(track.uri) if track.uri
                 else _song_in_catalog(catalog, track) if searchable else None)
        if not track.uri and match is None:
            not_found.append(f"{track.artist} - {track.title}")
            continue
        entry = track_entry(match) if match is not None else track  # kept as the file has it
        if entry.uri in seen:
            repeats += 1
            continue
        seen.add(entry.uri)
        entries.append(entry)
        not_in_catalog += match is None
        found_by_song += not track.uri
    if not entries:
        raise NoSongFound(f"{file.source} names {counted(len(file.tracks), 'song')} without a "
                        f"Spotify link, such as '{not_found[0]}', {_not_found_why(searchable)}")
    return _Plan(file, name, entries, not_in_catalog, found_by_song, tuple(not_found), repeats)


def _not_found_why(searchable: bool) -> str:
    if not searchable:
        return ("and no data to find them in by artist and title yet: run `mpdtui ingest "
                "PATH` (or `--demo`) first")
    return "and none of them is in the catalog by its artist and title: nothing to import"


def _known_tracks(catalog: CatalogService, uris: Sequence[str]) -> dict[str, Track]:
    ids = catalog.resolve_uris(uris)
    return {track.uri: track for track in catalog.tracks(ids)}


def _song_in_catalog(catalog: CatalogService, song: FileTrack) -> Track | None:
    """The most popular track of the song's title by its artist (the first of several will
    do), reading "title - artist" too; else the same with the titles' versions set aside
    ("Jóga (Remastered)", "One More Time - Radio Edit" are "Jóga", "One More Time")."""
    for artist, title in ((song.artist, song.title), (song.title, song.artist)):
        artists = {_artist_key(artist), _artist_key(_first_artist(artist))}
        bare_words = f"{_without_versions(title)} {_without_the(_first_artist(artist))}"
        found = (_found(catalog, f"{title} {artist}", artists, title, _folded)
                 or _found(catalog, bare_words, artists, title, _bare_title))
        if found is not None:
            return found
    return None


def _found(catalog: CatalogService, words: str, artists: set[str], title: str,
           shape: Callable[[str], str]) -> Track | None:
    """The first track `words` find whose title has `title`'s shape, by one of `artists`."""
    wanted = shape(title)
    return next((track for track in catalog.search(words, SONG_CANDIDATES)
                 if shape(track.name) == wanted and _artist_key(track.artist_name) in artists),
                None)


_VERSION = re.compile(r"\s*(?:\([^()]*\)|\[[^\[\]]*\]|\s-\s.*|\s(?:feat\.?|ft\.|featuring)\s.*)$",
                      re.IGNORECASE)
"""A version said at a title's end: "(Remastered 2011)", "[Live]", " - Radio Edit", and the
artists featured without brackets ("One More Time feat. Romanthony")."""
_FEATURED = re.compile(r"[,;]|\s+(?:feat\.?|ft\.?|featuring|&|x|with|vs\.?|/)\s+", re.IGNORECASE)
"""Between artists: ", " and "; " (tags with several), "feat.", " & ", " / " ("AC/DC" is one)."""


def _bare_title(title: str) -> str:
    return _folded(_without_versions(title)) or _folded(title)


def _without_versions(title: str) -> str:
    """The title as written less the versions said at its end (all of it if that is all)."""
    bare, before = title, ""
    while bare != before:
        before, bare = bare, _VERSION.sub("", bare)
    return bare if bare.strip() else title


@lru_cache(maxsize=1 << 16)
def _artist_key(artist: str) -> str:
    """An artist's name as compared: folded, less a leading "the" ("Killers", "The Killers")."""
    return _folded(_without_the(artist))


def _without_the(artist: str) -> str:
    return _THE.sub("", artist) or artist


_THE = re.compile(r"^\s*the\s+", re.IGNORECASE)


def _first_artist(artist: str) -> str:
    """ "Daft Punk feat. Romanthony", "A, B", "A; B", "A & B": the first of them."""
    return _FEATURED.split(artist, maxsplit=1)[0].strip() or artist


_NOT_A_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=1 << 16)  # a catalog's names come back in search after search
def _folded(text: str) -> str:
    """A title or an artist with case, accents, apostrophes and other punctuation set aside:
    tags and the catalog often differ only there ("Don’t Stop" and "Don't stop", "Sigur Ros"
    and "Sigur Rós", "Harder Better" and "Harder, Better"); "&" reads "and". Text of
    punctuation only ("!!!") is kept as it is."""
    bare = text.casefold()
    if not bare.isascii():
        decomposed = unicodedata.normalize("NFKD", bare)
        bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.translate(APOSTROPHES)
    words = _NOT_A_WORD.sub(" ", bare.replace("&", " and ")).split()
    return " ".join(words) or " ".join(text.casefold().split())


def track_entry(track: Track) -> TrackEntry:
    """A catalog track as a saved playlist keeps it."""
    return TrackEntry(track.uri, track.name, track.artist_name, track.duration_ms)


SONGS_NAMED = 3
"""Songs not found that a note names (`mpdtui import --json` lists them all)."""


def imported_name(imported: ImportedPlaylist) -> str:
    """ "'rainy sunday'", or "'rainy sunday 2' ('rainy sunday' is taken)" (by a saved
    playlist; by another file of this import, that file is named)."""
    by = (f" by {imported.taken_by}, another file of this import" if imported.taken_by
          else "")
    taken = f" ({quoted(imported.renamed_from)} is taken{by})" if imported.renamed_from else ""
    return f"{quoted(imported.playlist.name)}{taken}"


def import_notes(imported: ImportedPlaylist) -> list[str]:
    """What an import could not take as the file has it, a phrase each."""
    notes = []
    if imported.found_by_song:
        notes.append(f"{counted(imported.found_by_song, 'song')} without a Spotify link found in "
                     "the catalog by artist and title")
    if imported.not_in_catalog:
        notes.append(f"{counted(imported.not_in_catalog, 'track')} the catalog does not hold: "
                     "kept for exports (the builder shows only the catalog's tracks)")
    if imported.not_found:
        named = ", ".join(quoted(song) for song in imported.not_found[:SONGS_NAMED])
        more = len(imported.not_found) - SONGS_NAMED
        notes.append(f"left out {counted(len(imported.not_found), 'song')} without a Spotify "
                     f"link that the catalog does not hold: {named}"
                     + (f" and {more:,} more" if more > 0 else ""))
    if imported.repeats:
        notes.append(f"left out {counted(imported.repeats, 'repeat')} of a track")
    if imported.broken_links:
        notes.append(f"left out {broken_links_said(imported.broken_links)}")
    if imported.unlisted:
        notes.append(f"not in the file: {counted(imported.unlisted, 'more track')} of the "
                     "playlist (the Web API answers 100 a page; the pages its `next` links to "
                     "list them)")
    if imported.not_songs:
        notes.append(f"left out {counted(imported.not_songs, 'line')} naming no song (a "
                     "podcast episode, an album link)")
    return notes
