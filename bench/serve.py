"""Serving bench: exact top-500 vs the item index (models.ann), three vector families, growing catalogs.

    .venv/bin/python bench/serve.py [--sizes 100000 500000 2262292] [--families als two_tower issue]
                                    [--dim 128] [--queries 200] [--passes 3]
    .venv/bin/python bench/serve.py --compare 2262292 [--families issue] [--only ann norm]
                                    # the same queries through other indexes (faiss, HNSW libraries)
    .venv/bin/python bench/serve.py --vectors als.npz
                                    # real ALS factors from `bench/scale.py --save-factors`

Vector families (synthetic, each with its own queries; see `FAMILIES`):
- `als`: ALS-like factors, clusters inside genres, log-normal norms spanning orders of
  magnitude (sigma 1); a query is the mean of 1-100 seeds of one cluster (drawn by norm,
  as popular tracks fill playlists) plus two random items;
- `two_tower`: two-tower-like candidate vectors, clustered latents through a ReLU layer and a
  linear output, norms about 1; queries through the same tower;
- `issue`: issue 16's "vectors it was not tuned on": Zipf-sized clusters in an anisotropic
  space, norms shaped by a Zipf popularity; a query is the noisy mean of 5-50 items.
The seeds are excluded from the results.

For each family and size, one query at a time (OPENBLAS_NUM_THREADS=1, faiss on one thread),
each query runs through the exact scan (`vectors @ q` + top-500, the baseline) and then the
index, `--passes` times over all queries (then the index alone, back to back: the exact scan
between queries flushes the caches the index would find warm in the app); it prints per pass
p50/p95 of both, and the median over passes, index build time and memory, recall@500 of the
index against the exact top-500, and where the time goes (choosing lists + scanning codes vs
re-scoring). Timings on a shared machine move with its load, which is printed with them.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one query at a time, like the app

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.ann import ItemIndex
from models.ann_index import IndexSettings
from models.topk import top_k

K = 500
MPD_TRACKS = 2_262_292
CHUNK = 250_000
TARGET_P95_MS = 5.0
TARGET_RECALL = 0.95
Query = tuple[np.ndarray, np.ndarray]
Catalog = tuple[np.ndarray, list[Query]]
Search = Callable[[np.ndarray, np.ndarray], np.ndarray]
HNSW_WIDTHS = (1, 3)
"""HNSW search widths (ef) as multiples of the candidates fetched."""


# --- vector families ----------------------------------------------------------------------

def als_like(n: int, dim: int, n_queries: int, seed: int = 0) -> Catalog:
    """ALS factors: clusters inside genres, log-normal norms (sigma 1: the 1st-99th percentile
    span 100x) that popular items owe their reach to. A query is the mean of 1-100 seeds of
    one cluster, drawn by norm (popular tracks fill playlists), plus two random items."""
    rng = np.random.default_rng(seed)
    n_clusters = max(16, n // 1000)
    genres = rng.normal(0, 1, (max(4, n_clusters // 25), dim))
    centres = (0.7 * genres[rng.integers(len(genres), size=n_clusters)]
               + rng.normal(0, 0.7, (n_clusters, dim))) / np.sqrt(dim)
    cluster = _cluster_of_items(rng, n, n_clusters)
    norms = rng.lognormal(0, 1.0, n).astype(np.float32)
    vectors = _around(rng, centres.astype(np.float32), cluster, 0.7 / np.sqrt(dim))
    vectors *= norms[:, None]
    queries = []
    for members, weight in _clusters_drawn(rng, cluster, n_queries, norms):
        seeds = _draw(rng, members, weight, int(rng.choice([1, 5, 10, 25, 100])))
        seeds = np.unique(np.concatenate([seeds, rng.choice(n, 2, replace=False)]))
        queries.append((vectors[seeds].mean(axis=0), seeds))
    return vectors, queries


def two_tower_like(n: int, dim: int, n_queries: int, seed: int = 2) -> Catalog:
    """Two-tower candidate vectors: clustered 32-dim latents through a ReLU layer (256) and a
    linear output, so every vector shares the ReLU's mean direction; norms about 1 (log-normal,
    sigma 0.15). A query is the same tower on the mean latent of 1-100 seeds of one cluster,
    with noise."""
    rng = np.random.default_rng(seed)
    latent_dim, hidden = 32, 256
    centres = rng.normal(0, 1, (max(16, n // 1000), latent_dim)).astype(np.float32)
    cluster = _cluster_of_items(rng, n, len(centres))
    latents = _around(rng, centres, cluster, 0.6)
    w1 = rng.normal(0, 1 / np.sqrt(latent_dim), (latent_dim, hidden)).astype(np.float32)
    b1 = rng.normal(0, 0.5, hidden).astype(np.float32)
    w2 = rng.normal(0, 1 / np.sqrt(hidden), (hidden, dim)).astype(np.float32)

    def tower(x: np.ndarray) -> np.ndarray:
        out = np.maximum(x @ w1 + b1, 0) @ w2
        return out / np.linalg.norm(out, axis=-1, keepdims=True)

    vectors = np.concatenate([tower(latents[s:s + CHUNK]) for s in range(0, n, CHUNK)])
    vectors *= rng.lognormal(0, 0.15, (n, 1)).astype(np.float32)
    queries = []
    for members, weight in _clusters_drawn(rng, cluster, n_queries):
        seeds = _draw(rng, members, weight, int(rng.choice([1, 5, 10, 25, 100])))
        latent = latents[seeds].mean(axis=0) + rng.normal(0, 0.3, latent_dim).astype(np.float32)
        queries.append((tower(latent), seeds))
    return vectors, queries


def issue_like(n: int, dim: int, n_queries: int, seed: int = 5) -> Catalog:
    """Issue 16's vectors the index was not tuned on: clusters of Zipf-distributed sizes in an
    anisotropic space (variance falling with the dimension), norms shaped by popularity
    (count^0.4 of a Zipf playlist count, top track ~46k playlists: 1x to 70x). A query is the
    noisy mean of 5-50 items of one cluster, drawn by popularity."""
    rng = np.random.default_rng(seed)
    scale = (1.0 / np.sqrt(np.arange(1, dim + 1))).astype(np.float32)
    n_clusters = max(16, n // 500)
    centres = rng.normal(0, 1, (n_clusters, dim)).astype(np.float32) * scale
    sizes = 1.0 / np.arange(1, n_clusters + 1) ** 0.8
    cluster = rng.choice(n_clusters, n, p=sizes / sizes.sum())
    vectors = _around(rng, centres, cluster, 0.8 * scale)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    counts = 46_000 * (300 / (rng.permutation(n) + 300.0)) ** 1.2
    popularity = (1 + counts).astype(np.float32)
    vectors *= (popularity ** 0.4)[:, None]
    queries = []
    for members, weight in _clusters_drawn(rng, cluster, n_queries, popularity):
        items = _draw(rng, members, weight, int(rng.integers(5, 51)))
        mean = vectors[items].mean(axis=0)
        noise = rng.normal(0, 0.5 * np.linalg.norm(mean) / np.sqrt(dim), dim)
        queries.append(((mean + noise).astype(np.float32), items))
    return vectors, queries


FAMILIES: dict[str, Callable[[int, int, int], Catalog]] = {
    "als": als_like, "two_tower": two_tower_like, "issue": issue_like}


def _cluster_of_items(rng: np.random.Generator, n: int, n_clusters: int) -> np.ndarray:
    weights = rng.lognormal(0, 1.0, n_clusters)
    return rng.choice(n_clusters, n, p=weights / weights.sum())


def _around(rng: np.random.Generator, centres: np.ndarray, cluster: np.ndarray,
            spread: float | np.ndarray) -> np.ndarray:
    """centres[cluster] plus Gaussian noise of `spread`, float32, in bounded memory."""
    out = np.empty((cluster.size, centres.shape[1]), np.float32)
    for start in range(0, cluster.size, CHUNK):
        stop = min(cluster.size, start + CHUNK)
        noise = rng.standard_normal((stop - start, centres.shape[1]), dtype=np.float32)
        out[start:stop] = centres[cluster[start:stop]] + noise * np.float32(spread)
    return out


def _clusters_drawn(rng: np.random.Generator, cluster: np.ndarray, count: int,
                    weight: np.ndarray | None = None
                    ) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """`count` times: the members of the cluster of a random item, and their weights."""
    order = np.argsort(cluster, kind="stable")
    starts = np.searchsorted(cluster[order], np.arange(cluster.max() + 2))
    for _ in range(count):
        c = cluster[rng.integers(cluster.size)]
        members = order[starts[c]:starts[c + 1]]
        yield members, (None if weight is None else weight[members])


def _draw(rng: np.random.Generator, members: np.ndarray, weight: np.ndarray | None,
          count: int) -> np.ndarray:
    """`count` distinct members (all when fewer), by weight when given."""
    p = None if weight is None else weight / weight.sum()
    return np.sort(rng.choice(members, min(count, members.size), replace=False, p=p))


def saved(path: Path, n_queries: int) -> Catalog:
    """Item vectors and fold-in queries saved by `bench/scale.py --save-factors`."""
    with np.load(path) as z:
        vectors, queries = np.ascontiguousarray(z["vectors"], np.float32), z["queries"]
        seeds = np.split(z["seeds"], np.cumsum(z["seed_counts"])[:-1])
    return vectors, list(zip(queries, seeds, strict=True))[:n_queries]


# --- measuring ----------------------------------------------------------------------------

@dataclass
class Timings:
    """Milliseconds per query (rows: passes, columns: queries) for each searcher."""

    ms: dict[str, np.ndarray]
    cpu_ms: dict[str, np.ndarray]
    """The same queries' CPU time (this thread's): on a shared machine it moves less with the
    load than wall time, which includes waiting for a core."""

    def line(self, name: str) -> str:
        ms = self.ms[name]
        p50, p95 = np.median(ms, axis=1), np.percentile(ms, 95, axis=1)
        passes = " | ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(p50, p95, strict=True))
        cpu = self.cpu_ms[name]
        return (f"p50 {np.median(p50):7.2f} ms  p95 {np.median(p95):7.2f} ms  "
                f"(per pass p50/p95: {passes}; CPU p50 {np.median(cpu):.2f} ms "
                f"p95 {np.median(np.percentile(cpu, 95, axis=1)):.2f} ms)")

    def p95(self, name: str) -> float:
        return float(np.median(np.percentile(self.ms[name], 95, axis=1)))

    def p50(self, name: str) -> float:
        return float(np.median(np.median(self.ms[name], axis=1)))


def interleaved(searchers: dict[str, Search], queries: list[Query], passes: int
                ) -> tuple[Timings, dict[str, list[np.ndarray]]]:
    """Each query through every searcher in turn (same load for all), `passes` times; the
    ids of the first pass."""
    for search in searchers.values():
        search(*queries[0])  # warm caches
    ms = {name: np.empty((passes, len(queries))) for name in searchers}
    cpu_ms = {name: np.empty((passes, len(queries))) for name in searchers}
    found: dict[str, list[np.ndarray]] = {name: [] for name in searchers}
    for p in range(passes):
        for i, (query, seeds) in enumerate(queries):
            for name, search in searchers.items():
                start, cpu_start = time.perf_counter(), time.thread_time()
                ids = search(query, seeds)
                ms[name][p, i] = (time.perf_counter() - start) * 1000
                cpu_ms[name][p, i] = (time.thread_time() - cpu_start) * 1000
                if p == 0:
                    found[name].append(ids)
    return Timings(ms, cpu_ms), found


def recall(found: list[np.ndarray], truth: list[np.ndarray]) -> np.ndarray:
    return np.array([np.intersect1d(f, t).size / len(t) for f, t in zip(found, truth, strict=True)])


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def exact_search(vectors: np.ndarray) -> Search:
    return lambda q, seeds: top_k(vectors @ q, K, seeds).ids


def faiss_threads(count: int) -> None:
    """faiss on `count` threads: all cores to build (as the app does), one to search."""
    try:
        import faiss
    except ImportError:
        return
    faiss.omp_set_num_threads(count)


def index_bytes(index: ItemIndex) -> int:
    _, arrays = index.state()
    return sum(array.nbytes for array in arrays.values())


def other_settings(index: ItemIndex, variants: Sequence[tuple[str, float]]) -> dict[str, Search]:
    """The same index searched with other search settings, one (name, value) each (`slack`:
    the lists are ranked by what they could score with that share of their radius credited;
    `min_scan`: the least items probed), timed beside the defaults."""
    searchers: dict[str, Search] = {}
    for setting, value in variants:
        other = ItemIndex(index.vectors, index.banded,
                          replace(index.settings, **{setting: type(getattr(index.settings,
                                                                           setting))(value)}))
        searchers[f"{setting} {value:g}"] = (
            lambda q, seeds, other=other: other.search(q, K, seeds).ids)
    return searchers


def variant_lines(timings: Timings, found: dict[str, list[np.ndarray]],
                  variants: Sequence[tuple[str, float]], settings: IndexSettings) -> None:
    """Each variant's time and recall (at 10 and K), against the defaults', same run."""
    names = [f"{setting} {value:g}" for setting, value in variants]
    for name in ["index", *names] if names else []:
        top = [recall([f[:10]], [t[:10]])[0] for f, t in zip(found[name], found["exact"],
                                                               strict=True)]
        label = (f"defaults (slack {settings.slack:g}, min_scan {settings.min_scan:,})"
                 if name == "index" else name)
        print(f"  {label:40s} p50 {timings.p50(name):6.2f} ms  p95 {timings.p95(name):6.2f} ms"
              f"  recall@10 {np.mean(top):.4f}  recall@{K} "
              f"{recall(found[name], found['exact']).mean():.4f}")


def bench_size(vectors: np.ndarray, queries: list[Query], source: str, passes: int,
               settings: IndexSettings, variants: Sequence[tuple[str, float]] = ()) -> None:
    n, dim = vectors.shape
    print(f"\n{n:,} items x {dim} dims ({vectors.nbytes / 2**20:,.0f} MiB float32, {source}; "
          f"{len(queries)} queries; {load()})", flush=True)
    before, started = rss_mb(), time.perf_counter()
    faiss_threads(os.cpu_count() or 1)
    index = ItemIndex.build(vectors, settings=settings)
    build_s = time.perf_counter() - started
    faiss_threads(1)
    print(f"  index build {build_s:6.1f} s   memory +{rss_mb() - before:,.0f} MiB RSS, "
          f"{index_bytes(index) / 2**20:,.0f} MiB saved", flush=True)
    exact = exact_search(vectors)
    searchers = {"exact": exact, "index": lambda q, seeds: index.search(q, K, seeds).ids}
    if index.banded is not None:
        searchers["candidates"] = candidates_only(index)
        searchers |= other_settings(index, variants)
    timings, found = interleaved(searchers, queries, passes)
    r = recall(found["index"], found["exact"])
    variant_lines(timings, found, variants, index.settings)
    print(f"  exact scan + top-{K}  {timings.line('exact')}")
    print(f"  index                {timings.line('index')}")
    print(f"    recall@{K} mean {r.mean():.4f}  p5 {np.percentile(r, 5):.3f}  min {r.min():.3f}")
    if "candidates" in timings.ms:
        rescoring = timings.p50("index") - timings.p50("candidates")
        print(f"    of which choosing lists + scanning codes p50 {timings.p50('candidates'):.2f} ms,"
              f" re-scoring {index.settings.fetch:,}+ candidates + top-{K} ~{rescoring:.2f} ms")
    alone, _ = interleaved({"index": searchers["index"]}, queries, passes)
    print(f"  index back to back   {alone.line('index')}  (no exact scan between queries: the "
          "caches stay warm, as when the app serves)")
    if index.banded is not None:
        every_band_full(index, queries, passes, timings, r.mean(), exact)
    met = timings.p95("index") <= TARGET_P95_MS and r.mean() >= TARGET_RECALL
    print(f"  exact / index: p50 {timings.p50('exact') / timings.p50('index'):.1f}x, "
          f"p95 {timings.p95('exact') / timings.p95('index'):.1f}x;  target (p95 <= "
          f"{TARGET_P95_MS:g} ms, recall >= {TARGET_RECALL}): {'met' if met else 'NOT met'}  "
          f"({load()})", flush=True)


def every_band_full(index: ItemIndex, queries: list[Query], passes: int, timings: Timings,
                    recall_now: float, exact: Search) -> None:
    """The same index with every band asked for all `fetch` candidates (before issue 16's
    fourth session), each query after its exact scan as above."""
    full = ItemIndex(index.vectors, index.banded, replace(index.settings, band_share=math.inf))
    before, found = interleaved({"exact": exact, "index": lambda q, seeds: full.search(q, K, seeds).ids},
                                queries, passes)
    r = recall(found["index"], found["exact"]).mean()
    print(f"  every band asked for all {index.settings.fetch:,} (the previous quota): "
          f"{before.line('index')}, recall@{K} {r:.4f}")
    print(f"    band quota {index.settings.band_share:g}x share / every band full: "
          f"p50 {timings.p50('index') / before.p50('index'):.2f}x, "
          f"p95 {timings.p95('index') / before.p95('index'):.2f}x, recall {recall_now:.4f} vs {r:.4f}")


def candidates_only(index: ItemIndex) -> Search:
    """The index's candidate stage alone (lists chosen, codes scanned, no re-scoring)."""
    settings, n = index.settings, index.vectors.shape[0]

    def search(q: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        wanted = max(2 * K, settings.fetch) + seeds.size
        cover = max(int(settings.scan * n), settings.min_scan, 8 * wanted)
        return index.banded.candidates(q, wanted, cover, settings.slack, settings.band_share)
    return search


# --- comparison with other indexes -------------------------------------------------------

def rescored(candidates: Callable[[np.ndarray, int], np.ndarray], vectors: np.ndarray,
             fetch: int) -> Search:
    """An index's top-`fetch` candidates re-scored exactly, seeds dropped, best K kept."""
    def search(q: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        ids = candidates(q, fetch + seeds.size)
        ids = np.setdiff1d(ids[ids >= 0].astype(np.int64), seeds)
        return ids[top_k(vectors[ids] @ q, K).ids]
    return search


def faiss_factory(kind: str, probes: tuple[int, ...]):
    def build(vectors: np.ndarray, fetch: int) -> dict[str, Search]:
        import faiss

        index = faiss.index_factory(vectors.shape[1], kind, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 100_000), replace=False)
        index.train(vectors[np.sort(sample)])
        index.add(vectors)
        variants = {}
        for p in probes:
            def search(q, k, p=p):
                params = faiss.SearchParametersIVF(nprobe=p) if p else None
                return index.search(q[None, :], k, params=params)[1][0]
            variants[f"nprobe={p}" if p else "scan"] = rescored(search, vectors, fetch)
        return variants
    return build


def ann_build(vectors: np.ndarray, fetch: int) -> dict[str, Search]:
    """models.ann as the app uses it."""
    index = ItemIndex.build(vectors, settings=IndexSettings(min_items=0))
    return {"": lambda q, seeds: index.search(q, K, seeds).ids}


def norm_head_build(vectors: np.ndarray, fetch: int) -> dict[str, Search]:
    """The previous models.ann (issue 7): a PQ fast scan of every item proposing 2,000
    candidates, plus an exact "norm head" (the 25,000 longest vectors, scored when
    Cauchy-Schwarz says they could beat the candidates' k-th score), all re-scored exactly."""
    import faiss

    dim = vectors.shape[1]
    index = faiss.index_factory(dim, f"PQ{dim // 2}x4fs", faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 100_000), replace=False)
    index.train(vectors[np.sort(sample)])
    index.add(vectors)
    norms = np.linalg.norm(vectors, axis=1)
    head = np.argsort(-norms)[:25_000]
    head_norms, head_vectors = norms[head], np.ascontiguousarray(vectors[head])

    def search(q: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        ids = index.search(q[None, :], 2000 + seeds.size)[1][0]
        ids = np.setdiff1d(ids[ids >= 0], seeds)
        scores = vectors[ids] @ q
        kth = np.partition(scores, scores.size - K)[scores.size - K]
        count = int(np.searchsorted(-head_norms, -kth / np.linalg.norm(q)))
        head_scores = head_vectors[:count] @ q
        better = np.flatnonzero(head_scores >= kth)
        ids = np.concatenate([ids, head[better]])
        scores = np.concatenate([scores, head_scores[better]])
        ids, first = np.unique(ids, return_index=True)
        keep = ~np.isin(ids, seeds)
        ids, scores = ids[keep], scores[first][keep]
        return ids[top_k(scores, K).ids]
    return {"": search}


def hnswlib_build(vectors: np.ndarray, fetch: int) -> dict[str, Search]:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=vectors.shape[1])
    index.init_index(len(vectors), M=16, ef_construction=100)
    index.add_items(vectors, num_threads=2)
    index.set_num_threads(1)

    def variant(widen: int) -> Search:
        def search(q, k):
            index.set_ef(widen * k)
            return index.knn_query(q, k=k)[0][0].astype(np.int64)
        return rescored(search, vectors, fetch)
    return {f"ef={w}x fetch": variant(w) for w in HNSW_WIDTHS}


