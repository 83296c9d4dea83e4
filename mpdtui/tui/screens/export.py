"""Choose where to export the playlist: a file format or Spotify."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from mpdtui.tui.text import data_text

CHOICES = (
    ("m3u", "M3U8 file (players: duration, artist - title, URI)"),
    ("json", "JSON file"),
    ("csv", "CSV file (position, uri, artist, title, duration, tempo, key, energy)"),
    ("spotify", "Spotify (a private playlist in your account; needs the login)"),
)


class ExportScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel"),
        Binding("j", "down", show=False),
        Binding("k", "up", show=False),
    ]

    def __init__(self, name: str, folder: str) -> None:
        super().__init__()
        self.playlist_name = name
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(data_text(f"Export '{self.playlist_name}' as:"))
            yield OptionList(*(Option(text, id=key) for key, text in CHOICES), id="formats")
            yield Label(data_text(f"files go to {self.folder}"), classes="hint volatile")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
