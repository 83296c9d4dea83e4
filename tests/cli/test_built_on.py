"""A ranker (or blend) learned from the scores of the models it is built on: when one of them
is trained again (`--retrain`, new settings, a new version), the ranker is trained again too; so
is a model that reads audio features once other features came in."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hostile_support import as_typed
from store_support import demo_csv_head

from models.model_dir import META_JSON, peek_meta
from models.progress import Cancelled
from mpdtui import config, splits, training
from mpdtui.cli import build_parser, main
from mpdtui.locations import Locations
from mpdtui.pipeline.events import Event, ModelSaved, StageProgress
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.runner import run_job
from mpdtui.services.root import open_services

SMALL_RANKER = {"components": ["als", "title"], "max_cases": 200, "candidates": 50}
SMALL_ALS = {"factors": 16, "iterations": 4}


def _small_settings_copy(source: Path, target: Path) -> Locations:
    shutil.copytree(source, target)
    locations = Locations.resolve(target)
    config.update(locations, model_settings={"ranker": SMALL_RANKER, "als": SMALL_ALS})
    return locations


@pytest.fixture
def store(small_store: Locations, tmp_path: Path) -> Locations:
    return _small_settings_copy(small_store.root, tmp_path / "cache")


@pytest.fixture(scope="module")
def ranker_trained_dir(small_store: Locations, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small store with its ranker (and the models it is built on) trained once for the
    module: what each test below did first (`mpdtui --train --models ranker`)."""
    locations = _small_settings_copy(small_store.root, tmp_path_factory.mktemp("built-on") / "c")
    assert open_services(locations).jobs.train(["ranker"]).trained == ["title", "als", "ranker"]
    return locations.root


@pytest.fixture
def trained(ranker_trained_dir: Path, tmp_path: Path) -> Locations:
    """A private copy of the store with the ranker trained."""
    target = tmp_path / "cache"
    shutil.copytree(ranker_trained_dir, target)
    return Locations.resolve(target)


def _token(locations: Locations, name: str) -> str:
    return str(peek_meta(locations.model_dir(name))["token"])


def test_the_ranker_records_the_models_it_was_built_on(store: Locations) -> None:
    done = open_services(store).jobs.train(["ranker"])
    assert done.trained == ["title", "als", "ranker"]
    assert peek_meta(store.model_dir("ranker"))["component_tokens"] == {
        "als": _token(store, "als"), "title": _token(store, "title")}
    fingerprint = splits.current_split(store)
    assert fingerprint is not None
    assert training.model_is_current(store, "ranker", fingerprint.fingerprint,
                                     SMALL_RANKER)


def test_retraining_a_component_retrains_the_ranker_built_on_it(trained: Locations) -> None:
    services = open_services(trained)
    ranker_before = _token(trained, "ranker")

    again = services.jobs.train(["als"], retrain=True)  # `mpdtui --train --retrain --models als`
    assert again.trained == ["als", "ranker"], "the saved ranker follows the ALS it is built on"
    assert _token(trained, "ranker") != ranker_before
    assert peek_meta(trained.model_dir("ranker"))["component_tokens"]["als"] == _token(trained, "als")

    ranker_only = services.jobs.train(["ranker"], retrain=True)
    assert (ranker_only.trained, ranker_only.reused) == (["ranker"], ["title", "als"]), \
        "`--retrain --models ranker` retrains the ranker, not the models it is built on"

    config.update(trained, model_settings={"ranker": SMALL_RANKER, "als": {**SMALL_ALS, "factors": 8}})
    settings_changed = services.jobs.train(["ranker"])
    assert settings_changed.trained == ["als", "ranker"], \
        "new ALS settings retrain ALS, and so the ranker"
    assert services.jobs.train(["ranker"]).trained == []


