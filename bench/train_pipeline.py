"""`mpdtui --train` wall and CPU time per stage, on a fresh cache dir, the way the CLI runs it.

Starts the job process (`pipeline.client.JobProcess`, as `mpdtui --train --mpd FOLDER` does)
on a new cache dir for a demo folder (`mpdtui demo-data --playlists N --seed S OUT`), and
timestamps its stage events: wall seconds per stage, and CPU seconds per stage read from the
job process's /proc stat (user+sys of every thread, plus its reaped workers) at each event.
Repeats alternate nothing: run it again (or `--repeats`) and compare; on a shared machine
the CPU seconds are the steadier figure. `--estimate` prints a full-MPD extrapolation from
the measured per-stage rates (see `bench/train_estimate.py`).

    .venv/bin/python bench/train_pipeline.py DEMO_FOLDER [--repeats 1] [--keep DIR] [--estimate]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from mpdtui.locations import Locations
from mpdtui.pipeline.client import JobProcess
from mpdtui.pipeline.events import JobFailed, JobFinished, StageFinished, StageStarted
from mpdtui.pipeline.request import JobRequest

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime+stime of the process (all its threads) and of its reaped children."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICKS


@dataclass
class StageTime:
    name: str
    wall: float = 0.0
    cpu: float = 0.0
    outcome: str = ""


@dataclass
class Run:
    stages: list[StageTime] = field(default_factory=list)
    total_wall: float = 0.0
    total_cpu: float = 0.0
    report: dict | None = None


def run_once(folder: Path, cache: Path) -> Run:
    """One `--train` of `folder` into the empty cache dir `cache`."""
    request = JobRequest("setup", source=str(folder))
    started = time.perf_counter()
    job = JobProcess.start(Locations.resolve(str(cache)), request)
    run, current = Run(), None
    stage_wall = stage_cpu = 0.0
    try:
        for event in job.events():
            now, cpu = time.perf_counter(), _safe_cpu(job.pid)
            if isinstance(event, StageStarted):
                current, stage_wall, stage_cpu = StageTime(event.stage), now, cpu
            elif isinstance(event, StageFinished) and current is not None:
                current.wall, current.cpu = now - stage_wall, cpu - stage_cpu
                current.outcome = event.message
                run.stages.append(current)
                print(f"  {current.name}: {current.wall:.1f} s wall, {current.cpu:.1f} s CPU",
                      flush=True)
                current = None
            elif isinstance(event, JobFinished):
                run.total_cpu = cpu
                run.report = event.summary.get("report")
            elif isinstance(event, JobFailed):
                raise SystemExit(f"the job failed: {event.message}\n{event.details}")
    finally:
        job.close()
    run.total_wall = time.perf_counter() - started
    return run


def _safe_cpu(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:
        return float("nan")


def print_run(run: Run) -> None:
    print(f"{'stage':<12} {'wall s':>8} {'CPU s':>8}")
    for stage in run.stages:
        print(f"{stage.name:<12} {stage.wall:8.1f} {stage.cpu:8.1f}")
    print(f"{'total':<12} {run.total_wall:8.1f} {run.total_cpu:8.1f}  (job process, start to end)")
    if run.report:
        print_quality(run.report)


def print_quality(report: dict) -> None:
    for name, result in report["models"].items():
        overall = result.get("overall", result)
        figures = ", ".join(f"{k} {overall[k]:.4f}" for k in ("r_precision", "ndcg", "clicks")
                            if isinstance(overall.get(k), float | int))
        print(f"  {name:<11} {figures}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a demo (or MPD) folder")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="train into this cache dir (emptied first)")
    parser.add_argument("--estimate", action="store_true", help="extrapolate to the full MPD")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    for repeat in range(args.repeats):
        cache = args.keep or Path(tempfile.mkdtemp(prefix="mpdtui-bench-train-"))
        shutil.rmtree(cache, ignore_errors=True)
        try:
            run = run_once(args.folder.resolve(), cache)
            print(f"run {repeat + 1}: load average after {os.getloadavg()[0]:.2f}")
            print_run(run)
            if args.estimate:
                from train_estimate import print_estimate

                print_estimate(run, Locations.resolve(str(cache)))
        finally:
            if args.keep is None:
                shutil.rmtree(cache, ignore_errors=True)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
