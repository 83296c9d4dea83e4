"""Refit the ranker alone and compare it, category by category, with the saved ranker and ALS.

    .venv/bin/python bench/ranker_refit.py CACHE_DIR [--seed 0] [--train-category first_5]
                                           [--json OUT.json] [--against BEFORE.json]

CACHE_DIR holds data and a trained `ranker` (after `mpdtui --cache-dir DIR --train`). The
booster is trained again in this process, by the code as it is now, on the saved retrievers
and the same validation cases as `--train` gives it; nothing in CACHE_DIR is written (so the
saved ranker, trained by the code before an edit, stays the baseline). All three are scored
on the same held-out playlists: R-precision per challenge category, and the refit's paired
lead over the saved ranker and over ALS with Student's t 95% interval (`models.evaluation
.leads`). With the code unchanged and `--seed 0` the refit equals the saved ranker; other
seeds (negatives drawn, LightGBM's seed) show what a retraining alone moves, the noise a
change must beat. `--train-category` trains the booster on that category's cases only (is
the one booster for every category the cause of a weak category?). A change that adds or drops
a feature leaves the saved ranker unloadable ("trained on other retrievers or features"): then
`--json BEFORE.json` with the code before, and `--against BEFORE.json` with the change, compare
the two refits on the same playlists.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from models.base import link_fallbacks
from models.evaluation import CATEGORY_KEYS, evaluate
from models.leads import leads
from models.model_dir import ModelFormatError
from models.ranker import RankerRecommender
from models.ranker_settings import RankerSettings
from mpdtui import splits
from mpdtui.data.catalog import Catalog
from mpdtui.locations import Locations
from mpdtui.services.root import open_services

REFIT, SAVED, BEFORE = "refit", "saved ranker", "before"


def refit(cache_dir: Path, seed: int, train_category: str | None) -> dict[str, Any]:
    """The evaluation report of the refit ranker, the saved one (where it loads) and ALS."""
    locations = Locations.resolve(cache_dir)
    store = open_services(locations).models
    saved = None
    try:
        loaded = store.model("ranker")
        saved = loaded if isinstance(loaded, RankerRecommender) else None
    except ModelFormatError as error:
        print(f"the saved ranker is left out: {error}")
    settings = saved.settings if saved is not None else RankerSettings()
    components = {name: store.model(name) for name in settings.components}
    cases = splits.ranker_cases(locations)
    if train_category is not None:
        cases = tuple(case for case in cases if case.category == train_category)
    ranker = RankerRecommender(settings, components, cases, seed=seed)
    ranker.fit(store.training_data())
    link_fallbacks({REFIT: ranker, "title": store.model("title")})
    split = splits.training_split(locations, need_cases=True, write=False)
    assert split.challenge is not None
    with Catalog.open(locations) as catalog:
        track_artist = catalog.track_arrays()[0]
    models = {REFIT: ranker, **({SAVED: saved} if saved is not None else {}),
              "als": store.model("als")}
    report = evaluate(models, split.challenge.cases, track_artist, k=500)
    report["categories_of_cases"] = [case.category for case in split.challenge.cases]
    report["refit"] = {"seed": seed, "train_category": train_category, "cases": len(cases),
                       "rounds": ranker.history.get("rounds", 0)}
    return report


def with_before(report: dict[str, Any], before: Mapping[str, Any]) -> None:
    """`before`'s refit (an earlier run's `--json`) beside this report's models, per playlist."""
    if before["categories_of_cases"] != report["categories_of_cases"]:
        raise SystemExit("--against: that report scored other held-out playlists")
    report["models"][BEFORE] = before["models"][REFIT]


def in_category(report: Mapping[str, Any], key: str | None) -> dict[str, Any]:
    """The report's per-playlist R-precision of the playlists of one category (None: all)."""
    keep = [i for i, category in enumerate(report["categories_of_cases"])
            if key is None or category == key]
    return {"n_cases": len(keep), "models": {
        name: {"per_case": {"r_precision": [result["per_case"]["r_precision"][i] for i in keep]}}
        for name, result in report["models"].items()}}


def lead_of_refit(report: Mapping[str, Any], other: str) -> str:
    """The refit's mean paired lead over `other` and its 95% interval."""
    pair = {**report, "models": {n: report["models"][n] for n in (REFIT, other)}}
    found = leads(pair)
    if not found:
        return "-"
    lead = found[0]
    sign = 1 if lead.best == REFIT else -1
    low, high = sorted((sign * lead.low, sign * lead.high))
    return f"{sign * lead.ahead_by:+.4f} [{low:+.4f}, {high:+.4f}]"


def print_report(report: Mapping[str, Any]) -> None:
    about = report["refit"]
    print(f"refit: seed {about['seed']}, {about['cases']:,} validation cases"
          f"{' of ' + about['train_category'] if about['train_category'] else ''}, "
          f"best round {about['rounds']}; R-precision on {report['n_cases']:,} held-out playlists")
    names = list(report["models"])
    others = [n for n in names if n != REFIT]
    print(f"{'category':<17} {'n':>4} " + " ".join(f"{n:>12}" for n in names) + "   "
          + " ".join(f"{'refit - ' + n + ' (95%)':<30}" for n in others))
    for key in (*CATEGORY_KEYS, None):
        part = in_category(report, key)
        if not part["n_cases"]:
            continue
        means = [sum(v) / len(v) for v in (part["models"][n]["per_case"]["r_precision"]
                                          for n in names)]
        print(f"{key or 'overall':<17} {part['n_cases']:>4} "
              + " ".join(f"{m:>12.4f}" for m in means)
              + "   " + " ".join(f"{lead_of_refit(part, n):<30}" for n in others))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0, help="the refit ranker's seed")
    parser.add_argument("--train-category", choices=CATEGORY_KEYS,
                        help="train the booster on this category's validation cases only")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--against", type=Path,
                        help="an earlier run's --json: its refit is compared as 'before'")
    args = parser.parse_args()
    report = refit(args.cache_dir, args.seed, args.train_category)
    if args.against is not None:
        with_before(report, json.loads(args.against.read_text()))
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report))


if __name__ == "__main__":
    main()
