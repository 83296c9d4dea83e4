"""Top-k inner-product search over item vectors, shared by ALS and the two-tower model.

Above `ANN_MIN_ITEMS` items an index proposes candidates and the float32 vectors re-score
them exactly; below it (or with no index) every item is scored, as `models.topk` does.

The index, chosen by measurement (`bench/serve.py`), is an inverted file whose lists are
*norm bands x directions*, so that it serves inner products whatever the norms look like:
- directions: spherical k-means on a sample of the item vectors scaled to unit length;
- norm bands: the catalog's norm quantiles 1/2, 3/4, 7/8, ... (`bands` of them), so that
  inside one list norms vary little, whether they span orders of magnitude (ALS factors:
  popular tracks have long vectors) or stay near 1 (two-tower vectors);
- codes: faiss' 4-bit product-quantised fast scan of each item's residual from its list's
  centroid (the direction scaled to the band's typical length), two dimensions per byte-half;
- a query probes lists in the order of what they could score, `ListBounds.reach`: the list's
  largest norm times the cosine the query could reach within (`slack` x) the list's angular
  radius, until `scan` of the catalog is covered; the `fetch` best items by their codes are
  re-scored exactly with the float32 vectors. The band holding the list that could score most
  proposes up to `fetch` of them, each other band at most twice its share of the scan
  (`ann_index.band_quota`).
Lists of long vectors are few and small, and they come first whenever they could matter; a
plain inner-product IVF ranks lists by direction only and misses them (recall@500 0.5-0.7 on
ALS-like vectors at the same scan), and a scan of the whole catalog's codes costs ~10x more.

The faiss index is saved inside the model's `arrays.npz` (faiss' own serialisation, as a uint8
array) with the list bounds as plain arrays and the settings in `meta.json`, so it is written
atomically with the vectors it indexes; no pickle.

`ItemIndex`, the models' entry point, lives here; the banded index, its settings and its search
in `models.ann_index`; its building with faiss in `models.ann_build`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

import numpy as np

from models.ann_build import BandedIndexBuilder
from models.ann_index import BandedIndex, IndexSettings
from models.base import Recommendations
from models.model_dir import ModelFormatError
from models.progress import ProgressCallback
from models.topk import top_k

INDEX_FORMAT = "faiss-ivf-norm-bands"
INDEX_VERSION = 2
EXACT_SHARE = 8
"""A query wanting more than 1/EXACT_SHARE of the catalog is answered by an exact scan."""


class ItemIndex:
    """Item vectors plus, for large catalogs, a `BandedIndex` over them.

    `search(query, k, exclude)` returns the k best items by exact inner product among the
    candidates of the probed lists (all items when there is no index), never an excluded id.
    """

    def __init__(self, vectors: np.ndarray, banded: BandedIndex | None = None,
                 settings: IndexSettings | None = None) -> None:
        self.vectors = vectors
        self.banded = banded
        self.settings = settings or IndexSettings()

    @property
    def approximate(self) -> bool:
        return self.banded is not None

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
        banded = BandedIndexBuilder(vectors, settings, progress, cancel, stage).build()
        return cls(vectors, banded, settings)

    def search(self, query: np.ndarray, k: int, exclude: Iterable[int] = ()) -> Recommendations:
        """The k items with the highest exact `vectors @ query`, never an excluded id."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        excluded = np.unique(np.fromiter(exclude, dtype=np.int64))
        n = self.vectors.shape[0]
        wanted = max(2 * k, self.settings.fetch) + excluded.size
        if self.banded is None or wanted * EXACT_SHARE > n:
            return top_k(self.vectors @ query, k, excluded)
        cover = max(int(self.settings.scan * n), self.settings.min_scan, EXACT_SHARE * wanted)
        ids = np.sort(self.banded.candidates(query, wanted, cover, self.settings.slack,
                                             self.settings.band_share))
        if excluded.size:
            ids = ids[~_among(ids, excluded)]
        scores = self.vectors[ids] @ query
        # ids ascend, so a stable sort breaks ties on item id, as an exact scan does
        best = np.argsort(-scores, kind="stable")[:k]
        return Recommendations(ids[best], scores[best])

    def state(self) -> tuple[dict[str, Any] | None, dict[str, np.ndarray]]:
        """JSON settings and arrays to save with the model (None, {} without an index)."""
        if self.banded is None:
            return None, {}
        import faiss

        meta = {"format": INDEX_FORMAT, "version": INDEX_VERSION, "faiss": faiss.__version__,
                "n_items": self.vectors.shape[0], "settings": asdict(self.settings)}
        return meta, self.banded.arrays()

    @classmethod
    def from_state(cls, meta: Mapping[str, Any] | None, arrays: Mapping[str, np.ndarray],
                   vectors: np.ndarray) -> ItemIndex:
        """The index `state` described, over `vectors` (exact search when none was saved)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if meta is None or "ann_indexes" not in arrays:
            return cls(vectors)
        if meta.get("format") != INDEX_FORMAT or meta.get("version") != INDEX_VERSION:
            raise ModelFormatError(
                f"saved search index is {meta.get('format')} v{meta.get('version')}, this mpdtui "
                f"reads {INDEX_FORMAT} v{INDEX_VERSION}: retrain with `mpdtui --train`")
        banded = BandedIndex.from_arrays(arrays)
        items, dims = banded.shape
        if items != vectors.shape[0] or dims != vectors.shape[1]:
            raise ModelFormatError(
                f"saved search index covers {items} items of {dims} dims, the model has "
                f"{vectors.shape[0]} of {vectors.shape[1]}: retrain with `mpdtui --train`")
        return cls(vectors, banded, IndexSettings(**meta["settings"]))


def _among(ids: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which `ids` are in `sorted_set` (ascending, not empty): a binary search each, where
    `np.isin` sorts both together (10-23 vs 20-30 us for 1,500 candidates and 1-500 seeds)."""
    at = np.minimum(np.searchsorted(sorted_set, ids), sorted_set.size - 1)
    return sorted_set[at] == ids
