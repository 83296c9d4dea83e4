"""The builder's playlist while it has unsaved changes, kept on disk (a file per app running:
`Locations.builder_draft_of`) so that a terminal closed, a lost connection or a crash loses
none of it: a later start of the app restores it, still unsaved. Each window keeps its own, so
none overwrites another's."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeGuard

from mpdtui.data.files import FormatVersionError, process_running, read_json, write_json
from mpdtui.locations import Locations

FORMAT, VERSION = "builder-draft", 1


@dataclass(frozen=True)
class Draft:
    name: str
    uris: tuple[str, ...]
    editing: int | None = None
    """The saved playlist it changes; None for a new one."""
    base_name: str = ""
    base_uris: tuple[str, ...] = ()
    """That saved playlist as opened or saved: a save tells a change made elsewhere by it."""
    pid: int = 0
    """The app process that wrote it (its file's name says which keeps it now)."""
    sound_filter: str = ""
    """The builder's filter of the suggestions by sound, as typed."""


def write_draft(path: Path, draft: Draft) -> None:
    # not `asdict`, which copies each of a 10,000-track playlist's URIs (0.1 s every few s)
    write_json(path, FORMAT, VERSION, {f.name: getattr(draft, f.name) for f in fields(draft)})


def read_draft(path: Path) -> Draft | None:
    """The draft; None without one, or when it cannot be read (damaged, of another version):
    a draft is a convenience, never a reason to stop the app."""
    try:
        document = read_json(path, FORMAT, VERSION, "it is replaced by the next draft")
    except (OSError, FormatVersionError):
        return None
    return None if document is None else _draft(document)


def _draft(document: dict[str, Any]) -> Draft | None:
    name, uris, editing = document.get("name"), document.get("uris"), document.get("editing")
    base_name, base_uris = document.get("base_name", ""), document.get("base_uris", [])
    pid, sound_filter = document.get("pid", 0), document.get("sound_filter", "")
    if not (isinstance(name, str) and _strings(uris) and _strings(base_uris)
            and isinstance(base_name, str) and (editing is None or type(editing) is int)
            and type(pid) is int and isinstance(sound_filter, str)):
        return None
    return Draft(name, tuple(uris), editing, base_name, tuple(base_uris), pid, sound_filter)


def _strings(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def drop_draft(path: Path) -> None:
    path.unlink(missing_ok=True)


_OWNED = re.compile(r"builder-(\d+)\.json")


def left_drafts(locations: Locations) -> list[tuple[Path, Draft]]:
    """The drafts that apps no longer running left behind, newest first, with their files;
    first of all the one in this process's own file (its pid was an app's before), which
    taking another would replace."""
    found: list[tuple[float, Path, Draft]] = []
    for path, owner in _draft_files(locations):
        draft = read_draft(path)
        if draft is None or _kept_by_another_app(owner if owner is not None else draft.pid):
            continue
        try:
            found.append((path.stat().st_mtime, path, draft))
        except OSError:
            continue  # taken by another app starting at once
    own = locations.builder_draft_of(os.getpid())
    found.sort(key=lambda left: (left[1] != own, -left[0]))
    return [(path, draft) for _, path, draft in found]


def _kept_by_another_app(pid: int) -> bool:
    """This process's own draft counts as left: an app before in this process (the tests')."""
    return pid != os.getpid() and process_running(pid)


def _draft_files(locations: Locations) -> list[tuple[Path, int | None]]:
    """Each draft file and the pid of the app its name says keeps it (None: the old file,
    whose draft says)."""
    files: list[tuple[Path, int | None]] = [(locations.old_builder_draft, None)]
    try:
        names = os.listdir(locations.builder_drafts)
    except OSError:
        names = []
    for name in names:
        if owned := _OWNED.fullmatch(name):
            files.append((locations.builder_drafts / name, int(owned.group(1))))
    return files


def take_draft(path: Path, locations: Locations) -> bool:
    """Make the left draft at `path` this app's own; False when another app starting at the
    same moment took it first (a rename: only one can). In a cache dir that cannot be written
    it stays where it is, and is shown all the same (nothing there can be kept anyway)."""
    own = locations.builder_draft_of(os.getpid())
    try:
        own.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(path, own)
    except FileNotFoundError:
        return False
    except OSError:
        pass  # a cache dir that cannot be written: shown from where it is
    return True
