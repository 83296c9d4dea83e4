"""With --cache-dir given, the commands a message quotes name it too: followed as written
(copied into a shell), they act on that cache dir, not on the default one."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_support import run_cli

from mpdtui.cli import build_parser
from mpdtui.locations import Locations
from mpdtui.services.root import open_services

TRACK = "spotify:track:4uLU6hMCjMI75M1A2tKUQC"


def quoted_commands(said: str) -> list[str]:
    return re.findall(r"`(mpdtui[^`]*)`", said)


def test_a_quoted_command_names_the_cache_dir_given_and_works_as_written(tmp_path: Path) -> None:
    cache, default = tmp_path / "my cache", tmp_path / "default"
    env = {**os.environ, "MPDTUI_CACHE_DIR": str(default)}  # where a bare `mpdtui` acts
    listed = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache),
                             "playlists"], capture_output=True, text=True, env=env, check=True)
    advice = quoted_commands(listed.stdout)
    assert f"mpdtui --cache-dir {shlex.quote(str(cache))} import FILE" in advice, listed.stdout
    assert all(command.startswith(f"mpdtui --cache-dir {shlex.quote(str(cache))}")
               for command in advice), advice

    playlist = tmp_path / "road trip.m3u8"
    playlist.write_text(f"{TRACK}\n")
    typed = advice[-1].replace("FILE", shlex.quote(str(playlist)))
    done = subprocess.run(typed.replace("mpdtui", f"{shlex.quote(sys.executable)} -m mpdtui.cli",
                                        1), shell=True, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done
    assert open_services(Locations.resolve(cache)).playlists.get("road trip").uris == [TRACK]
    assert not (default / "playlists.sqlite3").exists(), "the default cache dir is left alone"


def test_said_once_in_every_quoted_command_and_not_without_the_option(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "c"
    refused = run_cli(capsys, cache, "search", "-dari")  # its advice names the option already
    assert refused.code == 2
    assert refused.err.count("--cache-dir") == len(quoted_commands(refused.err)) + 1, refused.err

    monkeypatch.setenv("MPDTUI_CACHE_DIR", str(cache))
    bare = run_cli(capsys, None, "info")
    assert "`mpdtui ingest PATH`" in bare.out and "--cache-dir" not in bare.out, bare.out
    same = run_cli(capsys, cache, "info")  # the one a bare `mpdtui` uses too: not named
    assert "`mpdtui ingest PATH`" in same.out and "--cache-dir" not in same.out, same.out
    monkeypatch.setenv("MPDTUI_CACHE_DIR", str(tmp_path / "other"))
    given = run_cli(capsys, cache, "info")
    assert f"`mpdtui --cache-dir {cache} ingest PATH`" in given.out, given.out


def test_the_app_names_the_cache_dir_it_uses_in_the_commands_it_quotes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its links export said `mpdtui export NAME --to links` in an app started with
    --cache-dir, which in another terminal looked in the default cache dir."""
    import mpdtui.advice
    from mpdtui.tui.text import in_app

    monkeypatch.setenv("MPDTUI_CACHE_DIR", str(tmp_path / "default"))
    monkeypatch.setattr(mpdtui.advice.Advice, "cache_dir", None)
    quoted = "(a terminal without a clipboard: `mpdtui export mix --to links`)"
    mpdtui.advice.name_cache_dir(tmp_path / "default")
    assert in_app(quoted) == quoted
    mpdtui.advice.name_cache_dir(tmp_path / "mine")  # --cache-dir, or the cache step's folder
    assert in_app(quoted) == ("(a terminal without a clipboard: `mpdtui --cache-dir "
                              f"{tmp_path / 'mine'} export mix --to links`)")


