"""The builder's tracks to and from elsewhere, and many at once: exports (files, Spotify, the
tracks' links copied), links pasted in (tracks copied in Spotify's app), the suggestions that
fill the playlist to a length (A), more of them at the list's end, an artist's tracks
hidden from them (X), and the playlist ordered for flow (o)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.events import Paste
from textual.widgets import DataTable, Input

from mpdtui.browser import open_in_browser
from mpdtui.data.mpd_validation import (
    linked_kind,
    linked_track_uri,
    no_track_linked,
    track_link,
)
from mpdtui.data.playlist_length import LENGTH_HINT, LengthError, PlaylistLength, parse_length
from mpdtui.locations import cache_dir_gone
from mpdtui.pipeline.display import counted, playlist_length
from mpdtui.printable import printable
from mpdtui.track_titles import title_of
from mpdtui.tui.hidden import HiddenArtist
from mpdtui.tui.models_news import models_news, removed_between, saved_between
from mpdtui.tui.playlist_export import ExportChoice, PlaylistExport
from mpdtui.tui.screens.builder_base import SUGGESTIONS
from mpdtui.tui.screens.builder_files import BuilderFiles
from mpdtui.tui.screens.prompt import PromptScreen
from mpdtui.tui.text import cut_name, in_app, quoted_name
from mpdtui.tui.widgets.keyed_input import pasted_links
from mpdtui.tui.widgets.track_table import TrackTable

if TYPE_CHECKING:
    from mpdtui.audio.describe import TrackAudio
    from mpdtui.audio.flow import FlowResult
    from mpdtui.data.catalog import Track
    from mpdtui.services.audio import Fill
    from mpdtui.tui.screens.builder_base import SuggestionsFor


MOST_SUGGESTIONS = 500
"""The list's longest (the RecSys Challenge's k: how far the models are evaluated)."""
PASTE_HERE = "them here: their tracks are added"
"""Where the links of tracks copied in Spotify's app go, said where a playlist's link was."""


class BuilderExchange(BuilderFiles):
    """Export, copy the links, take pasted links, hide an artist, fill to a length."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("A", "fill", "Fill", show=False),
        Binding("X", "hide_artist", "Hide artist", show=False),  # x says it, on a suggestion
        Binding("w", "open_link", "Listen", show=False),
    ]
    PALETTE = (*BuilderFiles.PALETTE, (
        "fill", "Fill to a length", "add the top suggestions until the playlist lasts 45m, "
        "1h30m or has 30 tracks (A)"), (
        "hide_artist", "Hide the artist", "none of the highlighted suggestion's artist in "
        "this playlist's suggestions (X)"))

    def __init__(self) -> None:
        super().__init__()
        self.fill_length = ""  # as last typed: the next fill asks with it
        self.suggestions_wanted = SUGGESTIONS
        self._wanted_for: tuple[object, ...] = ()  # what they are for (`_with_count`)
        self._rows_asked_at = 0  # the list's length when more were last asked for
        self._saved_elsewhere: list[str] | None = None  # models another process saved, to say
        self._removed_elsewhere: list[str] = []  # and those it removed
        self._gone_said = False  # the cache dir's being gone, said
        self._jobs_seen = (0, False)  # the app's jobs started, and one running, at the last check

    # --- models saved by another process ---------------------------------------------------
    def _check_models(self) -> None:
        """Another process (`mpdtui --train`) may have saved models: pick them up, and say so
        once they are loaded; not those of a job of this app's (its header says what runs)."""
        if self._cache_dir_gone():
            return  # its files read as missing: the models loaded go on suggesting
        seen, jobs = self.services.models.signature(), self.app.jobs
        # one of the app's jobs ran since the last check, or runs (it saves to the end)
        own = jobs.running or self._jobs_seen != (jobs.started, False)
        if self._models_seen and seen != self._models_seen:
            self._saved_elsewhere = None if own else saved_between(self._models_seen, seen)
            self._removed_elsewhere = removed_between(self._models_seen, seen)
            self.services.forget_models()
            self._load_models()
        self._models_seen, self._jobs_seen = seen, (jobs.started, jobs.running)

    def _cache_dir_gone(self) -> bool:
        """The cache dir was moved, deleted or unmounted while the app ran: said once (not as
        "No data yet", whose advice would ingest into an empty folder made in its place)."""
        gone = self.services.locations.gone()
        if gone and not self._gone_said:
            said = cache_dir_gone(self.services.locations.root)
            self.notify(printable(f"{said[0].upper()}{said[1:]}. Suggestions go on from the "
                                  "models loaded."), severity="warning", timeout=15, markup=False)
        self._gone_said = gone
        return gone

    def _say_saved_elsewhere(self, before: str | None) -> None:
        """The models loaded: which another process saved, and the model that suggests now."""
        if self._saved_elsewhere is not None:
            self.notify(models_news(self._saved_elsewhere, before, self.model_name,
                                    self._removed_elsewhere), timeout=10)
            self._saved_elsewhere = None

    # --- more suggestions at the list's end --------------------------------------------------
    def _with_count(self, query: SuggestionsFor) -> SuggestionsFor:
        """The query, asking for as many suggestions as are wanted: 50, and 50 more each time
        the cursor reached the list's end, until the name, the tracks, the filter or the model
        change (a hidden suggestion keeps the count: the list fills up again)."""
        asked_for = (query.name, tuple(query.seeds), query.audio_filter, self.model_name)
        if asked_for != self._wanted_for:
            self._wanted_for, self.suggestions_wanted, self._rows_asked_at = asked_for, SUGGESTIONS, 0
        return replace(query, k=self.suggestions_wanted)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The cursor on the last suggestion asks for 50 more (Textual calls BuilderBase's
        handler of this message too: one per class)."""
        if event.cursor_row == event.data_table.row_count - 1:
            self._ask_for_more(event.data_table)

    def on_track_table_scrolled_to_end(self, message: TrackTable.ScrolledToEnd) -> None:
        """The mouse wheel at the list's end does as the cursor on its last row."""
        self._ask_for_more(message.table)

    def _ask_for_more(self, table: DataTable) -> None:
        rows = table.row_count
        if table.id == "suggestions" and self._more_may_come(rows):
            self._rows_asked_at = rows
            self.suggestions_wanted += SUGGESTIONS
            self._schedule(0)
            self._refill = self._request  # the cursor stays where it is

    def _more_may_come(self, rows: int) -> bool:
        """The list is full (but for the playlist's own tracks, left out of it: a shorter
        list is all there is), has grown since more were last asked for, is shorter than
        the most, and no answer is on its way."""
        return (rows >= self.suggestions_wanted - len(self.playlist) and self._rows_asked_at < rows
                and self.suggestions_wanted < MOST_SUGGESTIONS
                and self.suggestions_shown == self._request)

    def action_export(self) -> None:
        if not self.playlist:  # e (nothing_to_export) or the palette's Export
            self.notify("Nothing exported: the playlist has no tracks. Add some first (/ "
                        "searches, a adds the highlighted one).", severity="warning")
            return
        name = self._name_or_wait(self.action_export)
        if name is None:
            return
        export = PlaylistExport(self.app)

        def chosen(choice: ExportChoice | None) -> None:
            # what is exported is saved with it; an export given up changes nothing saved
            if choice and choice[0] == "links":  # the command it names: "NAME" was said
                saved = self.editing is not None and not self.unsaved()
                export.copy_links((track.uri for track in self.playlist), name, saved)
            elif choice:
                self.save_then(lambda saved: export.start(saved.id, *choice))

        export.ask(name, chosen)

    def action_nothing_to_export(self) -> None:
        self.action_export()  # says why

    # --- order for flow ----------------------------------------------------------------------
    def action_order_flow(self) -> None:
        if not self.with_audio:
            hint = self.services.audio.features_hint()
            self.notify(in_app(f"No audio features yet: {hint}."), severity="warning",
                        timeout=10)
            return
        if len(self.playlist) < 3:  # as `mpdtui order` (flow.MIN_TRACKS, flow.TOO_FEW)
            self.notify("Add at least three tracks to order them for flow: the first track stays "
                        "first, so with fewer than three nothing can move.", severity="warning")
            return
        from mpdtui.tui.screens.order import OrderScreen

        planned = [t.id for t in self.playlist]
        self.app.push_screen(OrderScreen(planned), lambda result: self._apply_flow(planned, result))

    def _apply_flow(self, planned_ids: list[int], result: FlowResult | None) -> None:
        if result is None or planned_ids != [t.id for t in self.playlist]:
            return  # cancelled
        if not result.changed:
            return
        self._remember("ordered for flow")
        self.playlist = [self.playlist[i] for i in result.order]
        self._playlist_changed(cursor=0)
        self.query_one("#playlist").focus()
        self.notify(f"Ordered for flow: {result.summary()}.", timeout=8)

    def action_nothing_to_order(self) -> None:
        self.action_order_flow()  # says why

    def on_paste(self, event: Paste) -> None:
        """Spotify links pasted on a list (or several into the search): their tracks are
        added."""
        uris = pasted_links(event.text)
        if uris:  # a playlist's link among tracks' is counted, not dropped unsaid
            self._add_pasted(uris, sum(linked_kind(word) is not None for word in event.text.split()))
        elif (linked := no_track_linked(event.text, PASTE_HERE)) is not None:
            self.notify(printable(f"Nothing added: {linked}."), markup=False, timeout=12)

    def _searched(self) -> str:
        return self.query_one("#search", Input).value

    def _nothing_found(self, text: str) -> str:
        """What the empty search results say under them: why nothing was found. A pasted
        link that names no track of the catalog (a playlist's, say) is said in full in a
        note too, with what to paste instead."""
        if not text.strip():
            return ""
        why = self.services.catalog.why_not_found(text, PASTE_HERE)
        if linked_track_uri(text) or linked_kind(text):  # pasted: said whole
            self.notify(printable(f"Nothing found: {why}."), markup=False, timeout=12)
        return f"nothing found: {why}"

    def _add_pasted(self, uris: list[str], no_track: int = 0) -> None:
        """The catalog's tracks of pasted links at the playlist's end, as one change to undo;
        a song the playlist has is not added again (`no_track`: links pasted with them to a
        playlist, an album or an artist, which name no track)."""
        found = self.app.attempt(self.services.catalog.resolve_uris_naming_unknown, uris)
        if found is None:
            return
        ids, unknown = found
        tracks = self.services.catalog.tracks(ids)
        new = self._add_tracks(tracks, self._audio_of(tracks), "pasted track")
        said = [f"Added {counted(len(new), 'pasted track')}"]
        if len(tracks) > len(new):
            said.append(f"{len(tracks) - len(new):,} in the playlist already")
        if unknown:
            said.append(f"{counted(len(unknown), 'track')} not in the catalog")
        if no_track:
            said.append(f"left out {counted(no_track, 'playlist, album or artist link')} "
                        "(naming no track: copy the tracks in Spotify's app and paste those)")
        self.notify("; ".join(said) + ".", markup=False, timeout=6)

    def _add_tracks(self, tracks: list[Track], audio: list[TrackAudio | None],
                    what: str) -> list[Track]:
        """`tracks` (with their sound) at the playlist's end as one change to undo ("added 3
        `what`s"), but for songs the playlist has; those added."""
        new = _new_songs(self.playlist, tracks)
        if new:
            self._remember(f"added {counted(len(new), what)}")
            sound = dict(zip((t.id for t in tracks), audio, strict=True))
            self._remember_sound(new, [sound[t.id] for t in new])
            self.playlist.extend(new)
            self._playlist_changed()
        return new

    def action_copy_link(self) -> None:
        """The highlighted track's link to the clipboard (OSC 52: most terminals, over ssh
        too); said in full as well, for a terminal that does not take it."""
        table = self._focused_table()
        track = table.current() if table is not None else None
        if track is not None:
            self._copy_link(track)

    def _copy_link(self, track: Track, why: str = "") -> None:
        link = track_link(track.uri)
        self.app.copy_to_clipboard(link)
        self.notify(printable(f"{why}Copied {link} ({quoted_name(title_of(track))})."), markup=False,
                    timeout=8)

    def action_open_link(self) -> None:
        """The highlighted track's page on Spotify in the desktop's browser, to hear it before
        adding it (it plays there, or in Spotify's app); where no browser can open (over ssh),
        its link is copied instead, to open elsewhere."""
        table = self._focused_table()
        track = table.current() if table is not None else None
        if track is None:
            return
        link = track_link(track.uri)
        if self.app.options.open_browser and open_in_browser(link):  # said: if none opens
            self.notify(printable(f"Opening {quoted_name(title_of(track))} on Spotify in the browser: "
                                  f"{link}"), markup=False)
        else:
            self._copy_link(track, "No browser can open here (no desktop: an ssh login?). ")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_artist":
            return super().check_action("hide", parameters)  # where x hides a suggestion
        works = super().check_action(action, parameters)  # in a text field, A types an A
        return works and self.model_name is not None if action == "fill" else works

    # --- hide an artist ----------------------------------------------------------------------
    def action_hide_artist(self) -> None:
        """Hide every track of the highlighted suggestion's artist from this playlist's
        suggestions (the catalog is looked up in a worker: at the MPD's size, ~0.2 s). Only
        with the cursor in the suggestions: the palette runs this wherever the cursor is, and
        the suggestion highlighted there is not the track under the cursor in another list."""
        table = self._focused_table()
        if table is None or table.id != "suggestions":
            self.notify("Hide the artist hides a suggestion's artist: put the cursor on one "
                        "(tab to the suggestions), then press X.", severity="warning")
            return
        track = table.current()
        if track is not None:
            self._hide_artist(track)

    @work(thread=True, exit_on_error=False, group="hide-artist", description="hide artist")
    def _hide_artist(self, track: Track) -> None:
        tracks = frozenset(self.services.catalog.same_artist(track.id))
        self.app.call_from_thread(self._artist_hidden, HiddenArtist(track, tracks))

    def _artist_hidden(self, artist: HiddenArtist) -> None:
        if any(isinstance(h, HiddenArtist) and h.track_ids == artist.track_ids
               for h in self.hidden):
            return  # X twice before the suggestions came back
        name = cut_name(artist.track.artist_name)
        self._remember(f"hid {name} from the suggestions")
        self.hidden.append(artist)
        self._refresh_keys()
        self._schedule(0)
        self._refill = self._request  # the cursor stays on its row, the list fills up again
        self.notify(printable(f"None of {name}'s {counted(len(artist.track_ids), 'track')} "
                              "will be suggested for this playlist (u brings them back)."),
                    markup=False)

    # --- fill to a length --------------------------------------------------------------------
    def action_fill(self) -> None:
        if self.model_name is None:
            self.notify("No model to suggest with yet: train one at the setup's training step "
                        "(f2).", severity="warning")
            return
        if self._suggestions_for() is None:
            self.notify("Type a name or add tracks first: the fill adds their suggestions.",
                        severity="warning")
            return
        self.app.push_screen(PromptScreen(
            f"Fill the playlist with suggestions, the top first, until it is this long: "
            f"{LENGTH_HINT}.", self.fill_length, accept=self._length_refusal), self._fill_to)

    def _length_refusal(self, typed: str) -> str | None:
        """Why the fill cannot reach the length typed (the dialog says it), or None."""
        try:
            length = parse_length(typed)
        except LengthError as exc:
            return f"{exc}."
        total = sum(track.duration_ms for track in self.playlist)
        if length.reached(len(self.playlist), total):
            now = (f"has {counted(len(self.playlist), 'track')}" if length.tracks
                   else f"lasts {playlist_length(total)}")
            return f"The playlist {now} already."
        return None

    def _fill_to(self, typed: str | None) -> None:
        query = self._suggestions_for()
        if typed is None or query is None or self.model_name is None:
            return
        self.fill_length = typed
        self.notify("Filling…", timeout=2)
        self._fill(query, parse_length(typed), list(self.playlist), self.model_name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="fill", description="fill")
    def _fill(self, query: SuggestionsFor, length: PlaylistLength, playlist: list[Track],
              model: str) -> None:
        have = (len(playlist), sum(track.duration_ms for track in playlist))
        made = self.services.audio.fill(query.name, query.seeds, query.audio_filter, length,
                                        have, model, query.excluded)
        self.app.call_from_thread(self._add_filled, playlist, made)

    def _add_filled(self, had: list[Track], made: Fill) -> None:
        """The fill's tracks added, unless the playlist changed while they were looked for."""
        if had != self.playlist:
            self.notify("The playlist changed while filling: press A again.", severity="warning")
            return
        found = made.found
        self._add_tracks([s.track for s in found.suggestions], found.audio, "suggestion")
        said = made.said()
        self.notify(printable(said[0].upper() + said[1:] + "."), markup=False, timeout=8)


def _new_songs(playlist: list[Track], tracks: list[Track]) -> list[Track]:
    """`tracks` whose songs neither the playlist nor an earlier one of them has."""
    have = {track.song for track in playlist}
    new = []
    for track in tracks:
        if track.song not in have:
            have.add(track.song)
            new.append(track)
    return new
