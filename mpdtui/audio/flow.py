"""Order a playlist for flow: neighbours in compatible keys with close tempos, optionally
rising or falling in energy.

**Measures.** Over the tracks with audio features, in playlist order (tracks without features
are skipped): *key clashes* are neighbours whose keys clash on the Camelot wheel (see
`mpdtui.audio.keys`), the *mean tempo jump* is the mean |tempo difference| of neighbours, in BPM.

**Ordering.** The user's first track stays first, tracks without a tempo go to the end in
their order, and the others form a path from the first: built greedily (always the cheapest
next track), then improved by moving single tracks and reversing runs of tracks while that
lowers the path's cost (a clash costs as much as a 20 BPM jump). The moves tried are those
that put a track next to one of its `NEIGHBOURS` closest; each round takes the best, then
every next best that touches none of the tracks moved before it (a 2,000-track playlist
takes tens of rounds, not thousands). After the first round only the moves from tracks whose
neighbours the last round changed are tried, until none gains; then a round tries them all
again, and the search stops when that one finds nothing. With an energy direction the
tracks are cut into four stretches by energy (lowest first for "rise") that the path takes
in turn, each ordered for flow, where a step against the direction costs as much as a 10 BPM
jump, plus 5 BPM per 0.1 of energy. The result never has more key clashes nor a higher mean
tempo jump than the order it started from: when the path trades one for the other, the search
starts again from the user's order and takes only moves that worsen neither. Everything is
deterministic (ties go to the earlier track).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mpdtui.audio.flow_path import EPSILON, Costs, Direction, best_path
from mpdtui.audio.keys import clashes, codes_of
from mpdtui.data.track_features import TrackFeatures
from mpdtui.errors import UserError

__all__ = ["DIRECTIONS", "MAX_TRACKS", "MIN_TRACKS", "TOO_FEW", "Direction", "FlowError",
           "FlowResult", "FlowStats", "flow_stats", "order_for_flow"]
DIRECTIONS: tuple[Direction, ...] = (None, "rise", "fall")
MAX_TRACKS = 10_000  # Spotify's limit on a playlist for years; the time grows as the square
MIN_TRACKS = 3
TOO_FEW = "the first track stays first, so with fewer than three nothing can move"
"""Why a playlist (or its tracks with features) needs `MIN_TRACKS` to be ordered for flow."""


class FlowError(UserError):
    """A playlist that cannot be ordered (too long)."""


@dataclass(frozen=True)
class FlowStats:
    measured: int  # tracks with a tempo
    clashes: int
    tempo_jump: float  # mean |Δ tempo| of neighbouring measured tracks (0 below two)
    energy_quarters: tuple[float, ...]  # mean energy of each quarter of the measured tracks


@dataclass(frozen=True)
class FlowResult:
    order: tuple[int, ...]  # positions of the input tracks, in their new order
    before: FlowStats
    after: FlowStats
    direction: Direction
    without_features: int
    """Tracks without features put at the end (not the first, which stays first)."""
    # False where following the energy direction (or, without one, the cheapest path found)
    # would have added clashes or tempo jumps, so the order only improves on the user's
    # without worsening either
    direction_followed: bool = True

    @property
    def changed(self) -> bool:
        return self.order != tuple(range(len(self.order)))

    @property
    def direction_word(self) -> str:
        return {"rise": "rising", "fall": "falling"}.get(self.direction or "", "")

    def summary(self) -> str:
        """"key clashes 7 → 1, mean tempo jump 23.4 → 6.1 BPM" (+ energy, + what was left)."""
        return "; ".join(self.summary_lines())

    def summary_lines(self) -> list[str]:
        """What changed: the measures, the energy when it was asked for, what was left out."""
        before, after = self.before, self.after
        lines = [f"key clashes {before.clashes:,} → {after.clashes:,}, mean tempo jump "
                 f"{before.tempo_jump:.1f} → {after.tempo_jump:.1f} BPM"]
        if self.direction is not None:
            lines.append(f"energy by quarter {_quarters(before)} → {_quarters(after)}")
            if not self.direction_followed:
                lines.append(f"energy not ordered: {self.direction_word} energy would add "
                             "key clashes or tempo jumps")
        elif not self.direction_followed:  # e.g. sorted by tempo: fewer clashes, more jumps
            lines.append("only moves adding no key clash and no tempo jump: the smoothest "
                         "order found would add one or the other")
        if self.without_features:
            lines.append(f"{self.without_features:,} without features at the end")
        return lines


def flow_stats(features: TrackFeatures) -> FlowStats:
    """The measures of tracks in the given order."""
    measured = features.take(np.flatnonzero(np.isfinite(features["tempo"])))
    codes = codes_of(measured["key"], measured["mode"])
    tempo = measured["tempo"].astype(np.float64)
    return FlowStats(
        measured=len(measured),
        clashes=int(np.count_nonzero(clashes(codes[:-1], codes[1:]))),
        tempo_jump=float(np.abs(np.diff(tempo)).mean()) if len(tempo) > 1 else 0.0,
        energy_quarters=_quarter_means(measured["energy"]),
    )


def _quarter_means(energy: np.ndarray) -> tuple[float, ...]:
    parts = [part for part in np.array_split(energy.astype(np.float64), 4) if part.size]
    return tuple(float(np.nanmean(part)) if np.isfinite(part).any() else float("nan")
                 for part in parts)


def _quarters(stats: FlowStats) -> str:
    return " ".join(f"{value:.2f}" for value in stats.energy_quarters)


def order_for_flow(features: TrackFeatures, direction: Direction = None,
                   stop: Callable[[], bool] | None = None) -> FlowResult:
    """A new order of the tracks described by `features` (in their current order); `stop`,
    asked as it goes, can end it early (`models.progress.Cancelled`)."""
    n = len(features)
    has_tempo = np.isfinite(features["tempo"])
    measured, unmeasured = np.flatnonzero(has_tempo), np.flatnonzero(~has_tempo).tolist()
    before = flow_stats(features)
    if len(measured) > MAX_TRACKS:
        raise FlowError(f"ordering for flow takes up to {MAX_TRACKS:,} tracks with features; "
                        f"this playlist has {len(measured):,}")
    if len(measured) < MIN_TRACKS:  # nothing to order: nothing moves
        return FlowResult(tuple(range(n)), before, before, direction, 0)
    path, followed = best_path(Costs(features.take(measured), direction, stop))
    head = [0] if 0 in unmeasured else []  # the first track stays first, features or not
    at_end = [i for i in unmeasured if i != 0]
    order = tuple(head + measured[path].tolist() + at_end)
    after = flow_stats(features.take(list(order)))
    if after.clashes > before.clashes or after.tempo_jump > before.tempo_jump + EPSILON:
        order, after = tuple(range(n)), before  # cannot happen (see best_path); a safeguard
    return FlowResult(order, before, after, direction, len(at_end), followed)
