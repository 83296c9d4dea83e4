"""Two-tower model: the shared contract, learning on tiny data, cold tracks, numpy serving."""

from __future__ import annotations

import dataclasses
import errno
import itertools
import json
import resource
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from model_contract import ModelContract
from model_data import Synthetic, genre_data

from models.base import PlaylistQuery
from models.checkpoint_run import made_for
from models.dataset import Dataset
from models.numpy_towers import Vocabulary, name_chars, trigrams
from models.popularity import PopularityRecommender
from models.progress import Cancelled, Progress
from models.tower_catalog import build_catalog
from models.two_tower import TwoTowerRecommender, TwoTowerSettings

pytestmark = pytest.mark.tf

ROOT = Path(__file__).resolve().parents[2]
TINY = TwoTowerSettings(dim=16, epochs=2, batch_size=64, examples_per_playlist=4,
                        learning_rate=0.02, val_fraction=0.1)
CHECKPOINT_LIMIT = 4096
"""Bytes a file may take while a checkpoint is written: less than a TINY model's."""


class TestTwoTowerContract(ModelContract):
    def make_model(self) -> TwoTowerRecommender:
        return TwoTowerRecommender(TINY)


def with_features(synthetic: Synthetic, cold_tracks: int = 2) -> Dataset:
    """Genre-shaped audio features (10% missing) plus `cold_tracks` tracks in no playlist."""
    data = synthetic.dataset
    rng = np.random.default_rng(3)
    genre = np.concatenate([synthetic.track_genre, rng.integers(0, 4, cold_tracks)])
    centres = rng.normal(0, 1, (genre.max() + 1, 5))
    features = (centres[genre] + rng.normal(0, 0.2, (genre.size, 5))).astype(np.float32)
    features[rng.random(genre.size) < 0.1] = np.nan
    matrix = data.interactions.copy()
    matrix.resize((matrix.shape[0], matrix.shape[1] + cold_tracks))
    extra_artist = np.arange(cold_tracks) + data.track_artist.max() + 1
    return dataclasses.replace(
        data,
        interactions=matrix.tocsr(),
        track_artist=np.concatenate([data.track_artist, extra_artist]),
        track_album=np.concatenate([data.track_album, extra_artist * 3]),
        track_duration_ms=np.concatenate([data.track_duration_ms, [200_000] * cold_tracks]),
        track_features=features,
        feature_names=("a", "b", "c", "d", "e"),
        fingerprint=data.fingerprint + "-features",
    )


@pytest.fixture(scope="module")
def synthetic() -> Synthetic:
    return genre_data(n_genres=4, tracks_per_genre=50, n_playlists=400, seed=11)


@pytest.fixture(scope="module")
def data(synthetic: Synthetic) -> Dataset:
    return with_features(synthetic)


@pytest.fixture(scope="module")
def fitted(data: Dataset) -> TwoTowerRecommender:
    model = TwoTowerRecommender(dataclasses.replace(TINY, epochs=4, hidden=16))
    model.fit(data)
    return model


def test_loss_falls_clearly(fitted: TwoTowerRecommender):
    losses = fitted.history["loss"]
    assert losses[-1] < 0.9 * losses[0], losses


def test_beats_popularity_on_seeded_queries(synthetic: Synthetic, data: Dataset,
                                            fitted: TwoTowerRecommender):
    popularity = PopularityRecommender()
    popularity.fit(data)
    fresh = genre_data(n_genres=4, tracks_per_genre=50, n_playlists=40, seed=12)
    hits = {"two_tower": 0, "popularity": 0}
    for row in range(40):
        tracks = fresh.indices[fresh.indptr[row]:fresh.indptr[row + 1]]
        query = PlaylistQuery.of("", tracks[:5].tolist())
        truth = set(tracks[5:].tolist())
        for name, model in (("two_tower", fitted), ("popularity", popularity)):
            hits[name] += len(truth & set(model.recommend(query, 20).ids.tolist()))
    assert hits["two_tower"] > 1.5 * hits["popularity"], hits


def test_title_only_query_finds_its_genre(synthetic: Synthetic, fitted: TwoTowerRecommender):
    for genre, word in enumerate(("rock", "jazz", "hiphop", "country")):
        ids = fitted.recommend(PlaylistQuery.of(word.title() + "!!"), 20).ids
        in_genre = np.mean(synthetic.track_genre[ids[ids < synthetic.track_genre.size]] == genre)
        assert in_genre >= 0.6, (word, in_genre)


def test_misspelt_name_lands_near_the_real_one(fitted: TwoTowerRecommender):
    tower = fitted.tower
    assert tower is not None
    rock, typo, jazz = (tower.encode(n, []) for n in ("rock", "Rockk!!", "jazz"))
    assert _cosine(rock, typo) > _cosine(rock, jazz)


