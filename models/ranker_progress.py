"""The ranker's training kept as it goes, so that a stopped one continues where it was.

Two parts, in `checkpoint_dir` (set by whoever trains it; deleted once the model is saved):
- the candidates' feature rows of the validation cases done, `rows-NNNNN.npz` parts of at most
  `PART_CASES` cases each, with the random state that drew their negatives;
- the booster's trees after its last kept round (`booster-NNNNN.txt`, LightGBM's text format,
  named by its rounds: a kill between it and `progress.json` leaves the one named there) and
  every round's validation scores: LightGBM continues from them (`init_model`), and early
  stopping is replayed on the scores, so the booster ends as an uninterrupted run's does.

`progress.json` names them and is written (atomically) after the files it names. It carries a
key of everything the rows depend on (the data, the settings, the retrievers' saves, the audio
features, the cases): progress of another key is deleted, never continued.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.checkpoint_run import RUN_FILE, record_run
from models.evaluation import Case

PROGRESS_FORMAT, PROGRESS_VERSION = "mpdtui-ranker-progress", 1
PROGRESS_FILE = "progress.json"
PART_CASES = 100
"""Cases per saved part of the rows: a kill (`kill -9`) loses at most these; a cancel none."""
KEEP_EVERY_ROUNDS = 10
"""Boosting rounds between saves of the trees: a kill loses at most these; a cancel none."""

Rows = list[tuple[np.ndarray, np.ndarray]]


def progress_key(fingerprint: str, settings: Any, tokens: Mapping[str, str | None],
                 feature_names: Sequence[str], audio: np.ndarray | None,
                 cases: Sequence[Case]) -> str:
    """What kept progress must have been made for to be continued."""
    key = hashlib.sha256(json.dumps(
        [fingerprint, asdict(settings), dict(sorted(tokens.items())), list(feature_names)],
        sort_keys=True).encode())
    if audio is not None:
        key.update(np.ascontiguousarray(audio).tobytes())
    for case in cases:
        key.update(f"{case.category}\n{case.row}\n{case.query.name}\n{case.query.seeds}".encode())
        key.update(np.ascontiguousarray(case.truth, np.int64).tobytes())
    return key.hexdigest()


@dataclass
class RankerProgress:
    """What a stopped training of the ranker had done, and the keeping of more of it. Without
    a directory it keeps nothing (a ranker trained outside the pipeline)."""

    directory: Path | None
    key: str = ""
    rows: Rows = field(default_factory=list)
    rng_state: dict[str, Any] | None = None
    """The negatives' random state after the rows kept."""
    parts: list[str] = field(default_factory=list)
    booster_text: str | None = None
    evaluations: dict[str, list[float]] = field(default_factory=dict)
    """Each validation metric's score per round boosted (those of `booster_text`)."""
    cases_kept: int = 0
    """How many of `rows` are saved."""
    made_for: tuple[str, Any] | None = None
    """(data fingerprint, settings) recorded beside what it keeps (`models.checkpoint_run`),
    with `tracks_with_audio`: whether the next training continues it is told without loading
    the retrievers."""
    tracks_with_audio: int | None = None
    dropped: str = ""
    """Why progress found there was deleted ("" when there was none, or it continues)."""

    @classmethod
    def load(cls, directory: Path | None, key: str) -> RankerProgress:
        """The progress kept for `key`; a fresh one, having deleted any other."""
        fresh = cls(directory, key)
        if directory is None or not (directory / PROGRESS_FILE).exists():
            return fresh
        try:
            return cls._read(directory, key)
        except _Stale as stale:
            fresh.dropped = str(stale)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            fresh.dropped = f"its kept progress is unreadable ({type(exc).__name__})"
        fresh.discard()
        return fresh

    @classmethod
    def _read(cls, directory: Path, key: str) -> RankerProgress:
        state = json.loads((directory / PROGRESS_FILE).read_text())
        if (state.get("format"), state.get("version")) != (PROGRESS_FORMAT, PROGRESS_VERSION):
            raise _Stale("its kept progress is of another version")
        if state.get("key") != key:
            raise _Stale("data, settings, retrievers or audio features changed since it stopped")
        rows: Rows = []
        for part in state["parts"]:
            with np.load(directory / part, allow_pickle=False) as arrays:
                ends = np.cumsum(arrays["sizes"])[:-1]
                rows += zip(np.split(arrays["features"], ends), np.split(arrays["labels"], ends),
                            strict=True)
        if len(rows) != state["cases"]:
            raise ValueError("parts missing")
        booster = (directory / state["booster"]).read_text() if state.get("booster") else None
        return cls(directory, key, rows, state["rng"], list(state["parts"]), booster,
                   {k: [float(v) for v in values] for k, values in state["evaluations"].items()},
                   cases_kept=len(rows))

    @property
    def rounds(self) -> int:
        return len(next(iter(self.evaluations.values()), []))

    def keep_rows(self, rows: Rows, rng: np.random.Generator) -> None:
        """Save the rows not saved yet (a part), and the random state after them."""
        new = rows[self.cases_kept:]
        if self.directory is None or not new:
            return
        part = f"rows-{len(self.parts):05d}.npz"
        self.directory.mkdir(parents=True, exist_ok=True)
        staging = self.directory / f"{part}.tmp-{os.getpid()}.npz"
        np.savez(staging, features=np.concatenate([x for x, _ in new]),
                 labels=np.concatenate([y for _, y in new]),
                 sizes=np.array([len(y) for _, y in new], np.int64))
        os.replace(staging, self.directory / part)
        self.parts.append(part)
        self.cases_kept, self.rng_state = len(rows), dict(rng.bit_generator.state)
        self._write_state()

    def keep_booster(self, text: str, evaluations: Mapping[str, list[float]]) -> None:
        """Save the booster's trees and the scores of every round they took."""
        if self.directory is None:
            return
        self.booster_text, self.evaluations = text, {k: list(v) for k, v in evaluations.items()}
        name = _booster_name(self.rounds)
        _write_atomically(self.directory / name, text)
        self._write_state()
        for older in self.directory.glob("booster-*.txt"):
            if older.name != name:
                older.unlink(missing_ok=True)

    def _write_state(self) -> None:
        assert self.directory is not None
        if self.made_for is not None:
            record_run(self.directory, *self.made_for)
        state = {"format": PROGRESS_FORMAT, "version": PROGRESS_VERSION, "key": self.key,
                 "cases": self.cases_kept, "parts": self.parts, "rng": self.rng_state,
                 "booster": _booster_name(self.rounds) if self.booster_text is not None else None,
                 "evaluations": self.evaluations,
                 "tracks_with_audio": self.tracks_with_audio}
        _write_atomically(self.directory / PROGRESS_FILE, json.dumps(state))

    def discard(self) -> None:
        """Delete the kept progress (not the directory's other files: a retrain's mark)."""
        if self.directory is None:
            return
        for path in [self.directory / PROGRESS_FILE, self.directory / RUN_FILE,
                     *self.directory.glob("booster-*"), *self.directory.glob("rows-*")]:
            path.unlink(missing_ok=True)


def _booster_name(rounds: int) -> str:
    return f"booster-{rounds:05d}.txt"


class _Stale(Exception):
    """Kept progress made for another training."""


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    staging.write_text(text)
    os.replace(staging, path)
