"""The command line: cache-dir overrides, info --json, demo determinism, exit codes, no tracebacks."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hostile_support import InProcessJob, as_typed
from store_support import demo_csv_head

from models.npz_arrays import stamp_path, write_stamp
from models.progress import Cancelled, Progress
from mpdtui.cli import main
from mpdtui.data.builder_draft import Draft, write_draft
from mpdtui.data.catalog import Catalog
from mpdtui.data.demo import generate_demo
from mpdtui.data.demo_files import FEATURES_CSV
from mpdtui.data.features import FeatureStore
from mpdtui.data.saved_playlists import SavedPlaylists
from mpdtui.data.track_features import catalog_feature_matrix
from mpdtui.locations import Locations
from mpdtui.pipeline.display import NOTHING_HELD_OUT, amount
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.sources import DataSource, DemoSpec
from mpdtui.services.root import open_services

HANDMADE = Path(__file__).parent.parent / "fixtures" / "handmade.mpd.slice.0-2.json"


def test_info_json_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    assert main(["ingest", str(HANDMADE), "--cache-dir", str(cache)]) == 0
    capsys.readouterr()
    assert main(["--cache-dir", str(cache), "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {k: info[k] for k in ("playlists", "rows", "tracks", "artists", "albums")} == {
        "playlists": 3, "rows": 7, "tracks": 5, "artists": 3, "albums": 3}
    assert info["models"] == [] and info["default_model"] is None and info["r_precision"] == {}
    assert info["cache_dir"] == str(cache.resolve())
    assert info["disk_bytes"] == _files_bytes(cache)


def test_data_too_small_to_hold_playlists_out_serves_and_says_why_it_has_no_scores(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Three playlists: nothing is held out, the report has no score. The models' default
    read that missing score as a number: `suggest` and the builder said "unexpected error"."""
    monkeypatch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)
    cache = str(tmp_path / "cache")
    assert main(["--cache-dir", cache, "--train", "--mpd", str(HANDMADE),
                 "--models", "popularity", "title"]) == 0
    assert f"evaluation: {NOTHING_HELD_OUT}" in capsys.readouterr().out.splitlines()
    assert main(["--cache-dir", cache, "suggest", "--name", "road", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)  # served by the first model in serving order
    assert main(["--cache-dir", cache, "info"]) == 0
    assert f"     default: title (not evaluated: {NOTHING_HELD_OUT})" in (
        capsys.readouterr().out.splitlines())


def test_features_json_is_the_coverage_alone_on_standard_output(
        small_store: Locations, small_demo: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)
    cache = tmp_path / "cache"
    shutil.copytree(small_store.root, cache)
    assert main(["--cache-dir", str(cache), "features", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) is None, "no features yet"

    assert main(["--cache-dir", str(cache), "features", "--json", "--csv",
                 str(demo_csv_head(small_demo, tmp_path / FEATURES_CSV))]) == 0
    shown = capsys.readouterr()
    coverage = json.loads(shown.out)  # the import's own lines went to standard error
    assert "rows imported" in shown.err
    assert coverage["csv"] > 0 and coverage["api"] == 0 and not coverage["forbidden"]
    assert coverage["tracks"] == open_services(Locations.resolve(cache)).info()["tracks"]


def test_a_folder_or_a_missing_file_given_for_the_features_csv_says_what_to_give(
        small_store: Locations, small_demo: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """It said "cannot read the features CSV (Is a directory)", with nothing to do."""
    monkeypatch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)
    cache = tmp_path / "cache"
    shutil.copytree(small_store.root, cache)
    assert main(["--cache-dir", str(cache), "features", "--csv", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"mpdtui: {tmp_path} is a folder without a .csv file: "
                                       "give the features CSV (tracks_features.csv or "
                                       "dataset.csv, an Exportify export, or the zip they came "
                                       "in)\n")

    missing = tmp_path / "tracks_features.csv"
    assert main(["--cache-dir", str(cache), "features", "--csv", str(missing)]) == 2
    assert capsys.readouterr().err == (f"mpdtui: {missing} does not exist: give the features "
                                       "CSV (tracks_features.csv or dataset.csv, an Exportify "
                                       "export, or the zip they came in)\n")

    # a folder holding one: that one (the demo's folder holds its slices beside it)
    assert main(["--cache-dir", str(cache), "features", "--csv", str(small_demo)]) == 0
    assert f"{FEATURES_CSV}: " in capsys.readouterr().out


def test_info_names_the_features_once(small_store: Locations, small_demo: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)
    cache = tmp_path / "cache"
    shutil.copytree(small_store.root, cache)
    csv = demo_csv_head(small_demo, tmp_path / FEATURES_CSV)  # its length does not matter here
    assert main(["--cache-dir", str(cache), "features", "--csv", str(csv)]) == 0
    capsys.readouterr()
    assert main(["--cache-dir", str(cache), "info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0].strip() for line in lines] == [
        "cache_dir", "playlists", "rows", "tracks", "artists", "albums", "slices",
        "data_source", "models", "default", "features", "saved", "disk"]  # no JSON-only key
    line = next(line for line in lines if line.lstrip().startswith("features:"))
    assert line.lstrip().startswith("features: 0 tracks from the Spotify API, ")
    assert "Audio features" not in line
    assert len(line) > 80  # a file or a pipe gets one line a field

    def unattachable(*_: object) -> None:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(FeatureStore, "catalog_coverage", unattachable)  # read-only cache dir
    assert main(["--cache-dir", str(cache), "info"]) == 0
    assert line in capsys.readouterr().out.splitlines()  # the same counts, the slower way
    shown = _info_in_80_columns(cache)  # a terminal: wrapped at words, indented under its value
    assert all(len(row) <= 80 or len(row.split()) == 2 for row in shown)  # a long path: whole
    assert any(row.strip() == "playlists: 3,000" for row in shown)
    at = next(i for i, row in enumerate(shown) if "features:" in row)
    under = itertools.takewhile(lambda row: row.startswith(" " * 14), shown[at + 1:])
    features = [shown[at], *under]
    assert len(features) > 1 and " ".join(row.strip() for row in features) == line.strip()
    assert shown[-1].strip() == f"disk: {amount(_files_bytes(cache), 'bytes')} (the cache dir's files)"


def _files_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_features_job_keeps_the_catalog_s_features_for_the_next_suggestion(
        small_store: Locations, small_demo: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mpdtui.commands.jobs.JobProcess", InProcessJob)
    cache = tmp_path / "cache"
    shutil.copytree(small_store.root, cache)
    locations = Locations.resolve(cache)
    assert not locations.feature_matrix_npz.exists()
    csv = demo_csv_head(small_demo, tmp_path / FEATURES_CSV)  # its length does not matter here
    assert main(["--cache-dir", str(cache), "features", "--csv", str(csv)]) == 0
    assert locations.feature_matrix_npz.exists()
    with FeatureStore.open(locations, write=False) as store:
        stored, _ = store.catalog_feature_matrix(locations.catalog_db, len(uris := _uris(locations)))
    sql_reads: list[object] = []
    read_sql = FeatureStore.catalog_feature_matrix

    def counted(store: FeatureStore, *args: Any) -> Any:
        sql_reads.append(args)
        return read_sql(store, *args)

    monkeypatch.setattr(FeatureStore, "catalog_feature_matrix", counted)
    matrix, _ = catalog_feature_matrix(locations, len(uris), lambda: uris)
    assert not sql_reads  # taken from the copy the job kept
    assert np.isfinite(matrix).any() and np.array_equal(matrix, stored, equal_nan=True)


def test_training_on_the_demo_imports_its_features_once(tmp_path: Path) -> None:
    """`mpdtui --train --demo` trained without the demo's features: opening the store made
    the file whose absence meant "not imported yet" before the stage looked."""
    locations = Locations.resolve(tmp_path / "cache")
    services = open_services(locations)
    services.jobs.ingest(services.data.demo_source(DemoSpec(playlists=600, seed=2)))
    # the app's training step: features are its features step's
    skipped = services.jobs.run(JobRequest("setup", models=("popularity",), demo_features=False))
    assert skipped.features == [] and not locations.features_db.exists()
    first = services.jobs.run(JobRequest("setup", models=("popularity",)))
    assert len(first.features) == 1 and "rows imported" in first.features[0]
    with FeatureStore.open(locations, write=False) as store:
        known, _ = store.catalog_feature_matrix(locations.catalog_db, len(_uris(locations)))
    assert np.isfinite(known).all(axis=1).mean() > 0.8  # the demo's CSV covers about 90%
    assert services.jobs.run(JobRequest("setup", models=("title",))).features == []


def _uris(locations: Locations) -> list[str]:
    with Catalog.open(locations) as catalog:
        return list(catalog.track_uris())


def _info_in_80_columns(cache: Path) -> list[str]:
    import pexpect

    info = pexpect.spawn(sys.executable, ["-m", "mpdtui.cli", "info"], dimensions=(24, 80),
                         encoding="utf-8", env={**os.environ, "MPDTUI_CACHE_DIR": str(cache)})
    lines = info.read().splitlines()
    info.close()
    assert info.exitstatus == 0
    return lines


def test_env_var_sets_the_cache_dir(cache_dir: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(HANDMADE)]) == 0
    assert cache_dir.catalog_db.exists()


def test_cache_dir_option_beats_env_var(cache_dir: Locations, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert main(["ingest", str(HANDMADE), "--cache-dir", str(other)]) == 0
    assert (other / "catalog.sqlite3").exists() and not cache_dir.catalog_db.exists()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_demo_data_same_seed_same_bytes(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        assert main(["demo-data", str(tmp_path / name), "--playlists", "1200", "--seed", str(seed)]) == 0
    first = _digest(tmp_path / "a")
    assert sorted(first) == ["mpd.slice.0-999.json", "mpd.slice.1000-1999.json", "tracks_features.csv"]
    assert first == _digest(tmp_path / "b")
    assert first != _digest(tmp_path / "c")


def test_demo_data_writes_over_no_file_of_its_own_name_but_a_demo(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`demo-data ~/mpd/data` had written the demo over the MPD's slices of the same names (and
    a `tracks_features.csv` of the user's); an earlier demo is replaced whole."""
    mpd, features = tmp_path / "mpd", tmp_path / "features"
    mpd.mkdir()
    features.mkdir()
    shutil.copy(HANDMADE, mpd / "mpd.slice.0-999.json")
    (features / "tracks_features.csv").write_text("id,tempo\n")
    for folder, named in ((mpd, "mpd.slice.0-999.json is not a slice of mpdtui's demo"),
                          (features, "tracks_features.csv is not beside a demo's slices")):
        before = _digest(folder)
        assert main(["demo-data", str(folder), "--playlists", "1000"]) == 2
        assert named in capsys.readouterr().err and _digest(folder) == before
    assert main(["demo-data", str(tmp_path / "demo"), "--playlists", "2500"]) == 0
    for folder in ("demo", "fresh"):
        assert main(["demo-data", str(tmp_path / folder), "--playlists", "1000", "--seed", "1"]) == 0
    assert _digest(tmp_path / "demo") == _digest(tmp_path / "fresh")  # 3 slices replaced by 1


@pytest.mark.parametrize("dense", [False, True])
def test_demo_progress_counts_slices_then_says_the_csv(tmp_path: Path, dense: bool) -> None:
    reports: list[Progress] = []
    generate_demo(tmp_path, 1200, seed=1, progress=reports.append, dense=dense)
    assert [(p.done, p.total, p.message) for p in reports] == [
        (1, 2, ""), (2, 2, ""),  # the bar counts the slices: the words said it again
        (2, 2, "audio features CSV")]
    assert {p.unit for p in reports} == {"slices"}


def _run(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), *args],
                          capture_output=True, text=True, timeout=120)
    done.stdout, done.stderr = as_typed(done.stdout, cache), as_typed(done.stderr, cache)
    return done


@pytest.mark.parametrize(("args", "expected"), [
    (("ingest", "/no/such/folder"), "/no/such/folder does not exist"),
    (("suggest", "--name", "x"), "no data in"),
    (("evaluate",), "no trained model to evaluate"),
])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    done = _run(*args, cache=tmp_path / "cache")
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_bad_slice_exit_2_and_debug_shows_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "mpd.slice.0-999.json"
    bad.write_text('{"playlists": [{"name": "x", "pid": 0}]}')
    done = _run("ingest", str(bad), cache=tmp_path / "cache")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"mpdtui: {bad}: playlist pid=0 (playlists[0]): "
                                   'missing field "collaborative"; fix or replace that file')
    # --skip-bad is advised where there are other slices to ingest
    bad.rename(tmp_path / "mpd.slice.1000-1999.json")
    (tmp_path / "mpd.slice.0-999.json").write_text('{"playlists": [{"name": "x", "pid": 0}]}')
    done = _run("ingest", str(tmp_path), cache=tmp_path / "cache")
    assert done.stderr.strip().endswith("; fix or remove that file, or add --skip-bad to ingest "
                                        "the other slices")
    debug = _run("ingest", str(bad), "--debug", cache=tmp_path / "cache")
    assert "Traceback" in debug.stderr


def test_ingest_progress_is_plain_lines_when_not_a_terminal(small_demo: Path, tmp_path: Path) -> None:
    done = _run("ingest", str(small_demo), cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("ingest: ") and "rows/s" in lines[-2]
    assert "indexing" in lines[-2]  # after the slices, before the indexes and matrices
    assert lines[-1] == "ingested 3 slices (3,000 playlists, " + lines[-1].split(", ", 1)[1]


def test_other_data_replaces_the_demo_and_keeps_saved_playlists(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    locations = Locations.resolve(tmp_path / "cache")
    services = open_services(locations)
    services.jobs.ingest(services.data.demo_source(DemoSpec(playlists=600, seed=2)))
    services.jobs.train(["popularity"])
    services.playlists.save("from the demo", services.catalog.search("a", 2))
    write_stamp(locations.split_npz, from_bytes=0)  # as a split of the MPD's size has
    assert services.data.holds_demo() and services.info()["models"] == ["popularity"]
    assert main(["info", "--cache-dir", str(locations.root)]) == 0
    assert (f"data_source: the demo dataset (600 playlists, seed 2) in {locations.demo_dir}"
            in capsys.readouterr().out)

    assert main(["ingest", str(tmp_path / "nowhere"), "--cache-dir", str(locations.root)]) == 2
    assert open_services(locations).info()["models"] == ["popularity"], "a wrong path replaces nothing"
    assert main(["ingest", str(HANDMADE), "--cache-dir", str(locations.root)]) == 2, \
        "replacing the demo is asked for"
    assert "--replace" in capsys.readouterr().err
    assert main(["ingest", str(HANDMADE), "--replace", "--cache-dir", str(locations.root)]) == 0
    assert main(["info", "--cache-dir", str(locations.root)]) == 0
    assert f"data_source: {HANDMADE.resolve()}\n" in capsys.readouterr().out
    after = open_services(locations)
    info = after.info()
    assert (info["playlists"], info["tracks"], info["models"]) == (3, 5, [])
    assert not after.data.holds_demo() and not locations.models_dir.exists()
    assert not locations.split_npz.exists() and not stamp_path(locations.split_npz).exists()
    after.jobs.train(["popularity"])
    more = tmp_path / "more"  # MPD-format slices of another origin: added beside
    generate_demo(more, 1000, seed=3)
    assert main(["ingest", str(more), "--cache-dir", str(locations.root)]) == 0
    assert main(["info", "--cache-dir", str(locations.root)]) == 0
    shown = capsys.readouterr().out
    assert f"data_source: {HANDMADE.resolve()}; also {more}\n" in shown
    added = after.info()["models_trained_without"]  # the data grew: the model serves on
    assert added is not None and added["playlists"] == 1000 and added["tracks"] > 0
    assert (f"models: popularity (trained before 1,000 playlists and {added['tracks']:,} new "
            "tracks were added; `mpdtui --train` trains them on those too)"
            ) in " ".join(shown.split())
    assert (f"popularity serves on, trained before 1,000 playlists and {added['tracks']:,} new "
            "tracks were added: `mpdtui --train` trains them on these too.") in shown, "the ingest"
    assert [p.name for p in after.playlists.summaries()] == ["from the demo"]
    assert locations.demo_dir.exists(), "the demo files stay, to switch back without generating"


def test_other_data_is_appended_to_real_data(tmp_path: Path, small_demo: Path) -> None:
    cache = tmp_path / "cache"
    assert main(["ingest", str(HANDMADE), "--cache-dir", str(cache)]) == 0
    assert main(["ingest", str(small_demo), "--cache-dir", str(cache)]) == 0
    assert open_services(Locations.resolve(cache)).info()["playlists"] == 3 + 3000


def test_a_cancelled_replacement_of_the_demo_resumes(tmp_path: Path, small_demo: Path) -> None:
    services = open_services(Locations.resolve(tmp_path / "cache"))
    services.jobs.ingest(services.data.demo_source(DemoSpec(playlists=600, seed=2)))
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        # cancel once a slice is committed (a heartbeat may come first: slices take a while)
        services.jobs.ingest(small_demo, progress=lambda event: event.done >= 1 and cancel.set(),
                       cancel=cancel, replace=True)
    committed = services.info()["slices"]
    assert 1 <= committed < 3

    resumed = services.jobs.ingest(small_demo)
    assert (resumed.already_done, resumed.ingested) == (committed, 3 - committed)
    assert services.info()["playlists"] == 3000


def test_other_data_takes_the_place_of_a_demo_stopped_before_its_first_playlist(
        tmp_path: Path, small_demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing to lose, so nothing to confirm: the app asked "Replace 0 playlists?"."""
    locations = Locations.resolve(tmp_path / "cache")
    with Catalog.create_or_open(locations) as catalog:  # as the demo's source stage leaves it
        catalog.add_source(DataSource.of_demo(locations, DemoSpec(playlists=600)).to_json())
    services = open_services(locations)
    assert services.data.holds_demo() and services.info()["playlists"] == 0
    assert services.data.replacement_question(small_demo) is None

    cache = str(services.locations.root)
    assert main(["ingest", str(small_demo), "--cache-dir", cache]) == 0
    assert main(["info", "--cache-dir", cache]) == 0
    assert f"data_source: {small_demo.resolve()}\n" in capsys.readouterr().out
    assert not open_services(services.locations).data.holds_demo()


@pytest.mark.parametrize("redirected", ["input", "error"])
def test_the_app_without_a_terminal_says_so(tmp_path: Path, redirected: str) -> None:
    """`mpdtui < file` or `mpdtui 2> log`: one line and exit code 2, not escape codes drawn
    into the file while the app waits for keys; the cache dir is left as it was."""
    import pty

    keyboard, terminal = pty.openpty()  # the side that is still a terminal
    log = tmp_path / "log"
    with log.open("w") as log_file:
        done = subprocess.run(
            [sys.executable, "-m", "mpdtui.cli"],
            stdin=subprocess.DEVNULL if redirected == "input" else terminal,
            stderr=log_file if redirected == "error" else terminal, stdout=subprocess.DEVNULL,
            timeout=60, env={**{k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"},
                             "MPDTUI_CACHE_DIR": str(tmp_path / "cache")})
    os.close(terminal)
    said = log.read_text() if redirected == "error" else os.read(keyboard, 4096).decode()
    os.close(keyboard)
    assert done.returncode == 2
    assert said.strip().splitlines() == [
        f"mpdtui: the app needs a terminal, and its standard {redirected} is not one (redirected "
        "or piped): run `mpdtui` in a terminal without redirecting it; for scripts, "
        "`mpdtui --train` and the commands in `mpdtui --help` need none"]
    assert not (tmp_path / "cache").exists()


def test_info_counts_the_saved_playlists_and_names_one_the_app_left_unsaved(
        small_store: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(small_store.root, tmp_path / "cache")
    locations = Locations.resolve(tmp_path / "cache")
    assert main(["--cache-dir", str(locations.root), "info"]) == 0
    assert ("       saved: none yet (the builder's ctrl+s, or `mpdtui suggest --save NAME`)"
            in capsys.readouterr().out.splitlines())
    SavedPlaylists.open(locations).save("gym", [])
    ended = subprocess.Popen([sys.executable, "-c", "pass"])  # the app's process, gone
    ended.wait()
    uris = tuple(t.uri for t in open_services(locations).catalog.tracks([1, 2]))
    for unseen, said in ((("spotify:track:" + "x" * 22,), ""),  # other data's: not shown
                         (uris, "; the app closed with 'night drive' (2 tracks) unsaved: "
                                "`mpdtui` shows it again")):
        write_draft(locations.old_builder_draft, Draft("night drive", unseen, pid=ended.pid))
        assert main(["--cache-dir", str(locations.root), "info"]) == 0
        assert f"       saved: 1 playlist (`mpdtui playlists`){said}" in (
            capsys.readouterr().out.splitlines())
    newer = locations.builder_draft_of(ended.pid)  # another window's, closed later
    write_draft(newer, Draft("", uris[:1], pid=ended.pid))  # tracks added, no name typed
    os.utime(newer, (time.time() + 5, time.time() + 5))
    assert main(["--cache-dir", str(locations.root), "info"]) == 0
    assert ("       saved: 1 playlist (`mpdtui playlists`); apps closed with 2 playlists "
            "unsaved (an unnamed playlist, 'night drive'): each start of `mpdtui` shows one "
            "again, the newest first") in capsys.readouterr().out.splitlines()


def test_train_with_every_slice_skipped_says_there_is_nothing_to_learn(tmp_path: Path) -> None:
    """`--train --mpd BAD --skip-bad` in an empty cache dir: the job stops for want of playlists
    before the skipped list is printed, so its one line names the slice skipped and why."""
    bad = tmp_path / "mpd.slice.0-999.json"
    bad.write_text('{"playlists": [{"name": "x", "pid": 0}]}')
    done = _run("--train", "--mpd", str(bad), "--skip-bad", "--models", "popularity",
                cache=tmp_path / "cache")
    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stderr.strip()
    assert line.startswith(f"mpdtui: no playlist in {tmp_path / 'cache'} has a track to learn "
                           f"from: --skip-bad skipped every slice as bad: {bad}: "), line
    assert line.endswith("; fix the slices, or give others, then run it again"), line
    assert "\n" not in line and "more bad" not in line
    (tmp_path / "mpd.slice.1000-1999.json").write_text("{bad")
    (tmp_path / "mpd.slice.2000-2999.json").write_text("{bad")
    done = _run("--train", "--mpd", str(tmp_path), "--skip-bad", "--models", "popularity",
                cache=tmp_path / "cache")
    assert done.returncode == 2, done.stdout + done.stderr
    assert (f"--skip-bad skipped every slice as bad: {bad}: " in done.stderr
            and " (and 2 more bad slices); fix the slices" in done.stderr), done.stderr


def test_python_m_mpdtui_is_the_command(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "mpdtui", "--cache-dir", str(tmp_path), "info",
                           "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cache_dir"] == str(tmp_path)


def test_train_with_the_only_slice_skipped_says_nothing_new_came(small_demo: Path,
                                                                 tmp_path: Path) -> None:
    """`--train --mpd BAD --skip-bad` in a cache dir holding data: it says that nothing came
    of BAD and what the models were trained on, and BAD is not recorded (a later `--train`
    would stop on it, with nothing to fix in the data it trains on)."""
    cache = tmp_path / "cache"
    assert _run("ingest", str(small_demo), cache=cache).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{bad")
    done = _run("--train", "--mpd", str(bad), "--skip-bad", "--models", "popularity", cache=cache)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"  {bad}: invalid JSON" in done.stderr
    playlists = json.loads(_run("info", "--json", cache=cache).stdout)["playlists"]
    assert (f"nothing new ingested (the bad slice skipped, above: {bad}); trained on the "
            f"{playlists:,} playlists already in {cache}\ntrained: popularity") in done.stdout
    assert str(bad) not in _run("info", cache=cache).stdout
    again = _run("--train", "--models", "popularity", cache=cache)
    assert again.returncode == 0, again.stderr
