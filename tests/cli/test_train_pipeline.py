"""`mpdtui --train` end to end on a small demo set, resume, Ctrl-C, submit and suggest."""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import numpy as np
import orjson
import pytest
from conftest import SMALL_DEMO_PLAYLISTS, SMALL_DEMO_SEED
from fifo_support import PipeReader
from hostile_support import as_typed

from mpdtui.data import demo, demo_vocabulary
from mpdtui.data.saved_playlists import TrackEntry
from mpdtui.locations import Locations
from mpdtui.pipeline.lock import WriterLock
from mpdtui.services.root import open_services

BASELINES = ["popularity", "title", "item_knn", "als"]


def _mpdtui(*args: str, cache: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), *args],
                          capture_output=True, text=True, timeout=timeout)
    done.stdout, done.stderr = as_typed(done.stdout, cache), as_typed(done.stderr, cache)
    return done


@pytest.fixture(scope="module")
def trained(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    cache = tmp_path_factory.mktemp("trained")
    done = _mpdtui("--train", "--mpd", str(small_demo), "--models", *BASELINES, cache=cache)
    assert done.returncode == 0, done.stderr
    return cache, done.stdout


def test_train_runs_every_stage_and_prints_the_comparison(trained: tuple[Path, str],
                                                          small_demo: Path) -> None:
    cache, out = trained
    assert "ingest: 3/3" in out
    assert f"trained: {', '.join(BASELINES)}" in out
    assert "r_precision on 300 held-out playlists" in out
    info = open_services(Locations.resolve(cache)).info()
    assert info["models"] == BASELINES and info["playlists"] == 3000
    csv_path = (small_demo / "tracks_features.csv").resolve()  # demo-data writes it beside
    assert csv_path.is_file() and out.rstrip().splitlines()[-1] == (
        f"no audio features yet; {csv_path} came with the slices: "
        f"`mpdtui features --csv {csv_path}` imports it")


def test_info_names_the_default_model_and_its_score(trained: tuple[Path, str],
                                                    tmp_path: Path) -> None:
    """The model the app and `suggest` use unless told otherwise, and why: the best score."""
    info = open_services(Locations.resolve(trained[0])).info()
    scores = info["r_precision"]
    assert set(scores) == set(BASELINES)
    best = max(scores, key=scores.__getitem__)
    assert info["default_model"] == best
    shown = _mpdtui("info", cache=trained[0]).stdout.splitlines()
    assert f"     default: {best} (R-precision {scores[best]:.3f} on held-out playlists, " \
           "the best)" in shown
    cache = tmp_path / "cache"  # its evaluation gone: the default by the serving order
    shutil.copytree(trained[0], cache)
    Locations.resolve(cache).evaluation_json.unlink()
    unscored = [line for line in _mpdtui("info", cache=cache).stdout.splitlines()
                if line.startswith("     default: ")]
    advice = "`mpdtui evaluate` compares the models"
    assert unscored == [f"     default: als (not evaluated as saved now: {advice})"]
    assert _mpdtui("evaluate", cache=cache).returncode == 0  # the advice, followed
    assert open_services(Locations.resolve(cache)).info()["r_precision"] == scores


def test_train_again_reuses_every_stage(trained: tuple[Path, str]) -> None:
    cache, _ = trained
    done = _mpdtui("--train", "--models", *BASELINES, cache=cache)
    assert done.returncode == 0, done.stderr
    assert f"trained: none; already trained for this data: {', '.join(BASELINES)}" in done.stdout


@pytest.mark.parametrize("model", ["ranker", "blend"])
def test_a_model_not_trained_yet_names_the_command_that_trains_it(trained: tuple[Path, str],
                                                                   model: str) -> None:
    """A plain `--train` leaves the blend out: its advice did not train it."""
    cache, _ = trained
    done = _mpdtui("suggest", "--model", model, "--name", "summer", cache=cache)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().endswith(f"train it with `mpdtui --train --models {model}`")


def _training_begun(cache: Path, *models: str,
                    preexec_fn: Callable[[], object] | None = None) -> subprocess.Popen[str]:
    """`mpdtui --train --retrain --models MODELS` started, once item_knn's training began."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache), "--train", "--retrain",
         "--models", *models], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=preexec_fn)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("item_knn:"):
            break
    return process


@pytest.mark.parametrize(("stop", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143),
                                                  (signal.SIGHUP, 129)],
                         ids=["ctrl-c", "kill", "hangup"])
def test_ctrl_c_or_kill_stops_where_the_rerun_resumes(trained: tuple[Path, str], tmp_path: Path,
                                                       stop: int, exit_code: int) -> None:
    """Ctrl-C, `kill` (SIGTERM: a service manager's stop) or a hangup (SIGHUP: the ssh
    session dropped): the job stops at a resumable point, the command says so and exits 128 +
    the signal; run again, it continues. A hangup had ended the command silently."""
    cache = tmp_path / "cache"
    shutil.copytree(trained[0], cache)
    shutil.rmtree(cache / "models" / "als")
    process = _training_begun(cache, "item_knn", "als")
    time.sleep(0.2)
    process.send_signal(stop)
    _, err = process.communicate(timeout=120)
    assert process.returncode == exit_code
    assert err.strip().splitlines()[-1].startswith(("interrupted", "cancelled"))
    assert "Traceback" not in err
    # what the stopped training left is said until a training finishes (the app says it too)
    locations = Locations.resolve(cache)
    left = open_services(locations).info()["training_left"]
    assert "als" in left and set(left) <= {"item_knn", "als"}
    info = _mpdtui("info", cache=cache)
    assert (f"(a training stopped before {', '.join(left)}: `mpdtui --train` continues it)"
            in info.stdout)
    with WriterLock(locations, "training"):  # one runs: it has not stopped
        assert open_services(locations).info()["training_left"] == []
    rerun = _mpdtui("--train", "--models", *BASELINES, cache=cache)
    assert rerun.returncode == 0, rerun.stderr
    ingest_lines = [line for line in rerun.stdout.split("trained:")[0].splitlines()
                    if line.startswith("ingest")]
    assert ingest_lines == ["ingest: data ready"], rerun.stdout  # said, not done again
    assert open_services(locations).info()["training_left"] == []
    assert "stopped" not in _mpdtui("info", cache=cache).stdout


def test_the_job_killed_by_the_pid_info_names_exits_143_as_the_command_killed_does(
        trained: tuple[Path, str], tmp_path: Path) -> None:
    """`info` and a busy cache dir say "stop it with `kill N`", N the job process: the
    command then exited 130, as for Ctrl-C, where the README promises 143 for `kill`."""
    cache = tmp_path / "cache"
    shutil.copytree(trained[0], cache)
    shutil.rmtree(cache / "models" / "als")
    process = _training_begun(cache, "item_knn", "als")
    writer = open_services(Locations.resolve(cache)).info()["writer"]
    assert writer is not None and writer["pid"] != process.pid
    os.kill(writer["pid"], signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert err.strip().splitlines()[-1].startswith("interrupted")


@pytest.mark.parametrize("ignored", [signal.SIGHUP, signal.SIGINT], ids=["nohup", "script-and"])
def test_a_signal_its_caller_ignores_leaves_the_training_going(trained: tuple[Path, str],
                                                               tmp_path: Path, ignored: int) -> None:
    """`nohup mpdtui --train &` (SIGHUP ignored), or `mpdtui --train &` in a script, whose shell
    ignores SIGINT there so that the ctrl+c meant for its foreground command spares it: the
    signal stays ignored and the job trains on (the command had set its own handler for SIGINT,
    and the job stopped)."""
    cache = tmp_path / "cache"
    shutil.copytree(trained[0], cache)
    process = _training_begun(cache, "item_knn",
                              preexec_fn=lambda: signal.signal(ignored, signal.SIG_IGN))
    process.send_signal(ignored)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "trained: item_knn" in out


def test_a_terminal_closed_during_training_leaves_the_interrupted_line(
        trained: tuple[Path, str], tmp_path: Path) -> None:
    """The ssh session dropped (the terminal hangs the command up): the job stops where the
    rerun resumes and the closing line goes where stderr was redirected. It had died at once,
    silently; then, catching the hangup, said "Input/output error (the disk failed it ...)"
    drawing its last bar on the terminal gone."""
    import pexpect

    cache, err = tmp_path / "cache", tmp_path / "err.log"
    shutil.copytree(trained[0], cache)
    command = shlex.join([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache),
                          "--train", "--retrain", "--models", "item_knn", "als"])
    child = pexpect.spawn("sh", ["-c", f"exec {command} 2> {shlex.quote(str(err))}"],
                          env={**os.environ, "TERM": "xterm-256color"}, dimensions=(24, 80),
                          preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))
    child.expect("item_knn", timeout=300)
    child.ptyproc.fileobj.close()  # the terminal goes: the kernel sends SIGHUP
    deadline = time.monotonic() + 120
    while child.isalive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not child.isalive()
    said = err.read_text().strip().splitlines()
    assert len(said) == 1 and re.fullmatch(  # the stage under way, when one was
        r"interrupted( during (item_knn|als))?: what was finished is kept; run the same "
        r"command again to resume", said[0]), said
    assert child.signalstatus is None and child.exitstatus == 128 + signal.SIGHUP


def _process_state(pid: int) -> str:
    """R, S, T (stopped), ... from /proc; "gone" once it has ended."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def test_ctrl_z_suspends_the_job_with_the_command_and_fg_resumes_it(
        trained: tuple[Path, str], tmp_path: Path) -> None:
    """ctrl+z in a shell: the command stopped ("Stopped"), but its job process, in a session of
    its own, trained on behind the shell's prompt. Both stop now; `fg` resumes both."""
    import pexpect

    cache = tmp_path / "cache"
    shutil.copytree(trained[0], cache)
    shutil.rmtree(cache / "models" / "als")
    command = shlex.join([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(cache),
                          "--train", "--retrain", "--models", "item_knn", "als"])
    shell = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], dimensions=(24, 100),
                          env={**os.environ, "TERM": "xterm-256color", "PS1": "$ "},
                          encoding="utf-8", timeout=300)
    try:
        shell.sendline(command)
        shell.expect_exact("--models item_knn als")  # the line typed, echoed
        shell.expect("item_knn")
        writer = open_services(Locations.resolve(cache)).info()["writer"]
        assert writer is not None
        shell.sendcontrol("z")
        shell.expect("Stopped")
        deadline = time.monotonic() + 30
        while _process_state(writer["pid"]) not in ("T", "gone") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _process_state(writer["pid"]) == "T"
        shell.sendline("fg")
        shell.sendline("echo exit=$?")  # read by the shell once the command has ended
        shell.expect(r"exit=(\d+)")
        assert shell.match.group(1) == "0"
    finally:
        shell.close(force=True)
    assert "als" in open_services(Locations.resolve(cache)).info()["models"]


