"""The builder's tracks to and from elsewhere: exports (files, Spotify, the tracks' links
copied) and links pasted in (tracks copied in Spotify's app)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.events import Paste

from mpdtui.data.mpd_validation import track_links
from mpdtui.locations import expand_home
from mpdtui.pipeline.display import counted
from mpdtui.printable import printable
from mpdtui.tui.screens.builder_files import BuilderFiles
from mpdtui.tui.typed_path import typed_path
from mpdtui.tui.widgets.keyed_input import pasted_links

if TYPE_CHECKING:
    from mpdtui.data.catalog import Track


class BuilderExchange(BuilderFiles):
    """Export, copy the links, take pasted links."""

    def action_export(self) -> None:
        if not self.playlist:
            self.notify("Add tracks before exporting.", severity="warning")
            return
        name = self._playlist_name()
        if name is None or self._name_taken(name):
            return
        from mpdtui.tui.screens.export import ExportScreen

        def chosen(choice: tuple[str, str] | None) -> None:
            # what is exported is saved with it; an export given up changes nothing saved
            if choice and choice[0] == "links":
                self.copy_links()
            elif choice:
                self.save_then(lambda saved: self._export_to(saved.id, *choice))

        self.app.push_screen(ExportScreen(name, str(self.app.export_folder()),
                                          check_folder=self._export_folder_refusal), chosen)

    def _export_folder_refusal(self, typed: str) -> str | None:
        """Why no file can be exported to the folder typed in the export dialog (said there,
        the dialog kept open to change it), or None."""
        return self.app.refusal(
            lambda: self.services.playlist_files.refuse_export_folder(self._typed_folder(typed)))

    def _typed_folder(self, typed: str) -> Path:
        return expand_home(typed_path(typed) or self.app.export_folder()).absolute()

    def _export_to(self, playlist_id: int, fmt: str, typed: str) -> None:
        folder = self.app.attempt(self._typed_folder, typed)
        if folder is None:
            return  # the app has said why
        self._export(playlist_id, fmt, folder, remember=folder != self.app.export_folder())

    def _remember_export_dir(self, folder: Path) -> None:
        """A folder typed in the export dialog is the export folder from now on."""
        self.app.attempt(self.services.playlist_files.set_export_folder, folder)
        self.app.options = replace(self.app.options, export_dir=folder)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", description="export")
    def _export(self, playlist_id: int, fmt: str, folder: Path, *, remember: bool) -> None:
        """Export; a file written to a newly typed folder makes it the export folder (a folder
        refused, the cache dir say, is not kept)."""
        if fmt == "spotify":
            result = self.services.spotify.export(playlist_id)
            text = f"Exported to Spotify: {result.added} tracks in {result.url}"
        else:
            path = self.services.playlist_files.export_file(playlist_id, fmt, folder)
            if remember:
                self.app.call_from_thread(self._remember_export_dir, folder)
            text = f"Exported to {path}"
        self.app.call_from_thread(self.notify, printable(text), markup=False, timeout=10)

    def copy_links(self) -> None:
        """Every track's link to the clipboard, one a line: pasted into a playlist in
        Spotify's app, they add its tracks (no login, no app of one's own needed)."""
        self.app.copy_to_clipboard(track_links(t.uri for t in self.playlist))
        links = f"{len(self.playlist)} track link{'s' * (len(self.playlist) != 1)}"
        self.notify(f"Copied {links}: paste them into a playlist in Spotify's app (a terminal "
                    "that keeps the clipboard to itself: `mpdtui export NAME --to links`).",
                    markup=False, timeout=10)

    def on_paste(self, event: Paste) -> None:
        """Spotify links pasted on a list (or several into the search): their tracks are
        added."""
        uris = pasted_links(event.text)
        if uris:
            self._add_pasted(uris)

    def _add_pasted(self, uris: list[str]) -> None:
        """The catalog's tracks of pasted links at the playlist's end, as one change to undo;
        a song the playlist has is not added again."""
        found = self.app.attempt(self.services.catalog.resolve_uris_naming_unknown, uris)
        if found is None:
            return
        ids, unknown = found
        tracks = self.services.catalog.tracks(ids)
        new = _new_songs(self.playlist, tracks)
        if new:
            self._remember(f"added {counted(len(new), 'pasted track')}")
            self._remember_sound(new, self._audio_of(new))
            self.playlist.extend(new)
            self._playlist_changed()
        said = [f"Added {counted(len(new), 'pasted track')}"]
        if len(tracks) > len(new):
            said.append(f"{len(tracks) - len(new):,} in the playlist already")
        if unknown:
            said.append(f"{counted(len(unknown), 'track')} not in the catalog")
        self.notify("; ".join(said) + ".", markup=False, timeout=6)


def _new_songs(playlist: list[Track], tracks: list[Track]) -> list[Track]:
    """`tracks` whose songs neither the playlist nor an earlier one of them has."""
    have = {track.song for track in playlist}
    new = []
    for track in tracks:
        if track.song not in have:
            have.add(track.song)
            new.append(track)
    return new
