"""The `mpdtui` command line.

`mpdtui` opens the app; `mpdtui --train` runs the whole setup headless; subcommands do one
thing each. Bad input (a mistyped option included) is one line on stderr and exit code 2;
Ctrl-C is exit code 130 (a job's SIGTERM, 143). Output piped into a reader that stops early
(`mpdtui info | head -2`) is dropped quietly and the command finishes its work.
"""

from __future__ import annotations

import argparse
import codecs
import io
import os
import shlex
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TextIO

# implicit's ALS is slower with a multithreaded BLAS; must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ chatter on stderr

import mpdtui.advice
from mpdtui import __version__
from mpdtui.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, UserError, file_error_line
from mpdtui.locations import (
    CACHE_DIR_ENV,
    Locations,
    closed_error,
    closed_to_this_user,
    dangling_link,
    default_cache_dir,
    expand_home,
    real_path,
)
from mpdtui.printable import printable


class _AdvisedHelp(argparse.HelpFormatter):
    """Help texts name the cache dir in the commands they quote before they are wrapped:
    named as they were written out (`_Advising`), `mpdtui --cache-dir DIR auth` made a wrapped
    line longer than the terminal, which cut it mid-word ("--cach", "e-dir")."""

    def _format_text(self, text: str) -> str:
        return super()._format_text(mpdtui.advice.advised(text))

    def _expand_help(self, action: argparse.Action) -> str:
        return mpdtui.advice.advised(super()._expand_help(action))

    # a path stays whole, to be copied: wrapped at its hyphens, or cut where longer than a
    # line, it would not be the path (one longer than a line goes on past the column)
    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False,
                             break_long_words=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return textwrap.fill(" ".join(text.split()), width, initial_indent=indent,
                             subsequent_indent=indent, break_on_hyphens=False,
                             break_long_words=False)


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is a UserError (one line, exit code 2), not the usage."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _AdvisedHelp)  # the commands' parsers too
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    from mpdtui.commands import audio, challenge, data, models, playlists, spotify, train

    parser = Parser(prog="mpdtui", description=(
        "A keyboard-driven terminal playlist assistant. Without a COMMAND, `mpdtui` opens the "
        "app: its first run walks you through the cache dir, data, Spotify login, audio features "
        "and training, then it builds playlists with you. `mpdtui --train` does that setup "
        "headless."),
        epilog="Each command has its own help: `mpdtui COMMAND --help`.")
    parser.add_argument("--version", action="version", version=f"mpdtui {__version__}")
    parser.add_argument("--cache-dir", help="where mpdtui keeps its data (default: "
                        f"${CACHE_DIR_ENV} or the user cache dir); accepted by every command")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    train.add_train_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (data, models, challenge, playlists, spotify, audio):
        module.register(subparsers)
    _describe_each_command(subparsers)
    return parser


def _describe_each_command(subparsers: argparse._SubParsersAction) -> None:
    """A command's own --help opens with what the command list says of it, unless the command
    describes itself at more length."""
    for listed in subparsers._choices_actions:
        command = subparsers.choices[listed.dest]
        if command.description is None and listed.help:
            command.description = f"{listed.help[0].upper()}{listed.help[1:]}."


def parse_arguments(argv: Sequence[str], global_options: Sequence[str] = ()) -> argparse.Namespace:
    """As `parse_args`, but an unknown option after a command points at that command's help.
    `global_options` (--cache-dir, taken out of argv) go into a command the message suggests."""
    from mpdtui.commands import usage_advice as advice

    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
    except UserError as error:
        error = advice.unknown_option_taken_for_a_command(parser, argv, error)
        raise advice.with_the_way_to_pass_a_dashed_value(parser, argv, global_options,
                                                         error) from None
    if unknown:
        prog = f"{parser.prog} {args.command}" if args.command else parser.prog
        said = (advice.words_of_one_value(parser, args.command, argv, unknown)
                or advice.a_later_dashed_value(parser, args.command, argv, global_options, unknown)
                or advice.a_close_option(parser, args.command, unknown))
        raise UserError(f"unrecognized arguments: {' '.join(unknown)}{said} (see `{prog} --help`)")
    return args


