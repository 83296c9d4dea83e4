"""`mpdtui evaluate`, `mpdtui submit`, `mpdtui suggest`."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

import orjson
from rich.console import Console
from rich.table import Table

from models.registry import MODEL_NAMES
from mpdtui.commands import open_services
from mpdtui.commands.argtypes import (
    PlaylistLengthAction,
    SearchWords,
    csv_field,
    file_path,
    given_path,
    int_between,
    playlist_name,
    track_uri,
)
from mpdtui.commands.jobs import JobStopped, run_job
from mpdtui.commands.terminal import in_terminal_width, said_beside
from mpdtui.commands.track_tables import TrackRow, print_tracks
from mpdtui.commands.train import print_report
from mpdtui.errors import EXIT_INTERRUPTED, UserError
from mpdtui.locations import Locations
from mpdtui.pipeline.display import counted
from mpdtui.pipeline.events import StageProgress
from mpdtui.pipeline.lock import describe_holder
from mpdtui.pipeline.request import JobRequest
from mpdtui.printable import printable, printable_json
from mpdtui.progress_view import HeadlessProgress
from mpdtui.scores import relative

if TYPE_CHECKING:
    from mpdtui.audio.filters import AudioFilter
    from mpdtui.data.playlist_length import PlaylistLength
    from mpdtui.data.saved_playlists import SavedPlaylist
    from mpdtui.services.audio import FilteredSuggestions
    from mpdtui.services.root import Services
    from mpdtui.services.suggester import Suggestion

MAX_SUGGESTIONS = 500
"""What every model can rank (the challenge's answer size)."""
MAX_SEARCH = 500


NAMED = ", ".join(MODEL_NAMES)
"""The models' names for the help (a usage line of `{popularity,...}` was wider than 80)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    evaluate = subparsers.add_parser("evaluate", help="score the trained models on held-out playlists")
    evaluate.add_argument("--models", nargs="+", action="extend", choices=MODEL_NAMES, metavar="MODEL",
                          help=f"models to evaluate: {NAMED} (default: every trained model)")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument("--no-save", action="store_true",
                          help="score and print only, leaving the saved report as it is (what "
                          "evaluate does while another job, a training, writes to the cache dir)")
    evaluate.add_argument("--notebook", action="store_true",
                          help="also the old notebook's precision@K and its ALS alpha sweep")
    evaluate.set_defaults(func=run_evaluate)

    submit = subparsers.add_parser("submit", help="answer a RecSys Challenge challenge_set.json")
    submit.add_argument("--challenge-set", type=given_path, required=True, metavar="FILE",
                        help="the challenge's challenge_set.json (or its zip)")
    submit.add_argument("--out", type=file_path("submission.csv"), required=True, metavar="FILE",
                        help="the CSV to write (gzipped when FILE ends in .gz, as the challenge "
                             "took it: submission.csv.gz)")
    submit.add_argument("--model", choices=MODEL_NAMES, metavar="MODEL",
                        help=f"{NAMED} (default: the best trained model)")
    submit.add_argument("--team", default="mpdtui", type=csv_field,
                        help="team name for the team_info line")
    submit.add_argument("--email", default="mpdtui@example.com", type=csv_field,
                        help="contact for team_info")
    submit.set_defaults(func=run_submit)

    search = subparsers.add_parser(
        "search", help="find tracks by words of their title, artist or album (and their URIs, "
                       "for suggest --seed)")
    search.add_argument("words", nargs="+", action=SearchWords,
                        help="each word matches the start of a word (quotes not needed: "
                             "don't can be written dont); a track URI or open.spotify.com link "
                             "finds that track")
    search.add_argument("-n", "--k", type=int_between(1, MAX_SEARCH), default=20,
                        help=f"how many tracks, most popular first (default 20, at most "
                             f"{MAX_SEARCH})")
    search.add_argument("--json", action="store_true", help="print the tracks as JSON")
    search.set_defaults(func=run_search)

    suggest = subparsers.add_parser("suggest", help="suggest tracks for a playlist")
    suggest.add_argument("--name", default="", help="the playlist's name")
    suggest.add_argument("--playlist", metavar="SAVED", default=None,
                         help="a saved playlist (`mpdtui playlists` lists them): its name "
                              "and tracks (--name replaces the name, --seed adds tracks)")
    suggest.add_argument("--seed", action="append", default=[], metavar="URI", type=track_uri,
                         help="a track already in the playlist: its spotify:track: URI or its "
                              "open.spotify.com link (repeatable; `mpdtui search WORDS` finds URIs)")
    suggest.add_argument("--model", choices=MODEL_NAMES, metavar="MODEL",
                        help=f"{NAMED} (default: the best trained model)")
    how_many = suggest.add_mutually_exclusive_group()
    how_many.add_argument("-n", "--k", type=int_between(1, MAX_SUGGESTIONS), default=20,
                          help=f"how many suggestions (default 20, at most {MAX_SUGGESTIONS})")
    how_many.add_argument("--length", nargs="+", action=PlaylistLengthAction, metavar="LENGTH",
                          help="as many suggestions as make the playlist (its tracks, then "
                               "the suggestions) at least LENGTH long: 45m, 1h30m, 1:30:00, "
                               "90 (minutes) or 30 tracks")
    suggest.add_argument("--filter", action="append", default=[], metavar="TERM",
                         help="only tracks whose audio features match, e.g. 'tempo 150-170', "
                         "'energy > 0.7', 'key 8A', 'key ~Am', 'acoustic', 'not live' "
                         "(repeatable, or comma-separated: all must match)")
    suggest.add_argument("--json", action="store_true",
                         help="print the suggestions, with their reasons, as JSON")
    suggest.add_argument("--save", metavar="NAME", default=None, type=playlist_name,
                         help="save the playlist: its tracks (--playlist's, then --seed's) and "
                              "the suggestions, as saved playlist NAME (its name for the "
                              "suggestions when --name and --playlist are not given); adds to "
                              "--playlist's when NAME is its name, never replaces another")
    suggest.set_defaults(func=run_suggest)


def _playlist(args: argparse.Namespace,
              services: Services) -> tuple[str, list[int], SavedPlaylist | None]:
    """The name and seed track ids `suggest` was given, and --playlist's saved playlist: its
    name and tracks, then --name and --seed; what the catalog lacks is said on stderr (before
    the table or the JSON)."""
    name, seeds, saved = args.name, list[int](), None
    if args.playlist is None and not name and args.save:  # the playlist being saved
        name = args.save
    if args.playlist is not None:
        saved = services.playlists.get(args.playlist)
        name = name or saved.name
        seeds, missing = services.catalog.resolve_uris_naming_unknown(saved.uris)
        if missing:
            print(printable(not_in_the_catalog(len(missing), len(saved.uris), saved.name)),
                  file=sys.stderr)
    added, unknown = services.catalog.resolve_uris_naming_unknown(args.seed)
    if unknown:
        print(f"ignored, not in the catalog: {', '.join(unknown)}", file=sys.stderr)
    return name, list(dict.fromkeys(seeds + added)), saved


def run_evaluate(args: argparse.Namespace, locations: Locations) -> int:
    request = JobRequest("evaluate", models=tuple(args.models) if args.models else None,
                         save=not args.no_save)
    out = sys.stderr if args.json else None
    unsaved = None if request.save else "--no-save: the saved report is as it was"
    try:
        report = run_job(locations, request, out=out)["report"]
    except JobStopped as exc:
        if exc.failure.reason != "busy":
            raise
        # the report is the writer's to save: score beside it, and say so before and after
        busy = printable(f"the cache dir is busy: {describe_holder(locations)}")
        print(f"{busy}; scoring the models as saved now without saving the report",
              file=sys.stderr)
        report = run_job(locations, replace(request, save=False), out=out)["report"]
        unsaved = f"{busy}; `mpdtui evaluate` saves it once that ends"
    if args.json:
        sys.stdout.write(printable_json(orjson.dumps(
            report_for_reading(report), option=orjson.OPT_INDENT_2).decode()) + "\n")
    else:
        print_report(report)
    if unsaved:
        print(f"report not saved ({unsaved})", file=sys.stderr)
    elif not args.json:
        print(f"report saved to {locations.evaluation_json}")
    if args.notebook:
        with open_services(locations) as services:
            print_notebook_view(services)
    return 0


def report_for_reading(report: dict[str, Any]) -> dict[str, Any]:
    """`evaluate --json`: the report with the best model's leads, without the per-playlist
    scores (the saved report keeps them)."""
    from models.evaluation import without_per_case
    from models.leads import leads

    return {**without_per_case(report),
            "leads": [asdict(lead) | {"beyond_chance": lead.beyond_chance, "tied": lead.tied}
                      for lead in leads(report)]}


def print_notebook_view(services: Services) -> None:
    table = Table(title="the notebook's view: ALS precision@100 (implicit train_test_split, "
                  "1,000 playlists) by alpha")
    table.add_column("alpha", justify="right")
    table.add_column("precision@100", justify="right")
    for point in services.challenge.notebook_sweep():
        table.add_row(f"{point.alpha:g}", f"{point.precision:.4f}")
    Console().print(table)


def run_submit(args: argparse.Namespace, locations: Locations) -> int:
    beside = said_beside(args.out)
    earlier = args.out.is_file()
    try:
        with open_services(locations) as services, HeadlessProgress(beside) as view:
            done = services.challenge.submit(
                args.challenge_set, args.out, model=args.model, team=args.team, email=args.email,
                progress=lambda p: view.show(StageProgress("submit", p.done, p.total, "playlists")))
    except KeyboardInterrupt:  # not `cli`'s "resume": the answers are written once all are made
        kept = f"{args.out} is as it was" if earlier else "nothing was written"
        print(printable(f"interrupted: {kept} (the answers are written once all are made); "
                        "running the same command again starts over"), file=sys.stderr)
        return EXIT_INTERRUPTED
    answers = "answer" if done.answered == 1 else "answers"
    print(f"wrote {done.answered:,} {answers} from '{done.model}' to {args.out}", file=beside)
    print(done.summary.describe(), file=beside)
    return 0


PASTE_AT_CLI = ("them into `mpdtui import -` (ctrl+d ends them) to save them as a playlist, or "
                "into the app's builder")


def run_search(args: argparse.Namespace, locations: Locations) -> int:
    with open_services(locations) as services:
        tracks = services.catalog.search(args.words, args.k)
        audio = services.audio.audio_of_uris([t.uri for t in tracks])  # not the whole catalog
        why = None if tracks else (services.data.unfinished_ingest()
                                   or services.catalog.why_not_found(args.words, PASTE_AT_CLI))
    if args.json:
        found = [{"uri": t.uri, "track": t.name, "artist": t.artist_name, "album": t.album_name,
                  "duration_ms": t.duration_ms, "playlists": t.num_playlists,
                  "audio": None if sound is None else sound.as_json()}
                 for t, sound in zip(tracks, audio, strict=True)]
        sys.stdout.write(printable_json(orjson.dumps(found, option=orjson.OPT_INDENT_2).decode())
                         + "\n")
    elif tracks:
        rows = [TrackRow(t, sound) for t, sound in zip(tracks, audio, strict=True)]
        print_tracks(Console(file=sys.stdout), f"tracks matching '{args.words}'", rows,
                     album=True)
    else:
        print(printable(f"no track matches '{args.words}': {why}"))
    return 0


def run_suggest(args: argparse.Namespace, locations: Locations) -> int:
    from mpdtui.audio.filters import parse_filter

    audio_filter = parse_filter(args.filter)
    filled = ""
    with open_services(locations) as services:
        name, seeds, base = _playlist(args, services)
        if args.length is None:
            found = services.audio.suggest(name, seeds, audio_filter, args.model, args.k)
        else:
            found, filled = _fill(args.length, services, name, seeds, base, audio_filter,
                                  args.model)
        saved = (_save(args.save, services, base, seeds, found.suggestions)
                 if args.save is not None else None)
    said = [line for line in (filled, saved) if line]
    suggestions = found.suggestions
    shown = relative([s.score for s in suggestions])  # one scale whatever the model (README)
    if args.json:
        rows = [{"uri": s.track.uri, "track": s.track.name, "artist": s.track.artist_name,
                 "album": s.track.album_name, "duration_ms": s.track.duration_ms,
                 "score": score, "model_score": float(s.score), "reason": s.reason,
                 "audio": None if sound is None else sound.as_json()}
                for s, score, sound in zip(suggestions, shown, found.audio, strict=True)]
        sys.stdout.write(printable_json(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode()) + "\n")
        if found.note():
            print(printable(found.note()), file=sys.stderr)
        for line in said:
            print(printable(line), file=sys.stderr)
        return 0
    title = f"suggestions for '{name}'" if name else "suggestions"
    # one reason for every track (a fallback's, say) is said once, under the table
    reasons = {s.reason for s in suggestions}
    shared = reasons.pop() if len(reasons) == 1 and len(suggestions) > 1 else None
    if suggestions:
        table_rows = [TrackRow(s.track, sound, score, s.reason)
                      for s, score, sound in zip(suggestions, shown, found.audio, strict=True)]
        print_tracks(Console(file=sys.stdout), title, table_rows, shared_reason=shared)
    if shared is not None:
        print(in_terminal_width("why (all): ", printable(shared)))
    if found.note():
        print(in_terminal_width("", printable(found.note())))
    for line in said:
        print(in_terminal_width("", printable(line)))
    return 0


def _fill(length: PlaylistLength, services: Services, name: str, seeds: list[int],
          base: SavedPlaylist | None, audio_filter: AudioFilter,
          model: str | None) -> tuple[FilteredSuggestions, str]:
    """`suggest --length`: the suggestions that make the playlist that long, and what they
    make it ("... make the playlist 46:12 long")."""
    have = _durations(services, base, seeds)
    made = services.audio.fill(name, seeds, audio_filter, length, have=(len(have), sum(have)),
                               model=model)
    return made.found, made.said()


def _durations(services: Services, base: SavedPlaylist | None, seeds: list[int]) -> list[int]:
    """The length in ms of each track of the playlist: the catalog's tracks, then the saved
    playlist's others (0 where not known)."""
    tracks = services.catalog.tracks(seeds)
    known = {track.uri for track in tracks}
    others = [t.duration_ms or 0 for t in base.tracks if t.uri not in known] if base else []
    return [track.duration_ms for track in tracks] + others


def _save(name: str, services: Services, base: SavedPlaylist | None, seeds: list[int],
          suggestions: Sequence[Suggestion]) -> str:
    """`suggest --save NAME`: the playlist (`base`'s tracks, then the other seeds), then its
    suggestions, saved; what was saved."""
    from mpdtui.data.saved_playlists import PlaylistExists

    kept = set(base.uris) if base is not None else set()
    added_seeds = [t for t in services.catalog.tracks(seeds) if t.uri not in kept]
    if not added_seeds and not suggestions:  # an empty playlist, or one as it was
        return f"nothing saved to '{name}': no suggestions to add"
    try:
        saved = services.playlists.save_extended(
            name, base, [*added_seeds, *(s.track for s in suggestions)])
    except PlaylistExists as exc:
        taken = shlex.quote(exc.name)  # after '=': a name that starts with '-' is no option
        raise UserError(f"{exc}: save under another name, or add to it with "
                        f"--playlist={taken} --save={taken}") from None
    parts = [f"{len(base.tracks):,} of '{base.name}'" if base is not None else "",
             counted(len(added_seeds), "seed") if added_seeds else "",
             counted(len(suggestions), "suggestion")]
    return (f"saved '{saved.name}': {counted(len(saved.tracks), 'track')} "
            f"({', '.join(p for p in parts if p)}); `mpdtui export --to spotify "
            f"{_name_argument(saved.name)}` sends it to your Spotify account")


def _name_argument(name: str) -> str:
    """A playlist's name as one shell word that no command reads as an option."""
    return f"-- {shlex.quote(name)}" if name.startswith("-") else shlex.quote(name)


def not_in_the_catalog(missing: int, tracks: int, name: str) -> str:
    """What `suggest --playlist` says of the saved playlist's tracks the catalog lacks."""
    if missing == tracks:  # "suggesting from the others" there were none of
        return (f"none of the {tracks:,} tracks of '{name}' is in the catalog: suggesting from "
                "the name alone")
    verb = "is" if missing == 1 else "are"
    return (f"{missing:,} of the {tracks:,} tracks of '{name}' {verb} not in the catalog: "
            "suggesting from the others")
