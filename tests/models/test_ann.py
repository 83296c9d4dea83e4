"""Approximate item index (models.ann): recall against exact, exclusions, save/load, fallback."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from model_data import genre_data

from models.als import ALSRecommender, ALSSettings
from models.ann import ItemIndex
from models.ann_index import ANN_MIN_ITEMS, IndexSettings, band_quota
from models.base import PlaylistQuery
from models.model_dir import ModelFormatError, read_model_dir, write_model_dir
from models.progress import Cancelled
from models.topk import top_k

SMALL = IndexSettings(min_items=1_000, fetch=300, train_sample=3_000, list_size=100,
                      min_scan=1_500)
ONE_BAND = IndexSettings(min_items=1_000, fetch=300, train_sample=3_000, list_size=100,
                         min_scan=1_500, bands=1)


def clustered(n: int, dim: int, seed: int = 0, norm_spread: float = 0.5) -> np.ndarray:
    """Items around 40 centres with popularity-like (log-normal) norms, as ALS factors have."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (40, dim))
    vectors = centres[rng.integers(0, 40, n)] + rng.normal(0, 0.8, (n, dim))
    return (vectors * rng.lognormal(0, norm_spread, (n, 1))).astype(np.float32)


def playlist_queries(vectors: np.ndarray, count: int, seed: int = 1) -> list[tuple[np.ndarray, list[int]]]:
    """(query vector, seed ids): the mean of a few items' vectors, those items excluded."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        seeds = rng.choice(len(vectors), int(rng.integers(1, 10)), replace=False).tolist()
        out.append((vectors[seeds].mean(axis=0), seeds))
    return out


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return clustered(6_000, 32)


@pytest.fixture(scope="module")
def index(vectors: np.ndarray) -> ItemIndex:
    built = ItemIndex.build(vectors, settings=SMALL)
    assert built.approximate
    return built


@pytest.mark.parametrize("settings", [SMALL, ONE_BAND], ids=["norm-bands", "one-band"])
def test_recall_against_exact_above_floor(vectors: np.ndarray, settings: IndexSettings):
    index = ItemIndex.build(vectors, settings=settings)
    k, recalls = 100, []
    for query, seeds in playlist_queries(vectors, 30):
        exact = top_k(vectors @ query, k, seeds)
        found = index.search(query, k, seeds)
        assert len(found) == k
        recalls.append(np.intersect1d(exact.ids, found.ids).size / k)
        # candidates are re-scored exactly: scores are the true inner products, best first
        np.testing.assert_allclose(found.scores, vectors[found.ids] @ query, rtol=1e-5, atol=1e-5)
        assert np.all(np.diff(found.scores) <= 0)
    assert np.mean(recalls) >= 0.9, recalls
    assert min(recalls) >= 0.75, recalls


def test_norm_bands_keep_recall_on_skewed_catalogs():
    """ALS-like norms spanning orders of magnitude: the lists of long vectors are probed first."""
    vectors = clustered(6_000, 32, seed=8, norm_spread=1.0)
    index = ItemIndex.build(vectors, settings=SMALL)
    assert index.banded is not None and len(index.banded.indexes) > 1
    recalls = []
    for query, seeds in playlist_queries(vectors, 20, seed=9):
        exact = top_k(vectors @ query, 50, seeds)
        recalls.append(np.intersect1d(index.search(query, 50, seeds).ids, exact.ids).size / 50)
    assert np.mean(recalls) >= 0.95, recalls


@pytest.mark.parametrize("seed", range(5))
def test_bands_together_propose_every_candidate_wanted(seed: int):
    """Even with no lead band asked for all of `wanted`, no quota exceeds what its band
    scanned, none falls below the least of that, its plain share and a fifth of `wanted`,
    and together they propose `wanted`: a skewed split never starves the merge."""
    rng = np.random.default_rng(seed)
    wanted = 1_500
    scanned = rng.integers(1, 20_000, size=int(rng.integers(2, 8)))
    total = int(scanned.sum())
    quotas = [band_quota(wanted, int(s), total, SMALL.band_share) for s in scanned]
    assert all(1 <= q <= min(s, wanted) for q, s in zip(quotas, scanned, strict=True))
    assert sum(quotas) >= min(wanted, total)
    assert all(q >= min(s, wanted // 5, wanted * s // total) for q, s in zip(quotas, scanned, strict=True))


def test_candidates_fill_the_fetch_whichever_band_leads(vectors: np.ndarray, index: ItemIndex):
    assert index.banded is not None and len(index.banded.indexes) > 1
    n = len(vectors)
    for query, _ in playlist_queries(vectors, 10, seed=11):
        for wanted in (50, 300, 900):
            found = index.banded.candidates(query, wanted, max(SMALL.min_scan, 8 * wanted),
                                            SMALL.slack, SMALL.band_share)
            assert found.size == min(wanted, n) and np.unique(found).size == found.size


def test_excluded_ids_never_come_back(vectors: np.ndarray, index: ItemIndex):
    query = vectors[:5].mean(axis=0)
    best = top_k(vectors @ query, 50).ids
    longest = np.argsort(-np.linalg.norm(vectors, axis=1))[:20]
    excluded = [*best[:30].tolist(), *longest.tolist(), 1, 2, 3]
    found = index.search(query, 50, excluded)
    assert len(found) == 50
    assert not set(found.ids.tolist()) & set(excluded)
    # the next-best items take their places
    assert set(best[30:].tolist()) - set(excluded) <= set(found.ids.tolist())


def test_k_beyond_fetch_and_beyond_catalog(vectors: np.ndarray, index: ItemIndex):
    query = vectors[7]
    many = index.search(query, 1_000, [7])
    assert len(many) == 1_000 and 7 not in many.ids
    everything = index.search(query, 10 * len(vectors), [7, 8])
    assert len(everything) == len(vectors) - 2
    assert len(np.unique(everything.ids)) == len(everything)


def test_state_round_trip_through_a_model_directory(vectors: np.ndarray, index: ItemIndex,
                                                    tmp_path: Path):
    meta, arrays = index.state()
    assert meta is not None and meta["n_items"] == len(vectors)
    write_model_dir(tmp_path / "m", {"format": "mpdtui-model", "model": "t", "version": 1,
                                     "ann": meta}, {"vectors": vectors, **arrays})
    saved_meta, saved = read_model_dir(tmp_path / "m", "t", 1)
    loaded = ItemIndex.from_state(saved_meta["ann"], saved, saved["vectors"])
    assert loaded.approximate
    for query, seeds in playlist_queries(vectors, 5, seed=4):
        a, b = index.search(query, 40, seeds), loaded.search(query, 40, seeds)
        np.testing.assert_array_equal(a.ids, b.ids)


def test_an_index_saved_before_band_quotas_loads_with_them(vectors: np.ndarray,
                                                           index: ItemIndex):
    """Search settings added since a model was saved take their defaults: no retraining."""
    meta, arrays = index.state()
    assert meta is not None
    older = {**meta, "settings": {k: v for k, v in meta["settings"].items() if k != "band_share"}}
    loaded = ItemIndex.from_state(older, arrays, vectors)
    assert loaded.settings == index.settings
    query, seeds = playlist_queries(vectors, 1, seed=12)[0]
    np.testing.assert_array_equal(loaded.search(query, 30, seeds).ids,
                                  index.search(query, 30, seeds).ids)


def test_saved_index_must_match_its_vectors(vectors: np.ndarray, index: ItemIndex):
    meta, arrays = index.state()
    with pytest.raises(ModelFormatError, match="covers 6000 items"):
        ItemIndex.from_state(meta, arrays, vectors[:-1])
    with pytest.raises(ModelFormatError, match="v99"):
        ItemIndex.from_state({**meta, "version": 99}, arrays, vectors)


def test_small_catalog_is_scanned_exactly(vectors: np.ndarray):
    exact_index = ItemIndex.build(vectors)  # the default threshold is far above 6,000 items
    assert len(vectors) < ANN_MIN_ITEMS and not exact_index.approximate
    assert exact_index.state() == (None, {})
    for query, seeds in playlist_queries(vectors, 5, seed=2):
        expected = top_k(vectors @ query, 60, seeds)
        found = exact_index.search(query, 60, seeds)
        np.testing.assert_array_equal(found.ids, expected.ids)
    assert not ItemIndex.from_state(None, {}, vectors).approximate


def test_odd_dimensions_are_padded():
    vectors = clustered(3_000, 30, seed=5)
    index = ItemIndex.build(vectors, settings=SMALL)
    query = vectors[:3].mean(axis=0)
    found = index.search(query, 20, [0, 1, 2])
    exact = top_k(vectors @ query, 20, [0, 1, 2])
    assert np.intersect1d(found.ids, exact.ids).size >= 18


def test_build_writes_nothing_to_the_job_log(vectors: np.ndarray, capfd: pytest.CaptureFixture[str]):
    """faiss prints its k-means warnings from C++ straight to the descriptors, which are the
    job log in the app: 32 points a list is on purpose, so they would only be noise there."""
    ItemIndex.build(vectors, settings=SMALL)
    out, err = capfd.readouterr()
    assert out == "" and err == "", (out, err)


def test_build_can_be_cancelled(vectors: np.ndarray):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        ItemIndex.build(vectors, cancel=cancel, settings=SMALL)


def test_als_builds_saves_and_serves_through_the_index(tmp_path: Path):
    data = genre_data(n_genres=4, tracks_per_genre=400, n_playlists=600, seed=3).dataset
    indexed = ALSRecommender(ALSSettings(factors=16, iterations=3, ann_min_items=1_000))
    indexed.fit(data)
    assert indexed.index is not None and indexed.index.approximate
    exact = ALSRecommender(ALSSettings(factors=16, iterations=3))
    exact.fit(data)
    assert exact.index is not None and not exact.index.approximate
    indexed.save(tmp_path / "als")
    loaded = ALSRecommender.load(tmp_path / "als", data)
    assert loaded.index is not None and loaded.index.approximate
    for row in range(0, 600, 60):
        seeds = data.interactions[row].indices[:5].tolist()
        query = PlaylistQuery.of("", seeds)
        found, truth = indexed.recommend(query, 50), exact.recommend(query, 50)
        assert not set(found.ids.tolist()) & set(seeds)
        assert np.intersect1d(found.ids, truth.ids).size >= 45
        np.testing.assert_array_equal(loaded.recommend(query, 50).ids, found.ids)


def test_the_switch_to_the_index_is_at_min_items(vectors: np.ndarray):
    """One item under the threshold: exact; at it: the index, with recall against exact."""
    settings = IndexSettings(min_items=len(vectors), fetch=300, train_sample=3_000,
                             list_size=100, min_scan=1_500)
    below = ItemIndex.build(vectors[:-1], settings=settings)
    at = ItemIndex.build(vectors, settings=settings)
    assert not below.approximate and at.approximate
    recalls = []
    for query, seeds in playlist_queries(vectors, 10, seed=6):
        expected = top_k(vectors[:-1] @ query, 100, seeds)
        np.testing.assert_array_equal(below.search(query, 100, seeds).ids, expected.ids)
        exact = top_k(vectors @ query, 100, seeds)
        recalls.append(np.intersect1d(at.search(query, 100, seeds).ids, exact.ids).size / 100)
    assert np.mean(recalls) >= 0.9, recalls  # the floor of the recall test above
