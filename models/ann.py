"""Top-k inner-product search over item vectors, shared by ALS and the two-tower model.

Above `ANN_MIN_ITEMS` items an index proposes candidates and the float32 vectors re-score
them exactly; below it (or with no index) every item is scored, as `models.topk` does.

The index, chosen by measurement (`bench/serve.py --compare`), has two parts:
- faiss' 4-bit product-quantised fast scan of the whole catalog (`PQ{d/2}x4fs`: two dimensions
  per sub-quantiser, d/2 bytes per item) proposes `fetch` candidates;
- `NormHead`: the items of largest norm, scored exactly when their norm says they could still
  beat the candidates' k-th score (Cauchy-Schwarz).
Item vectors from ALS have norms that grow with popularity over orders of magnitude. On such
vectors the graph indexes (hnswlib, usearch, voyager) stall near recall@500 = 0.5-0.65 whatever
their search width, IVF has to probe a large share of its lists, and the quantiser alone
misses the large-norm items it encodes coarsely (recall@500 0.92 on full-scale ALS factors);
the norm head recovers exactly those, for recall@500 ~1.0 in about 5 ms at 2.26M items.

The quantiser is saved inside the model's `arrays.npz` (faiss' own serialisation, as a uint8
array) with its settings in `meta.json`, so it is written atomically with the vectors it
indexes; no pickle. The norm head is rebuilt from the vectors on load.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from models.base import (
    ModelFormatError,
    ProgressCallback,
    Recommendations,
    check_cancel,
    report,
)
from models.topk import top_k

ANN_MIN_ITEMS = 100_000
"""Catalogs at least this large get an index. bench/serve.py, 128 dims, one query at a time:
exact scan vs index p50 0.5 vs 0.9 ms at 20k items, 2.2 vs 1.7 ms at 50k, 3.9 vs 1.6 ms at
100k, 8.7 vs 2.2 ms at 200k. Below 100k an exact scan stays under ~4 ms with no build and
no approximation; from there the index is 2.5x faster and the gap grows linearly."""
INDEX_FORMAT = "faiss-pq-fastscan"
INDEX_VERSION = 1
ADD_CHUNK = 100_000


@dataclass(frozen=True)
class IndexSettings:
    """How the index is built and searched (defaults measured with bench/serve.py)."""

    min_items: int = ANN_MIN_ITEMS
    """Smaller catalogs are scanned exactly and get no index."""
    fetch: int = 2000
    """Candidates the quantiser proposes for exact re-scoring: this many (at least 2 x k),
    plus the excluded ids."""
    train_sample: int = 100_000
    """Items the product quantiser is trained on."""
    head: int = 25_000
    """Items of largest norm kept as a contiguous block and scored exactly whenever their
    norm allows them to beat the candidates' k-th score (see `NormHead`)."""
    seed: int = 0


