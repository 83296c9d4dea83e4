"""`mpdtui --train` wall and CPU time per stage, on a fresh cache dir, the way the CLI runs it.

Starts the job process (`pipeline.client.JobProcess`, as `mpdtui --train --mpd FOLDER` does)
on a new cache dir for a demo folder (`mpdtui demo-data --playlists N --seed S OUT`), and
timestamps its stage events: each stage's start and end (seconds since the job started) and
wall seconds, and the job process's CPU seconds during the stage (and their system part),
read from its /proc stat (user+sys of every thread, plus its reaped workers) at each event.
Stages may overlap (the two-tower fit runs beside the other retrievers:
`mpdtui.pipeline.overlap`): then the CPU of a stage includes what ran beside it, per-stage
wall no longer sums to the total, and the table says which stages ran beside which. Repeats
alternate nothing: run it again (or `--repeats`) and compare; on a shared machine the CPU
seconds are the steadier figure. `--estimate` prints a full-MPD extrapolation from the
measured per-stage rates (`bench/train_estimate.py`).

`--no-overlap` runs the stages one after another (config.json `overlap_stages: false`), for
a comparison with the same code.

    .venv/bin/python bench/train_pipeline.py DEMO_FOLDER [--repeats 1] [--keep DIR] [--estimate]
        [--no-overlap]
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

from mpdtui import config
from mpdtui.locations import Locations
from mpdtui.pipeline.client import JobProcess
from mpdtui.pipeline.events import JobFailed, JobFinished, StageFinished, StageStarted
from mpdtui.pipeline.request import JobRequest

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> tuple[float, float]:
    """utime+stime of the process (all its threads) and of its reaped children, and the stime
    part (system time: mostly page faults here)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (sum(int(v) for v in fields[11:15]) / TICKS,
            (int(fields[12]) + int(fields[14])) / TICKS)


@dataclass
class StageTime:
    name: str
    start: float
    """Seconds since the job started."""
    cpu_start: tuple[float, float]
    end: float = 0.0
    cpu: float = 0.0
    """The job process's CPU seconds from the stage's start to its end (with what ran beside)."""
    sys: float = 0.0
    """The system time part of `cpu`."""
    outcome: str = ""

    @property
    def wall(self) -> float:
        return self.end - self.start


@dataclass
class Run:
    stages: list[StageTime] = field(default_factory=list)
    """In the order they finished."""
    total_wall: float = 0.0
    total_cpu: float = 0.0
    total_sys: float = 0.0
    report: dict | None = None

    def beside(self, stage: StageTime) -> list[str]:
        """The stages that ran at the same time as `stage` (for at least a moment)."""
        return [s.name for s in self.stages
                if s is not stage and s.start < stage.end and stage.start < s.end]


def run_once(folder: Path, cache: Path, overlap: bool = True) -> Run:
    """One `--train` of `folder` into the empty cache dir `cache`."""
    request = JobRequest("setup", source=str(folder))
    locations = Locations.resolve(str(cache))
    if not overlap:
        config.update(locations, overlap_stages=False)
    started = time.perf_counter()
    job = JobProcess.start(locations, request)
    run = Run()
    running: dict[str, StageTime] = {}
    try:
        for event in job.events():
            now, cpu = time.perf_counter() - started, _safe_cpu(job.pid)
            if isinstance(event, StageStarted):
                running[event.stage] = StageTime(event.stage, now, cpu)
            elif isinstance(event, StageFinished) and event.stage in running:
                stage = running.pop(event.stage)
                stage.end, stage.outcome = now, event.message
                stage.cpu, stage.sys = (cpu[i] - stage.cpu_start[i] for i in (0, 1))
                run.stages.append(stage)
                print(f"  {stage.name}: {stage.start:.1f}-{stage.end:.1f} s, {stage.wall:.1f} s "
                      f"wall, {stage.cpu:.1f} s CPU ({stage.sys:.1f} s system)", flush=True)
            elif isinstance(event, JobFinished):
                run.total_cpu, run.total_sys = cpu
                run.report = event.summary.get("report")
            elif isinstance(event, JobFailed):
                raise SystemExit(f"the job failed: {event.message}\n{event.details}")
    finally:
        job.close()
    run.total_wall = time.perf_counter() - started
    return run


def _safe_cpu(pid: int) -> tuple[float, float]:
    try:
        return cpu_seconds(pid)
    except OSError:
        return float("nan"), float("nan")


def print_run(run: Run) -> None:
    print(f"{'stage':<12} {'start s':>8} {'end s':>8} {'wall s':>8} {'CPU s':>8} {'sys s':>8}  "
          "beside")
    for stage in sorted(run.stages, key=lambda s: s.start):
        print(f"{stage.name:<12} {stage.start:8.1f} {stage.end:8.1f} {stage.wall:8.1f} "
              f"{stage.cpu:8.1f} {stage.sys:8.1f}  {', '.join(run.beside(stage))}")
    print(f"{'total':<12} {'':8} {'':8} {run.total_wall:8.1f} {run.total_cpu:8.1f} "
          f"{run.total_sys:8.1f}  (job process, start to end; the stages' wall one after "
          f"another: {sum(s.wall for s in run.stages):.1f} s)")
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
    parser.add_argument("--no-overlap", action="store_true",
                        help="run the stages one after another (overlap_stages: false)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    for repeat in range(args.repeats):
        cache = args.keep or Path(tempfile.mkdtemp(prefix="mpdtui-bench-train-"))
        shutil.rmtree(cache, ignore_errors=True)
        try:
            run = run_once(args.folder.resolve(), cache, overlap=not args.no_overlap)
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