def _theme_of_uri(seed: int) -> dict[str, int]:
    return demo.track_themes(SMALL_DEMO_PLAYLISTS, seed)


@pytest.mark.parametrize("model", ["als", "item_knn", "title"])
def test_seeds_from_one_theme_give_mostly_that_theme(trained: tuple[Path, str], model: str) -> None:
    themes = _theme_of_uri(SMALL_DEMO_SEED)
    services = open_services(Locations.resolve(trained[0]))
    for theme in (1, 4, 9):  # workout, rap, latin
        name = demo_vocabulary.THEMES[theme][1][0]
        popular = services.suggester.suggest(name, [], "title", k=50)
        seeds = [s.track.id for s in popular if themes[s.track.uri] == theme][:5]
        suggestions = services.suggester.suggest("" if model != "title" else name, seeds, model, k=20)
        same = sum(themes[s.track.uri] == theme for s in suggestions)
        assert same >= 15, f"{model}: only {same}/20 suggestions from theme {name!r}"


UNKNOWN_URI = "spotify:track:0000000000000000000000"
"""A well-formed URI no demo track has."""


def test_suggest_json_gives_uri_track_artist_score(trained: tuple[Path, str]) -> None:
    services = open_services(Locations.resolve(trained[0]))
    seed_uri = services.suggester.suggest("party", [], "title", k=1)[0].track.uri
    link = f"https://open.spotify.com/track/{seed_uri.removeprefix('spotify:track:')}?si=x1"
    done = _mpdtui("suggest", "--name", "party", "--seed", link, "--seed", UNKNOWN_URI,
                   "--model", "als", "-n", "7", "--json", cache=trained[0])
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 7 and seed_uri not in {r["uri"] for r in rows}  # the link is the seed
    assert done.stderr.strip() == f"ignored, not in the catalog: {UNKNOWN_URI}"
    assert set(rows[0]) >= {"uri", "track", "artist", "score", "reason"}


