"""Saved playlists: open one in the builder, rename, duplicate or delete it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Label

from mpdtui.printable import printable
from mpdtui.tui.screens.base import BaseScreen
from mpdtui.tui.screens.confirm import ConfirmScreen
from mpdtui.tui.screens.prompt import PromptScreen
from mpdtui.tui.text import data_text

if TYPE_CHECKING:
    from mpdtui.data.saved_playlists import PlaylistSummary


class PlaylistsScreen(BaseScreen):
    """Dismisses with the id of the playlist to open, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open"),
        Binding("r", "rename", "Rename"),
        Binding("d", "duplicate", "Duplicate"),
        Binding("x,delete", "delete", "Delete"),
        Binding("j", "down", show=False),
        Binding("k", "up", show=False),
        Binding("q,escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[PlaylistSummary] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Saved playlists", classes="screen-title")
        yield DataTable(id="saved", cursor_type="row", zebra_stripes=True)
        yield Label("", id="saved-empty", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Name", "Tracks", "Changed")
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        table = self.query_one(DataTable)
        self.summaries = self.app.attempt(self.services.playlists.summaries) or []
        table.clear()
        for summary in self.summaries:
            changed = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.updated_at))
            table.add_row(data_text(summary.name), str(summary.num_tracks), changed)
        self.query_one("#saved-empty", Label).update(
            "" if self.summaries else "No saved playlists yet: build one and press ctrl+s.")
        ids = [s.id for s in self.summaries]
        if select_id in ids:
            table.move_cursor(row=ids.index(select_id))
        table.focus()

    def _selected(self) -> PlaylistSummary | None:
        row = self.query_one(DataTable).cursor_row
        return self.summaries[row] if 0 <= row < len(self.summaries) else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if (selected := self._selected()) is not None:
            self.dismiss(selected.id)

    def action_rename(self) -> None:
        if (selected := self._selected()) is None:
            return

        def rename(new_name: str | None) -> None:
            if new_name:
                renamed = self.app.attempt(self.services.playlists.rename, selected.id, new_name)
                if renamed is not None:
                    self.notify(printable(f"Renamed to '{renamed.name}'."), markup=False)
                self.reload(selected.id)

        self.app.push_screen(PromptScreen(f"New name for '{selected.name}':", selected.name),
                             rename)

    def action_duplicate(self) -> None:
        if (selected := self._selected()) is not None:
            copy = self.app.attempt(self.services.playlists.duplicate, selected.id)
            if copy is not None:
                self.notify(printable(f"Duplicated as '{copy.name}'."), markup=False)
                self.reload(copy.id)

    def action_delete(self) -> None:
        if (selected := self._selected()) is None:
            return

        def delete(yes: bool | None) -> None:
            if yes:
                self.app.attempt(self.services.playlists.delete, selected.id)
                self.notify(printable(f"Deleted '{selected.name}'."), markup=False)
                self.reload()

        self.app.push_screen(ConfirmScreen(f"Delete '{selected.name}'? This cannot be undone."),
                             delete)

    def action_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_back(self) -> None:
        self.dismiss(None)
