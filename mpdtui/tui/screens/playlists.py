"""Saved playlists: open one in the builder, rename, duplicate, export or delete it, or import
files of them; the highlighted one's tracks show beside the list, and `/` filters the list by name
(an imported Spotify account can bring hundreds)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Label

from mpdtui.errors import UserError
from mpdtui.importing import IMPORT_SUFFIXES, read_playlist_files
from mpdtui.locations import expand_home
from mpdtui.pipeline.request import JobRequest
from mpdtui.printable import printable
from mpdtui.services.playlist_import import audio_features_note, finding_songs
from mpdtui.tui.context import NARROW_COLUMNS
from mpdtui.tui.playlist_export import ExportChoice, PlaylistExport
from mpdtui.tui.screens.base import BaseScreen
from mpdtui.tui.screens.confirm import ConfirmScreen
from mpdtui.tui.screens.playlists_text import changed_text, imported_text, skipped_text
from mpdtui.tui.screens.prompt import PromptScreen
from mpdtui.tui.text import cell_text, data_text, in_app, quoted_name, shown
from mpdtui.tui.typed_path import typed_path
from mpdtui.tui.widgets.columns import Column, fit
from mpdtui.tui.widgets.keyed_input import KeyedInput
from mpdtui.tui.widgets.playlist_preview import PREVIEW_ROWS, PlaylistPreview
from mpdtui.tui.widgets.row_list import RowList
from mpdtui.tui.widgets.track_table import SCROLLBAR, UNSIZED
from mpdtui.tui.widgets.whole_key_footer import WholeKeyFooter

if TYPE_CHECKING:
    from mpdtui.data.saved_playlists import PlaylistSummary, SavedPlaylist
    from mpdtui.importing import ReadFiles


SAVED_COLUMNS = (Column("Name", least=8, cap=120), Column("Tracks", least=6, cap=6),
                 Column("Changed", least=10, cap=16))
SAVED_POLL_S = 3.0
"""How often the list looks for playlists saved, renamed or deleted elsewhere."""


def _fit_columns(rows: list[tuple[str, str, str]], width: int) -> list[tuple[str, int]]:
    wanted = {column.name: max([len(column.name), *(cell_len(row[i]) for row in rows)])
              for i, column in enumerate(SAVED_COLUMNS)}
    return fit(SAVED_COLUMNS, wanted, width - SCROLLBAR if width else UNSIZED, "Name")


class PlaylistsScreen(BaseScreen):
    """Dismisses with the id of the playlist to open, or None."""

    HELP_SECTION = "Saved playlists"
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the list's own enter (select, not shown) would hide it from the footer;
        # in the filter, enter opens the highlighted match
        Binding("enter", "open", "Open", priority=True),
        # not in the footer: the filter's own field says its key, and 80 columns then fit "q Back"
        Binding("slash", "filter", "Filter", key_display="/", show=False),
        # here, not last (the app's): an 80-column footer has no room for every key
        Binding("question_mark,f1", "app.help", "Help", key_display="?"),
        Binding("r", "rename", "Rename"),
        Binding("d", "duplicate", "Duplicate", show=False),  # the help and the palette say it
        Binding("e", "export", "Export"),
        Binding("x,delete", "delete", "Delete"),
        Binding("i", "import", "Import"),
        Binding("I", "import_spotify", "Import from Spotify", show=False),  # help, palette
        Binding("j", "down", show=False),
        Binding("k", "up", show=False),
        Binding("q,escape", "back", "Back"),
        Binding("down", "to_list", show=False),
    ]

    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("rename", "Rename playlist", "the highlighted one (r)"),
        ("duplicate", "Duplicate playlist", "a copy of the highlighted one, to change apart (d)"),
        ("export", "Export playlist", "the highlighted one: a file, Spotify, or its tracks' links (e)"),
        ("delete", "Delete playlist", "the highlighted one, after asking (x)"),
        ("import", "Import playlist files", "M3U8, CSV, JSON, Spotify links; a folder or zip (i)"),
        ("import_spotify", "Import my Spotify playlists", "your own, as saved playlists; after "
         "the Spotify login (I)"),
    )

    IN_THE_FILTER = frozenset({"open", "back", "to_list"})
    """The actions whose keys work while typing in the filter (the others' keys type)."""

    def __init__(self) -> None:
        super().__init__()
        self.saved: list[PlaylistSummary] = []
        """Every saved playlist, as last read."""
        self.summaries: list[PlaylistSummary] = []
        """The playlists listed: those whose name holds the filter's text."""
        self._listed_for = ""
        """The filter's text when they were listed."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Saved playlists", classes="screen-title")
        yield KeyedInput("Filter by name", "/", id="saved-filter")
        with Horizontal(id="saved-panes"):
            yield RowList(id="saved", cursor_type="row", zebra_stripes=True)
            yield PlaylistPreview(id="saved-tracks")
        yield Label("", id="saved-empty", classes="hint")
        yield WholeKeyFooter()

    def on_mount(self) -> None:
        self.reload()
        self.set_interval(SAVED_POLL_S, self._check_saved)

    def _check_saved(self) -> None:
        """Another terminal or window may have saved, renamed or deleted playlists (`mpdtui
        suggest --save`): list them as they are now, the cursor on the same playlist."""
        if not self.on_top:
            return  # a dialog on top: its change lists them when it closes
        try:
            now = self.services.playlists.summaries()
        except (UserError, OSError, sqlite3.Error):
            return  # unreadable just now: opening one would say why
        if now != self.saved:
            selected = self._selected()
            self.saved = now
            self._list(selected.id if selected else None, focus=False)

    def on_resize(self) -> None:
        self.query_one("#saved-panes").set_class(self.size.width < NARROW_COLUMNS, "-narrow")
        self.call_after_refresh(self._fit_names)  # once laid out: the table's width then

    def _fit_names(self) -> None:
        if not self.is_attached:  # closed before it was laid out again (p, enter at once)
            return
        selected = self._selected()
        self._list(selected.id if selected else None, focus=False)  # the name column follows

    def reload(self, select_id: int | None = None) -> None:
        """Read the saved playlists again (after a change) and list them."""
        self.saved = self.app.attempt(self.services.playlists.summaries) or []
        self._list(select_id)

    def _list(self, select_id: int | None = None, focus: bool = True) -> None:
        """The saved playlists whose name holds the filter's text, and the preview."""
        table = self.query_one("#saved", DataTable)
        typed = self._listed_for = self._typed()
        self.summaries = [s for s in self.saved if typed.casefold() in s.name.casefold()]
        now = time.localtime()
        rows = [(shown(s.name), f"{s.num_tracks:,}",
                 changed_text(time.localtime(s.updated_at), now)) for s in self.summaries]
        table.clear(columns=True)
        for name, width in _fit_columns(rows, table.size.width):
            table.add_column(name, width=width, key=name)
        for name, tracks, changed in rows:  # a long name is cut with "…": the others stay
            table.add_row(cell_text(name), tracks, changed)
        empty = self.query_one("#saved-empty", Label)
        empty.update(data_text(self._empty_text(typed)))
        empty.display = not self.summaries  # else its row is the list's
        ids = [s.id for s in self.summaries]
        if select_id in ids:
            table.move_cursor(row=ids.index(select_id))
        if focus:
            table.focus()
        self._preview(self._selected())

    def _typed(self) -> str:
        return self.query_one("#saved-filter", Input).value.strip()

    def _empty_text(self, typed: str) -> str:
        """What the list says when it shows nothing."""
        if self.summaries:
            return ""
        if self.saved:
            return f"No saved playlist's name holds {quoted_name(typed)}: change the filter (/)."
        return "No saved playlists yet: build one and press ctrl+s, or import a playlist file (i)."

    def on_input_changed(self, event: Input.Changed) -> None:
        self._list(focus=False)  # the filter keeps the cursor; the list follows

    def action_filter(self) -> None:
        self.query_one("#saved-filter", Input).focus()

    def action_to_list(self) -> None:
        self.query_one("#saved", DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In the filter, letters are typed: only enter (open the highlighted match), escape
        (back to the list) and down work there."""
        if isinstance(self.focused, Input):
            return action in self.IN_THE_FILTER
        return action != "to_list"

    def _selected(self) -> PlaylistSummary | None:
        row = self.query_one("#saved", DataTable).cursor_row
        return self.summaries[row] if 0 <= row < len(self.summaries) else None

    def _highlighted(self) -> PlaylistSummary | None:  # the palette's, where none is: why
        if (selected := self._selected()) is None and (why := self._empty_text(self._typed())):
            self.notify(printable(why), severity="warning", markup=False)
        return selected

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "saved":
            self._preview(self._selected())

    def _preview(self, summary: PlaylistSummary | None) -> None:
        preview = self.query_one(PlaylistPreview)
        if preview.display != (summary is not None):  # the list's width changes beside it:
            self.call_after_refresh(self._fit_names)  # its columns follow, once laid out
        preview.display = summary is not None
        if summary is not None:
            self._load_preview(summary.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview",
          description="reading the playlist")
    def _load_preview(self, playlist_id: int) -> None:
        self.app.call_from_thread(self._show_preview,
                                  *self.services.playlists.preview(playlist_id, PREVIEW_ROWS))

    def _show_preview(self, playlist: SavedPlaylist, albums: dict[str, str]) -> None:
        selected = self._selected()
        if selected is None or selected.id != playlist.id:
            return  # the cursor moved on: its own preview is on its way
        self.query_one(PlaylistPreview).show(playlist, albums)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        """The highlighted playlist; from the filter, once the filter has taken the keys
        typed before enter (enter is the screen's key, so it can come first: typed or pasted
        in one go, "road⏎" opened the playlist highlighted before "road")."""
        if isinstance(self.focused, Input):
            self.focused.call_later(self._open_typed)
        else:
            self._open_highlighted()

    def _open_typed(self) -> None:
        if self._listed_for != self._typed():
            self._list(focus=False)
        self._open_highlighted()

    def _open_highlighted(self) -> None:
        if (selected := self._highlighted()) is not None:  # none: it says why, as r, e, x do
            self.dismiss(selected.id)

    def action_rename(self) -> None:
        if (selected := self._highlighted()) is None:
            return

        def rename(new_name: str) -> str | None:
            return self.app.refusal(self.services.playlists.rename, selected.id, new_name)

        def renamed(new_name: str | None) -> None:
            if new_name and new_name != selected.name:
                self.notify(printable(f"Renamed to {quoted_name(new_name)}."), markup=False)
            self.reload(selected.id)

        self.app.push_screen(PromptScreen(
            f"New name for {quoted_name(selected.name)}:", selected.name, accept=rename,
            blank=f"A playlist name cannot be empty: type one, or escape to keep "
                  f"{quoted_name(selected.name)}."), renamed)

    def action_duplicate(self) -> None:
        if (selected := self._highlighted()) is not None:
            copy = self.app.attempt(self.services.playlists.duplicate, selected.id)
            if copy is not None:
                self.notify(printable(f"Duplicated as {quoted_name(copy.name)}."), markup=False)
                self.reload(copy.id)

    def action_export(self) -> None:
        """Export the highlighted playlist as the builder does, without opening it."""
        if (selected := self._highlighted()) is None:
            return
        if not selected.num_tracks:
            self.notify(printable(f"{quoted_name(selected.name)} has no tracks: open it (enter) and add "
                                  "some before exporting."), severity="warning", markup=False)
            return
        export = PlaylistExport(self.app)

        def chosen(choice: ExportChoice | None) -> None:
            if choice and choice[0] == "links":
                playlist = self.app.attempt(self.services.playlists.get, selected.id)
                if playlist is not None:
                    export.copy_links(playlist.uris, playlist.name)
            elif choice:
                export.start(selected.id, *choice)

        export.ask(selected.name, chosen)

    def action_delete(self) -> None:
        if (selected := self._highlighted()) is None:
            return

        def deleted() -> bool:
            self.services.playlists.delete(selected.id)
            return True

        def delete(yes: bool | None) -> None:
            # deleted elsewhere meanwhile: the app says so, and not "Deleted" as well
            if yes and self.app.attempt(deleted):
                self.notify(printable(f"Deleted {quoted_name(selected.name)}."), markup=False)
            if yes:
                self.reload()

        self.app.push_screen(ConfirmScreen(f"Delete {quoted_name(selected.name)}? This cannot be undone."),
                             delete)

    def action_import(self) -> None:
        """Import the playlist of a file (M3U8, CSV, JSON, links), or a folder's or zip's.
        The dialog reads the files, saying there what it cannot read; the songs are looked up
        in the catalog (seconds, for thousands of them on the MPD) and saved in a worker."""
        read: list[ReadFiles] = []

        def read_files(typed: str) -> str | None:
            def run() -> None:  # as pasted too: quoted, with backslashes, a file:// URL
                read[:] = [read_playlist_files(expand_home(Path(typed_path(typed))))]
            return self.app.refusal(run)

        def import_read(typed: str | None) -> None:
            if read and typed is not None:
                if (said := finding_songs(read[0].playlists)) is not None:
                    self.notify(f"Importing: {said}", timeout=4)
                note = audio_features_note(typed_path(typed), read[0])
                if note is not None:  # the features step (f2) offers the file
                    self.app.features_csv_offered = str(expand_home(Path(typed_path(typed))))
                self._import(read[0], note)

        self.app.push_screen(PromptScreen(
            "Import a playlist: an M3U8, CSV or JSON file (mpdtui's exports, Exportify's, a "
            "player's M3U, PLS or XSPF of local files, Spotify's account data), a text file of "
            "Spotify links, or a folder or zip of them.", "~/", accept=read_files,
            file_suffixes=(*IMPORT_SUFFIXES, ".zip"),
            blank="Type the path of a playlist file, or of a folder or zip of them (tab "
                  "completes it)."), import_read)

    def action_import_spotify(self) -> None:
        """Your own Spotify playlists as saved playlists, in a job (the header says how far it
        got, the list shows them as they are saved, the app says how it ended). Not as
        training data: `mpdtui import-spotify` adds that, for the models' next training.
        Logged out, it says at once where to log in (not once the job has started)."""
        if (login := self.app.attempt(self.services.spotify.status)) is None:
            return  # a damaged login file: said
        if not login.usable:
            why = self.app.in_app(login.unusable_why())
            self.notify(printable(f"{why[:1].upper()}{why[1:]}, then import (I)."),
                        title="Could not do that", severity="error", markup=False)
            return
        if not self.app.jobs.start(JobRequest("import_spotify", spotify_training=False)):
            self.notify("Another job runs: import once it has finished.", severity="warning")
            return
        self.notify("Importing your Spotify playlists…", timeout=4)

    def _import(self, read: ReadFiles, features_note: str | None) -> None:
        """Save the playlists read in a thread; a name taken gets a number ("summer 2"). The
        app runs it, not this screen: leaving the screen neither stops it nor silences how
        it ended (the app reports a failure)."""
        app, files = self.app, self.services.playlist_files  # a screen left has no app

        def run() -> None:
            imported = files.import_files(read.playlists, other_name_when_taken=True)
            said = [imported_text(imported.playlists),
                    *skipped_text([*read.skipped, *imported.left_out]),
                    *([printable(in_app(features_note))] if features_note else [])]
            app.call_from_thread(app.notify, "\n".join(said), markup=False,
                                 timeout=10 + 2 * len(said))
            app.call_from_thread(self._imported, imported.playlists[0].playlist.id)

        app.run_worker(run, thread=True, group="import", description="importing",
                       exit_on_error=False)

    def _imported(self, playlist_id: int) -> None:
        if self.is_attached:  # else a later visit lists it
            self.reload(playlist_id)

    def action_down(self) -> None:
        self.query_one("#saved", DataTable).action_cursor_down()

    def action_up(self) -> None:
        self.query_one("#saved", DataTable).action_cursor_up()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.action_to_list()
        else:
            self.dismiss(None)

