"""The ranker's LightGBM LambdaRank booster: training it on validation cases' candidates, with
progress reports and cancelling between boosting rounds. LightGBM is imported only here, on use."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from models.progress import ProgressCallback, check_cancel, report
from models.ranker_settings import RankerSettings


def train_booster(rows: list[tuple[np.ndarray, np.ndarray]], names: Sequence[str],
                  settings: RankerSettings, progress: ProgressCallback | None,
                  cancel: threading.Event | None) -> tuple[Any, dict[str, Any]]:
    """LambdaRank on the cases' candidates, early-stopped on the held-back cases' NDCG
    (None: too few cases with a relevant candidate to learn from)."""
    useful = [(x, y) for x, y in rows if y.any()]
    if len(useful) < 10:
        return None, {"rounds": 0, "cases": len(useful)}
    import lightgbm

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
    evaluations: dict[str, Any] = {}
    booster = lightgbm.train(
        params, train_set, settings.max_rounds, valid_sets=[valid_set], valid_names=["valid"],
        callbacks=[lightgbm.early_stopping(settings.early_stopping, verbose=False,
                                           min_delta=settings.min_improvement),
                   lightgbm.record_evaluation(evaluations),
                   _reporter(progress, cancel, settings.max_rounds)])
    ndcg = evaluations.get("valid", {}).get("ndcg@100", [])
    # "ran": the rounds boosted, one validation score each (early stopping may end before)
    history = {"rounds": int(booster.best_iteration), "ran": len(ndcg), "cases": len(useful),
               "valid_ndcg@100": ndcg}
    importance = booster.feature_importance("gain")
    history["importance"] = {n: float(v) for n, v in zip(names, importance, strict=True)}
    return booster, history


def _dataset(lightgbm: Any, rows: list[tuple[np.ndarray, np.ndarray]], names: Sequence[str],
             reference: Any = None) -> Any:
    return lightgbm.Dataset(np.concatenate([x for x, _ in rows]),
                            np.concatenate([y for _, y in rows]),
                            group=[len(y) for _, y in rows], feature_name=list(names),
                            reference=reference, free_raw_data=True)


def _reporter(progress: ProgressCallback | None, cancel: threading.Event | None,
              rounds: int) -> Callable[[Any], None]:
    def callback(env: Any) -> None:
        check_cancel(cancel)
        ndcg = next((v for _, metric, v, _ in env.evaluation_result_list
                     if metric == "ndcg@100"), 0.0)
        report(progress, "ranker", env.iteration + 1, rounds,
               f"NDCG@100 {ndcg:.3f} (validation)",
               unit="rounds")

    return callback
