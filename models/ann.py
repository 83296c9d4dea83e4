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
  re-scored exactly with the float32 vectors.
Lists of long vectors are few and small, and they come first whenever they could matter; a
plain inner-product IVF ranks lists by direction only and misses them (recall@500 0.5-0.7 on
ALS-like vectors at the same scan), and a scan of the whole catalog's codes costs ~10x more.

The faiss index is saved inside the model's `arrays.npz` (faiss' own serialisation, as a uint8
array) with the list bounds as plain arrays and the settings in `meta.json`, so it is written
atomically with the vectors it indexes; no pickle.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from models.base import ModelFormatError, Recommendations
from models.progress import ProgressCallback, check_cancel, report
from models.topk import top_k

ANN_MIN_ITEMS = 100_000
"""Catalogs at least this large get an index. bench/serve.py, 128 dims, one query at a time:
exact scan vs index p50 0.5 vs 0.9 ms at 20k items, 2.2 vs 1.7 ms at 50k, 3.9 vs 1.6 ms at
100k, 8.7 vs 2.2 ms at 200k. Below 100k an exact scan stays under ~4 ms with no build and
no approximation; from there the index is 2.5x faster and the gap grows linearly. (Measured
with the previous index; the banded one: ~11x faster than exact at 300k, ~35x at 2.26M.)"""
INDEX_FORMAT = "faiss-ivf-norm-bands"
INDEX_VERSION = 2
ADD_CHUNK = 100_000
TINY = float(np.finfo(np.float32).tiny)
KMEANS_SAMPLE_PER_LIST = 32
KMEANS_ITERATIONS = 10
SUBDIMS = 2
EXACT_SHARE = 8
"""A query wanting more than 1/EXACT_SHARE of the catalog is answered by an exact scan."""


@dataclass(frozen=True)
class IndexSettings:
    """How the index is built and searched (defaults measured with bench/serve.py)."""

    min_items: int = ANN_MIN_ITEMS
    """Smaller catalogs are scanned exactly and get no index."""
    bands: int = 8
    """Norm bands: band b holds the items between the norm quantiles 1 - 2^-b and 1 - 2^-(b+1);
    the last one the top 2^-(bands-1)."""
    list_size: int = 250
    """Items per list: each band has its own directions (spherical k-means centroids), one per
    this many items."""
    scan: float = 0.02
    """Share of the catalog in the lists a query probes (at least `min_scan` items)."""
    min_scan: int = 20_000
    fetch: int = 1500
    """Candidates the codes propose for exact re-scoring: this many (at least 2 x k),
    plus the excluded ids."""
    slack: float = 0.1
    """Share of a list's angular radius credited to the query when ranking lists."""
    train_sample: int = 100_000
    """Items the directions and the product quantiser are trained on."""
    seed: int = 0


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
        banded = _Builder(vectors, settings, progress, cancel, stage).build()
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
        ids = self.banded.candidates(query, wanted, cover, self.settings.slack)
        ids = np.sort(ids)  # by id: ties break on item id, as in an exact scan
        ids = ids[~np.isin(ids, excluded, assume_unique=True)]
        best = top_k(self.vectors[ids] @ query, k)
        return Recommendations(ids[best.ids], best.scores)

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


