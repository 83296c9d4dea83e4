"""The MPD's path typed as a person types one in a shell: `mpdtui` in a pseudo-terminal on an
empty cache dir, the data step's field completed with tab, the choices shown where several
names fit, then the folder ingested."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from terminal import Terminal

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parents[1] / "fixtures" / "handmade.mpd.slice.0-2.json"


def field_line(text: str) -> str:
    """The data step's path field: the screen's line that shows the typed path."""
    return next(line for line in text.splitlines() if "My Music" in line)


def test_the_mpd_path_completes_with_tab_in_a_real_terminal(tmp_path: Path) -> None:
    mpd = tmp_path / "My Music" / "spotify_million_playlist_dataset"
    (mpd / "data").mkdir(parents=True)
    (mpd / "src").mkdir()
    shutil.copy(FIXTURE, mpd / "data" / "mpd.slice.0-2.json")
    (mpd.parent / "spotify_million_playlist_dataset.zip").write_bytes(b"not yet downloaded")
    term = Terminal(tmp_path / "cache")  # 160 columns: the whole path in the field
    try:
        term.wait_for("Setup 1/5", timeout=60)
        term.press("ctrl+n")
        term.wait_for("Setup 2/5")
        term.type(f"{tmp_path}/My")
        # the rest of the folder's name, in grey after the cursor; tab takes it
        term.wait_for(lambda t: f"{tmp_path}/My Music/" in t, timeout=10)
        term.press("tab")
        term.type("s")
        term.press("tab")  # a folder and a zip share the rest of their names
        term.wait_for(lambda t: field_line(t).strip("▊▎ ").endswith("spotify_million_playlist_dataset"),
                      timeout=10)
        term.press("tab")
        term.wait_for(lambda t: "Type more of the name" in t and "spotify_million_playlist_dataset.zip"
                      in t, timeout=10)
        term.type("/")
        term.press("tab")  # data/ and src/: listed, the field as it was
        text = term.wait_for(lambda t: "data/   src/" in t, timeout=10)
        assert field_line(text).strip("▊▎ ").endswith("spotify_million_playlist_dataset/")
        term.type("d")
        term.press("tab")
        term.wait_for(lambda t: field_line(t).strip("▊▎ ").endswith("dataset/data/"), timeout=10)
        term.press("enter")
        text = term.wait_for("Data ready", timeout=120)
        assert "3 playlists" in text
        assert not term.seen_errors, term.seen_errors
    finally:
        term.close()


def test_tab_in_the_empty_field_lists_the_folder_and_the_path_typed_next_is_ingested(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tab in the data step's empty field, as in a shell to see what is there, moved the cursor
    to Back: the path typed next went nowhere, and enter went back to the first step."""
    mpd = tmp_path / "mpd"
    mpd.mkdir()
    shutil.copy(FIXTURE, mpd / "mpd.slice.0-2.json")
    (tmp_path / "notes").mkdir()
    monkeypatch.chdir(tmp_path)  # the app's current folder, as the shell it is started from
    term = Terminal(tmp_path / "cache", cols=80, rows=24)
    try:
        term.wait_for("Setup 1/5", timeout=60)
        term.press("ctrl+n")
        term.wait_for("Setup 2/5")
        term.press("tab")
        term.wait_for(lambda t: "mpd/   notes/" in t, timeout=10)
        term.type("mp")
        term.press("tab")
        term.press("enter")
        text = term.wait_for("Data ready", timeout=120)
        assert "Setup 2/5" in text and "3 playlists" in text
        assert not term.seen_errors, term.seen_errors
    finally:
        term.close()


def test_a_new_user_finds_the_help_and_what_skipping_spotify_means_at_80x24(
        tmp_path: Path) -> None:
    """A person's first steps at 80x24: in the first step's path field `?` is typed and F1 did
    nothing, so the help was out of reach; the Spotify step's explanation (optional, what for)
    scrolls out of view as its field takes the cursor, and the line left in view named only
    the login."""
    term = Terminal(tmp_path / "cache", cols=80, rows=24)
    try:
        term.wait_for("Setup 1/5", timeout=60)
        term.wait_for("f1 Help")  # the footer names it where `?` is typed
        term.press("f1")
        shown = term.wait_for("run this step")  # the setup's keys, in view at once
        assert "Setup wizard" in shown and "Playlist builder" not in shown
        term.press("f1")
        term.wait_for(lambda t: "run this step" not in t and "Setup 1/5" in t)
        term.press("ctrl+p")
        term.type("Setup: Spotify")
        term.wait_for("Spotify login")
        term.press("enter")
        # once the field has the cursor (the footer's f1), scrolled into view: the line above
        # it is whole on screen
        shown = term.wait_for(lambda t: "Setup 3/5" in t and "f1 Help" in t, timeout=15)
        shown = term.wait_for(lambda t: "Client ID of your Spotify app" in t, timeout=15)
        flat = " ".join(shown.split())
        assert ("Or skip it (ctrl+n): all but exporting to and importing from Spotify works "
                'without it, and the palette\'s "Setup: Spotify login" (ctrl+p) brings this step '
                "back.") in flat, shown
        assert not term.seen_errors, term.seen_errors
    finally:
        term.close()


def test_a_new_user_chooses_the_demos_size_at_80x24(tmp_path: Path) -> None:
    """The data step offered no size: the demo was made at config.json's, which only README
    named. At 80x24 the sizes show on one line with their setup's time, shift+tab from the
    path reaches them, and the path's placeholder, whole, names the size chosen."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "config.json").write_text('{"demo": {"playlists": 300, "seed": 3}}')
    term = Terminal(cache, cols=80, rows=24)
    try:
        term.wait_for("Setup 1/5", timeout=60)
        term.press("ctrl+n")
        sizes = "▐●▌ 300   ▐●▌ 2,000 · 2 min   ▐●▌ 10,000 · 5 min   ▐●▌ 20,000 · 20 min"
        term.wait_for(lambda t: "empty: the demo (300 playlists); or an MPD folder or zip" in t
                      and sizes in t)  # once laid out: one under the other at first
        term.press("shift+tab")
        term.wait_for("Choose this size")  # the footer names the key
        term.press("right", "enter")
        term.wait_for(lambda t: "empty: the demo (2,000 playlists); or an MPD folder or zip" in t
                      and sizes in t)  # still on one line (a repaint may show half a screen)
        term.press("enter")
        shown = term.wait_for("Data ready", timeout=120)
        assert "Ingested: 2,000 playlists" in shown
        assert '"playlists": 2000' in (cache / "config.json").read_text()
        assert not term.seen_errors, term.seen_errors
    finally:
        term.close()
