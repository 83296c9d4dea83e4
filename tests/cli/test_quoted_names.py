"""Names and values in messages (`printable.quoted`): shown as typed, a backslash as one (not
doubled, as `repr` did), while control characters and escape codes stay visible text and
Rich markup stays as typed; and a name a message gives works when typed back."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_support import assert_refused, run_cli

from mpdtui.data.saved_playlists import SavedPlaylists
from mpdtui.locations import Locations
from mpdtui.printable import quoted

WINDOWS_PATH = "C:\\Music\\mix"


def test_quoted_keeps_a_backslash_and_escapes_control_characters() -> None:
    assert quoted(WINDOWS_PATH) == "'C:\\Music\\mix'"
    assert quoted("[bold]x[/]") == "'[bold]x[/]'"
    assert quoted("a\nb\x1b[31m") == "'a\\x0ab\\x1b[31m'"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    store = SavedPlaylists.open(Locations.resolve(tmp_path / "cache"))
    store.save(WINDOWS_PATH, [])
    return tmp_path / "cache"


def test_a_saved_name_with_backslashes_is_named_as_typed_and_works_typed_back(
        cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_refused(run_cli(capsys, cache, "playlists", "C:\\Music\\mx"),
                          "no saved playlist named 'C:\\Music\\mx'",
                          "did you mean 'C:\\Music\\mix'?")
    assert "\\\\" not in line
    meant = line.split("did you mean ")[1].rstrip("?").strip("'")
    assert run_cli(capsys, cache, "playlists", meant).code == 0

    line = assert_refused(run_cli(capsys, cache, "order", WINDOWS_PATH),
                          "'C:\\Music\\mix' has no tracks to order")
    assert "\\\\" not in line


def test_a_value_with_a_backslash_is_named_as_typed(
        cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_refused(run_cli(capsys, cache, "suggest", "--name", "x", "--length", "x\\y"),
                   "'x\\y' is not a playlist length")
    assert_refused(run_cli(capsys, cache, "suggest", "--name", "x", "--filter", "tempo\\ 3"),
                   "filter 'tempo\\ 3'")


def test_escape_codes_and_markup_in_a_name_are_shown_as_text(
        cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_refused(run_cli(capsys, cache, "playlists", "\x1b[31mred[bold]x[/]\nnext"),
                          "no saved playlist named '\\x1b[31mred[bold]x[/]\\x0anext'")
    assert "\x1b" not in line
