"""A RecSys Challenge 2018 challenge set made from MPD slices, with its held-out truth beside
it, so that `submit` and `score` can be tried without the challenge's own set (no longer
published).

The playlists are cut as `evaluate` cuts its held-out ones (`models.evaluation`: the same ten
categories, playlist lengths and seeds), and written in the challenge's format: `pid`, `name`
where the category has one, `num_tracks`, `num_samples`, `num_holdouts` and the seed `tracks`
as the slice has them (`pos` included), under the challenge's "date" and "version". Slices
the cache dir ingested are refused: its models learned their playlists, so their answers would
score what they remember.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import orjson

from models.evaluation import CATEGORIES, CATEGORY_KEYS, make_challenge_split
from mpdtui.challenge import CHALLENGE_TRUTH
from mpdtui.data.catalog import Catalog
from mpdtui.data.files import (
    ABANDONED_WRITE,
    atomic_write_bytes,
    remove_abandoned_writes,
    write_json,
)
from mpdtui.data.mpd import CHALLENGE_SET, find_slices
from mpdtui.data.mpd_validation import FIX_OR_REPLACE, SliceError, parse_slice
from mpdtui.errors import UserError

TRUTH_FORMAT, TRUTH_VERSION = "mpdtui-challenge-truth", 1
WITH_TITLE = {c.key: c.with_title for c in CATEGORIES}
SHORTEST = min(c.min_tracks for c in CATEGORIES)
"""The fewest distinct tracks a playlist needs to serve in some category."""


@dataclass(frozen=True)
class MadeChallenge:
    """What `make_challenge` wrote: playlists per category, and how many playlists it read."""

    folder: Path
    counts: dict[str, int]
    read: int
    slices: str
    """Which slices were read, in words ("the first 20 of its 1,000 slices")."""
    holdouts: int
    unknown_holdouts: int | None
    """Held-out tracks the cache dir's catalog lacks (no model can find them); None without
    a catalog."""
    per_category: int
    """The playlists asked for in each category."""

    def describe(self) -> str:
        total = sum(self.counts.values())
        said = (f"wrote {total:,} challenge playlists (of the {self.read:,} in {self.slices}) to "
                f"{self.folder / CHALLENGE_SET}, their {self.holdouts:,} held-out tracks to "
                f"{self.folder / CHALLENGE_TRUTH}. Per category: "
                + "; ".join(f"{c.label}: {self.counts[c.key]:,}" for c in CATEGORIES))
        short = [c for c in CATEGORIES if self.counts[c.key] < self.per_category]
        if short:
            said += (f". {len(short)} {'category' if len(short) == 1 else 'categories'} got "
                     f"fewer than the {self.per_category:,} asked for ({short[0].label} takes "
                     f"playlists of {short[0].min_tracks}+ tracks, too few in these slices): "
                     "for the challenge's ten equal categories, give more slices or a smaller "
                     "--per-category")
        if self.unknown_holdouts:
            said += (f". {self.unknown_holdouts:,} of the held-out tracks are in no playlist "
                     "the cache dir holds (no model can find them)")
        return said


@dataclass(frozen=True)
class ReadSlices:
    """The playlists read for a challenge, and from where."""

    playlists: list[dict[str, Any]]
    slices: str
    """Which slices were read, in words ("the first 20 of its 1,000 slices")."""
    held: int | None = None
    """A pid of a slice skipped because the cache dir ingested it; None: none skipped."""


def read_playlists(path: Path, per_category: int,
                   ingested: Callable[[list[dict[str, Any]]], int | None] | None = None
                   ) -> ReadSlices:
    """The playlists of the slices under `path` (a folder, a slice or a zip), checked, slice by
    slice until they fill `per_category` playlists in every category (each is held in memory:
    the whole MPD would not fit).

    A slice whose playlists the cache dir ingested (`ingested` gives the pid of one it holds)
    is skipped: its models learned them. The MPD's folder after ingesting its first slices
    then gives the challenge from the next ones."""
    sources = find_slices(path)
    playlists: list[dict[str, Any]] = []
    lengths: list[int] = []
    skipped, held = 0, None
    for done, source in enumerate(sources, 1):
        raw = source.read_bytes()
        try:
            found = parse_slice(source.label, raw)
        except SliceError as exc:
            raise SliceError(exc.source, exc.where, f"{exc.what}; {FIX_OR_REPLACE}") from None
        pid = None if ingested is None else ingested(found)
        if pid is not None:
            skipped, held = skipped + 1, pid if held is None else held
            continue
        playlists.extend(found)
        lengths.extend(len({t["track_uri"] for t in p["tracks"]}) for p in found)
        if fills_every_category(np.asarray(lengths), per_category) and done < len(sources):
            return ReadSlices(playlists, _which_slices(done, len(sources), skipped), held)
    return ReadSlices(playlists, _which_slices(len(sources), len(sources), skipped), held)


def fills_every_category(lengths: np.ndarray, per_category: int) -> bool:
    """Whether playlists of these lengths (distinct tracks) fill `per_category` playlists in
    every category: twice as many as asked for in all (a choice to draw from), and enough long
    for each length a category needs (the 100-seed ones take 150 tracks: about
    one playlist in 14 on the MPD-like demo, so twice the playlists asked for held too few)."""
    if lengths.size < 2 * per_category * len(CATEGORIES):
        return False
    return all(np.count_nonzero(lengths >= least) >= per_category * sum(
        c.min_tracks >= least for c in CATEGORIES) for least in {c.min_tracks for c in CATEGORIES})


def _which_slices(done: int, total: int, skipped: int) -> str:
    if skipped:
        return (f"{done - skipped:,} of its {total:,} slices, past the {skipped:,} the cache dir "
                "ingested")
    if done < total:
        return f"the first {done:,} of its {total:,} slices"
    return "every slice" if total > 1 else "the slice"


def ingested_pid(catalog: Catalog, playlists: list[dict[str, Any]]) -> int | None:
    """The pid of one of `playlists` that the catalog holds (its pid, name and duration)."""
    return _held(catalog, {(p["pid"], p["name"], p["duration_ms"]) for p in playlists},
                 "duration_ms")


def refuse_ingested(path: Path, cache_dir: Path, held: int) -> NoReturn:
    """The UserError for slices the cache dir ingested, every one (`held`: a pid of theirs)."""
    raise UserError(
        f"{path} holds playlists that the cache dir {cache_dir} ingested (pid {held} among "
        "them): its models learned them, so their answers would score what they remember. "
        "Make the challenge from slices that were not ingested (`mpdtui demo-data` with the "
        "same --seed and more --playlists writes the next ones), or give another --cache-dir")


def refuse_learned(catalog: Catalog, challenge: list[dict[str, Any]], path: Path,
                   cache_dir: Path) -> None:
    """UserError when the catalog holds one of a challenge set's named playlists (its pid,
    name and length): slices ingested after make-challenge cut the set from them. (The real
    challenge's pids, from 1,000,000, are in no MPD slice.)"""
    held = _held(catalog, {(p["pid"], p["name"], p["num_tracks"]) for p in challenge
                           if isinstance(p.get("name"), str) and isinstance(p.get("num_tracks"), int)},
                 "num_rows")
    if held is not None:
        raise UserError(
            f"{path}: the cache dir {cache_dir} holds its playlist pid {held} (ingested since "
            "the challenge set was made from it): its models learned the held-out tracks, so "
            "the answers would score what they remember. Make the challenge again from slices "
            "that were not ingested, or give a --cache-dir without them")


def _held(catalog: Catalog, wanted: set[tuple[int, str, int]], column: str) -> int | None:
    """The pid of one of `wanted` (pid, name, `column`'s value) that the catalog holds."""
    pids = sorted({pid for pid, _, _ in wanted})
    for start in range(0, len(pids), 500):
        chunk = pids[start:start + 500]
        rows = catalog.query(f"SELECT pid, name, {column} FROM playlists WHERE pid IN "
                             f"({','.join('?' * len(chunk))})", chunk)
        held = [row[0] for row in rows if tuple(row) in wanted]
        if held:
            return int(held[0])
    return None


def make_challenge(playlists: list[dict[str, Any]], per_category: int, seed: int
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(challenge_set.json's document, the truth's playlists) for `per_category` playlists
    per category, as many as the playlists' lengths allow."""
    vocabulary: dict[str, int] = {}
    lengths, indices = [], []
    for playlist in playlists:
        ids = [vocabulary.setdefault(t["track_uri"], len(vocabulary)) for t in playlist["tracks"]]
        lengths.append(len(ids))
        indices.extend(ids)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    split = make_challenge_split(indptr, np.asarray(indices, np.int64),
                                 [p["name"] for p in playlists],
                                 per_category * len(CATEGORIES), seed)
    uris = list(vocabulary)
    challenge, truth = [], []
    for case in split.cases:
        playlist = playlists[case.row]
        first_at: dict[str, dict[str, Any]] = {}
        for track in playlist["tracks"]:
            first_at.setdefault(track["track_uri"], track)
        seeds = [first_at[uris[i]] for i in case.query.seeds]
        entry: dict[str, Any] = {"pid": playlist["pid"]}
        if WITH_TITLE[case.category]:
            entry["name"] = playlist["name"]
        entry |= {"num_tracks": playlist["num_tracks"], "num_samples": len(seeds),
                  "num_holdouts": playlist["num_tracks"] - len(seeds), "tracks": seeds}
        challenge.append(entry)
        truth.append({"pid": playlist["pid"], "category": case.category,
                      "seeds": [t["track_uri"] for t in seeds],
                      "holdouts": [{"track_uri": uris[i],
                                    "artist_uri": first_at[uris[i]]["artist_uri"]}
                                   for i in case.truth.tolist()]})
    newest = max((playlists[case.row]["modified_at"] for case in split.cases), default=0)
    return ({"date": _challenge_date(newest), "version": "v1", "playlists": challenge},
            {"seed": seed, "playlists": truth})


def _challenge_date(timestamp: int) -> str:
    """The challenge set's "date" as the challenge wrote it ("2018-01-16 08:47:28.198015"):
    its newest playlist's last edit, not the time it was made, so that the same seed writes
    the same bytes."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def write_challenge(folder: Path, challenge: dict[str, Any], truth: dict[str, Any]) -> None:
    """challenge_set.json and its truth into `folder` (new, empty, or an earlier challenge's)."""
    refuse_other_files(folder)
    folder.mkdir(parents=True, exist_ok=True)
    remove_abandoned_writes([folder])  # a make-challenge killed while writing (SIGKILL)
    # an earlier truth goes first: stopped between the two files, the folder never pairs a
    # challenge set with another one's truth (`score` then asks for the truth)
    (folder / CHALLENGE_TRUTH).unlink(missing_ok=True)
    atomic_write_bytes(folder / CHALLENGE_SET, orjson.dumps(challenge, option=orjson.OPT_INDENT_2))
    write_json(folder / CHALLENGE_TRUTH, TRUTH_FORMAT, TRUTH_VERSION, truth)


def refuse_other_files(folder: Path) -> None:
    """UserError unless `folder` is missing, empty or holds only a made challenge's files."""
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--out {folder} is a file: give a new or empty folder for "
                        f"{CHALLENGE_SET} and {CHALLENGE_TRUTH}")
    if not folder.exists():
        return
    others = sorted(p.name for p in folder.iterdir() if not _ours(p.name))
    if others:
        raise UserError(f"--out {folder} holds other files ({others[0]} among them): give a new "
                        f"or empty folder (or one an earlier make-challenge wrote, replaced)")


def _ours(name: str) -> bool:
    """Whether `name` is a made challenge's file, or one being written (`atomic_write`'s)."""
    return name in (CHALLENGE_SET, CHALLENGE_TRUTH) or (
        ABANDONED_WRITE.fullmatch(name) is not None
        and name.startswith((f".{CHALLENGE_SET}.", f".{CHALLENGE_TRUTH}.")))


def counts(truth: dict[str, Any]) -> dict[str, int]:
    found = dict.fromkeys(CATEGORY_KEYS, 0)
    for playlist in truth["playlists"]:
        found[playlist["category"]] += 1
    return found


def unknown_holdouts(catalog: Catalog, truth: dict[str, Any]) -> int:
    """Held-out tracks (with repeats across playlists) that the catalog lacks."""
    uris = [h["track_uri"] for p in truth["playlists"] for h in p["holdouts"]]
    known: set[str] = set()
    distinct = sorted(set(uris))
    for start in range(0, len(distinct), 500):
        chunk = distinct[start:start + 500]
        known.update(uri for (uri,) in catalog.query(
            f"SELECT uri FROM tracks WHERE uri IN ({','.join('?' * len(chunk))})", chunk))
    return sum(uri not in known for uri in uris)
