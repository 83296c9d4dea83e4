"""Advice for usage mistakes argparse reports bare: words that start with '-' (read as
options), the words of one value given unquoted, an unknown option taken for a command. Each
piece of advice is a way to write the command that parses."""

from __future__ import annotations

import argparse
import difflib
import itertools
import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from models.registry import MODEL_NAMES
from mpdtui.commands.argtypes import given_path, given_text_path, input_path, input_text_path
from mpdtui.errors import UserError

PATH_TYPES = (Path, given_path, given_text_path, input_path, input_text_path)
"""The argument types of paths: a file whose name starts with '-' can be given as ./-name."""


def words_of_one_value(parser: argparse.ArgumentParser, command: str | None,
                        argv: Sequence[str], unknown: list[str]) -> str:
    """`mpdtui suggest --name rainy sunday`, `mpdtui ingest my mpd`: the words after a text
    option's value (or a command's path) were meant for it; say how to quote them."""
    starts = [i for i in range(2, len(argv)) if list(argv[i:i + len(unknown)]) == unknown]
    if command is None or not starts or any(word.startswith("-") for word in unknown):
        return ""
    option, value = argv[starts[0] - 2], argv[starts[0] - 1]
    texts = [action for action in _command_parser(parser, command)._actions
             if action.nargs in (None, "?") and action.choices is None
             and action.type in (None, str, *PATH_TYPES)]
    quoted = shlex.quote(" ".join([value, *unknown]))
    if option == command and any(not action.option_strings for action in texts):
        return f"; a path or name of several words goes in quotes: {quoted}"
    if any(option in action.option_strings for action in texts):
        return f"; a value of several words goes in quotes: {option} {quoted}"
    return ""


def a_later_dashed_value(parser: argparse.ArgumentParser, command: str | None,
                         argv: Sequence[str], global_options: Sequence[str],
                         unknown: list[str]) -> str:
    """`suggest --length 5 -3m`, `--train --models als -x`, `import a.m3u -b.m3u`: a word that
    starts with '-' after the first value of a several-value option or of the command's words,
    which argparse leaves unread; say how to give it (a first value gets
    `with_the_way_to_pass_a_dashed_value`'s advice). A word of two dashes is taken for a
    mistyped option."""
    command_parser = _command_parser(parser, command) if command else parser
    known = _options_of(command_parser)
    dashed = next((word for word in unknown if word.startswith("-")
                   and not word.startswith("--") and word not in known), None)
    given = list(argv[argv.index(command) + 1:] if command else argv)
    if dashed is None or dashed not in given:
        return ""
    owner, values = _owner_of(known, given[:given.index(dashed)])
    if owner is None:
        return _later_dashed_word(command_parser, command, given, global_options)
    action = known[owner]
    if action.nargs not in ("+", "*") or not values:
        return ""
    return _later_dashed_option_value(owner, action, [*values, dashed])


def _owner_of(known: dict[str, argparse.Action], before: list[str]) -> tuple[str | None, list[str]]:
    """Whose values the words after `before` would be: the several-value option that `before`
    ends in, with the values it has (None: the command's own words)."""
    owner: str | None = None
    values: list[str] = []
    items = iter(before)
    for item in items:
        action = known.get(item)
        if action is None and item.split("=")[0] in known:  # --k=3: the option and its value
            owner, values = None, []
        elif action is None:
            values.append(item)
        else:
            owner, values = (item, []) if action.nargs in ("+", "*") else (None, [])
            if action.nargs is None:
                next(items, None)
    return owner, values


def a_close_option(parser: argparse.ArgumentParser, command: str | None,
                   unknown: list[str]) -> str:
    """`suggest --models als`, `mpdtui --trian`: an unknown option close to one of the
    command's own (a letter more, fewer or swapped) names it."""
    typed = next((word.split("=")[0] for word in unknown if word.startswith("--")), None)
    if typed is None:
        return ""
    options = [name for name in _options_of(_command_parser(parser, command) if command else parser)
               if name.startswith("--")]
    close = difflib.get_close_matches(typed, options, n=1, cutoff=0.8)
    return f"; did you mean {close[0]}?" if close else ""


