"""The first run as a person sees it: `mpdtui` in a real (pseudo-)terminal, an empty cache dir,
keys only through every setup step to suggestions in the builder.

The demo has four slices, so the ingest starts its worker processes; the models are small, so
the whole run takes a couple of minutes. Figures (how long each step took, how long the
training screen ever stood still) are printed for the record; the assertions are on what the
screen shows.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import psutil
import pytest
from terminal import Terminal

pytestmark = [pytest.mark.slow, pytest.mark.tf]

MODELS = ("popularity", "title", "item_knn", "als", "two_tower", "ranker")
BAR = re.compile(r"^\s+(" + "|".join(MODELS) + r"|evaluate)\s+[━╸╺─ ]*\s+(?:\d+|--)%\s+(.*?)\s*$")
SMALL = {
    "demo": {"playlists": 4000, "seed": 3},
    "model_settings": {
        "als": {"iterations": 6},
        "two_tower": {"dim": 16, "hidden": 32, "epochs": 2, "batch_size": 256,
                      "examples_per_playlist": 2},
        "ranker": {"max_cases": 400, "candidates": 100},
    },
}
STILL_LIMIT_S = 5.0
"""The longest the training screen may stand still while a model trains."""


def bars(text: str) -> dict[str, str]:
    """Each stage bar's detail text on the training screen."""
    found = {}
    for line in text.splitlines():
        match = BAR.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


class Watch:
    """Records when the training bars change and what each model's bar said."""

    def __init__(self) -> None:
        self.last: dict[str, str] = {}
        self.changed_at = time.monotonic()
        self.longest_still = 0.0
        self.still_between: tuple[dict[str, str], dict[str, str]] = ({}, {})
        self.seen: dict[str, set[str]] = {name: set() for name in MODELS}

    def __call__(self, text: str) -> None:
        now = time.monotonic()
        current = bars(text)
        if current and current != self.last:
            if now - self.changed_at > self.longest_still:
                self.longest_still = now - self.changed_at
                self.still_between = (self.last, current)
            self.changed_at, self.last = now, current
            for name, detail in current.items():
                if name in self.seen:
                    self.seen[name].add(detail)


class Descendants:
    """Every process the app started (job processes, their workers), as they come."""

    def __init__(self, app: psutil.Process) -> None:
        self.app = app
        self.seen: dict[int, psutil.Process] = {}
        self.most = 0

    def __call__(self, text: str = "") -> None:
        try:
            children = self.app.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        self.most = max(self.most, len(children))
        self.seen.update({p.pid: p for p in children})

    def running(self) -> list[psutil.Process]:
        alive = []
        for process in self.seen.values():
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(process)
            except psutil.NoSuchProcess:
                pass
        return alive


def test_first_run_in_a_real_terminal(tmp_path: Path) -> None:
    cache = tmp_path / "my cache"
    cache.mkdir()
    (cache / "config.json").write_text(json.dumps({"format": "mpdtui-config", "version": 1,
                                                   **SMALL}))
    term = Terminal(cache)
    spawned = Descendants(psutil.Process(term.child.pid))
    times: dict[str, float] = {}
    try:
        start = time.monotonic()
        term.wait_for("Setup 1/5", timeout=60)
        term.press("ctrl+n")
        term.wait_for("Setup 2/5")
        term.press("ctrl+r")
        term.wait_for("Data ready", timeout=300, every=spawned)
        times["data"] = time.monotonic() - start
        assert spawned.most >= 3, "the job process and its ingest workers run outside the app"
        assert "4,000 playlists" in term.text()

        term.press("ctrl+n")
        term.wait_for("Setup 3/5")
        term.press("ctrl+n")  # no Spotify
        term.wait_for("Setup 4/5")
        # the demo's features CSV is filled in; it is given again as a file manager's "copy
        # as path" or a file dropped on the terminal pastes it: quoted (the cache's name has a
        # space, as a home folder's "My Music" does)
        term.press("ctrl+u")
        term.paste(f"'{cache / 'demo-mpd' / 'tracks_features.csv'}' ")
        term.press("enter")
        term.wait_for(lambda text: "rows imported" in text and "Press ctrl+n" in text,
                      timeout=120)  # the job's end, after the features are read for suggestions
        term.press("ctrl+n")
        term.wait_for("Setup 5/5")

        watch = Watch()
        trained_at = time.monotonic()
        term.press("ctrl+r")
        term.wait_for("Done.", timeout=900, every=lambda text: (watch(text), spawned()))
        times["training"] = time.monotonic() - trained_at
        for name in MODELS:
            working = watch.seen[name] - {"not started", "waiting", "trained", ""}
            assert working, f"{name}'s bar never showed progress: {watch.seen[name]}"
        assert watch.longest_still <= STILL_LIMIT_S, (watch.longest_still, watch.still_between)
        assert "overall" in term.text() or "r_precision" in term.text()

        term.press("ctrl+n")  # finish: the builder
        term.wait_for("Suggestions", timeout=60)
        term.type("workout")
        term.wait_for(lambda text: re.search(r"\d+ suggestions from", text) is not None,
                      timeout=60)
        times["total"] = time.monotonic() - start
        assert not term.seen_errors, term.seen_errors
        print(f"\nfirst run in a terminal: {times}; the training screen stood still at most "
              f"{watch.longest_still:.1f} s")
    finally:
        term.close()
    deadline = time.monotonic() + 5
    while spawned.running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not spawned.running(), "quitting the app leaves no process running"
