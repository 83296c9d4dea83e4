"""Demo generation speed: the MPD-like demo against the first (dense) one, same sizes, same run.

Writes each demo into a temporary folder and prints wall time, rows per second and the ratio
to the dense generator (the baseline: the demo generation time the test suite and `--demo`
used to pay). Usage: python bench/demo.py [--playlists 10000 20000]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import orjson

from mpdtui.data.demo import generate_demo


def timed(folder: Path, playlists: int, dense: bool) -> tuple[float, int]:
    """Seconds to generate, and the playlist-track rows written."""
    started = time.perf_counter()
    written = generate_demo(folder, playlists, seed=0, dense=dense)
    elapsed = time.perf_counter() - started
    rows = sum(len(p["tracks"]) for path in written
               for p in orjson.loads(path.read_bytes())["playlists"])
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--playlists", type=int, nargs="+", default=[10_000, 20_000])
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mpdtui-bench-demo-"))
    try:
        for playlists in args.playlists:
            dense_s, dense_rows = timed(root / f"dense-{playlists}", playlists, dense=True)
            mpd_s, mpd_rows = timed(root / f"mpd-{playlists}", playlists, dense=False)
            print(f"{playlists:,} playlists: MPD-like {mpd_s:.1f} s ({mpd_rows / mpd_s:,.0f} rows/s) "
                  f"vs dense {dense_s:.1f} s ({dense_rows / dense_s:,.0f} rows/s): "
                  f"{mpd_s / dense_s:.2f}x the time, {mpd_rows / dense_rows:.2f}x the rows")
            shutil.rmtree(root / f"dense-{playlists}")
            shutil.rmtree(root / f"mpd-{playlists}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
