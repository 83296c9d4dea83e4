"""Order a playlist for flow: neighbours in compatible keys with close tempos, optionally
rising or falling in energy.

**Measures.** Over the tracks with audio features, in playlist order (tracks without features
are skipped): *key clashes* are neighbours whose keys clash on the Camelot wheel (see
`mpdtui.audio.keys`), the *mean tempo jump* is the mean |tempo difference| of neighbours, in BPM.

**Ordering.** The user's first track stays first, tracks without a tempo go to the end in
their order, and the others form a path from the first: built greedily (always the cheapest
next track), then improved by moving single tracks and reversing runs of tracks while that
lowers the path's cost (a clash costs as much as a 20 BPM jump). With an energy direction the
tracks are cut into four stretches by energy (lowest first for "rise") that the path takes
in turn, each ordered for flow, where a step against the direction costs as much as a 10 BPM
jump, plus 5 BPM per 0.1 of energy. The result never has more key clashes nor a higher mean
tempo jump than the order it started from: when the path trades one for the other, the search
starts again from the user's order and takes only moves that worsen neither. Everything is
deterministic (ties go to the earlier track).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from mpdtui.audio.keys import clashes, codes_of
from mpdtui.data.track_features import TrackFeatures
from mpdtui.errors import UserError

Direction = Literal["rise", "fall"] | None
DIRECTIONS: tuple[Direction, ...] = (None, "rise", "fall")
TEMPO_STEP = 10.0  # BPM that cost as much as...
CLASH_COST = 2.0  # ...half a key clash
STEP_AGAINST_COST = 1.0  # a step against the energy direction (as one TEMPO_STEP)...
ENERGY_COST = 5.0  # ...plus this per unit of energy against it
ENERGY_NOISE = 0.02  # steps against the direction smaller than this are not counted
ENERGY_STRETCHES = 4  # with a direction: quarters of the playlist, lowest energy first
MAX_MOVES_PER_TRACK = 20  # bounds on the local search's moves: at most this many per track,
MOVE_BUDGET = 100_000_000  # at most this many m² move evaluations in all,
MIN_MOVES = 50  # but at least these
MAX_TRACKS = 2000  # pairwise costs take 3 x 8 x MAX_TRACKS² bytes
EPSILON = 1e-9


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
    # False where following the energy direction would have added clashes or tempo jumps, so
    # the order only improves on the user's without worsening either
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


def order_for_flow(features: TrackFeatures, direction: Direction = None) -> FlowResult:
    """A new order of the tracks described by `features` (in their current order)."""
    n = len(features)
    has_tempo = np.isfinite(features["tempo"])
    measured, unmeasured = np.flatnonzero(has_tempo), np.flatnonzero(~has_tempo).tolist()
    before = flow_stats(features)
    if len(measured) > MAX_TRACKS:
        raise FlowError(f"ordering for flow takes up to {MAX_TRACKS:,} tracks with features; "
                        f"this playlist has {len(measured):,}")
    if len(measured) < 3:  # nothing to order: nothing moves
        return FlowResult(tuple(range(n)), before, before, direction, 0)
    path, followed = _best_path(_Costs(features.take(measured), direction))
    head = [0] if 0 in unmeasured else []  # the first track stays first, features or not
    at_end = [i for i in unmeasured if i != 0]
    order = tuple(head + measured[path].tolist() + at_end)
    after = flow_stats(features.take(list(order)))
    if after.clashes > before.clashes or after.tempo_jump > before.tempo_jump + EPSILON:
        order, after = tuple(range(n)), before  # cannot happen (see _best_path); a safeguard
    return FlowResult(order, before, after, direction, len(at_end), followed)


class _Costs:
    """Pairwise costs between the measured tracks, plus an END node (index m) costing 0, and
    the energy stretches (groups of tracks, lowest energy first for "rise")."""

    def __init__(self, features: TrackFeatures, direction: Direction) -> None:
        m = len(features)
        codes = codes_of(features["key"], features["mode"])
        tempo = features["tempo"].astype(np.float64)
        self.size = m
        self.clash = np.zeros((m + 1, m + 1))
        self.clash[:m, :m] = clashes(codes[:, None], codes[None, :])
        self.tempo = np.zeros((m + 1, m + 1))
        self.tempo[:m, :m] = np.abs(tempo[:, None] - tempo[None, :])
        self.total = CLASH_COST * self.clash + self.tempo / TEMPO_STEP
        energy = np.nan_to_num(features["energy"].astype(np.float64), nan=0.5)
        self.groups = _stretches(energy, direction)
        if direction is not None:
            against = energy[:, None] - energy[None, :]  # a drop, from row to column
            against = np.maximum(-against if direction == "fall" else against, 0.0)
            self.total[:m, :m] += STEP_AGAINST_COST * (against > ENERGY_NOISE) + ENERGY_COST * against

    def path_sums(self, path: list[int]) -> tuple[float, float]:
        """(clashes, tempo jumps) along `path` (without END)."""
        a, b = np.array(path[:-1]), np.array(path[1:])
        return float(self.clash[a, b].sum()), float(self.tempo[a, b].sum())


def _stretches(energy: np.ndarray, direction: Direction) -> list[list[int]]:
    """Tracks 1..m-1 in one group, or with a direction in ENERGY_STRETCHES groups by energy
    (ascending for "rise"; ties by position)."""
    rest = np.arange(1, len(energy))
    if direction is None:
        return [rest.tolist()]
    sign = 1.0 if direction == "rise" else -1.0
    ranked = rest[np.lexsort((rest, sign * energy[rest]))]
    return [part.tolist() for part in np.array_split(ranked, min(ENERGY_STRETCHES, len(rest)))]


def _best_path(costs: _Costs) -> tuple[list[int], bool]:
    """The improved greedy path if it is no worse on either measure than the input order,
    else the input order improved by moves that worsen neither; and whether it was the first
    (the path through the energy stretches)."""
    original = list(range(costs.size))
    clash_before, tempo_before = costs.path_sums(original)
    stretch_of = np.full(costs.size + 1, len(costs.groups))  # END is a stretch of its own
    stretch_of[0] = -1
    path = _greedy(costs)
    for stretch, (start, end) in enumerate(_bounds(costs.groups)):
        stretch_of[start:end] = stretch
    path = _improve(costs, path, stretch_of, constrained=False)
    clash_after, tempo_after = costs.path_sums(path)
    if clash_after <= clash_before and tempo_after <= tempo_before + EPSILON:
        return path, True
    free = np.zeros(costs.size + 1, dtype=np.int64)
    free[0], free[-1] = -1, 1
    return _improve(costs, original, free, constrained=True), False


def _bounds(groups: list[list[int]]) -> list[tuple[int, int]]:
    """The positions [start, end) each group takes in the path (after the first track)."""
    ends = np.cumsum([len(group) for group in groups]) + 1
    return [(int(end) - len(group), int(end)) for group, end in zip(groups, ends, strict=True)]


def _greedy(costs: _Costs) -> list[int]:
    """From track 0, through each stretch in turn: always the cheapest next track of the
    stretch (the earliest among equals)."""
    path = [0]
    for group in costs.groups:
        left = list(group)
        while left:
            row = costs.total[path[-1], left]
            path.append(left.pop(int(np.argmin(row))))
    return path


def _improve(costs: _Costs, path: list[int], stretch_of: np.ndarray,
             constrained: bool) -> list[int]:
    """Best-improvement local search (reversals and single-track moves, each inside one
    stretch); the first track stays. `constrained`: only moves that add no clash and no
    tempo jump."""
    m = costs.size
    i_rev, j_rev = np.arange(1, m)[:, None], np.arange(1, m)[None, :]
    i_mov, j_mov = np.arange(1, m)[:, None], np.arange(0, m)[None, :]
    reversible = (i_rev < j_rev) & (stretch_of[i_rev] == stretch_of[j_rev])
    movable = ((j_mov != i_mov) & (j_mov != i_mov - 1)
               & ((stretch_of[j_mov] == stretch_of[i_mov]) | (stretch_of[j_mov + 1] == stretch_of[i_mov])))
    for _ in range(_move_bound(m)):  # searches stop earlier, but long playlists cost m² a move
        nodes = np.array([*path, m])  # END closes the path
        total = _Deltas(costs.total[np.ix_(nodes, nodes)])
        valid_rev, valid_mov = reversible, movable
        if constrained:  # clash and tempo costs are symmetric: a reversal's inside is free
            for matrix in (costs.clash, costs.tempo):
                deltas = _Deltas(matrix[np.ix_(nodes, nodes)])
                valid_rev = valid_rev & (deltas.reversal_ends() <= EPSILON)
                valid_mov = valid_mov & (deltas.relocation() <= EPSILON)
        moves = [_best(total.reversal(), valid_rev, row_offset=1, col_offset=1),
                 _best(total.relocation(), valid_mov, row_offset=1, col_offset=0)]
        gain, kind, i, j = min((best[0], kind, best[1], best[2]) for kind, best in enumerate(moves))
        if gain >= -EPSILON:
            return path
        path = _reverse(path, i, j) if kind == 0 else _relocate(path, i, j)
    return path


def _move_bound(m: int) -> int:
    return max(MIN_MOVES, min(MAX_MOVES_PER_TRACK * m, MOVE_BUDGET // (m * m)))


class _Deltas:
    """Cost changes of every move, from `p[a, b]` = the cost from the track at position a to
    the one at position b (position m is END)."""

    def __init__(self, p: np.ndarray) -> None:
        self.p = p
        self.m = p.shape[0] - 1
        self.next = np.diagonal(p, 1)  # next[k] = p[k, k+1]

    def reversal_ends(self) -> np.ndarray:
        """Reversing positions i..j (rows i = 1..m-1, columns j = 1..m-1): the two edges
        around the stretch."""
        p, m, nxt = self.p, self.m, self.next
        return (p[0:m - 1, 1:m] + p[1:m, 2:m + 1]
                - nxt[0:m - 1][:, None] - nxt[1:m][None, :])

    def reversal(self) -> np.ndarray:
        """The whole change: the ends, and every edge inside walked backwards."""
        forward = np.concatenate([[0.0], np.cumsum(self.next)])
        backward = np.concatenate([[0.0], np.cumsum(np.diagonal(self.p, -1))])
        inside = backward - forward  # inside[j] - inside[i]: edges i..j-1 reversed
        m = self.m
        return self.reversal_ends() + inside[1:m][None, :] - inside[1:m][:, None]

    def relocation(self) -> np.ndarray:
        """Moving the track at position i (rows 1..m-1) to after position j (columns 0..m-1)."""
        p, m, nxt = self.p, self.m, self.next
        removal = np.diagonal(p, 2)[0:m - 1] - nxt[0:m - 1] - nxt[1:m]  # for i = 1..m-1
        insertion = p.T[1:m, 0:m] + p[1:m, 1:m + 1] - nxt[0:m][None, :]
        return removal[:, None] + insertion


def _best(delta: np.ndarray, valid: np.ndarray, row_offset: int,
          col_offset: int) -> tuple[float, int, int]:
    """The lowest valid delta and its (row, column) as positions."""
    masked = np.where(valid, delta, np.inf)
    flat = int(np.argmin(masked))  # the first among equals: deterministic
    row, col = divmod(flat, masked.shape[1])
    return float(masked.flat[flat]), row + row_offset, col + col_offset


def _reverse(path: list[int], i: int, j: int) -> list[int]:
    return path[:i] + path[i:j + 1][::-1] + path[j + 1:]


def _relocate(path: list[int], i: int, j: int) -> list[int]:
    """Move the track at position i to just after the one at position j (j in the path
    before the move)."""
    track = path[i]
    rest = path[:i] + path[i + 1:]
    after = j if j < i else j - 1
    return [*rest[:after + 1], track, *rest[after + 1:]]