@dataclass(frozen=True)
class ListBounds:
    """What each list could score, to choose the lists a query probes.

    The lists of band b are numbers `offsets[b]` to `offsets[b + 1] - 1` (in that band's faiss
    inverted file: 0, 1, ...). Per list: `directions` (unit rows), `max_norm` (the largest
    norm in the list), `radius` (the largest angle, in radians, between the direction and an
    item of the list), `sizes`. Per band: `scales`, the length of its centroids (its items'
    mean projection on their direction), which the codes are residuals from.
    """

    directions: np.ndarray
    max_norm: np.ndarray
    radius: np.ndarray
    sizes: np.ndarray
    offsets: np.ndarray
    scales: np.ndarray

    def reach(self, query: np.ndarray, slack: float) -> tuple[np.ndarray, np.ndarray]:
        """Per list, the best score it could hold / |query|, and query . direction."""
        along = self.directions @ query
        cosine = along / max(float(np.linalg.norm(query)), TINY)
        angle = np.arccos(np.clip(cosine, -1.0, 1.0))
        return self.max_norm * np.cos(np.maximum(0.0, angle - slack * self.radius)), along

    def probe(self, query: np.ndarray, slack: float, cover: int) -> tuple[np.ndarray, np.ndarray]:
        """The lists that could score most, until they hold `cover` items, in list order, and
        their coarse scores (query . centroid, which faiss adds to the codes' scores)."""
        reach, along = self.reach(query, slack)
        chosen = _best_until(reach, self.sizes, cover)
        band = np.searchsorted(self.offsets, chosen, side="right") - 1
        return chosen, (self.scales[band] * along[chosen]).astype(np.float32)


def _best_until(value: np.ndarray, sizes: np.ndarray, cover: int) -> np.ndarray:
    """Sorted positions of the highest `value`s whose `sizes` add up to `cover` (all when they
    hold less): a partition around a guess, and a full sort only when the guess falls short."""
    guess = min(value.size, 2 * int(np.ceil(cover * value.size / max(int(sizes.sum()), 1))) + 16)
    while True:
        top = np.argpartition(-value, guess - 1)[:guess] if guess < value.size else np.arange(value.size)
        top = top[np.argsort(-value[top], kind="stable")]
        held = np.cumsum(sizes[top])
        if held[-1] >= cover or guess == value.size:
            return np.sort(top[:int(np.searchsorted(held, cover)) + 1])
        guess = min(value.size, 4 * guess)


@dataclass(frozen=True)
class BandedIndex:
    """Per norm band, a faiss inverted file (4-bit PQ fast scan of residuals, its own codebook
    fitted to the band's scale, its own directions as lists), plus the `ListBounds`."""

    indexes: tuple[Any, ...]
    """Per band, a faiss IndexIVFPQFastScan over the band's items, under their item ids."""
    bounds: ListBounds

    @property
    def shape(self) -> tuple[int, int]:
        """(items, dimensions) indexed."""
        return int(self.bounds.sizes.sum()), self.bounds.directions.shape[1]

    def candidates(self, query: np.ndarray, wanted: int, cover: int, slack: float) -> np.ndarray:
        """The `wanted` items with the best coded scores in the lists the query probes."""
        lists, coarse = self.bounds.probe(query, slack, cover)
        held = np.cumsum(self.bounds.sizes[lists])
        ids, scores = [], []
        for band, (start, stop) in enumerate(pairwise(np.searchsorted(lists, self.bounds.offsets))):
            if start < stop:
                scanned = held[stop - 1] - (held[start - 1] if start else 0)
                found, coded = _search_lists(self.indexes[band], query, int(min(wanted, scanned)),
                                             lists[start:stop] - self.bounds.offsets[band],
                                             coarse[start:stop])
                ids.append(found)
                scores.append(coded)
        all_ids, all_scores = np.concatenate(ids), np.concatenate(scores)
        if all_ids.size > wanted:
            all_ids = all_ids[np.argpartition(-all_scores, wanted - 1)[:wanted]]
        return all_ids

    def arrays(self) -> dict[str, np.ndarray]:
        import faiss

        blobs = [faiss.serialize_index(index) for index in self.indexes]
        bounds = {f"ann_{name}": value for name, value in asdict(self.bounds).items()}
        return {"ann_indexes": np.concatenate(blobs),
                "ann_index_bytes": np.array([blob.size for blob in blobs], dtype=np.int64),
                **bounds}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> BandedIndex:
        import faiss

        names = ("directions", "max_norm", "radius", "sizes", "offsets", "scales")
        try:
            bounds = ListBounds(**{name: np.asarray(arrays[f"ann_{name}"]) for name in names})
            blob, sizes = np.asarray(arrays["ann_indexes"]), np.asarray(arrays["ann_index_bytes"])
        except KeyError as missing:
            raise ModelFormatError(
                f"saved search index lacks {missing}: retrain with `mpdtui --train`") from None
        parts = np.split(blob.astype(np.uint8, copy=False), np.cumsum(sizes)[:-1])
        indexes = tuple(faiss.deserialize_index(part) for part in parts)
        per_band = np.add.reduceat(bounds.sizes, bounds.offsets[:-1]).tolist()
        found = [index.ntotal for index in indexes]
        if found != per_band:
            raise ModelFormatError(
                f"saved search index holds {found} items per band, its bounds {per_band}: "
                f"retrain with `mpdtui --train`")
        return cls(indexes, bounds)


