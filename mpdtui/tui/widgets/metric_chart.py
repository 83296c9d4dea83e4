"""Horizontal bars of one metric: per category, one bar per model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual.widgets import Static

BLOCKS = " ▏▎▍▌▋▊▉█"
BAR_WIDTH = 40
COLORS = ("cyan", "magenta", "green", "yellow", "blue", "red")


def bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """`value` of `top` as a bar of `width` cells, in eighths of a cell."""
    eighths = round(max(0.0, value) / top * width * 8) if top > 0 else 0
    full, part = divmod(min(eighths, width * 8), 8)
    return "█" * full + (BLOCKS[part] if part else "")


class MetricChart(Static):
    """The chart of `metric` from an evaluation report (`models.evaluation` layout)."""

    def show(self, report: Mapping[str, Any], metric: str) -> None:
        self.update(render_chart(report, metric))


BETTER = {"clicks": "shorter is better: fewer pages before the first hit"}
"""What a longer bar means, where it is not the better model."""


def render_chart(report: Mapping[str, Any], metric: str) -> Text:
    models = list(report["models"])
    values = {(m, c["key"]): report["models"][m]["categories"][c["key"]][metric]
              for m in models for c in report["categories"]}
    top = max((v for v in values.values() if v is not None), default=0.0)
    name_width = max((len(m) for m in models), default=5)
    text = Text()
    text.append(f"{metric} per category ({BETTER.get(metric, 'longer is better')})\n",
                style="bold")
    for category in report["categories"]:
        cases = f"{category['n']:,} case{'' if category['n'] == 1 else 's'}"
        text.append(f"{category['label']} ({cases})\n", style="underline")
        for index, model in enumerate(models):
            value = values[(model, category["key"])]
            text.append(f"  {model:<{name_width}} ")
            if value is None:
                text.append("-\n", style="dim")
                continue
            text.append(bar(value, top), style=COLORS[index % len(COLORS)])
            text.append(f" {value:.3f}\n")
    return text
