"""A word that starts with '-' after the first value of a several-value option (`suggest
--length 5 -3m`, `--train --features-csv a.csv -b.csv`) or of a command's words (`search dari
-x`, `import a.m3u -b.m3u`): argparse leaves it unread ("unrecognized arguments"); the line says
how to give it, as it does for a first value, and the way it gives parses."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from hostile_support import assert_refused, run_cli

from mpdtui.cli import parse_arguments, split_global_options


def _see_help(argv: tuple[str, ...]) -> str:
    return f" (see `mpdtui {argv[0]} --help`)" if not argv[0].startswith("-") else \
        " (see `mpdtui --help`)"


@pytest.mark.parametrize(("argv", "written", "parsed"), [
    (("--train", "--features-csv", "a.csv", "-b.csv"), "--features-csv a.csv ./-b.csv",
     {"train_features_csv": [Path("a.csv"), Path("./-b.csv")]}),
    (("features", "--csv", "a.csv", "-b.csv"), "--csv a.csv ./-b.csv",
     {"csv": ["a.csv", "./-b.csv"]}),
])
def test_a_later_dashed_file_name_is_given_as_dot_slash(
        capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], written: str,
        parsed: dict[str, object]) -> None:
    line = assert_refused(run_cli(capsys, None, *argv), "unrecognized arguments: -b.csv; a file "
                          f"whose name starts with '-' goes as ./-b.csv: {written}")
    assert line.endswith(_see_help(argv))
    args = parse_arguments([*argv[:-3], *shlex.split(written)])
    assert {key: getattr(args, key) for key in parsed} == parsed


def test_a_later_dashed_length_word_goes_after_equals_with_the_words_before_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_refused(run_cli(capsys, None, "suggest", "--length", "5", "-3m"),
                          "unrecognized arguments: -3m; a value that starts with '-' goes after "
                          "'=', in quotes with the words before it: --length='5 -3m'")
    joined = shlex.split(line.split("the words before it: ")[1].split(" (see ")[0])
    # followed, the length itself is read, and judged
    assert_refused(run_cli(capsys, tmp_path / "cache", "suggest", *joined),
                   "'5 -3m' is not a playlist length")


@pytest.mark.parametrize("argv", [("--train", "--models", "als", "-x"),
                                  ("evaluate", "--models", "als", "-x")])
def test_a_later_dashed_model_name_is_said_to_be_none_of_the_models(
        capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    line = assert_refused(run_cli(capsys, None, *argv), "unrecognized arguments: -x; --models "
                          "takes popularity, title, item_knn, als, two_tower, blend, ranker: -x "
                          "is none of them")
    assert line.endswith(_see_help(argv))


@pytest.mark.parametrize(("argv", "parsed"), [
    (("search", "dari", "-x"), {"words": "dari -x"}),
    (("search", "--k", "3", "dari", "-x", "love"), {"words": "dari -x love", "k": 3}),
    (("search", "--k=3", "dari", "-x"), {"words": "dari -x", "k": 3}),
    (("import", "a.m3u", "-b.m3u"), {"paths": ["a.m3u", "-b.m3u"]}),
    (("score", "a.csv", "-b.csv", "--truth", "t"),
     {"submissions": [Path("a.csv"), Path("-b.csv")], "truth": Path("t")}),
    (("export", "--to", "m3u", "road", "-trip"), {"name": "road -trip", "to": "m3u"}),
    (("order", "road", "-trip", "--dry-run"), {"name": "road -trip", "dry_run": True}),
])
def test_a_later_dashed_word_of_a_command_goes_after_double_dash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
        parsed: dict[str, object]) -> None:
    cache = tmp_path / "my cache"
    line = assert_refused(run_cli(capsys, cache, *argv), "unrecognized arguments: -",
                          "; words that start with '-' go after '--': ")
    see_help = _see_help(argv)
    assert line.endswith(see_help)
    followed = shlex.split(line.split("go after '--': ")[1].removesuffix(see_help))
    assert followed[:3] == ["mpdtui", "--cache-dir", str(cache)]
    rest, cache_dir, _ = split_global_options(followed[1:])
    assert cache_dir == str(cache)
    args = parse_arguments(rest)
    assert {key: getattr(args, key) for key in parsed} == parsed


@pytest.mark.parametrize(("argv", "unknown"), [
    (("search", "love", "--top", "2"), "--top 2"),  # a mistyped option, not a word
    (("suggest", "--name", "x", "-x", "3"), "-x 3"),  # a one-value option
])
def test_no_such_advice_where_the_dashed_word_is_no_later_value(
        capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], unknown: str) -> None:
    line = assert_refused(run_cli(capsys, None, *argv))
    assert line == f"mpdtui: unrecognized arguments: {unknown}{_see_help(argv)}"
