"""Building the banded index of `models.ann` with faiss: norm bands, spherical k-means
directions per band, and a 4-bit PQ fast scan of residuals (see `models.ann` for the design)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.ann_index import TINY, BandedIndex, IndexSettings, ListBounds, pad_columns
from models.progress import ProgressCallback, check_cancel, report

ADD_CHUNK = 100_000
KMEANS_SAMPLE_PER_LIST = 32
KMEANS_ITERATIONS = 10
SUBDIMS = 2


@dataclass
class _Band:
    """One band while it is built: its faiss index and what its lists' bounds need."""

    index: Any
    directions: np.ndarray
    scale: float
    members: np.ndarray
    lists: np.ndarray
    """The list (in this band) of each member."""


class BandedIndexBuilder:
    """Builds a `BandedIndex` (the design: `models.ann`'s docstring)."""

    def __init__(self, vectors: np.ndarray, settings: IndexSettings,
                 progress: ProgressCallback | None, cancel: threading.Event | None,
                 stage: str) -> None:
        self.vectors, self.settings = vectors, settings
        self.progress, self.cancel, self.stage = progress, cancel, stage
        self.norms = _row_norms(vectors)
        self.rng = np.random.default_rng(settings.seed)
        self.added = 0

    def build(self) -> BandedIndex:
        self._report(f"finding directions ({self.vectors.shape[1]} dims)")
        band_of = np.searchsorted(_band_edges(self.norms, self._bands()), self.norms)
        bands = [self._band(np.flatnonzero(band_of == b)) for b in np.unique(band_of)]
        return BandedIndex(tuple(band.index for band in bands), self._bounds(bands))

    def _report(self, message: str) -> None:
        report(self.progress, self.stage, self.added, self.vectors.shape[0], message, "items")

    def _bands(self) -> int:
        """The bands asked for, fewer when the top one would hold under 256 items."""
        most = int(np.log2(max(self.vectors.shape[0] / 256, 1))) + 1
        return max(1, min(self.settings.bands, most))

    def _sample_of(self, rows: np.ndarray, size: int) -> np.ndarray:
        if rows.size <= size:
            return self.vectors[rows]
        return self.vectors[np.sort(self.rng.choice(rows, size, replace=False))]

    def _band(self, members: np.ndarray) -> _Band:
        """A faiss inverted file over `members` (one band): lists = the band's own directions,
        centroids = directions at the band's mean projection, codes trained on the band's own
        residuals."""
        import faiss

        directions = self._directions(members)
        padded = _padded_dim(directions.shape[1])
        sample = self._sample_of(members, self.settings.train_sample // 4)
        projection, nearest = _project(sample, directions)
        scale = max(float(projection.mean()), TINY)
        quantizer = faiss.IndexFlatIP(padded)
        quantizer.add(pad_columns(scale * directions, padded))
        index = faiss.IndexIVFPQFastScan(quantizer, padded, directions.shape[0], padded // SUBDIMS, 4,
                                         faiss.METRIC_INNER_PRODUCT)
        index.by_residual = True
        index.pq.cp.min_points_per_centroid = 1  # small bands train on what they have
        residuals = pad_columns(sample - scale * directions[nearest], padded)
        with _one_thread():  # 64 tiny k-means: 4x faster without OpenMP's hand-offs
            index.train_encoder(residuals.shape[0], faiss.swig_ptr(residuals), None)
        index.is_trained = True
        for start in range(0, members.size, ADD_CHUNK):
            check_cancel(self.cancel)
            chunk = members[start:start + ADD_CHUNK]
            index.add_with_ids(pad_columns(self.vectors[chunk], padded), chunk)
            self.added += chunk.size
            self._report("building the item index")
        # one self-contained object: a deserialised index owns its quantizer
        owned = faiss.deserialize_index(faiss.serialize_index(index))
        return _Band(owned, directions, scale, members, _lists_of(owned, members))

    def _directions(self, members: np.ndarray) -> np.ndarray:
        """Spherical k-means centroids of the members' directions, one per `list_size` items."""
        import faiss

        count = max(1, min(round(members.size / self.settings.list_size), members.size // 64))
        sample = self._sample_of(members, KMEANS_SAMPLE_PER_LIST * count)
        units = sample / np.maximum(_row_norms(sample), TINY)[:, None]
        if count == 1:
            mean = units.mean(axis=0)
            return (mean / max(float(np.linalg.norm(mean)), TINY))[None, :].astype(np.float32)
        # 32 points a list on purpose (measured); faiss warns below min_points_per_centroid
        # (39 by default) into the job log, and uses the setting for nothing else
        kmeans = faiss.Kmeans(sample.shape[1], count, niter=KMEANS_ITERATIONS, spherical=True,
                              seed=self.settings.seed, max_points_per_centroid=KMEANS_SAMPLE_PER_LIST,
                              min_points_per_centroid=1)
        kmeans.train(np.ascontiguousarray(units, dtype=np.float32))
        check_cancel(self.cancel)
        return np.ascontiguousarray(kmeans.centroids, dtype=np.float32)

    def _bounds(self, bands: list[_Band]) -> ListBounds:
        counts = [band.directions.shape[0] for band in bands]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        directions = np.concatenate([band.directions for band in bands])
        lists = np.empty(self.vectors.shape[0], dtype=np.int64)
        for band, offset in zip(bands, offsets, strict=False):
            lists[band.members] = offset + band.lists
        cosine = np.empty(lists.size, dtype=np.float32)
        for start in range(0, lists.size, ADD_CHUNK):
            stop = start + ADD_CHUNK
            cosine[start:stop] = np.einsum("ij,ij->i", self.vectors[start:stop],
                                           directions[lists[start:stop]])
        cosine /= np.maximum(self.norms, TINY)
        max_norm = np.zeros(offsets[-1], dtype=np.float32)
        np.maximum.at(max_norm, lists, self.norms)
        radius = np.zeros_like(max_norm)
        np.maximum.at(radius, lists, np.arccos(np.clip(cosine, -1.0, 1.0)))
        return ListBounds(directions, max_norm, radius, np.bincount(lists, minlength=offsets[-1]),
                          offsets, np.array([band.scale for band in bands], dtype=np.float32))


@contextmanager
def _one_thread() -> Iterator[None]:
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def _band_edges(norms: np.ndarray, bands: int) -> np.ndarray:
    """The norm quantiles 1/2, 3/4, 7/8, ... between the `bands` bands."""
    return np.quantile(norms, 1.0 - 0.5 ** np.arange(1, bands)).astype(np.float32)


def _project(x: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's largest projection on a direction, and that direction."""
    import faiss

    search = faiss.IndexFlatIP(directions.shape[1])
    search.add(directions)
    projection, nearest = search.search(np.ascontiguousarray(x, dtype=np.float32), 1)
    return projection[:, 0], nearest[:, 0]


def _lists_of(index: Any, members: np.ndarray) -> np.ndarray:
    """The list of each of `members` (the sorted ids of a faiss inverted file)."""
    import faiss

    lists = np.empty(members.size, dtype=np.int64)
    for number in range(index.nlist):
        size = index.invlists.list_size(number)
        if size:
            ids = faiss.rev_swig_ptr(index.invlists.get_ids(number), size)
            lists[np.searchsorted(members, ids)] = number
    return lists


def _row_norms(x: np.ndarray) -> np.ndarray:
    norms = np.empty(x.shape[0], dtype=np.float32)
    for start in range(0, x.shape[0], ADD_CHUNK):
        block = x[start:start + ADD_CHUNK]
        norms[start:start + ADD_CHUNK] = np.sqrt(np.einsum("ij,ij->i", block, block))
    return norms


def _padded_dim(dim: int) -> int:
    """Fast scan wants an even number of sub-quantisers: pad to a multiple of 4 dims."""
    return -(-dim // 4) * 4
