"""Jobs: one writer per cache dir, readers never blocked, interrupted work resumed with the
user's data, and no process left behind by a killed job or a killed front end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest
from hostile_support import as_typed
from store_support import ingest_stopped_after_one_slice

from models.npz_arrays import arrays_are_whole
from mpdtui import config
from mpdtui.data.catalog import Catalog
from mpdtui.data.demo import generate_demo
from mpdtui.data.matrices import load_interactions
from mpdtui.locations import Locations
from mpdtui.pipeline.events import (
    JobFailed,
    JobFinished,
    ModelSaved,
    Notice,
    StageFinished,
    StageProgress,
    StageStarted,
    decode,
    encode,
)
from mpdtui.pipeline.lock import CacheBusy, WriterLock, current_holder, is_locked
from mpdtui.pipeline.request import JobRequest
from mpdtui.services.root import open_services

HANDMADE = Path(__file__).parent.parent / "fixtures" / "handmade.mpd.slice.0-2.json"


def mpdtui(*args: str, cache: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), *args],
                          capture_output=True, text=True, timeout=timeout)
    done.stdout, done.stderr = as_typed(done.stdout, cache), as_typed(done.stderr, cache)
    return done


def start(*args: str, cache: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(condition: object, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def store_contents(locations: Locations) -> tuple[object, ...]:
    """What an ingest produced: counts, the manifest and the matrix."""
    with Catalog.open(locations) as catalog:
        counts, manifest = catalog.counts(), catalog.manifest()
    matrix, fingerprint = load_interactions(locations)
    return counts, manifest, fingerprint, matrix.indptr.tolist(), matrix.indices.tolist()


@pytest.fixture(scope="module")
def six_slices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough slices that the ingest starts its worker processes."""
    folder = tmp_path_factory.mktemp("six-slices")
    generate_demo(folder, 6000, seed=5)
    return folder


def test_events_are_json_lines() -> None:
    events = [StageStarted("ingest", "ingest"), StageProgress("ingest", 3, 10, "slices", "x", 1.5, 4),
              StageFinished("als", "skipped", "already trained"), Notice("features", "wait", 30.0),
              ModelSaved("als"), JobFinished({"trained": ["als"]}),
              JobFailed("busy", "the cache dir is busy", "trace")]
    for event in events:
        line = encode(event)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        assert decode(line) == event
    with pytest.raises(ValueError):
        decode(b'{"event": "nosuch"}')


def test_a_second_writer_is_refused_at_once(tmp_path: Path) -> None:
    locations = Locations.resolve(tmp_path / "cache")
    with WriterLock(locations, "training"):
        assert is_locked(locations)
        holder = current_holder(locations)
        assert holder is not None and holder.pid == os.getpid() and holder.what == "training"
        with pytest.raises(CacheBusy, match=r"busy: training \(pid \d+\) since"), \
                WriterLock(locations, "ingest"):
            pass
        began = time.monotonic()
        done = mpdtui("ingest", str(HANDMADE), cache=locations.root)
        assert time.monotonic() - began < 30
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "is busy: training (pid" in done.stderr and "Traceback" not in done.stderr
    assert not locations.catalog_db.exists(), "the refused writer wrote nothing"
    assert not is_locked(locations)


def test_two_ingests_at_once_give_one_clean_store(tmp_path: Path, small_demo: Path) -> None:
    cache = tmp_path / "cache"
    first = start("ingest", str(small_demo), cache=cache)
    locations = Locations.resolve(cache)
    wait_until(lambda: current_holder(locations) is not None, what="the first ingest's lock")
    job = psutil.Process(current_holder(locations).pid)  # type: ignore[union-attr]
    job.suspend()  # the first writer holds the cache dir as long as the second tries
    try:
        second = mpdtui("ingest", str(HANDMADE), cache=cache)
    finally:
        job.resume()
    _out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 2 and f"ingest (pid {job.pid})" in second.stderr

    clean = Locations.resolve(tmp_path / "clean")
    assert mpdtui("ingest", str(small_demo), cache=clean.root).returncode == 0
    assert store_contents(locations) == store_contents(clean)


