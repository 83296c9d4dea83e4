"""Models keep serving when playlists are added to the data they were trained on (a Spotify
import, more slices): until `--train` trains them again they suggest from what they learned,
and the tracks added since are none of theirs. Before, none served, for hours on the MPD."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from store_support import mpd_playlist

from models.dataset import Dataset
from mpdtui.cli import main
from mpdtui.data.catalog import Catalog
from mpdtui.data.ingest import ingest_playlists
from mpdtui.locations import Locations
from mpdtui.services.root import open_services
from mpdtui.splits import serving_split

TRAINED = ["popularity", "title", "item_knn", "als"]


@pytest.fixture(scope="module")
def trained(small_store: Locations, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo with four models trained on it (read-only: tests copy it)."""
    root = tmp_path_factory.mktemp("trained") / "cache"
    shutil.copytree(small_store.root, root)
    open_services(Locations.resolve(root)).jobs.train(TRAINED)
    return root


@pytest.fixture
def grown(trained: Path, tmp_path: Path) -> Locations:
    """The trained cache dir, then two imports: 2 playlists, 3 new tracks in all."""
    locations = Locations.resolve(shutil.copytree(trained, tmp_path / "cache"))
    with Catalog.open(locations) as catalog:
        known = catalog.track_uris(by_popularity=True)[:4]
    ingest_playlists(locations, [mpd_playlist("road trip", [*known[:2], NEW[0]])], "import-1")
    ingest_playlists(locations, [mpd_playlist("night", [*known[2:], NEW[1], NEW[2]])], "import-2")
    return locations


NEW = [f"spotify:track:{'new':0>19}{n:03d}" for n in range(3)]


def test_models_serve_on_after_playlists_are_added(grown: Locations) -> None:
    services = open_services(grown)
    assert services.models.servable() == TRAINED
    assert services.training.added_since_training() == (2, 3)
    n_tracks = services.catalog.n_tracks()
    new_ids = services.catalog.resolve_uris(NEW)
    assert min(new_ids) == n_tracks - 3, "the added tracks are the last ones"
    for name in TRAINED:
        suggested = services.suggester.suggest("road trip", [*new_ids[:1], 0, 1], name, k=20)
        assert len(suggested) == 20
        assert all(s.track.id < n_tracks - 3 for s in suggested), f"{name}: tracks of its own"
    alone = services.suggester.suggest("", new_ids[:1], "als", k=5)
    assert [s.reason for s in alone] == [
        "als: no seed in any training playlist and no name; answered by title then popularity"
    ] * 5, "a track added since is in none of its playlists"
    # a filter's mask and a hidden track are by catalog track id: the new ones included
    allowed = np.ones(n_tracks, dtype=bool)
    allowed[::2] = False
    suggested = services.suggester.suggest("night", [1], "als", k=10, allowed=allowed,
                                           exclude=[new_ids[2], 3])
    assert len(suggested) == 10 and all(s.track.id % 2 for s in suggested)


def test_info_says_what_the_models_were_trained_without(
        grown: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    assert open_services(grown).info()["models_trained_without"] == {"playlists": 2, "tracks": 3}
    assert main(["info", "--cache-dir", str(grown.root)]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert ("models: popularity, title, item_knn, als (trained before 2 playlists and 3 new "
            "tracks were added; `mpdtui --train` trains them on those too)") in shown


def test_evaluate_says_the_models_were_trained_before_the_data_grew(
        grown: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    """It had said "no trained model to evaluate", with four serving."""
    assert main(["evaluate", "--cache-dir", str(grown.root)]) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert ("popularity, title, item_knn, als serve on, trained before 2 playlists and 3 new "
            "tracks were added; the evaluation scores models on the data as it is now: `mpdtui "
            "--train` trains them on these too, then scores them") in said
    assert main(["evaluate", "--models", "als", "blend", "--cache-dir", str(grown.root)]) == 2
    said = " ".join(capsys.readouterr().err.split())  # the blend is not in a plain --train
    assert "not trained for this data: als, blend: run `mpdtui --train --models als blend`" in said
    assert open_services(grown).models.servable() == TRAINED, "the split is as it was"


def test_training_again_learns_from_the_added_playlists(grown: Locations) -> None:
    services = open_services(grown)
    services.jobs.train(["popularity"])
    services = open_services(grown)
    assert services.models.servable() == ["popularity"], "the others wait for their training"
    assert services.training.added_since_training() is None
    split = serving_split(grown)
    assert split is not None and split.earlier is None
    new_ids = services.catalog.resolve_uris(NEW)
    popular = services.suggester.suggest("", [], "popularity", k=services.catalog.n_tracks())
    assert set(new_ids) <= {s.track.id for s in popular}, "the new tracks are its own now"


def test_data_the_models_were_not_trained_on_serves_none(trained: Path, tmp_path: Path) -> None:
    """Only data grown from the models' own serves them: another split file (of other data)
    does not match what the catalog grew from."""
    locations = Locations.resolve(shutil.copytree(trained, tmp_path / "cache"))
    with Catalog.open(locations) as catalog:
        catalog.db.execute("UPDATE meta SET value = 'other' WHERE key = 'finalized'")
    ingest_playlists(locations, [mpd_playlist("road trip", NEW)], "import-1")
    assert open_services(locations).models.servable() == []
    assert serving_split(locations) is None


def test_first_tracks_refuses_playlists_holding_later_tracks() -> None:
    data = Dataset(sp.csr_matrix(np.array([[1, 0, 0], [0, 1, 1]], np.float32)), ["a", "b"],
                   np.arange(3), np.arange(3), np.full(3, 1000), "fp")
    first = data.with_rows(np.array([0]), "").first_tracks(2)
    assert first.n_tracks == 2 and first.interactions.nnz == 1 and len(first.track_artist) == 2
    with pytest.raises(ValueError, match="beyond the first 2"):
        data.first_tracks(2)
