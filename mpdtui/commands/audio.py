"""`mpdtui order`: a saved playlist in an order that flows; and the audio columns that
`suggest` shares. Text from the data is shown as text (no Rich markup)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from rich.table import Table
from rich.text import Text

from mpdtui.commands import open_services
from mpdtui.commands.argtypes import JoinedWords
from mpdtui.commands.table_output import print_table
from mpdtui.locations import Locations
from mpdtui.printable import printable, printable_json, quoted

if TYPE_CHECKING:
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.audio.flow import FlowResult, FlowStats
    from mpdtui.data.saved_playlists import SavedPlaylist


def register(subparsers: argparse._SubParsersAction) -> None:
    order = subparsers.add_parser(
        "order", help="reorder a saved playlist for flow: compatible keys, close tempos",
        description="Reorder a saved playlist so that neighbouring tracks have compatible keys "
        "(Camelot neighbours) and close tempos; the first track stays first, tracks without "
        "audio features go to the end. Saves the new order unless --dry-run.")
    order.add_argument("name", nargs="+", action=JoinedWords,
                       help="the saved playlist's name (quotes not needed)")
    order.add_argument("--energy", choices=("rise", "fall"),
                       help="also let the energy rise (or fall) through the playlist")
    order.add_argument("--dry-run", action="store_true", help="show the new order, save nothing")
    order.add_argument("--json", action="store_true",
                       help="print the playlist in its new order as JSON")
    order.set_defaults(func=run_order)


def run_order(args: argparse.Namespace, locations: Locations) -> int:
    with open_services(locations) as services:
        playlist, result = services.audio.order_saved(args.name, args.energy, save=not args.dry_run)
        audio = services.audio.audio_of_uris(playlist.uris)
    saved = result.changed and not args.dry_run
    if args.json:
        document = orjson.dumps(order_document(playlist, result, audio, saved),
                                option=orjson.OPT_INDENT_2).decode()
        sys.stdout.write(printable_json(document) + "\n")
        return 0
    print_table(order_table(playlist, result, audio))
    print(result.summary())
    if not result.changed:
        print(unchanged_reason(result))
    elif saved:
        print(printable(f"saved {quoted(playlist.name)} in the new order"))
    else:
        print("not saved (--dry-run)")
    return 0


def unchanged_reason(result: FlowResult) -> str:
    # where the energy direction gave way, the summary's last line has said why
    return ("already in the best order found: nothing changed" if result.direction_followed
            else "nothing changed")


def order_table(playlist: SavedPlaylist, result: FlowResult,
                audio: Sequence[TrackAudio | None]) -> Table:
    table = Table(title=Text(printable(f"{playlist.name} for flow")))
    for column in ("#", "was", "track", "artist"):
        table.add_column(column)
    add_audio_columns(table)
    for position, was in enumerate(result.order, 1):
        track = playlist.tracks[was]
        title = track.title or track.uri  # a track known by its URI alone (a link imported)
        table.add_row(str(position), str(was + 1), Text(printable(title)),
                      Text(printable(track.artist)), *audio_cells(track.duration_ms, audio[was]))
    return table


def order_document(playlist: SavedPlaylist, result: FlowResult,
                   audio: Sequence[TrackAudio | None], saved: bool) -> dict[str, Any]:
    return {
        "name": playlist.name, "saved": saved, "energy": result.direction,
        "before": stats_document(result.before), "after": stats_document(result.after),
        "tracks": [{"was": was + 1, "uri": playlist.tracks[was].uri,
                    "title": playlist.tracks[was].title, "artist": playlist.tracks[was].artist,
                    "audio": None if (sound := audio[was]) is None else sound.as_json()}
                   for was in result.order],
    }


def stats_document(stats: FlowStats) -> dict[str, Any]:
    return {"tracks_with_features": stats.measured, "key_clashes": stats.clashes,
            "mean_tempo_jump": round(stats.tempo_jump, 2),
            "energy_by_quarter": [round(value, 3) for value in stats.energy_quarters]}


def add_audio_columns(table: Table) -> None:
    table.add_column("time", justify="right")
    table.add_column("BPM", justify="right")
    table.add_column("key")
    table.add_column("energy", justify="right")


def audio_cells(duration_ms: int | None, sound: TrackAudio | None) -> tuple[str, ...]:
    """Duration (m:ss), BPM, "A minor 8A", energy; blanks when unknown."""
    time = "" if duration_ms is None else _minutes(duration_ms)
    if sound is None:
        return (time, "", "", "")
    key = f"{sound.key} {sound.camelot}".strip()
    return (time, sound.bpm_text(), key, sound.energy_text())


def _minutes(ms: int) -> str:
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes}:{seconds:02d}"
