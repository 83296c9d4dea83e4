"""`mpdtui ingest`, `mpdtui demo-data`, `mpdtui info`."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import TYPE_CHECKING

import orjson
from rich.console import Console
from rich.table import Table

from mpdtui.commands import open_services
from mpdtui.commands.argtypes import given_path, input_path, int_between, non_negative_int
from mpdtui.commands.jobs import report_models_serving_on, report_slices_left_out, run_job
from mpdtui.commands.spotify import csv_argument, describe_coverage
from mpdtui.commands.terminal import in_terminal_width
from mpdtui.data.demo import DEFAULT_PLAYLISTS
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.pipeline.display import (
    NOTHING_HELD_OUT,
    amount,
    counted,
    learned_from_other_audio,
    playlist_called,
    trained_before,
)
from mpdtui.pipeline.events import StageProgress
from mpdtui.pipeline.lock import Holder
from mpdtui.pipeline.request import JobRequest
from mpdtui.printable import printable, printable_json
from mpdtui.progress_view import HeadlessProgress

if TYPE_CHECKING:
    from mpdtui.data.stats import DataStats
    from mpdtui.pipeline.sources import DataSource, DataState
    from mpdtui.services.playlists import PlaylistService
    from mpdtui.services.root import CacheInfo

MAX_DEMO_PLAYLISTS = 1_000_000


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser("ingest",
                                   help="ingest an MPD folder, slice file or zip")
    source = ingest.add_mutually_exclusive_group(required=True)
    source.add_argument("path", type=input_path, nargs="?", help="MPD folder, slice file or zip")
    source.add_argument("--demo", action="store_true",
                        help="the built-in demo dataset (generated into the cache dir on first use)")
    ingest.add_argument("--skip-bad", action="store_true",
                        help="skip slices that fail to parse and list them at the end")
    ingest.add_argument("--replace", action="store_true",
                        help="replace the playlists there (and the models trained on them) "
                             "when they come from another source")
    ingest.set_defaults(func=run_ingest)

    demo = subparsers.add_parser("demo-data",
                                 help="write the deterministic demo dataset in MPD format")
    demo.add_argument("out_dir", type=given_path,
                      help="a new or empty folder, or one with an earlier demo (replaced)")
    demo.add_argument("--playlists", type=int_between(1, MAX_DEMO_PLAYLISTS), default=DEFAULT_PLAYLISTS,
                      help=f"how many playlists (default {DEFAULT_PLAYLISTS:,}, at most the MPD's "
                           f"{MAX_DEMO_PLAYLISTS:,})")
    demo.add_argument("--seed", type=non_negative_int, default=0,
                      help="random seed: the same seed writes the same bytes (default 0)")
    demo.add_argument("--dense", action="store_true",
                      help="the first, denser demo (31k tracks at any size), for comparisons")
    demo.set_defaults(func=run_demo_data)

    info = subparsers.add_parser("info", help="what the cache dir holds")
    info.add_argument("--json", action="store_true", help="print it as JSON")
    info.add_argument("--stats", action="store_true",
                      help="the data's statistics (long tail, names, unknown seeds) beside the real MPD's")
    info.set_defaults(func=run_info)


def run_ingest(args: argparse.Namespace, locations: Locations) -> int:
    request = JobRequest("data", source=str(args.path) if args.path else None, demo=args.demo,
                         replace=args.replace, skip_bad=args.skip_bad)
    summary = run_job(locations, request)
    done = summary["ingest"] or {}
    ingested = done.get("ingested", 0)
    slices = "slice" if ingested == 1 else "slices"
    print(f"ingested {ingested} {slices} ({done.get('playlists', 0):,} playlists, "
          f"{done.get('rows', 0):,} rows); {done.get('already_done', 0)} already there")
    report_slices_left_out(summary)
    if ingested:
        report_models_serving_on(locations)
    return 0


def run_demo_data(args: argparse.Namespace, locations: Locations) -> int:
    with HeadlessProgress() as view:
        written = open_services(locations).data.write_demo(
            args.out_dir, args.playlists, args.seed, dense=args.dense,
            progress=lambda p: view.show(StageProgress("demo data", p.done, p.total, "slices",
                                                     p.message)))
    print(f"wrote {counted(len(written), 'slice')} and tracks_features.csv to {args.out_dir}")
    return 0


INFO_LABELS = {"default_model": "default"}
"""`info`'s labels where its JSON key is longer than the column."""