def _options_of(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {name: action for action in parser._actions for name in action.option_strings}


def _later_dashed_option_value(name: str, option: argparse.Action, values: list[str]) -> str:
    """The way for a dashed value after the first of `option`'s values (`values`: all of them)."""
    dashed = values[-1]
    if option.choices is not None or option.metavar == "MODEL":
        choices = ", ".join(map(str, option.choices or MODEL_NAMES))
        return f"; {name} takes {choices}: {shlex.quote(dashed)} is none of them"
    if option.type in PATH_TYPES:
        written = shlex.join([name, *values[:-1], f"./{dashed}"])
        return f"; a file whose name starts with '-' goes as ./{dashed}: {written}"
    return (f"; a value that starts with '-' goes after '=', in quotes with the words before it: "
            f"{name}={shlex.quote(' '.join(values))}")


def _later_dashed_word(command_parser: argparse.ArgumentParser, command: str | None,
                       given: Sequence[str], global_options: Sequence[str]) -> str:
    """A dashed word after the first of a command's several words (`search dari -x`): the
    options first, then the words, those from the first dashed one after `--`."""
    if command is None or not any(not action.option_strings and action.nargs in ("+", "*")
                                  for action in command_parser._actions):
        return ""
    options, words = _options_and_words(command_parser, given)
    cut = next((i for i, word in enumerate(words) if word.startswith("-")), None)
    if cut is None:
        return ""
    written = shlex.join(["mpdtui", *global_options, command, *options,
                          *words[:cut], "--", *words[cut:]])
    return f"; words that start with '-' go after '--': {written}"


def _options_and_words(command_parser: argparse.ArgumentParser,
                       given: Sequence[str]) -> tuple[list[str], list[str]]:
    """`given` split into the command's options (each with its values) and its other words."""
    known = _options_of(command_parser)
    options: list[str] = []
    words: list[str] = []
    items = iter(given)
    for item in items:
        action = known.get(item)
        if action is None:
            (options if item.split("=")[0] in known else words).append(item)
        elif action.nargs is None:
            options += [item, next(items, "")]
        else:
            options.append(item)
    return options, words


def _command_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    commands = next(action for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction))
    return commands.choices[command]


def unknown_option_taken_for_a_command(parser: argparse.ArgumentParser, argv: Sequence[str],
                                        error: UserError) -> UserError:
    """`mpdtui --train --playlists 500`: argparse skips the unknown option and takes its value for
    the COMMAND ("invalid choice: '500'"); name the option instead."""
    known = [option for action in parser._actions for option in action.option_strings]
    for option, value in itertools.pairwise(argv):
        taken_for_the_command = f"argument COMMAND: invalid choice: {value!r}" in str(error)
        if (taken_for_the_command and option.startswith("-")
                and not any(name.startswith(option.split("=")[0]) for name in known)):
            return UserError(f"unrecognized arguments: {option} {value} (see `{parser.prog} "
                             "--help`)")
    return error


def with_the_way_to_pass_a_dashed_value(parser: argparse.ArgumentParser, argv: Sequence[str],
                                         global_options: Sequence[str], error: UserError) -> UserError:
    """`mpdtui search -dari`, `suggest --name -chill`: argparse reads a word that starts with '-'
    as an option; say how to give it as a value."""
    if " (see " not in str(error):
        return error
    text, see_help = str(error).rsplit(" (see ", 1)
    advice = (_dashed_option_value(text, argv)
              or _dashed_words(parser, text, see_help, argv, global_options)
              or _required_option_mistyped(text, argv))
    return UserError(f"{text}; {advice} (see {see_help}") if advice else error


def _required_option_mistyped(text: str, argv: Sequence[str]) -> str | None:
    """`export x --too m3u`: the required option is missing because it was mistyped."""
    missing = re.fullmatch(r"the following arguments are required: (.+)", text)
    required = [name for name in missing.group(1).split(", ") for name in name.split("/")
                if name.startswith("--")] if missing else []
    for word in argv:
        typed = word.split("=")[0]
        close = difflib.get_close_matches(typed, required, n=1, cutoff=0.8)
        if typed.startswith("--") and typed not in required and close:
            return f"{typed} is no option here: did you mean {close[0]}?"
    return None


def _dashed_option_value(text: str, argv: Sequence[str]) -> str | None:
    missing = re.fullmatch(r"argument (\S+): expected (?:one|at least one) argument", text)
    names = missing.group(1).split("/") if missing else []
    for option, value in itertools.pairwise(argv):
        if option in names and value.startswith("-") and value != "--":
            return f"a value that starts with '-' goes after '=': {max(names, key=len)}={shlex.quote(value)}"
    return None


def _dashed_words(parser: argparse.ArgumentParser, text: str, see_help: str,
                  argv: Sequence[str], global_options: Sequence[str]) -> str | None:
    """Positional words missing (none of them options) while argv holds unknown '-' words."""
    missing = re.fullmatch(r"the following arguments are required: ([\w, ]+)", text)
    named = re.match(r"`mpdtui (\S+) --help`", see_help)
    if not (missing and named and named.group(1) in argv):
        return None
    name = named.group(1)
    known = {option for action in _command_parser(parser, name)._actions
             for option in action.option_strings}
    given = list(argv[argv.index(name) + 1:])
    words = [item for item in given if item.startswith("-") and item.split("=")[0] not in known]
    options = [item for item in given if item not in words]
    return (f"words that start with '-' go after '--': "
            f"{shlex.join(['mpdtui', *global_options, name, *options, '--', *words])}") if words else None