def test_track_with_features_but_no_playlists_gets_a_finite_embedding(
        data: Dataset, fitted: TwoTowerRecommender):
    assert fitted.candidates is not None
    cold = fitted.candidates[-2:]
    assert np.all(np.isfinite(cold)) and np.all(np.abs(cold).sum(axis=1) > 0)
    assert not np.allclose(cold[0], cold[1]), "features must make cold tracks differ"
    assert data.track_popularity()[-2:].tolist() == [0, 0]


def test_catalog_buckets_and_features(data: Dataset):
    catalog = build_catalog(data, TINY.min_track_count, TINY.use_features)
    assert catalog.track_bucket[-2:].tolist() == [0, 0], "unplayed tracks share the rare bucket"
    assert catalog.features is not None and np.isfinite(catalog.features).all()
    missing = np.isnan(data.track_features).any(axis=1)
    np.testing.assert_array_equal(catalog.features[:, -1], missing.astype(np.float32))
    assert catalog.sampling_prob.sum() == pytest.approx(1.0, rel=1e-4)


def test_variants_train_and_serve(data: Dataset):
    for variant in ({"use_features": False}, {"use_name": False}):
        model = TwoTowerRecommender(dataclasses.replace(TINY, epochs=1), **variant)
        model.fit(data)
        recs = model.recommend(PlaylistQuery.of("rock", [0, 1]), 10)
        assert len(recs) == 10 and not {0, 1} & set(recs.ids.tolist())
    blind = model.tower
    assert blind is not None
    np.testing.assert_array_equal(blind.encode("rock", [0]), blind.encode("jazz", [0]))


def test_a_checkpoint_records_the_data_and_settings_it_is_for(data: Dataset, tmp_path: Path):
    """The app's training step tells from it whether the next training resumes or starts over
    (`TrainingState.epochs_stopped`)."""
    settings = dataclasses.replace(TINY, epochs=1)
    model = TwoTowerRecommender(settings)
    model.checkpoint_dir = tmp_path / "two_tower"
    model.fit(data)
    assert made_for(model.checkpoint_dir, data.fingerprint, settings) is True
    assert made_for(model.checkpoint_dir, None, settings) is True
    assert made_for(model.checkpoint_dir, "other data", settings) is False
    assert made_for(model.checkpoint_dir, data.fingerprint,
                    dataclasses.replace(settings, epochs=2)) is False
    assert made_for(tmp_path / "none", data.fingerprint, settings) is None


def test_fit_progress_counts_batches_and_says_the_epoch(data: Dataset):
    reports: list[Progress] = []
    TwoTowerRecommender(dataclasses.replace(TINY, epochs=1)).fit(data, progress=reports.append)
    batches = [p for p in reports if p.message.startswith("epoch 1/1 · loss ")]
    assert batches and all(p.unit == "batches" and p.total for p in batches), reports[:3]
    # the loss per example, as the epoch's: a batch's sum was shown before (6255.310)
    assert all(float(p.message.rsplit(" ", 1)[1]) < 20 for p in batches)


def test_small_data_gets_more_examples_a_playlist() -> None:
    """1,200 training playlists gave 4 steps an epoch and an untrained tower."""
    settings = TwoTowerSettings()
    assert settings.examples_from_each(1_154) == 15  # 16 batches of 1,024
    assert settings.examples_from_each(4_096) == 4  # from here on, the setting
    assert settings.examples_from_each(800_000) == 4
    assert TwoTowerSettings(min_steps_per_epoch=0).examples_from_each(1_154) == 4


def test_the_training_stream_is_not_autotuned(fitted: TwoTowerRecommender, data: Dataset):
    """tf.data's autotuning thread sleeps up to a minute between rounds, and the deletion of
    an iterator waited for it: fit returned up to 38 s after its last epoch."""
    from models import two_tower_tf  # TensorFlow is loaded: `fitted` trained

    names = np.zeros((data.n_playlists, 4), np.int64)
    examples = two_tower_tf.Examples(np.arange(10), names, names, data.interactions.indptr,
                                     data.interactions.indices)
    stream, _ = two_tower_tf.training_data(examples, TINY, first_epoch=0, per_playlist=4)
    assert stream.options().autotune.enabled is False


def test_vocabulary_matches_text_vectorization_ids():
    vocab = Vocabulary(["", "[UNK]", "< c h", "c h i"])
    assert trigrams(name_chars("Chi!!")) == ["< c h", "c h i", "h i >"]
    np.testing.assert_array_equal(vocab.ids(trigrams(name_chars("chi")), 5), [2, 3, 1])
    assert name_chars("") == "" and trigrams("") == []


