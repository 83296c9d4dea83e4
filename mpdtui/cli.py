"""The `mpdtui` command line.

`mpdtui` opens the app; `mpdtui --train` runs the whole setup headless; subcommands do one
thing each. Bad input is one line on stderr and exit code 2; Ctrl-C is exit code 130.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

# implicit's ALS is slower with a multithreaded BLAS; must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ chatter on stderr

from mpdtui import __version__
from mpdtui.locations import CACHE_DIR_ENV, Locations

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


def build_parser() -> argparse.ArgumentParser:
    from mpdtui.commands import audio, data, models, spotify, train

    parser = argparse.ArgumentParser(prog="mpdtui",
                                     description="A keyboard-driven terminal playlist assistant.")
    parser.add_argument("--version", action="version", version=f"mpdtui {__version__}")
    parser.add_argument("--cache-dir", help="where mpdtui keeps its data (default: "
                        f"${CACHE_DIR_ENV} or the user cache dir); accepted by every command")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    train.add_train_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (data, models, spotify, audio):
        module.register(subparsers)
    return parser


def split_global_options(argv: Sequence[str]) -> tuple[list[str], str | None, bool]:
    """Take --cache-dir and --debug out of argv wherever they stand (before or after the command)."""
    rest: list[str] = []
    cache_dir, debug = None, False
    items = iter(argv)
    for item in items:
        if item == "--cache-dir":
            cache_dir = next(items, None)
            if cache_dir is None:
                raise SystemExit("mpdtui: --cache-dir needs a directory")
        elif item.startswith("--cache-dir="):
            cache_dir = item.split("=", 1)[1]
        elif item == "--debug":
            debug = True
        else:
            rest.append(item)
    return rest, cache_dir, debug


def main(argv: Sequence[str] | None = None) -> int:
    rest, cache_dir, debug = split_global_options(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(rest)
    args.cache_dir, args.debug = cache_dir, debug
    try:
        locations = Locations.resolve(cache_dir)
        return run(args, locations)
    except KeyboardInterrupt:
        print("interrupted: what was finished is kept; run the same command again to resume",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a user-facing tool: one line, not a traceback
        return _report_error(exc, debug)


def run(args: argparse.Namespace, locations: Locations) -> int:
    from mpdtui.commands import train

    if getattr(args, "func", None) is not None:
        return args.func(args, locations)
    if args.train:
        return train.run_train(args, locations)
    return train.run_app(args, locations)


def _report_error(exc: Exception, debug: bool) -> int:
    from models.base import Cancelled, ModelFormatError
    from mpdtui.commands.jobs import JobStopped
    from mpdtui.data.files import FormatVersionError
    from mpdtui.errors import UserError

    if isinstance(exc, JobStopped):  # the job process said what went wrong
        if debug:
            print(exc.failure.details, file=sys.stderr, end="")
        print(exc.line, file=sys.stderr)
        return exc.exit_code
    if debug:
        raise exc

    if isinstance(exc, Cancelled):
        print("cancelled: run the same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(exc, UserError | FormatVersionError | ModelFormatError):
        print(f"mpdtui: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(exc, OSError):
        print(f"mpdtui: {exc.strerror or exc}: {exc.filename or ''} (check the path and permissions)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"mpdtui: unexpected error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
