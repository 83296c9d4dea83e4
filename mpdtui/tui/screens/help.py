"""`?`: every key of the app, by screen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mpdtui.tui.widgets.whole_key_footer import WholeKeyFooter

KEYS: dict[str, list[tuple[str, str]]] = {
    "Everywhere": [
        ("? / f1", "this help, at the section of the screen it is opened on (f1 in a "
                   "text field too, where ? is typed)"),
        ("ctrl+p", "command palette (setup steps, models, save, export, the theme, stopping a "
                   "running job...)"),
        ("f2", "setup wizard (at the step a message on screen points to)"),
        ("tab / shift+tab", "next / previous field or list"),
        ("ctrl+q", "quit (unsaved changes: save, discard or stay; a running job: asked first)"),
        ("ctrl+z", "suspend to the shell (fg brings the app back)"),
    ],
    "Playlist builder": [
        ("/", "search tracks, results as you type (/ and ? act in the name while it is empty)"),
        ("n", "edit the playlist name (the cursor at its end; ctrl+u clears it)"),
        ("tab / shift+tab", "next / previous list: playlist, search results, suggestions (the "
                            "fields have their keys: n, /, f)"),
        ("j / k, up / down", "move in a list"),
        ("g / G, home / end", "top / bottom of a list (the suggestions' last row, or the mouse wheel at "
                  "their end, brings 50 more, up to 500)"),
        ("enter / a", "add the highlighted search result or suggestion"),
        ("x / delete", "remove the highlighted track from the playlist; on a suggestion: "
                       "hide it from this playlist's suggestions"),
        ("X", "on a suggestion: hide its artist from this playlist's suggestions"),
        ("K / J", "move the highlighted playlist track up / down"),
        ("shift+up / shift+down", "the same as K / J"),
        ("u / U (ctrl+r)", "undo / redo the last change to the tracks (added, removed, moved, "
                           "ordered for flow, hidden)"),
        ("A", "fill: add the top suggestions until the playlist lasts 45m, 1h30m... or has "
              "30 tracks (one change: u undoes it)"),
        ("l", "more like this (suggestions like the highlighted track)"),
        ("y", "copy the highlighted track's Spotify link"),
        ("w", "listen: open the highlighted track on Spotify in the browser (or its app); "
              "where no browser can open (ssh), its link is copied"),
        ("paste", "Spotify links (tracks copied in Spotify's app) are added to the playlist; "
                  "one link pasted into the search finds its track"),
        ("m", "switch model (default: the best evaluated)"),
        ("f", "filter suggestions by sound: tempo 150-170, energy > 0.7, key 8A, key ~Am, "
              "acoustic, not live (comma-separated; all must match). It belongs to the "
              "playlist it was set on: another playlist opened (p) or a new one (ctrl+n) "
              "starts with none, and a saved one opened again gets its own back"),
        ("o", "order the playlist for flow: compatible keys, close tempos, energy up/down"),
        ("ctrl+s", "save the playlist"),
        ("e", "export (M3U8, JSON, CSV, Spotify), or copy the tracks' links (to paste into a "
              "playlist in Spotify's app)"),
        ("p", "saved playlists"),
        ("ctrl+n", "start a new playlist (unsaved changes: asked first)"),
        ("escape", "leave a field / back from 'more like this'"),
        ("q", "quit (unsaved changes: asked first)"),
    ],
    "Saved playlists": [
        ("enter", "open in the builder (in the filter: the highlighted match)"),
        ("j / k, g / G", "move in the list; its top / bottom (home / end too)"),
        ("/", "filter by name (escape: back to the list)"),
        ("r", "rename"),
        ("d", "duplicate"),
        ("e", "export the highlighted one (M3U8, JSON, CSV, Spotify), or copy its tracks' "
              "links, without opening it"),
        ("x / delete", "delete (asks first)"),
        ("i", "import playlist files: M3U8, CSV, JSON (mpdtui's exports, Exportify's), Spotify "
              "links; a folder or zip of them"),
        ("I", "import your own Spotify playlists as saved playlists (after the Spotify login; "
              "ctrl+p, Stop, stops it)"),
        ("q / escape", "back"),
    ],
    "Setup wizard": [
        ("ctrl+r", "run this step (ingest, log in, import/download, train)"),
        ("space", "training step: tick / untick the highlighted model"),
        ("shift+tab", "data step: from the path to the demo's sizes (← → move, enter or space "
                      "chooses, and the cursor goes back to the path)"),
        ("ctrl+n", "next step (skips this one)"),
        ("tab", "in a folder or file field: complete the name, as a shell does (the grey "
                "text after the cursor; → takes it too); else the next field"),
        ("escape", "cancel the running job, else previous step"),
        ("v", "training step: next metric in the evaluation"),
        ("R", "training step: train the ticked models again from the start (asks first; "
              "stopped, R resumes it)"),
    ],
    "Dialogs": [
        ("enter", "confirm / choose"),
        ("escape", "cancel"),
        ("s / d / c", "unsaved changes: save them / discard them / stay (c and escape "
                      "keep them)"),
        ("y / n", "a question: yes / no (n and escape: no)"),
    ],
}


def help_rows() -> Iterator[Static]:
    """Every key, a section at a time: in the help's two-column grid, a long description wraps
    in its own column."""
    for section, keys in KEYS.items():
        yield Static(section, classes="section", markup=False, name=section)
        for key, what in keys:
            yield Static(key, classes="key", markup=False)
            yield Static(what, classes="what", markup=False)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", key_display="esc"),
        # the keys the help lists for moving in a list move in it too
        Binding("j", "scroll_help('down')", show=False),
        Binding("k", "scroll_help('up')", show=False),
        Binding("g", "scroll_help('home')", show=False),
        Binding("G", "scroll_help('end')", show=False),
    ]

    def __init__(self, section: str | None = None) -> None:
        super().__init__()
        self.section = section
        """The section shown first: the screen's the help was opened on."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield from help_rows()
        yield WholeKeyFooter()  # the dialog's keys, not those of the screen beneath

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Keys"
        if self.section is not None:  # once laid out: the section's place is known then
            self.call_after_refresh(self._scroll_to_section)

    def _scroll_to_section(self) -> None:
        heading = next(s for s in self.query(".section").results(Static) if s.name == self.section)
        self.query_one("#help", VerticalScroll).scroll_to_widget(heading, top=True,
                                                                animate=False)

    def action_scroll_help(self, where: str) -> None:
        keys = self.query_one("#help", VerticalScroll)
        {"down": keys.scroll_down, "up": keys.scroll_up,
         "home": keys.scroll_home, "end": keys.scroll_end}[where](animate=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
