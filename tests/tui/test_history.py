"""The builder's undo history on its own: what undo and redo give back, and what they forget."""

from __future__ import annotations

from mpdtui.tui.history import EditHistory


def test_undo_and_redo_walk_the_changes_both_ways() -> None:
    history: EditHistory[str, str] = EditHistory()
    history.record([], 0, "added 'a'")
    history.record(["a"], 0, "added 'b'")
    step = history.undo(["a", "b"], 1)
    assert step is not None and (step.tracks, step.cursor, step.what) == (("a",), 0, "added 'b'")
    step = history.undo(["a"], 0)
    assert step is not None and step.tracks == () and not history.can_undo
    assert history.undo([], 0) is None
    step = history.redo([], 0)
    assert step is not None and (step.tracks, step.what) == (("a",), "added 'a'")
    step = history.redo(["a"], 0)
    assert step is not None and (step.tracks, step.cursor) == (("a", "b"), 1)
    assert history.redo(["a", "b"], 1) is None


def test_a_new_change_forgets_what_was_undone() -> None:
    history: EditHistory[str, str] = EditHistory()
    history.record([], 0, "added 'a'")
    history.undo(["a"], 0)
    assert history.can_redo
    history.record([], 0, "added 'c'")
    assert not history.can_redo and history.can_undo


def test_the_oldest_changes_go_past_the_limit_and_clear_forgets_all() -> None:
    history: EditHistory[int, int] = EditHistory(limit=3)
    for count in range(5):
        history.record(list(range(count)), 0, f"added {count}")
    kept = []
    while (step := history.undo([], 0)) is not None:
        kept.append(step.what)
    assert kept == ["added 4", "added 3", "added 2"]
    history.clear()
    assert not history.can_undo and not history.can_redo


def test_the_hidden_tracks_go_back_and_forth_with_the_tracks() -> None:
    history: EditHistory[str, str] = EditHistory()
    history.record(["a"], 0, "hid 'h'", hidden=[])
    step = history.undo(["a"], 0, hidden=["h"])
    assert step is not None and (step.tracks, step.hidden) == (("a",), ())
    step = history.redo(["a"], 0)
    assert step is not None and (step.hidden, step.what) == (("h",), "hid 'h'")
