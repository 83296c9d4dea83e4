"""`mpdtui playlists`: the saved playlists by name, for `export`, `order` and scripts;
`mpdtui playlists NAME`: one playlist's tracks; `--rename NEW`, `--delete`: change it. Text
from the data is shown as text."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mpdtui.commands import open_services
from mpdtui.commands.argtypes import JoinedWords, given_text_path, playlist_name
from mpdtui.commands.audio import add_audio_columns, audio_cells
from mpdtui.commands.table_output import measured, natural_widths, print_table
from mpdtui.errors import UserError
from mpdtui.exporting import playlist_document
from mpdtui.locations import Locations, expand_home
from mpdtui.pipeline.display import counted, playlist_length
from mpdtui.printable import printable, printable_json, quoted

if TYPE_CHECKING:
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.data.saved_playlists import SavedPlaylist
    from mpdtui.importing import ReadFiles
    from mpdtui.services.playlist_import import ImportedPlaylist
    from mpdtui.services.root import Services

VERBS = {"show": "", "open": "", "rename": " --rename NEW", "delete": " --delete",
         "remove": " --delete", "rm": " --delete", "del": " --delete"}
"""Words a name may start with by mistake (`mpdtui playlists delete gym`) -> the option meant."""
NONE_YET = ("no saved playlists yet: build one in the app (`mpdtui`) and save it with ctrl+s, "
            "save suggestions with `mpdtui suggest --save 'rainy sunday'`, or import yours "
            "with `mpdtui import-spotify` or from files with `mpdtui import FILE`")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "playlists",
        help="list the saved playlists (most recent first), show one's tracks, rename or delete "
             "one",
        description="List the saved playlists, most recent first; with a NAME, that playlist's "
        "tracks (with their tempo, key and energy when known), or rename or delete it.")
    p.add_argument("name", nargs="*", action=JoinedWords,
                   help="a saved playlist's name (quotes not needed): show its tracks")
    p.add_argument("--json", action="store_true",
                   help="print the list (or the playlist) as JSON")
    change = p.add_mutually_exclusive_group()
    change.add_argument("--rename", metavar="NEW", type=playlist_name,
                        help="rename the playlist NAME to NEW")
    change.add_argument("--delete", action="store_true", help="delete the playlist NAME")
    p.set_defaults(func=run_playlists)

    p = subparsers.add_parser(
        "import", help="import playlists from files: M3U8, CSV, JSON, Spotify links",
        description="Save the playlist of each file as a saved playlist: what `mpdtui export` "
        "writes, Exportify's CSV, a player's M3U, PLS or XSPF (a song without a Spotify link is "
        "found in the catalog by its artist and title), an MPD playlist's JSON, Spotify's "
        "account data (Playlist1.json), or a text file of Spotify track links (- reads them "
        "from standard input). A folder or zip: each "
        "playlist file in it. Tracks the catalog does not hold are kept for exports.")
    p.add_argument("paths", nargs="+", metavar="PATH", type=given_text_path,
                   help="a playlist file, or a folder or zip of them; - for standard input")
    p.add_argument("--name", type=playlist_name,
                   help="save it under this name (default: the name the file gives, else its "
                        "file name)")
    p.add_argument("--replace", action="store_true",
                   help="replace the tracks of a saved playlist of the same name (default: "
                        "refused)")
    p.add_argument("--json", action="store_true", help="say what was imported as JSON")
    p.set_defaults(func=run_import)


def run_playlists(args: argparse.Namespace, locations: Locations) -> int:
    if args.rename is not None or args.delete:
        return _change_playlist(args, locations)
    if args.name is not None:
        return _show_playlist(args.name, args.json, locations)
    with open_services(locations) as services:
        summaries = services.playlists.summaries()
    if args.json:
        rows = [{"name": s.name, "tracks": s.num_tracks, "changed": _iso(s.updated_at),
                 "origin": s.origin} for s in summaries]
        sys.stdout.write(printable_json(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
                         + "\n")
        return 0
    if not summaries:
        print(NONE_YET)
        return 0
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("name", overflow="fold")  # a long name wraps whole, never cut short
    table.add_column("tracks", justify="right")
    table.add_column("changed", no_wrap=True)
    for summary in summaries:
        changed = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.updated_at))
        # a name is data: never markup, never a terminal escape
        table.add_row(Text(printable(summary.name)), f"{summary.num_tracks:,}", changed)
    print_table(table)
    return 0


def run_import(args: argparse.Namespace, locations: Locations) -> int:
    from mpdtui.services.playlist_import import audio_features_note, finding_songs

    _refuse_repeated(args.paths)
    read = [_read_playlists(path) for path in args.paths]
    files = [playlist for one in read for playlist in one.playlists]
    for why in (why for one in read for why in one.skipped):  # said whatever the output
        print(printable(f"skipped {why}"), file=sys.stderr)
    if sys.stderr.isatty() and (said := finding_songs(files)) is not None:
        print(said, file=sys.stderr)  # a while before the result
    with open_services(locations) as services:
        done = services.playlist_files.import_files(files, name=args.name, replace=args.replace)
    imported = done.playlists
    for why in done.left_out:
        print(printable(f"skipped {why}"), file=sys.stderr)
    if args.json:
        rows = [_import_row(playlist) for playlist in imported]
        sys.stdout.write(printable_json(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
                         + "\n")
        return 0
    for playlist in imported:
        print("\n".join(printable(line) for line in _import_lines(playlist)))
    for path, one in zip(args.paths, read, strict=True):
        if path != "-" and (note := audio_features_note(path, one)) is not None:
            print(printable(note))
    return 0


def _import_row(imported: ImportedPlaylist) -> dict[str, object]:
    return {"name": imported.playlist.name, "tracks": len(imported.playlist.tracks),
            "from": imported.source, "replaced": imported.replaced,
            "name_in_file": imported.renamed_from or imported.playlist.name,
            "not_in_catalog": imported.not_in_catalog,
            "found_by_artist_and_title": imported.found_by_song,
            "not_found": list(imported.not_found), "repeats": imported.repeats,
            "not_songs": imported.not_songs, "broken_links": list(imported.broken_links),
            "unlisted": imported.unlisted,
            "audio_features": imported.audio_features}


def _refuse_repeated(paths: list[str]) -> None:
    """Each path once: one given twice (`mix.m3u mix.m3u`, a glob and its file) was saved
    twice, as "mix" and "mix 2"."""
    seen: dict[object, str] = {}
    for path in paths:
        key = path if path == "-" else expand_home(Path(path)).resolve()
        if key in seen:
            first = seen[key]
            said = path if first == path else f"{first} (as {path})"
            raise UserError(f"{'standard input (-)' if path == '-' else said} is given twice: "
                            "name each file once")
        seen[key] = path


def _read_playlists(path: str) -> ReadFiles:
    from mpdtui.importing import ReadFiles, parse_playlists, read_playlist_files

    if path == "-":
        if sys.stdin.isatty():
            print("paste the links (or lines of a playlist file), then ctrl+d:", file=sys.stderr)
        return ReadFiles(parse_playlists(sys.stdin.buffer.read(), "standard input", ""), [])
    return read_playlist_files(expand_home(Path(path)))


def _import_lines(imported: ImportedPlaylist) -> list[str]:
    """What an import did: its playlist, then what it could not take as the file has it."""
    from mpdtui.services.playlist_import import import_notes, imported_name

    how = "replaced the tracks of" if imported.replaced else "imported"
    tracks = counted(len(imported.playlist.tracks), "track")
    return [f"{how} {imported_name(imported)} from {imported.source}: {tracks}",
            *(f"  {note}" for note in import_notes(imported))]


def _change_playlist(args: argparse.Namespace, locations: Locations) -> int:
    """`--rename NEW` or `--delete`, of the saved playlist NAME."""
    option = "--delete" if args.delete else "--rename"
    if args.name is None or args.json:
        wrong = [*["needs the name of the saved playlist to change"] * (args.name is None),
                 *["takes no --json"] * args.json]
        raise UserError(f"{option} {' and '.join(wrong)}: "
                        f"`mpdtui playlists NAME {option}{' NEW' * (not args.delete)}`")
    with open_services(locations) as services:
        playlist = _named(services, args.name)
        if args.delete:
            services.playlists.delete(playlist.id)
            said = f"deleted '{playlist.name}' ({counted(len(playlist.tracks), 'track')})"
        else:
            renamed = services.playlists.rename(playlist.id, args.rename)
            said = (f"'{playlist.name}' has that name already: nothing changed"
                    if renamed.name == playlist.name
                    else f"renamed '{playlist.name}' to '{renamed.name}'")
    print(printable(said))
    return 0


def _named(services: Services, name: str) -> SavedPlaylist:
    """The saved playlist `name`; where there is none and the name starts with a command word
    ("delete gym"), the refusal says how to write it."""
    from mpdtui.data.saved_playlists import PlaylistNotFound

    try:
        return services.playlists.get(name)
    except PlaylistNotFound as error:
        verb, _, rest = name.partition(" ")
        option = VERBS.get(verb.casefold())
        if option is None or not rest.strip():
            raise
        meant = _meant(services, rest, option)
        said = f"no saved playlist named {quoted(name)}" if meant else str(error)
        raise PlaylistNotFound(f"{said}; the name comes first, then what to do with it: "
                               f"`mpdtui playlists {meant or 'NAME' + option}`") from None


def _meant(services: Services, rest: str, option: str) -> str | None:
    """"gym --delete" where the words after "delete" name a saved playlist; for "rename",
    also the words that name one and the new name after them ("gym --rename workout")."""
    if (whole := services.playlists.find(rest)) is not None:
        return _written(whole.name, option)
    words = rest.split()
    for cut in range(len(words) - 1, 0, -1) if option == VERBS["rename"] else ():
        if (meant := services.playlists.find(" ".join(words[:cut]))) is not None:
            new = " ".join(words[cut:])
            return _written(meant.name, f" --rename{'=' if new.startswith('-') else ' '}"
                                        f"{shlex.quote(new)}")
    return None


def _written(name: str, option: str) -> str:
    """The arguments that name the playlist `name` with `option`; a name starting with "-"
    goes after `--`."""
    if name.startswith("-"):
        return f"{option.strip()} -- {shlex.quote(name)}".lstrip()
    return f"{shlex.quote(name)}{option}"


def _show_playlist(name: str, as_json: bool, locations: Locations) -> int:
    with open_services(locations) as services:
        playlist = _named(services, name)
        audio = services.audio.audio_of_uris(playlist.uris)
    if as_json:  # what `export NAME --to json` writes, and when it changed
        document = {**playlist_document(playlist, audio), "changed": _iso(playlist.updated_at),
                    "origin": playlist.origin}
        sys.stdout.write(printable_json(orjson.dumps(document, option=orjson.OPT_INDENT_2)
                                        .decode()) + "\n")
        return 0
    table = natural_widths(_tracks_table(playlist, audio, with_uri=True))
    console = Console(file=sys.stdout)
    if console.is_terminal and measured(table).maximum > console.width:
        table = _tracks_table(playlist, audio, with_uri=False)  # names before URIs (--json)
    print_table(table)
    total = sum(track.duration_ms or 0 for track in playlist.tracks)
    count = len(playlist.tracks)
    print(f"{count:,} track{'s' * (count != 1)} · {playlist_length(total)}")
    return 0


def _tracks_table(playlist: SavedPlaylist, audio: list[TrackAudio | None],
                  with_uri: bool) -> Table:
    table = Table("#", "track", "artist", title=Text(printable(playlist.name)),
                  box=box.SIMPLE_HEAD)
    with_audio = any(sound is not None for sound in audio)
    if with_audio:
        add_audio_columns(table)
    else:
        table.add_column("time", justify="right")
    if with_uri:
        table.add_column("uri", no_wrap=True)
    for position, (track, sound) in enumerate(zip(playlist.tracks, audio, strict=True), 1):
        cells = audio_cells(track.duration_ms, sound)
        title = track.title or ("" if with_uri else track.uri)  # a track known by its URI alone
        table.add_row(str(position), Text(printable(title)), Text(printable(track.artist)),
                      *(cells if with_audio else cells[:1]), *((track.uri,) if with_uri else ()))
    return table


def _iso(timestamp: float) -> str:
    """Local time with its offset, to the second: 2026-12-02T04:24:06+00:00."""
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="seconds")
