"""Scoring submissions (the challenge's CSV) against a made challenge set's truth, with the
challenge's metrics (`models.metrics`) per category and overall, in `evaluate`'s report shape
(one "model" per submission file), so that the same tables print it."""

from __future__ import annotations

import gzip
import re
import shlex
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.base import PlaylistQuery
from models.evaluation import CATEGORIES, Case, summarise
from models.metrics import METRICS, score
from mpdtui.challenge import CHALLENGE_TRUTH
from mpdtui.challenge.make import TRUTH_FORMAT, TRUTH_VERSION
from mpdtui.data.catalog import Catalog
from mpdtui.data.files import DamagedFileError, FormatVersionError, read_json
from mpdtui.data.mpd import CHALLENGE_SET
from mpdtui.errors import UserError
from mpdtui.printable import quoted
from mpdtui.submission import SUBMISSION_SIZE

TRACK_PREFIX = "spotify:track:"
TRACK_URI = re.compile(TRACK_PREFIX + "[0-9A-Za-z]{22}")
REMAKE = "`mpdtui make-challenge` writes it beside the challenge_set.json it answers"


def truth_file(path: Path) -> Path:
    """`path`, or the truth in the folder `path` (where make-challenge wrote it)."""
    if path.is_dir():
        if not (path / CHALLENGE_TRUTH).is_file():
            raise UserError(f"--truth {path} is a folder without {CHALLENGE_TRUTH}: give the "
                            f"folder make-challenge wrote, or its {CHALLENGE_TRUTH}")
        return path / CHALLENGE_TRUTH
    return path


def read_truth(path: Path) -> list[dict[str, Any]]:
    """The truth's playlists: pid, category, seed URIs, held-out tracks (URI and artist)."""
    if path.name.lower() == CHALLENGE_SET:
        raise UserError(f"--truth {path} is the challenge set, not its truth: give the "
                        f"{CHALLENGE_TRUTH} beside it (or their folder)")
    try:
        document = read_json(path, TRUTH_FORMAT, TRUTH_VERSION, REMAKE)
    except DamagedFileError:
        raise UserError(f"--truth {path} is not JSON, so not a {CHALLENGE_TRUTH}: {REMAKE}"
                        ) from None
    except FormatVersionError as exc:
        raise UserError(f"--truth: {exc}") from None
    except UnicodeDecodeError:
        raise UserError(f"--truth {path} is not a {CHALLENGE_TRUTH}: {REMAKE}") from None
    if document is None:
        raise UserError(f"--truth {path} does not exist: give the {CHALLENGE_TRUTH} that "
                        f"make-challenge wrote (or its folder)")
    playlists = document.get("playlists")
    keys = {c.key for c in CATEGORIES}
    if not isinstance(playlists, list) or not playlists or not all(
            isinstance(p, dict) and isinstance(p.get("pid"), int) and p.get("category") in keys
            and isinstance(p.get("seeds"), list) and isinstance(p.get("holdouts"), list)
            and p["holdouts"] for p in playlists):
        raise UserError(f"--truth {path} is damaged (its playlists are not as make-challenge "
                        f"writes them): {REMAKE}")
    return playlists


def refuse_repeated(submissions: Sequence[Path]) -> None:
    """Each submission once: a file named twice (`a.csv a.csv`, `a.csv ./a.csv`) would be
    scored once and said nowhere."""
    seen: dict[Path, Path] = {}
    for path in submissions:
        key = path.resolve()
        if key in seen:
            said = f"{path}" if seen[key] == path else f"{seen[key]} (as {path})"
            raise UserError(f"submission {said} is given twice: name each submission once")
        seen[key] = path


def read_submission(path: Path, truth: Sequence[Mapping[str, Any]],
                    challenge: Path = Path(CHALLENGE_SET)) -> dict[int, list[str]]:
    """pid -> the 500 track URIs answered, each line checked as the challenge checked them:
    a pid of the challenge answered once, 500 distinct track URIs, no seed among them.
    `challenge`: the challenge set (or its folder) the advice names."""
    lines = _submission_lines(path)
    if lines and lines[0].lstrip().startswith(("{", "[")):
        raise UserError(f"{path} is JSON, not a submission CSV: `mpdtui submit --challenge-set "
                        f"{shlex.quote(str(challenge))} --out submission.csv` writes one")
    seeds = {p["pid"]: set(p["seeds"]) for p in truth}
    answers: dict[int, list[str]] = {}
    first_line: dict[int, int] = {}
    team_line = 0
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):  # the challenge's comments
            continue
        fields = [field.strip() for field in line.split(",")]
        where = f"{path} line {number}"
        if not team_line:
            _check_team_info(where, fields)
            team_line = number
            continue
        if fields[0] == "team_info":
            raise UserError(f"{where}: team_info again (first on line {team_line}): a "
                            "submission has one, its first line")
        try:
            pid = int(fields[0])
        except ValueError:
            raise UserError(f"{where}: expected a pid first, got {quoted(fields[0][:40])}: a "
                            "submission line is the pid, then 500 track URIs") from None
        if pid not in seeds:
            raise UserError(f"{where}: pid {pid} is not in the challenge set whose truth was "
                            "given: score a submission against the truth of the challenge set "
                            "it answers")
        if pid in first_line:
            raise UserError(f"{where}: pid {pid} is answered again (first on line "
                            f"{first_line[pid]}): answer each challenge playlist once")
        first_line[pid] = number
        answers[pid] = _checked_answer(f"{where} (pid {pid})", fields[1:], seeds[pid])
    missing = [p["pid"] for p in truth if p["pid"] not in answers]
    if missing:
        raise UserError(f"{path} answers {len(answers):,} of the {len(truth):,} challenge "
                        f"playlists (pid {missing[0]} is missing): `mpdtui submit "
                        f"--challenge-set {shlex.quote(str(challenge))} --out "
                        f"{shlex.quote(str(path))}` answers them all")
    return answers


