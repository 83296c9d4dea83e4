"""`mpdtui make-challenge`, `mpdtui score`: the RecSys Challenge 2018 tried end to end on data
of one's own (`submit` answers what make-challenge makes)."""

from __future__ import annotations

import argparse
import sys

import orjson

from mpdtui.challenge import CHALLENGE_TRUTH, PER_CATEGORY
from mpdtui.commands import open_services
from mpdtui.commands.argtypes import given_path, input_path, int_between, non_negative_int
from mpdtui.commands.models import report_for_reading
from mpdtui.commands.train import print_report
from mpdtui.locations import Locations
from mpdtui.printable import printable, printable_json


def register(subparsers: argparse._SubParsersAction) -> None:
    make = subparsers.add_parser(
        "make-challenge", help="make a challenge_set.json and its held-out truth from MPD "
                               "slices the cache dir did not ingest")
    make.add_argument("path", type=input_path,
                      help="MPD folder, slice file or zip; the slices the cache dir ingested "
                           "are skipped (`mpdtui demo-data` with the same --seed and more "
                           "--playlists writes the next slices)")
    make.add_argument("--out", type=given_path, required=True, metavar="FOLDER",
                      help=f"a new or empty folder for challenge_set.json and {CHALLENGE_TRUTH} "
                           "(or an earlier make-challenge's, replaced)")
    make.add_argument("--per-category", type=int_between(1), default=PER_CATEGORY,
                      metavar="N", help=f"playlists per category (default {PER_CATEGORY:,}, "
                                        "the challenge's; fewer where the slices lack "
                                        "long-enough playlists)")
    make.add_argument("--seed", type=non_negative_int, default=0,
                      help="random seed: which playlists, and the random seed tracks (default 0)")
    make.set_defaults(func=run_make_challenge)

    score = subparsers.add_parser(
        "score", help="score submission CSVs against a made challenge's truth (R-precision, "
                      "NDCG, clicks per category)")
    score.add_argument("submissions", type=given_path, nargs="+", metavar="SUBMISSION",
                       help="a CSV `mpdtui submit` wrote (or .csv.gz); several are compared")
    score.add_argument("--truth", type=given_path, required=True, metavar="FILE",
                       help=f"the {CHALLENGE_TRUTH} make-challenge wrote (or its folder)")
    score.add_argument("--json", action="store_true", help="print the report as JSON")
    score.set_defaults(func=run_score)


def run_make_challenge(args: argparse.Namespace, locations: Locations) -> int:
    import shlex

    with open_services(locations) as services:
        made = services.challenge.make(args.path, args.out, per_category=args.per_category,
                                       seed=args.seed)
    print(printable(made.describe()))
    folder = shlex.quote(str(args.out))
    print(printable(f"next: `mpdtui submit --challenge-set {folder} --out submission.csv`, "
                    f"then `mpdtui score submission.csv --truth {folder}`"))
    return 0


def run_score(args: argparse.Namespace, locations: Locations) -> int:
    with open_services(locations) as services:
        report = services.challenge.score(args.submissions, args.truth)
    if args.json:
        sys.stdout.write(printable_json(orjson.dumps(
            report_for_reading(report), option=orjson.OPT_INDENT_2).decode()) + "\n")
    else:
        print_report(report, row="submission")
    return 0
