"""A full-MPD estimate of `mpdtui --train` from one measured run's per-stage rates.

Each stage is scaled by what its work grows with (measured wall seconds here, on this data):

- ingest, features, split, popularity, title, item_knn: per row (playlist-track pair): one pass
  over the rows, or sparse products whose work follows them (item-kNN's co-occurrences grow
  with rows x mean playlist length, which the demo shares with the MPD: 65 vs 66);
- als: the README's full-scale figure (issue 7: 17-20 s per iteration at 65.9M rows, 15
  iterations) plus its item index build at 2.26M tracks (39-81 s with lists of 500, issue 16);
- two_tower: the README's full-scale epoch (5.1 min of steps + 20 s validation + 12 s
  checkpoint) times the epochs this run trained (early stopping, at most 30), plus the index
  build and 21 s of set-up;
- ranker, evaluate: a fixed number of cases (8,000 validation cases at most, 1,000 held-out
  playlists), each a few retrievals: scaled by the per-query cost of a retrieval at 2.26M
  tracks over the one here, taken as linear in the catalog for what scans it (an upper
  bound: ALS and two-tower go through the item index, ~5 ms at 2.26M, README), the booster
  itself unchanged.

Wall times on this machine (2 cores); the MPD's figures: 1,000,000 playlists, 66,346,428
rows, 2,262,292 tracks.
"""

from __future__ import annotations

from typing import Any

from models.model_dir import peek_meta
from mpdtui.locations import Locations

MPD_PLAYLISTS, MPD_ROWS, MPD_TRACKS = 1_000_000, 66_346_428, 2_262_292
ALS_ITERATION_S = (17.0, 20.0)
INDEX_BUILD_S = (39.0, 81.0)
TT_EPOCH_S = 5.1 * 60 + 20 + 12
TT_SETUP_S = 21.0 + 14.0
PER_ROW = ("ingest", "features", "split", "popularity", "title", "item_knn", "source", "demo")


def data_size(locations: Locations) -> tuple[int, int, int]:
    """Playlists, rows and tracks of the run's data."""
    from mpdtui.data.matrices import load_interactions

    matrix, _ = load_interactions(locations)
    return matrix.shape[0], int(matrix.nnz), matrix.shape[1]


def two_tower_epochs(locations: Locations) -> int:
    meta = peek_meta(locations.model_dir("two_tower"))
    return len(meta.get("settings", {}).get("history", {}).get("loss", [])) or 30


def estimate(stages: dict[str, float], locations: Locations) -> list[tuple[str, float, float, str]]:
    """(stage, low seconds, high seconds, how) at the MPD's size."""
    _, rows, tracks = data_size(locations)
    row_ratio, track_ratio = MPD_ROWS / rows, MPD_TRACKS / tracks
    out: list[tuple[str, float, float, str]] = []
    for name, wall in stages.items():
        if name in PER_ROW:
            out.append((name, wall * row_ratio, wall * row_ratio,
                        f"{rows / max(wall, 1e-9):,.0f} rows/s x {MPD_ROWS:,} rows"))
        elif name == "als":
            low, high = (15 * s + b for s, b in zip(ALS_ITERATION_S, INDEX_BUILD_S, strict=True))
            out.append((name, low, high, "15 iterations x 17-20 s + index build (README)"))
        elif name == "two_tower":
            epochs = two_tower_epochs(locations)
            low = epochs * TT_EPOCH_S + TT_SETUP_S + INDEX_BUILD_S[0]
            out.append((name, low, low - INDEX_BUILD_S[0] + INDEX_BUILD_S[1],
                        f"{epochs} epochs (this run) x {TT_EPOCH_S / 60:.1f} min (README) + index"))
        else:  # per case: the same cases, each retrieval scanning a larger catalog
            out.append((name, wall, wall * track_ratio,
                        f"same cases; up to x{track_ratio:.1f} per retrieval (catalog)"))
    return out


def print_estimate(run: Any, locations: Locations) -> None:
    stages = {s.name: s.wall for s in run.stages}
    rows = estimate(stages, locations)
    print(f"\nfull-MPD estimate ({MPD_PLAYLISTS:,} playlists, {MPD_ROWS:,} rows, "
          f"{MPD_TRACKS:,} tracks), wall on this machine:")
    for name, low, high, how in rows:
        span = f"{low / 60:7.1f} min" if abs(high - low) < 1 else \
            f"{low / 60:5.1f}-{high / 60:.1f} min"
        print(f"  {name:<11} {span:>16}  {how}")
    low, high = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"  {'total':<11} {low / 3600:5.1f}-{high / 3600:.1f} h  (one stage after another)")
    fits = [s for s in run.stages if s.name == "two_tower"]
    beside = set(run.beside(fits[0])) & {r[0] for r in rows} if fits else set()
    if beside:
        low, high = (overlapped(rows, beside, column) for column in (1, 2))
        print(f"  {'overlapped':<11} {low / 3600:5.1f}-{high / 3600:.1f} h  (two_tower beside "
              f"{', '.join(sorted(beside))}, as in this run, with a core free for them)")


def overlapped(rows: list[tuple[str, float, float, str]], beside: set[str], column: int) -> float:
    """The total when the stages in `beside` run beside two_tower: the longer of the two."""
    seconds = {row[0]: float(row[column]) for row in rows}
    chain = sum(seconds[name] for name in beside)
    rest = sum(value for name, value in seconds.items() if name not in beside | {"two_tower"})
    return rest + max(seconds.get("two_tower", 0.0), chain)
