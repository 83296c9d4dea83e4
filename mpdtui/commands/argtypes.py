"""Argument types for argparse: a bad value is refused with one line naming it."""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mpdtui.data.mpd_validation import no_track_linked, pasted_track_uri
from mpdtui.data.playlist_length import LengthError, parse_length
from mpdtui.printable import printable, quoted
from mpdtui.spotify.settings import not_a_client_id


def int_between(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer from `low` to `high` (no upper bound when None)."""
    if high is not None:
        wanted = f"an integer from {low} to {high}"
    else:
        wanted = {0: "a non-negative integer", 1: "a positive integer"}.get(
            low, f"an integer of at least {low}")

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {quoted(text)}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {value}")
        return value

    parse.__name__ = "integer"  # what argparse names in its own messages
    return parse


def given_path(text: str) -> Path:
    """An argparse type: a path, never an empty one, which pathlib takes for the current
    folder (`demo-data ""` wrote the demo there)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a path, got {quoted(text)}")
    return Path(text)


given_path.__name__ = "path"  # what argparse names in its own messages


def given_text_path(text: str) -> str:
    """`given_path`, kept as typed (a trailing slash says "a folder", `-` standard output)."""
    given_path(text)
    return text


given_text_path.__name__ = "path"


def input_path(text: str) -> Path:
    """`given_path` for what a job reads (data, features CSVs): it runs in a process of its
    own, so a pipe or a device (/dev/stdin, a shell's `<(...)`) that only this one holds is
    refused; it waited forever on one."""
    path = given_path(text)
    try:
        mode = path.stat().st_mode
    except OSError:
        return path  # missing or unreadable: the job says so, with what to give
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode):
        raise argparse.ArgumentTypeError(
            f"{text} is a pipe or a device, not a file: save what it gives to a file first "
            "and give that file")
    return path


input_path.__name__ = "path"


def input_text_path(text: str) -> str:
    """`input_path`, kept as typed."""
    input_path(text)
    return text


input_text_path.__name__ = "path"


def file_path(example: str) -> Callable[[str], Path]:
    """An argparse type: a file to write; text ending in a slash names a folder, which pathlib
    would make a file of that name (the advice names `example` in it)."""
    def parse(text: str) -> Path:
        given_path(text)
        if text.endswith(("/", os.sep)):
            raise argparse.ArgumentTypeError(
                f"expected a file, got {quoted(text)}, a folder: give the file to write, e.g. "
                f"--out {text}{example}")
        return Path(text)

    parse.__name__ = "file"
    return parse


non_negative_int = int_between(0)
port_number = int_between(1, 65535)


class JoinedWords(argparse.Action):
    """Words given unquoted (`mpdtui playlists road trip`) as one text, as if quoted."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        words = values if isinstance(values, list) else [values]
        setattr(namespace, self.dest, " ".join(map(str, words)) if words else self.default)


class SearchWords(JoinedWords):
    """The words of `mpdtui search mr brightside`, quoted or not (not blank)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        super().__call__(parser, namespace, values, option_string)
        if not (getattr(namespace, self.dest) or "").strip():
            raise argparse.ArgumentError(
                self, "expected words of a title, artist or album, e.g. 'mr brightside', got nothing")


def track_uri(text: str) -> str:
    """An argparse type: a Spotify track as its URI, its open.spotify.com link or its bare id;
    gives the URI."""
    uri = pasted_track_uri(text)
    linked = no_track_linked(text, "them into `mpdtui import - --name NAME` (ctrl+d ends "
                                   "them); `mpdtui suggest --playlist NAME` then suggests for them")
    if linked is not None:
        raise argparse.ArgumentTypeError(f"got {quoted(text)}, {linked}")
    if uri is None:
        raise argparse.ArgumentTypeError(
            f"expected a Spotify track URI (spotify:track: and 22 letters or digits) or its "
            f"https://open.spotify.com/track/ link, got {quoted(text)}; `mpdtui search WORDS` finds a "
            f"track's URI")
    return uri


track_uri.__name__ = "track URI"


def client_id(text: str) -> str:
    """An argparse type: a Spotify app's Client ID, one word (an empty one fell back to the
    client id saved before, unsaid)."""
    if not text.strip() or len(text.split()) > 1 or not text.isprintable():
        raise argparse.ArgumentTypeError(
            f"expected your Spotify app's Client ID (developer.spotify.com/dashboard, your app, "
            f"Settings), got {quoted(text)}")
    if problem := not_a_client_id(text):
        raise argparse.ArgumentTypeError(problem)
    return text.strip()


client_id.__name__ = "client id"


def csv_field(text: str) -> str:
    """An argparse type: text for one field of a comma-separated line (no commas, no line
    breaks or other control characters, not blank)."""
    wrong = [said for said, found in (
        ("commas", "," in text),
        ("control characters (line breaks, tabs, escapes)", printable(text) != text)) if found]
    if wrong or not text.strip():  # what is wrong by name: an escape is no comma or line break
        what = f"text without {' or '.join(wrong)}" if wrong else "some text"
        raise argparse.ArgumentTypeError(
            f"expected one field of the CSV's team_info line: {what}, got {quoted(text)}")
    return text.strip()


csv_field.__name__ = "CSV field"


def playlist_name(text: str) -> str:
    """An argparse type: a name to save a playlist under (not blank, no line breaks or other
    control characters; outer spaces go, as the store drops them). Emoji joined by zero-width
    joiners and no-break spaces are part of names."""
    name = text.strip()
    if not name:
        raise argparse.ArgumentTypeError(f"expected a playlist name, got {quoted(text)}")
    if printable(name) != name:
        raise argparse.ArgumentTypeError(f"expected a playlist name on one line, without tabs "
                                         f"or other control characters, got {quoted(text)}")
    return name


playlist_name.__name__ = "playlist name"


class PlaylistLengthAction(argparse.Action):
    """How long a playlist should be (`data.playlist_length`), in one word or several: `--length
    1h 30m`, `--length 30 tracks`."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[Any] | None, option_string: str | None = None) -> None:
        text = values if isinstance(values, str) else " ".join(map(str, values or ()))
        try:
            setattr(namespace, self.dest, parse_length(text))
        except LengthError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
