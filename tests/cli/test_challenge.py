"""`mpdtui make-challenge` and `mpdtui score`: a challenge set in the RecSys Challenge 2018's
format from slices not ingested, and submissions scored against its truth."""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import SMALL_DEMO_PLAYLISTS, SMALL_DEMO_SEED
from hostile_support import HANDMADE, assert_refused, run_cli

from mpdtui.data.demo import generate_demo
from mpdtui.locations import Locations

PER_CATEGORY = 20


@pytest.fixture(scope="module")
def other_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 playlists of another seed than the small store's: the same pids, other playlists
    (none of them ingested there)."""
    folder = tmp_path_factory.mktemp("other-demo")
    generate_demo(folder, 2000, 8)
    return folder


@pytest.fixture
def made(other_demo: Path, small_store: Locations, tmp_path: Path,
         capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "challenge"
    done = run_cli(capsys, small_store.root, "make-challenge", str(other_demo), "--out", str(out),
                   "--per-category", str(PER_CATEGORY))
    assert done.code == 0, done
    # slices are read until twice the playlists asked for: the MPD would not fit in memory
    assert "(of the 1,000 in the first 1 of its 2 slices)" in done.out
    return out


def _read(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def test_the_challenge_set_has_the_challenges_format_and_its_truth_the_rest(
        made: Path, other_demo: Path) -> None:
    source = {p["pid"]: p for p in _read(other_demo / "mpd.slice.0-999.json")["playlists"]}
    document = _read(made / "challenge_set.json")
    assert list(document) == ["date", "version", "playlists"]  # the challenge's, in its order
    playlists = document["playlists"]
    newest = max(source[p["pid"]]["modified_at"] for p in playlists)
    assert document["date"] == datetime.fromtimestamp(newest, UTC).strftime(
        "%Y-%m-%d %H:%M:%S.%f") and document["version"] == "v1"
    truth = {p["pid"]: p for p in _read(made / "challenge_truth.json")["playlists"]}
    assert Counter(p["category"] for p in truth.values()) == {
        key: PER_CATEGORY for key in ("title_only", "title_first_1", "title_first_5", "first_5",
                                      "title_first_10", "first_10", "title_first_25",
                                      "title_random_25", "title_first_100", "title_random_100")}
    assert len(playlists) == len(truth) == 10 * PER_CATEGORY
    for playlist in playlists:
        original, held = source[playlist["pid"]], truth[playlist["pid"]]
        assert ("name" in playlist) == (held["category"] not in ("first_5", "first_10"))
        assert playlist.get("name", original["name"]) == original["name"]
        assert playlist["num_tracks"] == original["num_tracks"]
        assert playlist["num_samples"] == len(playlist["tracks"])
        assert playlist["num_holdouts"] == playlist["num_tracks"] - playlist["num_samples"]
        for track in playlist["tracks"]:  # as the slice has them, at their own positions
            assert original["tracks"][track["pos"]] == track
        positions = [t["pos"] for t in playlist["tracks"]]
        if "random" not in held["category"]:
            assert positions == list(range(len(positions)))
        seeds = {t["track_uri"] for t in playlist["tracks"]}
        rest = {t["track_uri"] for t in original["tracks"]} - seeds
        assert [h["track_uri"] for h in held["holdouts"]] == list(
            dict.fromkeys(t["track_uri"] for t in original["tracks"] if t["track_uri"] in rest))


def test_the_same_seed_makes_the_same_bytes(made: Path, other_demo: Path,
                                            small_store: Locations,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    before = (made / "challenge_set.json").read_bytes()
    again = run_cli(capsys, small_store.root, "make-challenge", str(other_demo), "--out",
                    str(made), "--per-category", str(PER_CATEGORY))
    assert again.code == 0, again  # an earlier challenge's folder is replaced
    assert (made / "challenge_set.json").read_bytes() == before


def test_slices_are_read_until_every_category_is_filled(
        other_demo: Path, small_store: Locations, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Twice the playlists asked for (1,000: the first slice) held 79 of the 100 long enough for
    the two 100-seed categories, which got 40 and 39 where 50 were asked for."""
    out = tmp_path / "challenge"
    done = run_cli(capsys, small_store.root, "make-challenge", str(other_demo), "--out", str(out),
                   "--per-category", "50")
    assert done.code == 0, done
    assert "(of the 2,000 in every slice)" in done.out
    truth = _read(out / "challenge_truth.json")["playlists"]
    assert set(Counter(p["category"] for p in truth).values()) == {50}


