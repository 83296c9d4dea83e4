"""The ranker's LightGBM LambdaRank booster: training it on validation cases' candidates, with
progress reports, cancelling between boosting rounds, and continuing from the rounds a stopped
training kept (`models.ranker_progress`). LightGBM is imported only here, on use."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from models.progress import Cancelled, ProgressCallback, check_cancel, report
from models.ranker_progress import KEEP_EVERY_ROUNDS, RankerProgress
from models.ranker_settings import RankerSettings

VALID = "valid"


def train_booster(rows: list[tuple[np.ndarray, np.ndarray]], names: Sequence[str],
                  settings: RankerSettings, progress: ProgressCallback | None,
                  cancel: threading.Event | None,
                  kept: RankerProgress | None = None) -> tuple[Any, dict[str, Any]]:
    """LambdaRank on the cases' candidates, early-stopped on the held-back cases' NDCG
    (None: too few cases with a relevant candidate to learn from). With `kept` holding a
    stopped training's trees, it goes on from them to the booster an uninterrupted run makes."""
    useful = [(x, y) for x, y in rows if y.any()]
    if len(useful) < 10:
        return None, {"rounds": 0, "cases": len(useful)}
    import lightgbm

    kept = kept or RankerProgress(None)
    valid = np.arange(len(useful)) % round(1 / settings.valid_share) == 0
    train_set = _dataset(lightgbm, [r for r, v in zip(useful, valid, strict=True) if not v], names)
    valid_set = _dataset(lightgbm, [r for r, v in zip(useful, valid, strict=True) if v], names,
                         reference=train_set)
    params = {
        "objective": "lambdarank", "metric": "ndcg", "eval_at": [10, 100],
        "learning_rate": settings.learning_rate, "num_leaves": settings.num_leaves,
        "min_data_in_leaf": settings.min_data_in_leaf,
        "lambdarank_truncation_level": settings.truncation, "feature_pre_filter": False,
        "seed": settings.seed, "deterministic": True, "num_threads": 0, "verbose": -1,
    }
    rounds = _Rounds(progress, cancel, settings.max_rounds, kept)
    stopping = _Resumable(lightgbm.early_stopping(settings.early_stopping, verbose=False,
                                                  min_delta=settings.min_improvement))
    init = None
    if kept.booster_text is not None:
        init = lightgbm.Booster(model_str=kept.booster_text)
        best = stopping.replay(kept.evaluations, params, settings.max_rounds)
        if best is not None:  # it had stopped (early, or at the last round) as it was kept
            init.best_iteration = best + 1
            return _with_history(_best_only(lightgbm, init), rounds.evaluations, names,
                                 len(useful))
    booster = lightgbm.train(
        params, train_set, settings.max_rounds - kept.rounds, valid_sets=[valid_set],
        valid_names=[VALID], init_model=init, callbacks=[rounds, stopping])
    return _with_history(booster, rounds.evaluations, names, len(useful))


def _with_history(booster: Any, evaluations: dict[str, list[float]], names: Sequence[str],
                  cases: int) -> tuple[Any, dict[str, Any]]:
    ndcg = evaluations.get("ndcg@100", [])
    # "ran": the rounds boosted, one validation score each (early stopping may end before)
    history = {"rounds": int(booster.best_iteration), "ran": len(ndcg), "cases": cases,
               "valid_ndcg@100": ndcg}
    importance = booster.feature_importance("gain")
    history["importance"] = {n: float(v) for n, v in zip(names, importance, strict=True)}
    return booster, history


def _best_only(lightgbm: Any, booster: Any) -> Any:
    """The booster's trees up to its best round, as `lightgbm.train` returns them."""
    best = booster.best_iteration
    booster = lightgbm.Booster(model_str=booster.model_to_string())
    booster.best_iteration = best
    return booster


def _dataset(lightgbm: Any, rows: list[tuple[np.ndarray, np.ndarray]], names: Sequence[str],
             reference: Any = None) -> Any:
    return lightgbm.Dataset(np.concatenate([x for x, _ in rows]),
                            np.concatenate([y for _, y in rows]),
                            group=[len(y) for _, y in rows], feature_name=list(names),
                            reference=reference, free_raw_data=True)


class _Rounds:
    """After each round, before early stopping looks at it: records its validation scores,
    keeps the trees every `KEEP_EVERY_ROUNDS` rounds and when cancelled, then reports."""

    def __init__(self, progress: ProgressCallback | None, cancel: threading.Event | None,
                 rounds: int, kept: RankerProgress) -> None:
        # the instance's own: `lightgbm.train` gives an instance without them an order of its own
        self.order, self.before_iteration = 20, False
        self.progress, self.cancel, self.rounds, self.kept = progress, cancel, rounds, kept
        self.evaluations = {name: list(values) for name, values in kept.evaluations.items()}

    def __call__(self, env: Any) -> None:
        for result in env.evaluation_result_list:
            self.evaluations.setdefault(result.metric_name, []).append(result.metric_value)
        done = env.iteration + 1
        try:
            check_cancel(self.cancel)
        except Cancelled:
            self._keep(env)
            raise
        if done % KEEP_EVERY_ROUNDS == 0:
            self._keep(env)
        ndcg = self.evaluations.get("ndcg@100", [0.0])[-1]
        report(self.progress, "ranker", done, self.rounds, f"NDCG@100 {ndcg:.3f} (validation)",
               unit="rounds")

    def _keep(self, env: Any) -> None:
        self.kept.keep_booster(env.model.model_to_string(num_iteration=-1), self.evaluations)


class _Resumable:
    """LightGBM's early stopping, told the rounds a stopped training had boosted: it counts
    from the first round, as in an uninterrupted run, not from those it continues with."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.order, self.before_iteration = inner.order, False

    def __call__(self, env: Any) -> None:
        self.inner(dataclasses.replace(env, begin_iteration=0))

    def replay(self, evaluations: dict[str, list[float]], params: dict[str, Any],
               rounds: int) -> int | None:
        """Show it the kept rounds' scores; the best round (0-based) where they had ended the
        training, else None."""
        import lightgbm

        names = list(evaluations)
        for i in range(len(evaluations[names[0]]) if names else 0):
            results = [lightgbm.EvalResult(VALID, n, evaluations[n][i], True) for n in names]
            no_booster: Any = None  # early stopping reads only the scores
            env = lightgbm.callback.CallbackEnv(no_booster, params, i, 0, rounds, results)
            try:
                self.inner(env)
            except lightgbm.callback.EarlyStopException as stop:
                return int(stop.best_iteration)
        return None
