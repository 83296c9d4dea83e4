"""The search behind ordering for flow (`mpdtui.audio.flow`): the costs of a step from one
track to another, a greedy path through the energy stretches, and its local search by moving
single tracks and reversing runs of tracks (see the module docstring of `mpdtui.audio.flow`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from models.progress import Cancelled
from mpdtui.audio.keys import clashes, codes_of
from mpdtui.data.track_features import TrackFeatures

Direction = Literal["rise", "fall"] | None
TEMPO_STEP = 10.0  # BPM that cost as much as...
CLASH_COST = 2.0  # ...half a key clash
STEP_AGAINST_COST = 1.0  # a step against the energy direction (as one TEMPO_STEP)...
ENERGY_COST = 5.0  # ...plus this per unit of energy against it
ENERGY_NOISE = 0.02  # steps against the direction smaller than this are not counted
ENERGY_STRETCHES = 4  # with a direction: quarters of the playlist, lowest energy first
MAX_ROUNDS_PER_TRACK = 20  # a bound on the local search's rounds (each lowers the cost)
FOCUSED_ROUNDS = True  # rounds after the first try the tracks around the last moves (False:
#                        every track, each round: bench/flow.py's baseline)
NEIGHBOURS = 16  # the moves tried put a track after one of the 16 it is closest after, or
#                  before one of the 16 it is closest before (all moves up to 17 tracks)
OTHER_STRETCH = 1e6  # tracks of another energy stretch come last among a track's closest
EPSILON = 1e-9
BLOCK = 1 << 20  # pairs of tracks whose costs are worked out at once (8 MB)
Moves = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # gain, kind (0: reversal), i, j
Cost = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (from, to) track indexes -> costs


class Costs:
    """Costs between the measured tracks, plus an END node (index m) costing 0 either way,
    and the energy stretches (groups of tracks, lowest energy first for "rise"). A cost is
    worked out where it is asked for, from the tracks' keys, tempos and energies: a matrix
    of a long playlist's pairs would take 8 x m² bytes (800 MB at 10,000 tracks)."""

    def __init__(self, features: TrackFeatures, direction: Direction,
                 stop: Callable[[], bool] | None = None) -> None:
        self.size = len(features)
        self.stop = stop  # asked between rounds and blocks: True raises `Cancelled`
        # key codes shifted by one (UNKNOWN is 0, END too: it clashes with nothing); END's
        # tempo and energy are NaN, so that its costs, NaN, can be made 0
        self.key = np.append(codes_of(features["key"], features["mode"]) + 1, 0)
        self.bpm = np.append(features["tempo"].astype(np.float64), np.nan)
        energy = np.nan_to_num(features["energy"].astype(np.float64), nan=0.5)
        self.energy = np.append(energy, np.nan)
        self.direction = direction
        self.groups = _stretches(energy, direction)

    def clash(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """1.0 where the track(s) `a` and `b` (index arrays, broadcast) clash, else 0.0."""
        return _CLASHES[self.key[a], self.key[b]]

    def tempo(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """|Δ tempo| from `a` to `b` (0 to or from END)."""
        return np.nan_to_num(self._jump(a, b), copy=False)

    def _jump(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.abs(self.bpm[a] - self.bpm[b])

    def total(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The path's cost of the step from `a` to `b`."""
        cost = CLASH_COST * self.clash(a, b) + self._jump(a, b) / TEMPO_STEP
        if self.direction is not None:
            against = self.energy[a] - self.energy[b]  # a drop, from a to b
            against = np.maximum(-against if self.direction == "fall" else against, 0.0)
            cost = cost + (STEP_AGAINST_COST * (against > ENERGY_NOISE) + ENERGY_COST * against)
        return np.nan_to_num(cost, copy=False)

    def check_stop(self) -> None:
        """`Cancelled` once `stop` says so (the app's dialog closed: a long playlist's search
        takes seconds)."""
        if self.stop is not None and self.stop():
            raise Cancelled

    @property
    def symmetric(self) -> bool:
        """Whether a step costs the same both ways (without an energy direction)."""
        return self.direction is None

    def path_cost(self, path: list[int]) -> float:
        steps = np.array(path)
        return float(self.total(steps[:-1], steps[1:]).sum())

    def path_sums(self, path: list[int]) -> tuple[float, float]:
        """(clashes, tempo jumps) along `path` (without END)."""
        a, b = np.array(path[:-1]), np.array(path[1:])
        return float(self.clash(a, b).sum()), float(self.tempo(a, b).sum())


_CLASHES = clashes(np.arange(-1, 24)[:, None], np.arange(-1, 24)[None, :]).astype(np.float64)
"""[code + 1, code + 1] -> 1.0 where the keys clash (-1, no key, clashes with nothing)."""


def _stretches(energy: np.ndarray, direction: Direction) -> list[list[int]]:
    """Tracks 1..m-1 in one group, or with a direction in ENERGY_STRETCHES groups by energy
    (ascending for "rise"; ties by position)."""
    rest = np.arange(1, len(energy))
    if direction is None:
        return [rest.tolist()]
    sign = 1.0 if direction == "rise" else -1.0
    ranked = rest[np.lexsort((rest, sign * energy[rest]))]
    return [part.tolist() for part in np.array_split(ranked, min(ENERGY_STRETCHES, len(rest)))]


def best_path(costs: Costs) -> tuple[list[int], bool]:
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


def _greedy(costs: Costs) -> list[int]:
    """From track 0, through each stretch in turn: always the cheapest next track of the
    stretch (the earliest among equals)."""
    path = [0]
    for group in costs.groups:
        left = np.array(group, dtype=np.int64)
        while left.size:
            if left.size % 256 == 0:
                costs.check_stop()
            cheapest = int(np.argmin(costs.total(np.array(path[-1]), left)))
            path.append(int(left[cheapest]))
            left = np.delete(left, cheapest)
    return path


def _improve(costs: Costs, path: list[int], stretch_of: np.ndarray,
             constrained: bool) -> list[int]:
    """Local search by reversals and single-track moves, each inside one stretch, among the
    moves that join a track to one of its `NEIGHBOURS` closest; each round takes the best move
    and every next best that touches none of the tracks moved so far. Rounds after the first
    try the tracks around the last round's moves; the search ends when a round trying every
    track finds nothing. The first track stays. `constrained`: only moves that add no clash
    and no tempo jump."""
    m = costs.size
    closest = Closest(costs, stretch_of[np.argsort(path)], NEIGHBOURS)
    active = np.ones(m + 1, dtype=bool)
    for _ in range(MAX_ROUNDS_PER_TRACK * m):
        costs.check_stop()
        search = Search(costs, path, stretch_of, closest, active)
        gain, kind, i, j = (np.concatenate(parts) for parts in zip(
            search.reversals(constrained), search.relocations(constrained), strict=True))
        if not gain.size and not active.all():
            active[:] = True  # none around the last moves: a last round tries every track
            continue
        moved = path
        for at in _independent(kind, i, j, np.lexsort((j, i, kind, gain)), m):
            moved = _reverse(moved, i[at], j[at]) if kind[at] == 0 else _relocate(moved, i[at], j[at])
        if costs.path_cost(moved) >= costs.path_cost(path) - EPSILON:
            return path  # no move gains (or, were gains miscounted, they did not add up)
        active = search.around(i, j) if FOCUSED_ROUNDS else active
        path = moved
    return path


def _independent(kind: np.ndarray, i: np.ndarray, j: np.ndarray, ranked: np.ndarray,
                 m: int) -> list[int]:
    """The moves, best first, whose stretches of positions (from the track before the first
    moved to the one after the last) overlap none taken before: their gains add up."""
    first, last = _spans(kind, i, j)
    touched = np.zeros(m + 1, dtype=bool)
    taken = []
    for at in ranked.tolist():
        if not touched[first[at]:last[at] + 1].any():
            touched[first[at]:last[at] + 1] = True
            taken.append(at)
    return taken


def _spans(kind: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions each move changes the neighbours of: from the track before the first
    moved to the one after the last."""
    reversal = kind == 0
    return (np.where(reversal, i - 1, np.minimum(i - 1, j)),
            np.where(reversal, j + 1, np.maximum(i + 1, j + 1)))


class Closest:
    """Each track's `k` closest tracks after it (`after`) and before it (`before`), by
    cost, of its own stretch first. Track 0, which stays first, is in no track's `after`.
    Worked out for `BLOCK` pairs at a time."""

    def __init__(self, costs: Costs, stretch: np.ndarray, k: int) -> None:
        m = costs.size
        k = min(k, m - 1)
        tracks = np.arange(m)
        self.after = np.empty((m, k), dtype=np.int64)
        self.before = np.empty((m, k), dtype=np.int64)
        for start in range(0, m, max(1, BLOCK // m)):
            costs.check_stop()
            rows = tracks[start:start + max(1, BLOCK // m)]
            # [row, column]: from the row's track to the column's, then to it from the column's
            after = self._block(costs.total(rows[:, None], tracks), stretch, rows)
            self.after[rows] = _smallest(after[:, 1:], k) + 1  # no track goes before track 0
            before = after if costs.symmetric else self._block(
                costs.total(tracks, rows[:, None]), stretch, rows)
            self.before[rows] = _smallest(before, k)

    @staticmethod
    def _block(total: np.ndarray, stretch: np.ndarray, rows: np.ndarray) -> np.ndarray:
        cost = total + OTHER_STRETCH * (stretch[rows][:, None] != stretch[None, :])
        cost[np.arange(len(rows)), rows] = np.inf
        return cost


def _smallest(rows: np.ndarray, k: int) -> np.ndarray:
    """The columns of each row's k smallest values, smallest first."""
    if k < rows.shape[1]:
        part = np.argpartition(rows, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(rows.shape[1]), rows.shape)
    order = np.lexsort((part, np.take_along_axis(rows, part, axis=1)), axis=1)
    return np.take_along_axis(part, order, axis=1)


class Search:
    """The moves worth trying on one path (those that join a track to one of its closest),
    with what each changes in the costs. Positions: 0..m-1 the path, m its END. Only the
    moves that join an `active` track to another are tried: after a round, those around the
    moves that gained (their neighbours changed), so a round costs what changed, not m."""

    def __init__(self, costs: Costs, path: list[int], stretch_of: np.ndarray,
                 closest: Closest, active: np.ndarray) -> None:
        m = self.m = costs.size
        self.costs, self.stretch_of, self.closest = costs, stretch_of, closest
        self.active = active
        self.nodes = np.array([*path, m])
        self.position = np.empty(m + 1, dtype=np.int64)
        self.position[self.nodes] = np.arange(m + 1)

    def reversals(self, constrained: bool) -> Moves:
        """The reversals of positions i..j (1 <= i < j <= m-1, one stretch) that gain."""
        m, nodes, position, closest = self.m, self.nodes, self.position, self.closest
        k = closest.after.shape[1]
        # the new edges: i-1 to j, j one of i-1's closest after; or i to j+1, i one of j+1's
        # closest before (from the active tracks)
        before_i = self._active_positions(0, m - 1)
        after_j = self._active_positions(2, m)
        i = np.concatenate([np.repeat(before_i + 1, k),
                            position[closest.before[nodes[after_j]]].ravel()])
        j = np.concatenate([position[closest.after[nodes[before_i]]].ravel(),
                            np.repeat(after_j - 1, k)])
        keep = (i >= 1) & (i < j) & (self.stretch_of[i] == self.stretch_of[j])
        i, j = i[keep], j[keep]
        gain = self._reversal_ends(self.costs.total, i, j) + self._inside(i, j)
        if constrained:  # clash and tempo costs are symmetric: a reversal's inside is free
            for cost in (self.costs.clash, self.costs.tempo):
                gain[self._reversal_ends(cost, i, j) > EPSILON] = np.inf
        return _gaining(gain, 0, i, j)

    def relocations(self, constrained: bool) -> Moves:
        """The moves of the track at position i (1..m-1) to after position j (0..m-1) that
        gain."""
        position, closest = self.position, self.closest
        at = self._active_positions(1, self.m)
        moved = self.nodes[at]
        k = closest.after.shape[1]
        i = np.repeat(at, 2 * k)
        j = np.concatenate([position[closest.before[moved]],  # after one it is closest after
                            position[closest.after[moved]] - 1], axis=1).ravel()
        stretch = self.stretch_of
        keep = (j != i) & (j != i - 1) & ((stretch[j] == stretch[i]) | (stretch[j + 1] == stretch[i]))
        i, j = i[keep], j[keep]
        gain = self._relocation(self.costs.total, i, j)
        if constrained:
            for cost in (self.costs.clash, self.costs.tempo):
                gain[self._relocation(cost, i, j) > EPSILON] = np.inf
        return _gaining(gain, 1, i, j)

    def _active_positions(self, start: int, stop: int) -> np.ndarray:
        """The positions in [start, stop) of active tracks."""
        return np.flatnonzero(self.active[self.nodes[start:stop]]) + start

    def around(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The tracks (by index, END included) at the ends of the edges the moves change:
        positions i-1, i, i+1, j and j+1 (a reversal's inside keeps its pairs)."""
        around = np.zeros(self.m + 1, dtype=bool)
        ends = np.concatenate([i - 1, i, np.minimum(i + 1, self.m), j, j + 1])
        around[self.nodes[ends]] = True
        return around

    def _cost(self, cost: Cost, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return cost(self.nodes[a], self.nodes[b])

    def _next(self, cost: Cost) -> np.ndarray:
        """next[k]: the cost from position k to k+1 (k = 0..m-1)."""
        return cost(self.nodes[:-1], self.nodes[1:])

    def _reversal_ends(self, cost: Cost, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        nxt = self._next(cost)
        return self._cost(cost, i - 1, j) + self._cost(cost, i, j + 1) - nxt[i - 1] - nxt[j]

    def _inside(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The change of walking the edges i..j-1 backwards (none where costs are symmetric)."""
        total, nodes = self.costs.total, self.nodes
        forward = np.concatenate([[0.0], np.cumsum(self._next(total))])
        backward = np.concatenate([[0.0], np.cumsum(total(nodes[1:], nodes[:-1]))])
        inside = backward - forward
        return inside[j] - inside[i]

    def _relocation(self, cost: Cost, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        nxt = self._next(cost)
        removal = self._cost(cost, i - 1, i + 1) - nxt[i - 1] - nxt[i]
        return removal + self._cost(cost, j, i) + self._cost(cost, i, j + 1) - nxt[j]


def _gaining(gain: np.ndarray, kind: int, i: np.ndarray, j: np.ndarray) -> Moves:
    """The moves that lower the cost: (gain, kind, i, j)."""
    keep = gain < -EPSILON
    return gain[keep], np.full(np.count_nonzero(keep), kind), i[keep], j[keep]


def _reverse(path: list[int], i: int, j: int) -> list[int]:
    return path[:i] + path[i:j + 1][::-1] + path[j + 1:]


def _relocate(path: list[int], i: int, j: int) -> list[int]:
    """Move the track at position i to just after the one at position j (j in the path
    before the move)."""
    track = path[i]
    rest = path[:i] + path[i + 1:]
    after = j if j < i else j - 1
    return [*rest[:after + 1], track, *rest[after + 1:]]
