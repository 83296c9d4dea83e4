"""What an unfinished import of the user's Spotify playlists fetched, kept for its rerun.

One JSON line per playlist, appended as soon as its tracks are in: a rerun stopped by the same
long rate limit, or a dropped network, would otherwise start over each time and never get
past where it stopped. A playlist is taken from here only while its `snapshot_id` (Spotify's
version of it) is the one fetched; a line cut short by a crash, or of another format version,
is skipped (that playlist is fetched again).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import orjson

FORMAT, VERSION = "mpdtui-spotify-import", 1


class FetchedPlaylists:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._kept: dict[str, tuple[str, tuple[dict[str, Any], ...]]] | None = None

    def get(self, playlist_id: str, snapshot_id: str) -> tuple[dict[str, Any], ...] | None:
        """The playlist's tracks as fetched at `snapshot_id`; None: not fetched at that one."""
        if not snapshot_id:
            return None
        snapshot, tracks = self._read().get(playlist_id, ("", ()))
        return tracks if snapshot == snapshot_id else None

    def put(self, playlist_id: str, snapshot_id: str, tracks: tuple[dict[str, Any], ...]) -> None:
        """Keep a playlist's tracks, on disk before this returns (a playlist with no
        snapshot id could not be told unchanged: not kept)."""
        if not snapshot_id:
            return
        line = orjson.dumps({"format": FORMAT, "version": VERSION, "id": playlist_id,
                             "snapshot_id": snapshot_id, "tracks": list(tracks)}) + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        self._read()[playlist_id] = (snapshot_id, tracks)

    def clear(self) -> None:
        """The import is done: nothing to keep for a rerun."""
        self.path.unlink(missing_ok=True)
        self._kept = {}

    def _read(self) -> dict[str, tuple[str, tuple[dict[str, Any], ...]]]:
        if self._kept is None:
            self._kept = {}
            with contextlib.suppress(FileNotFoundError):
                for line in self.path.read_bytes().splitlines():
                    if (entry := _entry(line)) is not None:
                        self._kept[entry[0]] = entry[1:]
        return self._kept


def _entry(line: bytes) -> tuple[str, str, tuple[dict[str, Any], ...]] | None:
    """(playlist id, snapshot id, tracks) of a line; None for one cut short by a crash."""
    try:
        entry = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not (isinstance(entry, dict) and entry.get("format") == FORMAT
            and entry.get("version") == VERSION and isinstance(entry.get("id"), str)
            and isinstance(entry.get("snapshot_id"), str)
            and isinstance(entry.get("tracks"), list)):
        return None
    tracks = tuple(track for track in entry["tracks"] if isinstance(track, dict))
    return entry["id"], entry["snapshot_id"], tracks
