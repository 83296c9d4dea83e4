"""Commands quoted in messages name the cache dir in use where it is not the one a bare `mpdtui`
would use: copied into another terminal as written, they act on the same data."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from mpdtui.errors import UserError
from mpdtui.locations import Locations, expand_home
from mpdtui.printable import shell_word

_QUOTED_COMMAND = re.compile(r"`mpdtui(?=[\s`])(?!\s+--cache-dir)(?!\s+--help`)")
"""`mpdtui` opening a quoted command, also where a help text wraps the line after it."""


class Advice:
    """The cache dir that quoted commands name (None: the default one is in use)."""

    cache_dir: str | None = None


def name_cache_dir(given: str | Path | None) -> None:
    """The cache dir in use from now on: named where it is not the default (`--cache-dir`, or
    the app's cache step switching to another folder), from the root (a relative one, followed
    in another folder, where a script went with `cd`, named another cache dir)."""
    if given is not None and Locations.resolve(given).root == _default_root():
        given = None
    Advice.cache_dir = None if given is None else from_the_root(given)


def from_the_root(given: str | Path) -> str:
    """The cache dir `given` from the root, as commands quoting it name it (links and `..`
    left for the system to follow, as it did for this command); as given where the current
    folder is gone."""
    path = expand_home(given)
    try:
        return str(Path.cwd() / path)
    except OSError:
        return str(path)


def _default_root() -> Path | None:
    """The default cache dir; None where there is none (no home folder: only --cache-dir)."""
    try:
        return Locations.resolve(None).root
    except UserError:
        return None


def advised(text: str, encoding: str | None = None) -> str:
    """`text` with the commands it quotes (`mpdtui features --csv F`) naming the cache dir in
    use: followed as written, they would act on the default cache dir instead. Written where
    `encoding` has no code for some of its characters, it is named by its bytes (`shell_word`),
    also where the command named it already (usage advice): escaped by the stream, it could
    not be pasted."""
    if Advice.cache_dir is None or "mpdtui " not in text:
        return text
    word = shell_word(Advice.cache_dir, encoding)
    if word != (as_typed := shlex.quote(Advice.cache_dir)):
        text = text.replace(f"--cache-dir {as_typed}", f"--cache-dir {word}")
    named = f"`mpdtui --cache-dir {word}"
    return _QUOTED_COMMAND.sub(lambda _: named, text)  # as is: a backslash is no escape