def test_a_retrain_stopped_after_a_model_keeps_it_when_run_again(trained: Locations) -> None:
    """`--retrain --models als` stopped in the ranker, run again as it says: ALS, trained
    again already, is kept (it was trained over from the start); once the job ended well, a
    new `--retrain` trains it again."""
    services = open_services(trained)
    cancel = threading.Event()

    def stop_once_als_is_saved(event: Event) -> None:
        if isinstance(event, ModelSaved) and event.model == "als":
            cancel.set()

    with pytest.raises(Cancelled):
        services.jobs.train(["als"], retrain=True, progress=stop_once_als_is_saved, cancel=cancel)
    als = _token(trained, "als")
    # the saved ranker serves on, built on the ALS replaced: `mpdtui info` names it as left
    assert open_services(trained).info()["training_left"] == ["ranker"]
    assert open_services(trained).training.built_on_replaced("ranker") == ["als"]
    resumed = services.jobs.train(["als"], retrain=True)
    assert (resumed.trained, _token(trained, "als")) == (["ranker"], als)
    assert not trained.retrained_json.exists(), "the job ended well"
    assert services.jobs.train(["als"], retrain=True).trained == ["als", "ranker"]
    assert _token(trained, "als") != als


def test_the_help_says_what_models_and_retrain_train() -> None:
    """`mpdtui --help` says what the tests above check (it said "train only these models")."""
    said = " ".join(build_parser().format_help().split())
    assert ("--models MODEL [MODEL ...] train these models and those they are built on (the "
            "ranker's retrievers), and again a saved ranker or blend built on one of them "
            "(default: all)") in said
    assert ("--retrain train again, even when trained for this data, the models --models names "
            "(all without it), not those they are built on") in said


def test_a_ranker_over_a_component_saved_since_is_trained_again(trained: Locations) -> None:
    """As after a run cancelled between the two saves, or a new version of one model."""
    split = splits.current_split(trained)
    assert split is not None
    meta_path = trained.model_dir("als") / META_JSON
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "token": "saved-again"}))
    assert not training.model_is_current(trained, "ranker", split.fingerprint, SMALL_RANKER)
    meta_path.write_text(json.dumps(meta))

    ranker_meta = trained.model_dir("ranker") / META_JSON
    saved = json.loads(ranker_meta.read_text())
    del saved["component_tokens"]  # a ranker saved before the tokens were recorded
    ranker_meta.write_text(json.dumps(saved))
    assert training.model_is_current(trained, "ranker", split.fingerprint, SMALL_RANKER)


def test_a_retrained_ranker_alone_is_scored_again(trained: Locations) -> None:
    services = open_services(trained)
    before = training.load_report(trained)
    assert before is not None

    scored: set[str] = set()

    def on_event(event: object) -> None:
        if isinstance(event, StageProgress) and event.stage == "evaluate" and event.message:
            # "ranker: ...", or "ranker · 3 s" where the job's heartbeat says a slow phase goes
            # on; a heartbeat before the stage's first message says only "3 s"
            named = event.message.split(":")[0].split(" · ")[0]
            if not re.fullmatch(r"\d+ s", named):
                scored.add(named)

    services.jobs.train(["ranker"], progress=on_event, retrain=True)
    assert scored == {"ranker"}, "the retrievers it reused keep their results"
    after = training.load_report(trained)
    assert after is not None and set(after["models"]) == set(before["models"])
    assert after["models"]["als"] == before["models"]["als"]


def test_a_model_scored_alone_keeps_the_title_model_as_its_fallback(trained: Locations) -> None:
    """As it serves: ALS cannot read a name, the title model answers "title only" playlists.
    `mpdtui evaluate --models als` scored ALS without it, and saved that lower score."""
    full = training.load_report(trained)
    assert full is not None
    title_only = "title_only"
    assert (full["models"]["als"]["categories"][title_only]
            == full["models"]["title"]["categories"][title_only])

    alone = run_job(trained, JobRequest("evaluate", models=("als",)), lambda event: None).report
    assert alone is not None and alone["models"]["als"] == full["models"]["als"]


