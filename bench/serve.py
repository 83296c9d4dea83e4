"""Serving bench: exact top-500 vs the item index (models.ann) at growing catalog sizes.

    .venv/bin/python bench/serve.py [--sizes 50000 500000 2262292] [--dim 128] [--queries 200]
    .venv/bin/python bench/serve.py --compare 200000     # the library comparison behind models.ann
    .venv/bin/python bench/serve.py --vectors als.npz [--compare 1 --only ann alone]
                                    # on real ALS factors from `bench/scale.py --save-factors`

Item vectors are synthetic but shaped like ALS factors: clusters inside genres, and log-normal
norms (sigma 0.5, as the demo data's ALS factors have), so that popular items dominate inner
products. Queries are playlists: the mean vector of 1-100 seeds from one cluster plus two
random ones, the seeds excluded from the results.

For each size it prints, one query at a time: exact scan (`vectors @ q` + top-500) latency
p50/p95, index build time and memory, index search (candidates + exact re-scoring) p50/p95,
and recall@500 of the index against the exact top-500. `--compare` runs the same queries
through every candidate library that is installed (faiss-cpu, hnswlib, usearch, voyager),
each proposing `--fetch` candidates that are re-scored exactly.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one query at a time, like the app

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.ann import IndexSettings, ItemIndex
from models.topk import top_k

K = 500
MPD_TRACKS = 2_262_292
Query = tuple[np.ndarray, np.ndarray]
HNSW_WIDTHS = (1, 3)
"""HNSW search widths (ef) as multiples of the candidates fetched."""


def clustered(n: int, dim: int, seed: int = 0, chunk: int = 250_000) -> tuple[np.ndarray, np.ndarray]:
    """n x dim float32 ALS-like item vectors and each item's cluster, in bounded memory."""
    rng = np.random.default_rng(seed)
    n_clusters = max(16, n // 1000)
    genres = rng.normal(0, 1, (max(4, n_clusters // 25), dim))
    centres = (0.7 * genres[rng.integers(len(genres), size=n_clusters)]
               + rng.normal(0, 0.7, (n_clusters, dim))) / np.sqrt(dim)
    weights = rng.lognormal(0, 1.0, n_clusters)
    cluster = rng.choice(n_clusters, n, p=weights / weights.sum())
    vectors = np.empty((n, dim), np.float32)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        noise = rng.normal(0, 0.7 / np.sqrt(dim), (stop - start, dim))
        norm = rng.lognormal(0, 0.5, (stop - start, 1))
        vectors[start:stop] = (centres[cluster[start:stop]] + noise) * norm
    return vectors, cluster


def playlist_queries(vectors: np.ndarray, cluster: np.ndarray, count: int, seed: int = 1) -> list[Query]:
    """(query vector, seed ids): mean of 1-100 seeds of one cluster plus two random items."""
    rng = np.random.default_rng(seed)
    order = np.argsort(cluster, kind="stable")
    starts = np.searchsorted(cluster[order], np.arange(cluster.max() + 2))
    queries = []
    for _ in range(count):
        c = cluster[rng.integers(len(vectors))]
        members = order[starts[c]:starts[c + 1]]
        n_seeds = min(members.size, int(rng.choice([1, 5, 10, 25, 100])))
        seeds = np.unique(np.concatenate([rng.choice(members, n_seeds, replace=False),
                                          rng.choice(len(vectors), 2, replace=False)]))
        queries.append((vectors[seeds].mean(axis=0), seeds))
    return queries


def timed(search: Callable[[np.ndarray, np.ndarray], np.ndarray], queries: list[Query]
          ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Milliseconds per query and the ids each returned."""
    search(*queries[0])  # warm caches
    times, results = [], []
    for query, seeds in queries:
        start = time.perf_counter()
        ids = search(query, seeds)
        times.append((time.perf_counter() - start) * 1000)
        results.append(ids)
    return np.asarray(times), results


def recall(found: list[np.ndarray], truth: list[np.ndarray]) -> np.ndarray:
    return np.array([np.intersect1d(f, t).size / len(t) for f, t in zip(found, truth, strict=True)])


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def exact_search(vectors: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return lambda q, seeds: top_k(vectors @ q, K, seeds).ids


def synthetic(n: int, dim: int, n_queries: int) -> tuple[np.ndarray, list[Query]]:
    vectors, cluster = clustered(n, dim)
    return vectors, playlist_queries(vectors, cluster, n_queries)


def saved(path: Path, n_queries: int) -> tuple[np.ndarray, list[Query]]:
    """Item vectors and fold-in queries saved by `bench/scale.py --save-factors`."""
    with np.load(path) as z:
        vectors, queries = np.ascontiguousarray(z["vectors"], np.float32), z["queries"]
        seeds = np.split(z["seeds"], np.cumsum(z["seed_counts"])[:-1])
    return vectors, list(zip(queries, seeds, strict=True))[:n_queries]


def bench_size(vectors: np.ndarray, queries: list[Query], source: str) -> None:
    n, dim = vectors.shape
    print(f"\n{n:,} items x {dim} dims ({vectors.nbytes / 2**20:,.0f} MiB float32, {source}; "
          f"{load()})", flush=True)
    exact_ms, truth = timed(exact_search(vectors), queries)
    print(f"  exact scan + top-{K}:  p50 {np.median(exact_ms):6.2f} ms  "
          f"p95 {np.percentile(exact_ms, 95):6.2f} ms", flush=True)
    before = rss_mb()
    started = time.perf_counter()
    index = ItemIndex.build(vectors, settings=IndexSettings(min_items=0))
    build_s = time.perf_counter() - started
    meta, arrays = index.state()
    saved_mb = arrays["ann_index"].nbytes / 2**20
    del meta, arrays
    print(f"  index build {build_s:6.1f} s   memory +{rss_mb() - before:,.0f} MiB RSS, "
          f"{saved_mb:,.0f} MiB saved", flush=True)
    index_ms, found = timed(lambda q, seeds: index.search(q, K, seeds).ids, queries)
    r = recall(found, truth)
    print(f"  index search + rescore: p50 {np.median(index_ms):6.2f} ms  "
          f"p95 {np.percentile(index_ms, 95):6.2f} ms   recall@{K} mean {r.mean():.3f} "
          f"p5 {np.percentile(r, 5):.3f} min {r.min():.3f}", flush=True)
    met = np.percentile(index_ms, 95) <= 10 and r.mean() >= 0.95 and build_s <= 300
    print(f"  exact / index p50: {np.median(exact_ms) / np.median(index_ms):.1f}x   "
          f"targets (p95 <= 10 ms, recall >= 0.95, build <= 300 s): {'met' if met else 'NOT met'}"
          f"   ({load()})", flush=True)


# --- library comparison -------------------------------------------------------------------

def rescored(candidates: Callable[[np.ndarray, int], np.ndarray], vectors: np.ndarray,
             fetch: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A library's top-`fetch` candidates re-scored exactly, seeds dropped, best K kept."""
    def search(q: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        ids = candidates(q, fetch + seeds.size)
        ids = np.setdiff1d(ids[ids >= 0].astype(np.int64), seeds)
        return ids[top_k(vectors[ids] @ q, K).ids]
    return search


def faiss_factory(kind: str, probes: tuple[int, ...]):
    def build(vectors: np.ndarray):
        import faiss

        index = faiss.index_factory(vectors.shape[1], kind, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 100_000), replace=False)
        index.train(vectors[np.sort(sample)])
        index.add(vectors)
        variants = {}
        for p in probes:
            def search(q, k, p=p):
                if p:
                    faiss.extract_index_ivf(index).nprobe = p
                return index.search(q[None, :], k)[1][0]
            variants[f"nprobe={p}" if p else "scan"] = search
        return index, variants
    return build


def ann_build(vectors: np.ndarray):
    """models.ann as the app uses it: its own candidates, norm head and exact re-scoring."""
    index = ItemIndex.build(vectors, settings=IndexSettings(min_items=0))
    return index, {"": lambda q, k: index.search(q, K).ids}


def hnswlib_build(vectors: np.ndarray):
    import hnswlib

    index = hnswlib.Index(space="ip", dim=vectors.shape[1])
    index.init_index(len(vectors), M=16, ef_construction=100)
    index.add_items(vectors, num_threads=2)
    index.set_num_threads(1)

    def variant(widen):
        def search(q, k):
            index.set_ef(widen * k)
            return index.knn_query(q, k=k)[0][0].astype(np.int64)
        return search
    return index, {f"ef={w}x fetch": variant(w) for w in HNSW_WIDTHS}


def usearch_build(vectors: np.ndarray):
    from usearch.index import Index

    index = Index(ndim=vectors.shape[1], metric="ip", dtype="f16", connectivity=16, expansion_add=128)
    index.add(np.arange(len(vectors)), vectors, threads=2)

    def variant(widen):
        def search(q, k):
            index.expansion_search = widen * k
            return index.search(q, k, threads=1).keys.astype(np.int64)
        return search
    return index, {f"ef={w}x fetch": variant(w) for w in HNSW_WIDTHS}


def voyager_build(vectors: np.ndarray):
    from voyager import Index, Space

    index = Index(Space.InnerProduct, num_dimensions=vectors.shape[1], M=16, ef_construction=100,
                  max_elements=len(vectors))
    index.add_items(vectors, num_threads=2)

    def variant(widen):
        return lambda q, k: index.query(q, k=k, query_ef=widen * k)[0].astype(np.int64)
    return index, {f"ef={w}x fetch": variant(w) for w in HNSW_WIDTHS}


def compare(vectors: np.ndarray, queries: list[Query], fetch: int, only: list[str]) -> None:
    n, dim = vectors.shape
    nlist = max(64, int(4 * np.sqrt(n)) // 64 * 64)
    candidates = {
        "models.ann: PQ fast scan + norm head": ann_build,
        "faiss PQ fast scan alone": faiss_factory(f"PQ{dim // 2}x4fs", (0,)),
        "faiss RaBitQ fast scan": faiss_factory("RaBitQfs", (0,)),
        "faiss IVF + PQ fast scan": faiss_factory(f"IVF{nlist},PQ{dim // 2}x4fs", (nlist // 8, nlist // 4)),
        "faiss IVF flat": faiss_factory(f"IVF{nlist},Flat", (nlist // 8, nlist // 4)),
        "faiss SQ8 scan": faiss_factory("SQ8", (0,)),
        "hnswlib HNSW": hnswlib_build,
        "usearch HNSW f16": usearch_build,
        "voyager HNSW": voyager_build,
    }
    exact_ms, truth = timed(exact_search(vectors), queries)
    print(f"library comparison: {n:,} items x {dim} dims, top-{fetch} candidates re-scored exactly, "
          f"{len(queries)} queries ({load()})")
    print(f"  {'exact scan':40s} build      -  mem      -   p50 {np.median(exact_ms):6.2f} ms  "
          f"p95 {np.percentile(exact_ms, 95):6.2f} ms  recall 1.000", flush=True)
    for name, build in candidates.items():
        if only and not any(word.lower() in name.lower() for word in only):
            continue
        before, started = rss_mb(), time.perf_counter()
        try:
            index, variants = build(vectors)
        except ImportError as exc:
            print(f"  {name}: not installed ({exc.name})")
            continue
        build_s, mem = time.perf_counter() - started, rss_mb() - before
        for label, search in variants.items():
            wrapped = rescored(search, vectors, fetch) if build is not ann_build else (
                lambda q, seeds, index=index: index.search(q, K, seeds).ids)
            ms, found = timed(wrapped, queries)
            print(f"  {name + ' ' + label:40s} build {build_s:5.1f} s  mem {mem:5.0f} MiB  "
                  f"p50 {np.median(ms):6.2f} ms  p95 {np.percentile(ms, 95):6.2f} ms  "
                  f"recall {recall(found, truth).mean():.3f}", flush=True)
        del index, variants
    print(f"  ({load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 500_000, MPD_TRACKS])
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--compare", type=int, metavar="N",
                        help="compare libraries at N synthetic items (with --vectors: on those)")
    parser.add_argument("--vectors", type=Path, metavar="NPZ",
                        help="item vectors and queries from `bench/scale.py --save-factors`")
    parser.add_argument("--fetch", type=int, default=IndexSettings().fetch,
                        help="candidates re-scored per query in --compare")
    parser.add_argument("--only", nargs="+", default=[],
                        help="in --compare, only the candidates whose name holds one of these words")
    args = parser.parse_args()
    print(f"bench/serve.py: {load()}, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM")
    if args.vectors:
        vectors, queries = saved(args.vectors, args.queries)
        if args.compare:
            compare(vectors, queries, args.fetch, args.only)
        else:
            bench_size(vectors, queries, f"from {args.vectors}")
        return
    if args.compare:
        compare(*synthetic(args.compare, args.dim, args.queries), args.fetch, args.only)
        return
    for n in args.sizes:
        bench_size(*synthetic(n, args.dim, args.queries), "synthetic clusters")
        gc.collect()


if __name__ == "__main__":
    main()
