"""`mpdtui --train` (the whole setup, headless) and `mpdtui` (the app)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from mpdtui.commands import open_services
from mpdtui.commands.argtypes import input_path
from mpdtui.commands.jobs import not_said, report_slices_left_out, run_job
from mpdtui.commands.report_grid import one_line_width, print_grid
from mpdtui.commands.terminal import in_terminal_width
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.pipeline.display import NOTHING_HELD_OUT, OTHER_DATA, counted
from mpdtui.pipeline.request import JobRequest
from mpdtui.printable import printable

# `--train`'s own options: dests of their own, as `ingest --demo` and `evaluate --models` have
# theirs; given without --train they are refused, not dropped (`check_train_options`)
TRAIN_ONLY = {"train_demo": "--demo", "train_mpd": "--mpd PATH", "train_replace": "--replace",
              "train_skip_bad": "--skip-bad", "train_models": "--models MODEL ...",
              "train_retrain": "--retrain", "train_features_csv": "--features-csv FILE ..."}


def add_train_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("headless setup (mpdtui --train)")
    group.add_argument("--train", action="store_true",
                       help="ingest, train every model and evaluate, with progress bars")
    source = group.add_mutually_exclusive_group()
    source.add_argument("--demo", dest="train_demo", action="store_true",
                        help="use the built-in demo dataset")
    source.add_argument("--mpd", dest="train_mpd", type=input_path, metavar="PATH",
                        help="MPD folder, slice file or zip")
    group.add_argument("--replace", dest="train_replace", action="store_true",
                       help="--demo/--mpd replace the playlists there (and the models trained "
                            "on them) when they come from elsewhere")
    group.add_argument("--skip-bad", dest="train_skip_bad", action="store_true",
                       help="skip slices that fail to parse")
    group.add_argument("--models", dest="train_models", nargs="+", action="extend",
                       metavar="MODEL",
                       help="train these models and those they are built on (the ranker's "
                            "retrievers), and again a saved ranker or blend built on one of "
                            "them (default: all)")
    group.add_argument("--retrain", dest="train_retrain", action="store_true",
                       help="train again, even when trained for this data, the models "
                            "--models names (all without it), not those they are built on")
    group.add_argument("--features-csv", dest="train_features_csv", type=input_path, nargs="+",
                       action="extend", default=[], metavar="FILE",
                       help="import audio features from CSV files before training (as `mpdtui "
                            "features --csv`)")


def check_train_options(args: argparse.Namespace) -> None:
    """`mpdtui --demo` (the app), `mpdtui --replace ingest X` or `mpdtui --train info`: an
    option given where it does nothing would be dropped silently."""
    command = getattr(args, "command", None)
    if args.train and command:
        raise UserError(f"--train runs the whole setup by itself: `mpdtui --train`, or "
                        f"`mpdtui {command}` without it")
    given = [usage for dest, usage in TRAIN_ONLY.items() if getattr(args, dest, None)]
    if given and not args.train:
        option = given[0].split()[0]
        for_command = (f"; for `mpdtui {command}`, options go after its name (`mpdtui {command} "
                       "--help` lists them)" if command else "")
        raise UserError(f"{option} goes with --train (`mpdtui --train {given[0]}`){for_command}")


def run_train(args: argparse.Namespace, locations: Locations) -> int:
    request = JobRequest(
        "setup", source=str(args.train_mpd) if args.train_mpd else None, demo=args.train_demo,
        replace=args.train_replace, skip_bad=args.train_skip_bad,
        features_csv=tuple(str(p) for p in args.train_features_csv),
        models=tuple(args.train_models) if args.train_models else None,
        retrain=args.train_retrain)
    if request.features_csv:  # a mistyped one, said before the ingest's minutes, not after
        with open_services(locations) as services:
            services.features.check_csvs([Path(name) for name in request.features_csv])
    notices: list[str] = []
    summary = run_job(locations, request, said=notices)
    for line in not_said(summary["features"], notices):
        print(f"features: {line}")
    for name in summary["other_data_csv"]:
        print(printable(f"features: {name}: {OTHER_DATA} (`mpdtui features --csv FILE`)."))
    report_slices_left_out(summary)
    _say_nothing_new_came(summary, locations)
    reused = f"; already trained for this data: {', '.join(summary['reused'])}"
    print(f"trained: {', '.join(summary['trained']) or 'none'}{reused if summary['reused'] else ''}")
    if summary["report"]:
        print_report(summary["report"])
    _point_to_the_csv_beside_the_data(locations)
    return 0


def _say_nothing_new_came(summary: dict[str, Any], locations: Locations) -> None:
    """`--train --mpd BAD --skip-bad` in a cache dir holding data: every slice given was
    skipped, and the models are those of the data already there, which is said plainly."""
    ingest = summary.get("ingest") or {}
    skipped = ingest.get("skipped") or []
    if not skipped or ingest.get("ingested"):
        return
    with open_services(locations) as services:
        playlists = services.info()["playlists"]
    slices = "the bad slice" if len(skipped) == 1 else f"the {len(skipped)} bad slices"
    print(printable(f"nothing new ingested ({slices} skipped, above: "
                    f"{', '.join(label for label, _ in skipped)}); trained on the "
                    f"{counted(playlists, 'playlist')} already in {locations.root}"))


def _point_to_the_csv_beside_the_data(locations: Locations) -> None:
    """`demo-data OUT` leaves tracks_features.csv beside the slices: say how to import it."""
    with open_services(locations) as services:
        csv_path = services.features.csv_beside_the_data()
    if csv_path is not None:  # wrapped at words in a terminal: it cut "`mpdtui" and the path
        print(in_terminal_width("", printable(
            f"no audio features yet; {csv_path} came with the slices: "
            f"`mpdtui features --csv {shlex.quote(str(csv_path))}` imports it")))


def print_report(report: dict[str, Any], metric: str = "r_precision", row: str = "model") -> None:
    """`evaluate`'s tables; `row` heads the rows' names ("submission" for `score`)."""
    from models.evaluation import table_rows
    from models.leads import held_out

    if not report["n_cases"]:
        print(f"evaluation: {NOTHING_HELD_OUT}")
        return
    for metric_name in (metric, "ndcg", "clicks"):
        header, rows = table_rows(report, metric_name)
        header[0] = row
        print_grid(f"{metric_name} on {held_out(report['n_cases'])} (RecSys Challenge "
                   "2018 categories)", header, rows, max(120, len(header) * 12))
    print_seed_table(report)
    print_leads(report, metric, row)


def print_leads(report: dict[str, Any], metric: str, row: str = "model") -> None:
    """How far the best model is ahead of each other one, and whether beyond chance."""
    from models.leads import HOLD_OUT_MORE, lead_rows, leads, too_few_to_lead

    found = leads(report, metric)
    title, header, rows = lead_rows(found)
    if rows:
        header[0] = row
        print_grid(title, header, rows, max(70, one_line_width(header, rows)), down="")
        print(in_terminal_width("", printable(found[0].describe())))
    elif too_few_to_lead(report):  # a made challenge's playlists are not a tenth of any
        print(in_terminal_width("", too_few_to_lead(report, HOLD_OUT_MORE if row == "model"
                                                    else "")))


def print_seed_table(report: dict) -> None:
    from models.evaluation import seed_table_rows

    header, rows = seed_table_rows(report)
    if rows:
        print_grid("seeds unknown to training, and answers that needed a fallback", header,
                   rows, max(140, len(header) * 14))


def run_app(args: argparse.Namespace, locations: Locations) -> int:
    need_a_terminal()
    from mpdtui.tui.app import create_app

    app = create_app(locations)
    app.run()
    return app.return_code or 0  # 143 after SIGTERM


def need_a_terminal() -> None:
    """The app reads keys from standard input and draws on standard error (Textual's driver):
    with either one redirected it would draw into a file, or wait for keys that never come."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return  # a driver the user chose (`textual serve`, say) has its own screen
    for name, stream in (("input", sys.__stdin__), ("error", sys.__stderr__)):
        if stream is None or not stream.isatty():
            raise UserError(f"the app needs a terminal, and its standard {name} is not one "
                            "(redirected or piped): run `mpdtui` in a terminal without "
                            "redirecting it; for scripts, `mpdtui --train` and the commands "
                            "in `mpdtui --help` need none")
