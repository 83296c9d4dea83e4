"""The app's wording of services messages: the app's own steps instead of CLI commands."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rich.cells import cell_len
from wcwidth import wcwidth

from mpdtui.data.features import FeatureStore
from mpdtui.data.known_slices import CHANGED_SINCE, OTHER_DATA
from mpdtui.data.playlist_formats import WHAT_IS_READ
from mpdtui.services.audio import FEATURES_HINT
from mpdtui.spotify import session
from mpdtui.tui.screens.playlists import changed_text
from mpdtui.tui.screens.wizard import SETUP_STEPS, advised_step
from mpdtui.tui.text import FEATURES_STEP, LOGIN_STEP, data_text, in_app
from mpdtui.tui.typed_path import typed_path

MESSAGES = [  # what the services and their errors say, with the CLI command in them
    (session.NOT_LOGGED_IN, "not logged in to Spotify: log in at the setup's Spotify step (f2)"),
    (session.LOG_IN_AGAIN, "the Spotify login has expired or was revoked: log in at the setup's "
                        "Spotify step (f2)"),
    ("no data yet: run `mpdtui ingest PATH` (or `--demo`) first",
     "no data yet: run the setup's data step (f2) first"),
    ("no trained model yet: run `mpdtui --train` (or the setup's training step)",
     "no trained model yet: use the setup's training step (f2)"),
    ("the data changed since the models were trained: train them again (`mpdtui --train`, or "
     "the setup's training step)", "the data changed since the models were trained: train "
                                   "them again (the setup's training step, f2)"),
    ("data/mpd.slice.0-999.json: invalid JSON: unexpected end of data; fix or remove that "
     "file, or add --skip-bad to ingest the other slices",
     "data/mpd.slice.0-999.json: invalid JSON: unexpected end of data; fix or remove that file"),
    (f"No audio features yet: {FEATURES_HINT}.",
     "No audio features yet: get them in the setup's audio features step (f2)."),
    (f"nope.m3u does not exist: give {WHAT_IS_READ}",  # the import's: `e` exports in the app
     "nope.m3u does not exist: give an M3U8, CSV or JSON playlist (what the export (e) or "
     "Exportify writes) or a text file of Spotify track links"),
]


@pytest.mark.parametrize(("message", "in_the_app"), MESSAGES)
def test_cli_commands_become_the_apps_steps(message: str, in_the_app: str) -> None:
    assert in_app(message) == in_the_app


@pytest.mark.parametrize("remedy", [OTHER_DATA, CHANGED_SINCE])
def test_the_clis_replace_is_the_data_steps_question(remedy: str) -> None:
    """The app has no --replace: its data step asks to replace the data there instead."""
    said = in_app(f"a.json differs from the a.json ingested before (size 1 vs 2): {remedy}")
    assert "--replace" not in said and "--cache-dir" not in said
    assert said.endswith("the data step asks to replace the data there when it is run again "
                         "(ctrl+r), or choose another cache dir at the first step")


@pytest.mark.parametrize("message", [session.REPAIR, FeatureStore.REBUILD_HINT,
                                     "login valid until about 2026, then run `mpdtui auth` again",
                                     "the data is not fully ingested: run `mpdtui ingest` again",
                                     "not trained for this data: als: run `mpdtui --train`"])
def test_no_cli_command_is_left(message: str) -> None:
    assert "`mpdtui" not in in_app(message) and "(f2)" in in_app(message)
    assert advised_step(in_app(message)) is not None  # the step f2 opens


STEP_OF_MESSAGE = ["SpotifyStep", "SpotifyStep", "DataStep", "TrainingStep", "TrainingStep",
                   None, "FeaturesStep", None]


@pytest.mark.parametrize(("message", "step"), [
    *zip([m for m, _ in MESSAGES], STEP_OF_MESSAGE, strict=True),
    ("the data is not fully ingested: run `mpdtui ingest` again", "DataStep"),
    ("not trained for this data: als: run `mpdtui --train`", "TrainingStep"),
    ("Spotify refused the login code (invalid_grant)", None)])
def test_f2_opens_the_step_a_message_names(message: str, step: str | None) -> None:
    """What each message says "(f2)" to is where f2 goes (none: the setup's start)."""
    index = advised_step(in_app(message))
    assert (None if index is None else SETUP_STEPS[index].__name__) == step


def test_a_message_said_on_the_step_it_names_says_here() -> None:
    """f2 on the step a message names would only open that step again."""
    assert in_app(session.LOG_IN_AGAIN, LOGIN_STEP) == (
        "the Spotify login has expired or was revoked: log in here (ctrl+r)")
    assert advised_step(in_app(session.LOG_IN_AGAIN, LOGIN_STEP)) is None
    assert in_app(session.LOG_IN_AGAIN, FEATURES_STEP) == in_app(session.LOG_IN_AGAIN)


def test_other_text_is_kept() -> None:
    text = "Spotify refused the login code (invalid_grant)"
    assert in_app(text) == text


def test_a_saved_playlists_change_time_is_as_short_as_tells_it_apart() -> None:
    def at(text: str) -> time.struct_time:
        return time.strptime(text, "%Y-%m-%d %H:%M")

    now = at("2026-12-02 12:00")
    assert changed_text(at("2026-12-02 09:54"), now) == "09:54"
    assert changed_text(at("2026-12-01 09:54"), now) == "12-01 09:54"
    assert changed_text(at("2025-12-02 09:54"), now) == "2025-12-02"


@pytest.mark.parametrize(("pasted", "path"), [
    ("'/music/my mpd/mpd.zip'", "/music/my mpd/mpd.zip"),  # GNOME, Konsole: a dropped file
    ('"/music/my mpd/mpd.zip" ', "/music/my mpd/mpd.zip"),  # "copy as path"
    ("/music/my\\ mpd/mpd.zip", "/music/my mpd/mpd.zip"),  # iTerm2, kitty
    ("'/music/it'\\''s/mpd.zip'", "/music/it's/mpd.zip"),
    ("file:///music/my%20mpd/mpd.zip", "/music/my mpd/mpd.zip"),
    ("  ~/mpd  ", "~/mpd"),  # typed: kept (the services expand ~)
    ("/music/it's/mpd.zip", "/music/it's/mpd.zip"),  # a quote left open is part of the name
    ("'/music/a.json' '/music/b.json'", "'/music/a.json' '/music/b.json'"),  # not one path
    ("file://nas/music/mpd.zip", "file://nas/music/mpd.zip"),  # another machine's file
    ("", "")])
def test_a_pasted_path_loses_the_quoting_terminals_add(pasted: str, path: str) -> None:
    assert typed_path(pasted) == path


def test_a_name_with_quotes_that_exists_is_taken_as_typed(tmp_path: Path) -> None:
    quoted = tmp_path / "'mpd'"
    quoted.mkdir()
    assert typed_path(f" {quoted} ") == str(quoted)
    assert typed_path(f"'{tmp_path / 'mpd'}'") == str(tmp_path / "mpd")  # no such folder


@pytest.mark.parametrize(("message", "in_the_app"), [
    ("connection to Spotify failed (ConnectionError) to me 6 times: run the command again "
     "later; everything fetched so far is kept", "connection to Spotify failed "
     "(ConnectionError) to me 6 times: try again later; everything fetched so far is kept"),
    ("Spotify rate-limits me/playlists (asked to wait 7200 s): run the command again after "
     "16:25; everything fetched so far is kept", "Spotify rate-limits me/playlists (asked to "
     "wait 7200 s): try again after 16:25; everything fetched so far is kept"),
    ("export of 'Mix' stopped after 100 of 250 tracks (Spotify answered 503 to playlists/p/items "
     "6 times); the local playlist is unchanged: run the same export again to continue into "
     "https://open.spotify.com/playlist/p", "export of 'Mix' stopped after 100 of 250 tracks "
     "(Spotify answered 503 to playlists/p/items 6 times); the local playlist is unchanged: "
     "export it to Spotify again to continue into https://open.spotify.com/playlist/p"),
    ("export of 'Mix' stopped after 100 of 250 tracks: the Spotify playlist URL was changed in "
     "Spotify during the export (...), so the export left it as it is; the local playlist is "
     "unchanged: run the same export again to make a new Spotify playlist with all 250 tracks",
     "export of 'Mix' stopped after 100 of 250 tracks: the Spotify playlist URL was changed in "
     "Spotify during the export (...), so the export left it as it is; the local playlist is "
     "unchanged: export it to Spotify again to make a new Spotify playlist with all 250 "
     "tracks")])
def test_the_apps_spotify_import_and_export_name_no_command(message: str,
                                                           in_the_app: str) -> None:
    """The app's `I` import and Spotify export failed with "run the command again later" and
    "run the same export again": the app has keys, not commands."""
    assert in_app(message) == in_the_app


@pytest.mark.parametrize("message", ["FORBIDDEN_NOW", "FORBIDDEN_BEFORE"])
def test_a_403_to_audio_features_says_how_the_app_asks_again(message: str) -> None:
    """The features step said "(--retry-forbidden to ask again)": a flag of the CLI's, which
    the app has no way to give. A new login is asked again (the 403 is remembered per login)."""
    from mpdtui.spotify import download

    said = in_app(getattr(download, message))
    assert "--retry-forbidden" not in said
    assert said.endswith(f"(a new login at {LOGIN_STEP} asks Spotify again)")


EMOJI_NAMES = ["\u2764\ufe0f summer \u2600\ufe0f",  # ❤️ ☀️: variation selector 16
               "\U0001f44d\U0001f3fd thumbs",  # 👍🏽: a skin tone
               "\U0001f468\u200d\U0001f469\u200d\U0001f467 family",  # 👨‍👩‍👧: joined emoji
               "\U0001f3f3\ufe0f\u200d\U0001f308 pride",  # 🏳️‍🌈: both
               "1\ufe0f\u20e3 keycap", "東京の夜 🎵", "Cafe\u0301"]


def terminal_cells(text: str) -> int:
    """The cells a terminal that sizes each code point alone draws `text` in (tmux 3.3a for
    variation selectors and skin tones, xterm, pyte)."""
    return sum(max(wcwidth(c), 0) for c in text)


@pytest.mark.parametrize("name", EMOJI_NAMES)
def test_a_name_is_shown_as_wide_as_the_terminal_draws_it(name: str) -> None:
    """Rich lays out ❤️ in two cells, tmux draws it in one: the row came out short, its
    columns shifted and the old screen's cells left at its end. Shown, names hold no emoji
    selector, skin tone or joiner between emoji, and both count the same cells."""
    shown_name = data_text(name).plain
    assert cell_len(shown_name) == terminal_cells(shown_name)
    assert [w for w in shown_name.split() if w.isalpha()] == [  # the words stay
        w for w in name.split() if w.isalpha()]


@pytest.mark.parametrize("name", ["\u0915\u094d\u200d\u0937 mix",  # क्‍ष: a half form
                                  "a\u200db\u200cc", "\u200d lead", "end\u200d"])
def test_a_joiner_outside_emoji_is_as_wide_for_rich_as_for_terminals(name: str) -> None:
    """Rich 15 counts the character after a zero-width joiner as no cell, wherever it is:
    Devanagari's क्‍ष was laid out in one cell and drawn in two by tmux, xterm and pyte, so its
    row's columns stood a cell right of the others'. Shown, the letters stay, the joiner goes."""
    shown_name = data_text(name).plain
    assert cell_len(shown_name) == terminal_cells(shown_name)
    assert shown_name == name.replace("\u200d", "")


def test_the_names_a_service_message_quotes_are_cut_and_its_commands_kept_whole() -> None:
    """The services quote whole names (the CLI's one line); the app showed a 300-character one
    whole in a notification. A command in backticks is kept: followed, it names the playlist
    as saved."""
    from mpdtui.tui.text import names_cut

    long = "Don't stop " + "N" * 300
    cut = "'Don't stop " + "N" * 28 + "…'"
    assert names_cut(f"a saved playlist named '{long}' already exists") == (
        f"a saved playlist named {cut} already exists")
    command = f"`mpdtui export '{long}' --to links`"
    assert names_cut(f"'{long}': {command}, or 'Mix'") == f"{cut}: {command}, or 'Mix'"
    assert in_app(f"export of '{long}' stopped") == f"export of {cut} stopped"
    assert names_cut("the user's 'Rock 'n' roll' mix") == "the user's 'Rock 'n' roll' mix"