def usearch_build(vectors: np.ndarray, fetch: int) -> dict[str, Search]:
    from usearch.index import Index

    index = Index(ndim=vectors.shape[1], metric="ip", dtype="f16", connectivity=16, expansion_add=128)
    index.add(np.arange(len(vectors)), vectors, threads=2)

    def variant(widen: int) -> Search:
        def search(q, k):
            index.expansion_search = widen * k
            return index.search(q, k, threads=1).keys.astype(np.int64)
        return rescored(search, vectors, fetch)
    return {f"ef={w}x fetch": variant(w) for w in HNSW_WIDTHS}


def compare(vectors: np.ndarray, queries: list[Query], source: str, fetch: int,
            only: list[str], passes: int) -> None:
    n, dim = vectors.shape
    nlist = max(64, int(4 * np.sqrt(n)) // 64 * 64)
    candidates = {
        "models.ann: norm bands x directions": ann_build,
        "previous models.ann: PQ scan + norm head": norm_head_build,
        "faiss PQ fast scan alone": faiss_factory(f"PQ{dim // 2}x4fs", (0,)),
        "faiss IVF + PQ fast scan": faiss_factory(f"IVF{nlist},PQ{dim // 2}x4fs",
                                                  (nlist // 32, nlist // 8)),
        "hnswlib HNSW": hnswlib_build,
        "usearch HNSW f16": usearch_build,
    }
    print(f"\ncomparison: {n:,} items x {dim} dims ({source}), top-{fetch} candidates re-scored "
          f"exactly, {len(queries)} queries, {passes} passes ({load()})")
    for name, build in candidates.items():
        if only and not any(word.lower() in name.lower() for word in only):
            continue
        before, started = rss_mb(), time.perf_counter()
        try:
            variants = build(vectors, fetch)
        except ImportError as exc:
            print(f"  {name}: not installed ({exc.name})")
            continue
        build_s, mem = time.perf_counter() - started, rss_mb() - before
        for label, search in variants.items():
            timings, found = interleaved({"exact": exact_search(vectors), "index": search},
                                         queries, passes)
            r = recall(found["index"], found["exact"]).mean()
            print(f"  {name + ' ' + label:48s} build {build_s:5.1f} s  mem {mem:5.0f} MiB  "
                  f"recall {r:.3f}  {timings.line('index')}", flush=True)
            print(f"  {'  (exact scan, same queries)':48s} {'':31s} {timings.line('exact')}")
        del variants
        gc.collect()
    print(f"  ({load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 500_000, MPD_TRACKS])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--passes", type=int, default=3,
                        help="times every query is timed (medians over passes are reported)")
    parser.add_argument("--compare", type=int, metavar="N",
                        help="compare indexes at N synthetic items (with --vectors: on those)")
    parser.add_argument("--vectors", type=Path, metavar="NPZ",
                        help="item vectors and queries from `bench/scale.py --save-factors`")
    parser.add_argument("--fetch", type=int, default=IndexSettings().fetch,
                        help="candidates re-scored per query in --compare")
    parser.add_argument("--slack", type=float, nargs="+", default=[], metavar="S",
                        help="also search each index with these slacks, timed beside the default")
    parser.add_argument("--min-scan", type=int, nargs="+", default=[], metavar="N",
                        help="also search each index probing at least N items, timed beside")
    parser.add_argument("--only", nargs="+", default=[],
                        help="in --compare, only the indexes whose name holds one of these words")
    args = parser.parse_args()
    faiss_threads(1)
    print(f"bench/serve.py: {load()}, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM")
    settings = IndexSettings(min_items=0)
    variants = [("slack", x) for x in args.slack] + [("min_scan", x) for x in args.min_scan]
    if args.vectors:
        vectors, queries = saved(args.vectors, args.queries)
        if args.compare:
            compare(vectors, queries, str(args.vectors), args.fetch, args.only, args.passes)
        else:
            bench_size(vectors, queries, f"from {args.vectors}", args.passes, settings,
                       variants)
        return
    for family in args.families:
        for n in [args.compare] if args.compare else args.sizes:
            vectors, queries = FAMILIES[family](n, args.dim, args.queries)
            if args.compare:
                compare(vectors, queries, f"{family} vectors", args.fetch, args.only, args.passes)
            else:
                bench_size(vectors, queries, f"{family} vectors", args.passes, settings,
                           variants)
            del vectors, queries
            gc.collect()


if __name__ == "__main__":
    main()
