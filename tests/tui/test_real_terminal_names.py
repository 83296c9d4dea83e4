"""Names from data as a terminal draws them: `mpdtui` in an 80x24 pseudo-terminal, the saved
playlists' list holding a name with emoji that Rich and terminals size differently (❤️: two
cells for Rich, one in tmux and xterm). Its row must line up with the others: drawn short, its
figures stood two cells left of their column and the builder's border showed through at its
end. A zero-width joiner inside a word of a script (Devanagari's half form) did the same,
the other way: Rich counted the letter after it as no cell, pyte and tmux as one."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from terminal import Terminal
from wcwidth import wcwidth

from mpdtui.cli import main
from mpdtui.data.saved_playlists import SavedPlaylists
from mpdtui.locations import Locations

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parents[1] / "fixtures" / "handmade.mpd.slice.0-2.json"
HH_MM = r"\d\d:\d\d"
HEARTS = "\u2764\ufe0f summer \u2600\ufe0f"  # ❤️ summer ☀️
HALF_FORM = "\u0915\u094d\u200d\u0937 summer"  # क्‍ष summer: a joiner in Devanagari


def cells(line: str, end: int) -> int:
    """The screen column of `line[end]`: pyte keeps a combining mark in its letter's cell."""
    return sum(max(wcwidth(c), 0) for c in line[:end])


@pytest.mark.parametrize(("name", "drawn"), [(HEARTS, "summer ☀"),
                                             (HALF_FORM, "\u0915\u094d\u0937 summer")])
def test_a_name_with_emoji_lines_up_in_a_real_terminal(tmp_path: Path, name: str,
                                                       drawn: str) -> None:
    mpd = tmp_path / "mpd"
    mpd.mkdir()
    shutil.copy(FIXTURE, mpd / "mpd.slice.0-2.json")
    cache = tmp_path / "cache"
    assert main(["--cache-dir", str(cache), "ingest", str(mpd)]) == 0
    store = SavedPlaylists.open(Locations.resolve(cache))
    store.save(name, [])
    store.save("plain", [])
    term = Terminal(cache, cols=80, rows=24)
    try:
        term.wait_for("Suggestions", timeout=60)
        term.press("escape")
        term.press("p")
        text = term.wait_for(lambda t: all(w in t for w in ("Tracks", "summer", "plain")),
                             timeout=30)
        rows = {name: line for line in text.splitlines()
                for name in ("Tracks", "summer", "plain") if name in line}
        column = cells(rows["Tracks"], rows["Tracks"].index("Tracks"))
        at_column = {row: next(i for i in range(len(line)) if cells(line, i) == column)
                     for row, line in rows.items()}
        assert rows["summer"][at_column["summer"]] == "0", text  # no tracks: 0 in Tracks
        # from there to the preview's border, as the other row's: nothing else between
        tracks_to_border = [re.sub(HH_MM, "", rows[row][at_column[row]:rows[row].index("│") + 1])
                            for row in ("summer", "plain")]
        assert tracks_to_border[0] == tracks_to_border[1], text
        assert drawn in rows["summer"]
    finally:
        term.close()
