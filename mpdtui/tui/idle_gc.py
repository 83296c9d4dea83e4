"""Python's full garbage collections after the builder's paints, not in the middle of a refresh.

A full collection of the app's objects (about 150k: Textual's widgets and caches, the models'
Python side) takes 90-190 ms on two cores, and Python starts one every few added tracks: that
add's suggestions came that much later (`bench/tui.py`: p95 117-234 ms with them, 91 ms
without). While the builder is in use, Python's automatic full collections are off (`hold`);
the builder runs one itself (`collect`) right after a refreshed list is painted once Python
would have run one by then (`due`: as often as before, so garbage stays bounded), and in any
pause of `IDLE_S`. `release` gives Python its own thresholds back (another screen, the app
leaving). Young objects are collected as usual.

What survives a full collection is frozen (`gc.freeze`): the next ones walk only the objects
made since, not the 340k of a 10,000-track playlist's tables (a full collection took 148-164
ms with one open, under 1 ms frozen: `tools`' measure in the builder at 120x36). Frozen objects
are still freed when no longer referenced; only a cycle among them that becomes garbage waits,
for every `THAW_EVERY`-th collection (which thaws all and walks them once) or `release`.
"""

from __future__ import annotations

import gc

IDLE_S = 2.0
"""After a pause this long since the last refresh a full collection runs, due or not."""

THAW_EVERY = 20
"""Every this many collections, a whole one: what was frozen is walked again (a cycle made
garbage since is freed), so frozen garbage stays bounded."""

_NEVER = 2**31 - 1  # a threshold no count reaches: no automatic full collection


class IdleCollector:
    """Holds Python's automatic full collections off until `collect` or `release`."""

    def __init__(self) -> None:
        self._thresholds: tuple[int, int, int] | None = None  # Python's, while held
        self._collections = 0  # since the last whole one

    @property
    def holding(self) -> bool:
        return self._thresholds is not None

    def hold(self) -> None:
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            young, middle, _ = self._thresholds
            gc.set_threshold(young, middle, _NEVER)

    def due(self) -> bool:
        """Python would have started a full collection by now: its count of young collections
        since the last full one passed its threshold."""
        return self._thresholds is not None and gc.get_count()[2] > self._thresholds[2]

    def collect(self) -> None:
        """The full collection held off, now, of what was not frozen by the last one; still
        holding after it."""
        if self.holding:
            self._collections += 1
            if self._collections >= THAW_EVERY:
                self._collections = 0
                gc.unfreeze()
            gc.collect()
            gc.freeze()

    def release(self) -> None:
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
            self._collections = 0
            gc.unfreeze()  # Python's own collections walk every object again
