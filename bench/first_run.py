"""The first run as a person does it: `mpdtui` in a (pseudo-)terminal on an empty cache dir,
keys only through the setup wizard to a suggestion in the builder.

Prints how long each step took, when the builder could first serve (the first trained model),
the longest the training screen stood still, and, as the baseline, the same training run
headless (`mpdtui --train --retrain`) on a copy of the cache dir in the same run.

    python bench/first_run.py                     # the default demo (10,000 playlists), default models
    python bench/first_run.py --playlists 4000 --small
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "tui"))

from terminal import Terminal
from test_real_terminal import SMALL, Watch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--playlists", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--small", action="store_true", help="the test suite's small models")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        cache.mkdir()
        settings = {"demo": {"playlists": args.playlists, "seed": args.seed}}
        if args.small:
            settings["model_settings"] = SMALL["model_settings"]
        (cache / "config.json").write_text(json.dumps({"format": "mpdtui-config", "version": 1,
                                                       **settings}))
        figures = wizard(cache)
        headless = headless_training(cache, Path(tmp) / "copy")
    print(f"first run in a terminal, demo of {args.playlists:,} playlists "
          f"({'small' if args.small else 'default'} models):")
    for name, seconds in figures.items():
        print(f"  {name:<34} {seconds:7.1f} s")
    print(f"  {'headless --train of the same (baseline)':<34} {headless:7.1f} s")
    print(f"  training in the app / headless: {figures['training'] / headless:.2f}x")


def wizard(cache: Path) -> dict[str, float]:
    term = Terminal(cache)
    figures: dict[str, float] = {}
    try:
        start = time.monotonic()
        term.wait_for("Setup 1/5", timeout=60)
        figures["first paint"] = time.monotonic() - start
        term.press("ctrl+n")
        term.press("ctrl+r")
        term.wait_for("Data ready", timeout=1800)
        data_ready = time.monotonic()
        figures["data ready (demo + ingest)"] = data_ready - start
        term.press("ctrl+n", "ctrl+n")
        term.press("ctrl+r")
        term.wait_for("rows imported", timeout=600)
        term.press("ctrl+n")
        term.wait_for("Setup 5/5")
        trained_at = time.monotonic()
        term.press("ctrl+r")
        watch = Watch()
        term.wait_for("is ready", timeout=3600, every=watch)
        figures["builder can serve, after data ready"] = time.monotonic() - data_ready
        figures["builder can serve, after Train"] = time.monotonic() - trained_at
        term.wait_for("Done.", timeout=7200, every=watch)
        figures["training"] = time.monotonic() - trained_at
        figures["training screen still at most"] = watch.longest_still
        term.press("ctrl+n")
        term.wait_for("Suggestions", timeout=120)
        asked = time.monotonic()
        term.type("workout")
        term.wait_for(lambda text: "suggestions from" in text, timeout=120)
        figures["name typed -> suggestions"] = time.monotonic() - asked
        figures["whole wizard"] = time.monotonic() - start
        if term.seen_errors:
            raise SystemExit(f"the screen showed errors: {term.seen_errors}")
    finally:
        term.close()
    return figures


def headless_training(cache: Path, copy: Path) -> float:
    shutil.copytree(cache, copy)
    began = time.monotonic()
    subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(copy), "--train",
                    "--retrain"], check=True, capture_output=True)
    return time.monotonic() - began


if __name__ == "__main__":
    main()
