"""RecSys Challenge 2018 submissions: read `challenge_set.json`, write the official CSV."""

from __future__ import annotations

import gzip
import io
import shlex
import threading
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from models.base import PlaylistQuery, Recommender
from models.progress import ProgressCallback, check_cancel, report
from mpdtui.data.catalog import Catalog
from mpdtui.data.files import write_out
from mpdtui.data.mpd import CHALLENGE_SET
from mpdtui.errors import UserError, damaged_zip

SUBMISSION_SIZE = 500


@dataclass
class SubmissionSummary:
    """What answering a challenge set took: seeds the model could not use, fallbacks."""

    playlists: int = 0
    seeds: int = 0
    not_in_catalog: int = 0
    """Seed URIs the catalog does not hold."""
    unknown_to_model: int = 0
    """Seeds in the catalog that the model learned nothing about (in no training playlist)."""
    fallbacks: int = 0
    """Answers that came (partly) from the title model or popularity."""
    filled_out: int = 0
    """Answers the catalog had too few tracks for, filled out with the challenge set's own."""
    catalog_tracks: int = 0
    """Tracks the catalog holds (fewer than an answer takes where answers were filled out)."""

    def describe(self) -> str:
        said = (f"{self.seeds:,} seeds: {self.not_in_catalog:,} not in the catalog, "
                f"{self.unknown_to_model:,} unknown to the model (all ignored); "
                f"{self.fallbacks:,} of {self.playlists:,} answers needed a fallback")
        if self.filled_out:
            said += (f"; {self.filled_out:,} were filled out to {SUBMISSION_SIZE} with the "
                     f"challenge set's own tracks, the most frequent first (the catalog holds "
                     f"{self.catalog_tracks:,}: ingest more slices for answers of its own)")
        return said


def refuse_to_replace(out: Path, challenge_set: Path) -> None:
    """UserError unless `out` is new or an earlier submission (the usual loop: submit, look,
    submit again): the challenge set, or any other file of the user's, is kept."""
    if not out.is_file():
        return
    if challenge_set.is_file() and out.samefile(challenge_set):
        raise UserError(f"--out {out} is the challenge set itself: give another file, e.g. "
                        f"--out {shlex.quote(str(out.with_name('submission.csv')))}")
    if not _is_a_submission(out):
        raise UserError(f"{out} already exists and is not a submission mpdtui wrote: move or "
                        "rename it, or give another --out file")


def _is_a_submission(path: Path) -> bool:
    header = b"team_info,"
    try:
        with path.open("rb") as raw:
            start = raw.read(2)
            raw.seek(0)
            if start == b"\x1f\x8b":  # gzip's magic number
                with gzip.GzipFile(fileobj=raw) as unzipped:
                    return unzipped.read(len(header)) == header
            return raw.read(len(header)) == header or path.stat().st_size == 0
    except (OSError, EOFError, zlib.error):
        return False  # unreadable: not ours to replace


UTF8_BOM = b"\xef\xbb\xbf"
EXPECTED = f"the RecSys Challenge's {CHALLENGE_SET} (or the challenge's zip)"
"""What `--challenge-set` takes, for the messages that refuse something else."""


def challenge_set_file(path: Path) -> Path:
    """`path`, or the challenge set in the folder `path` (the challenge's zip extracted)."""
    if not path.is_dir():
        return path
    inside = [p for p in path.iterdir() if p.name.lower() == CHALLENGE_SET and p.is_file()]
    if len(inside) != 1:
        raise UserError(f"{path} is a folder without {'a' if not inside else 'one'} "
                        f"{CHALLENGE_SET}: give {EXPECTED}")
    return inside[0]


def read_challenge_set(path: Path) -> list[dict[str, Any]]:
    """The challenge playlists, each checked for a pid of its own, a name and a track list."""
    try:
        raw = _challenge_bytes(path).removeprefix(UTF8_BOM)  # an editor on Windows saved it
        document = orjson.loads(raw)
    except FileNotFoundError:
        raise UserError(f"{path} does not exist: give {EXPECTED}") from None
    except zipfile.BadZipFile as exc:
        raise damaged_zip(path, exc, f"the {CHALLENGE_SET} it holds") from None
    except orjson.JSONDecodeError as exc:
        if not raw or raw.isspace():
            raise UserError(f"{path} is empty: give {EXPECTED}") from None
        if str(exc).startswith("unexpected end of data"):
            raise UserError(f"{path} is cut short ({exc}): copy it again, or extract it again "
                            "from the challenge's zip") from None
        raise UserError(f"{path} is not valid JSON ({exc}): give {EXPECTED}") from None
    playlists = document.get("playlists") if isinstance(document, dict) else None
    if not isinstance(playlists, list):
        raise UserError(f'{path}: expected an object with a "playlists" list (a challenge_set.json)')
    if _is_an_mpd_slice(document):
        raise UserError(f"{path} is an MPD slice (playlists to train on), not a challenge set: "
                        f"`mpdtui ingest {shlex.quote(str(path))}` adds it to the training "
                        f"data; to submit, give {EXPECTED}")
    if not playlists:
        raise UserError(f'{path}: "playlists" is empty: there is nothing to answer')
    first_index_of_pid: dict[int, int] = {}
    for index, playlist in enumerate(playlists):
        _check_challenge_playlist(playlist, f"{path}: playlists[{index}]")
        earlier = first_index_of_pid.setdefault(playlist["pid"], index)
        if earlier != index:
            raise UserError(f'{path}: playlists[{index}] has the pid {playlist["pid"]} of '
                            f"playlists[{earlier}]: each challenge playlist needs a pid of its own")
    return playlists


