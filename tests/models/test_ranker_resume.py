"""A stopped ranker training continues from what it kept (its cases' candidates, then its
boosting rounds) to the very booster an uninterrupted training makes; progress kept for other
retrievers is dropped, and said."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from model_data import genre_data
from test_ranker import cases_of, train_components

from models.base import Recommender
from models.dataset import Dataset
from models.progress import Cancelled, Note, Progress
from models.ranker import RankerRecommender
from models.ranker_progress import KEEP_EVERY_ROUNDS, PART_CASES, RankerProgress
from models.ranker_settings import RankerSettings

SETTINGS = RankerSettings(components=("item_knn", "title"), candidates=40, max_rounds=60,
                          early_stopping=60, min_data_in_leaf=10)
"""No early stop before the last round: the rounds go on past every kept one."""


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, dict[str, Recommender]]:
    data = genre_data(n_playlists=240, seed=3).dataset
    components = train_components(data, SETTINGS.components)
    folder = tmp_path_factory.mktemp("retrievers")
    for name, model in components.items():
        model.save(folder / name)  # a token: which save each is, as in the pipeline
    return data, components


def ranker(setup: tuple[Dataset, dict[str, Recommender]], folder: Path | None,
           settings: RankerSettings = SETTINGS) -> RankerRecommender:
    data, components = setup
    model = RankerRecommender(settings, components=components,
                              cases=cases_of(data, list(range(0, data.n_playlists, 2))))
    model.checkpoint_dir = folder
    return model


def stopped_at(setup: tuple[Dataset, dict[str, Recommender]], folder: Path, unit: str,
               done: int) -> None:
    """Fit, cancelled once `done` of `unit` are reported."""
    cancel = threading.Event()

    def watch(progress: Progress) -> None:
        if progress.unit == unit and progress.done >= done:
            cancel.set()

    with pytest.raises(Cancelled):
        ranker(setup, folder).fit(setup[0], watch, cancel)


def resumed(setup: tuple[Dataset, dict[str, Recommender]], folder: Path) -> tuple[
        RankerRecommender, list[str], list[Progress]]:
    model, reports = ranker(setup, folder), []
    model.fit(setup[0], reports.append)
    return model, [r.message for r in reports if isinstance(r, Note)], reports


@pytest.fixture(scope="module")
def uninterrupted(setup: tuple[Dataset, dict[str, Recommender]]) -> str:
    model = ranker(setup, None)
    model.fit(setup[0])
    assert model.history["ran"] == SETTINGS.max_rounds
    return trees(model)


def ranker_history(setup: tuple[Dataset, dict[str, Recommender]]) -> list[float]:
    model = ranker(setup, None)
    model.fit(setup[0])
    return list(model.history["valid_ndcg@100"])


def trees(model: RankerRecommender) -> str:
    """The booster as saved, its trees and their importances (not the parameters it was given,
    which name the rounds asked of that call: 36 for the rounds a resumed one had left)."""
    return model.booster.model_to_string().partition("\nparameters:\n")[0]


def test_a_stop_in_the_candidates_continues_from_them(setup, uninterrupted, tmp_path) -> None:
    stopped_at(setup, tmp_path, "validation playlists", PART_CASES + 30)
    made = PART_CASES + 31  # the case under way when cancelled is finished first
    model, notes, reports = resumed(setup, tmp_path)
    cases = len(ranker(setup, None).cases)
    assert notes == [f"continuing from the candidates of {made} of {cases:,} "
                     "validation playlists"]
    first = next(r for r in reports if r.unit == "validation playlists")
    assert first.done == made, "the kept cases are not made again"
    assert trees(model) == uninterrupted


@pytest.mark.parametrize("stop", [KEEP_EVERY_ROUNDS * 2 + 3, SETTINGS.max_rounds - 1])
def test_a_stop_in_the_rounds_continues_from_them(setup, uninterrupted, tmp_path, stop) -> None:
    """Cancelled in round 24 (kept when cancelled), or in its last round (every round kept,
    the booster not yet saved): the same trees as an uninterrupted training."""
    stopped_at(setup, tmp_path, "rounds", stop)  # the round after the one reported
    model, notes, reports = resumed(setup, tmp_path)
    cases = len(ranker(setup, None).cases)
    assert notes == [f"continuing from round {stop + 1} (the candidates of all {cases:,} "
                     "validation playlists kept)"]
    assert not any(r.unit == "validation playlists" and r.message == "candidate features"
                   for r in reports)
    assert trees(model) == uninterrupted
    assert model.history["ran"] == SETTINGS.max_rounds
    assert model.history["valid_ndcg@100"] == ranker_history(setup)


def test_progress_of_other_settings_is_dropped_and_said(setup, tmp_path) -> None:
    stopped_at(setup, tmp_path, "validation playlists", PART_CASES + 30)
    model = ranker(setup, tmp_path, RankerSettings(**{**SETTINGS.__dict__, "negatives": 50}))
    notes: list[str] = []
    model.fit(setup[0], lambda p: notes.append(p.message) if isinstance(p, Note) else None)
    assert notes == ["data, settings, retrievers or audio features changed since it stopped: "
                     "starting over"]


def test_early_stopping_counts_the_rounds_before_the_stop(setup, tmp_path) -> None:
    """Rounds without a better validation score before the stop count towards early stopping
    after it, as in an uninterrupted run (LightGBM's own counts from the rounds it is given)."""
    early = RankerSettings(**{**SETTINGS.__dict__, "early_stopping": 8, "min_improvement": 0.01})
    whole = ranker(setup, None, early)
    whole.fit(setup[0])
    best, ran = whole.history["rounds"], whole.history["ran"]
    assert ran < early.max_rounds, "stops early"
    stop = best + 2  # between the best round and the end: cancelled in the round after it
    assert stop + 1 < ran
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        ranker(setup, tmp_path, early).fit(
            setup[0], lambda p: cancel.set() if p.unit == "rounds" and p.done >= stop else None,
            cancel)
    again = ranker(setup, tmp_path, early)
    again.fit(setup[0])
    assert trees(again) == trees(whole)
    assert again.history == whole.history



def test_trees_written_after_the_kept_progress_are_not_taken_for_it(setup, uninterrupted, tmp_path,
                                                                    monkeypatch) -> None:
    """Killed between the trees of round 30 and `progress.json` naming them: the rerun continues
    from round 20's trees, whose rounds its kept scores are (one file for both had been
    overwritten by round 30's: the booster then boosted 10 rounds past its 60)."""
    write_state = RankerProgress._write_state

    def killed_at_round_30(progress: RankerProgress) -> None:
        if progress.booster_text is not None and progress.rounds == 3 * KEEP_EVERY_ROUNDS:
            raise SystemExit(137)  # as `kill -9` would, before the progress names the trees
        write_state(progress)

    monkeypatch.setattr(RankerProgress, "_write_state", killed_at_round_30)
    with pytest.raises(SystemExit):
        ranker(setup, tmp_path).fit(setup[0])
    monkeypatch.undo()
    model, notes, _reports = resumed(setup, tmp_path)
    assert notes[0].startswith(f"continuing from round {2 * KEEP_EVERY_ROUNDS} ")
    assert trees(model) == uninterrupted
