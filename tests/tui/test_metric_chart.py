"""The training step's evaluation chart says which way is better and counts cases in words."""

from __future__ import annotations

from typing import Any

from mpdtui.tui.widgets.metric_chart import render_chart


def _report(n_by_category: dict[str, int]) -> dict[str, Any]:
    values = {"r_precision": 0.2, "clicks": 3.0}
    return {"categories": [{"key": key, "label": key.replace("_", " "), "n": n}
                           for key, n in n_by_category.items()],
            "models": {"als": {"categories": {key: values for key in n_by_category}}}}


def test_clicks_are_better_shorter_and_one_case_is_one_case() -> None:
    """It said "clicks per category (longer is better)", the wrong way round (fewer pages
    before the first hit is better), and "title only (1 cases)"."""
    report = _report({"title_only": 1, "title_first_1": 1000})
    clicks = render_chart(report, "clicks").plain.splitlines()
    assert clicks[0] == ("clicks per category (shorter is better: fewer pages before the "
                         "first hit)")
    assert "title only (1 case)" in clicks and "title first 1 (1,000 cases)" in clicks
    assert render_chart(report, "r_precision").plain.startswith(
        "r_precision per category (longer is better)\n")
