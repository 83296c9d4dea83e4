"""`mpdtui --train` (the whole setup, headless) and `mpdtui` (the app)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from models.registry import MODEL_NAMES
from mpdtui.commands.data import ingest_progress_printer, report_skipped
from mpdtui.locations import Locations
from mpdtui.progress_view import HeadlessProgress
from mpdtui.service import AppService


def add_train_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("headless setup (mpdtui --train)")
    group.add_argument("--train", action="store_true",
                       help="ingest, train every model and evaluate, with progress bars")
    source = group.add_mutually_exclusive_group()
    source.add_argument("--demo", action="store_true", help="use the built-in demo dataset")
    source.add_argument("--mpd", type=Path, metavar="PATH", help="MPD folder, slice file or zip")
    group.add_argument("--skip-bad", action="store_true", help="skip slices that fail to parse")
    group.add_argument("--models", nargs="+", metavar="MODEL", choices=MODEL_NAMES,
                       help=f"train only these models (default: all): {', '.join(MODEL_NAMES)}")
    group.add_argument("--retrain", action="store_true", help="retrain models already trained")
    group.add_argument("--features-csv", type=Path, nargs="+", default=[], metavar="FILE",
                       help="import audio features from CSV files before training")


def run_train(args: argparse.Namespace, locations: Locations) -> int:
    service = AppService(locations)
    with HeadlessProgress() as view:
        exit_code = ingest_stage(service, args, view)
        features_stage(service, args, view)
        result = service.train(args.models, progress=view.report, retrain=args.retrain)
    print(f"trained: {', '.join(result.trained) or 'none'}; "
          f"already trained for this data: {', '.join(result.reused) or 'none'}")
    if result.report:
        print_report(result.report)
    return exit_code


def ingest_stage(service: AppService, args: argparse.Namespace, view: HeadlessProgress) -> int:
    source = data_source(service, args, view)
    if source is None:
        return 0
    result = service.ingest(source, args.skip_bad,
                            progress=ingest_progress_printer(view.stage("ingest")))
    return report_skipped(result.skipped)


def data_source(service: AppService, args: argparse.Namespace, view: HeadlessProgress) -> Path | None:
    """--mpd, --demo, the data already there (None), else the demo dataset."""
    if args.mpd:
        return args.mpd
    if not args.demo and service.has_data():
        return None
    stage = view.stage("demo data")
    return service.demo_source(progress=lambda done, total: stage.update(done, total, "slices"))


def features_stage(service: AppService, args: argparse.Namespace, view: HeadlessProgress) -> None:
    csv_files = list(args.features_csv)
    demo_csv = service.demo_features_csv()
    if not csv_files and demo_csv is not None:
        csv_files.append(demo_csv)
    for path in csv_files:
        stage = view.stage("features")
        stage.message(service.import_features_csv(
            path, progress=lambda done, total, s=stage: s.update(done, total, "bytes read")))
    message = service.download_features_if_logged_in()
    if message:
        view.stage("features").message(message)


def print_report(report: dict, metric: str = "r_precision") -> None:
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


def run_app(args: argparse.Namespace, locations: Locations) -> int:
    from mpdtui.tui.app import create_app

    create_app(locations).run()
    return 0