@pytest.mark.parametrize("name", ["back\\slash", "esc\x1b[31m 'q'\\\nx"])
def test_a_cache_dir_of_backslashes_or_control_characters_is_named_safely_and_works(
        tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A backslash in the cache dir's path failed every message quoting a command (re.sub read
    it as an escape: a traceback); a control character went to the terminal raw."""
    cache = tmp_path / name
    refused = run_cli(capsys, cache, "playlists", "nope")
    assert refused.code == 2 and len(refused.err.splitlines()) == 1, refused
    assert "\x1b" not in refused.err and "Traceback" not in refused.err
    command = next(c for c in quoted_commands(refused.err) if c.endswith(" import FILE"))
    typed = command.replace("mpdtui", f"{shlex.quote(sys.executable)} -m mpdtui.cli", 1)
    done = subprocess.run(typed.replace(" import FILE", " info --json"), shell=True,
                          executable="/bin/bash", capture_output=True, text=True)
    assert done.returncode == 0, done
    assert json.loads(done.stdout)["cache_dir"] == str(cache)


def test_a_command_that_a_help_text_wraps_after_mpdtui_names_the_cache_dir_too(
        tmp_path: Path) -> None:
    """`suggest --help` at 80 columns wraps its --seed help as "(repeatable; `mpdtui" and
    "search WORDS` finds URIs)" on the next line: that command was left without --cache-dir,
    so followed as written it searched the default cache dir."""
    cache = tmp_path / "c"
    env = {**os.environ, "COLUMNS": "80", "MPDTUI_CACHE_DIR": str(tmp_path / "default")}
    shown = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache),
                            "suggest", "--help"], capture_output=True, text=True, env=env,
                           check=True).stdout
    assert any("search" in command and "\n" in command for command in quoted_commands(shown)), \
        "the help no longer wraps `mpdtui search WORDS`: make it at another width"
    commands = [" ".join(command.split()) for command in quoted_commands(shown)]
    assert f"mpdtui --cache-dir {cache} search WORDS" in commands, shown
    assert all(command.startswith(f"mpdtui --cache-dir {cache} ") for command in commands), commands


def test_a_help_text_naming_the_cache_dir_fits_the_terminal(tmp_path: Path) -> None:
    """`mpdtui --cache-dir DIR export --help` at 80 columns: the cache dir was put into the
    quoted commands after argparse had wrapped the lines, so "(needs `mpdtui auth`), or an"
    grew past 80 columns and the terminal cut it mid-word ("--cach" / "e-dir ..."). A path
    is not wrapped at its hyphens either: copied, it would not be the path."""
    cache = "mpdtui-caches/demo-seed-8"  # relative, named from the root in the commands
    named = str(tmp_path / cache)
    env = {**os.environ, "COLUMNS": "80", "MPDTUI_CACHE_DIR": str(tmp_path / "default")}
    for command in ("export", "suggest", "import"):
        shown = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", cache,
                                command, "--help"], capture_output=True, text=True, env=env,
                               cwd=tmp_path, check=True).stdout
        # only a path longer than the room beside the options goes past it, on a line alone
        assert all(len(line) <= 80 or line.strip() == named for line in shown.splitlines()), shown
        commands = [" ".join(command.split()) for command in quoted_commands(shown)]
        assert commands and all(c.startswith(f"mpdtui --cache-dir {named} ")
                                for c in commands), commands


def test_every_commands_help_fits_an_80_column_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The usage lines too: `[--model {popularity,title,...,ranker}]` is one group argparse
    cannot break, and made `suggest --help` and `submit --help` 85-86 columns wide (the
    terminal cut it); the names are in the option's help instead."""
    monkeypatch.setenv("COLUMNS", "80")
    parser = build_parser()
    commands = next(action for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction)).choices
    for name, command in {"mpdtui": parser, **commands}.items():
        wide = [line for line in command.format_help().splitlines() if len(line) > 80]
        assert not wide, (name, wide)


def test_a_relative_cache_dir_is_named_from_the_root_and_works_from_another_folder(
        tmp_path: Path) -> None:
    """`cd DIR && mpdtui --cache-dir rel ...` quoted `mpdtui --cache-dir rel ...`: a script that
    followed it after another `cd` acted on another (new, empty) cache dir."""
    (tmp_path / "here").mkdir()
    (elsewhere := tmp_path / "elsewhere").mkdir()
    cache = tmp_path / "here" / "my cache"
    env = {**os.environ, "MPDTUI_CACHE_DIR": str(tmp_path / "default")}
    listed = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", "my cache",
                             "playlists"], capture_output=True, text=True, env=env, check=True,
                            cwd=tmp_path / "here")
    advice = quoted_commands(listed.stdout)
    assert f"mpdtui --cache-dir {shlex.quote(str(cache))} import FILE" in advice, listed.stdout

    playlist = tmp_path / "road trip.m3u8"
    playlist.write_text(f"{TRACK}\n")
    typed = advice[-1].replace("FILE", shlex.quote(str(playlist)))
    done = subprocess.run(typed.replace("mpdtui", f"{shlex.quote(sys.executable)} -m mpdtui.cli",
                                        1), shell=True, capture_output=True, text=True, env=env,
                          cwd=elsewhere)
    assert done.returncode == 0, done
    assert open_services(Locations.resolve(cache)).playlists.get("road trip").uris == [TRACK]
    assert list(elsewhere.iterdir()) == [], "no cache dir made where the script went"


def test_a_usage_mistake_names_a_relative_cache_dir_from_the_root(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The way to pass a dashed word is a command with --cache-dir in it already."""
    monkeypatch.chdir(tmp_path)
    refused = run_cli(capsys, Path("rel"), "search", "-dari")
    assert refused.code == 2
    assert f"mpdtui --cache-dir {tmp_path / 'rel'} search -- -dari" in refused.err, refused.err


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_cache_dir_the_output_cannot_encode_is_named_so_that_it_pastes(
        tmp_path: Path, encoding: str) -> None:
    """With PYTHONIOENCODING=ascii (or a legacy locale's) the stream wrote 'Jörg' as
    '/J\\xf6rg' (backslashreplace): pasted, that names a folder of a backslash and "xf6"."""
    cache = tmp_path / "Jörg’s cache"  # ö: Latin-1 has it, ’ it has not
    env = {**os.environ, "PYTHONIOENCODING": encoding,
           "MPDTUI_CACHE_DIR": str(tmp_path / "default")}
    listed = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache),
                             "playlists"], capture_output=True, env=env, check=True)
    said = listed.stdout.decode(encoding)
    advice = quoted_commands(said)
    assert "\\u2019" not in said.split("`")[1] and advice, said
    usage = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache),
                            "search", "-dari"], capture_output=True, env=env)
    assert usage.returncode == 2 and " -- -dari" in usage.stderr.decode(encoding)
    dashed = usage.stderr.decode(encoding).split(": mpdtui ", 1)[1].split(" (see")[0]
    assert dashed.startswith(advice[-1].split(" import ")[0].removeprefix("mpdtui ")), dashed

    playlist = tmp_path / "road trip.m3u8"
    playlist.write_text(f"{TRACK}\n")
    typed = advice[-1].replace("FILE", shlex.quote(str(playlist)))
    done = subprocess.run(typed.replace("mpdtui", f"{shlex.quote(sys.executable)} -m mpdtui.cli",
                                        1), shell=True, executable="/bin/bash",
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done
    assert open_services(Locations.resolve(cache)).playlists.get("road trip").uris == [TRACK]
