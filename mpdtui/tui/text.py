"""Formatting helpers for the screens (durations, sizes, rates, text from data)."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text

import mpdtui.advice
from mpdtui.pipeline.display import clock
from mpdtui.printable import printable

UNEVEN_WIDTH = re.compile("\ufe0f|[\U0001f3fb-\U0001f3ff]|\u200d")
"""What Rich and terminals size differently, so that a row holding it is drawn shorter or
longer than laid out (its columns shifted, the screen's old cells left at its end): emoji
presentation's variation selector (❤️: two cells for Rich, one in tmux and xterm), skin tones
(👍🏽: two for Rich, four in tmux) and every zero-width joiner: Rich (15) counts the
character after one as no cell at all, so the joiner between emoji (👨‍👩‍👧: two for Rich and
tmux, six where each code point is sized alone, as xterm and pyte do) and the one inside a
word of a script (Devanagari's half form क्‍ष, Sinhala's conjuncts: one cell for Rich, two in
tmux, xterm and pyte) both shifted the row."""


def even_width(text: str) -> str:
    """`text` without what terminals size differently (`UNEVEN_WIDTH`): each emoji then takes
    the cells Rich lays out in tmux, xterm and pyte too (❤ one, 👨👩👧 six, 👍 two). For the screen
    only: what is saved, searched or exported keeps them."""
    return UNEVEN_WIDTH.sub("", text)


def even_width_in_place(text: str) -> str:
    """`even_width` for a field, whose cursor counts characters: each one it drops is
    replaced, not dropped, by one no cell holds in Rich nor terminals (text presentation's
    selector; a non-joiner for a joiner)."""
    return UNEVEN_WIDTH.sub(lambda found: "\u200c" if found.group() == "\u200d" else "\ufe0e",
                            text)


QUESTION_NAME_CELLS = 40
"""The most of a name a dialog's question or a notification quotes: with the question's
words, two lines of a 60-column terminal's dialog, which then keeps its choices and fields in
view; a notification quoting one keeps to a few lines."""


def cut_name(name: str) -> str:
    """A name from data cut with "…" past `QUESTION_NAME_CELLS` cells, for a message: the
    lists, the fields and what is saved keep it whole."""
    cut = Text(name)
    cut.truncate(QUESTION_NAME_CELLS, overflow="ellipsis")
    return cut.plain


def quoted_name(name: str) -> str:
    """A name in a dialog's question or a notification, in quotes, cut as `cut_name` does: a
    300-character name took seven lines of a 60x20 terminal's dialog and pushed its choices
    and fields out of view, and nine rows of an 80x24 terminal's notification ("Opened …")."""
    return f"'{cut_name(name)}'"


_QUOTED = re.compile(r"(?<!\w)'(.+?)'(?!\w)")
"""A name as `printable.quoted` puts it in a message: its quotes neither after nor before a
letter, so that an apostrophe inside ("Don't stop") is no end of it."""


def names_cut(text: str) -> str:
    """A service's message for a notification or a dialog, each name it quotes cut as
    `quoted_name` does ("export of 'NNN…' stopped after ..."): the services quote whole names,
    right for the CLI's one line, and a 300-character one took 12 rows of an 80x24 terminal's
    notification. The commands it quotes (in backticks) are kept whole: followed, they must
    name the playlist as saved."""
    parts = text.split("`")
    parts[::2] = [_QUOTED.sub(_cut_quoted, part) for part in parts[::2]]
    return "`".join(parts)


def _cut_quoted(found: re.Match[str]) -> str:
    name = found.group(1)
    return found.group() if cell_len(name) <= QUESTION_NAME_CELLS else quoted_name(name)


def shown(text: str) -> str:
    """Text from data as a widget shows it: `printable`, and `even_width`."""
    return even_width(printable(text))


def data_text(text: str) -> Text:
    """Text from data (names, paths, messages naming them) for a widget: control characters
    escaped, emoji as wide as laid out (`even_width`), and `[red]` shown as typed, never read
    as markup."""
    return Text(shown(text))


def cell_text(text: str) -> Text:
    """`data_text` for a table cell: one line, ending in "…" where its column cuts it short."""
    cell = data_text(text)
    cell.overflow, cell.no_wrap = "ellipsis", True
    return cell


# The services' messages name the CLI command that fixes a problem ("run `mpdtui auth`
# first"); the app has a step for each, so its messages point there instead. One table, in
# the front end: the services stay the same for both front ends.
DATA_STEP = "the setup's data step (f2)"
LOGIN_STEP = "the setup's Spotify step (f2)"
FEATURES_STEP = "the setup's audio features step (f2)"
TRAINING_STEP = "the setup's training step (f2)"
IN_APP: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    # a CLI alternative after the app's own step: drop it
    (r", or add --skip-bad to ingest the other slices", ""),
    (r" \(or pass --skip-bad\)", ""),  # the data step asks to ingest the others without it
    (r"then run the same command again", "then press ctrl+r"),
    (r"give another folder to write it to with --out DIR/", "choose another folder to export to"),
    (r"give another directory with --cache-dir or \$MPDTUI_CACHE_DIR", "choose another folder"),
    (r",? or with `mpdtui [^`]*`(?: or `mpdtui [^`]*`)*", ""),
    (r"\(`mpdtui [^`]*`, or (the (?:setup|app)'s [a-z ]+ step)\)", r"(\1, f2)"),
    (r"run `mpdtui [^`]*` \(or (the (?:setup|app)'s [a-z ]+ step)\)", r"use \1 (f2)"),
    (r"`mpdtui features[^`]*` or `mpdtui features[^`]*`", FEATURES_STEP),
    (r"`mpdtui ingest PATH` \(or `--demo`\)", DATA_STEP),
    (r"`mpdtui ingest PATH` or `mpdtui --train --demo`", DATA_STEP),
    (r"\(run `mpdtui auth`\)", f"(log in at {LOGIN_STEP})"),
    (r"run `mpdtui auth --client-id ID` with", f"log in at {LOGIN_STEP} with"),
    # a 403 to audio features is remembered per login: a new one asks again
    (r"\(--retry-forbidden to (?:ask again|try anyway)\)",
     f"(a new login at {LOGIN_STEP} asks Spotify again)"),
    (r"run `mpdtui auth`(?: first| again)?(?: to log in again)?(?: \(it replaces the file\))?",
     f"log in at {LOGIN_STEP}"),
    (r"`mpdtui (?:ingest|demo-data)[^`]*`", DATA_STEP),
    (r"`mpdtui (?:--train|evaluate)[^`]*`", TRAINING_STEP),
    (r"`mpdtui features[^`]*`", FEATURES_STEP),
    (r"what `mpdtui export` or Exportify writes", "what the export (e) or Exportify writes"),
    (r"then run it again", "then try again"),  # a save, a step: not a command
    (r"run the command again (later|after)", r"try again \1"),  # the app's import: keys
    (r"run the same export again", "export it to Spotify again"),  # to continue, to make...
    # the CLI's --replace: the data step asks instead
    (r"add --replace to (?:replace the data there|ingest the data as it is now)(?: \([^)]*\))?, "
     r"or use a fresh --cache-dir", "the data step asks to replace the data there when it is "
     "run again (ctrl+r), or choose another cache dir at the first step"),
))


