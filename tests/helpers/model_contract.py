"""The contract every Recommender keeps, as a mixin for pytest classes.

Use it in a test module:

    from model_contract import ModelContract

    class TestMyModelContract(ModelContract):
        def make_model(self):
            return MyRecommender(MySettings(small=True))

        # optional: def make_data(self) -> Dataset (default: model_data.contract_dataset())

The model is fitted once per class (and twice more for the determinism and progress tests).
"""

from __future__ import annotations

import ast
import dataclasses
import threading
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from model_data import UNPLAYED, contract_dataset

from models import npz_arrays
from models.base import PlaylistQuery, Recommender
from models.dataset import Dataset
from models.model_dir import ModelFormatError
from models.progress import Cancelled, Progress


class ModelContract:
    """Tests shared by every model; subclasses implement `make_model`."""

    k = 20

    def make_model(self) -> Recommender:
        raise NotImplementedError

    def make_data(self) -> Dataset:
        return contract_dataset()

    @pytest.fixture(scope="class")
    def data(self) -> Dataset:
        return self.make_data()

    @pytest.fixture(scope="class")
    def fitted(self, data: Dataset) -> Recommender:
        model = self.make_model()
        model.fit(data)
        return model

    def saved(self, fitted: Recommender, folder: Path) -> Path:
        """`fitted` saved under `folder` as the pipeline saves it; its directory."""
        fitted.save(folder / "model")
        return folder / "model"

    @staticmethod
    def queries(data: Dataset) -> list[PlaylistQuery]:
        """A titled and an untitled query with seeds, a name alone, nothing at all."""
        row = data.interactions[0]
        other = data.interactions[1]
        return [
            PlaylistQuery.of(data.playlist_names[0], row.indices[:5].tolist()),
            PlaylistQuery.of("", other.indices[:3].tolist()),
            PlaylistQuery.of(data.playlist_names[2]),
            PlaylistQuery.of(),
        ]

    def test_returns_k_distinct_catalog_ids_best_first(self, fitted: Recommender, data: Dataset):
        for query in self.queries(data):
            recs = fitted.recommend(query, self.k)
            assert len(recs) == self.k == len(recs.scores)
            assert len(set(recs.ids.tolist())) == self.k
            assert np.all((recs.ids >= 0) & (recs.ids < data.n_tracks))
            assert np.all(np.diff(recs.scores) <= 1e-6), "scores must be best first"

    def test_never_returns_seeds(self, fitted: Recommender, data: Dataset):
        for query in self.queries(data):
            ids = fitted.recommend(query, 100).ids
            assert not set(ids.tolist()) & set(query.seeds)

    def test_asking_for_more_than_the_catalog_returns_every_other_track(
            self, fitted: Recommender, data: Dataset):
        query = self.queries(data)[0]
        ids = fitted.recommend(query, data.n_tracks + 10).ids
        assert sorted(ids.tolist()) == sorted(set(range(data.n_tracks)) - set(query.seeds))

    def test_no_seeds_and_unknown_name(self, fitted: Recommender):
        for name in ("", "zzqx never seen before", "!!!", "Ünïcødé ♫ 2018"):
            recs = fitted.recommend(PlaylistQuery.of(name), self.k)
            assert len(set(recs.ids.tolist())) == self.k

    def test_unknown_seeds_are_reported_ignored_and_never_returned(self, fitted: Recommender,
                                                                   data: Dataset):
        unplayed = [data.n_tracks - 1 - i for i in range(UNPLAYED)]
        outside = [data.n_tracks + 5, -1]
        for query in self.queries(data)[:2]:
            mixed = PlaylistQuery.of(query.name, [*query.seeds, *unplayed, *outside])
            recs = fitted.recommend(mixed, self.k)
            assert set(recs.unknown_seeds) == {*unplayed, *outside}
            assert len(set(recs.ids.tolist())) == self.k and not set(recs.ids.tolist()) & set(unplayed)
            np.testing.assert_array_equal(recs.ids, fitted.recommend(query, self.k).ids)

    def test_nothing_usable_still_gives_k_tracks_and_says_why(self, fitted: Recommender,
                                                              data: Dataset):
        unplayed = [data.n_tracks - 1 - i for i in range(UNPLAYED)]
        for seeds in ([], unplayed, [data.n_tracks + 5]):
            recs = fitted.recommend(PlaylistQuery.of("", seeds), self.k)
            assert len(set(recs.ids.tolist())) == self.k and not set(recs.ids.tolist()) & set(seeds)
            if fitted.name != "popularity":
                assert recs.fallback.startswith(f"{fitted.name}: no seed")
                assert recs.fallback.endswith("answered by popularity")

    def test_same_seed_same_model(self, fitted: Recommender, data: Dataset):
        again = self.make_model()
        again.fit(data)
        for query in self.queries(data):
            first, second = fitted.recommend(query, self.k), again.recommend(query, self.k)
            np.testing.assert_array_equal(first.ids, second.ids)
            np.testing.assert_allclose(first.scores, second.scores, rtol=1e-5, atol=1e-6)

    @pytest.mark.parametrize("arrays", ["copied", "mapped"])
    def test_save_load_round_trip(self, fitted: Recommender, data: Dataset, tmp_path: Path,
                                  arrays: str, monkeypatch: pytest.MonkeyPatch):
        if arrays == "mapped":  # as a saved model of the MPD's size is read: `npz_arrays`
            monkeypatch.setattr(npz_arrays, "MAP_FROM_BYTES", 0)
        fitted.save(tmp_path / "model")
        loaded = type(fitted).load(tmp_path / "model", data)
        assert dataclasses.asdict(loaded.settings) == dataclasses.asdict(fitted.settings)
        for query in self.queries(data):
            before, after = fitted.recommend(query, self.k), loaded.recommend(query, self.k)
            np.testing.assert_array_equal(before.ids, after.ids)
            np.testing.assert_array_equal(before.scores, after.scores)

    @pytest.mark.parametrize("arrays", ["copied", "mapped"])
    def test_load_builds_no_python_ast(self, fitted: Recommender, data: Dataset, tmp_path: Path,
                                       arrays: str, monkeypatch: pytest.MonkeyPatch):
        """A model loads in a worker thread beside the app's main thread: on Python 3.11.7 two
        threads building ASTs at once corrupt each other (CPython gh-106905), so nothing in a
        load may build one (numpy reads .npy headers with `ast.literal_eval`)."""
        if arrays == "mapped":
            monkeypatch.setattr(npz_arrays, "MAP_FROM_BYTES", 0)
        saved = self.saved(fitted, tmp_path)
        built: list[str] = []
        parse = ast.parse

        def recorded_parse(*args: Any, **kwargs: Any) -> ast.AST:
            built.append("".join(traceback.format_stack(limit=8)))
            return parse(*args, **kwargs)

        monkeypatch.setattr(ast, "parse", recorded_parse)
        loaded = type(fitted).load(saved, data)
        monkeypatch.undo()
        assert built == [], f"a model load built a Python AST:\n{built[0]}"
        query = self.queries(data)[0]
        np.testing.assert_array_equal(loaded.recommend(query, self.k).ids,
                                      fitted.recommend(query, self.k).ids)

    def test_load_refuses_other_data(self, fitted: Recommender, data: Dataset, tmp_path: Path):
        fitted.save(tmp_path / "model")
        other = dataclasses.replace(data, fingerprint=data.fingerprint + "-other")
        with pytest.raises(ModelFormatError, match="other data"):
            type(fitted).load(tmp_path / "model", other)

    def test_load_refuses_missing_model(self, data: Dataset, tmp_path: Path):
        with pytest.raises(ModelFormatError):
            type(self.make_model()).load(tmp_path / "nothing", data)

    def test_untrained_model_cannot_be_saved(self, tmp_path: Path):
        with pytest.raises(ModelFormatError):
            self.make_model().save(tmp_path / "model")

    def test_fit_raises_cancelled_when_cancel_is_set(self, data: Dataset):
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(Cancelled):
            self.make_model().fit(data, cancel=cancel)

    def test_fit_reports_progress(self, data: Dataset):
        seen: list[Progress] = []
        self.make_model().fit(data, progress=seen.append)
        assert seen and all(isinstance(p, Progress) for p in seen)
        last = seen[-1]
        assert last.total is None or last.done == last.total