def _is_an_mpd_slice(document: dict[str, Any]) -> bool:
    """An MPD slice has an "info" header and playlists with the MPD's fields; a challenge
    set has neither (its playlists have "num_holdouts", and may lack a name and tracks)."""
    first = document["playlists"][0] if document["playlists"] else None
    return isinstance(document.get("info"), dict) or (
        isinstance(first, dict) and "num_holdouts" not in first
        and any(field in first for field in MPD_ONLY_FIELDS))


MPD_ONLY_FIELDS = ("num_followers", "collaborative", "modified_at", "num_edits")
"""Fields of every MPD playlist that no challenge playlist has."""


def _challenge_bytes(path: Path) -> bytes:
    """The challenge set's bytes: the file, or the one in the challenge's zip."""
    if not zipfile.is_zipfile(path):
        return path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        names = [name for name in archive.namelist() if Path(name).name.lower() == CHALLENGE_SET]
        if len(names) != 1:
            raise UserError(f"{path} holds {'no' if not names else 'more than one'} "
                            f"{CHALLENGE_SET}: give the challenge set itself")
        return archive.read(names[0])


def _check_challenge_playlist(playlist: object, where: str) -> None:
    # bool is an int to Python, but `true` is no pid
    if (not isinstance(playlist, dict) or not isinstance(playlist.get("pid"), int)
            or isinstance(playlist["pid"], bool)):
        raise UserError(f'{where}: missing integer field "pid"')
    where = f'{where} (pid {playlist["pid"]})'
    name = playlist.get("name")
    if name is not None and not isinstance(name, str):
        raise UserError(f'{where}: "name" must be text, got {orjson.dumps(name).decode()[:40]}')
    tracks = playlist.get("tracks")
    if not isinstance(tracks, list) or not all(
            isinstance(t, dict) and isinstance(t.get("track_uri"), str) for t in tracks):
        raise UserError(f'{where}: "tracks" must be a list of objects with a "track_uri"')


def write_submission(challenge: list[dict[str, Any]], model: Recommender, catalog: Catalog,
                     out: Path, team: str, email: str,
                     progress: ProgressCallback | None = None,
                     cancel: threading.Event | None = None) -> SubmissionSummary:
    """One line per challenge playlist: the pid and 500 distinct URIs, none of them a seed;
    gzipped when `out` ends in .gz."""
    uris = catalog.track_uris()
    lines = io.StringIO()
    lines.write(f"team_info,{team},{email}\n")
    summary = SubmissionSummary(playlists=len(challenge), catalog_tracks=len(uris))
    own_tracks: list[str] | None = None
    for done, playlist in enumerate(challenge):
        if done % 100 == 0:
            check_cancel(cancel)
            report(progress, "submit", done, len(challenge), unit="playlists")
        seed_uris = [t["track_uri"] for t in playlist["tracks"]]
        seeds = [i for i in catalog.track_ids(seed_uris) if i is not None]  # unknown seeds ignored
        ranked = model.recommend(PlaylistQuery.of(playlist.get("name") or "", seeds),
                                 SUBMISSION_SIZE + len(seed_uris))
        summary.seeds += len(seed_uris)
        summary.not_in_catalog += len(seed_uris) - len(seeds)
        summary.unknown_to_model += len(ranked.unknown_seeds)
        summary.fallbacks += bool(ranked.fallback)
        chosen = _distinct_non_seed([uris[i] for i in ranked.ids.tolist()], set(seed_uris))
        if len(chosen) < SUBMISSION_SIZE:  # a catalog of fewer tracks than an answer takes
            own_tracks = own_tracks or challenge_tracks(challenge)
            chosen = _distinct_non_seed(chosen + own_tracks, set(seed_uris))
            summary.filled_out += 1
        if len(chosen) < SUBMISSION_SIZE:
            raise UserError(
                f"pid {playlist['pid']} needs {SUBMISSION_SIZE} tracks that are not its seeds, "
                f"and the catalog ({len(uris):,} tracks) with the challenge set's own tracks "
                f"holds {len(chosen):,}: ingest more MPD slices (`mpdtui ingest FOLDER`), then "
                "`mpdtui --train`")
        lines.write(f"{playlist['pid']}," + ",".join(chosen) + "\n")
    report(progress, "submit", len(challenge), len(challenge), unit="playlists")
    content = lines.getvalue().encode()
    if out.name.endswith(".gz"):  # the challenge took its submissions gzipped
        content = gzip.compress(content, mtime=0)
    write_out(out, content)
    return summary


def challenge_tracks(challenge: list[dict[str, Any]]) -> list[str]:
    """The challenge set's own track URIs, the most frequent first (ties in the order they
    come): every one is an MPD track, so they fill out an answer the catalog is too small for."""
    return [uri for uri, _ in Counter(t["track_uri"] for playlist in challenge
                                      for t in playlist["tracks"]).most_common()]


def _distinct_non_seed(ranked_uris: list[str], seeds: set[str]) -> list[str]:
    chosen: list[str] = []
    seen = set(seeds)
    for uri in ranked_uris:
        if uri not in seen:
            seen.add(uri)
            chosen.append(uri)
            if len(chosen) == SUBMISSION_SIZE:
                break
    return chosen
