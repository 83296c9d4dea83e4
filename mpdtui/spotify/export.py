"""Saved playlists to Spotify, and the user's Spotify playlists back into mpdtui.

Export: `POST me/playlists`, then `POST playlists/{id}/items` in chunks of 100. Progress is
recorded after every chunk, so a failed export (the local playlist is never touched) resumes
on the same Spotify playlist when run again, as long as the playlist did not change. A resume
goes by what the Spotify playlist holds, not by the record alone (a chunk sent just before the
export was killed is there but unrecorded), and makes a new playlist, saying why, when the
earlier one was deleted (unfollowed) or changed in Spotify since. A playlist found changed
during the export (the user's own tracks among those sent) is never written to again: mpdtui
cannot tell the user's additions and removals from its own chunks, so going on there could
add a track twice or put back one the user took out; the rerun makes a new playlist.
Import: `GET me/playlists` and each playlist's items, paged; the user's own playlists become
MPD-format playlists (extra training data) and saved playlists (starting points).
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from models.progress import Cancelled, ProgressCallback, check_cancel, report
from mpdtui.data.saved_playlists import (
    ExportState,
    PlaylistKey,
    SavedPlaylist,
    SavedPlaylists,
    TrackEntry,
)
from mpdtui.printable import one_line, quoted
from mpdtui.spotify.client import ITEMS_PER_ADD, SpotifyClient
from mpdtui.spotify.errors import ApiUnavailable, LoginRequired, SpotifyError
from mpdtui.spotify.fetched import FetchedPlaylists

DESCRIPTION = "Made with mpdtui"
CHANGED_DURING_EXPORT = "changed in Spotify during the export"
"""An `ExportState.content` no playlist has (those are digests): the export stopped because
its Spotify playlist was changed in Spotify meanwhile, and is not to be continued there."""


@dataclass(frozen=True)
class ExportResult:
    spotify_id: str
    url: str
    added: int
    resumed: bool  # continued an earlier export that had stopped part way
    notice: str = ""  # why a stopped earlier export was not continued (a new playlist made)


def export_to_spotify(playlists: SavedPlaylists, key: PlaylistKey, client: SpotifyClient, *,
                      public: bool = False, progress: ProgressCallback | None = None,
                      cancel: threading.Event | None = None) -> ExportResult:
    playlist = playlists.get(key)
    content = playlist.content_key()
    earlier = playlists.export_state(playlist.id)
    notice = ""
    if earlier is not None and earlier.content == CHANGED_DURING_EXPORT:
        notice = (f"the Spotify playlist the earlier export stopped in ({earlier.url}) was "
                  "changed in Spotify during it, so this export made a new one (that one is "
                  "left as it is)")
    if earlier is not None and (earlier.finished or earlier.content != content):
        earlier = None  # finished or changed since, here or in Spotify: a new export
    state: ExportState | None = None
    saved_cancel, client.cancel = client.cancel, cancel
    try:
        looking = earlier  # the look at the playlist a stopped export left, until it is done
        try:
            if earlier is not None:
                state, notice = _resume_state(client, earlier, playlist.uris, public)
                looking = None
            if state is None:
                created = client.create_playlist(playlist.name, public=public,
                                                 description=DESCRIPTION)
                url = ((created.get("external_urls") or {}).get("spotify")
                       or str(created.get("uri", "")))
                state = ExportState(str(created["id"]), url, content, 0, False)
                playlists.record_export(playlist.id, state)
        except (SpotifyError, Cancelled) as exc:
            raise _not_started(playlist, looking, exc) from None
        resumed = earlier is not None and state.spotify_id == earlier.spotify_id
        state = _add_chunks(playlists, playlist, state, client, progress, cancel)
    finally:
        client.cancel = saved_cancel
    return ExportResult(state.spotify_id, state.url, state.added, resumed, notice)


def _resume_state(client: SpotifyClient, earlier: ExportState, uris: list[str],
                  public: bool) -> tuple[ExportState | None, str]:
    """Where the stopped export stands in its Spotify playlist: what the playlist holds, not
    what was recorded (a chunk sent just before the export was killed is there, unrecorded).
    None, and why, when it cannot go on there; else what to say (a private playlist that
    `public` asked to be public), or ""."""
    where = f"the Spotify playlist the earlier export stopped in ({earlier.url})"
    listed = client.my_playlist(earlier.spotify_id)
    if listed is None:
        return None, (f"{where} is no longer among your playlists (deleted in Spotify?), "
                      "so this export made a new one")
    held = client.playlist_item_uris(earlier.spotify_id)
    if held != uris[:len(held)] or len(held) < earlier.added:  # < : tracks sent taken out
        return None, (f"{where} was changed in Spotify since, so this export made a new one "
                      "(that one is left as it is)")
    said = ""
    if public and listed.get("public") is False:
        said = (f"{where} is private, as that export made it: --public is for a new playlist; "
                "make this one public in Spotify's app")
    return replace(earlier, added=len(held)), said


def _why(exc: SpotifyError | Cancelled) -> str:
    """What stopped a step, without its own advice (the export's message gives its own)."""
    if isinstance(exc, LoginRequired):
        return _LOG_IN.split(str(exc), maxsplit=1)[0]
    return (exc.reason if isinstance(exc, ApiUnavailable) else str(exc)) or "cancelled"


_LOG_IN = re.compile(r": (run `mpdtui auth[^`]*`.*)$")
"""A lost login's advice ("run `mpdtui auth` to log in again"), which comes first in a stopped
export's."""


def _again(exc: SpotifyError | Cancelled, where: str = "") -> str:
    """The advice that ends a stopped export's message: run it again (continuing `where`),
    after logging in again when the login is what stopped it, once a long rate limit is over
    when that is what stopped it (else the rerun stops as well)."""
    when = f" {exc.when}" if isinstance(exc, ApiUnavailable) and exc.when != "later" else ""
    again = f"run the same export again{when}{where}"
    login = _LOG_IN.search(str(exc)) if isinstance(exc, LoginRequired) else None
    if login is not None:
        return f"{login.group(1)}, then {again}"
    return again


def _not_started(playlist: SavedPlaylist, earlier: ExportState | None,
                 exc: SpotifyError | Cancelled) -> SpotifyError:
    """A failure before any track was sent: in the look at the playlist a stopped export left
    (`earlier`), or in making the new one (it said only "connection to Spotify failed ... to
    me/playlists 6 times", no word of the export)."""
    if earlier is not None:
        return SpotifyError(
            f"export of {quoted(playlist.name)} stopped while looking at the Spotify playlist the "
            f"earlier export stopped in ({_why(exc)}); the local playlist is unchanged: "
            f"{_again(exc, f' to continue into {earlier.url}')}")
    return SpotifyError(
        f"export of {quoted(playlist.name)} stopped before its Spotify playlist was made "
        f"({_why(exc)}); the local playlist is unchanged: {_again(exc)}")


def _add_chunks(playlists: SavedPlaylists, playlist: SavedPlaylist, state: ExportState,
                client: SpotifyClient, progress: ProgressCallback | None,
                cancel: threading.Event | None) -> ExportState:
    uris = playlist.uris
    try:
        for start in range(state.added, len(uris), ITEMS_PER_ADD):
            check_cancel(cancel)
            chunk = uris[start:start + ITEMS_PER_ADD]
            client.add_items(state.spotify_id, chunk, landed=functools.partial(
                _landed, client, state, uris, start + len(chunk)))
            state = ExportState(state.spotify_id, state.url, state.content,
                                start + len(chunk), False)
            playlists.record_export(playlist.id, state)
            report(progress, "export", state.added, len(uris),
                   f"{state.added:,} of {len(uris):,} tracks added")
    except ChangedInSpotify as exc:
        playlists.record_export(playlist.id, replace(state, content=CHANGED_DURING_EXPORT))
        raise SpotifyError(
            f"export of {quoted(playlist.name)} stopped after {state.added:,} of {len(uris):,} "
            f"tracks: {exc}, so the export left it as it is; the local playlist is unchanged: "
            f"run the same export again to make a new Spotify playlist with all {len(uris):,} "
            "tracks") from None
    except (SpotifyError, Cancelled) as exc:
        raise SpotifyError(
            f"export of {quoted(playlist.name)} stopped after {state.added:,} of {len(uris):,} tracks "
            f"({_why(exc)}); the local playlist is unchanged: "
            f"{_again(exc, f' to continue into {state.url}')}") from None
    state = ExportState(state.spotify_id, state.url, state.content, state.added, True)
    playlists.record_export(playlist.id, state)
    return state


def _landed(client: SpotifyClient, state: ExportState, uris: list[str], end: int) -> bool:
    """Whether the chunk ending at `end`, whose sending failed where Spotify may have added it
    anyway (its answer lost), is in the playlist: True when it holds uris[:end], False when it
    holds what it held before; else it was changed meanwhile, and going on would mix them."""
    held = client.playlist_item_uris(state.spotify_id)
    if held == uris[:end]:
        return True
    if held == uris[:state.added]:
        return False
    raise ChangedInSpotify(f"the Spotify playlist {state.url} was changed in Spotify during "
                           "the export (it holds other tracks than those sent)")


class ChangedInSpotify(SpotifyError):
    """The playlist being exported to holds what the export did not send: the user changed it
    in Spotify's app meanwhile (or another app did)."""


# --- import ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportedPlaylist:
    spotify_id: str
    name: str
    description: str
    collaborative: bool
    tracks: tuple[dict[str, Any], ...]  # Spotify track objects, in playlist order
    left_out: int = 0  # its items that are no Spotify track: episodes, local files, gone ones

    @property
    def origin(self) -> str:
        return f"spotify:playlist:{self.spotify_id}"


@dataclass(frozen=True)
class ImportResult:
    user_id: str
    imported: int  # playlists with at least one track
    tracks: int
    skipped_not_own: int
    skipped_empty: int
    skipped_exported: int  # made by mpdtui's own export: not fed back as training data
    created: int  # new saved playlists
    updated: int  # saved playlists from an earlier import, refreshed
    left_out: int = 0  # items that are no Spotify track (episodes, local files, gone ones)


def fetch_own_playlists(client: SpotifyClient, *, progress: ProgressCallback | None = None,
                        cancel: threading.Event | None = None,
                        kept: FetchedPlaylists | None = None
                        ) -> tuple[str, list[ImportedPlaylist], int]:
    """(user id, the user's own playlists with their tracks, how many others were skipped).
    Each playlist's tracks go to `kept` as they come, and come from there while the playlist
    is as it was then: a rerun goes on where a stopped import was."""
    saved_cancel, client.cancel = client.cancel, cancel
    try:
        user_id = str(client.me().get("id", ""))
        listed = list(client.my_playlists())
        own = [p for p in listed if (p.get("owner") or {}).get("id") == user_id]
        found = []
        for n, simple in enumerate(own, start=1):
            check_cancel(cancel)
            tracks = _tracks(client, str(simple["id"]), str(simple.get("snapshot_id") or ""),
                             kept)
            found.append(ImportedPlaylist(str(simple["id"]), str(simple.get("name") or ""),
                                          str(simple.get("description") or ""),
                                          bool(simple.get("collaborative")), tracks,
                                          _left_out(simple, tracks)))
            report(progress, "import-spotify", n, len(own), str(simple.get("name") or ""))
    finally:
        client.cancel = saved_cancel
    return user_id, found, len(listed) - len(own)


def _left_out(simple: dict[str, Any], tracks: tuple[dict[str, Any], ...]) -> int:
    """How many of the playlist's items its tracks lack: Spotify counts them all."""
    total = (simple.get("items") or simple.get("tracks") or {}).get("total")
    return max(0, total - len(tracks)) if isinstance(total, int) else 0


def _tracks(client: SpotifyClient, playlist_id: str, snapshot_id: str,
            kept: FetchedPlaylists | None) -> tuple[dict[str, Any], ...]:
    """The playlist's tracks (what an import reads of them): as `kept` has them at this
    snapshot, else fetched (and kept)."""
    tracks = None if kept is None else kept.get(playlist_id, snapshot_id)
    if tracks is None:
        tracks = tuple(_as_imported(track) for track in client.playlist_tracks(playlist_id))
        if kept is not None:
            kept.put(playlist_id, snapshot_id, tracks)
    return tracks


def _as_imported(track: dict[str, Any]) -> dict[str, Any]:
    """A track object less what an import does not read (its markets, images, links): a
    10,000-track import keeps a few MB for its rerun, not tens."""
    artists = [{"name": artist.get("name"), "uri": artist.get("uri")}
               for artist in (track.get("artists") or [])[:1] if isinstance(artist, dict)]
    album = track.get("album")
    album = album if isinstance(album, dict) else {}
    return {"uri": track.get("uri"), "name": track.get("name"),
            "duration_ms": track.get("duration_ms"), "artists": artists,
            "album": {"name": album.get("name"), "uri": album.get("uri")}}


def mpd_playlist(playlist: ImportedPlaylist, pid: int, modified_at: int | None = None
                 ) -> dict[str, Any]:
    """The playlist in the Million Playlist Dataset's JSON shape."""
    tracks = [_mpd_track(pos, track) for pos, track in enumerate(playlist.tracks)]
    document: dict[str, Any] = {
        "name": playlist.name,
        "collaborative": "true" if playlist.collaborative else "false",
        "pid": pid,
        "modified_at": int(modified_at if modified_at is not None else time.time()),
        "num_tracks": len(tracks),
        "num_albums": len({t["album_uri"] for t in tracks}),
        "num_followers": 1,
        "num_edits": 1,
        "duration_ms": sum(t["duration_ms"] for t in tracks),
        "num_artists": len({t["artist_uri"] for t in tracks}),
        "tracks": tracks,
    }
    if playlist.description:
        document["description"] = playlist.description
    return document


def _mpd_track(pos: int, track: dict[str, Any]) -> dict[str, Any]:
    artists = track.get("artists") or [{}]
    album = track.get("album") or {}
    return {"pos": pos, "artist_name": str(artists[0].get("name") or ""),
            "track_uri": str(track["uri"]), "artist_uri": str(artists[0].get("uri") or ""),
            "track_name": str(track.get("name") or ""), "album_uri": str(album.get("uri") or ""),
            "duration_ms": int(track.get("duration_ms") or 0),
            "album_name": str(album.get("name") or "")}


def track_entry(track: dict[str, Any]) -> TrackEntry:
    artists = track.get("artists") or [{}]
    duration = track.get("duration_ms")
    return TrackEntry(str(track["uri"]), str(track.get("name") or ""),
                      str(artists[0].get("name") or ""),
                      int(duration) if isinstance(duration, int) else None)


def import_own_playlists(client: SpotifyClient, playlists: SavedPlaylists, *,
                         ingest: Callable[[list[dict[str, Any]], str], None] | None = None,
                         progress: ProgressCallback | None = None,
                         cancel: threading.Event | None = None,
                         kept: FetchedPlaylists | None = None) -> ImportResult:
    """Fetch the user's own playlists; save each as a builder playlist (an earlier import of
    the same Spotify playlist is refreshed, not duplicated) and hand them, in MPD format, to
    `ingest(playlists, source_name)` as extra training data. What a stopped import fetched
    is in `kept` for the rerun, emptied once one is done."""
    user_id, found, not_own = fetch_own_playlists(client, progress=progress, cancel=cancel,
                                                  kept=kept)
    exported = playlists.exported_spotify_ids()
    usable = [p for p in found if p.tracks and p.spotify_id not in exported]
    created = updated = 0
    for playlist in usable:
        entries = [track_entry(t) for t in playlist.tracks]
        earlier = playlists.find_by_origin(playlist.origin)
        if earlier is not None:
            playlists.set_tracks(earlier.id, entries)
            if one_line(earlier.name) != earlier.name:  # kept by an import before names were
                playlists.rename(earlier.id, playlists.free_name(  # cleaned
                    one_line(earlier.name) or "Spotify playlist"))
            updated += 1
        else:
            name = playlists.free_name(one_line(playlist.name) or "Spotify playlist")
            playlists.create(name, entries, origin=playlist.origin)
            created += 1
    if ingest is not None and usable:
        ingest([mpd_playlist(p, pid) for pid, p in enumerate(usable)], source_name(user_id, usable))
    if kept is not None:
        kept.clear()
    skipped_exported = sum(1 for p in found if p.spotify_id in exported)
    return ImportResult(user_id, len(usable), sum(len(p.tracks) for p in usable), not_own,
                        len(found) - len(usable) - skipped_exported, skipped_exported,
                        created, updated,
                        sum(p.left_out for p in found if p.spotify_id not in exported))


def source_name(user_id: str, imported: list[ImportedPlaylist]) -> str:
    """Names the import as a slice: the same playlists give the same name (ingested once),
    changed ones a new name."""
    digest = hashlib.sha256()
    for playlist in imported:
        digest.update(playlist.spotify_id.encode())
        for track in playlist.tracks:
            digest.update(b"\0" + str(track["uri"]).encode())
    return f"spotify-user:{user_id}:{digest.hexdigest()[:16]}"
