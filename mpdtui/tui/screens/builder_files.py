"""The builder's playlist as a whole: save it, keep its draft, open a saved one, follow it
changed elsewhere (exports: `builder_exchange.py`)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import Input

from mpdtui.data.builder_draft import Draft
from mpdtui.errors import UserError
from mpdtui.pipeline.display import counted, playlist_called
from mpdtui.printable import printable
from mpdtui.tui.draft import DraftKeeper
from mpdtui.tui.messages import Changed, PlaylistFoundAgain, PlaylistLoaded
from mpdtui.tui.screens.builder_naming import BuilderNaming
from mpdtui.tui.screens.builder_text import (
    kept_aside,
    loaded_text,
    not_shown,
    taken_out,
    tracks_added_kept,
    typed_name_kept,
    where_changed,
)
from mpdtui.tui.text import quoted_name
from mpdtui.tui.widgets.sound_filter import SoundFilter

if TYPE_CHECKING:
    from mpdtui.data.catalog import Track
    from mpdtui.data.saved_playlists import SavedPlaylist

LONG_PLAYLIST = 1_000
"""From this many tracks, opening a playlist says so first: 10,000 take seconds to show."""
DATA_POLL_S = 3.0
"""How often the builder looks for other data in the catalog's place."""


class BuilderFiles(BuilderNaming):
    """Save and open saved playlists (the playlist as a whole)."""

    BINDINGS: ClassVar[list[BindingType]] = [  # ctrl+s's, in place of BuilderBase's (Textual
        Binding("ctrl+s", "save", "Save"),  # takes a key's bindings from the subclass): Save is
        Binding("ctrl+s", "nothing_to_save", show=False)]  # off without tracks, this says why

    kept: tuple[str, tuple[int, ...]] = ("", ())
    """(name, track ids) as last saved, opened or started: what is on screen otherwise is
    unsaved."""
    stored: SavedPlaylist | None = None
    """`editing` as last opened, saved or followed here: when the stored playlist differs,
    it was changed since (`_follow_saved_changes`)."""
    _told: str = ""
    """The stored playlist's `content_key` when its change was last said (said once)."""

    _catalog_seen: tuple[int, int] | None = None
    """The catalog file the playlist's track ids come from (`CatalogService.file_identity`)."""
    _root_seen: Path | None = None
    """The cache dir `editing` is a playlist of."""

    # Textual calls these beside BuilderScreen's own handlers of the same events.
    def on_mount(self) -> None:
        self._root_seen = self.services.locations.root
        self._catalog_seen = self.services.catalog.file_identity()
        self._draft = DraftKeeper()
        self._restore_draft()
        self.set_interval(DATA_POLL_S, self._check_data)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", description="draft")
    def _restore_draft(self) -> None:
        loaded = self._draft.restored(self.services, self._audio_of, self._opening)
        if loaded is not None:
            self.post_message(loaded)

    def keep_draft(self) -> None:
        """The playlist on disk while it has unsaved changes (at most `DATA_POLL_S` behind)."""
        if not self.unsaved():
            self._draft.keep(self.services.playlists, None)
            return
        base = self.stored if self.editing is not None else None
        self._draft.keep(self.services.playlists, Draft(
            self.query_one("#name", Input).value, tuple(t.uri for t in self.playlist),
            self.editing, base.name if base else "", tuple(base.uris) if base else (),
            os.getpid(), self.query_one(SoundFilter).value))

    def on_screen_resume(self) -> None:
        self._check_data()  # back from the setup, whose data step may have replaced the data

    def _check_data(self) -> None:
        """Other data may have replaced the catalog (the setup's data step, `mpdtui ingest` in
        another terminal, another cache dir): once it is fully ingested, the playlist is found
        in it by URI. Another terminal or window may have changed the saved playlist on
        screen."""
        if self.services.locations.root != self._root_seen:  # the setup's cache step
            self._root_seen = self.services.locations.root
            self.kept, self.editing = ("", ()), None  # that folder's playlists are not these
        if self.on_top:  # the playlists screen's own changes are followed as it closes
            self._follow_saved_changes("elsewhere")
        self.keep_draft()
        if self.services.audio.changed_elsewhere():  # features imported in another terminal
            self.services.catalog.forget_features()
            self.services.audio.forget()
            self._load_audio([t.id for t in self.playlist])
            self._schedule(0)  # the filter's matches with them
        now = self.services.catalog.file_identity()
        # (in a timer: an error raised here would end the app; `attempt` says it instead)
        if now is None or now == self._catalog_seen or not self.app.attempt(self.services.data.has_data):
            return
        self._catalog_seen = now
        self.services.forget_loaded()  # the connection still reads the replaced file
        self.like = None
        self._find_again([t.uri for t in self.playlist], not self.unsaved())

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", description="data")
    def _find_again(self, uris: list[str], was_saved: bool) -> None:
        tracks = self.services.catalog.tracks(self.services.catalog.resolve_uris(uris))
        self.post_message(PlaylistFoundAgain(tracks, self._audio_of(tracks),
                                             len(uris) - len(tracks), was_saved))

    def on_playlist_found_again(self, message: PlaylistFoundAgain) -> None:
        aside = self._set_aside(message)
        self.playlist, self.sound = list(message.tracks), {}
        self._forget_changes()  # undo steps hold the replaced data's tracks
        self._remember_sound(self.playlist, message.audio)
        if aside is not None:  # shown as that saved playlist: the others kept in place
            self.editing, self.stored = aside.id, aside
            self.query_one("#name", Input).value = aside.name
        if message.was_saved or aside is not None:
            self.kept = self._state()
        self._playlist_changed()
        self._load_models()  # those of the replaced data went with it
        search = self.query_one("#search", Input)
        search.post_message(Input.Changed(search, search.value))  # its results are stale too
        lost = message.not_found
        self.notify("The catalog holds other data now." + (
            kept_aside(lost, aside.name) if aside is not None else
            not_shown(lost, "the playlist's") if self.editing is not None else
            taken_out(lost)), severity="warning", markup=False, timeout=12)

    def _set_aside(self, message: PlaylistFoundAgain) -> SavedPlaylist | None:
        """The playlist on screen with unsaved changes, some of whose tracks the new data
        lacks, saved as it was as a new playlist: the screen can show only tracks the catalog
        holds, and those went with the changes (None: nothing to keep, or not saved)."""
        if message.was_saved or not message.not_found or not self.playlist:
            return None
        name = f"{self._state()[0] or 'unsaved playlist'} (before other data)"
        return self.app.attempt(self.services.playlists.save_aside, name, self.playlist)

    def _state(self) -> tuple[str, tuple[int, ...]]:
        return self.query_one("#name", Input).value.strip(), tuple(t.id for t in self.playlist)

    def unsaved(self) -> bool:
        """Whether the playlist on screen has tracks and changed (tracks, their order, its
        name) since it was last saved, opened or started."""
        return bool(self.playlist) and self._state() != self.kept

    def let_go(self, then: Callable[[], object]) -> None:
        """`then` (quit, new, open another), after asking when it would lose unsaved changes:
        save first, discard them, or stay."""
        from mpdtui.tui.screens.unsaved import Choice, UnsavedScreen

        if isinstance(self.app.screen, UnsavedScreen):
            return  # ctrl+q while asked: the question stands
        if not self.unsaved():
            self._drop_changes()
            then()
            return

        def answered(choice: Choice | None) -> None:
            if choice == "discard":
                self._drop_changes()
                then()
            elif choice == "save":
                self.save_then(lambda _: then())

        self.app.push_screen(UnsavedScreen(self._state()[0], len(self.playlist)), answered)

    def _drop_changes(self) -> None:
        """Let go of what is not saved, its draft too (the builder's poll may come before the
        app has quit)."""
        self.kept = self._state()
        self._draft.keep(self.services.playlists, None)

    def action_save(self) -> None:
        if not self.playlist:  # the palette's Save, which check_action does not stop
            self.action_nothing_to_save()
            return
        self.save_then(lambda _: None)

    def action_nothing_to_save(self) -> None:
        self.notify("Nothing saved: the playlist has no tracks. Add some first (/ searches, "
                    "a adds the highlighted one).", severity="warning")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "nothing_to_save":
            return not self.playlist
        return super().check_action(action, parameters)

    def save_then(self, then: Callable[[SavedPlaylist], object]) -> None:
        """Save the playlist on screen, then `then` with it. Asks first when the saved playlist it
        replaces was changed elsewhere since it was opened or saved here."""
        name = self._name_or_wait(lambda: self.save_then(then))
        if name is None:
            return
        changed = self._changed_since_kept(name)
        if changed is None:
            self._save(name, then)
            return
        from mpdtui.tui.screens.confirm import ConfirmScreen

        def answered(replace: bool | None) -> None:
            if replace:
                self._save(name, then)
            else:
                self.notify(printable(f"Not saved. To keep both, give this playlist another "
                                      f"name (n); to see {quoted_name(changed.name)} as saved, open it (p)."),
                            markup=False, timeout=10)

        here = len(self.playlist)
        self.app.push_screen(ConfirmScreen(
            f"{quoted_name(changed.name)} was changed since the builder opened or saved it: it has "
            f"{counted(len(changed.tracks), 'track')} now. Replace them with the "
            f"{counted(here, 'track')} here?"), answered)

    def _save(self, name: str, then: Callable[[SavedPlaylist], object]) -> None:
        opened = self.stored if self.editing is not None else None  # the one opened here
        saved = self.app.attempt(self.services.playlists.save, name, self.playlist, self.editing)
        if saved is None:
            return  # the app has said why
        self.kept, self.editing, self.stored = self._state(), saved.id, saved
        self._draft.keep(self.services.playlists, None)
        kept = (f" as a new playlist; {quoted_name(opened.name)} stays as it was (to rename it: p, then r)"
                if opened is not None and opened.id != saved.id
                and self.services.playlists.find(opened.id) is not None else "")
        self.notify(printable(f"Saved {quoted_name(saved.name)} ({counted(len(saved.tracks), 'track')})"
                              f"{kept}."), markup=False)
        then(saved)

    def _changed_since_kept(self, name: str) -> SavedPlaylist | None:
        """The saved playlist on screen as stored, when saving under `name` replaces it and
        its tracks changed since it was opened or saved here; else None."""
        if self.editing is None or self.stored is None:
            return None
        now = self.app.attempt(self.services.playlists.find, self.editing)
        if now is None or now.name != name or now.uris == self.stored.uris:
            return None
        return now

    def action_playlists(self) -> None:
        from mpdtui.tui.screens.playlists import PlaylistsScreen

        self.app.push_screen(PlaylistsScreen(), self._open_saved)

    def _open_saved(self, playlist_id: int | None) -> None:
        self._follow_saved_changes("here")
        if playlist_id is not None:
            self.let_go(lambda: self._load_saved(playlist_id))

    def _follow_saved_changes(self, where: Changed) -> None:
        """The saved playlist on screen may have been changed "here" (the playlists screen) or
        "elsewhere" (`mpdtui suggest --save` or `playlists --rename` in another terminal,
        another window): follow it."""
        if self.editing is None or self.stored is None:
            return
        try:
            now = self.services.playlists.find(self.editing)
        except (UserError, OSError, sqlite3.Error):
            return  # unreadable just now: a save would say why
        if now is None:
            self._saved_deleted(where)
        elif (now.name, now.uris) != (self.stored.name, self.stored.uris):
            self._saved_changed(now, where)

    def _saved_deleted(self, where: Changed) -> None:
        """Deleted, the playlist on screen is unsaved (quit asks) and saves as a new one."""
        name = self.stored.name if self.stored else ""
        self.kept, self.editing, self.stored = ("", ()), None, None
        if where == "elsewhere":
            self.notify(printable(f"{quoted_name(name)} was deleted in another window or terminal: save "
                                  "it (ctrl+s) to keep it."),
                        severity="warning", markup=False, timeout=12)

    def _saved_changed(self, now: SavedPlaylist, where: Changed) -> None:
        """Renamed, the new name is shown (unless the name was edited here since). With other
        tracks, they are shown when those here are unchanged; else saving asks before
        replacing them."""
        name_input = self.query_one("#name", Input)
        if now.name != self.kept[0] and name_input.value.strip() == self.kept[0]:
            self.kept = (now.name, self.kept[1])
            name_input.value = now.name
        if self.stored is not None and now.uris == self.stored.uris:
            self.stored = now  # renamed only
        elif not self.unsaved():
            self.stored = now  # read once, even while it loads
            self._load_saved(now.id, where)
        elif self._told != now.content_key():
            self._told = now.content_key()
            tracks = counted(len(now.tracks), "track")
            self.notify(printable(f"{quoted_name(now.name)} was changed {where_changed(where)} "
                                  f"({tracks} now): saving here asks before replacing that."),
                        severity="warning", markup=False, timeout=12)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", description="open")
    def _load_saved(self, playlist_id: int, changed: Changed = "") -> None:
        saved = self.services.playlists.get(playlist_id)
        self._opening(saved.name, len(saved.tracks))
        tracks = self.services.catalog.tracks(self.services.catalog.resolve_uris(saved.uris))
        self.post_message(PlaylistLoaded(saved.name, tracks, self._audio_of(tracks), saved,
                                         not_shown=len(saved.tracks) - len(tracks),
                                         changed=changed))

    def _opening(self, name: str, count: int) -> None:
        """From a worker, a long playlist (saved, or a draft restored) said before it shows:
        the app does nothing else while it shows them."""
        if count >= LONG_PLAYLIST:
            self.app.call_from_thread(self.notify, printable(
                f"Opening {playlist_called(name)}: {counted(count, 'track')}, a few "
                "seconds…"), markup=False)

    def on_playlist_loaded(self, message: PlaylistLoaded) -> None:
        name = self.query_one("#name", Input)  # a draft (seconds after the start when long)
        to_tracks = message.changed != "elsewhere" and (  # takes the cursor from an empty name
            message.changed != "draft" or (self.focused is name and not name.value))
        self.like = None
        typed = (name.value if message.changed == "draft" and self.editing is None
                 and name.value.strip() else "")  # typed while the draft was read: kept
        kept_name = typed != "" and typed != message.name
        left, left_name = self.editing, name.value  # its filter stays with it
        added = self._added_meanwhile(message)
        with name.prevent(Input.Changed):
            name.value = typed if kept_name else message.name
        self.playlist = list(message.tracks)
        self.stored = message.saved
        self.kept, self.editing = self._state(), message.saved.id if message.saved else None
        if message.changed == "draft":
            self.kept = ("", ())  # restored: still unsaved
        self._forget_changes()
        if added:  # after the draft's tracks, as one change that u undoes
            self._remember(f"kept {counted(len(added), 'track')} added before the restore")
            self.playlist += added
        self._remember_sound(self.playlist, message.audio)
        if self.with_audio and self.playlist and all(audio is None for audio in message.audio):
            # read before the features were known (a draft restored as the builder opens, a
            # playlist opened then), shown after they came: read theirs now
            self._load_audio([t.id for t in self.playlist])
        self._playlist_changed()
        filter_note = ""
        if message.sound_filter is not None:  # as when the draft was kept: its status with it
            self.query_one(SoundFilter).value = message.sound_filter  # (on_input_changed)
        elif not message.changed:  # another playlist opened (p): its own filter, or none
            filter_note = self._filter_follows(left, left_name, self.editing)
        if to_tracks:
            self.query_one("#playlist").focus()
        self.notify(loaded_text(message) + (typed_name_kept(typed, message.name) if kept_name
                                            else "") + tracks_added_kept(len(added))
                    + filter_note,
                    markup=False, timeout=12 if message.changed or message.not_shown else None)

    def _start_new(self) -> None:
        name = self.query_one("#name", Input)
        note = self._filter_follows(self.editing, name.value, None)
        self.playlist = []
        self.like = None
        name.value = ""
        self.kept, self.editing = ("", ()), None
        self._forget_changes()
        self._playlist_changed()
        name.focus()
        if note:
            self.notify(f"New playlist.{note}", markup=False, timeout=8)

    def _added_meanwhile(self, message: PlaylistLoaded) -> list[Track]:
        """The tracks of a new playlist begun while a draft was read (a long one comes seconds
        after the start), but for songs the draft has: kept after the draft's."""
        if message.changed != "draft" or self.editing is not None:
            return []
        in_draft = {track.song for track in message.tracks}
        return [track for track in self.playlist if track.song not in in_draft]
