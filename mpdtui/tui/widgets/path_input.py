"""A field for a path that completes it as a shell's tab does: the rest of a name its folder
holds shows after the cursor in grey, and tab (or →) takes it; when several names fit, tab
shows them, and in an empty field the current folder's. Tab moves on, as elsewhere, from a
path that names something; from one that names nothing it says why and stays."""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.suggester import Suggester

from mpdtui.printable import printable
from mpdtui.tui.typed_path import typed_path
from mpdtui.tui.widgets.in_order_input import InOrderInput

DIRECTORIES_ONLY: tuple[str, ...] = ()
MOST_CHOICES_SHOWN = 12
MOST_NAMES_READ = 20_000
"""Names read from one folder for a completion: a bigger folder completes from its first ones
rather than hold the field up."""


@dataclass(frozen=True)
class PathCompletion:
    """What a typed path completes to, as a shell's tab completes it."""

    completed: str | None = None
    """The text with more of its last part: a name only one entry has, or what several have
    in common. None when there is nothing to add."""
    choices: tuple[str, ...] = ()
    """The names that fit when several do and they have nothing more in common."""


def complete_path(text: str, file_suffixes: tuple[str, ...] = DIRECTORIES_ONLY) -> PathCompletion:
    """Complete the last part of `text` from its folder: a folder's name ends with `/`; files
    count when their names end with one of `file_suffixes` (any case). Text typed with a
    shell's backslashes (`My\\ Mu`) completes with them (`My\\ Music/`). Nothing for an empty,
    quoted or URL text (pasted, not typed)."""
    if not text or text.startswith(("'", '"', "file:")):
        return PathCompletion()
    if text == "~":
        return PathCompletion("~/")
    if "\\" not in text:
        return _complete_plain(text, file_suffixes)
    plain = _BACKSLASHED.sub(r"\1", text)
    completion = _complete_plain(plain, file_suffixes)
    if completion.completed is None:
        return completion
    added = completion.completed[len(plain):]
    return PathCompletion(text + _SHELL_SPECIAL.sub(r"\\\g<0>", added))


_BACKSLASHED = re.compile(r"\\(.)")
_SHELL_SPECIAL = re.compile(r"[^\w@%+=:,./~-]")
"""Characters a shell reads unless a backslash comes before them: all but those `shlex.quote`
leaves as they are, and `~` (special only where a word starts, not inside a path)."""


def _complete_plain(text: str, file_suffixes: tuple[str, ...]) -> PathCompletion:
    folder_text, slash, typed = text.rpartition("/")
    try:
        folder = Path(folder_text or "/").expanduser() if slash else Path(".")
    except RuntimeError:  # ~nobody
        return PathCompletion()
    names = _completing_names(folder, typed, file_suffixes)
    common = os.path.commonprefix(names)  # noqa: RUF071 (names in one folder, not paths)
    if len(common) > len(typed):
        return PathCompletion(text + common[len(typed):])
    return PathCompletion(choices=tuple(names) if len(names) > 1 else ())


def _completing_names(folder: Path, typed: str, file_suffixes: tuple[str, ...]) -> list[str]:
    """The names in `folder` that start with `typed`, a folder's with a `/`, sorted;
    hidden ones only when `typed` starts with a dot, none that the terminal would act on."""
    names = []
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count >= MOST_NAMES_READ:
                    break
                hidden = entry.name.startswith(".") and not typed.startswith(".")
                if hidden or not entry.name.startswith(typed) or printable(entry.name) != entry.name:
                    continue  # a name with control characters would act on the terminal
                if _is_folder(entry):
                    names.append(entry.name + "/")
                elif entry.name.lower().endswith(file_suffixes):
                    names.append(entry.name)
    except OSError:
        return []
    return sorted(names, key=str.lower)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def complete_here(file_suffixes: tuple[str, ...] = DIRECTORIES_ONLY) -> PathCompletion:
    """What tab in an empty field completes, as a shell's tab on an empty word: the names in
    the current folder."""
    return _complete_plain("", file_suffixes)


