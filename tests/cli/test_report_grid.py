"""`evaluate`'s (and `score`'s, `--train`'s) tables in a terminal narrower than their
categories across: categories down, and the models across in as many tables as it takes for
every name and figure to show whole. At 80 columns six models' names had been cut
("popular…", "two_tow…") and the seeds' table's headers to "po… fa… ca…"."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest

from models.evaluation import CATEGORIES, METRICS
from mpdtui.commands.train import print_report

MODELS = ["popularity", "title", "item_knn", "als", "two_tower", "ranker"]
SUBMISSIONS = ["runs/2026-12-07/ranker-with-features.csv", "runs/2026-12-07/als-alpha-40.csv",
               "popularity.csv"]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _value(model: int, category: int, metric: str) -> float:
    return 12.5 + model + category if metric == "clicks" else 0.011 * (model + 1) + category / 1000


def _report(names: list[str]) -> dict[str, Any]:
    """A report as `evaluate` saves it, without per-playlist scores (so no lead table)."""
    categories = [{"key": c.key, "label": c.label, "n": 60, "seeds": 60 * i,
                   "unknown_seeds": 6 * i} for i, c in enumerate(CATEGORIES)]
    return {"k": 500, "n_cases": 600, "metrics": list(METRICS), "categories": categories,
            "models": {name: {
                "categories": {c.key: {m: _value(i, j, m) for m in METRICS}
                               for j, c in enumerate(CATEGORIES)},
                "overall": {m: _value(i, 10, m) for m in METRICS},
                "fallbacks": {c.key: 100 * i + j for j, c in enumerate(CATEGORIES)}}
                for i, name in enumerate(names)}}


def _printed(report: dict[str, Any], width: int, row: str,
             monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("TERM", "dumb")  # no colours to strip
    out = _Tty()
    monkeypatch.setattr(sys, "stdout", out)
    print_report(report, row=row)
    return out.getvalue().splitlines()


def _seeds_at(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith("seeds unknown"))


def _across(lines: list[str], label: str) -> list[dict[str, str]]:
    """Per table of the metrics (a header line starting "category"), its names and their
    figures in the row `label`."""
    found: list[dict[str, str]] = []
    header: list[str] = []
    for line in lines[:_seeds_at(lines)]:
        if line.startswith("category "):
            header = line.split()[1:]
        elif line.startswith(f"{label} ") and header:
            found.append(dict(zip(header, line[len(label):].split(), strict=True)))
            header = []
    return found


@pytest.mark.parametrize("width", [80, 100, 120, 150])
def test_every_model_name_and_figure_is_whole_at_any_width(
        width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _printed(_report(MODELS), width, "model", monkeypatch)
    assert max(len(line) for line in lines) <= width
    assert not any("…" in line for line in lines)
    if width < 144:  # the metrics' tables have their categories down
        rows = _across(lines, "title + 100 random")
        per_metric: dict[str, str] = {}
        merged = []
        for part in rows:
            if set(part) & set(per_metric):  # the next metric's tables
                merged.append(per_metric)
                per_metric = {}
            per_metric |= part
        merged.append(per_metric)
        assert merged[:3] == [{name: f"{_value(i, 9, m):.{2 if m == 'clicks' else 3}f}"
                               for i, name in enumerate(MODELS)}
                              for m in ("r_precision", "ndcg", "clicks")]
    seeds = lines[_seeds_at(lines):]
    overall = [value for line in seeds if line.startswith("overall ") for value in line.split()[1:]]
    assert overall == ["2,700", "10%", *(str(100 * i * 10 + 45) for i in range(6))]
    words = " ".join(seeds).split()
    for name in MODELS:  # each model's fallback column is headed by its name, whole
        assert f"{name}:" in words


def test_long_submission_names_are_whole_in_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _printed(_report(SUBMISSIONS), 80, "submission", monkeypatch)
    assert max(len(line) for line in lines) <= 80
    assert not any("…" in line for line in lines)
    named = [name for part in _across(lines, "overall") for name in part]
    assert named[:3] == SUBMISSIONS  # r_precision's tables name each submission whole


LONG_PATHS = ["some/very/long/folder/name/for/the/submissions/a/sub.csv.gz",
              "another/very/long/folder/name/for/the/submissions/b/sub.csv.gz"]


def test_long_paths_leave_every_figure_whole_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two submissions of one file name are named by their paths: at 62 characters the
    categories' columns of the 120-column table a pipe gets were squeezed to "0.0…" and
    "tit…"; the table is now as wide as it takes."""
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    print_report(_report(LONG_PATHS), row="submission")
    lines = sys.stdout.getvalue().splitlines()
    assert not any("…" in line for line in lines), "\n".join(lines)
    figures = [line.split() for line in lines if line.startswith(("│ some/", "│ another/"))]
    assert figures[0][3] == f"{_value(0, 0, 'r_precision'):.3f}"