def test_categories_that_get_fewer_than_asked_for_are_said_to(
        other_demo: Path, small_store: Locations, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The counts were listed ("title + first 100: 40") and nothing said that the mix was no
    longer the challenge's ten equal categories, nor what gives it back."""
    done = run_cli(capsys, small_store.root, "make-challenge",
                   str(other_demo / "mpd.slice.0-999.json"), "--out", str(tmp_path / "c"),
                   "--per-category", "50")
    assert done.code == 0, done
    assert ("title + first 100: 40; title + 100 random: 39. 2 categories got fewer than the 50 "
            "asked for (title + first 100 takes playlists of 150+ tracks, too few in these "
            "slices): for the challenge's ten equal categories, give more slices or a smaller "
            "--per-category") in done.out
    again = run_cli(capsys, small_store.root, "make-challenge", str(other_demo), "--out",
                    str(tmp_path / "c"), "--per-category", "50")  # as advised: more slices
    assert again.code == 0 and "got fewer" not in again.out, again


def test_slices_the_cache_dir_ingested_are_refused(small_store: Locations, small_demo: Path,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    refused = run_cli(capsys, small_store.root, "make-challenge", str(small_demo), "--out",
                      str(tmp_path / "c"))
    assert_refused(refused, str(small_demo), "ingested", "demo-data")
    assert not (tmp_path / "c").exists()


def test_an_out_folder_of_other_files_is_refused(other_demo: Path, small_store: Locations,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    refused = run_cli(capsys, small_store.root, "make-challenge", str(other_demo), "--out",
                      str(tmp_path))
    assert_refused(refused, "notes.txt", "new or empty folder")


def _answers(made: Path, right: bool) -> list[str]:
    """A submission's lines: the held-out tracks first (`right`), or none of them."""
    lines = ["team_info,tests,tests@example.com"]
    for playlist in _read(made / "challenge_truth.json")["playlists"]:
        held = [h["track_uri"] for h in playlist["holdouts"]] if right else []
        filler = [f"spotify:track:filler{i:016d}" for i in range(500 - len(held))]  # 22 long
        lines.append(",".join([str(playlist["pid"]), *held, *filler]))
    return lines


def test_score_compares_submissions_per_category(made: Path, small_store: Locations,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    right, wrong = tmp_path / "right.csv.gz", tmp_path / "wrong.csv"
    right.write_bytes(gzip.compress("\n".join(_answers(made, True)).encode()))
    wrong.write_bytes(("\ufeff" + "\r\n".join(_answers(made, False))).encode())  # a spreadsheet's
    done = run_cli(capsys, small_store.root, "score", str(right), str(wrong), "--truth",
                   str(made), "--json")
    assert done.code == 0, done
    report = orjson.loads(done.out)
    assert report["n_cases"] == 10 * PER_CATEGORY
    assert [c["n"] for c in report["categories"]] == [PER_CATEGORY] * 10
    assert report["models"]["right.csv.gz"]["overall"] == {  # by file name: they differ
        "r_precision": 1.0, "r_precision_artist": 1.0, "ndcg": 1.0, "clicks": 0.0}
    assert report["models"]["wrong.csv"]["overall"]["r_precision"] == 0.0
    assert report["models"]["wrong.csv"]["overall"]["clicks"] == 51.0
    assert report["leads"][0]["best"] == "right.csv.gz"
    table = run_cli(capsys, small_store.root, "score", str(right), "--truth",
                    str(made / "challenge_truth.json"))
    assert table.code == 0, table
    assert f"r_precision on {10 * PER_CATEGORY} held-out playlists" in table.out
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "wrong.csv").write_bytes(wrong.read_bytes())
    same_names = run_cli(capsys, small_store.root, "score", str(wrong),
                         str(tmp_path / "other" / "wrong.csv"), "--truth", str(made), "--json")
    assert set(orjson.loads(same_names.out)["models"]) == {str(wrong),
                                                          str(tmp_path / "other" / "wrong.csv")}


def test_a_submission_given_twice_is_refused_and_rows_are_submissions(
        made: Path, small_store: Locations, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.csv").write_text("\n".join(_answers(made, True)))
    Path("b.csv").write_text("\n".join(_answers(made, False)))
    for again in ("a.csv", "./a.csv", str(tmp_path / "a.csv")):  # scored once, said nowhere
        assert_refused(run_cli(capsys, small_store.root, "score", "a.csv", "b.csv", again,
                               "--truth", str(made)), "a.csv", "given twice")
    done = run_cli(capsys, small_store.root, "score", "a.csv", "b.csv", "--truth", str(made))
    assert done.code == 0, done
    heads = [line.split()[1] for line in done.out.splitlines() if "┃ overall ┃" in line
             or "behind a.csv by" in line]
    assert heads == ["submission"] * 4, done.out  # three metrics and the leads: not "model"


@pytest.mark.parametrize(("change", "said"), [
    (lambda lines: lines[:-1], "is missing"),
    (lambda lines: [*lines, lines[1]], "answered again"),
    (lambda lines: [lines[0], lines[1].rsplit(",", 1)[0], *lines[2:]], "499 tracks"),
    (lambda lines: [lines[0], "12345678," + lines[1].split(",", 1)[1], *lines[2:]],
     "pid 12345678 is not in the challenge set"),
    (lambda lines: [lines[0], "x," + lines[1].split(",", 1)[1], *lines[2:]], "expected a pid"),
    (lambda lines: [lines[0], lines[1] + ",", *lines[2:]], "line 2 (pid"),
    # these were scored: no team_info line, or one without an email, or a last URI cut short
    (lambda lines: lines[1:], "line 1: expected team_info,TEAM NAME,EMAIL first"),
    (lambda lines: ["team_info,tests", *lines[1:]], "team_info takes a team name and a contact"),
    (lambda lines: ["team_info,tests,", *lines[1:]], "team_info takes a team name and a contact"),
    (lambda lines: [*lines, lines[0]], "team_info again (first on line 1)"),
    (lambda lines: [*lines[:-1], lines[-1][:-5]], "is not a track URI"),  # cut short
])
def test_a_submission_the_challenge_would_refuse_is_refused_by_line(
        made: Path, small_store: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        change: Any, said: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(change(_answers(made, True))))
    assert_refused(run_cli(capsys, small_store.root, "score", str(bad), "--truth", str(made)),
                   str(bad), said)


def test_a_missing_answer_names_the_submit_that_answers_every_playlist(
        made: Path, small_store: Locations, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """It said "`mpdtui submit` answers them all", which runs nothing: submit takes the
    challenge set and the file."""
    short = tmp_path / "short.csv"  # comments and blank lines may come before team_info
    short.write_text("\n".join(["# made by hand", "", " team_info , main, tests , t@example.com",
                                *_answers(made, True)[1:-1]]))
    line = assert_refused(run_cli(capsys, small_store.root, "score", str(short), "--truth",
                                  str(made / "challenge_truth.json")), "is missing")
    assert f"submit --challenge-set {made} --out {short}` answers them all" in line


def test_an_answer_with_a_seed_track_is_refused(made: Path, small_store: Locations,
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    truth = _read(made / "challenge_truth.json")["playlists"]
    seeded = next(i for i, p in enumerate(truth) if p["seeds"])
    lines = _answers(made, True)
    fields = lines[seeded + 1].split(",")
    fields[-1] = truth[seeded]["seeds"][0]
    lines[seeded + 1] = ",".join(fields)
    bad = tmp_path / "seeded.csv"
    bad.write_text("\n".join(lines))
    assert_refused(run_cli(capsys, small_store.root, "score", str(bad), "--truth", str(made)),
                   f"line {seeded + 2}", "seed track")


def test_the_challenge_set_given_to_score_names_the_submit_that_answers_it(
        made: Path, small_store: Locations, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """It named `--challenge-set challenge_set.json`, not there where one runs it."""
    monkeypatch.chdir(made.parent)
    line = assert_refused(run_cli(capsys, small_store.root, "score",
                                  f"{made.name}/challenge_set.json", "--truth", made.name),
                          "is JSON, not a submission CSV")
    command = line.split("`")[1].split()
    given = Path(command[command.index("--challenge-set") + 1])
    assert given == Path(made.name) and (given / "challenge_set.json").is_file()  # from here


@pytest.mark.parametrize("truth", ["challenge_set.json", "missing.json", "."])
def test_a_truth_that_is_not_one_is_refused(made: Path, small_store: Locations, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           truth: str) -> None:
    good = tmp_path / "good.csv"
    good.write_text("\n".join(_answers(made, True)))
    given = made / truth if truth != "." else tmp_path
    assert_refused(run_cli(capsys, small_store.root, "score", str(good), "--truth", str(given)),
                   "--truth")


def test_submission_names_are_shown_as_text(made: Path, small_store: Locations, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # short names: a table's title wraps a long one
    marked, escaped = Path("[red]mine.csv"), Path("e\x1b[31mx.csv")
    for path, right in ((marked, True), (escaped, False)):
        path.write_text("\n".join(_answers(made, right)))
    done = run_cli(capsys, small_store.root, "score", str(marked), str(escaped), "--truth",
                   str(made))
    assert done.code == 0, done
    assert "\x1b" not in done.out
    assert f"behind {marked}" in done.out  # the leads' title, not only the rows
    assert done.out.count(str(marked)) >= 4 and str(escaped).replace("\x1b", "\\x1b") in done.out


def test_a_make_challenge_killed_while_writing_is_made_again(
        made: Path, other_demo: Path, small_store: Locations,
        capsys: pytest.CaptureFixture[str]) -> None:
    left = made / ".challenge_truth.json.999999999-x1y2.tmp"  # atomic_write's, of a pid gone
    left.write_text("{")
    again = run_cli(capsys, small_store.root, "make-challenge", str(other_demo), "--out",
                    str(made), "--per-category", str(PER_CATEGORY))
    assert again.code == 0, again
    assert sorted(p.name for p in made.iterdir()) == ["challenge_set.json", "challenge_truth.json"]


def test_slices_of_playlists_too_short_for_every_category_are_refused(
        small_store: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused = run_cli(capsys, small_store.root, "make-challenge", str(HANDMADE), "--out",
                      str(tmp_path / "c"))  # its playlists have 1 to 3 tracks
    assert_refused(refused, str(HANDMADE), "none of its 3 playlists has the 10 distinct tracks")
    assert not (tmp_path / "c").exists()  # nothing for `submit` to find empty


def test_a_bad_slice_is_refused_saying_what_to_do(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "mpd.slice.0-999.json"
    bad.write_bytes(b"")
    refused = run_cli(capsys, tmp_path / "cache", "make-challenge", str(bad), "--out",
                      str(tmp_path / "c"))
    assert_refused(refused, f"{bad}: invalid JSON", "; fix or replace that file")
    assert not (tmp_path / "c").exists()


def test_submit_refuses_a_challenge_whose_playlists_were_ingested_since(
        small_demo: Path, small_store: Locations, cache_dir: Locations, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # made where nothing was ingested; the small store has since ingested its slice
    made = run_cli(capsys, cache_dir.root, "make-challenge",
                   str(small_demo / "mpd.slice.2000-2999.json"), "--out", str(tmp_path / "c"),
                   "--per-category", "5")
    assert made.code == 0, made
    refused = run_cli(capsys, small_store.root, "submit", "--challenge-set", str(tmp_path / "c"),
                      "--out", str(tmp_path / "s.csv"))
    assert_refused(refused, str(tmp_path / "c" / "challenge_set.json"), "ingested since",
                   "score what they remember")
    assert not (tmp_path / "s.csv").exists()


def test_the_truth_given_for_slices_points_to_score(made: Path, small_store: Locations,
                                                    tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    truth = made / "challenge_truth.json"
    refused = run_cli(capsys, small_store.root, "make-challenge", str(truth), "--out",
                      str(tmp_path / "again"))  # as `ingest` and --train --mpd, which read slices alike
    assert_refused(refused, f"`mpdtui score SUBMISSION --truth {truth}`")
    challenge = made / "challenge_set.json"  # it said "to ingest, give ...", not ingesting
    line = assert_refused(run_cli(capsys, small_store.root, "make-challenge", str(challenge),
                                  "--out", str(tmp_path / "again")), "submit --challenge-set")
    assert line.endswith("; MPD slices are the MPD's data folder or zip, or its slice files")


def test_the_slices_the_cache_dir_ingested_are_skipped_for_the_next_ones(
        small_store: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The MPD's folder after ingesting its first slices: the challenge comes from the next
    ones, never from playlists the models learned."""
    mpd = tmp_path / "mpd"
    generate_demo(mpd, SMALL_DEMO_PLAYLISTS + 1000, SMALL_DEMO_SEED)  # the ingested 3, and one
    out = tmp_path / "c"
    done = run_cli(capsys, small_store.root, "make-challenge", str(mpd), "--out", str(out),
                   "--per-category", "5")
    assert done.code == 0, done
    assert "(of the 1,000 in 1 of its 4 slices, past the 3 the cache dir ingested)" in done.out
    pids = {p["pid"] for p in _read(out / "challenge_set.json")["playlists"]}
    assert pids and min(pids) >= SMALL_DEMO_PLAYLISTS


def test_one_held_out_playlist_says_it_is_too_few_to_tell_a_lead(
        made: Path, small_store: Locations, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """With one playlist there is no interval, and the leads were left out without a word."""
    document = _read(made / "challenge_truth.json")
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "challenge_truth.json").write_bytes(
        orjson.dumps({**document, "playlists": document["playlists"][:1]}))
    for right, name in ((True, "right.csv"), (False, "wrong.csv")):
        (tmp_path / name).write_text("\n".join(_answers(tmp_path / "one", right)))
    done = run_cli(capsys, small_store.root, "score", str(tmp_path / "right.csv"),
                   str(tmp_path / "wrong.csv"), "--truth", str(tmp_path / "one"))
    assert done.code == 0, done
    assert done.out.endswith("one held-out playlist: too few to tell whether any model leads "
                             "beyond chance\n")
    assert "r_precision on 1 held-out playlist " in done.out  # "1 held-out playlists" before
    assert "1 held-out playlists" not in done.out


def test_long_submission_names_are_whole_in_the_leads(
        made: Path, small_store: Locations, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The leads' table was 70 columns whatever its names: "behind s_ranker.csv… by"."""
    best, other = tmp_path / "s_ranker_submission.csv.gz", tmp_path / "s_popularity_submission.csv"
    best.write_bytes(gzip.compress("\n".join(_answers(made, True)).encode()))
    other.write_text("\n".join(_answers(made, False)))
    done = run_cli(capsys, small_store.root, "score", str(best), str(other), "--truth", str(made))
    assert done.code == 0, done
    leads = done.out[done.out.index("r_precision behind"):]
    assert "…" not in leads, leads
    assert "┃ submission " in leads and "┃ behind s_ranker_submission.csv.gz by ┃" in leads, leads
    assert "│ s_popularity_submission.csv │" in leads, leads
