"""Benchmark of the CLI's start-up: `mpdtui --help` and `mpdtui info` (on an empty cache dir),
each in a fresh process, against the same command with what every command once loaded first, in
the same run: Spotify's client library (with the redis, requests and http.server it imports;
loaded only when an account is used since) and the services (numpy, scipy, the stores; loaded
only when a command runs since); a bare interpreter's start for scale.

    .venv/bin/python bench/startup.py [--repeats 7]

Runs alternate (now, with those loaded first, bare) so that the machine's load falls on all
three alike; the figure is the median wall time of each.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (("--help",), ("info",))
EAGER_FIRST = "import spotipy.oauth2, spotipy.cache_handler, http.server, mpdtui.services.root\n"
RUN_CLI = "import sys\nfrom mpdtui.cli import main\nsys.argv[0] = 'mpdtui'\nraise SystemExit(main())\n"


def timed(code: str, args: tuple[str, ...]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        for command in COMMANDS:
            full = (*command, "--cache-dir", cache)
            now, eager, bare = [], [], []
            for _ in range(args.repeats):
                now.append(timed(RUN_CLI, full))
                eager.append(timed(EAGER_FIRST + RUN_CLI, full))
                bare.append(timed("pass", ()))
            median_now, median_eager = statistics.median(now), statistics.median(eager)
            print(f"mpdtui {' '.join(command)}: {median_now:.2f} s; with spotipy and the services loaded "
                  f"first (baseline) {median_eager:.2f} s = {median_now / median_eager:.2f}x; a bare "
                  f"interpreter {statistics.median(bare):.2f} s", flush=True)


if __name__ == "__main__":
    main()
