"""Tracks without a title, as the MPD holds (an empty `track_name`, or only spaces or invisible
characters): a reason or a note names them by their artist, never by a blank."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_support import jobs_in_process, playlists_from, write_slice  # noqa: F401

from mpdtui.cli import main
from mpdtui.track_titles import track_title

UNTITLED_URI = "spotify:track:AAAAAAAAAAAAAAAAAAAAA1"  # Jóga in the hand-made slice
ARTIST = "Björk"  # its artist


@pytest.mark.parametrize("blank", ["", "   ", "\u200b", "\t\n"])
def test_a_blank_title_is_named_by_its_artist(blank: str) -> None:
    assert track_title(blank, "Björk") == "(no title) by Björk"
    assert track_title(blank, " ") == "(no title)"
    assert track_title("Jóga", "Björk") == "Jóga"


@pytest.mark.usefixtures("jobs_in_process")
@pytest.mark.parametrize("blank", ["", "   "])
def test_a_suggestion_often_with_an_untitled_seed_names_the_seed_by_its_artist(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], blank: str) -> None:
    """`suggest --seed` of an untitled track said "why (all): often with " (and the builder's
    Why column the same), naming nothing."""
    playlists = playlists_from(0)
    for playlist in playlists:
        for track in playlist["tracks"]:
            if track["track_uri"] == UNTITLED_URI:
                track["track_name"] = blank
    source = write_slice(tmp_path / "mpd", 0, playlists)
    cache = str(tmp_path / "cache")
    assert main(["--cache-dir", cache, "--train", "--mpd", str(source.parent),
                 "--models", "item_knn"]) == 0
    capsys.readouterr()
    assert main(["--cache-dir", cache, "suggest", "--seed", UNTITLED_URI, "--model", "item_knn",
                 "--json"]) == 0
    reasons = {s["reason"] for s in json.loads(capsys.readouterr().out)}
    assert f"often with (no title) by {ARTIST}" in reasons, reasons
    assert not any(reason.rstrip() == "often with" for reason in reasons), reasons