def _probing(lists: int) -> Any:
    """Search parameters visiting `lists` preassigned lists (faiss reads nprobe from them)."""
    import faiss

    params = faiss.SearchParametersIVF()
    params.nprobe = lists
    return params


def _search_lists(index: Any, query: np.ndarray, wanted: int, lists: np.ndarray,
                  coarse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The `wanted` best ids (and coded scores) in `lists` of one faiss inverted file."""
    import faiss

    padded = _pad(query[None, :], index.d)
    lists = np.ascontiguousarray(lists[None, :], dtype=np.int64)
    coarse = np.ascontiguousarray(coarse[None, :], dtype=np.float32)
    found = np.empty((1, wanted), dtype=np.int64)
    scores = np.empty((1, wanted), dtype=np.float32)
    index.search_preassigned_c(
        1, faiss.swig_ptr(padded), wanted, faiss.swig_ptr(lists), faiss.swig_ptr(coarse),
        faiss.swig_ptr(scores), faiss.swig_ptr(found), False, _probing(lists.shape[1]))
    valid = found[0] >= 0
    return found[0][valid], scores[0][valid]


@dataclass
class _Band:
    """One band while it is built: its faiss index and what its lists' bounds need."""

    index: Any
    directions: np.ndarray
    scale: float
    members: np.ndarray
    lists: np.ndarray
    """The list (in this band) of each member."""


class _Builder:
    """Builds a `BandedIndex` (see the module docstring)."""

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
        report(self.progress, self.stage, self.added, self.vectors.shape[0], message)

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
        quantizer.add(_pad(scale * directions, padded))
        index = faiss.IndexIVFPQFastScan(quantizer, padded, directions.shape[0], padded // SUBDIMS, 4,
                                         faiss.METRIC_INNER_PRODUCT)
        index.by_residual = True
        index.pq.cp.min_points_per_centroid = 1  # small bands train on what they have
        residuals = _pad(sample - scale * directions[nearest], padded)
        with _one_thread():  # 64 tiny k-means: 4x faster without OpenMP's hand-offs
            index.train_encoder(residuals.shape[0], faiss.swig_ptr(residuals), None)
        index.is_trained = True
        for start in range(0, members.size, ADD_CHUNK):
            check_cancel(self.cancel)
            chunk = members[start:start + ADD_CHUNK]
            index.add_with_ids(_pad(self.vectors[chunk], padded), chunk)
            self.added += chunk.size
            self._report(f"indexed {self.added:,} of {self.vectors.shape[0]:,} items")
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
        kmeans = faiss.Kmeans(sample.shape[1], count, niter=KMEANS_ITERATIONS, spherical=True,
                              seed=self.settings.seed, max_points_per_centroid=KMEANS_SAMPLE_PER_LIST)
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


def _pad(x: np.ndarray, dim: int) -> np.ndarray:
    """Zero columns up to `dim` (they change no inner product)."""
    if x.shape[1] == dim:
        return np.ascontiguousarray(x, dtype=np.float32)
    out = np.zeros((x.shape[0], dim), dtype=np.float32)
    out[:, : x.shape[1]] = x
    return out
