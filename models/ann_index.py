"""The banded index of `models.ann` once built: its settings, the bounds that choose the lists a
query probes, the faiss search of those lists, and its (de)serialisation as plain arrays."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from models.model_dir import ModelFormatError

ANN_MIN_ITEMS = 100_000
"""Catalogs at least this large get an index. bench/serve.py, 128 dims, one query at a time:
exact scan vs index p50 0.5 vs 0.9 ms at 20k items, 2.2 vs 1.7 ms at 50k, 3.9 vs 1.6 ms at
100k, 8.7 vs 2.2 ms at 200k. Below 100k an exact scan stays under ~4 ms with no build and
no approximation; from there the index is 2.5x faster and the gap grows linearly. (Measured
with the previous index; the banded one: ~11x faster than exact at 300k, ~35x at 2.26M.)"""
TINY = float(np.finfo(np.float32).tiny)


@dataclass(frozen=True)
class IndexSettings:
    """How the index is built and searched (defaults measured with bench/serve.py)."""

    min_items: int = ANN_MIN_ITEMS
    """Smaller catalogs are scanned exactly and get no index."""
    bands: int = 8
    """Norm bands: band b holds the items between the norm quantiles 1 - 2^-b and 1 - 2^-(b+1);
    the last one the top 2^-(bands-1)."""
    list_size: int = 500
    """Items per list: each band has its own directions (spherical k-means centroids), one per
    this many items. At 2.26M x 128 (bench/serve.py), 500 rather than 250 halves the
    directions every query ranks (2.3 MB instead of 4.6 MB read from memory) and the build
    time, for p95 4.8-5.1 ms instead of 6.4 ms; recall@500 went from 0.967 to 0.960 on `als`,
    0.970 to 0.952 on `two_tower`, and the wider scan below keeps it at or above 0.95."""
    scan: float = 0.0175
    """Share of the catalog in the lists a query probes (at least `min_scan` items)."""
    min_scan: int = 50_000
    """Near the index's threshold (100k tracks), 20,000 gave a real two-tower model (106k
    tracks, demo seed 5) recall@10 0.906 / @500 0.952 against the exact scan; 50,000 gives
    0.949 / 0.973 in about the same time (1 ms; exact 2.5 ms). At 2.26M it raises the scan
    from 39,600 items to 50,000: synthetic `two_tower` recall@500 0.952 -> 0.969, `als` 0.960
    -> 0.961, p50 about +0.1 ms (bench/serve.py --min-scan)."""
    fetch: int = 1500
    """Candidates the codes propose for exact re-scoring: this many (at least 2 x k),
    plus the excluded ids."""
    slack: float = 0.1
    """Share of a list's angular radius credited to the query when ranking lists."""
    band_share: float = 2.0
    """A band other than the lead proposes at most this many times its share of the scanned
    items' worth of the `fetch` candidates (`band_quota`; infinity: all of them)."""
    train_sample: int = 100_000
    """Items the directions and the product quantiser are trained on."""
    seed: int = 0


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
        """Per list, the best score it could hold / |query|, and query . direction.

        That is max_norm x cos(max(0, angle - margin)), margin = slack x radius, computed as
        cos(angle) cos(margin) + sin(angle) sin(margin) (no arccos or cos per list and
        query: they were a third of choosing the lists)."""
        along = self.directions @ query
        cosine = np.clip(along / max(float(np.linalg.norm(query)), TINY), -1.0, 1.0)
        cos_margin, sin_margin = self._margin(slack)
        closer = cosine * cos_margin + np.sqrt(1.0 - cosine * cosine) * sin_margin
        return self.max_norm * np.where(cosine >= cos_margin, 1.0, closer), along

    def _margin(self, slack: float) -> tuple[np.ndarray, np.ndarray]:
        """cos and sin of each list's margin (slack x radius), kept per slack."""
        cached = self.__dict__.setdefault("_margins", {})
        if slack not in cached:
            margin = slack * self.radius
            cached[slack] = (np.cos(margin).astype(np.float32), np.sin(margin).astype(np.float32))
        return cached[slack]

    def probe(self, query: np.ndarray, slack: float, cover: int
              ) -> tuple[np.ndarray, np.ndarray, int]:
        """The lists that could score most, until they hold `cover` items, in list order;
        their coarse scores (query . centroid, which faiss adds to the codes' scores); and the
        band of the one that could score most."""
        reach, along = self.reach(query, slack)
        chosen = _best_until(reach, self.sizes, cover)
        band = np.searchsorted(self.offsets, chosen, side="right") - 1
        lead = int(band[np.argmax(reach[chosen])])
        return chosen, (self.scales[band] * along[chosen]).astype(np.float32), lead


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

    def candidates(self, query: np.ndarray, wanted: int, cover: int, slack: float,
                   band_share: float) -> np.ndarray:
        """The `wanted` items with the best coded scores in the lists the query probes."""
        lists, coarse, lead = self.bounds.probe(query, slack, cover)
        held = np.cumsum(self.bounds.sizes[lists])
        search = _ListSearch(query, self.indexes[0].d)
        ids, scores = [], []
        for band, (start, stop) in enumerate(pairwise(np.searchsorted(lists, self.bounds.offsets))):
            if start < stop:
                scanned = int(held[stop - 1] - (held[start - 1] if start else 0))
                quota = min(wanted, scanned) if band == lead else band_quota(
                    wanted, scanned, int(held[-1]), band_share)
                found, coded = search(self.indexes[band], quota,
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


def band_quota(wanted: int, scanned: int, total: int, band_share: float) -> int:
    """How many candidates to take from a band whose probed lists hold `scanned` of the `total`
    items probed, when another band holds the list that could score most (that band, the
    lead, is asked for all `wanted`): `band_share` x its share of `wanted`, at least a fifth
    of `wanted`, never more than it scanned.

    Asking every band for all `wanted` made faiss keep a heap of 1,500 per band, half its time,
    for candidates the merge then dropped. The lead is not capped: on vectors whose norms
    follow popularity (`bench/serve.py`'s `issue` family) one band holds nearly all of the best
    items with a third of the scan, and capping it took recall@500 from 0.955 to 0.908."""
    share = band_share * wanted * scanned / max(total, 1)
    return max(1, min(scanned, wanted, max(wanted // 5, int(min(np.ceil(share), wanted)))))


class _ListSearch:
    """One query's search of chosen lists in each band's faiss inverted file: the padded query
    and faiss' search parameters are made once per query, not once per band."""

    def __init__(self, query: np.ndarray, dim: int) -> None:
        import faiss

        self.padded = pad_columns(query[None, :], dim)
        self.params = faiss.SearchParametersIVF()

    def __call__(self, index: Any, wanted: int, lists: np.ndarray,
                 coarse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The `wanted` best ids (and coded scores) in `lists` of one faiss inverted file."""
        import faiss

        lists = np.ascontiguousarray(lists[None, :], dtype=np.int64)
        coarse = np.ascontiguousarray(coarse[None, :], dtype=np.float32)
        found = np.empty((1, wanted), dtype=np.int64)
        scores = np.empty((1, wanted), dtype=np.float32)
        self.params.nprobe = lists.shape[1]  # faiss reads how many lists to visit from here
        index.search_preassigned_c(
            1, faiss.swig_ptr(self.padded), wanted, faiss.swig_ptr(lists), faiss.swig_ptr(coarse),
            faiss.swig_ptr(scores), faiss.swig_ptr(found), False, self.params)
        valid = found[0] >= 0
        return found[0][valid], scores[0][valid]


def pad_columns(x: np.ndarray, dim: int) -> np.ndarray:
    """Zero columns up to `dim` (they change no inner product)."""
    if x.shape[1] == dim:
        return np.ascontiguousarray(x, dtype=np.float32)
    out = np.zeros((x.shape[0], dim), dtype=np.float32)
    out[:, : x.shape[1]] = x
    return out
