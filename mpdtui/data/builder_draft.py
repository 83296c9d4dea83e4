"""The builder's playlist while it has unsaved changes, kept on disk (`Locations.builder_draft`)
so that a terminal closed, a lost connection or a crash loses none of it: the next start of
the app restores it, still unsaved."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeGuard

from mpdtui.data.files import FormatVersionError, read_json, write_json

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
    """The app process that keeps it: another one running keeps its own."""


def write_draft(path: Path, draft: Draft) -> None:
    write_json(path, FORMAT, VERSION, asdict(draft))


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
    pid = document.get("pid", 0)
    if not (isinstance(name, str) and _strings(uris) and _strings(base_uris)
            and isinstance(base_name, str) and (editing is None or type(editing) is int)
            and type(pid) is int):
        return None
    return Draft(name, tuple(uris), editing, base_name, tuple(base_uris), pid)


def _strings(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def drop_draft(path: Path) -> None:
    path.unlink(missing_ok=True)
