"""Benchmark of audio filters: what a filter adds to "track added -> refreshed suggestions".

    .venv/bin/python bench/filter.py [--cache-dir DIR] [--playlists 10000] [--adds 40]

On the demo (its features CSV imported, the default model: blend when it trains), each filter
below is typed into the builder's filter field, then tracks are added one by one as in
bench/tui.py: through the UI (add key handled to the refreshed list, debounce included) and
the services' suggestion alone, in the same process; the first row, no filter, is the baseline.
Then the parts that grow with the catalog, at MPD scale (2.26M tracks, synthetic features):
the filter's mask, and the track-id lookups of a growing candidate list.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tui import describe, prepare, suggestion_latency

FILTERS = ("", "tempo 150-170", "energy > 0.7, minor", "key 8A", "key 8A, tempo 150-170")
MPD_TRACKS = 2_262_292


def import_demo_features(cache: Path) -> None:
    from mpdtui.locations import Locations
    from mpdtui.services.root import open_services

    services = open_services(Locations.resolve(cache))
    csv_path = services.features.demo_csv()
    if csv_path is not None:
        print(services.jobs.import_features_csv(csv_path), flush=True)


def share_matching(cache: Path, text: str) -> str:
    from mpdtui.audio.filters import parse_filter
    from mpdtui.locations import Locations
    from mpdtui.services.root import open_services

    features = open_services(Locations.resolve(cache)).audio.catalog_features()
    matching = int(np.count_nonzero(parse_filter(text).mask(features)))
    return f"{matching:,} of {len(features):,} tracks ({matching / len(features):.1%})"


def mask_at_scale(repeats: int = 5) -> None:
    from mpdtui.audio.filters import parse_filter
    from mpdtui.data.features import FEATURE_NAMES
    from mpdtui.data.track_features import TrackFeatures

    rng = np.random.default_rng(0)
    matrix = rng.random((MPD_TRACKS, len(FEATURE_NAMES)), dtype=np.float32)
    matrix[:, FEATURE_NAMES.index("tempo")] = rng.uniform(60, 200, MPD_TRACKS)
    matrix[:, FEATURE_NAMES.index("key")] = rng.integers(-1, 12, MPD_TRACKS)
    matrix[:, FEATURE_NAMES.index("mode")] = rng.integers(0, 2, MPD_TRACKS)
    features = TrackFeatures.from_matrix(matrix, FEATURE_NAMES)
    print(f"at MPD scale ({MPD_TRACKS:,} tracks, synthetic features, {matrix.nbytes / 1e6:.0f} MB):")
    for text in FILTERS[1:]:
        audio_filter = parse_filter(text)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            mask = audio_filter.mask(features)
            times.append(time.perf_counter() - start)
        print(f"  mask of {text!r}: median {statistics.median(times) * 1000:.1f} ms "
              "(once per filter: kept while only tracks change)")
    ranked = rng.permutation(MPD_TRACKS)
    for n in (5_000, 80_000, MPD_TRACKS):
        start = time.perf_counter()
        kept = ranked[:n][mask[ranked[:n]]]
        elapsed = time.perf_counter() - start
        print(f"  keep the matching ones of {n:,} candidates: {elapsed * 1000:.2f} ms "
              f"({kept.size:,} kept)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "mpdtui-bench-tui")
    parser.add_argument("--playlists", type=int, default=10_000)
    parser.add_argument("--adds", type=int, default=40)
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    models = prepare(args.cache_dir, args.playlists)
    import_demo_features(args.cache_dir)
    print(f"models: {', '.join(models)}")
    baseline_ui = baseline_direct = 0.0
    for text in FILTERS:
        model, ui, direct = asyncio.run(suggestion_latency(args.cache_dir, args.adds, text))
        label = f"filter {text!r}: {share_matching(args.cache_dir, text)}" if text else "no filter"
        print(f"{label}, model {model}:")
        print(describe("  through the UI (add key handled to refreshed list)", ui))
        print(describe("  the services' suggestion alone", direct))
        if not text:
            baseline_ui, baseline_direct = statistics.median(ui), statistics.median(direct)
        else:
            print(f"  against no filter (medians): UI {statistics.median(ui) / baseline_ui:.2f}x, "
                  f"services {statistics.median(direct) / baseline_direct:.2f}x")
    if not args.skip_scale:
        mask_at_scale()


if __name__ == "__main__":
    main()
