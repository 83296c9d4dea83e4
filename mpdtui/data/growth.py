"""What the data grew from: playlists and tracks are only ever appended to a catalog, so the
data as it was finalized before slices joined it is the current data's first playlists and
tracks. Models trained on it serve on until they are trained again (`splits.serving_split`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from mpdtui.data.catalog import Catalog
from mpdtui.data.sqlite_store import Connection

NEXT_ROW = "SELECT coalesce(max(row), -1) + 1 FROM playlists"
NEXT_TRACK_ID = "SELECT coalesce(max(id), -1) + 1 FROM tracks"
EARLIER_DATA_KEPT = 16
"""How many earlier states of the data `grown_from` remembers (a few imports between two
trainings)."""


@dataclass(frozen=True)
class EarlierData:
    """Finalized data the catalog has since grown from by added slices: its playlists and
    tracks are the current data's first ones."""

    fingerprint: str
    playlists: int
    tracks: int


def remember_finalized(db: Connection) -> None:
    """Before slices join finalized data (in their transaction): keep its fingerprint and
    size in `grown_from`, so that models trained on it serve until they are trained again;
    then it is no longer finalized."""
    finalized = db.execute("SELECT value FROM meta WHERE key = 'finalized'").fetchone()
    if finalized is None:
        return
    recorded = db.execute("SELECT value FROM meta WHERE key = 'grown_from'").fetchone()
    earlier = _entries(recorded[0] if recorded else None)
    playlists, tracks = (db.execute(sql).fetchone()[0] for sql in (NEXT_ROW, NEXT_TRACK_ID))
    earlier.append({"fingerprint": finalized[0], "playlists": playlists, "tracks": tracks})
    db.execute("INSERT OR REPLACE INTO meta VALUES ('grown_from', ?)",
               (orjson.dumps(earlier[-EARLIER_DATA_KEPT:]).decode(),))
    db.execute("DELETE FROM meta WHERE key = 'finalized'")


def grown_from(catalog: Catalog) -> list[EarlierData]:
    """The finalized states the catalog's data grew from, oldest first."""
    try:
        return [EarlierData(str(entry["fingerprint"]), int(entry["playlists"]),
                            int(entry["tracks"])) for entry in _entries(catalog.meta("grown_from"))]
    except (KeyError, TypeError, ValueError):
        return []  # only lets older models serve: without it they wait for `--train`


def data_size(catalog: Catalog) -> tuple[int, int]:
    """(playlists, tracks) in the catalog: their rows and ids run from 0 to these less one."""
    return int(catalog.scalar(NEXT_ROW) or 0), int(catalog.scalar(NEXT_TRACK_ID) or 0)


def added_since(catalog: Catalog, earlier: EarlierData) -> tuple[int, int]:
    """(playlists, tracks) the catalog holds beyond the data it grew from."""
    playlists, tracks = data_size(catalog)
    return playlists - earlier.playlists, tracks - earlier.tracks


def _entries(recorded: str | None) -> list[dict[str, Any]]:
    try:
        entries = orjson.loads(recorded or "[]")
    except orjson.JSONDecodeError:
        return []
    return list(entries) if isinstance(entries, list) else []
