"""Top-k inner-product search over item vectors, shared by ALS and the two-tower model.

Above `ANN_MIN_ITEMS` items an approximate index proposes candidates and the float32 vectors
re-score them exactly; below it (or with no index) every item is scored, as `models.topk` does.

The index is faiss' 4-bit product-quantised fast scan of the whole catalog (`PQ{m}x4fs`, two
dimensions per sub-quantiser, d/2 bytes per item). It was chosen by measurement
(`bench/serve.py --compare`): item vectors from ALS have norms that vary with popularity, and
on such vectors the graph indexes (hnswlib, usearch, voyager) stall near recall@500 = 0.5
whatever their search width, and IVF has to probe most of its lists; scanning compact codes
of every item keeps recall above 0.95 while reading 1/8 of the float32 bytes.

The index is saved inside the model's `arrays.npz` (faiss' own serialisation, as a uint8
array) with its settings in `meta.json`, so it is written atomically with the vectors it
indexes; no pickle.
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
"""Catalogs at least this large get an index (bench/serve.py: below it an exact scan is
about as fast, and needs no build)."""
INDEX_FORMAT = "faiss-pq-fastscan"
INDEX_VERSION = 1
ADD_CHUNK = 100_000


@dataclass(frozen=True)
class IndexSettings:
    """How the index is built and searched (defaults measured with bench/serve.py)."""

    min_items: int = ANN_MIN_ITEMS
    """Smaller catalogs are scanned exactly and get no index."""
    fetch: int = 4000
    """Candidates re-scored exactly per query: at least this many and 8 x k, plus the
    excluded ids (4000 for k = 500 keeps recall@500 above 0.95 at 2.26M items)."""
    train_sample: int = 100_000
    """Items the product quantiser is trained on."""
    seed: int = 0


class ItemIndex:
    """Item vectors plus, for large catalogs, a faiss index over them.

    `search(query, k, exclude)` returns the k best items by exact inner product among the
    index's candidates (all items when there is no index), never an excluded id.
    """

    def __init__(self, vectors: np.ndarray, index: Any = None,
                 settings: IndexSettings | None = None) -> None:
        self.vectors = vectors
        self.index = index
        self.settings = settings or IndexSettings()

    @property
    def approximate(self) -> bool:
        return self.index is not None

    @classmethod
    def build(cls, vectors: np.ndarray, progress: ProgressCallback | None = None,
              cancel: threading.Event | None = None,
              settings: IndexSettings | None = None) -> ItemIndex:
        """Index `vectors` (n x d float32) when n >= settings.min_items, else keep them for exact scans."""
        settings = settings or IndexSettings()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape[0] < settings.min_items:
            return cls(vectors, None, settings)
        import faiss

        n, dim = vectors.shape
        padded = _padded_dim(dim)
        index = faiss.index_factory(padded, f"PQ{padded // 2}x4fs", faiss.METRIC_INNER_PRODUCT)
        report(progress, "index", 0, n, f"training the product quantiser ({dim} dims)")
        rng = np.random.default_rng(settings.seed)
        sample = np.sort(rng.choice(n, min(n, settings.train_sample), replace=False))
        index.train(_pad(vectors[sample], padded))
        for start in range(0, n, ADD_CHUNK):
            check_cancel(cancel)
            index.add(_pad(vectors[start:start + ADD_CHUNK], padded))
            done = min(n, start + ADD_CHUNK)
            report(progress, "index", done, n, f"indexed {done:,} of {n:,} items")
        return cls(vectors, index, settings)

    def search(self, query: np.ndarray, k: int, exclude: Iterable[int] = ()) -> Recommendations:
        """The k items with the highest exact `vectors @ query`, never an excluded id."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        excluded = np.unique(np.fromiter(exclude, dtype=np.int64))
        if self.index is None:
            return top_k(self.vectors @ query, k, excluded)
        n = self.vectors.shape[0]
        wanted = min(n, max(8 * k, self.settings.fetch) + excluded.size)
        _, found = self.index.search(_pad(query[None, :], self.index.d), wanted)
        candidates = np.sort(found[0][found[0] >= 0])  # sorted: ties break on item id
        candidates = candidates[~np.isin(candidates, excluded, assume_unique=True)]
        best = top_k(self.vectors[candidates] @ query, k)
        return Recommendations(candidates[best.ids], best.scores)

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
