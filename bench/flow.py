"""Benchmark of ordering a playlist for flow (the builder's `o`, `mpdtui order`): the three
orders the app's dialog works out (smooth, energy rising, energy falling), from 100 tracks to
10,000 (the most that are ordered).

    .venv/bin/python bench/flow.py [--sizes 100,300,1000,2000,5000,10000]
                                   [--whole-rounds-up-to 5000] [--every-move-up-to 1000]
                                   [--seeds 2]

Playlists of two shapes of synthetic features: "library" (tempos uniform over 60-200 BPM) and
"crate" (tempos clustered around 90, 120, 128 and 174 BPM, as a DJ's); keys and modes uniform,
energy Beta(2, 2). Two baselines, in the same process: the same search with every round
trying every track (not only those around the last round's moves), up to
`--whole-rounds-up-to` tracks; and the search trying every move (not only those that put a
track next to one of its `NEIGHBOURS` closest), up to `--every-move-up-to` tracks (about 9 s
an order at 1,000). Printed: the seconds for the three orders, the key clashes and mean tempo
jump after, the ratio of the times, and the process's peak RSS so far.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from mpdtui.audio import flow, flow_path
from mpdtui.data.features import FEATURE_NAMES
from mpdtui.data.track_features import TrackFeatures

SHAPES = ("library", "crate")


def playlist(size: int, shape: str, seed: int) -> TrackFeatures:
    rng = np.random.default_rng(seed)
    matrix = np.full((size, len(FEATURE_NAMES)), np.nan, np.float32)
    if shape == "library":
        tempo = rng.uniform(60, 200, size)
    else:
        tempo = rng.normal(rng.choice([90, 120, 128, 174], size), 4)
    matrix[:, FEATURE_NAMES.index("tempo")] = tempo
    matrix[:, FEATURE_NAMES.index("key")] = rng.integers(0, 12, size)
    matrix[:, FEATURE_NAMES.index("mode")] = rng.integers(0, 2, size)
    matrix[:, FEATURE_NAMES.index("energy")] = rng.beta(2, 2, size)
    return TrackFeatures.from_matrix(matrix, FEATURE_NAMES)


def three_orders(features: TrackFeatures, neighbours: int,
                 focused: bool = True) -> tuple[float, list[flow.FlowResult]]:
    """(seconds, results) for the three directions, with `neighbours` closest tried (and
    rounds focused on the last moves, or not)."""
    flow_path.NEIGHBOURS, flow_path.FOCUSED_ROUNDS = neighbours, focused
    start = time.perf_counter()
    results = [flow.order_for_flow(features, direction) for direction in flow.DIRECTIONS]
    return time.perf_counter() - start, results


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measures(results: list[flow.FlowResult]) -> str:
    return " / ".join(f"{r.after.clashes:,} clashes {r.after.tempo_jump:.1f} BPM" for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,300,1000,2000,5000,10000")
    parser.add_argument("--whole-rounds-up-to", type=int, default=5000)
    parser.add_argument("--every-move-up-to", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    default = flow_path.NEIGHBOURS
    three_orders(playlist(200, "library", 99), default)  # numpy's first calls, not measured
    print(f"three orders each (smooth / rising / falling); default: the {default} closest")
    for size in (int(text) for text in args.sizes.split(",")):
        for shape in SHAPES:
            for seed in range(args.seeds):
                features = playlist(size, shape, seed)
                seconds, results = three_orders(features, default)
                before = results[0].before
                print(f"{size:,} tracks, {shape}, seed {seed} (before: {before.clashes:,} "
                      f"clashes {before.tempo_jump:.1f} BPM):")
                print(f"  default     {seconds:6.2f} s  {measures(results)}")
                if size <= args.whole_rounds_up_to:
                    whole, whole_results = three_orders(features, default, focused=False)
                    print(f"  whole rounds{whole:6.2f} s  {measures(whole_results)}")
                    print(f"  time against whole rounds: {seconds / whole:.2f}x")
                if size <= args.every_move_up_to:
                    every, every_results = three_orders(features, size, focused=False)
                    print(f"  every move  {every:6.2f} s  {measures(every_results)}")
                    print(f"  time against every move: {seconds / every:.2f}x")
                print(f"  peak RSS so far {peak_rss_mb():,.0f} MB")
    flow_path.NEIGHBOURS = default


if __name__ == "__main__":
    main()
