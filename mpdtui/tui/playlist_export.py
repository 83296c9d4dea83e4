"""A saved playlist exported from the app, by the builder (e) or the saved playlists (e): the
export dialog, then the file or the Spotify playlist written in a worker the app runs (leaving
the screen neither stops it nor silences how it ended), or the tracks' links copied."""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import mpdtui.advice
from mpdtui.data.mpd_validation import track_links
from mpdtui.locations import expand_home
from mpdtui.pipeline.display import counted
from mpdtui.printable import printable
from mpdtui.tui.screens.export import ExportScreen
from mpdtui.tui.text import quoted_name
from mpdtui.tui.typed_path import typed_path

if TYPE_CHECKING:
    from mpdtui.services.root import Services
    from mpdtui.spotify.client import Wait
    from mpdtui.tui.context import MpdtuiAppBase

ExportChoice = tuple[str, str]
"""The dialog's answer: the format ("m3u", "json", "csv", "spotify", "links") and the folder
as typed."""


class PlaylistExport:
    """The app's exports; a screen makes one and asks it."""

    def __init__(self, app: MpdtuiAppBase) -> None:
        self.app = app

    @property
    def services(self) -> Services:
        return self.app.ready_services

    def ask(self, name: str, chosen: Callable[[ExportChoice | None], None]) -> None:
        """The export dialog for the playlist `name`; `chosen` gets its answer."""
        self.app.push_screen(ExportScreen(name, str(self.app.export_folder()),
                                          check_folder=self.folder_refusal), chosen)

    def folder_refusal(self, typed: str) -> str | None:
        """Why no file can be exported to the folder typed in the dialog (said there, the
        dialog kept open to change it), or None."""
        return self.app.refusal(
            lambda: self.services.playlist_files.refuse_export_folder(self._folder(typed)))

    def _folder(self, typed: str) -> Path:
        return expand_home(typed_path(typed) or self.app.export_folder()).absolute()

    def start(self, playlist_id: int, fmt: str, typed: str) -> None:
        """Export the saved playlist as the dialog chose (not "links": `copy_links`)."""
        folder = self.app.attempt(self._folder, typed)
        if folder is None:
            return  # the app has said why
        remember = folder != self.app.export_folder()
        self.app.run_worker(lambda: self._export(playlist_id, fmt, folder, remember=remember),
                            thread=True, exclusive=True, exit_on_error=False, group="export",
                            description="export")

    def _export(self, playlist_id: int, fmt: str, folder: Path, *, remember: bool) -> None:
        """In a worker; a file written to a newly typed folder makes it the export folder (a
        folder refused, the cache dir say, is not kept)."""
        if fmt == "spotify":
            text = self._to_spotify(playlist_id)
        else:
            path = self.services.playlist_files.export_file(playlist_id, fmt, folder)
            if remember:
                self.app.call_from_thread(self._remember_folder, folder)
            text = f"Exported to {path}"
        self.app.call_from_thread(self.app.notify, printable(text), markup=False, timeout=10)

    def _to_spotify(self, playlist_id: int) -> str:
        """In a worker: the export, said as it starts and, in the header, how far it got (a
        slow Spotify's answers, a rate limit's wait: else the app looks idle); what to say at
        its end."""
        playlist = self.services.playlists.get(playlist_id)
        self._from_thread(self.app.notify, printable(
            f"Exporting {quoted_name(playlist.name)} to Spotify ({counted(len(playlist.tracks), 'track')}"
            "): the header says how far it got"), markup=False, timeout=5)
        self._from_thread(self._headline, f"0 of {len(playlist.tracks):,} tracks added")
        stop = threading.Event()  # the palette's "Stop the export to Spotify", or quitting
        if self.app.spotify_export_stop is None:  # else another runs: the service refuses this
            self.app.spotify_export_stop = stop
        if self.app.stopping.is_set():
            stop.set()
        try:
            result = self.services.spotify.export(
                playlist_id, on_wait=self._said_wait, cancel=stop,
                progress=lambda step: self._from_thread(self._headline, step.message))
        finally:
            if self.app.spotify_export_stop is stop:
                self.app.spotify_export_stop = None
            self._from_thread(self._headline, None)
        text = f"Exported to Spotify: {counted(result.added, 'track')} in {result.url}"
        if result.notice:
            text = f"{result.notice[0].upper()}{result.notice[1:]}. {text}"
        return text

    def _from_thread(self, call: Callable[..., object], *args: object, **kwargs: object) -> None:
        """`call` run by the app, unless it is closing (nothing would run it)."""
        if not self.app.stopping.is_set():
            self.app.call_from_thread(call, *args, **kwargs)

    def _headline(self, progress: str | None) -> None:
        """The export's progress in the header, where no job says its own there; None: done."""
        if self.app.jobs.request is not None:
            return
        self.app.sub_title = (self.app.SUB_TITLE if progress is None
                              else f"Spotify export: {printable(progress)}")

    def _said_wait(self, wait: Wait) -> None:
        shown = 30.0 if wait.kind == "notice" else max(5.0, min(wait.seconds, 30.0))
        self.app.call_from_thread(self.app.notify, f"Spotify export: {wait.message}",
                                  markup=False, timeout=shown)

    def _remember_folder(self, folder: Path) -> None:
        """A folder typed in the export dialog is the export folder from now on."""
        self.app.attempt(self.services.playlist_files.set_export_folder, folder)
        self.app.options = replace(self.app.options, export_dir=folder)

    def copy_links(self, uris: Iterable[str], name: str, saved: bool = True) -> None:
        """Every track's link to the clipboard, one a line: pasted into a playlist in
        Spotify's app, they add its tracks (no login, no app of one's own needed). Where the
        clipboard does not reach, the saved playlist `name` exports them (not `saved`: these
        tracks are not, so it is saved first)."""
        links = track_links(uris)
        self.app.copy_to_clipboard(links)
        copied = counted(links.count("\n"), "track link")
        command = mpdtui.advice.advised(f"`mpdtui export {shlex.quote(name)} --to links`")
        if not saved:
            command = f"save the playlist (ctrl+s), then {command}"
        self.app.notify(printable(f"Copied {copied}: paste them into a playlist in Spotify's "
                                  f"app (a terminal that keeps the clipboard to itself: "
                                  f"{command})."), markup=False, timeout=10)
