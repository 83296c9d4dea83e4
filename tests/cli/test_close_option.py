"""An unknown option a letter away from one of the command's own (`suggest --models`, since
suggest takes one --model; `mpdtui --trian`) names that option; followed, the command parses."""

from __future__ import annotations

import pytest
from hostile_support import assert_refused, run_cli

from mpdtui.cli import parse_arguments


@pytest.mark.parametrize(("argv", "meant", "parsed"), [
    (("suggest", "--models", "als"), "--model", {"model": "als"}),
    (("suggest", "--lenght", "45m"), "--length", {}),
    (("--trian",), "--train", {"train": True}),
    (("info", "--jsno"), "--json", {"json": True}),
])
def test_a_mistyped_option_names_the_one_meant(
        capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], meant: str,
        parsed: dict[str, object]) -> None:
    typed = next(word for word in argv if word.startswith("--"))
    line = assert_refused(run_cli(capsys, None, *argv),
                          f"unrecognized arguments: {' '.join(argv[argv.index(typed):])}; "
                          f"did you mean {meant}? (see `mpdtui ")
    assert line.count("did you mean") == 1
    args = parse_arguments([meant if word == typed else word for word in argv])
    assert {key: getattr(args, key) for key in parsed} == parsed


def test_an_option_like_none_of_the_commands_gets_no_guess(
        capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_refused(run_cli(capsys, None, "search", "love", "--top", "2"))
    assert line == "mpdtui: unrecognized arguments: --top 2 (see `mpdtui search --help`)"


@pytest.mark.parametrize(("argv", "typed", "meant"), [
    (("export", "x", "--too", "m3u"), "--too", "--to"),
    (("score", "a.csv", "--turth", "t"), "--turth", "--truth"),
])
def test_a_mistyped_required_option_is_named_beside_the_missing_one(
        capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], typed: str, meant: str) -> None:
    """argparse reports the required option missing, not the mistyped one given for it."""
    assert_refused(run_cli(capsys, None, *argv), f"the following arguments are required: {meant}; "
                   f"{typed} is no option here: did you mean {meant}? (see `mpdtui {argv[0]} ")
    args = parse_arguments([meant if word == typed else word for word in argv])
    assert getattr(args, meant.removeprefix("--")) is not None