def test_suggest_for_a_saved_playlist_takes_its_name_and_tracks(trained: tuple[Path, str],
                                                                tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(trained[0], cache)
    services = open_services(Locations.resolve(cache))
    tracks = [s.track for s in services.suggester.suggest("party", [], "title", k=3)]
    entries = [TrackEntry(t.uri, t.name, t.artist_name, t.duration_ms) for t in tracks]
    services.playlists.store().save("friday <party>", [*entries, TrackEntry(UNKNOWN_URI, "x", "y", 1)])
    done = _mpdtui("suggest", "--playlist", "friday <party>", "--model", "als", "--json",
                   cache=cache)
    assert done.returncode == 0, done.stderr
    expected = services.suggester.suggest("friday <party>", [t.id for t in tracks], "als", k=20)
    assert [row["uri"] for row in json.loads(done.stdout)] == [s.track.uri for s in expected]
    assert done.stderr.strip() == ("1 of the 4 tracks of 'friday <party>' is not in the catalog: "
                                   "suggesting from the others")
    named = _mpdtui("suggest", "--playlist", "friday <party>", "--name", "rainy sunday",
                    "--seed", UNKNOWN_URI, "--model", "title", "--k", "3", cache=cache)
    assert named.returncode == 0 and "suggestions for 'rainy sunday'" in named.stdout
    assert named.stderr.splitlines()[-1] == f"ignored, not in the catalog: {UNKNOWN_URI}"
    missing = _mpdtui("suggest", "--playlist", "nothing", cache=cache)
    assert missing.returncode == 2 and missing.stderr.startswith(
        "mpdtui: no saved playlist named 'nothing'")


def test_suggest_save_adds_the_suggestions_to_the_playlist_and_never_replaces_another(
        trained: tuple[Path, str], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(trained[0], cache)
    services = open_services(Locations.resolve(cache))
    tracks = [s.track for s in services.suggester.suggest("party", [], "title", k=4)]
    kept = [*(TrackEntry(t.uri, t.name, t.artist_name, t.duration_ms) for t in tracks[:3]),
            TrackEntry(UNKNOWN_URI, "x", "y", 1)]  # the catalog lacks it: kept all the same
    services.playlists.store().save("-friday", kept)
    done = _mpdtui("suggest", "--playlist=-friday", "--seed", tracks[3].uri, "--save=-friday",
                   "--model", "als", "-n", "4", "--json", cache=cache)
    assert done.returncode == 0, done.stderr
    suggested = [row["uri"] for row in json.loads(done.stdout)]
    assert services.playlists.get("-friday").uris == [
        *(entry.uri for entry in kept), tracks[3].uri, *suggested]
    said = done.stderr.splitlines()[-1]
    assert said == ("saved '-friday': 9 tracks (4 of '-friday', 1 seed, 4 suggestions); "
                    "`mpdtui export --to spotify -- -friday` sends it to your Spotify account")
    assert shlex.split(said.split("`")[1])[-2:] == ["--", "-friday"]  # one word, not an option

    new = _mpdtui("suggest", "--save", "rainy sunday", "--model", "title", "-n", "3", cache=cache)
    assert new.returncode == 0 and "suggestions for 'rainy sunday'" in new.stdout  # its name
    assert len(services.playlists.get("rainy sunday").uris) == 3
    again = _mpdtui("suggest", "--seed", tracks[0].uri, "--save", "rainy sunday", cache=cache)
    advice = "--playlist='rainy sunday' --save='rainy sunday'"
    assert again.returncode == 2 and again.stderr == (
        f"mpdtui: a saved playlist named 'rainy sunday' already exists: save under another "
        f"name, or add to it with {advice}\n")
    assert len(services.playlists.get("rainy sunday").uris) == 3  # untouched
    followed = _mpdtui("suggest", *shlex.split(advice), "-n", "2", cache=cache)
    assert followed.returncode == 0, followed.stderr
    assert len(services.playlists.get("rainy sunday").uris) == 5


def test_playlists_rename_and_delete_one_by_name(trained: tuple[Path, str],
                                                 tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(trained[0], cache)
    services = open_services(Locations.resolve(cache))
    services.playlists.store().save("road trip", [TrackEntry(UNKNOWN_URI, "x", "y", 1)])
    services.playlists.store().save("gym", [])
    renamed = _mpdtui("playlists", "road", "trip", "--rename", "long drive", cache=cache)
    assert (renamed.returncode, renamed.stdout) == (0, "renamed 'road trip' to 'long drive'\n")
    same = _mpdtui("playlists", "long drive", "--rename", "long drive", cache=cache)
    assert (same.returncode, same.stdout) == (0, "'long drive' has that name already: "
                                                 "nothing changed\n")  # not "renamed ... to"
    taken = _mpdtui("playlists", "gym", "--rename", "long drive", cache=cache)
    assert taken.returncode == 2 and "'long drive' already exists" in taken.stderr
    deleted = _mpdtui("playlists", "long drive", "--delete", cache=cache)
    assert (deleted.returncode, deleted.stdout) == (0, "deleted 'long drive' (1 track)\n")
    listed = json.loads(_mpdtui("playlists", "--json", cache=cache).stdout)
    assert [row["name"] for row in listed] == ["gym"]
    nameless = _mpdtui("playlists", "--delete", cache=cache)
    assert nameless.returncode == 2 and nameless.stderr == (
        "mpdtui: --delete needs the name of the saved playlist to change: "
        "`mpdtui playlists NAME --delete`\n")  # no word of a --json not given
    printed = _mpdtui("playlists", "gym", "--rename", "x", "--json", cache=cache)
    assert printed.returncode == 2 and printed.stderr == (
        "mpdtui: --rename takes no --json: `mpdtui playlists NAME --rename NEW`\n")
    both = _mpdtui("playlists", "--delete", "--json", cache=cache)
    assert both.stderr == ("mpdtui: --delete needs the name of the saved playlist to change "
                           "and takes no --json: `mpdtui playlists NAME --delete`\n")


def test_playlists_named_after_a_command_word_say_how_to_write_it(trained: tuple[Path, str],
                                                                  tmp_path: Path) -> None:
    """`mpdtui playlists rename gym workout` (the name first is what works) says so, and the
    command it gives does it."""
    cache = tmp_path / "cache"
    shutil.copytree(trained[0], cache)
    services = open_services(Locations.resolve(cache))
    services.playlists.store().save("gym", [])
    services.playlists.store().save("road trip", [])
    renaming = _mpdtui("playlists", "rename", "gym", "evening", "run", cache=cache)
    advice = "mpdtui playlists gym --rename 'evening run'"
    assert (renaming.returncode, renaming.stderr) == (2, (
        "mpdtui: no saved playlist named 'rename gym evening run'; the name comes first, then "
        f"what to do with it: `{advice}`\n"))
    followed = _mpdtui(*shlex.split(advice)[1:], cache=cache)
    assert followed.stdout == "renamed 'gym' to 'evening run'\n"
    deleting = _mpdtui("playlists", "delete", "road", "trip", cache=cache)
    assert deleting.stderr.endswith("`mpdtui playlists 'road trip' --delete`\n")
    showing = _mpdtui("playlists", "show", "nope", cache=cache)
    assert showing.returncode == 2 and showing.stderr.endswith(
        "what to do with it: `mpdtui playlists NAME`\n")
    assert [p.name for p in services.playlists.summaries()] == ["evening run", "road trip"]
    services.playlists.store().save("-late", [])  # a name like an option goes after --
    dashed = _mpdtui("playlists", "--", "delete", "-late", cache=cache)
    advice = "mpdtui playlists --delete -- -late"
    assert dashed.stderr.endswith(f"`{advice}`\n")
    assert _mpdtui(*shlex.split(advice)[1:], cache=cache).stdout == "deleted '-late' (0 tracks)\n"


def test_search_finds_a_track_by_its_words_and_its_uri_seeds_suggest(
        trained: tuple[Path, str]) -> None:
    services = open_services(Locations.resolve(trained[0]))
    track = services.suggester.suggest("party", [], "title", k=9)[-1].track
    words = f"{track.name.split()[0]} {track.artist_name.split()[0][:3].lower()}"  # prefixes
    found = json.loads(_mpdtui("search", words, "--k", "50", "--json", cache=trained[0]).stdout)
    assert track.uri in [row["uri"] for row in found] and len(found) <= 50
    assert [row["playlists"] for row in found] == sorted((row["playlists"] for row in found),
                                                         reverse=True)  # most popular first
    table = _mpdtui("search", *words.split(), cache=trained[0]).stdout  # unquoted words too
    assert any(track.uri in line and track.album_name in line for line in table.splitlines())
    link = f"https://open.spotify.com/track/{track.uri.removeprefix('spotify:track:')}"
    assert [row["uri"] for row in json.loads(
        _mpdtui("search", link, "--json", cache=trained[0]).stdout)] == [track.uri]
    suggested = _mpdtui("suggest", "--seed", track.uri, "--model", "item_knn", "--json",
                        cache=trained[0])
    assert suggested.returncode == 0 and suggested.stderr == ""  # the seed is known
    none = _mpdtui("search", "qqqzzzxx", cache=trained[0])
    assert none.returncode == 0 and none.stdout.startswith("no track matches 'qqqzzzxx'")


def test_suggest_with_nothing_to_go_on_still_suggests_and_says_why(trained: tuple[Path, str]) -> None:
    """The URI the catalog lacks is dropped before the model sees it: no seeds, no name."""
    done = _mpdtui("suggest", "--seed", UNKNOWN_URI, "--model", "als", "--k", "5",
                   "--json", cache=trained[0])
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 5
    assert all("als: no seeds and no name; answered by title then popularity"
               in row["reason"] for row in rows)


def test_a_reason_every_suggestion_shares_is_printed_once(trained: tuple[Path, str]) -> None:
    done = _mpdtui("suggest", "--seed", UNKNOWN_URI, "--model", "als", "--k", "5", cache=trained[0])
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("answered by title") == 1
    assert done.stdout.rstrip().splitlines()[-1] == (
        "why (all): als: no seeds and no name; answered by title then popularity")
    assert "why" not in done.stdout.splitlines()[2]  # the header: no column for it


def write_challenge_set(small_demo: Path, path: Path) -> list[dict[str, Any]]:
    """A challenge set as the challenge published it, of 20 of the demo's playlists."""
    playlists = orjson.loads((small_demo / "mpd.slice.2000-2999.json").read_bytes())["playlists"]
    challenge = [
        {"pid": 1_000_000 + i, "num_holdouts": 5, "num_samples": n, "num_tracks": n + 5,
         **({"name": p["name"]} if i % 2 else {}), "tracks": p["tracks"][:n]}
        for i, (p, n) in enumerate(zip(playlists[:20], [0, 1, 5, 10, 25] * 4, strict=True))
    ]
    challenge[3]["tracks"].append({**challenge[3]["tracks"][0], "track_uri": "spotify:track:unknown"})
    path.write_bytes(orjson.dumps({"date": "2018-01-16", "version": "v1", "name": "challenge_set",
                                   "description": "test", "playlists": challenge}))
    return challenge


def test_submit_writes_the_official_csv(trained: tuple[Path, str], small_demo: Path,
                                        tmp_path: Path) -> None:
    path = tmp_path / "challenge_set.json"
    challenge = write_challenge_set(small_demo, path)
    out = tmp_path / "submission.csv"
    done = _mpdtui("submit", "--challenge-set", str(path), "--out", str(out), "--model", "als",
                   "--team", "tests", "--email", "t@example.com", cache=trained[0])
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(out.read_text().splitlines()))
    assert rows[0] == ["team_info", "tests", "t@example.com"]
    assert [int(r[0]) for r in rows[1:]] == [c["pid"] for c in challenge]
    for row, playlist in zip(rows[1:], challenge, strict=True):
        uris = row[1:]
        assert len(uris) == 500 == len(set(uris))
        assert not set(uris) & {t["track_uri"] for t in playlist["tracks"]}
        assert all(u.startswith("spotify:track:") for u in uris)
    assert "\nwrote 20 answers from 'als' to " in done.stdout

    gzipped = tmp_path / "submission.csv.gz"  # the challenge took its submissions gzipped
    done = _mpdtui("submit", "--challenge-set", str(path), "--out", str(gzipped), "--model", "als",
                   "--team", "tests", "--email", "t@example.com", cache=trained[0])
    assert done.returncode == 0, done.stderr
    assert gzip.decompress(gzipped.read_bytes()) == out.read_bytes()


def test_submit_out_a_pipe_writes_through_it(trained: tuple[Path, str], small_demo: Path,
                                             tmp_path: Path) -> None:
    """A pipe (`--out >(gzip > x)`) stays a pipe; what is said goes beside the answers."""
    path = tmp_path / "challenge_set.json"
    challenge = write_challenge_set(small_demo, path)
    pipe = PipeReader(tmp_path / "pipe")
    done = _mpdtui("submit", "--challenge-set", str(path), "--out", str(pipe.path), "--model",
                   "popularity", cache=trained[0])
    assert done.returncode == 0, done.stderr
    lines = pipe.read().decode().splitlines()
    assert lines[0] == "team_info,mpdtui,mpdtui@example.com" and len(lines) == 1 + len(challenge)
    assert done.stdout == "" and f"wrote 20 answers from 'popularity' to {pipe.path}" in done.stderr


def test_submit_replaces_its_own_submission_and_no_other_file(trained: tuple[Path, str],
                                                              small_demo: Path,
                                                              tmp_path: Path) -> None:
    """`--out challenge_set.json` replaced the challenge set with the answers."""
    path = tmp_path / "challenge_set.json"
    write_challenge_set(small_demo, path)
    given = path.read_bytes()

    def submit(out: Path) -> subprocess.CompletedProcess[str]:
        return _mpdtui("submit", "--challenge-set", str(path), "--out", str(out), "--model",
                       "popularity", cache=trained[0])

    same = submit(path)
    assert same.returncode == 2 and same.stderr == (
        f"mpdtui: --out {path} is the challenge set itself: give another file, e.g. --out "
        f"{tmp_path / 'submission.csv'}\n")
    assert path.read_bytes() == given
    for name in ("notes.csv", "notes.csv.gz"):
        mine = tmp_path / name
        mine.write_bytes(b"my notes\n")
        refused = submit(mine)
        assert refused.returncode == 2 and refused.stderr == (
            f"mpdtui: {mine} already exists and is not a submission mpdtui wrote: move or "
            "rename it, or give another --out file\n")
        assert mine.read_bytes() == b"my notes\n"
    for name in ("submission.csv", "submission.csv.gz"):  # as advised; then again: replaced
        assert submit(tmp_path / name).returncode == 0
        assert submit(tmp_path / name).returncode == 0


def test_the_challenge_set_given_to_ingest_points_to_submit_which_takes_its_zip(
        trained: tuple[Path, str], small_demo: Path, tmp_path: Path) -> None:
    """It was ingested as a slice and refused for a playlist without a name (the challenge's
    title-less categories); its zip and folder had "no mpd.slice.*.json members"."""
    folder = tmp_path / "challenge"
    folder.mkdir()
    challenge = write_challenge_set(small_demo, folder / "challenge_set.json")
    archive = tmp_path / "spotify_million_playlist_dataset_challenge.zip"
    with zipfile.ZipFile(archive, "w") as written:
        written.write(folder / "challenge_set.json", "challenge_set.json")
    for given in (folder / "challenge_set.json", folder, archive):
        refused = _mpdtui("ingest", str(given), cache=tmp_path / "cache")
        assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1, refused.stderr
        assert "is the RecSys Challenge's challenge set, not MPD slices" in refused.stderr
    advice = re.search(r"`mpdtui (submit [^`]+)`", refused.stderr)
    assert advice is not None, refused.stderr
    done = subprocess.run([sys.executable, "-m", "mpdtui.cli", "--cache-dir", str(trained[0]),
                           *shlex.split(advice.group(1))], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path)  # followed as said, from the zip
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader((tmp_path / "submission.csv").read_text().splitlines()))[1:]
    assert [int(r[0]) for r in rows] == [c["pid"] for c in challenge]


@pytest.mark.parametrize("model", BASELINES)
def test_submit_answers_500_tracks_even_with_nothing_to_go_on(trained: tuple[Path, str],
                                                              tmp_path: Path, model: str) -> None:
    """No name (or one that normalises to nothing) and seeds the model cannot use: URIs not in
    the catalog, or catalog tracks that only held-out playlists hold."""
    services = open_services(Locations.resolve(trained[0]))
    untrained = np.flatnonzero(services.models.training_data().track_popularity() == 0)
    held_out_only = [services.catalog.catalog().tracks([int(t)])[0].uri for t in untrained[:3]]
    assert len(held_out_only) == 3, "the demo's long tail leaves tracks only held-out playlists hold"
    tracks = {
        "not in the catalog": [{"track_uri": f"spotify:track:nowhere{i}"} for i in range(5)],
        "held-out only": [{"track_uri": uri} for uri in held_out_only],
        "none": [],
    }
    challenge = [{"pid": pid, **name, "tracks": tracks[kind]}
                 for pid, (kind, name) in enumerate(
                     (kind, name) for kind in tracks for name in ({}, {"name": "!!"}))]
    path = tmp_path / "challenge_set.json"
    path.write_bytes(orjson.dumps({"playlists": challenge}))
    out = tmp_path / "submission.csv"
    done = _mpdtui("submit", "--challenge-set", str(path), "--out", str(out), "--model", model,
                   cache=trained[0])
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(out.read_text().splitlines()))[1:]
    assert [int(r[0]) for r in rows] == [c["pid"] for c in challenge]
    for row, playlist in zip(rows, challenge, strict=True):
        assert len(set(row[1:])) == 500
        assert not set(row[1:]) & {t["track_uri"] for t in playlist["tracks"]}
    fallbacks = 0 if model == "popularity" else len(challenge)
    assert f"{fallbacks} of {len(challenge)} answers needed a fallback" in done.stdout
    assert "10 not in the catalog, 6 unknown to the model" in done.stdout


