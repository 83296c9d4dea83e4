"""How far the best model of an evaluation is ahead of each other one: the per-playlist
differences on the same held-out playlists, with Student's t 95% interval of their mean."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Lead:
    """How far the best model is ahead of another on one metric, over the same held-out
    playlists, with a 95% interval of that lead."""

    best: str
    other: str
    metric: str
    ahead_by: float
    """The mean of the per-playlist differences, positive where the best does better (for
    clicks, fewer)."""
    low: float
    high: float
    n_cases: int

    @property
    def beyond_chance(self) -> bool:
        """Whether the lead is beyond chance: its interval excludes 0."""
        return self.low > 0

    @property
    def tied(self) -> bool:
        """Whether the two have the same mean: "best" was then the first of equals."""
        return abs(self.ahead_by) < TIE

    def describe(self) -> str:
        interval = f"95% interval {self.low:+.3f} to {self.high:+.3f}"
        if self.tied:
            alike = ("the same score on each of" if self.high - self.low < TIE
                     else f"the same mean, {interval}, over")
            return (f"{self.best} and {self.other} tie on {self.metric} ({alike} these "
                    f"{self.n_cases:,} playlists)")
        if self.beyond_chance:
            return (f"{self.best} leads {self.other} by {self.amount()} {self.metric} "
                    f"({interval}, on the same {self.n_cases:,} playlists)")
        return (f"{self.best} and {self.other} are within chance of each other on these "
                f"{self.n_cases:,} playlists ({self.best} ahead by {self.amount()} "
                f"{self.metric}, {interval})")

    def amount(self) -> str:
        """The lead to three places; one too small to show there is said to be so (0.000
        reads as a tie)."""
        if self.tied:
            return "0 (a tie)"
        return f"{self.ahead_by:.3f}" if self.ahead_by >= 0.0005 else "under 0.001"


TIE = 1e-9
"""A mean difference below this is float rounding of equal means (the per-playlist scores
are kept to six places)."""


def leads(report_: Mapping[str, Any], metric: str = "r_precision") -> list[Lead]:
    """The best model's lead over each other model, closest first: the per-playlist
    differences (the same playlists answered by both) and Student's t interval of their
    mean. Results without per-playlist scores (reports from before them) are left out."""
    from scipy.special import stdtrit  # Student's t quantiles, without scipy.stats' 0.4 s

    scored = {name: np.asarray(result["per_case"][metric], np.float64)
              for name, result in report_["models"].items()
              if len(result.get("per_case", {}).get(metric, ())) == report_["n_cases"]}
    if len(scored) < 2 or report_["n_cases"] < 2:
        return []
    better = -1.0 if metric == "clicks" else 1.0
    best = max(scored, key=lambda name: better * scored[name].mean())
    found = []
    for name, values in scored.items():
        if name != best:
            differences = better * (scored[best] - values)
            half = float(stdtrit(differences.size - 1, 0.975)
                         * differences.std(ddof=1) / np.sqrt(differences.size))
            mean = float(differences.mean())
            found.append(Lead(best, name, metric, mean, mean - half, mean + half,
                              differences.size))
    return sorted(found, key=lambda lead: lead.ahead_by)


def held_out(n_cases: int) -> str:
    """"1 held-out playlist", "1,000 held-out playlists"."""
    return f"{n_cases:,} held-out playlist{'' if n_cases == 1 else 's'}"


HOLD_OUT_MORE = "a tenth of the playlists is held out: 20 or more hold out two"
"""Why an evaluation held out one playlist, for `too_few_to_lead`."""


def too_few_to_lead(report_: Mapping[str, Any], why: str = "") -> str:
    """What stands in for the leads where models were scored on one held-out playlist (an
    interval needs two), with `why` in brackets; "" otherwise."""
    if report_["n_cases"] == 1 and len(report_["models"]) > 1:
        return ("one held-out playlist: too few to tell whether any model leads beyond chance"
                + (f" ({why})" if why else ""))
    return ""


def lead_rows(found: Sequence[Lead]) -> tuple[str, list[str], list[list[str]]]:
    """A title, header and one row per lead, as text."""
    if not found:
        return "", [], []
    first = found[0]
    title = f"{first.metric} behind {first.best}, on the same {first.n_cases:,} held-out playlists"
    header = ["model", f"behind {first.best} by", "95% interval", "beyond chance"]
    rows = [[lead.other, lead.amount(), f"{lead.low:+.3f} to {lead.high:+.3f}",
             "yes" if lead.beyond_chance else "no"] for lead in found]
    return title, header, rows
