"""Shared by the hostile-input tests (no tests here): the CLI run in-process, the judgement of
its answer, slices derived from the hand-made fixture, and following a message's advice."""

from __future__ import annotations

import copy
import ctypes
import hashlib
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from mpdtui.cli import main
from mpdtui.locations import Locations
from mpdtui.pipeline.events import Event
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.runner import execute

HANDMADE = Path(__file__).parent.parent / "fixtures" / "handmade.mpd.slice.0-2.json"
HANDMADE_PLAYLISTS: list[dict[str, Any]] = orjson.loads(HANDMADE.read_bytes())["playlists"]


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


class InProcessJob:
    """`JobProcess` with the job run in this process: the same stages, events and failure
    lines, without a process start per command (and the tests' patches apply)."""

    def __init__(self, events: list[Event]) -> None:
        self._events = events

    @classmethod
    def start(cls, locations: Locations, request: JobRequest, nice: int = 0) -> InProcessJob:
        events: list[Event] = []
        execute(locations, request, events.append)
        return cls(events)

    def events(self) -> Iterator[Event]:
        yield from self._events

    def cancel(self) -> None:
        return

    def close(self) -> None:
        return


@pytest.fixture
def jobs_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI runs its jobs in this process (see `InProcessJob`)."""
    monkeypatch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)


def run_cli(capsys: pytest.CaptureFixture[str], cache: Path | None, *args: str) -> Outcome:
    """`mpdtui [--cache-dir CACHE] ARGS` in this process."""
    argv = list(args) if cache is None else ["--cache-dir", str(cache), *args]
    code = main(argv)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def as_typed(said: str, cache: Path | None) -> str:
    """What a command said with `--cache-dir CACHE` given, as the same command says it with
    CACHE in MPDTUI_CACHE_DIR: the commands it quotes name CACHE too, so that they work as
    written (`test_cli_advice.py`), which the tests of what they say leave aside."""
    if cache is None:
        return said
    return said.replace(f"`mpdtui --cache-dir {shlex.quote(str(cache))}", "`mpdtui")


def assert_refused(outcome: Outcome, *fragments: str) -> str:
    """Exit code 2 and exactly one line on stderr, holding every fragment, with no traceback
    and no "unexpected error"; returns that line."""
    assert outcome.code == 2, outcome
    lines = outcome.err.splitlines()
    assert len(lines) == 1, outcome.err
    line = lines[0]
    assert line.startswith("mpdtui: "), line
    assert "Traceback" not in line and "unexpected error" not in line, line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def playlists_from(first_pid: int) -> list[dict[str, Any]]:
    """The hand-made slice's three playlists, renumbered from `first_pid` (a valid slice)."""
    playlists = copy.deepcopy(HANDMADE_PLAYLISTS)
    for offset, playlist in enumerate(playlists):
        playlist["pid"] = first_pid + offset
    return playlists


def slice_name(first_pid: int) -> str:
    return f"mpd.slice.{first_pid}-{first_pid + 2}.json"


def write_slice(folder: Path, first_pid: int, playlists: list[Any] | None = None,
                raw: bytes | None = None) -> Path:
    """A slice file named for `first_pid` in `folder`: `playlists`, or `raw` bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / slice_name(first_pid)
    if raw is None:
        raw = orjson.dumps({"playlists": playlists_from(first_pid) if playlists is None else playlists})
    path.write_bytes(raw)
    return path


BOOKKEEPING = ("-wal", "-shm", "writer.lock", "writer.json", "spotify-export.lock", ".log")
"""Files a command may touch without changing any data: SQLite's (reading may create them)
and the writer and Spotify export locks."""


def file_digests(root: Path) -> dict[str, str]:
    """Every data file under `root` and its content hash."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(BOOKKEEPING)}


_DELETE = re.compile(r"delete (\S+?) and |delete (\S+)$")
_COMMAND = re.compile(r"`(mpdtui [^`]+)`")


def follow_advice(line: str, capsys: pytest.CaptureFixture[str], cache: Path,
                  original: tuple[str, ...], placeholders: dict[str, str] | None = None) -> Outcome:
    """Do what the message says: delete what it names ("it" is the file the message starts
    with), run the first command it quotes (its placeholders filled in), then the command
    that failed; returns that last outcome."""
    advice = line.split(": ", 1)[1]
    deleted = _DELETE.search(advice)
    if deleted:
        target = deleted.group(1) or deleted.group(2)
        _remove(Path(advice.split(" ", 1)[0].rstrip(":") if target == "it" else target))
    quoted = _COMMAND.search(advice)
    if quoted:
        words = [(placeholders or {}).get(word, word) for word in shlex.split(quoted.group(1))[1:]]
        done = run_cli(capsys, cache, *words)
        assert done.code == 0, (line, done)
    return run_cli(capsys, cache, *original)


def _remove(path: Path) -> None:
    assert path.exists(), path
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def without_file_capabilities() -> None:
    """In a child process (`preexec_fn`): root's power over every file is dropped, so that
    permissions apply to it as to a plain user."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, dac_override, dac_read_search, fowner = 24, 1, 2, 3
    for capability in (dac_override, dac_read_search, fowner):
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop capabilities")
