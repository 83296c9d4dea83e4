"""What `mpdtui features --csv FILE` says in an 80-column terminal after models that read
audio features were trained without them: wrapped at words, as the coverage above it is."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pexpect
from tui_support import ingested_copy, trained_dir  # noqa: F401 (fixtures)

from mpdtui import config
from mpdtui.locations import Locations
from mpdtui.pipeline.display import OTHER_DATA
from mpdtui.services.root import open_services


def test_the_models_to_train_again_are_said_in_words_whole_at_80_columns(
        trained_dir: Path, tmp_path: Path) -> None:
    """"ranker learned from other audio features than these (35,341 more t" / "racks have
    them now)": the line ran past the terminal's edge, which cut it mid-word."""
    shutil.copytree(trained_dir, tmp_path / "cache", ignore=shutil.ignore_patterns("demo-mpd"))
    locations = Locations.resolve(tmp_path / "cache")
    config.update(locations, model_settings={"ranker": {"components": ["als", "title"],
                                                        "max_cases": 200, "candidates": 50}})
    open_services(locations).jobs.train(["ranker"])  # without audio features
    csv = trained_dir / "demo-mpd" / "tracks_features.csv"
    lines = _features_in_80_columns(csv, cwd=tmp_path)
    start = next(i for i, line in enumerate(lines) if line.startswith("ranker learned"))
    said = [line.rstrip() for line in lines[start:] if line.strip()]
    assert max(len(line) for line in said) <= 80, said
    assert re.fullmatch(r"ranker learned from other audio features than these \([\d,]+ more "
                        r"tracks have them now\): `mpdtui --cache-dir "  # named from the root
                        + re.escape(str(tmp_path / "cache")) + r" --train` trains "
                        r"them again to use them\.", " ".join(said)), said


def test_a_csv_of_other_data_is_said_in_words_whole_at_80_columns(
        ingested_copy: Locations, tmp_path: Path) -> None:
    """A features CSV none of whose tracks the catalog holds (another demo's): the line saying
    so ran to 250 columns, cut by the terminal wherever its edge fell."""
    csv = tmp_path / "other.csv"
    csv.write_text("id,danceability,energy,key,loudness,mode,speechiness,acousticness,"
                   "instrumentalness,liveness,valence,tempo,duration_ms,time_signature\n"
                   "0000000000000000000000,0.5,0.5,1,-5.0,1,0.05,0.1,0.0,0.1,0.5,120.0,"
                   "200000,4\n")
    lines = _features_in_80_columns(csv, cwd=ingested_copy.root.parent)
    start = next(i for i, line in enumerate(lines) if line.startswith("other.csv: none"))
    said = [line.rstrip() for line in lines[start:] if line.strip()]
    assert max(len(line) for line in said) <= 80, said
    assert " ".join(said) == (f"other.csv: {OTHER_DATA} "
                              f"(`mpdtui --cache-dir {ingested_copy.root.parent / 'cache'} "
                              "features --csv FILE`).")


def _features_in_80_columns(csv: Path, cwd: Path) -> list[str]:
    """`mpdtui --cache-dir cache features --csv CSV`, run in `cwd`, in an 80x24 terminal."""
    child = pexpect.spawn(sys.executable, ["-m", "mpdtui.cli", "--cache-dir", "cache",
                                           "features", "--csv", str(csv)],
                          cwd=str(cwd), dimensions=(24, 80), timeout=300, encoding="utf-8",
                          env={**os.environ, "TERM": "xterm-256color"})
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.read())
    child.close()
    assert child.exitstatus == 0, shown
    return [line.rsplit("\r", 1)[-1] for line in shown.split("\r\n")]
