"""Headless progress when stdout is not a terminal: plain lines in human units."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pyte
import pytest

from models.progress import Progress
from mpdtui.advice import Advice, advised
from mpdtui.pipeline.events import Notice, StageFinished, StageProgress, StageStarted
from mpdtui.pipeline.job import ProgressRelay
from mpdtui.progress_view import HeadlessProgress


def lines_for(*events: object) -> list[str]:
    out = io.StringIO()  # not a terminal: plain lines
    with HeadlessProgress(out) as progress:
        assert progress.plain
        for event in events:
            progress.show(event)  # type: ignore[arg-type]
    return out.getvalue().splitlines()


def test_bytes_read_are_megabytes_and_counts_have_thousands_separators() -> None:
    lines = lines_for(
        StageProgress("features", 1122300.0, 10857400.0, "bytes", eta_s=75.0),
        StageProgress("ingest", 3.0, 10.0, "slices", "1204567 rows"),
        StageProgress("ingest", 10.0, 10.0, "slices"),
        StageProgress("ingest", 10.0, 10.0, "slices"),  # the end twice: one line
        StageProgress("demo", 12345.0, 10000000.0, "playlists"),
        StageFinished("ingest", "done"))
    assert lines[0] == "features: 1.1 MB/10.4 MB · ETA 1:15"
    assert lines[1].startswith("ingest: 3/10 slices")
    assert "e+" not in "\n".join(lines)
    assert "demo: 12,345/10,000,000 playlists" in lines
    assert lines.count("ingest: 10/10 slices") == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_an_80_column_terminal_each_bar_its_words_and_the_time_share_the_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich's 40-column bar left the words and the time cut at 80 columns, or no bar at all."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TERM", "xterm-256color")  # a terminal that draws bars
    out = _Terminal()
    with HeadlessProgress(out) as progress:
        assert not progress.plain
        progress.show(StageStarted("source"))
        progress.show(StageFinished("source", message="using /home/someone/Downloads/spotify_million"))
        progress.show(StageProgress("ingest", 15.0, 20.0, "slices",
                                    "15,000 playlists · 219,888 rows/s · 4 s", eta_s=3.0))
    screen = pyte.Screen(80, 24)
    pyte.Stream(screen).feed(out.getvalue().replace("\n", "\r\n"))
    shown = [line.rstrip() for line in screen.display if line.strip()]
    ingest = next(line for line in shown if line.startswith("ingest"))
    assert re.search(r"[━╸╺]{10}", ingest) and re.search(r"\d:\d\d:\d\d$", ingest)  # bar, time
    # the time left comes before the words, which the line cuts
    assert "15/20 slices · ETA 0:03 · 15,000 playlists" in ingest and "…" in ingest
    source = next(line for line in shown if line.startswith("source"))
    assert "using /home/someone/Downloads/spotify_million" in source


def test_a_dumb_terminal_gets_the_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """TERM=dumb: Rich draws no bar there, and had printed nothing until each stage ended
    (a ranker's minutes, the two-tower model's hours, without a sign of life)."""
    monkeypatch.setenv("TERM", "dumb")
    out = _Terminal()
    with HeadlessProgress(out) as progress:
        assert progress.plain
        progress.show(StageStarted("ranker"))
        progress.show(StageProgress("ranker", 12.0, 400.0, "rounds", "NDCG@100 0.678"))
    assert out.getvalue() == "ranker: 12/400 rounds · NDCG@100 0.678\n"


def test_a_new_count_measures_its_own_rate() -> None:
    """The ranker counts 5,824 playlists in a minute, then 400 rounds from 1: the rounds' time
    left came from the minute of playlists (ETA 4:23:55 after round 1)."""
    clock = iter([0.0, 0.0, 60.0, 61.0, 62.0, 72.0])
    sent: list[StageProgress] = []
    relay = ProgressRelay("ranker", "", sent.append, clock=lambda: next(clock))
    relay(Progress("ranker", 0, 5824, "candidate features", "validation playlists"))
    relay(Progress("ranker", 5824, 5824, "candidate features", "validation playlists"))
    relay(Progress("ranker", 1, 400, "NDCG@100 0.663", "rounds"))
    relay(Progress("ranker", 2, 400, "NDCG@100 0.670", "rounds"))
    relay(Progress("ranker", 12, 400, "NDCG@100 0.678", "rounds"))
    assert sent[1].rate == pytest.approx(5824 / 60)
    assert sent[2].eta_s is None  # its first report: no rate yet
    assert sent[4].rate == pytest.approx(1.0) and sent[4].eta_s == pytest.approx(388.0)


def test_the_time_left_leaves_out_a_phases_start_up() -> None:
    """Resumed two-tower training reported its 945 batches, then batch 946 after a second of
    TensorFlow tracing its graph: "ETA 18:41" for what took a minute (about 14 batches/s)."""
    clock = iter([0.0, 0.0, 1.2, 4.2, 34.2])
    sent: list[StageProgress] = []
    relay = ProgressRelay("two_tower", "", sent.append, clock=lambda: next(clock))
    relay(Progress("two_tower", 945, 1890, "resuming after epoch 15/30", "batches"))
    relay(Progress("two_tower", 946, 1890, "epoch 16/30", "batches"))
    relay(Progress("two_tower", 988, 1890, "epoch 16/30", "batches"))
    relay(Progress("two_tower", 1408, 1890, "epoch 22/30", "batches"))
    assert len(sent) == 4 and sent[1].eta_s is None  # its first step went, without a guess
    assert sent[2].rate == pytest.approx(14.0) and sent[2].eta_s == pytest.approx(902 / 14)
    assert sent[3].eta_s == pytest.approx(482 / 14)


class _AdvisedTerminal(_Terminal):
    """A terminal behind `mpdtui.cli`'s stdout: quoted commands get the cache dir in use."""

    def write(self, text: str) -> int:
        return super().write(advised(text))