def nothing_to_complete(text: str, file_suffixes: tuple[str, ...] = DIRECTORIES_ONLY,
                        makes_folders: bool = False) -> str:
    """Why tab completes nothing of `text` (an empty field's: in the current folder). In a
    field whose new folder is made when used (`makes_folders`), that is said: a new name is
    no mistake there."""
    if not text:
        return f"Nothing in {_shown(Path.cwd())} to complete: type a path (~/ is your home folder)"
    folder_text, slash, typed = typed_path(text).rpartition("/")
    where = (folder_text or "/") if slash else "."
    try:
        is_folder = Path(where).expanduser().is_dir()
    except (OSError, RuntimeError):  # ~nobody
        is_folder = False
    if not is_folder:
        return f"{_shown(where)} is not a folder: check the path"
    kinds = f"folder or {'/'.join(file_suffixes)} file" if file_suffixes else "folder"
    new = " (a new folder is made when used)" if makes_folders and typed else ""
    return f"No {kinds} in {_shown(where)} starts with {_shown(typed)}{new}"


def names_something(text: str) -> bool:
    """Whether the path in `text` (as typed or pasted) is there: tab leaves such a field."""
    try:
        return bool(text) and Path(typed_path(text)).expanduser().exists()
    except (OSError, ValueError, RuntimeError):
        return False


def _shown(path: object) -> str:
    return printable(str(path))


class PathSuggester(Suggester):
    def __init__(self, file_suffixes: tuple[str, ...]) -> None:
        # no cache: folders change (a demo written, a download finished) while the app runs
        super().__init__(use_cache=False, case_sensitive=True)
        self.file_suffixes = file_suffixes

    async def get_suggestion(self, value: str) -> str | None:
        if value.endswith("/"):
            return None  # a folder may be the answer: its contents come on tab only
        completion = await asyncio.to_thread(complete_path, value, self.file_suffixes)
        return completion.completed


class PathInput(InOrderInput):
    """An Input for a folder (the default) or a file with one of `file_suffixes`;
    `makes_folders`: a folder that is not there yet is made when the field's path is used."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("tab", "complete", "Complete", show=False)]

    def __init__(self, value: str = "", *, placeholder: str = "",
                 file_suffixes: tuple[str, ...] = DIRECTORIES_ONLY, makes_folders: bool = False,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(value, placeholder=placeholder, id=id, classes=classes,
                         suggester=PathSuggester(file_suffixes))
        self.file_suffixes = file_suffixes
        self.makes_folders = makes_folders

    def action_complete(self) -> None:
        """Complete the path at the cursor; when several names fit, show them. Tab moves on
        (as elsewhere) from a path that names something, or with the cursor inside the text;
        from an empty field or a path that names nothing it says why and stays: it had moved
        to the step's Back button, where the keys typed next were lost and enter went back."""
        if not self.cursor_at_end:
            self.screen.focus_next()
            return
        text = self.value
        completion = (complete_path(text, self.file_suffixes) if text
                      else complete_here(self.file_suffixes))
        if completion.completed is not None:
            self.value = completion.completed
            self.cursor_position = len(completion.completed)
        elif completion.choices:
            title = "Type more of the name" if text else f"In {_shown(Path.cwd())}"
            self.notify(_listed(completion.choices), title=title, markup=False, timeout=6)
        elif names_something(text):
            self.screen.focus_next()
        else:
            self.notify(nothing_to_complete(text, self.file_suffixes, self.makes_folders),
                        title="Nothing to complete", markup=False, timeout=6)


def _listed(names: tuple[str, ...]) -> str:
    shown = "   ".join(names[:MOST_CHOICES_SHOWN])
    more = len(names) - MOST_CHOICES_SHOWN
    return shown + (f"   and {more:,} more" if more > 0 else "")
