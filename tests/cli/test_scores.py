"""Suggestion scores on the one scale the front ends show (`mpdtui.scores.relative`)."""

from __future__ import annotations

from mpdtui.scores import relative


def test_the_best_is_one_and_the_others_are_its_fraction() -> None:
    assert relative([31.17, 15.585, 3.117]) == [1.0, 0.5, 0.1]  # the title model's BM25
    assert relative([0.98, 0.49]) == [1.0, 0.5]  # the blend's: the same scale now


def test_no_positive_best_falls_back_to_rank() -> None:
    assert relative([-0.1, -0.2, -0.4, -0.5]) == [1.0, 0.75, 0.5, 0.25]
    assert relative([0.0]) == [1.0]


def test_negative_scores_below_a_positive_best_are_zero() -> None:
    assert relative([0.8, 0.2, -0.3]) == [1.0, 0.25, 0.0]
    assert relative([]) == []
