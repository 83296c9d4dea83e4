"""`mpdtui --train` (the whole setup, headless) and `mpdtui` (the app)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from mpdtui.commands.jobs import report_skipped, run_job
from mpdtui.locations import Locations
from mpdtui.pipeline.request import JobRequest


def add_train_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("headless setup (mpdtui --train)")
    group.add_argument("--train", action="store_true",
                       help="ingest, train every model and evaluate, with progress bars")
    source = group.add_mutually_exclusive_group()
    source.add_argument("--demo", action="store_true", help="use the built-in demo dataset")
    source.add_argument("--mpd", type=Path, metavar="PATH", help="MPD folder, slice file or zip")
    group.add_argument("--replace", action="store_true",
                       help="--demo/--mpd replace the playlists there (and the models trained "
                            "on them) when they come from elsewhere")
    group.add_argument("--skip-bad", action="store_true", help="skip slices that fail to parse")
    group.add_argument("--models", nargs="+", metavar="MODEL",
                       help="train only these models (default: all)")
    group.add_argument("--retrain", action="store_true", help="retrain models already trained")
    group.add_argument("--features-csv", type=Path, nargs="+", default=[], metavar="FILE",
                       help="import audio features from CSV files before training")


def run_train(args: argparse.Namespace, locations: Locations) -> int:
    request = JobRequest(
        "setup", source=str(args.mpd) if args.mpd else None, demo=args.demo,
        replace=args.replace, skip_bad=args.skip_bad,
        features_csv=tuple(str(p) for p in args.features_csv),
        models=tuple(args.models) if args.models else None, retrain=args.retrain)
    summary = run_job(locations, request)
    for line in summary["features"]:
        print(f"features: {line}")
    print(f"trained: {', '.join(summary['trained']) or 'none'}; "
          f"already trained for this data: {', '.join(summary['reused']) or 'none'}")
    if summary["report"]:
        print_report(summary["report"])
    report_skipped(summary)
    return 0


def print_report(report: dict[str, Any], metric: str = "r_precision") -> None:
    from models.evaluation import table_rows

    for metric_name in (metric, "ndcg", "clicks"):
        header, rows = table_rows(report, metric_name)
        table = Table(title=f"{metric_name} on {report['n_cases']} held-out playlists "
                      "(RecSys Challenge 2018 categories)")
        for column in header:
            table.add_column(column, justify="left" if column == "model" else "right")
        for row in rows:
            table.add_row(*row)
        Console(file=sys.stdout, width=max(120, len(header) * 12)).print(table)
    print_seed_table(report)


def print_seed_table(report: dict) -> None:
    from models.evaluation import seed_table_rows

    header, rows = seed_table_rows(report)
    if not rows:
        return
    table = Table(title="seeds unknown to training, and answers that needed a fallback")
    table.add_column(header[0], no_wrap=True)
    for column in header[1:]:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*row)
    Console(file=sys.stdout, width=max(140, len(header) * 14)).print(table)


def run_app(args: argparse.Namespace, locations: Locations) -> int:
    from mpdtui.tui.app import create_app

    create_app(locations).run()
    return 0