def run_info(args: argparse.Namespace, locations: Locations) -> int:
    if args.stats:
        with open_services(locations) as services:
            return print_stats(services.data.stats(), args.json)
    with open_services(locations) as services:
        info = services.info()
        state = services.data.state()
        sources, skipped = services.data.sources_that_added(), services.data.skipped_slices()
        held_out = services.models.held_out()
        unfinished = services.data.unfinished_ingest()
        saved = "" if args.json else _saved_text(services.playlists)
        csv_beside = services.features.csv_beside_the_data()
    if args.json:
        sys.stdout.write(printable_json(orjson.dumps(info, option=orjson.OPT_INDENT_2).decode()) + "\n")
        return 0
    shown: dict[str, object] = {
        **info,
        "slices": _slices_text(info["slices"], skipped),
        "data_source": _sources_text(sources) or (
            "not recorded" if info["playlists"] else
            "none yet (`mpdtui ingest PATH` or `mpdtui --train --demo`)"),
        "models": _models_text(info, state),
        "default_model": _default_model_text(info, held_out),
        "features": (describe_coverage(info["features"], csv_beside).removeprefix(
            "Audio features: ")
                     if info["features"]
                     else f"none yet (`mpdtui features --csv {csv_argument(csv_beside)}`)")}
    if unfinished:
        shown["data_source"] = f"{shown['data_source']} ({unfinished})"
    elif info["writer"] is not None:  # an ingest under way is said in data_source
        shown = _after_models(shown, "writing", _writer_text(Holder(**info["writer"])))
    del (shown["slices_skipped"], shown["disk_bytes"], shown["models_trained_without"],
         shown["models_behind_on_audio"],
         shown["training_left"], shown["retrains_left"], shown["training_kept"],
         shown["models_unservable"],
         shown["models_damaged"],
         shown["r_precision"], shown["audio_gained"], shown["writer"])  # said in "models"
    shown["saved"] = saved
    shown["disk"] = f"{amount(info['disk_bytes'], 'bytes')} (the cache dir's files)"
    for key, value in shown.items():
        text = f"{value:,}" if type(value) is int else printable(str(value))
        print(in_terminal_width(f"{INFO_LABELS.get(key, key):>12}: ", text))
    return 0


def _after_models(shown: dict[str, object], key: str, value: str) -> dict[str, object]:
    items = list(shown.items())
    at = [name for name, _ in items].index("models") + 1
    return dict([*items[:at], (key, value), *items[at:]])


def _writer_text(writer: Holder) -> str:
    """A training under way: the models listed are those it saved so far, not all it makes."""
    return (f"{writer.describe()}, saving as it goes: stop it with `kill {writer.pid}` (what it "
            "finished is kept: run it again to resume)")


def _saved_text(playlists: PlaylistService) -> str:
    """"2 playlists (`mpdtui playlists`)", and a playlist the app left unsaved."""
    try:
        count, drafts = len(playlists.summaries()), playlists.drafts()
    except UserError as exc:
        return str(exc)
    text = (f"{counted(count, 'playlist')} (`mpdtui playlists`)" if count else
            "none yet (the builder's ctrl+s, or `mpdtui suggest --save NAME`)")
    if len(drafts) == 1:
        text += (f"; the app closed with {playlist_called(drafts[0].name)} "
                 f"({counted(len(drafts[0].uris), 'track')}) unsaved: `mpdtui` shows it again")
    elif drafts:
        names = ", ".join(playlist_called(draft.name) for draft in drafts)
        text += (f"; apps closed with {len(drafts)} playlists unsaved ({names}): each start of "
                 "`mpdtui` shows one again, the newest first")
    return text


def _models_text(info: CacheInfo, state: DataState) -> str:
    """What serves (`_serving_text`), then the models whose saved files are damaged: no other
    list names them, and `suggest --model NAME` refuses them."""
    damaged = info["models_damaged"]
    if not damaged:
        return _serving_text(info, state)
    its, it = ("its", "it") if len(damaged) == 1 else ("their", "them")
    return (f"{_serving_text(info, state)}; damaged: {', '.join(damaged)} ({its} meta.json is "
            f"unreadable): train {it} again with `mpdtui --train --models {' '.join(damaged)}`")


