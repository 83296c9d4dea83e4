"""Benchmark of the app: time to first paint, and from "track added" to fresh suggestions.

    .venv/bin/python bench/tui.py [--cache-dir DIR] [--playlists 10000] [--adds 40]
                                  [--size 130x40] [--against REV]

The demo data and the models are built into the cache dir on first use (reused afterwards).
First paint is measured in fresh processes (interpreter start excluded, imports included), for
a first run (empty cache: the setup wizard) and with trained models (the builder). Suggestion
latency is measured through the UI (key press to the refreshed list, debounce included) and,
as the baseline, `Services.suggest` called directly in the same process (`--adds 0`: not).
`--against REV` also starts that commit's app (its files from `git archive`) on the same
trained cache, each run alternated with this tree's, so that the machine's load falls on both.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ["popularity", "title", "item_knn", "als", "two_tower", "ranker"]

PAINT_SCRIPT = """
import time
T0 = time.perf_counter()
import sys
from mpdtui.locations import Locations
from mpdtui.tui.app import MpdtuiApp

class Timed(MpdtuiApp):
    def on_ready(self):
        self.first_paint = time.perf_counter() - T0

    def on_service_ready(self, message):
        super().on_service_ready(message)
        self.call_after_refresh(self.done)

    def done(self):
        self.call_after_refresh(self.exit)

app = Timed(Locations.resolve(sys.argv[1]))
app.run(headless=True, size=tuple(int(n) for n in sys.argv[2].split("x")))
print(app.first_paint, time.perf_counter() - T0, type(app.screen_stack[-1]).__name__
      if app.screen_stack else "")
"""


def prepare(cache: Path, playlists: int) -> list[str]:
    from mpdtui.locations import Locations
    from mpdtui.pipeline.sources import DemoSpec
    from mpdtui.services.root import open_services

    services = open_services(Locations.resolve(cache))
    if not services.data.has_data():
        print(f"building the demo data ({playlists:,} playlists) in {cache} …", flush=True)
        services.jobs.ingest(services.data.demo_source(DemoSpec(playlists=playlists)))
    missing = [m for m in MODELS if m not in services.models.servable()]
    if missing:
        print(f"training {', '.join(missing)} …", flush=True)
        services.jobs.train(MODELS)
    return services.models.servable()


def first_paint(cache: Path, runs: int, size: str,
                trees: tuple[Path, ...] = (ROOT,)) -> dict[Path, tuple[list[float], list[float]]]:
    """First paint and first screen of the app of each tree (its root the process's working
    directory, so first on its path), the trees alternated run by run."""
    times: dict[Path, tuple[list[float], list[float]]] = {tree: ([], []) for tree in trees}
    for _ in range(runs):
        for tree in trees:
            out = subprocess.run([sys.executable, "-c", PAINT_SCRIPT, str(cache), size],
                                 check=True, capture_output=True, text=True, timeout=120,
                                 cwd=tree).stdout.split()
            times[tree][0].append(float(out[0]))
            times[tree][1].append(float(out[1]))
    return times


def exported(rev: str, folder: Path) -> Path:
    """The files of commit `rev` of this repository, written under `folder`."""
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


async def suggestion_latency(cache: Path, adds: int,
                             sound_filter: str = "") -> tuple[str, list[float], list[float]]:
    """From the add action (key handled) to the refreshed suggestions in the table; with
    `sound_filter` typed into the builder's filter field first (bench/filter.py)."""
    from mpdtui.audio.filters import parse_filter
    from mpdtui.locations import Locations
    from mpdtui.tui.app import create_app
    from mpdtui.tui.screens.builder import BuilderScreen

    shown_at: dict[int, float] = {}
    original = BuilderScreen.on_suggestions_ready

    def timed(self: BuilderScreen, message: object) -> None:
        original(self, message)  # type: ignore[arg-type]
        shown_at[self.suggestions_shown] = time.perf_counter()

    BuilderScreen.on_suggestions_ready = timed  # type: ignore[method-assign]
    app = create_app(Locations.resolve(cache))
    async with app.run_test(size=(130, 40)) as pilot:
        while type(app.screen).__name__ != "BuilderScreen" or not all(
                w.is_finished for w in app.workers) or app.screen.model_name is None:
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, BuilderScreen)
        services = app.services
        audio_filter = parse_filter(sound_filter)
        screen.query_one("#filter").value = sound_filter  # type: ignore[attr-defined]
        popular = services.catalog.catalog().track_uris(by_popularity=True)[: adds * 3]
        results = screen.query_one("#results")
        results.show(services.catalog.tracks(services.catalog.resolve_uris(popular)))  # type: ignore[attr-defined]
        results.focus()
        await pilot.pause()
        added_at: list[float] = []
        add = screen.action_add

        def timed_add() -> None:
            added_at.append(time.perf_counter())
            add()

        screen.action_add = timed_add  # type: ignore[method-assign]
        ui, direct = [], []
        for _ in range(adds):
            await pilot.press("a")
            while screen._request not in shown_at:
                await pilot.pause(0.002)
            ui.append(shown_at[screen._request] - added_at[-1])
            await pilot.press("j", "j")
            seeds = [t.id for t in screen.playlist]
            start = time.perf_counter()
            services.audio.suggest("", seeds, audio_filter, model=screen.model_name)
            direct.append(time.perf_counter() - start)
        return str(screen.model_name), ui, direct


def describe(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"{name}: median {statistics.median(values) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "mpdtui-bench-tui")
    parser.add_argument("--playlists", type=int, default=10_000)
    parser.add_argument("--adds", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="130x40", help="the app's size, COLUMNSxROWS")
    parser.add_argument("--against", metavar="REV", help="also start this commit's app")
    args = parser.parse_args()
    models = prepare(args.cache_dir, args.playlists)
    print(f"models: {', '.join(models)}; {args.size}")
    with tempfile.TemporaryDirectory() as empty:
        paint, shown = first_paint(Path(empty), args.runs, args.size)[ROOT]
    print(describe("first paint, first run (wizard)", paint))
    print(describe("  setup step 1 on screen", shown))
    with tempfile.TemporaryDirectory() as folder:
        trees = (ROOT, exported(args.against, Path(folder))) if args.against else (ROOT,)
        for tree, (paint, shown) in first_paint(args.cache_dir, args.runs, args.size, trees).items():
            label = "this tree" if tree == ROOT else args.against
            print(describe(f"first paint, trained cache ({label})", paint))
            print(describe("  builder on screen", shown))
    if args.adds == 0:
        return
    model, ui, direct = asyncio.run(suggestion_latency(args.cache_dir, args.adds))
    print(f"suggestions after 'track added', model {model}:")
    print(describe("  through the UI (add key handled to refreshed list)", ui))
    print(describe("  the services' suggestion alone (baseline)", direct))
    print(f"  UI / baseline (medians): {statistics.median(ui) / statistics.median(direct):.2f}x")


if __name__ == "__main__":
    main()
