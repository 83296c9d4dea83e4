"""The builder's keys, focus moves, state and sound: what its parts share (`BuilderScreen`
in builder.py adds search, suggestions and editing; `BuilderFiles` saving and opening)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.css.query import QueryType
from textual.events import DescendantFocus, Resize
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input

from mpdtui.printable import printable
from mpdtui.track_titles import title_of
from mpdtui.tui.context import NARROW_COLUMNS, SHORT_ROWS, TURNS_ROWS
from mpdtui.tui.hidden import Hidden, hidden_ids
from mpdtui.tui.history import EditHistory, Step
from mpdtui.tui.idle_gc import IDLE_S, IdleCollector
from mpdtui.tui.messages import AudioReady
from mpdtui.tui.screens.base import BaseScreen
from mpdtui.tui.text import quoted_name
from mpdtui.tui.widgets.keyed_input import NameInput
from mpdtui.tui.widgets.sound_filter import SoundFilter
from mpdtui.tui.widgets.track_sound import TrackSound
from mpdtui.tui.widgets.track_table import TrackTable

if TYPE_CHECKING:  # annotations only: these load with the services, after the first paint
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.audio.filters import AudioFilter
    from mpdtui.data.catalog import Track


KEYS_REFRESH_S = 0.2  # after a change, the footer shows what applies once suggestions are back
SUGGESTIONS = 50  # shown at first, and added each time the cursor reaches the list's end


@dataclass(frozen=True)
class SuggestionsFor:
    name: str
    seeds: list[int]
    audio_filter: AudioFilter
    excluded: frozenset[int]  # track ids: hidden (x), or the playlist's in "more like this"
    k: int = SUGGESTIONS


class BuilderBase(BaseScreen):
    """The builder's keys, state, focus moves and tracks' sound (flow order: in
    builder_exchange.py); the screen itself is `BuilderScreen` (builder.py)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # the footer's order: the keys a new user needs first (add, remove, save, help, quit)
        # come first, whole at 60 columns; the end is cut off (the help lists every key)
        Binding("a", "add", "Add"),
        Binding("a", "explain_add", show=False),  # on the playlist: says where adding works
        Binding("x,delete", "remove", "Remove"),
        Binding("x,delete", "hide", "Hide"),  # on a suggestion: not for this playlist
        Binding("ctrl+s", "save", "Save"),
        Binding("question_mark,f1", "app.help", "Help", key_display="?"),  # the app's own
        Binding("q", "quit", "Quit"),
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("n", "focus_name", "Name"),
        Binding("u", "undo", "Undo"),
        Binding("U,ctrl+r", "redo", "Redo", key_display="U", show=False),  # undo says it
        Binding("K,shift+up", "move(-1)", "Up", key_display="K"),
        Binding("J,shift+down", "move(1)", "Down", key_display="J"),
        Binding("K,J,shift+up,shift+down", "explain_move", show=False),  # off the playlist
        Binding("l", "more_like", "More like this"),
        Binding("y", "copy_link", "Copy link", show=False),
        Binding("m", "switch_model", "Model"),
        Binding("f", "focus_filter", "Filter"),
        Binding("o", "order_flow", "Flow"),
        Binding("o", "nothing_to_order", show=False),  # o without tracks: says why
        Binding("e", "export", "Export"),
        Binding("e", "nothing_to_export", show=False),  # e without tracks: says why
        Binding("p", "playlists", "Saved"),
        Binding("ctrl+n", "new", "New", show=False),
        Binding("escape", "back", "Back"),
        Binding("down", "leave_field(1)", "Down", show=False),
        Binding("up", "leave_field(-1)", "Up", show=False),
    ]

    IN_A_FIELD: ClassVar[frozenset[str]] = frozenset({"save", "new", "back", "leave_field"})
    """The actions whose keys still work while typing (the others' keys type letters)."""

    FIELD_MOVES: ClassVar[dict[tuple[str, int], str]] = {
        ("search", 1): "#results", ("name", 1): "#playlist", ("filter", -1): "#suggestions"}
    """Where up/down go from a text field: the list next to it."""

    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("save", "Save playlist", "keep it in the saved playlists (ctrl+s)"),
        ("export", "Export playlist", "M3U8, JSON, CSV, Spotify or copied links (e)"),
        ("playlists", "Saved playlists", "reopen, rename, duplicate, delete, import files (p)"),
        ("new", "New playlist", "start over (ctrl+n)"),
        ("order_flow", "Order for flow", "compatible keys, close tempos, energy up or down (o)"),
        ("focus_filter", "Filter suggestions by sound", "tempo 150-170, energy > 0.7, key 8A (f)"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.playlist: list[Track] = []
        self.models: list[str] = []
        self.model_name: str | None = None
        self.like: Track | None = None  # the track of "more like this", while shown
        self._request = 0  # the latest suggestions request; older answers are dropped
        self._refill = 0  # the request that fills the suggestions up after a hide (x)
        self._search_request = 0
        self._search_shown = 0  # the search whose results are on screen
        self._timer: Timer | None = None
        self.suggestions_shown = 0  # the request whose answer is on screen
        self.model_chosen = False  # by the user; else the best servable model, as they come
        self._models_seen: tuple[float, ...] = ()
        self._missing_said = ""  # what is missing (data, a model), as last notified
        self.with_audio = False  # audio features are known: show them, filter, order
        self.sound: dict[int, TrackAudio | None] = {}  # track id -> its features (None: none)
        self._add_when_found: int | None = None  # Enter came before this search's results
        self.history: EditHistory[Track, Hidden] = EditHistory()
        self._keys_state = (False, False, False, False)  # what the footer last offered
        self.hidden: list[Hidden] = []  # from this playlist's suggestions (x, X)
        self._shown_again: tuple[int, int] | None = None  # (request, track): an undone hide
        self._when_suggested = ""  # "pick": they take the cursor, "add": and add one (focus_list)
        self.collector = IdleCollector()
        self._collect_timer: Timer | None = None

    def _focused_table(self) -> TrackTable | None:
        focused = self.focused
        return focused if isinstance(focused, TrackTable) else None

    @work(thread=True, exclusive=True, exit_on_error=False, group="audio",
          description="loading audio features")
    def _load_audio(self, track_ids: list[int]) -> None:
        """Read the catalog's features (once; a while at MPD scale, so not before the models)."""
        audio = self.services.audio
        with_audio = audio.catalog_features().count_known() > 0
        self.post_message(AudioReady(with_audio, track_ids, audio.audio(track_ids)))

    def on_audio_ready(self, message: AudioReady) -> None:
        self.sound.update(zip(message.track_ids, message.audio, strict=True))
        if message.with_audio != self.with_audio:
            self.with_audio = message.with_audio
            self.query_one("#builder").set_class(self.with_audio, "with-audio")
            for table in self.query(TrackTable).results(TrackTable):
                table.set_audio(self.with_audio)
            self._schedule(0)  # the suggestions again, with (or without) their features
            asked = set(message.track_ids)
            if self.with_audio and any(t.id not in asked for t in self.playlist):
                # tracks that came while the features loaded (a saved playlist opened) got
                # none: read theirs now
                self._load_audio([t.id for t in self.playlist])
        self._playlist_changed(cursor=self.query_one("#playlist", TrackTable).cursor_row)
        self._update_sound()

    def _audio_of(self, tracks: list[Track]) -> list[TrackAudio | None]:
        """The tracks' features once they are loaded (no wait before: the lists get them when
        `AudioReady` comes)."""
        if not self.with_audio or not tracks:
            return [None] * len(tracks)
        return self.services.audio.audio([t.id for t in tracks])

    def _remember_sound(self, tracks: list[Track], audio: list[TrackAudio | None]) -> None:
        self.sound.update((t.id, a) for t, a in zip(tracks, audio, strict=False))

    def _playlist_audio(self) -> list[TrackAudio | None]:
        return [self.sound.get(t.id) for t in self.playlist]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.focused:
            self._update_sound()

    def _update_sound(self) -> None:
        table = self._focused_table() if self.with_audio else None
        self.query_one(TrackSound).describe(table, self._why_no_features)

    def _why_no_features(self, uri: str) -> str:
        return self.app.attempt(self.services.audio.why_no_features, uri) or "no audio features"

    def _suggestions_for(self) -> SuggestionsFor | None:
        """What the suggestions are for: the name and tracks (or the track of "more like
        this"), the sound filter, the tracks left out; None without a name or a track."""
        name, seeds = self.query_one("#name", Input).value, [t.id for t in self.playlist]
        if self.like is not None:  # the track alone: a long playlist's seeds would drown it
            name, seeds = "", [self.like.id]
        if not name.strip() and not seeds:
            return None
        excluded = [*self.hidden, *self.playlist] if self.like is not None else self.hidden
        # the playlist's own tracks are the seeds, or here left out
        return SuggestionsFor(name, seeds, self.query_one(SoundFilter).audio_filter,
                              hidden_ids(excluded))

    def _remember(self, what: str) -> None:
        """Before a change to the tracks: what undo goes back to, and what it says it undid."""
        self.history.record(self.playlist, self.query_one("#playlist", TrackTable).cursor_row,
                            what, self.hidden)

    def _refresh_keys(self) -> None:
        """The footer again when what it offers changed (tracks or none, undo, redo, a track
        under the cursor), a moment later: rebuilt at each added track it doubled the time to
        new suggestions, and rebuilt before them it still delayed the first add's."""
        focused = self._focused_table()
        state = (bool(self.playlist), self.history.can_undo, self.history.can_redo,
                 focused is not None and focused.current() is not None)
        if state != self._keys_state:
            self._keys_state = state
            self.set_timer(KEYS_REFRESH_S, self.refresh_bindings)

    def _forget_changes(self) -> None:
        """Another playlist is on screen (opened or new): undo does not reach the last one,
        and what was hidden from its suggestions may be suggested again."""
        self.history.clear()
        self.hidden = []
        self.refresh_bindings()

    def action_undo(self) -> None:
        row = self.query_one("#playlist", TrackTable).cursor_row
        self._go_to(self.history.undo(self.playlist, row, self.hidden), "Undone",
                    " (U redoes it)")

    def action_redo(self) -> None:
        row = self.query_one("#playlist", TrackTable).cursor_row
        self._go_to(self.history.redo(self.playlist, row, self.hidden), "Redone")

    def _go_to(self, step: Step[Track, Hidden] | None, done: str, after: str = "") -> None:
        if step is None:  # the key is off then (check_action); a press may race a change
            return
        shown_again = [t for t in self.hidden if t not in step.hidden]
        hidden_again = len(step.hidden) > len(self.hidden)
        self.playlist, self.hidden = list(step.tracks), list(step.hidden)
        self._playlist_changed()
        self.query_one("#playlist", TrackTable).move_cursor(row=step.cursor)
        if shown_again:  # the cursor goes to the suggestion brought back
            self._shown_again = (self._request, shown_again[-1].id)
        elif hidden_again:  # as at x: the cursor stays, on the one after it
            self._refill = self._request
        self.notify(printable(f"{done}: {step.what}{after}."), markup=False)

    def action_hide(self) -> None:
        """Hide the highlighted suggestion from this playlist's suggestions; the cursor stays
        where it was, on the next one, and the list fills up again."""
        table = self.query_one("#suggestions", TrackTable)
        track = table.current()
        if track is None:
            return
        self._remember(f"hid {quoted_name(title_of(track))} from the suggestions")
        self.hidden.append(track)
        self._refresh_keys()
        table.drop_current()
        self._update_sound()  # of the next one, now under the cursor
        self._schedule(0)
        self._refill = self._request
        # no message: x pressed again and again would bury the list under them; the status
        # line counts the hidden ones

    def _place_cursor(self, request: int) -> None:
        """The suggestions of `request` are on screen: the cursor goes to them from the empty
        playlist that `focus_list` left it in; after an undone hide, onto the suggestion brought
        back."""
        table = self.query_one("#suggestions", TrackTable)
        waiting, self._when_suggested = self._when_suggested, ""
        if waiting and table.row_count and not self.playlist and (
                self.focused is self.query_one("#playlist")):
            self.set_focus(table)
            if waiting == "add":
                table.action_select_cursor()  # adds the first, as Enter there does
        if self._shown_again is None or self._shown_again[0] != request:
            return
        rows = [row for row, track in enumerate(table.tracks) if track.id == self._shown_again[1]]
        if rows:
            table.move_cursor(row=rows[0])

    def on_resize(self, event: Resize) -> None:
        builder = self.query_one("#builder")
        builder.set_class(event.size.width < NARROW_COLUMNS, "-narrow")
        builder.set_class(event.size.height < SHORT_ROWS, "-short")
        builder.set_class(event.size.width < NARROW_COLUMNS and event.size.height < TURNS_ROWS,
                          "-lists-take-turns")
        self._update_totals()  # in the playlist's border where the pane is short and narrow

    def _collect_when_idle(self) -> None:
        """A list was refreshed: Python's full garbage collection waits for it to be painted,
        or for a pause."""
        self.collector.hold()
        if self.collector.due():
            self.call_after_refresh(self.collector.collect)
        if self._collect_timer is not None:
            self._collect_timer.stop()
        self._collect_timer = self.set_timer(IDLE_S, self.collector.collect)

    def on_screen_suspend(self) -> None:
        self.collector.release()

    def on_unmount(self) -> None:
        self.collector.release()

    def focus_next(self, selector: str | type[QueryType] = "*") -> Widget | None:
        """tab goes from list to list (playlist, search results, suggestions), never into a
        field, where the list keys that follow would type letters: the fields have their keys
        (n, /, f)."""
        return super().focus_next(TrackTable if selector == "*" else selector)

    def focus_previous(self, selector: str | type[QueryType] = "*") -> Widget | None:
        return super().focus_previous(TrackTable if selector == "*" else selector)

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_name(self) -> None:
        self.query_one("#name", Input).focus()

    def action_focus_filter(self) -> None:
        self.query_one(SoundFilter).focus()

    def action_leave_field(self, step: int) -> None:
        field = self.focused.id if isinstance(self.focused, Input) else None
        target = self.FIELD_MOVES.get((field or "", step))
        if target is not None:
            self.focus_list(target)

    def focus_list(self, preferred: str) -> None:
        """Focus `preferred`, or the suggestions when it is empty and they are not: down, enter
        or escape from a new playlist's name go to a track to pick. Suggestions not there yet,
        or still the name's as it was (name, Enter, Enter added one), take it once shown."""
        empty = not self.query_one(preferred, TrackTable).row_count
        current = self.suggestions_shown == self._request  # else newer ones are on their way
        if empty and current and self.query_one("#suggestions", TrackTable).row_count:
            preferred = "#suggestions"
        self._when_suggested = "pick" if empty and preferred == "#playlist" else ""
        self.query_one(preferred).focus()

    def on_track_table_enter_without_rows(self, event: TrackTable.EnterWithoutRows) -> None:
        if self._when_suggested and event.table.id == "playlist":
            self._when_suggested = "add"  # "name, Enter, Enter" typed before the suggestions

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        focused = self.focused.id if self.focused is not None else None
        self.query_one("#builder").set_class(focused in ("search", "results"), "-searching")
        self.query_one("#builder").set_class(focused == "filter", "-filtering")  # app.tcss
        self.refresh_bindings()
        self._update_sound()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Footer shows the keys that work where the cursor is: in a text field letters and
        `/` are typed, so only ctrl and escape keys (and `/`, `?` in an empty name:
        NameInput); in a list, those that apply to it."""
        if action in ("save", "export", "order_flow") and not self.playlist:
            return False  # nothing to keep, export or order, from a field as from a list
        if action in ("nothing_to_export", "nothing_to_order"):  # their keys say why instead
            return not self.playlist and not isinstance(self.focused, Input)
        if isinstance(self.focused, Input):
            in_empty_name = isinstance(self.focused, NameInput) and self.focused.takes_action(action)
            return action in self.IN_A_FIELD or in_empty_name
        if action == "leave_field":
            return False
        if action == "back":
            return self.like is not None  # escape leaves "more like this"
        focused = self._focused_table()
        if action in ("remove", "move"):
            return focused is not None and focused.id == "playlist" and bool(self.playlist)
        if action == "explain_move":  # K / J on the results or suggestions: say why not
            return focused is not None and focused.id != "playlist"
        if action == "explain_add":
            return focused is not None and focused.id == "playlist"
        if action == "hide":
            return focused is not None and focused.id == "suggestions"
        if action == "add":
            return focused is not None and focused.id != "playlist"
        if action in ("more_like", "copy_link", "open_link"):  # on the highlighted track
            return focused is not None and focused.current() is not None
        if action in ("undo", "redo"):
            return self.history.can_undo if action == "undo" else self.history.can_redo
        return True

    # --- hooks: the builder's own (builder.py) -----------------------------------------------
    def _schedule(self, delay: float) -> None:
        """Ask for suggestions again after `delay` seconds."""
        raise NotImplementedError

    def _playlist_changed(self, cursor: int | None = None) -> None:
        """Show the playlist again (its totals, its tracks' sound) and ask for suggestions."""
        raise NotImplementedError

    def _update_totals(self) -> None:
        """Show the playlist's count of tracks and length."""
        raise NotImplementedError

    def _load_models(self) -> object:
        """Read which models serve (in a worker), then ask for suggestions."""
        raise NotImplementedError
