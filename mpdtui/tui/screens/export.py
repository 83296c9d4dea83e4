"""Choose where to export the playlist: a file format or Spotify, and the folder files go to.

The folder is the export folder (config.json's `export_dir`, else the default under the user's
data dir); changing it here keeps the new one for the next exports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from mpdtui.tui.text import data_text, quoted_name
from mpdtui.tui.widgets.path_input import PathInput
from mpdtui.tui.widgets.whole_key_footer import WholeKeyFooter

CHOICES = (
    ("m3u", "M3U8 file (players: duration, artist - title, URI)"),
    ("json", "JSON file"),
    ("csv", "CSV file (position, uri, artist, title, duration, tempo, key, energy)"),
    ("spotify", "Spotify (a private playlist in your account; needs the login)"),
    ("links", "Copy the tracks' links (paste them into a playlist in Spotify's app: no login)"),
)
NOT_FILES = ("spotify", "links")
"""Choices that write no file: the folder is not theirs."""


class FormatList(OptionList):
    """The choices, whose enter the footer names: it showed "esc Cancel" alone."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", "Export")]


class FolderInput(PathInput):
    """The folder files go to, whose enter exports (as the choices' does): it went back to the
    choices, and the footer named no enter (only "esc Cancel")."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Export", key_display="enter"),
    ]


class ExportScreen(ModalScreen[tuple[str, str] | None]):
    """Dismissed with (format, folder as typed), or None when cancelled. A folder that
    `check_folder` says no file can go to is not taken: the dialog says why under it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel"),  # in the folder field q is typed
        Binding("j", "down", show=False),
        Binding("k", "up", show=False),
    ]

    def __init__(self, name: str, folder: str,
                 check_folder: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self.playlist_name = name
        self.folder = folder
        self.check_folder = check_folder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(data_text(f"Export {quoted_name(self.playlist_name)} as:"))
            yield FormatList(*(Option(text, id=key) for key, text in CHOICES), id="formats")
            yield Label("Files go to (tab to change; enter exports):", classes="hint")
            yield FolderInput(self.folder, makes_folders=True, id="export-folder",
                              classes="volatile")
            refused = Label("", id="export-refused", classes="error")
            refused.display = False  # until a folder is refused
            yield refused
        yield WholeKeyFooter()  # the dialog's keys, not those of the screen beneath

    def on_mount(self) -> None:
        # the notices shown before it opened: at 80x24 they covered its field (those said while
        # it is open show)
        self.app.clear_notifications()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        fmt = str(event.option.id)
        if fmt in NOT_FILES or self._folder_accepted():
            self.dismiss((fmt, self.query_one("#export-folder", Input).value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Export as the highlighted choice says, to the folder typed (where files can go)."""
        choices = self.query_one(OptionList)
        if choices.highlighted is None:
            choices.focus()
        elif self._folder_accepted():
            chosen = choices.get_option_at_index(choices.highlighted)
            self.dismiss((str(chosen.id), event.value))

    def _folder_accepted(self) -> bool:
        """Whether files can go to the folder in the field; if not, why shows under it and
        the cursor goes there."""
        field = self.query_one("#export-folder", Input)
        refused = self.check_folder(field.value) if self.check_folder else None
        why = self.query_one("#export-refused", Label)
        why.update(data_text(refused or ""))
        why.display = bool(refused)
        if refused:
            field.focus()
        return not refused

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
