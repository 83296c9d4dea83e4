"""An option that takes several values, given twice, takes the values of both: the first
ones had been dropped silently (`--train --models ranker --retrain --models als` retrained
als alone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpdtui.cli import parse_arguments


@pytest.mark.parametrize("argv, dest, expected", [
    (["--train", "--models", "ranker", "--retrain", "--models", "als"], "train_models",
     ["ranker", "als"]),
    (["--train", "--features-csv", "a.csv", "--models", "als", "--features-csv", "b.csv"],
     "train_features_csv", [Path("a.csv"), Path("b.csv")]),
    (["evaluate", "--models", "popularity", "--no-save", "--models", "title"], "models",
     ["popularity", "title"]),
    (["features", "--csv", "a.csv", "--csv", "b.csv"], "csv", ["a.csv", "b.csv"]),
])
def test_an_option_given_twice_keeps_the_values_of_both(argv: list[str], dest: str,
                                                        expected: list[object]) -> None:
    assert [str(value) for value in getattr(parse_arguments(argv), dest)] == \
        [str(value) for value in expected]