class ItemIndex:
    """Item vectors plus, for large catalogs, a quantiser and a norm head over them.

    `search(query, k, exclude)` returns the k best items by exact inner product among the
    quantiser's candidates and the head items that could beat them (all items when there is
    no index), never an excluded id.
    """

    def __init__(self, vectors: np.ndarray, index: Any = None,
                 settings: IndexSettings | None = None) -> None:
        self.vectors = vectors
        self.index = index
        self.settings = settings or IndexSettings()
        self.head = NormHead.of(vectors, self.settings.head) if index is not None else None

    @property
    def approximate(self) -> bool:
        return self.index is not None

    @classmethod
    def build(cls, vectors: np.ndarray, progress: ProgressCallback | None = None,
              cancel: threading.Event | None = None, settings: IndexSettings | None = None,
              stage: str = "index") -> ItemIndex:
        """Index `vectors` (n x d float32) when n >= settings.min_items, else keep them for
        exact scans. Progress is reported under `stage` (the model's name keeps one bar)."""
        settings = settings or IndexSettings()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape[0] < settings.min_items:
            return cls(vectors, None, settings)
        import faiss

        n, dim = vectors.shape
        padded = _padded_dim(dim)
        index = faiss.index_factory(padded, f"PQ{padded // 2}x4fs", faiss.METRIC_INNER_PRODUCT)
        report(progress, stage, 0, n, f"training the product quantiser ({dim} dims)")
        rng = np.random.default_rng(settings.seed)
        sample = np.sort(rng.choice(n, min(n, settings.train_sample), replace=False))
        index.train(_pad(vectors[sample], padded))
        for start in range(0, n, ADD_CHUNK):
            check_cancel(cancel)
            index.add(_pad(vectors[start:start + ADD_CHUNK], padded))
            done = min(n, start + ADD_CHUNK)
            report(progress, stage, done, n, f"indexed {done:,} of {n:,} items")
        return cls(vectors, index, settings)

    def search(self, query: np.ndarray, k: int, exclude: Iterable[int] = ()) -> Recommendations:
        """The k items with the highest exact `vectors @ query`, never an excluded id."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        excluded = np.unique(np.fromiter(exclude, dtype=np.int64))
        if self.index is None:
            return top_k(self.vectors @ query, k, excluded)
        n = self.vectors.shape[0]
        wanted = min(n, max(2 * k, self.settings.fetch) + excluded.size)
        _, found = self.index.search(_pad(query[None, :], self.index.d), wanted)
        ids = found[0][found[0] >= 0]
        ids = ids[~np.isin(ids, excluded)]
        scores = self.vectors[ids] @ query
        if self.head is not None and k > 0:
            ids, scores = self.head.add_contenders(ids, scores, query, k)
        order = np.argsort(ids, kind="stable")  # by id: ties break on item id, repeats adjacent
        ids, scores = ids[order], scores[order]
        keep = np.ones(ids.size, dtype=bool)
        keep[1:] = ids[1:] != ids[:-1]
        keep &= ~np.isin(ids, excluded)
        ids, scores = ids[keep], scores[keep]
        best = top_k(scores, k)
        return Recommendations(ids[best.ids], best.scores)

    def state(self) -> tuple[dict[str, Any] | None, dict[str, np.ndarray]]:
        """JSON settings and arrays to save with the model (None, {} without an index)."""
        if self.index is None:
            return None, {}
        import faiss

        meta = {"format": INDEX_FORMAT, "version": INDEX_VERSION, "faiss": faiss.__version__,
                "n_items": int(self.index.ntotal), "settings": asdict(self.settings)}
        return meta, {"ann_index": faiss.serialize_index(self.index)}

    @classmethod
    def from_state(cls, meta: Mapping[str, Any] | None, arrays: Mapping[str, np.ndarray],
                   vectors: np.ndarray) -> ItemIndex:
        """The index `state` described, over `vectors` (exact search when none was saved)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if meta is None or "ann_index" not in arrays:
            return cls(vectors)
        if meta.get("format") != INDEX_FORMAT or meta.get("version") != INDEX_VERSION:
            raise ModelFormatError(
                f"saved search index is {meta.get('format')} v{meta.get('version')}, this mpdtui "
                f"reads {INDEX_FORMAT} v{INDEX_VERSION}: retrain with `mpdtui --train`")
        import faiss

        index = faiss.deserialize_index(np.asarray(arrays["ann_index"], dtype=np.uint8))
        if index.ntotal != vectors.shape[0] or index.d != _padded_dim(vectors.shape[1]):
            raise ModelFormatError(
                f"saved search index covers {index.ntotal} items of {index.d} dims, the model "
                f"has {vectors.shape[0]} of {vectors.shape[1]}: retrain with `mpdtui --train`")
        return cls(vectors, index, IndexSettings(**meta["settings"]))


@dataclass
class NormHead:
    """The items of largest norm, in descending norm order, for a Cauchy-Schwarz check.

    An item scores at most |item| * |query|, so once the candidates' k-th exact score is known,
    only items whose norm clears score / |query| can still enter the top k. ALS factors' norms
    grow with popularity and span orders of magnitude (log-norm std ~1 at full-MPD scale), so
    those items are a few percent of the catalog, all at the head of this block: when they fit
    in it, scoring them exactly makes the result exact, whatever the quantiser missed.
    """

    ids: np.ndarray
    norms: np.ndarray
    vectors: np.ndarray

    @classmethod
    def of(cls, vectors: np.ndarray, size: int) -> NormHead:
        norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
        size = min(size, norms.size)
        top = np.argpartition(-norms, size - 1)[:size] if size < norms.size else np.arange(size)
        top = top[np.argsort(-norms[top], kind="stable")]
        return cls(top.astype(np.int64), norms[top], np.ascontiguousarray(vectors[top]))

    def add_contenders(self, ids: np.ndarray, scores: np.ndarray, query: np.ndarray, k: int
                       ) -> tuple[np.ndarray, np.ndarray]:
        """`ids`/`scores` plus every head item whose norm could beat their k-th score
        (`ids` hold no excluded item, so that score is a lower bound of the true k-th)."""
        q_norm = float(np.linalg.norm(query))
        if q_norm == 0.0:
            return ids, scores
        kth = np.partition(scores, scores.size - k)[scores.size - k] if scores.size >= k else -np.inf
        count = int(np.searchsorted(-self.norms, -kth / q_norm, side="left"))
        head_scores = self.vectors[:count] @ query
        better = np.flatnonzero(head_scores >= kth)  # usually a few hundred of the `count`
        return (np.concatenate([ids, self.ids[better]]),
                np.concatenate([scores, head_scores[better]]))


def _padded_dim(dim: int) -> int:
    """Fast scan wants an even number of sub-quantisers: pad to a multiple of 4 dims."""
    return -(-dim // 4) * 4


def _pad(x: np.ndarray, dim: int) -> np.ndarray:
    """Zero columns up to `dim` (they change no inner product)."""
    if x.shape[1] == dim:
        return np.ascontiguousarray(x, dtype=np.float32)
    out = np.zeros((x.shape[0], dim), dtype=np.float32)
    out[:, : x.shape[1]] = x
    return out
