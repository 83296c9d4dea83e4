"""`mpdtui playlists`: the saved playlists by name, for `export`, `order` and scripts."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime

import orjson
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mpdtui.commands import open_services
from mpdtui.locations import Locations
from mpdtui.printable import printable, printable_json

NONE_YET = ("no saved playlists yet: build one in the app (`mpdtui`) and save it with ctrl+s, "
            "or import yours with `mpdtui import-spotify`")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("playlists", help="list the saved playlists (most recent first)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_playlists)


def run_playlists(args: argparse.Namespace, locations: Locations) -> int:
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
    table = Table("name", "tracks", "changed", box=box.SIMPLE_HEAD)
    for summary in summaries:
        changed = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.updated_at))
        # a name is data: never markup, never a terminal escape
        table.add_row(Text(printable(summary.name)), f"{summary.num_tracks:,}", changed)
    Console(file=sys.stdout).print(table)
    return 0


def _iso(timestamp: float) -> str:
    """Local time with its offset, to the second: 2026-12-02T04:24:06+00:00."""
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="seconds")