TEAM_INFO = "team_info,TEAM NAME,EMAIL"


def _check_team_info(where: str, fields: list[str]) -> None:
    """UserError unless a submission's first line is `team_info,TEAM NAME,EMAIL`, as the
    challenge required."""
    if fields[0] != "team_info":
        raise UserError(f"{where}: expected {TEAM_INFO} first (the challenge refused a "
                        f"submission without it), got {quoted(','.join(fields)[:40])}: add a "
                        "line such as `team_info,my team,me@example.com` before it")
    if fields[1:2] in (["main"], ["creative"]) and len(fields) == 4:
        fields = [fields[0], *fields[2:]]  # the challenge's track named before the team
    if len(fields) != 3 or not all(fields[1:]):
        raise UserError(f"{where}: team_info takes a team name and a contact email "
                        f"({TEAM_INFO}), got {quoted(','.join(fields)[:60])}: write it as "
                        "`team_info,my team,me@example.com`")


def _submission_lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
        if raw.startswith(b"\x1f\x8b"):  # gzip's magic number: submission.csv.gz
            raw = gzip.decompress(raw)
        return raw.decode("utf-8-sig").splitlines()  # a BOM: a spreadsheet saved it
    except FileNotFoundError:
        raise UserError(f"{path} does not exist: give a submission CSV (`mpdtui submit` "
                        "writes one)") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder: give a submission CSV") from None
    except (EOFError, zlib.error, gzip.BadGzipFile):
        raise UserError(f"{path} is a damaged gzip file: write the submission again") from None
    except UnicodeDecodeError:
        raise UserError(f"{path} is not a text file: give a submission CSV") from None


def _checked_answer(where: str, uris: list[str], seeds: set[str]) -> list[str]:
    not_tracks = [uri for uri in uris if not TRACK_URI.fullmatch(uri)]
    if not_tracks:
        what = (f"{quoted(not_tracks[0][:60])} is not a track URI ({TRACK_PREFIX} and 22 "
                "letters or digits; a file cut short ends in part of one)" if not_tracks[0]
                else "an empty field (two commas in a row, or one at the end)")
        raise UserError(f"{where}: {what}")
    distinct = len(set(uris))
    if len(uris) != SUBMISSION_SIZE or distinct != len(uris):
        repeats = f" ({len(uris) - distinct:,} repeated)" if distinct != len(uris) else ""
        raise UserError(f"{where}: {len(uris):,} tracks{repeats}; the challenge takes "
                        f"{SUBMISSION_SIZE} distinct ones")
    seed = next((uri for uri in uris if uri in seeds), None)
    if seed is not None:
        raise UserError(f"{where}: answers with its seed track {seed}; the challenge takes "
                        "tracks not already in the playlist")
    return uris


def score_submissions(truth: Sequence[Mapping[str, Any]],
                      submissions: Mapping[str, Mapping[int, list[str]]],
                      artists_of: Callable[[list[str]], dict[str, str]]) -> dict[str, Any]:
    """`evaluate`'s report, one "model" per submission; `artists_of(uris)` gives the artist
    URI of those of `uris` it knows (for R-precision's artist credit: the held-out tracks'
    artists are in the truth)."""
    ids: dict[str, int] = {}
    artist: dict[str, str] = {}
    cases = []
    for row, playlist in enumerate(truth):
        held = [ids.setdefault(h["track_uri"], len(ids)) for h in playlist["holdouts"]]
        artist |= {h["track_uri"]: h["artist_uri"] for h in playlist["holdouts"]}
        cases.append(Case(playlist["category"], row, PlaylistQuery(),
                          np.asarray(held, np.int64)))
    ranked = {name: [[ids.setdefault(uri, len(ids)) for uri in answers[p["pid"]]] for p in truth]
              for name, answers in submissions.items()}
    unknown = [uri for uri in ids if uri not in artist]
    artist |= artists_of(unknown)
    artist_ids: dict[str, int] = {}
    track_artist = np.full(len(ids), -1, np.int64)  # -1: not known, credited to no one
    for uri, i in ids.items():
        if uri in artist:
            track_artist[i] = artist_ids.setdefault(artist[uri], len(artist_ids))
    categories = [c for c in CATEGORIES if any(case.category == c.key for case in cases)]
    report: dict[str, Any] = {
        "k": SUBMISSION_SIZE, "n_cases": len(cases), "metrics": list(METRICS),
        "categories": [{"key": c.key, "label": c.label,
                        "n": sum(case.category == c.key for case in cases)} for c in categories],
        "models": {},
    }
    for name, answers in ranked.items():
        rows = [score(case.truth, answer, track_artist, SUBMISSION_SIZE)
                for case, answer in zip(cases, answers, strict=True)]
        result = summarise(cases, rows, [False] * len(cases), categories)
        del result["fallbacks"]  # a submission does not say where its answers came from
        report["models"][name] = result
    return report


def artists_of(catalog: Catalog, uris: list[str]) -> dict[str, str]:
    """Track URI -> artist URI of those of `uris` the catalog holds."""
    found: dict[str, str] = {}
    for start in range(0, len(uris), 500):
        chunk = uris[start:start + 500]
        found.update(catalog.query(
            "SELECT t.uri, ar.uri FROM tracks t JOIN artists ar ON ar.id = t.artist_id "
            f"WHERE t.uri IN ({','.join('?' * len(chunk))})", chunk))
    return found