def test_readers_are_not_blocked_by_a_writer(trained_cache: Path) -> None:
    locations = Locations.resolve(trained_cache)
    with WriterLock(locations, "training"):
        info = mpdtui("info", "--json", cache=trained_cache, timeout=60)
        suggest = mpdtui("suggest", "--name", "party", "--k", "5", cache=trained_cache, timeout=60)
    assert info.returncode == 0 and '"models"' in info.stdout
    assert suggest.returncode == 0, suggest.stderr
    assert suggest.stdout.count("spotify:track:") == 5


@pytest.fixture(scope="module")
def trained_cache(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("jobs-trained")
    done = mpdtui("--train", "--mpd", str(small_demo), "--models", "popularity", "title",
                  cache=cache)
    assert done.returncode == 0, done.stderr
    return cache


def test_train_after_an_interrupted_ingest_keeps_the_users_data(tmp_path: Path,
                                                                 small_demo: Path) -> None:
    locations = Locations.resolve(tmp_path / "cache")
    ingest_stopped_after_one_slice(locations, small_demo)
    assert open_services(locations).info()["slices"] == 1

    done = mpdtui("--train", "--models", "popularity", cache=locations.root)
    assert done.returncode == 0, done.stderr
    info = open_services(locations).info()
    assert info["playlists"] == 3000, "the interrupted ingest was resumed, not the demo added"
    assert info["data_source"] == str(small_demo.resolve())
    assert not locations.demo_dir.exists()
    again = mpdtui("ingest", str(small_demo), cache=locations.root)
    assert again.returncode == 0 and "ingested 0 slices" in again.stdout
    assert open_services(locations).info()["models"] == ["popularity"], "ingest A again drops nothing"


def test_an_unfinished_ingest_is_named_with_the_command_that_finishes_it(
        tmp_path: Path, small_demo: Path) -> None:
    locations = Locations.resolve(tmp_path / "cache")
    open_services(locations).jobs.ingest(small_demo)
    with Catalog.create_or_open(locations) as catalog:  # as a killed ingest leaves it
        catalog.db.execute("DELETE FROM meta WHERE key = 'finalized'")
    advice = (f"the data is not fully ingested (an ingest was interrupted, or is running): run "
              f"`mpdtui ingest {small_demo.resolve()}` again to finish it")

    stats = mpdtui("info", "--stats", cache=locations.root)
    assert stats.returncode == 2 and stats.stderr.strip() == f"mpdtui: {advice}"
    assert f"({advice})" in mpdtui("info", cache=locations.root).stdout
    missing = mpdtui("search", "zzqqxx", cache=locations.root)
    assert missing.stdout.strip() == f"no track matches 'zzqqxx': {advice}"

    assert mpdtui("ingest", str(small_demo.resolve()), cache=locations.root).returncode == 0
    assert mpdtui("info", "--stats", cache=locations.root).returncode == 0
    missing = mpdtui("search", "zzqqxx", cache=locations.root)
    assert missing.stdout.strip() == "no track matches 'zzqqxx': try fewer or shorter words"
    missing = mpdtui("search", "...", cache=locations.root)  # no word: shorter words cannot help
    assert missing.stdout.strip() == ("no track matches '...': type words of a title, artist or "
                                      "album (letters or digits)")
    # links that name no track of the catalog: what they name, and what to paste instead
    unknown = "https://open.spotify.com/track/" + "Z" * 22
    missing = mpdtui("search", unknown, cache=locations.root)
    assert missing.stdout.strip() == (f"no track matches '{unknown}': that track is in none of "
                                      "the data's playlists, so mpdtui cannot offer it")
    album = mpdtui("search", "https://open.spotify.com/intl-de/album/4aawyAB9vmqN3uQ7FjRGTy?si=1",
                   cache=locations.root).stdout
    assert ("an album's link, which names no track: in Spotify's app, select the album's tracks and "
            "copy them (ctrl+c), then paste them into `mpdtui import -`") in album


def test_the_unfinished_ingest_named_is_the_source_it_stopped_in(tmp_path: Path,
                                                                 small_demo: Path) -> None:
    """A slice ingested alone, then its folder stopped midway: the command named is the
    folder's, and it finishes the data (the slice's own would find nothing to do and leave
    the folder's other slices out for good)."""
    locations = Locations.resolve(tmp_path / "cache")
    last = sorted(small_demo.glob("mpd.slice.*.json"))[-1]
    services = open_services(locations)
    services.jobs.ingest(last)
    ingest_stopped_after_one_slice(locations, small_demo)

    advice = services.data.unfinished_ingest()
    assert advice is not None and advice.endswith(
        f"run `mpdtui ingest {small_demo.resolve()}` again to finish it"), advice
    services.jobs.ingest(small_demo.resolve())
    assert services.data.unfinished_ingest() is None
    assert services.info()["playlists"] == 3000


def test_ingest_of_a_finished_source_also_finishes_one_stopped_midway(tmp_path: Path,
                                                                    small_demo: Path) -> None:
    """`ingest SLICE` of a slice ingested before, while its folder's ingest had stopped
    midway: the folder's other slices come in too (it said "0 slices, 1 already there",
    marked the data finished and left them out for good)."""
    locations = Locations.resolve(tmp_path / "cache")
    last = sorted(small_demo.glob("mpd.slice.*.json"))[-1]
    services = open_services(locations)
    services.jobs.ingest(last)
    ingest_stopped_after_one_slice(locations, small_demo)

    services.jobs.ingest(last)
    assert services.data.unfinished_ingest() is None
    assert services.info()["playlists"] == 3000


def test_slices_already_there_are_counted_once_when_a_stopped_ingest_is_finished_too(
        tmp_path: Path, small_demo: Path) -> None:
    """The MPD's zip ingested while an ingest of its unpacked folder had stopped after one
    slice: the zip brought the other two, then the folder was finished too, and the ingest
    said "2 new slices, 4 already there" of data that has 3 (1 + the folder's 3 counted)."""
    locations = Locations.resolve(tmp_path / "cache")
    ingest_stopped_after_one_slice(locations, small_demo)
    archive = tmp_path / "spotify_million_playlist_dataset.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        for path in sorted(small_demo.glob("mpd.slice.*.json")):
            packed.write(path, f"data/{path.name}")

    result = open_services(locations).jobs.ingest(archive)
    assert (result.ingested, result.already_done) == (2, 1)
    again = open_services(locations).jobs.ingest(archive)
    assert (again.ingested, again.already_done) == (0, 3)


def test_a_slice_skip_bad_left_out_does_not_stop_the_runs_that_resume_its_source(
        tmp_path: Path, small_demo: Path) -> None:
    """`ingest MPD --skip-bad`, then `--train` as `info` says (or the app's training step,
    which has no --skip-bad): the resumed source stopped on the skipped slice again, every
    time. An ingest naming the source still tries it again (a file fixed, or downloaded again)."""
    from mpdtui.data.mpd_validation import SliceError

    locations, folder = Locations.resolve(tmp_path / "cache"), tmp_path / "mpd"
    shutil.copytree(small_demo, folder)
    bad = folder / "mpd.slice.3000-3999.json"
    bad.write_text('{"playlists": [{"name": "x", "pid": 0}]}')
    services = open_services(locations)
    assert len(services.jobs.ingest(folder, skip_bad=True).skipped) == 1

    resumed = services.jobs.run(JobRequest("data"))  # what --train and the app's steps run
    assert resumed.ingest is not None and resumed.ingest["ingested"] == 0
    assert services.info()["playlists"] == 3000
    with pytest.raises(SliceError, match=r"mpd\.slice\.3000-3999\.json"):
        services.jobs.ingest(folder)
    bad.unlink()  # removed, as the message says: the folder is whole again
    assert services.jobs.ingest(folder).ingested == 0 and services.data.unfinished_ingest() is None


def test_replacing_the_data_is_asked_for_and_says_what_goes(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert mpdtui("ingest", str(HANDMADE), cache=cache).returncode == 0
    refused = mpdtui("ingest", "--demo", cache=cache)
    assert refused.returncode == 2
    assert "holds 3 playlists from" in refused.stderr and "--replace" in refused.stderr
    assert open_services(Locations.resolve(cache)).info()["playlists"] == 3


def test_a_copy_of_an_ingested_slice_is_said_and_not_added(tmp_path: Path) -> None:
    cache, backup = tmp_path / "cache", tmp_path / "backup.json"
    shutil.copy(HANDMADE, backup)
    assert mpdtui("ingest", str(HANDMADE), cache=cache).returncode == 0

    copied = mpdtui("ingest", str(backup), cache=cache)
    assert copied.returncode == 0, copied.stderr
    assert (f"not added: {backup} is a copy of {HANDMADE.name}, ingested before (its playlists "
            "would count twice)") in copied.stdout
    assert open_services(Locations.resolve(cache)).info()["playlists"] == 3
    again = mpdtui("ingest", str(backup), cache=cache)
    assert "ingested 0 slices (0 playlists, 0 rows); 1 already there" in again.stdout
    assert "not added" not in again.stdout, "said once, when found"


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_text_an_ascii_or_latin1_stdout_cannot_encode_is_escaped(tmp_path: Path,
                                                                 encoding: str) -> None:
    """PYTHONIOENCODING (or a legacy locale) gives stdout a codec without most characters:
    printing one was "unexpected error: UnicodeEncodeError"."""
    cache = tmp_path / "cache"
    assert mpdtui("ingest", str(HANDMADE), cache=cache).returncode == 0
    searched = subprocess.run(
        [sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), "search", "\u266b"],
        capture_output=True, env={**os.environ, "PYTHONIOENCODING": encoding}, timeout=60)
    assert searched.returncode == 0, searched.stderr
    assert b"no track matches '\\u266b'" in searched.stdout


def test_other_data_under_the_same_slice_names_is_refused_and_replace_replaces_it(
        tmp_path: Path, small_demo: Path) -> None:
    cache, mine, other = tmp_path / "cache", tmp_path / "mine", tmp_path / "other"
    mine.mkdir()  # one slice of the small demo: six ingests of it below, not of all three
    shutil.copy(small_demo / "mpd.slice.0-999.json", mine)
    generate_demo(other, 2000, seed=9)  # mpd.slice.0-999.json and 1000-1999, other sizes
    assert mpdtui("ingest", str(mine), cache=cache).returncode == 0

    refused = mpdtui("ingest", str(other), cache=cache)
    assert refused.returncode == 2, refused.stderr
    # what it would replace, named as the demo's refusal names it (it said only "differs")
    said = refused.stderr
    assert said.startswith(f"mpdtui: {other.resolve()} holds a file mpd.slice.0-999.json other "
                           "than the one ingested before: the cache dir holds "), said
    assert (f"playlists from {mine.resolve()}. Ingesting {other.resolve()} replaces them (saved "
            "playlists, audio features, the Spotify login and settings stay): add --replace") \
        in said and said.count("\n") == 1
    assert mpdtui("--train", "--mpd", str(other), cache=cache).stderr == refused.stderr
    assert open_services(Locations.resolve(cache)).info()["data_source"] == str(mine.resolve()), \
        "a refused folder is not recorded as a source"
    assert mpdtui("--train", "--models", "popularity", cache=cache).returncode == 0

    edited = mine / "mpd.slice.0-999.json"
    edited.write_bytes(edited.read_bytes() + b"\n")  # the same names, one of another size
    again = mpdtui("ingest", str(mine), cache=cache)
    assert again.returncode == 2 and "differs from the mpd.slice.0-999.json" in again.stderr
    assert "the file changed since it was ingested: add --replace" in again.stderr
    resumed = mpdtui("--train", "--models", "popularity", cache=cache)
    assert resumed.returncode == 2 and "add --replace" in resumed.stderr
    for advised in (["--train", "--models", "popularity", "--replace"],
                     ["ingest", str(mine), "--replace"]):
        followed = mpdtui(*advised, cache=cache)
        assert followed.returncode == 0, followed.stderr
        assert mpdtui("ingest", str(mine), cache=cache).returncode == 0, "ingested as it is now"
        edited.write_bytes(edited.read_bytes() + b"\n")

    replaced = mpdtui("ingest", str(other), "--replace", cache=cache)
    assert replaced.returncode == 0, replaced.stderr
    info = open_services(Locations.resolve(cache)).info()
    assert info["playlists"] == 2000 and info["data_source"] == str(other.resolve())


def test_a_source_refused_for_a_bad_slice_before_any_came_in_is_not_recorded(
        tmp_path: Path, small_demo: Path) -> None:
    """A half-downloaded slice stops the ingest; what the user ingests next is then the data
    there, and `--train` resumes it (it compared that slice with the other data's before)."""
    cache, broken = tmp_path / "cache", tmp_path / "broken"
    broken.mkdir()
    whole = (small_demo / "mpd.slice.0-999.json").read_bytes()
    (broken / "mpd.slice.0-999.json").write_bytes(whole[: len(whole) // 2])
    refused = mpdtui("ingest", str(broken), cache=cache)
    assert refused.returncode == 2 and "invalid JSON" in refused.stderr
    assert open_services(Locations.resolve(cache)).info()["data_source"] is None
    assert mpdtui("ingest", str(small_demo), cache=cache).returncode == 0
    assert open_services(Locations.resolve(cache)).info()["data_source"] == str(small_demo)
    trained = mpdtui("--train", "--models", "popularity", cache=cache)
    assert trained.returncode == 0, trained.stderr
    before = open_services(Locations.resolve(cache)).info()["playlists"]
    replacing = mpdtui("ingest", str(broken), "--replace", cache=cache)
    assert replacing.returncode == 2 and "invalid JSON" in replacing.stderr
    assert open_services(Locations.resolve(cache)).info()["playlists"] == before, \
        "checked before the data there is dropped"



def test_a_slice_a_recorded_source_had_bad_comes_whole_with_other_data(
        tmp_path: Path, small_demo: Path) -> None:
    """A source stopped at its second slice is recorded; other data bringing a whole slice of
    that name comes in, and resuming the first is no longer refused for that slice as "changed
    since it was ingested" (it was after the other data was all in: exit 2)."""
    cache, broken = tmp_path / "cache", tmp_path / "broken"
    broken.mkdir()
    shutil.copy(small_demo / "mpd.slice.0-999.json", broken)
    whole = (small_demo / "mpd.slice.1000-1999.json").read_bytes()
    (broken / "mpd.slice.1000-1999.json").write_bytes(whole[: len(whole) // 2])
    assert "invalid JSON" in mpdtui("ingest", str(broken), cache=cache).stderr
    other = mpdtui("ingest", str(small_demo), cache=cache)
    assert other.returncode == 0, other.stderr
    assert open_services(Locations.resolve(cache)).info()["playlists"] == 3000
    resumed = mpdtui("--train", "--models", "popularity", cache=cache)  # both sources
    assert resumed.returncode == 0, resumed.stderr
    named = mpdtui("ingest", str(broken), cache=cache)  # its file is not the catalog's
    assert named.returncode == 2 and "mpd.slice.1000-1999.json" in named.stderr
    assert "changed since" not in named.stderr and "--replace" in named.stderr

def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _left_running(processes: list[psutil.Process], within: float) -> list[psutil.Process]:
    deadline = time.monotonic() + within
    while True:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


@pytest.mark.parametrize("killed", ["job", "front end"])
def test_a_killed_job_or_front_end_leaves_nothing_running(tmp_path: Path, six_slices: Path,
                                                          killed: str) -> None:
    cli = start("ingest", str(six_slices), cache=tmp_path / "cache")
    wait_until(lambda: len(_descendants(cli.pid)) >= 3, what="the job and its ingest workers")
    everything = _descendants(cli.pid)
    job = next(p for p in everything if p.ppid() == cli.pid)
    os.kill(job.pid if killed == "job" else cli.pid, signal.SIGKILL)
    _, stderr = cli.communicate(timeout=60)
    assert not _left_running(everything, within=5.0)
    if killed == "job":  # said in one line, as resumable, not as a failure of mpdtui's own
        assert cli.returncode == 1
        assert stderr.strip() == ("mpdtui: the job process was stopped by SIGKILL before "
                                  "finishing (out of memory, or killed): what it finished is "
                                  "kept; run it again to resume")


def test_the_front_end_renders_a_failed_job_in_one_line(tmp_path: Path) -> None:
    done = mpdtui("--train", "--models", "nosuch", cache=tmp_path / "cache")
    assert done.returncode == 2
    assert done.stderr.strip() == ("mpdtui: unknown model 'nosuch': choose from popularity, "
                                   "title, item_knn, als, two_tower, blend, ranker")


def test_the_interrupted_line_names_the_stages_under_way() -> None:
    """It said "interrupted: what was finished is kept" alone; the bars above it had moved
    on, and a log read later did not say where the job stopped."""
    from mpdtui.commands.jobs import JobStopped, _follow_stages

    running: list[str] = []
    for event in (StageStarted("als"), StageStarted("two_tower"), StageFinished("als"),
                  StageStarted("ranker"), StageProgress("ranker", 1, 2)):
        _follow_stages(event, running)
    cancelled = JobFailed("cancelled", "cancelled: what was finished is kept")
    assert JobStopped(cancelled, signal.SIGTERM, running).line == (
        "interrupted during two_tower, ranker: what was finished is kept; run the same command "
        "again to resume")
    assert JobStopped(cancelled).line.startswith("interrupted: what was finished is kept")


def test_request_round_trip() -> None:
    request = JobRequest("setup", source="/x", models=("als", "title"), features_csv=("a.csv",))
    assert JobRequest.from_json(request.to_json()) == request


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    path.write_bytes(bytes(data))


def test_damaged_derived_files_are_rebuilt_by_the_next_train(trained_cache: Path,
                                                             tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(trained_cache, cache)
    locations = Locations.resolve(cache)
    _damage(locations.model_dir("title") / "arrays.npz")
    meta = locations.model_dir("popularity") / "meta.json"
    meta.write_text(meta.read_text().replace('"version": 1', '"version": 99'))
    _damage(locations.interactions_npz)
    _damage(locations.split_npz)
    locations.evaluation_json.write_text("{not json")
    broken = mpdtui("suggest", "--name", "party", "--model", "title", cache=cache)
    assert broken.returncode == 2 and "mpdtui --train" in broken.stderr
    assert "allow_pickle" not in broken.stderr

    done = mpdtui("--train", "--models", "popularity", "title", cache=cache)
    assert done.returncode == 0, done.stderr
    assert "trained: popularity, title" in done.stdout
    assert arrays_are_whole(locations.interactions_npz) and arrays_are_whole(locations.split_npz)
    assert open_services(locations).info()["models"] == ["popularity", "title"]
    assert mpdtui("suggest", "--name", "party", "--model", "title", cache=cache).returncode == 0


def test_source_rules(tmp_path: Path) -> None:
    from mpdtui.errors import UserError
    from mpdtui.pipeline.sources import DataSource, DataState, DemoSpec, plan_source

    locations = Locations.resolve(tmp_path / "cache")
    demo = DataSource.of_demo(locations, DemoSpec(600, 2))
    other_demo = DataSource.of_demo(locations, DemoSpec(900, 2))
    mpd, more = DataSource.mpd(tmp_path / "mpd"), DataSource.mpd(tmp_path / "more")
    empty, holds_demo = DataState(), DataState((demo,), 600)
    holds_mpd = DataState((mpd,), 3000, ("als",))

    def plan(state: DataState, wanted: DataSource | None, replace: bool = False) -> tuple:
        found = plan_source(locations, state, wanted, replace, DemoSpec(600, 2))
        return found.source, found.record, found.replace

    assert plan(empty, None) == (demo, True, False), "no data means the demo"
    assert plan(empty, mpd) == (mpd, True, False)
    assert plan(holds_mpd, None) == (mpd, False, False), "the data there is resumed"
    assert plan(holds_mpd, mpd) == (mpd, False, False)
    assert plan(holds_mpd, more) == (more, True, False), "another MPD folder is added"
    assert plan(holds_mpd, more, replace=True) == (more, True, True)
    holds_both = DataState((mpd, more), 5000)
    assert plan(holds_both, more) == (more, False, False)
    assert plan(holds_both, more, replace=True) == (more, True, True), "an added one replaces"
    assert plan(holds_demo, demo) == (demo, False, False)
    assert plan(holds_demo, mpd, replace=True) == (mpd, True, True)
    first_generator = DataSource.from_json({"kind": "demo", "path": demo.path,
                                            "demo": {"playlists": 600, "seed": 2}})
    assert first_generator.demo is not None and first_generator.demo.generator == 1
    holds_first = DataState((first_generator,), 600)
    assert plan(holds_first, None) == (first_generator, False, False), "kept until replaced"
    for state, wanted in ((holds_demo, mpd), (holds_mpd, demo), (holds_demo, other_demo),
                          (holds_first, demo)):
        with pytest.raises(UserError, match="--replace"):
            plan(state, wanted)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_job_process_takes_its_allocator_settings_in_its_own_process() -> None:
    """`keep_freed_memory` changes the whole process, so only the job process calls it (run
    here in a child, as the job process would); every option is accepted."""
    code = "from mpdtui.procs import keep_freed_memory; raise SystemExit(0 if keep_freed_memory() else 3)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
    source = (Path(__file__).parents[2] / "mpdtui" / "pipeline" / "child.py").read_text()
    assert "keep_freed_memory()" in source.split("def main", 1)[1]


def test_a_job_leaves_no_temporary_files(tmp_path: Path) -> None:
    """The job process exits with `os._exit`, past the exit handlers with which TensorFlow's
    autograph removes the module files it writes: they went to a folder of the job's own. A
    folder that a job killed by SIGKILL left behind goes when the next job starts; a running
    job's stays."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    killed = temp / f"mpdtui-job-{gone.stdout.strip()}-k1ll3d"
    killed.mkdir()
    (killed / "__autograph_generated_file1.py").write_text("")
    running = temp / f"mpdtui-job-{os.getpid()}-runn1n"
    running.mkdir()
    cache = Locations.resolve(tmp_path / "cache")  # one epoch: its first batch writes the files
    config.update(cache, model_settings={"two_tower": {"epochs": 1}})
    done = subprocess.run(
        [sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache.root), "--train",
         "--mpd", str(HANDMADE), "--models", "two_tower"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TMPDIR": str(temp)})
    assert done.returncode == 0, done.stderr
    assert "trained: two_tower" in done.stdout
    assert sorted(temp.iterdir()) == [running]
