"""`mpdtui auth`, `features`, `export` and `import-spotify`: Spotify and track features.

Each handler is `func(args, locations) -> exit code`; problems the user can fix are raised
as `UserError` (one line, exit code 2). Progress is printed as plain lines.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

import orjson

from models.progress import Progress
from mpdtui.browser import can_open_a_browser
from mpdtui.commands import open_services
from mpdtui.commands.argtypes import (
    JoinedWords,
    client_id,
    given_text_path,
    input_text_path,
    port_number,
)
from mpdtui.commands.jobs import not_said, report_models_serving_on, run_job
from mpdtui.commands.terminal import in_terminal_width, said_beside, standard_input_ended
from mpdtui.errors import UserError
from mpdtui.exporting import FILE_FORMATS
from mpdtui.locations import Locations
from mpdtui.pipeline.display import (
    OTHER_DATA,
    counted,
    learned_from_other_audio,
    spotify_import_said,
)
from mpdtui.pipeline.request import JobRequest
from mpdtui.printable import printable, quoted, shell_word
from mpdtui.spotify.settings import DEFAULT_PORT, NO_CLIENT_ID, login_trouble, state_problem

if TYPE_CHECKING:
    from mpdtui.data.features import Coverage
    from mpdtui.spotify.client import Wait


def _target(text: str) -> str:
    """`--to`'s value as its choices name it: `m3u8` (the files' suffix) is `m3u`."""
    text = text.strip().lower()
    return "m3u" if text == "m3u8" else text


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("auth", help="log in to Spotify (PKCE), show or remove the login")
    p.add_argument("--client-id", type=client_id, help="your Spotify app's client id")
    p.add_argument("--no-browser", action="store_true",
                   help="print the login URL and accept the pasted redirected URL (the way "
                        "where no browser can open here: an SSH login, a server)")
    p.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                   help=f"port of the redirect URI http://127.0.0.1:PORT/callback "
                        f"(default {DEFAULT_PORT})")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--status", action="store_true", help="who is logged in, until when")
    group.add_argument("--logout", action="store_true", help="remove the stored login")
    p.set_defaults(func=run_auth)

    p = subparsers.add_parser("features", help="track audio features: CSV import, download, "
                                               "coverage")
    p.add_argument("--download", action="store_true",
                   help="download audio features for the catalog's tracks (needs `mpdtui auth`)")
    p.add_argument("--csv", nargs="+", action="extend", metavar="FILE", default=[], type=input_text_path,
                   help="import tracks_features.csv / dataset.csv files (or the zip Kaggle "
                        "downloads them in), or Exportify's exports of your playlists (a "
                        "CSV, or the zip of Export All)")
    p.add_argument("--retry-forbidden", action="store_true",
                   help="ask Spotify again even though it answered 403 before (implies "
                        "--download)")
    p.add_argument("--json", action="store_true",
                   help="print the coverage as JSON (null before any; what an import or a "
                        "download says goes to standard error)")
    p.set_defaults(func=run_features)

    p = subparsers.add_parser("export", help="export a saved playlist to Spotify or a file")
    p.add_argument("name", nargs="+", action=JoinedWords,
                   help="the saved playlist's name (quotes not needed)")
    p.add_argument("--to", required=True, choices=("spotify", *FILE_FORMATS), type=_target,
                   help="a playlist in your Spotify account (needs `mpdtui auth`), or an "
                        "M3U8, JSON or CSV file, or a text file of track links (pasted into a "
                        "playlist in Spotify's app, they add its tracks: no login needed)")
    p.add_argument("--out", metavar="PATH", type=given_text_path,
                   help="output file, or a folder to write NAME.m3u8/.json/.csv/.txt into (ending "
                   "in /: made when missing; default: the export folder: config.json's "
                   "export_dir, else ~/.local/share/mpdtui/exports or your platform's "
                   "equivalent); never a file in the cache dir; - for standard output")
    p.add_argument("--public", action="store_true", help="make the Spotify playlist public")
    p.set_defaults(func=run_export)

    p = subparsers.add_parser("import-spotify",
                              help="import your own Spotify playlists (training data and "
                                   "saved playlists)")
    p.add_argument("--no-training", action="store_true",
                   help="only add them as saved playlists, not as training playlists")
    p.set_defaults(func=run_import_spotify)


# --- auth -----------------------------------------------------------------------------------

def run_auth(args: argparse.Namespace, locations: Locations) -> int:
    spotify = open_services(locations).spotify
    if args.logout:
        print("Logged out of Spotify: the token is removed." if spotify.logout()
              else "Not logged in to Spotify: nothing to remove.")
        return 0
    if args.status:
        current = spotify.status()
        print(in_terminal_width("", printable(current.describe())))
        return 0 if current.usable else 1
    client_id = spotify.client_id(args.client_id)
    if client_id is None:
        raise UserError(NO_CLIENT_ID)
    no_browser = args.no_browser or not can_open_a_browser()  # over ssh: the URL and a paste
    if no_browser and (stdin := standard_input_ended()) is not None:  # cron, `< /dev/null`
        raise UserError(_as_given(nothing_to_paste(stdin), args, client_id, spotify.client_id()))
    paste = _PastePrompt() if no_browser else None

    def on_url(url: str) -> None:
        if paste is not None:
            paste.expect_state_of(url)
        _show_url(url, no_browser)

    try:
        result = spotify.login(client_id, port=args.port, open_browser=not no_browser,
                               paste=paste, on_url=on_url)
    except UserError as exc:
        raise UserError(_as_given(str(exc), args, client_id, spotify.client_id())) from None
    finally:
        if paste is not None:
            paste.end_line()
    print(in_terminal_width("", printable(result.describe())))
    return 0


_AUTH_AGAIN = re.compile(r"`mpdtui auth(?P<port> --port PORT)?`")


def _as_given(message: str, args: argparse.Namespace, client_id: str,
              remembered: str | None) -> str:
    """A failed login's advice to run `mpdtui auth` again, with what this one was given: the
    client id (kept only once a login works: without it the rerun found none), the port and
    --no-browser."""
    given = "" if remembered == client_id else f" --client-id {shell_word(client_id)}"

    def rerun(found: re.Match[str]) -> str:
        if found.group("port"):
            return f"`mpdtui auth{given} --port PORT`"
        port = "" if args.port == DEFAULT_PORT else f" --port {args.port}"
        return f"`mpdtui auth{given}{port}{' --no-browser' if args.no_browser else ''}`"

    return _AUTH_AGAIN.sub(rerun, message)


def _show_url(url: str, no_browser: bool) -> None:
    if no_browser:
        print("Open this URL in a browser (on any machine) and allow access:", flush=True)
    else:
        print("Opening the Spotify login in your browser. If nothing opens, visit:", flush=True)
    print(url, flush=True)
    print(login_trouble(url), flush=True)


def nothing_to_paste(stdin: str) -> str:
    return (f"this login cannot end here: it opens no browser (--no-browser, or no desktop) and "
            f"its redirected address cannot be pasted (standard input is {stdin}): run `mpdtui "
            "auth` in a terminal, once (the login renews itself; `mpdtui auth --status` tells a "
            "script whether it still works)")


PASTE_PROMPT = "Then paste the address the browser was sent to (it starts with http://127.0.0.1): "
NOT_A_REDIRECT = "That is not it (the address has `code=` in it): paste the whole address: "
STDIN_CLOSED = ("Nothing can be pasted (standard input is closed): waiting for the browser to be "
                "sent back to this machine (ctrl+c stops).")


class _PastePrompt:
    """The pasted redirect; a blank line, or one that is not a redirect (a stray word, half
    an address, another login's), asks again: one slip must not end the login. Called in a
    thread; the login may end through the redirect while its prompt waits: `end_line` ends
    that line, else what follows is printed on it."""

    def __init__(self) -> None:
        self.waiting = False
        self.state: str | None = None

    def expect_state_of(self, login_url: str) -> None:
        """The `state` a redirect of this login carries: the one its login page was sent."""
        self.state = parse_qs(urlparse(login_url).query).get("state", [None])[0]

    def __call__(self) -> str:
        prompt = PASTE_PROMPT
        while True:
            print(prompt, end="", flush=True)
            self.waiting = True
            try:
                line = read_stdin_line()
            except EOFError:
                print(f"\n{STDIN_CLOSED}", flush=True)
                raise
            finally:
                self.waiting = False
            if "error=" in line:
                return line
            if "code=" in line:
                problem = None if self.state is None else state_problem(line, self.state)
                if problem is None:
                    return line
                prompt = f"That is not it: {problem}: paste the whole address of this login: "
            elif line.strip():
                prompt = NOT_A_REDIRECT

    def end_line(self) -> None:
        if self.waiting:
            print(flush=True)


def read_stdin_line() -> str:
    """One line from standard input, read from its file descriptor: the login may end through
    the callback while this waits in a thread, and a thread blocked here holds no lock that
    the interpreter's shutdown needs (`input()` does: a fatal error at exit). A byte at a time,
    so that what follows the line (piped input) is left for the next read."""
    fd = sys.stdin.fileno()
    data = bytearray()
    while not data.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            if not data:
                raise EOFError
            break
        data += byte
    return data.decode(errors="replace").rstrip("\r\n")


# --- features -------------------------------------------------------------------------------

def run_features(args: argparse.Namespace, locations: Locations) -> int:
    download = args.download or args.retry_forbidden
    said = sys.stderr if args.json else sys.stdout  # --json: its stdout is the JSON alone
    behind: list[str] = []
    other_data: list[str] = []
    gained: int | None = None
    if args.csv or download:
        request = JobRequest("features", features_csv=tuple(args.csv),
                             download="yes" if download else "no",
                             retry_forbidden=args.retry_forbidden)
        notices: list[str] = []
        summary = run_job(locations, request, out=said, said=notices)
        for line in not_said(summary["features"], notices):
            print(printable(line), file=said, flush=True)
        behind, gained = summary["behind_on_audio"], summary["audio_gained"]
        other_data = summary["other_data_csv"]
    with open_services(locations) as services:
        coverage, csv_beside = services.features.coverage(), services.features.csv_beside_the_data()
    if args.json:
        sys.stdout.write(orjson.dumps(coverage, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif coverage is None:
        print(printable(f"Audio features: none yet (`mpdtui features --csv "
                        f"{csv_argument(csv_beside)}` or `--download`)."))
    else:
        beside = None if download else csv_beside  # a 403 in this run has named it
        label, _, value = describe_coverage(coverage, beside).partition(": ")
        print(in_terminal_width(f"{label}: ", printable(value)))
    if other_data:  # whatever the features there before (it said so only without any)
        print(in_terminal_width("", printable(f"{', '.join(other_data)}: {OTHER_DATA} "
                                              "(`mpdtui features --csv FILE`).")), file=said)
    if behind:  # wrapped at words in a terminal (the terminal cut "t" / "racks")
        print(in_terminal_width("", f"{learned_from_other_audio(behind, gained=gained)}: "
                                "`mpdtui --train` trains them again to use them."), file=said)
    return 0


def csv_argument(csv_beside: Path | None) -> str:
    """`features --csv`'s argument in advice: the CSV that came with the data where there is
    one (followed as written, FILE imports nothing)."""
    return "FILE" if csv_beside is None else shlex.quote(str(csv_beside))


def describe_coverage(counts: Coverage, csv_beside: Path | None = None) -> str:
    """The feature store's counts in a sentence; with `csv_beside` (the CSV that came with
    the data, while no features are known), the command that imports it."""
    text = (f"Audio features: {counts['api']:,} tracks from the Spotify API, {counts['csv']:,} "
            f"from CSV, {counts['no_features']:,} known to have none")
    if "tracks" in counts:
        text += f"; {counts['missing']:,} of the catalog's {counts['tracks']:,} tracks unknown"
    if counts.get("forbidden"):
        text += "; the API answered 403 to this app (fallback: CSV and MPD-derived features)"
    if csv_beside is not None:
        text += (f"; the data came with {csv_beside}: `mpdtui features --csv "
                 f"{csv_argument(csv_beside)}` imports it")
    return text + "."


class _Printer:
    """Plain progress lines: every wait/403 at once, routine progress at most every 2 s."""

    def __init__(self, every_s: float = 2.0) -> None:
        self._every = every_s
        self._last = 0.0

    def __call__(self, progress: Progress) -> None:
        kind = getattr(progress, "kind", "batch")
        if kind == "start" and not progress.total:
            return
        now = time.monotonic()
        finished = progress.total is not None and progress.done >= progress.total
        if kind == "batch" and not finished and now - self._last < self._every:
            return
        self._last = now
        print(printable(progress.message if kind != "batch" else _fraction(progress)), flush=True)

    def wait(self, wait: Wait) -> None:
        print(wait.message, flush=True)


def _fraction(progress: Progress) -> str:
    if not progress.total:
        return progress.message
    return f"{progress.stage}: {100 * progress.done / progress.total:.0f}% ({progress.message})"


# --- export / import --------------------------------------------------------------------------

def run_export(args: argparse.Namespace, locations: Locations) -> int:
    if args.public and args.to != "spotify":
        raise UserError(f"--public makes a Spotify playlist public; a file export (--to "
                        f"{args.to}) has no such setting: leave --public out")
    with open_services(locations) as services:
        playlist = services.playlists.get(args.name)
        if args.to != "spotify" and args.out == "-":
            _write_stdout(services.playlist_files.export_bytes(playlist.id, args.to))
            return 0
        if args.to != "spotify":
            out = Path(args.out) if args.out else None
            if args.out and args.out.endswith(("/", os.sep)):  # a folder, made when missing
                path = services.playlist_files.export_file(playlist.id, args.to, folder=out)
            else:
                path = services.playlist_files.export_file(playlist.id, args.to, to=out)
            count = len(playlist.tracks)
            print(printable(f"wrote {counted(count, 'track')} of {quoted(playlist.name)} to {path}"),
                  file=said_beside(path))
            return 0
        if args.out:
            raise UserError("--out is for file exports; a Spotify export goes to your account")
        printer = _Printer()
        result = services.spotify.export(playlist.id, public=args.public, progress=printer,
                                         on_wait=printer.wait)
        if result.notice:
            print(printable(result.notice))
        how = "finished the earlier export of" if result.resumed else "exported"
        print(printable(f"{how} {quoted(playlist.name)} ({counted(result.added, 'track')}) to "
                        f"Spotify: {result.url}"))
        return 0


def _write_stdout(content: bytes) -> None:
    """The file's bytes to a pipe or a file; to a terminal, its lines as text (a control
    character in a track's name is shown escaped, never acted on)."""
    if sys.stdout.isatty():
        text = content.decode("utf-8")
        print("\n".join(printable(line) for line in text.splitlines()))
    else:
        sys.stdout.flush()
        try:
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise  # its reader is gone: ended quietly
        except OSError as exc:  # `> /dev/full`, a full disk: said naming it
            raise OSError(exc.errno, exc.strerror, "standard output") from None


def run_import_spotify(args: argparse.Namespace, locations: Locations) -> int:
    request = JobRequest("import_spotify", spotify_training=not args.no_training)
    result = run_job(locations, request)["spotify"]
    print(printable(spotify_import_said(result, training=not args.no_training)))
    report_models_serving_on(locations)
    return 0
