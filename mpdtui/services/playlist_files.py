"""Saved playlists as files: exports to M3U8, JSON, CSV and links (into the export folder,
never over the cache dir's own files or a user's file), and imports of playlist files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mpdtui import config
from mpdtui.errors import UserError
from mpdtui.exporting import (
    default_path,
    export_bytes,
    export_file,
    file_stem,
    refuse_file_in_the_way,
)
from mpdtui.importing import PlaylistFile
from mpdtui.locations import Locations, expand_home, real_path
from mpdtui.services.catalog import CatalogService
from mpdtui.services.playlist_import import Imported, import_playlists
from mpdtui.services.playlists import PlaylistService, audio_of_uris


class PlaylistFiles:
    """Exports and imports of saved playlists (the store is the playlist service's)."""

    def __init__(self, locations: Locations, playlists: PlaylistService,
                 catalog: CatalogService) -> None:
        self.locations, self._playlists, self._catalog = locations, playlists, catalog

    def import_files(self, files: Sequence[PlaylistFile], *, name: str | None = None,
                     replace: bool = False,
                     other_name_when_taken: bool = False) -> Imported:
        """Save the playlists files hold (`mpdtui.importing.read_playlist_files`); a name
        taken is refused unless `replace` or `other_name_when_taken`, and a file none of whose
        songs the catalog holds is left out (said in `Imported.left_out`)."""
        return import_playlists(self._playlists.store(), self._catalog, files, name=name,
                                replace=replace, other_name_when_taken=other_name_when_taken)

    def export_file(self, key: int | str, fmt: str, folder: Path | None = None, *,
                    to: Path | None = None) -> Path:
        """Write a saved playlist as "m3u", "json", "csv" or "links" to the file `to`, else into
        `folder` (default: the export folder) under its own name; the file's path. A `to`
        that is a folder is taken as `folder`."""
        playlist = self._playlists.get(key)
        if to is not None and (expanded := expand_home(to)).is_dir():
            folder, to = expanded, None
        path = to or (folder or self.export_folder()) / default_path(
            playlist, fmt, self._sharing_file_name(playlist.name))
        self._refuse_cache_files(path)
        return export_file(playlist, fmt, path, audio=audio_of_uris(self.locations, playlist.uris))

    def _sharing_file_name(self, name: str) -> list[int]:
        """The saved playlists whose export would take the same file name as `name`'s, on a
        file system that ignores case too."""
        stem = file_stem(name).casefold()
        return [p.id for p in self._playlists.summaries()
                if file_stem(p.name).casefold() == stem]

    def export_bytes(self, key: int | str, fmt: str) -> bytes:
        """The file `export_file` would write, as bytes."""
        playlist = self._playlists.get(key)
        return export_bytes(playlist, fmt, audio=audio_of_uris(self.locations, playlist.uris))

    def refuse_export_folder(self, folder: Path) -> None:
        """UserError when no export can go into `folder` (typed in the export dialog, said
        there before it closes): a file where it would be, or a folder of the cache dir's."""
        refuse_file_in_the_way(folder, "give another folder")
        if self._among_cache_files(folder):
            raise UserError(f"{folder} is in the cache dir, whose files mpdtui manages: give a "
                            "folder outside it")

    def _refuse_cache_files(self, path: Path) -> None:
        """An export never overwrites the catalog, a model or any other file of the cache dir
        (the export folder may lie inside it)."""
        if self._among_cache_files(path):
            raise UserError(f"{path} is in the cache dir, whose files mpdtui manages: give a "
                            "path outside it")

    def _among_cache_files(self, path: Path) -> bool:
        if not self.locations.holds(path):  # the export folder is not needed (nor, without a
            return False                    # home folder, to be had: `--out` is the way then)
        exports = real_path(self.export_folder())
        return exports == self.locations.root or not real_path(path).is_relative_to(exports)

    def export_folder(self) -> Path:
        """Where exported files go: config.json's `export_dir`, else the default."""
        return config.export_dir(self.locations)

    def set_export_folder(self, folder: Path) -> None:
        config.set_export_dir(self.locations, folder)