def test_serving_never_imports_tensorflow(fitted: TwoTowerRecommender, data: Dataset,
                                          tmp_path: Path):
    fitted.save(tmp_path / "two_tower")
    np.savez(tmp_path / "data.npz", indptr=data.interactions.indptr,
             indices=data.interactions.indices, shape=data.interactions.shape)
    expected = fitted.recommend(PlaylistQuery.of("rock", [1, 2]), 10).ids.tolist()
    script = textwrap.dedent(f"""
        import sys, dataclasses
        import numpy as np, scipy.sparse as sp
        sys.path.insert(0, {str(ROOT / 'tests')!r})
        from models.base import PlaylistQuery
        from models.dataset import Dataset
        from models.progress import Cancelled, Progress
        from models.two_tower import TwoTowerRecommender
        z = np.load({str(tmp_path / 'data.npz')!r})
        matrix = sp.csr_matrix((np.ones(len(z["indices"]), np.float32), z["indices"],
                                z["indptr"]), shape=tuple(z["shape"]))
        data = Dataset(matrix, [], np.zeros(0), np.zeros(0), np.zeros(0), {data.fingerprint!r})
        model = TwoTowerRecommender.load({str(tmp_path / 'two_tower')!r}, data)
        print(model.recommend(PlaylistQuery.of("rock", [1, 2]), 10).ids.tolist())
        assert "tensorflow" not in sys.modules, "serving imported tensorflow"
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(expected)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def _cancel_in_epoch(settings: TwoTowerSettings, data: Dataset, directory: Path, epoch: int) -> None:
    """Fit with checkpoints in `directory`, cancelled as `epoch` starts."""
    cancel = threading.Event()
    model = TwoTowerRecommender(settings)
    model.checkpoint_dir = directory

    def on_progress(progress: Progress) -> None:
        if progress.message.startswith(f"epoch {epoch}/"):
            cancel.set()

    with pytest.raises(Cancelled):
        model.fit(data, progress=on_progress, cancel=cancel)


def _fit_from(settings: TwoTowerSettings, data: Dataset,
              directory: Path) -> tuple[TwoTowerRecommender, list[str]]:
    """Fit with checkpoints in `directory`; the model and its progress messages."""
    messages: list[str] = []
    model = TwoTowerRecommender(settings)
    model.checkpoint_dir = directory
    model.fit(data, progress=lambda p: messages.append(p.message))
    return model, messages


def test_cancelled_fit_resumes_after_the_last_whole_epoch(data: Dataset, tmp_path: Path):
    settings = dataclasses.replace(TINY, epochs=3, patience=3)
    straight = TwoTowerRecommender(settings)
    straight.fit(data)

    _cancel_in_epoch(settings, data, tmp_path, 3)
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["epochs_done"] == 2 and not state["finished"]
    assert {p.name.split(".")[0] for p in tmp_path.glob("epoch-*")} <= {"epoch-1", "epoch-2"}

    resumed, resumed_messages = _fit_from(settings, data, tmp_path)
    # the words shown until the first batch ends (a report of their own was replaced at once)
    shown = list(itertools.takewhile(lambda m: not m.startswith("epoch "), resumed_messages))
    assert shown[-1].startswith("resuming after epoch 2/3, training on "), shown
    assert not any(m.startswith(("epoch 1/", "epoch 2/")) for m in resumed_messages)
    assert resumed.history == straight.history
    np.testing.assert_allclose(resumed.candidates, straight.candidates, rtol=1e-5, atol=1e-5)

    finished, again = _fit_from(settings, data, tmp_path)
    assert not any(m.startswith("epoch ") for m in again), "a finished run trains nothing more"
    np.testing.assert_allclose(finished.candidates, straight.candidates, rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def straight_tiny(data: Dataset) -> TwoTowerRecommender:
    """TINY fitted without a cancel (read-only; the fit is deterministic: each test that
    compares with it fitted its own before, the same)."""
    model = TwoTowerRecommender(TINY)
    model.fit(data)
    return model


@pytest.mark.parametrize("said", ["building the towers", "training on"])
def test_a_cancel_during_start_up_stops_before_the_first_batch(data: Dataset, tmp_path: Path,
                                                               straight_tiny: TwoTowerRecommender,
                                                               said: str):
    """Start-up (vectorizers, towers, the first batch's graph) took 6-12 s on a busy machine
    with cancel looked at only after a batch: now between its steps too. A fit after it
    learns what one without it does."""
    cancel, messages = threading.Event(), []

    def on_progress(progress: Progress) -> None:
        messages.append(progress.message)
        if progress.message.startswith(said):
            cancel.set()

    with pytest.raises(Cancelled):
        TwoTowerRecommender(TINY).fit(data, progress=on_progress, cancel=cancel)
    assert not any(m.startswith("epoch ") for m in messages), messages
    after = TwoTowerRecommender(TINY)
    after.fit(data)
    assert after.history == straight_tiny.history


def test_checkpoint_of_other_settings_is_not_resumed(data: Dataset, tmp_path: Path):
    _cancel_in_epoch(dataclasses.replace(TINY, epochs=2), data, tmp_path, 2)
    assert (tmp_path / "state.json").exists()

    _, messages = _fit_from(dataclasses.replace(TINY, epochs=2, learning_rate=0.01), data, tmp_path)
    assert any(m.startswith("epoch 1/2 · loss ") for m in messages)
    assert not any(m.startswith("resuming") for m in messages)


def test_state_without_its_checkpoint_files_starts_over(data: Dataset, tmp_path: Path):
    settings = dataclasses.replace(TINY, epochs=2)
    _cancel_in_epoch(settings, data, tmp_path, 2)
    for path in tmp_path.glob("epoch-*"):
        path.unlink()

    _, messages = _fit_from(settings, data, tmp_path)
    assert any(m.startswith("epoch 1/2 · loss ") for m in messages)
    assert json.loads((tmp_path / "state.json").read_text())["finished"]


def test_features_imported_after_a_cancel_start_the_fit_over(data: Dataset, tmp_path: Path):
    """`mpdtui features --csv` between a cancelled fit and the next one: the data's fingerprint
    is the same, the candidate tower has more inputs (it crashed restoring the checkpoint)."""
    settings = dataclasses.replace(TINY, epochs=2)
    without_features = dataclasses.replace(data, track_features=None, feature_names=())
    _cancel_in_epoch(settings, without_features, tmp_path, 2)
    assert (tmp_path / "state.json").exists()

    _, messages = _fit_from(settings, data, tmp_path)
    assert any(m.startswith("epoch 1/2 · loss ") for m in messages)
    assert not any(m.startswith("resuming") for m in messages)


def test_a_checkpoint_whose_variables_do_not_fit_starts_over(data: Dataset, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    """Its key matched (a run of an earlier version, say), its variables do not."""
    monkeypatch.setattr(TwoTowerRecommender, "_run_key", lambda self, data, catalog: "one key")
    settings = dataclasses.replace(TINY, epochs=2)
    _cancel_in_epoch(settings, dataclasses.replace(data, track_features=None, feature_names=()),
                     tmp_path, 2)

    model, messages = _fit_from(settings, data, tmp_path)
    assert any(m.startswith("epoch 1/2 · loss ") for m in messages)
    assert not any(m.startswith("resuming") for m in messages)
    assert json.loads((tmp_path / "state.json").read_text())["epochs_done"] == 2
    assert np.isfinite(model.candidates).all()


def test_a_checkpoint_the_disk_fails_is_a_file_error_and_leaves_no_part(data: Dataset,
                                                                          tmp_path: Path):
    """TensorFlow's own error (it said "unexpected error") becomes the OSError it is, naming
    the folder, and its half-written checkpoint goes; one left by a killed save is no
    obstacle to the next fit."""
    settings = dataclasses.replace(TINY, epochs=1)
    largest = resource.getrlimit(resource.RLIMIT_FSIZE)

    def limit_once_training(progress: Progress) -> None:  # TensorFlow writes as it traces
        if progress.message.startswith("epoch 1/1 · loss"):
            resource.setrlimit(resource.RLIMIT_FSIZE, (CHECKPOINT_LIMIT, largest[1]))

    model = TwoTowerRecommender(settings)
    model.checkpoint_dir = tmp_path
    try:
        with pytest.raises(OSError) as raised:
            model.fit(data, progress=limit_once_training)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, largest)
    assert (raised.value.errno, raised.value.filename) == (errno.EFBIG, str(tmp_path))
    assert not list(tmp_path.glob("epoch-*"))

    (tmp_path / "epoch-1_temp").mkdir()  # as a save killed half-way leaves it
    (tmp_path / "epoch-1_temp" / "part").write_bytes(b"x")
    _, messages = _fit_from(dataclasses.replace(settings, epochs=2), data, tmp_path)
    assert any(m.startswith("epoch 2/2 · loss ") for m in messages)
    assert {p.name for p in tmp_path.glob("epoch-*")} <= {"epoch-1.index", "epoch-2.index",
                                                          "epoch-1.data-00000-of-00001",
                                                          "epoch-2.data-00000-of-00001"}