def test_a_notice_quoting_a_command_is_wrapped_with_the_cache_dir_it_names(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache dir went into the command after Rich had wrapped the notice (a 403 from
    Spotify): its line ran past the terminal's edge, cut mid-word by the terminal."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr(Advice, "cache_dir", "/tmp/a rather long/cache dir")
    out = _AdvisedTerminal()
    message = ("Spotify refused audio features to this app (403); using features from CSV "
               "files (`mpdtui features --csv FILE`) and from the MPD itself instead")
    with HeadlessProgress(out) as progress:
        progress.show(Notice("features", message))
    lines = [line for line in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue()).splitlines()
             if line.strip()]
    assert max(len(line) for line in lines) <= 80, lines
    assert " ".join(line.strip() for line in lines).endswith(
        "(`mpdtui --cache-dir '/tmp/a rather long/cache dir' features --csv FILE`) and from the "
        "MPD itself instead")


# the bars of a training in a terminal of its own, waiting between two states for `go`
_BARS_WAIT_FOR_A_KEY = """
import os, sys, time
from mpdtui.pipeline.events import StageFinished, StageProgress, StageStarted
from mpdtui.progress_view import HeadlessProgress
go = sys.argv[1]
with HeadlessProgress() as view:
    view.show(StageStarted("source"))
    view.show(StageFinished("source", message="using /tmp/mpd"))
    view.show(StageProgress("als", 2.0, 15.0, "iterations", "2.21 s each"))
    print("bars shown", file=sys.stderr, flush=True)
    while not os.path.exists(go):
        time.sleep(0.05)
    view.show(StageProgress("als", 3.0, 15.0, "iterations", "2.20 s each"))
    time.sleep(0.3)  # a redraw or more (10 a second) before the last
"""


def test_keys_typed_while_the_bars_show_leave_no_copies_of_them(tmp_path: Path) -> None:
    """Enter (or ctrl+c's "^C") typed during `mpdtui --train` was echoed after the bars and
    moved the cursor a line down: each redraw then left a copy of the first bar above them
    ("source ━━ using ..." twice after ctrl+c, seed 8's 6,000-playlist demo)."""
    import sys

    import pexpect

    go = tmp_path / "go"
    child = pexpect.spawn(sys.executable, ["-c", _BARS_WAIT_FOR_A_KEY, str(go)],
                          dimensions=(24, 80), timeout=30,
                          env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "80"})
    screen = pyte.Screen(80, 24)
    stream = pyte.ByteStream(screen)
    child.expect("bars shown")
    stream.feed(child.before + child.after)
    child.send("\r\r")  # Enter twice, as someone waiting for the training does
    time.sleep(0.3)  # the terminal's echo (were it on) comes back with the next output
    go.touch()
    stream.feed(child.read())
    child.close()
    shown = [line.rstrip() for line in screen.display if line.strip()]
    assert [line.split()[0] for line in shown if not line.startswith("bars")] == \
        ["source", "als"], "\n".join(shown)
    assert "3/15 iterations" in shown[-1]


def test_plain_lines_say_what_a_resumed_run_takes_as_done() -> None:
    """Into a log (a server's `--train > log`), a run resumed after a stop said nothing of the
    stages it took as done, the terminal's dim lines; stopped again, its log never said."""
    assert lines_for(StageFinished("demo", "skipped", "not used"),
                     StageFinished("ingest", "skipped", "data ready"),
                     StageFinished("popularity", "skipped", "already trained for this data"),
                     StageStarted("als"), StageFinished("als", "done", "saved")) == [
        "ingest: data ready", "popularity: already trained for this data"]