def test_submit_refuses_a_file_that_is_not_a_challenge_set(trained: tuple[Path, str],
                                                           tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"playlists": [{"name": "no pid"}]}')
    done = _mpdtui("submit", "--challenge-set", str(path), "--out", str(tmp_path / "o.csv"),
                   cache=trained[0])
    assert done.returncode == 2
    assert done.stderr.strip() == f'mpdtui: {path}: playlists[0]: missing integer field "pid"'


@pytest.fixture(scope="module")
def trained_dense(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The baselines trained on the first, dense demo (3,000 playlists, the small demo's seed)."""
    folder = tmp_path_factory.mktemp("dense-demo")
    demo.generate_demo(folder, SMALL_DEMO_PLAYLISTS, SMALL_DEMO_SEED, dense=True)
    cache = tmp_path_factory.mktemp("trained-dense")
    done = _mpdtui("--train", "--mpd", str(folder), "--models", *BASELINES, cache=cache)
    assert done.returncode == 0, done.stderr
    return cache


def test_models_learn_the_demo_structure(trained_dense: Path) -> None:
    """On the dense demo, whose every track is in many playlists."""
    from models.evaluation import SEEDED_KEYS, ratio

    report = open_services(Locations.resolve(trained_dense)).models.evaluation()
    assert report is not None
    assert ratio(report, "title", "popularity", categories=["title_only"]) >= 2.5
    assert ratio(report, "als", "popularity", categories=SEEDED_KEYS) >= 4
    assert ratio(report, "item_knn", "popularity", categories=SEEDED_KEYS) >= 4


def test_evaluate_json_and_the_notebook_view(trained: tuple[Path, str]) -> None:
    done = _mpdtui("evaluate", "--models", "popularity", "als", "--json", cache=trained[0])
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["models"]) == {"popularity", "als"} and report["n_cases"] == 300
    services = open_services(Locations.resolve(trained[0]))
    saved = services.models.evaluation()
    assert saved is not None and list(saved["models"]) == BASELINES  # the others are kept
    assert saved["models"]["als"] == {**report["models"]["als"], "per_case": ANY}
    # the per-playlist scores stay in the saved report; what is printed tells the lead
    assert len(saved["models"]["als"]["per_case"]["r_precision"]) == 300
    [lead] = report["leads"]
    assert (lead["best"], lead["other"], lead["n_cases"]) == ("als", "popularity", 300)
    assert lead["low"] < lead["ahead_by"] < lead["high"] and lead["beyond_chance"]
    notebook = _mpdtui("evaluate", "--models", "popularity", "--notebook", cache=trained[0])
    assert notebook.returncode == 0, notebook.stderr
    rows = [line for line in notebook.stdout.splitlines() if line.startswith("│")]
    precision = {int(r.split("│")[1]): float(r.split("│")[2]) for r in rows[-10:]}
    assert sorted(precision) == list(range(10))
    assert precision[9] > precision[0]  # confidence weighting helps, as in the notebook


def test_the_notebook_sweeps_alpha_with_the_als_settings_of_config_json(
        trained: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its docstring said "our ALS settings otherwise", but it swept with the defaults, not
    those config.json gives `--train`."""
    from mpdtui import config

    cache = tmp_path / "cache"
    shutil.copytree(trained[0], cache)
    locations = Locations.resolve(cache)
    config.update(locations, model_settings={"als": {"factors": 16, "iterations": 3}})
    swept: list[Any] = []
    monkeypatch.setattr("models.notebook_eval.alpha_sweep",
                        lambda data, **options: swept.append(options["settings"]) or [])
    open_services(locations).challenge.notebook_sweep()
    assert [(s.factors, s.iterations, s.alpha) for s in swept] == [(16, 3, 1.0)]


def _in_80_columns(*args: str, cache: Path) -> list[str]:
    """What `mpdtui ARGS` shows in an 80x24 pseudo-terminal, line by line (colours removed)."""
    import pexpect

    child = pexpect.spawn(sys.executable, ["-m", "mpdtui.cli", "--cache-dir", str(cache), *args],
                          dimensions=(24, 80), timeout=300, encoding="utf-8",
                          env={**os.environ, "TERM": "xterm-256color"})
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.read())
    child.close()
    assert child.exitstatus == 0, shown
    lines = [line.rsplit("\r", 1)[-1] for line in shown.split("\r\n")]  # progress: last state
    # a path is shown whole (the terminal wraps it, and it stays one string to copy)
    laid_out = [line for line in lines if str(cache) not in line]
    assert max(len(line) for line in laid_out) <= 80, max(laid_out, key=len)
    return lines


def test_the_evaluation_fits_an_80_column_terminal_and_stays_wide_in_a_pipe(
        trained: tuple[Path, str]) -> None:
    lines = _in_80_columns("evaluate", "--models", *BASELINES, cache=trained[0])
    down = [line.split() for line in lines if line.strip().startswith("title + 100 random ")]
    # categories down: a row in each metric's table (a value per model), then the seeds' (in
    # as many tables as it takes for each column's name to be whole)
    assert [len(row) - 4 for row in down[:3]] == [len(BASELINES)] * 3
    assert sum(len(row) - 4 for row in down[3:]) == 2 + len(BASELINES)
    assert not any("…" in value for row in down for value in row)  # no value cut
    assert "seeds unknown to training, and answers that needed a fallback" in [
        line.strip() for line in lines]  # a title whole, on a line of its own
    # the best model's lead, wrapped at words (every line fits: `_in_80_columns`)
    assert any(re.match(r"\w+ (leads|and) \w+ ", line) for line in lines)
    piped = _mpdtui("evaluate", "--models", *BASELINES, cache=trained[0]).stdout
    assert any(line.startswith("│ als ") for line in piped.splitlines())  # categories across


def test_the_features_csv_beside_the_data_is_named_in_words_whole_at_80_columns(
        trained: tuple[Path, str], small_demo: Path) -> None:
    """`--train`'s last line, naming the tracks_features.csv beside the slices and the command
    that imports it, ran past 80 columns and the terminal cut it mid-word ("`" / "mpdtui",
    "tracks_features.c" / "sv"): now wrapped at words, each path whole on its line."""
    lines = _in_80_columns("--train", "--mpd", str(small_demo), "--models", *BASELINES,
                           cache=trained[0])
    start = next(i for i, line in enumerate(lines) if line.startswith("no audio features yet"))
    said = [line.rstrip() for line in lines[start:] if line.strip()]
    csv_path = (small_demo / "tracks_features.csv").resolve()
    assert " ".join(said) == (f"no audio features yet; {csv_path} came with the slices: "
                              f"`mpdtui --cache-dir {trained[0]} features --csv {csv_path}` "
                              "imports it")
    assert all(len(line) <= 80 or " " not in line for line in said), said


def test_suggestions_fit_an_80_column_terminal_with_every_name_and_uri_whole(
        trained: tuple[Path, str]) -> None:
    """With a reason per track, a row per track wrapped every name over two or three lines."""
    seeds = json.loads(_mpdtui("suggest", "--name", "party", "--model", "title", "--k", "2",
                               "--json", cache=trained[0]).stdout)
    asked = ("suggest", "--name", "party", "--seed", seeds[0]["uri"], "--seed", seeds[1]["uri"],
             "--model", "item_knn", "--k", "6")
    rows = json.loads(_mpdtui(*asked, "--json", cache=trained[0]).stdout)
    assert len({row["reason"] for row in rows}) > 1  # a reason per track, not one under all
    lines = _in_80_columns(*asked, cache=trained[0])
    uris = [found[0] for line in lines if (found := re.search(r"spotify:track:\w{22}", line))]
    assert uris == [row["uri"] for row in rows]
    for row in rows:  # each on a line of its own, whole
        assert any(row["track"] in line for line in lines), row["track"]
        assert any(row["artist"] in line for line in lines), row["artist"]
        assert any(row["reason"] in line for line in lines), row["reason"]


def test_each_model_gives_its_own_true_reasons(trained: tuple[Path, str]) -> None:
    services = open_services(Locations.resolve(trained[0]))
    seeds = [s.track.id for s in services.suggester.suggest("party", [], "title", k=3)]
    seed_names = {t.name for t in services.catalog.catalog().tracks(seeds)}

    def reasons(model: str, name: str = "party", with_seeds: bool = True) -> set[str]:
        return {s.reason for s in services.suggester.suggest(name, seeds if with_seeds else [], model, k=20)}

    assert reasons("popularity") == {"popular overall"}
    assert reasons("title", with_seeds=False) <= {"fits the name 'party'", "popular overall"}
    assert "fits the name 'party'" in reasons("title", with_seeds=False)
    knn = reasons("item_knn")
    assert knn <= {f"often with {n}" for n in seed_names} | {"popular overall"}
    assert any(r.startswith("often with") for r in knn)
    assert reasons("als") == {"in playlists like yours"}


def test_an_evaluation_keeps_the_results_of_the_models_it_did_not_score(
        small_store: Locations, tmp_path: Path) -> None:
    """`evaluate --models popularity` after a full training keeps the other models' results
    (the default model is the best of them), but not one of a model saved since."""
    from mpdtui import splits, training
    from mpdtui.pipeline.request import JobRequest
    from mpdtui.pipeline.runner import run_job

    shutil.copytree(small_store.root, tmp_path / "cache")
    locations = Locations.resolve(tmp_path / "cache")
    run_job(locations, JobRequest("setup", models=("popularity", "title")), lambda event: None)
    models = open_services(locations).models
    full = models.evaluation()
    assert full is not None and list(full["models"]) == ["popularity", "title"]
    best = models.default()
    assert best == "title"
    shown = run_job(locations, JobRequest("evaluate", models=("popularity",)),
                    lambda event: None).report
    assert shown is not None and list(shown["models"]) == ["popularity"]
    assert models.evaluation() == full and models.default() == best
    training.train_model(locations, "title", splits.training_dataset(
        locations, splits.training_split(locations)), {})  # saved anew, not scored
    # not scored as saved now, so not shown with its predecessor's figure; but a retrain does
    # not hand the default to a worse model (popularity) until an evaluation says so
    assert "title" not in models.scores() and models.default() == "title"
    run_job(locations, JobRequest("evaluate", models=("popularity",)), lambda event: None)
    after = models.evaluation()
    assert after is not None and list(after["models"]) == ["popularity"]  # title's was stale


def test_equal_scores_make_the_default_the_first_in_serving_order(
        small_store: Locations, tmp_path: Path) -> None:
    """A tie (small data: several models at 0.0) goes to the model that serves when there is
    no evaluation (title before popularity), not to the baseline the report lists first."""
    from mpdtui.pipeline.request import JobRequest
    from mpdtui.pipeline.runner import run_job

    shutil.copytree(small_store.root, tmp_path / "cache")
    locations = Locations.resolve(tmp_path / "cache")
    run_job(locations, JobRequest("setup", models=("popularity", "title")), lambda event: None)
    path = locations.evaluation_json
    report = json.loads(path.read_text())
    for result in report["models"].values():
        result["overall"]["r_precision"] = 0.0
    path.write_text(json.dumps(report))
    assert list(report["models"]) == ["popularity", "title"]
    assert open_services(locations).models.default() == "title"