def _serving_text(info: CacheInfo, state: DataState) -> str:
    """"popularity, als", with what they were trained without, if anything, and what a training
    that stopped left; else why none."""
    left, stopped = info["training_left"], info["retrains_left"]
    kept = "".join(f"; {text}" for text in info["training_kept"].values())
    if left and stopped:  # the retrain first: a ranker left to train is then built on it once
        return (f"{', '.join(info['models'])} (a retrain of {', '.join(stopped)} stopped before "
                f"it saved, and a training before {', '.join(left)}: `mpdtui --train --retrain "
                f"--models {' '.join(stopped)}` continues the retrain, then `mpdtui --train` "
                f"what is left; the saved ones serve meanwhile{kept})")
    if left:
        return (f"{', '.join(info['models']) or 'none yet'} (a training stopped before "
                f"{', '.join(left)}: `mpdtui --train` continues it{kept})")
    if stopped:
        return (f"{', '.join(info['models'])} (a retrain of {', '.join(stopped)} stopped before "
                f"it saved: `mpdtui --train --retrain --models {' '.join(stopped)}` continues "
                f"it; the saved one serves meanwhile{kept})")
    unservable = info["models_unservable"]
    if unservable:
        return (f"{', '.join(info['models']) or 'none yet'} (not {', '.join(unservable)}: saved "
                "by another version of mpdtui, or built on a model that is gone; `mpdtui "
                "--train` trains them again)")
    if not info["models"]:
        return _no_models_text(state)
    added, behind = info["models_trained_without"], info["models_behind_on_audio"]
    if added is not None:
        return (f"{', '.join(info['models'])} "
                f"({trained_before((added['playlists'], added['tracks']))}; `mpdtui --train` "
                "trains them on those too)")
    if behind:
        behind_words = learned_from_other_audio(behind, "those stored now", info["audio_gained"])
        return (f"{', '.join(info['models'])} ({behind_words}: `mpdtui --train` trains them "
                "again to use them)")
    return ", ".join(info["models"])


def _default_model_text(info: CacheInfo, held_out: int | None) -> str:
    """"ranker (R-precision 0.091 on held-out playlists, the best)", or why no score
    (`held_out`: the last evaluation's playlists, None before one)."""
    model, scores = info["default_model"], info["r_precision"]
    if model is None:
        return "none yet"
    if held_out == 0:
        return f"{model} (not evaluated: {NOTHING_HELD_OUT})"
    if model not in scores:
        return f"{model} (not evaluated as saved now: `mpdtui evaluate` compares the models)"
    return f"{model} (R-precision {scores[model]:.3f} on held-out playlists, the best)"


def _no_models_text(state: DataState) -> str:
    """No model serves this data: none trained yet, or those saved were trained on other data
    (not the data this grew from) or by another version of mpdtui."""
    if not state.models:
        return "none yet (`mpdtui --train`)"
    return (f"none for this data ({', '.join(state.models)}: trained on other data or by another "
            "version; `mpdtui --train` trains them again)")


def _sources_text(sources: list[DataSource]) -> str:
    """The dataset, then what was ingested beside it ("/data/mpd; also /data/more")."""
    texts = [_source_text(source) for source in sources]
    return f"{texts[0]}; also {', '.join(texts[1:])}" if len(texts) > 1 else "".join(texts)


def _slices_text(held: int, skipped: list[tuple[str, DataSource | None]]) -> str:
    """"2", and the slices --skip-bad left out since, with the ingest that tries them again."""
    if not skipped:
        return f"{held:,}"
    names = ", ".join(name for name, _ in skipped)
    it = "it" if len(skipped) == 1 else "them"
    sources = list(dict.fromkeys(source for _, source in skipped))
    if None in sources:
        again = f"fix {it}, then ingest {it} (`mpdtui ingest PATH`)"
    else:
        commands = " and ".join(f"`mpdtui ingest {shlex.quote(source.path)}`"
                                for source in sources if source is not None)
        again = f"{commands} tries {it} again"
    return f"{held:,} ({len(skipped):,} left out as bad by --skip-bad: {names}; {again})"


def _source_text(source: DataSource) -> str:
    """"/data/mpd", or for the demo "the demo dataset (10,000 playlists, seed 0) in PATH"."""
    described = source.describe()
    return described if described == source.path else f"{described} in {source.path}"


def print_stats(stats: DataStats, as_json: bool) -> int:
    from mpdtui.data.stats import REAL_MPD, ROWS, figure_text

    if as_json:
        sys.stdout.write(printable_json(orjson.dumps(stats.as_json(), option=orjson.OPT_INDENT_2).decode())
                         + "\n")
        return 0
    table = Table(title="the data beside the real MPD")
    for column in ("", "this data", *REAL_MPD):
        table.add_column(column, justify="left" if not column else "right")
    values = stats.as_json()
    for key, label, fmt in ROWS:
        table.add_row(label, figure_text(values, key, fmt),
                      *(figure_text(real, key, fmt) for real in REAL_MPD.values()))
    Console().print(table)
    names = ", ".join(f"{name} ({count:,})" for name, count in stats.top_names)
    print(in_terminal_width("most frequent names: ", printable(names)))
    return 0