def split_global_options(argv: Sequence[str]) -> tuple[list[str], str | None, bool]:
    """Take --cache-dir and --debug out of argv wherever they stand (before or after the command)."""
    rest: list[str] = []
    cache_dir, debug = None, False
    items = iter(argv)
    for item in items:
        if item == "--cache-dir":
            cache_dir = next(items, None)
            if cache_dir is None or cache_dir.startswith("--"):
                raise UserError("--cache-dir needs a directory: --cache-dir DIR")
        elif item.startswith("--cache-dir="):
            cache_dir = item.split("=", 1)[1]
        elif item == "--debug":
            debug = True
        else:
            rest.append(item)
    if cache_dir is not None and not cache_dir.strip():
        raise UserError("--cache-dir is empty: give a directory, or leave the option out for "
                        f"${CACHE_DIR_ENV} or the default")
    return rest, cache_dir, debug


def main(argv: Sequence[str] | None = None) -> int:
    debug = False  # until the options are read: a mistake there is one line too
    open_closed_standard_streams()
    escape_what_stdout_cannot_encode()
    with stdout_closed_quietly(), _AdviceStreams():
        try:
            rest, cache_dir, debug = split_global_options(sys.argv[1:] if argv is None else argv)
            mpdtui.advice.name_cache_dir(cache_dir)
            named = ["--cache-dir", mpdtui.advice.from_the_root(cache_dir)] if cache_dir else []
            args = parse_arguments(rest, named)
            args.cache_dir, args.debug = cache_dir, debug
            return run(args, resolve_locations(cache_dir))
        except KeyboardInterrupt:
            print("interrupted: what was finished is kept; run the same command again to resume",
                  file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:  # a user-facing tool: one line, not a traceback
            return _report_error(exc, debug)


def resolve_locations(cache_dir: str | None) -> Locations:
    _refuse_a_dangling_link(cache_dir)
    locations = Locations.resolve(cache_dir)
    if not locations.root.is_dir():
        from mpdtui.data.files import file_in_the_way

        blocking = file_in_the_way(locations.root)
        advice = f"give a directory with --cache-dir or ${CACHE_DIR_ENV}"
        if blocking == locations.root:
            raise UserError(f"the cache dir {blocking} is a file: {advice}")
        if blocking is not None:
            raise UserError(f"the cache dir {locations.root} cannot be made: {blocking} is a "
                            f"file: {advice}")
    if (closed := closed_to_this_user(locations)) is not None:
        raise closed_error(locations, closed)
    return locations


def _refuse_a_dangling_link(cache_dir: str | None) -> None:
    given = expand_home(cache_dir) if cache_dir else default_cache_dir()
    link = dangling_link(given.absolute())
    if link is None:
        return
    target = real_path(link)
    through = "is" if link == given.absolute() else f"goes through {link},"
    raise UserError(f"the cache dir {given} {through} a link to {target}, which does not exist "
                    f"(a drive not mounted?): mount it, or make it with `mkdir -p "
                    f"{shlex.quote(str(target))}`, or give another directory with --cache-dir "
                    f"or ${CACHE_DIR_ENV}")


def run(args: argparse.Namespace, locations: Locations) -> int:
    from mpdtui.commands import train

    train.check_train_options(args)
    if getattr(args, "func", None) is not None:
        return args.func(args, locations)
    if args.train:
        return train.run_train(args, locations)
    return train.run_app(args, locations)


def _report_error(exc: Exception, debug: bool) -> int:
    from models.model_dir import ModelFormatError
    from models.progress import Cancelled
    from models.registry import UnknownModelError
    from mpdtui.commands.jobs import JobStopped
    from mpdtui.data.files import FormatVersionError

    if isinstance(exc, JobStopped):  # the job process said what went wrong
        if debug:
            print(exc.failure.details, file=sys.stderr, end="")
        _say(exc.line)
        return exc.exit_code
    if debug:
        raise exc

    if isinstance(exc, Cancelled):
        _say("cancelled: run the same command again to resume")
        return EXIT_INTERRUPTED
    if isinstance(exc, UserError | FormatVersionError | ModelFormatError | UnknownModelError):
        _say(f"mpdtui: {exc}")
        return EXIT_BAD_INPUT
    if isinstance(exc, OSError):
        _say(f"mpdtui: {file_error_line(exc)}")
        return EXIT_BAD_INPUT
    _say(f"mpdtui: unexpected error: {type(exc).__name__}: {exc} (rerun with --debug for details)")
    return 1


def _say(line: str) -> None:
    """One line on stderr, whatever the message holds (a file name with a newline, escapes)."""
    print(printable(line), file=sys.stderr)


STANDARD_STREAMS = (("stdin", "r"), ("stdout", "w"), ("stderr", "w"))


def open_closed_standard_streams() -> None:
    """A standard stream closed by whoever started the command (`0<&-`, `>&-`, a supervisor)
    reads and writes as /dev/null, as a pipe whose reader is gone does: Python leaves it None,
    on which the first read or write failed with a traceback, and the next file opened would
    take its descriptor (a child process given it as its output would write into that file)."""
    for fd, (name, mode) in enumerate(STANDARD_STREAMS):
        if getattr(sys, name) is not None:
            continue
        devnull = os.open(os.devnull, os.O_RDWR)
        if devnull != fd:  # a lower descriptor was free: leave no gap
            os.dup2(devnull, fd)
            os.close(devnull)
        setattr(sys, name, open(fd, mode, closefd=False, encoding="utf-8"))  # noqa: SIM115


def escape_what_stdout_cannot_encode() -> None:
    """An ASCII or Latin-1 stdout (PYTHONIOENCODING, a legacy locale) shows a character it has
    no code for as \\xf6 rather than failing the command; stderr already does (Python's
    default)."""
    stream = sys.stdout
    if isinstance(stream, io.TextIOWrapper) and codecs.lookup(stream.encoding).name != "utf-8":
        stream.reconfigure(errors="backslashreplace")


@contextmanager
def stdout_closed_quietly() -> Iterator[None]:
    """While the command runs, output to a closed pipe is dropped instead of failing it: on
    standard error too, where `--json` puts the progress (`mpdtui evaluate --json 2>&1 |
    head -1` stopped the evaluation at its first line, exit code 1, saying nothing)."""
    originals = sys.stdout, sys.stderr
    guarded = sys.stdout, sys.stderr = (_ClosedPipeGuard(originals[0], "standard output"),
                                        _ClosedPipeGuard(originals[1], "standard error"))
    try:
        yield
    finally:
        for stream in guarded:
            stream.flush()
        sys.stdout, sys.stderr = originals


class _ClosedPipeGuard:
    """A standard stream that turns into /dev/null once its reader is gone (EPIPE)."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream, self._name = stream, name

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._discard()
            return len(text)
        except OSError as exc:  # `> /dev/full`, a full disk: said naming it
            raise self._named(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._discard()
        except OSError as exc:
            raise self._named(exc) from None

    def _named(self, exc: OSError) -> OSError:
        """A write that failed, naming the stream (its file has no name here)."""
        return OSError(exc.errno, exc.strerror, exc.filename or self._name)

    def _discard(self) -> None:
        try:
            fd = self._stream.fileno()
        except (OSError, ValueError):  # not a real file (captured by a test)
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)  # what is still buffered goes there too
        os.close(devnull)
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _AdviceStreams:
    """With --cache-dir given (`advice.Advice`), a command that a line of output quotes names
    it too (`advice.advised`): standard output and error are rewritten as they are written."""

    def __enter__(self) -> None:
        self._streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = (_Advising(stream) for stream in self._streams)

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self._streams
        mpdtui.advice.Advice.cache_dir = None


class _Advising:
    """A text stream whose writes name the --cache-dir given in the commands they quote."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(mpdtui.advice.advised(text, getattr(self._stream, "encoding", None)))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


if __name__ == "__main__":
    raise SystemExit(main())
