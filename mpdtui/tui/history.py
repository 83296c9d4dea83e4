"""Undo and redo of the builder's track list: each change (a track added, removed or moved,
the playlist ordered for flow, a suggestion hidden) keeps the list (and the tracks hidden
from its suggestions) as it was before, with what the change did."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

T = TypeVar("T")
H = TypeVar("H")  # what is hidden from the suggestions: tracks, artists

HISTORY_LIMIT = 500
"""Changes kept for undo (the oldest go first); a list of tuples of references, so small."""


@dataclass(frozen=True)
class Step(Generic[T, H]):
    """The tracks (the playlist's cursor row, the tracks hidden from its suggestions) to go
    back to, and what the change did."""

    tracks: tuple[T, ...]
    cursor: int
    what: str
    hidden: tuple[H, ...] = ()


class EditHistory(Generic[T, H]):
    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self._undo: list[Step[T, H]] = []
        self._redo: list[Step[T, H]] = []
        self._limit = limit

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def record(self, tracks: Sequence[T], cursor: int, what: str,
               hidden: Sequence[H] = ()) -> None:
        """Before a change: keep the tracks as they are; a new change forgets what was undone."""
        self._undo.append(Step(tuple(tracks), cursor, what, tuple(hidden)))
        del self._undo[:-self._limit]
        self._redo.clear()

    def undo(self, tracks: Sequence[T], cursor: int, hidden: Sequence[H] = ()) -> Step[T, H] | None:
        """The state before the last change (None: none left); the current one becomes its
        redo."""
        return self._swap(self._undo, self._redo, Step(tuple(tracks), cursor, "", tuple(hidden)))

    def redo(self, tracks: Sequence[T], cursor: int, hidden: Sequence[H] = ()) -> Step[T, H] | None:
        """The state the last undo went back from (None: nothing undone)."""
        return self._swap(self._redo, self._undo, Step(tuple(tracks), cursor, "", tuple(hidden)))

    def clear(self) -> None:
        """Another playlist is on screen: its changes are not this one's."""
        self._undo.clear()
        self._redo.clear()

    @staticmethod
    def _swap(source: list[Step[T, H]], target: list[Step[T, H]], now: Step[T, H]) -> Step[T, H] | None:
        if not source:
            return None
        step = source.pop()
        target.append(replace(now, what=step.what))
        return step