def in_app(text: str, here: str | None = None) -> str:
    """A service message for the app: "run `mpdtui auth` first" becomes "log in at the
    setup's Spotify step (f2)", `mpdtui ingest PATH` the data step, and so on; long names
    are cut (`names_cut`). Said on the
    step it names (`here`: LOGIN_STEP on the Spotify step), it says "here (ctrl+r)" instead:
    f2 there would only open that step again."""
    for pattern, replacement in IN_APP:
        text = pattern.sub(replacement, text)
    text = names_cut(text)
    if here is not None:
        text = text.replace(f"at {here}", "here (ctrl+r)").replace(here, "this step (ctrl+r)")
    return mpdtui.advice.advised(text)  # what is left for a terminal: with its --cache-dir


def duration(ms: float) -> str:
    """A track's length: 3:05, or 1:02:03 from an hour on."""
    return clock(ms / 1000)


def size(n_bytes: float) -> str:
    value = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{value:.1f} TB"


def beside_the_best(model: str, scores: dict[str, float]) -> str:
    """How `model` scored in the evaluation (overall R-precision), beside the best model's;
    "" when it was not evaluated."""
    if model not in scores:
        return ""
    best = max(scores, key=scores.__getitem__)
    said = f": R-precision {scores[model]:.3f} on held-out playlists"
    return f"{said}, the best" if best == model else f"{said} ({best}: {scores[best]:.3f})"


def stopped_training(left: list[str], retrains: list[str]) -> str:
    """The app's start: what a training that did not finish left (`TrainingState.left_untrained`)
    and the retrains it stopped before they saved (`TrainingState.retrains_left`)."""
    retrain = f"a retrain of {', '.join(retrains)} stopped before it saved"
    if not left:
        return (f"{retrain[0].upper()}{retrain[1:]} (the saved one serves meanwhile): continue "
                "it at the setup's training step (f2).")
    stopped = f"The last training stopped before {', '.join(left)}"
    if not retrains:
        return f"{stopped}: continue it at the setup's training step (f2)."
    return f"{stopped}, and {retrain}: continue them at the setup's training step (f2)."