def test_features_imported_after_training_train_the_models_that_read_them_again(
        trained: Locations, small_demo: Path, tmp_path: Path) -> None:
    """A CSV imported after the first training left the ranker and the two-tower model as they
    were: the training step reused them, and they never used the features."""
    services = open_services(trained)
    assert peek_meta(trained.model_dir("ranker"))["tracks_with_audio"] == 0
    assert "tracks_with_audio" not in peek_meta(trained.model_dir("als"))

    csv = demo_csv_head(small_demo, tmp_path / "tracks_features.csv")
    request = JobRequest("features", features_csv=(str(csv),), download="no")
    imported = run_job(trained, request, lambda event: None)
    assert imported.behind_on_audio == ["ranker"], "the saved models that read features"
    assert services.info()["models_behind_on_audio"] == ["ranker"]  # `mpdtui info` says so
    with_audio = splits.training_dataset(trained, splits.training_split(trained)).tracks_with_audio()
    assert imported.audio_gained == services.info()["audio_gained"] == with_audio > 0

    again = services.jobs.train(["ranker"])
    assert (again.trained, again.reused) == (["ranker"], ["title", "als"])
    data = splits.training_dataset(trained, splits.training_split(trained))
    assert peek_meta(trained.model_dir("ranker"))["tracks_with_audio"] == data.tracks_with_audio() > 0
    assert services.jobs.train(["ranker"]).trained == []
    assert run_job(trained, request, lambda event: None).behind_on_audio == []
    assert open_services(trained).info()["models_behind_on_audio"] == []


@pytest.mark.parametrize("damage", ["component removed", "component of another version"])
def test_a_ranker_whose_component_cannot_load_is_not_served(trained: Locations,
                                                            damage: str) -> None:
    """The default was the ranker, whose loading then failed: the builder said "No models"
    though others were trained. Now the ranker is left out, and the next best serves."""
    services = open_services(trained)
    assert services.models.servable() == ["title", "als", "ranker"]
    if damage == "component removed":
        shutil.rmtree(trained.model_dir("als"))
    else:  # saved by another mpdtui (a model's version changed in an upgrade)
        meta_path = trained.model_dir("als") / META_JSON
        meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), "version": 999}))
    services = open_services(trained)
    assert services.models.servable() == ["title"]
    default = services.models.default()
    assert default == "title" and services.models.model(default) is not None
    info = as_typed(subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir",
                                    str(trained.root), "info"], capture_output=True, text=True,
                                   check=True).stdout, trained.root)
    unservable = "ranker" if damage == "component removed" else "als, ranker"
    assert (f"      models: title (not {unservable}: saved by another version of mpdtui, or "
            "built on a model that is gone; `mpdtui --train` trains them again)") in info
    services.jobs.run(JobRequest("evaluate"))  # the servable ones: the ranker's result goes
    assert list(training.load_report(trained)["models"]) == ["title"]
    assert services.jobs.train(["ranker"]).trained == ["als", "ranker"]  # the advice works
    assert open_services(trained).models.servable() == ["title", "als", "ranker"]


def test_a_training_for_new_features_stopped_is_said_as_left(
        trained: Locations, small_demo: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Features imported after a training, then `--train` stopped while it trained the models
    that read them again: the saved ones serve on, so `info` had no word of the stop (the
    training left nothing, by `training_left`), and the app's start said nothing."""
    csv = demo_csv_head(small_demo, tmp_path / "tracks_features.csv")
    run_job(trained, JobRequest("features", features_csv=(str(csv),), download="no"),
            lambda event: None)
    cancel = threading.Event()

    def stop_in_the_candidates(event: Event) -> None:
        if (isinstance(event, StageProgress) and event.stage == "ranker"
                and event.unit == "validation playlists" and event.done > 0):
            cancel.set()

    with pytest.raises(Cancelled):
        open_services(trained).jobs.train(["ranker"], progress=stop_in_the_candidates,
                                          cancel=cancel)
    assert open_services(trained).info()["training_left"] == ["ranker"]
    assert main(["--cache-dir", str(trained.root), "info"]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert re.search(r"\(a training stopped before ranker: `mpdtui --train` continues it; "
                     r"ranker continues from the candidates of \d+ validation playlists\)", said)
