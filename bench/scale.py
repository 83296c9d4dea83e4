"""Full-MPD scale: a synthetic 1M-playlist interaction matrix, ALS on it, serving from it.

    .venv/bin/python bench/scale.py [--playlists 1000000] [--tracks 2262292] [--iterations 2]
                                    [--factors 64] [--skip-als] [--two-tower [--two-tower-epochs 1]]

The matrix has the MPD's shape and is built directly as CSR in chunks (no JSON): 1M playlists
of 5-250 tracks (mean ~66), 2.26M tracks with long-tailed popularity (every track in at least
one playlist, about half of them in only a handful), and genre structure (a playlist draws
most tracks from one of 200 genres). Then it trains ALS (models.als, BM25-weighted, implicit's
CPU solver) for a few iterations and prints seconds per iteration and peak RSS, builds the
item index (models.ann) and serves playlists folded in from their seeds through it, against an
exact scan. With --two-tower it also trains the two-tower model (default settings, checkpoints
on) for whole epochs, after timing a few steps with Keras' own Adam as the baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.als import ALSRecommender, ALSSettings
from models.ann import ItemIndex
from models.base import PlaylistQuery
from models.dataset import Dataset
from models.progress import Progress

MPD_PLAYLISTS, MPD_ROWS, MPD_TRACKS = 1_000_000, 66_346_428, 2_262_292
N_GENRES = 50
GENRE_SHARE = 0.7
OVERSAMPLE = 1.5
"""Draws per playlist slot: repeats collapse, then each playlist keeps its target length."""
WORDS = ["chill", "rock", "party", "sleep", "gym", "jazz", "rap", "country", "indie", "edm",
         "study", "summer", "sad", "latin", "metal", "worship", "throwback", "road", "trip", "vibes"]


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


class TrackSampler:
    """Draws tracks by Zipf-like popularity, globally or within a genre (inverse CDF)."""

    def __init__(self, n_tracks: int, rng: np.random.Generator) -> None:
        rank = rng.permutation(n_tracks)
        weight = 1.0 / (rank + 300.0) ** 1.2  # top track in ~50k playlists, MPD: 46,574
        self.genre = rng.integers(0, N_GENRES, n_tracks)
        self.by_genre = np.argsort(self.genre, kind="stable")
        self.genre_cum = np.cumsum(weight[self.by_genre])
        bounds = np.searchsorted(self.genre[self.by_genre], np.arange(N_GENRES + 1))
        self.genre_lo = np.concatenate([[0.0], self.genre_cum])[bounds[:-1]]
        self.genre_hi = self.genre_cum[bounds[1:] - 1]
        self.global_cum = np.cumsum(weight)

    def in_genre(self, genres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        lo, hi = self.genre_lo[genres], self.genre_hi[genres]
        u = lo + rng.random(genres.size) * (hi - lo)
        pos = np.minimum(np.searchsorted(self.genre_cum, u), self.genre_cum.size - 1)
        return self.by_genre[pos]

    def anywhere(self, count: int, rng: np.random.Generator) -> np.ndarray:
        u = rng.random(count) * self.global_cum[-1]
        return np.minimum(np.searchsorted(self.global_cum, u), self.global_cum.size - 1)


def mpd_shaped(n_playlists: int, n_tracks: int, seed: int = 0, chunk: int = 50_000) -> Dataset:
    """A binary playlists x tracks CSR matrix with the MPD's shape, built chunk by chunk."""
    rng = np.random.default_rng(seed)
    sampler = TrackSampler(n_tracks, rng)
    coverage = rng.permutation(n_tracks)  # each track once somewhere: the MPD has no unused track
    covered = 0
    indptr, pieces, playlist_genre = [np.zeros(1, np.int64)], [], []
    for start in range(0, n_playlists, chunk):
        m = min(chunk, n_playlists - start)
        lengths = np.clip(np.rint(rng.lognormal(np.log(50), 0.78, m)), 5, 250).astype(np.int64)
        genres = rng.integers(0, N_GENRES, m)
        rows = np.repeat(np.arange(m), np.rint(lengths * OVERSAMPLE).astype(np.int64))
        tracks = np.where(rng.random(rows.size) < GENRE_SHARE,
                          sampler.in_genre(genres[rows], rng), sampler.anywhere(rows.size, rng))
        share = -(-(n_tracks - covered) * m // (n_playlists - start))  # spread coverage evenly
        slots = rng.choice(rows.size, min(share, rows.size), replace=False)
        tracks[slots] = coverage[covered:covered + slots.size]
        covered += slots.size
        priority = rng.random(rows.size)
        priority[slots] = -1.0  # coverage tracks always survive the cut to length
        kept_tracks, counts = _cut_rows(rows, tracks, priority, lengths)
        pieces.append(kept_tracks)
        indptr.append(np.cumsum(counts) + indptr[-1][-1])
        playlist_genre.append(genres)
    indices = np.concatenate(pieces)
    del pieces
    matrix = sp.csr_matrix((np.ones(indices.size, np.float32), indices, np.concatenate(indptr)),
                           shape=(n_playlists, n_tracks))
    genres = np.concatenate(playlist_genre)
    names = [WORDS[g % len(WORDS)] for g in genres.tolist()]
    artist = sampler.genre * 5_000 + rng.integers(0, 5_000, n_tracks)
    return Dataset(matrix, names, artist, artist * 4 + rng.integers(0, 4, n_tracks),
                   rng.integers(120_000, 300_000, n_tracks), f"scale-{n_playlists}-{n_tracks}")


def _cut_rows(rows: np.ndarray, tracks: np.ndarray, priority: np.ndarray, lengths: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per row: distinct tracks, the `lengths[row]` of lowest priority, sorted by track id."""
    order = np.lexsort((priority, tracks, rows))
    rows, tracks, priority = rows[order], tracks[order], priority[order]
    first = np.ones(rows.size, bool)
    first[1:] = (rows[1:] != rows[:-1]) | (tracks[1:] != tracks[:-1])
    rows, tracks, priority = rows[first], tracks[first], priority[first]
    order = np.lexsort((priority, rows))
    rows, tracks = rows[order], tracks[order]
    counts = np.bincount(rows, minlength=lengths.size)
    rank = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    keep = rank < lengths[rows]
    rows, tracks = rows[keep], tracks[keep]
    order = np.lexsort((tracks, rows))
    return tracks[order].astype(np.int32), np.bincount(rows, minlength=lengths.size)


def describe(data: Dataset, seconds: float) -> None:
    popularity = data.track_popularity()
    lengths = np.diff(data.interactions.indptr)
    print(f"matrix: {data.n_playlists:,} playlists x {data.n_tracks:,} tracks, "
          f"{data.interactions.nnz:,} rows (MPD: {MPD_ROWS:,}), built in {seconds:.0f} s")
    print(f"  playlist length mean {lengths.mean():.1f}, median {np.median(lengths):.0f}; tracks "
          f"used {np.count_nonzero(popularity):,}, in 1 playlist {np.mean(popularity == 1):.0%}, "
          f"most popular in {popularity.max():,} playlists")
    print(f"  peak RSS so far {peak_rss_gb():.2f} GB ({load()})", flush=True)


class IterationClock:
    def __init__(self) -> None:
        self.times: list[float] = [time.perf_counter()]
        self.index_started: float | None = None

    def __call__(self, progress: Progress) -> None:
        if progress.message.startswith("iteration"):
            self.times.append(time.perf_counter())
            print(f"  {progress.message}   peak RSS {peak_rss_gb():.2f} GB ({load()})", flush=True)
        elif progress.message.startswith("training the product") and self.index_started is None:
            self.index_started = time.perf_counter()


def bench_als(data: Dataset, factors: int, iterations: int, n_queries: int,
              save_to: Path | None) -> None:
    settings = ALSSettings(factors=factors, iterations=iterations)
    print(f"\nALS: {factors} factors, {iterations} iterations, BM25 weights, implicit CPU solver")
    model, clock = ALSRecommender(settings), IterationClock()
    started = time.perf_counter()
    model.fit(data, progress=clock)
    done = time.perf_counter()
    per_iteration = np.diff(clock.times[1:]) if len(clock.times) > 2 else np.diff(clock.times)
    index_s = done - (clock.index_started or done)
    print(f"  setup (BM25, implicit's copies) + first iteration {clock.times[1] - clock.times[0]:.0f} s;"
          f" later iterations {np.mean(per_iteration):.0f} s each; index build {index_s:.0f} s; "
          f"whole fit {done - started:.0f} s")
    print(f"  peak RSS {peak_rss_gb():.2f} GB (target <= 12 GB)", flush=True)
    serve_als(model, data, n_queries, save_to)


def serve_als(model: ALSRecommender, data: Dataset, n_queries: int, save_to: Path | None) -> None:
    """Playlists of the matrix folded in from 5-25 of their tracks: index vs exact scan."""
    assert model.index is not None
    exact = ItemIndex(model.item_factors)
    rng = np.random.default_rng(7)
    rows = rng.choice(data.n_playlists, n_queries, replace=False)
    timings, recalls, queries, seed_lists = {"index": [], "exact": []}, [], [], []
    for row in rows:
        tracks = data.interactions.indices[data.interactions.indptr[row]:data.interactions.indptr[row + 1]]
        seeds = rng.choice(tracks, min(tracks.size, int(rng.choice([5, 10, 25]))), replace=False)
        start = time.perf_counter()
        found = model.recommend(PlaylistQuery.of("", seeds.tolist()), 500)
        timings["index"].append(time.perf_counter() - start)
        start = time.perf_counter()
        query = model.playlist_factors(seeds)
        truth = exact.search(query, 500, seeds)
        queries.append(query)
        seed_lists.append(seeds)
        timings["exact"].append(time.perf_counter() - start)
        recalls.append(np.intersect1d(found.ids, truth.ids).size / max(1, len(truth)))
    print(f"  suggestions (fold-in + top-500), {n_queries} playlists, index "
          f"{'on' if model.index.approximate else 'off'}:")
    for name, ms in timings.items():
        ms = np.asarray(ms) * 1000
        print(f"    {name:5s} p50 {np.median(ms):6.2f} ms  p95 {np.percentile(ms, 95):6.2f} ms")
    print(f"    recall@500 of the index vs exact on these ALS factors: mean {np.mean(recalls):.3f}, "
          f"min {np.min(recalls):.3f} ({load()})", flush=True)
    if save_to is not None:
        np.savez(save_to, vectors=model.item_factors, queries=np.asarray(queries),
                 seeds=np.concatenate(seed_lists), seed_counts=[len(s) for s in seed_lists])
        print(f"  item factors and queries saved to {save_to}")


class StepClock:
    """Times two-tower training steps from its progress reports; cancels after `stop_after`."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.started = time.perf_counter()
        self.steps: list[float] = []
        self.epoch_end: dict[str, float] = {}
        """When validation and the checkpoint finished, after the last step."""
        self.peak_rss: dict[str, float] = {}
        self.stop_after = stop_after
        self.cancel = threading.Event()

    def __call__(self, progress: Progress) -> None:
        now = time.perf_counter()
        if progress.message.startswith("epoch"):
            self.steps.append(now)
            if self.stop_after is not None and len(self.steps) >= self.stop_after:
                self.cancel.set()
        elif progress.message.startswith(("validation", "checkpoint")):
            self.epoch_end[progress.message.split()[0]] = now
            self.peak_rss[progress.message.split()[0]] = peak_rss_gb()

    def examples_per_s(self, batch: int, skip: int = 5) -> float:
        """Steady-state rate, leaving out the first steps (tracing, warm-up)."""
        times = self.steps[skip:]
        return (len(times) - 1) * batch / (times[-1] - times[0]) if len(times) > 1 else float("nan")


def bench_two_tower(data: Dataset, fraction: float, epochs: int, baseline_steps: int) -> None:
    from models.progress import Cancelled
    from models.two_tower import TwoTowerRecommender

    part = data if fraction >= 1 else data.with_rows(np.arange(int(data.n_playlists * fraction)),
                                                     f"two-tower-{fraction}")
    print(f"\ntwo-tower: {part.n_playlists:,} playlists, {part.n_tracks:,} tracks, default "
          f"settings, {epochs} epoch(s) ({load()})", flush=True)
    model, clock = TwoTowerRecommender(epochs=epochs, patience=epochs), StepClock()
    batch = model.settings.batch_size
    with tempfile.TemporaryDirectory(prefix="two-tower-checkpoints-") as checkpoints:
        model.checkpoint_dir = Path(checkpoints)
        model.fit(part, progress=clock)
        finished = time.perf_counter()
        checkpoint_gb = sum(p.stat().st_size for p in Path(checkpoints).iterdir()) / 2**30
    fit_peak_gb = peak_rss_gb()
    # the baseline runs second: peak RSS only grows, and the figure above is lazy Adam's own
    baseline = StepClock(stop_after=baseline_steps)
    with contextlib.suppress(Cancelled):
        TwoTowerRecommender(lazy_adam=False).fit(part, progress=baseline, cancel=baseline.cancel)
    lazy, dense = clock.examples_per_s(batch), baseline.examples_per_s(batch)
    steps_per_epoch = len(clock.steps) // epochs
    epoch_s = (clock.steps[-1] - clock.steps[0]) / len(clock.steps) * steps_per_epoch
    print(f"  Keras Adam (every embedding row, every step), {baseline_steps} steps: "
          f"{dense:,.0f} examples/s")
    print(f"  lazy Adam (rows in the batch only): {lazy:,.0f} examples/s = {lazy / dense:.1f}x")
    print(f"  epoch: {steps_per_epoch:,} steps x {batch} = {steps_per_epoch * batch:,} examples "
          f"in {epoch_s / 60:.1f} min")
    validated = clock.epoch_end.get("validation", clock.steps[-1])
    saved = clock.epoch_end.get("checkpoint", validated)
    print(f"  before the first step (catalog, vocabularies, tracing) "
          f"{clock.steps[0] - clock.started:.0f} s; after the last: validation "
          f"{validated - clock.steps[-1]:.0f} s, checkpoint {saved - validated:.0f} s, best "
          f"weights + export + item index {finished - saved:.0f} s")
    peaks = ", ".join(f"{stage} {gb:.2f} GB" for stage, gb in clock.peak_rss.items())
    print(f"  checkpoint on disk {checkpoint_gb:.2f} GB; peak RSS of the fit {fit_peak_gb:.2f} GB "
          f"(by the end of: {peaks}) ({load()})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--playlists", type=int, default=MPD_PLAYLISTS)
    parser.add_argument("--tracks", type=int, default=MPD_TRACKS)
    parser.add_argument("--factors", type=int, default=ALSSettings().factors)
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--two-tower", action="store_true", help="also train the two-tower model")
    parser.add_argument("--two-tower-fraction", type=float, default=1.0,
                        help="share of the playlists it trains on (all tracks stay)")
    parser.add_argument("--two-tower-epochs", type=int, default=1)
    parser.add_argument("--baseline-steps", type=int, default=40,
                        help="steps timed with Keras' Adam, the baseline for lazy Adam")
    parser.add_argument("--skip-als", action="store_true")
    parser.add_argument("--save-factors", type=Path, metavar="NPZ",
                        help="save the ALS item factors and fold-in queries (bench/serve.py --vectors)")
    args = parser.parse_args()
    ram_gb = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    print(f"bench/scale.py: {load()}, {ram_gb:.0f} GiB RAM")
    started = time.perf_counter()
    data = mpd_shaped(args.playlists, args.tracks)
    describe(data, time.perf_counter() - started)
    if not args.skip_als:
        bench_als(data, args.factors, args.iterations, args.queries, args.save_factors)
    if args.two_tower:
        bench_two_tower(data, args.two_tower_fraction, args.two_tower_epochs, args.baseline_steps)


if __name__ == "__main__":
    main()
