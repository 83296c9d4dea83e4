"""The playlist builder: name, search, the playlist, and suggestions that follow every change.

When audio features are known, every list also shows tempo, key and energy, suggestions can
be filtered by them (`f`), and the playlist can be ordered for flow (`o`).

Suggestions are fetched by a thread worker after a short debounce. Every request gets a
number; an answer whose number is not the latest is dropped, so a slow, stale answer never
replaces a newer one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import DescendantBlur
from textual.widgets import Header, Input, Label
from textual.worker import Worker, WorkerState

from mpdtui.pipeline.display import counted, playlist_length
from mpdtui.pipeline.events import JobFinished, ModelSaved
from mpdtui.printable import printable
from mpdtui.track_titles import title_of
from mpdtui.tui.jobs import JobUpdate
from mpdtui.tui.messages import ModelsReady, SearchResults, SuggestionsReady
from mpdtui.tui.screens.builder_exchange import BuilderExchange
from mpdtui.tui.screens.builder_text import nothing_to_suggest_for
from mpdtui.tui.suggestions_status import shared_reason, suggestions_status
from mpdtui.tui.text import beside_the_best, data_text, quoted_name
from mpdtui.tui.widgets.keyed_input import NameInput, SearchInput
from mpdtui.tui.widgets.sound_filter import SoundFilter
from mpdtui.tui.widgets.status_line import StatusLine
from mpdtui.tui.widgets.track_sound import TrackSound
from mpdtui.tui.widgets.track_table import TrackTable
from mpdtui.tui.widgets.whole_key_footer import WholeKeyFooter

if TYPE_CHECKING:  # annotations only: these load with the services, after the first paint
    from mpdtui.data.catalog import Track
    from mpdtui.tui.screens.builder_base import SuggestionsFor

NAME_DEBOUNCE_S = 0.3
TRACKS_DEBOUNCE_S = 0.02
SEARCH_LIMIT = 50
MODELS_POLL_S = 3.0
MISSING_DATA = "No data yet: ingest the demo or the MPD at the setup's data step (f2)."
MISSING_MODEL = "No trained model yet: train one at the setup's training step (f2)."


class BuilderScreen(BuilderExchange):
    """Name, search, the playlist and its suggestions."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="builder"):
            with Vertical(id="left"):
                yield NameInput(id="name")
                yield TrackTable(numbered=True, id="playlist")
                yield Label("", id="totals")
                yield TrackSound("", id="track-sound", classes="hint")
            with Vertical(id="right"):
                yield SearchInput(id="search")
                yield TrackTable(id="results")
                yield TrackTable(with_reason=True, id="suggestions")
                yield SoundFilter(id="filter")  # after the suggestions: tab goes there first
                yield StatusLine("", id="suggest-status", classes="hint")
        yield WholeKeyFooter()

    def on_mount(self) -> None:
        self.query_one("#playlist", TrackTable).name_pane("Playlist")
        self.query_one("#results").border_title = "Search results"
        self.query_one("#suggestions").border_title = "Suggestions"
        self._update_totals()
        self._set_status("loading models…")
        self._load_models()
        self._load_audio([])
        self.query_one("#name", Input).focus()
        self._models_seen = self.services.models.signature()  # a change from here on is news
        self.set_interval(MODELS_POLL_S, self._check_models)

    def worker_done(self, worker: Worker[Any]) -> None:
        if worker.group == "models" and worker.state == WorkerState.ERROR:
            # the app has said why; the status line must not go on "loading models…"
            self._set_status(f"No models: {worker.error}")

    def on_job_update(self, message: JobUpdate) -> None:
        # a model saved (serve what is ready) or a job done (an evaluation may name a new best)
        if isinstance(message.event, ModelSaved | JobFinished):
            self._load_models()

    def on_screen_resume(self) -> None:
        if self.model_name is None or self.services.models.signature() != self._models_seen:
            self._load_models()  # back from setup: new models may be there (not after a
            #                      dialog: asking again took seconds for 10,000 seeds)
        self._load_audio([t.id for t in self.playlist])  # ...or new features

    # --- models ------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="models",
          description="loading models")
    def _load_models(self) -> None:
        services = self.services
        if not services.data.has_data():  # nothing to load: say what is missing (on_models_ready)
            self.post_message(ModelsReady([], None, has_data=False))
            return
        models = services.models.servable()
        default = services.models.default()
        if default is not None:
            services.models.model(default)  # load now, so the first suggestion is quick
            for helper in ("item_knn", "title"):  # used for the reasons
                if helper in models:
                    services.models.model(helper)
        services.catalog.catalog()
        self.post_message(ModelsReady(models, default))

    def on_models_ready(self, message: ModelsReady) -> None:
        self.models, before = message.models, self.model_name
        if not self.model_chosen or self.model_name not in self.models:
            self.model_name = message.default
        self._say_saved_elsewhere(before)
        self._update_model_title()
        missing = "" if self.model_name is not None else (
            MISSING_MODEL if message.has_data else MISSING_DATA)
        if missing:  # said in the status line each time, notified once (models load again
            self._set_status(missing)  # on showing the screen and after each job)
            self.query_one("#suggestions", TrackTable).show([])  # the last model's are stale
            if missing != self._missing_said:
                self.notify(missing, severity="warning", timeout=8)
        else:
            self._schedule(0)
        self._missing_said = missing
        self.refresh_bindings()

    def _update_model_title(self) -> None:
        table = self.query_one("#suggestions")
        model = self.model_name or "no model"
        if self.like is not None:
            table.border_title = data_text(f"More like '{title_of(self.like)}' · {model}")
        else:
            table.border_title = f"Suggestions · {model}"

    def action_switch_model(self) -> None:
        if not self.models:
            self.notify("No model yet: train one at the setup's training step (f2).", severity="warning")
            return
        index = self.models.index(self.model_name) if self.model_name in self.models else -1
        self.action_use_model(self.models[(index + 1) % len(self.models)])

    def action_use_model(self, name: str) -> None:
        self.model_name = name
        self.model_chosen = True
        self._update_model_title()
        scores = self.app.attempt(self.services.models.scores) or {}
        self.app.take_down_notes("Suggesting with ")  # the last model's: stale now
        self.notify(f"Suggesting with {name}{beside_the_best(name, scores)}.")
        self._schedule(0)

    # --- suggestions -------------------------------------------------------------------------
    def _schedule(self, delay: float) -> None:
        """Ask for fresh suggestions after `delay` s; a newer call supersedes this one."""
        self._request += 1
        request = self._request
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(max(delay, 0.005), lambda: self._fetch(request))

    def _fetch(self, request: int) -> None:
        if request != self._request or self.model_name is None:
            return
        query = self._suggestions_for()
        if query is None:
            self.query_one("#suggestions", TrackTable).show([])
            saved = self.app.attempt(self.services.playlists.summaries) or []
            self._set_status(nothing_to_suggest_for(saved[0].name if saved else None))
            return
        self._set_status("thinking…", self.query_one(SoundFilter).error)
        self._suggest(request, self._with_count(query), self.model_name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="suggest",
          description="suggestions")
    def _suggest(self, request: int, query: SuggestionsFor, model: str) -> None:
        from mpdtui.services.audio import FeaturesMissing

        name, seeds, hidden = query.name, query.seeds, query.excluded
        if not query.audio_filter and not self.with_audio:  # the features may still be loading
            suggester = self.services.suggester
            listed = suggester.suggest(name, seeds, model=model, k=query.k, exclude=hidden)
            self.post_message(SuggestionsReady(request, listed, model, note=suggester.running_out(
                model, seeds, hidden, len(listed), query.k)))
            return
        try:
            found = self.services.audio.suggest(name, seeds, query.audio_filter, model=model,
                                               k=query.k, exclude=hidden)
        except FeaturesMissing as exc:  # a filter, and no features to apply it to
            self.post_message(SuggestionsReady(request, [], model, note=str(exc)))
            return
        self.post_message(SuggestionsReady(request, found.suggestions, model, found.audio,
                                           found.note()))

    def on_suggestions_ready(self, message: SuggestionsReady) -> None:
        if message.request != self._request:
            return  # stale: a newer request is on its way
        table = self.query_one("#suggestions", TrackTable)
        in_playlist = {t.id for t in self.playlist}
        audio = message.audio or [None] * len(message.suggestions)
        shown = [(s, a) for s, a in zip(message.suggestions, audio, strict=True)
                 if s.track.id not in in_playlist]
        self._remember_sound([s.track for s, _ in shown], [a for _, a in shown])
        reasons = [s.reason for s, _ in shown]
        shared = shared_reason(reasons)
        table.show([s.track for s, _ in shown], reasons, audio=[a for _, a in shown],
                   reason_column=shared is None, keep_cursor=message.request == self._refill)
        self._place_cursor(message.request)
        self._refresh_keys()  # l, y, w: a track under the cursor, or none
        self._update_sound()  # the row under the cursor may hold another track now
        status = suggestions_status(message, len(shown), shared, self.hidden)
        if self.like is not None:  # the way out first: narrow, the footer has no room for esc
            status = f"esc goes back to the playlist's suggestions · {status}"
        self._set_status(status, self.query_one(SoundFilter).error)
        self.suggestions_shown = message.request
        self._collect_when_idle()

    def _set_status(self, text: str, filter_error: str = "") -> None:
        """With a filter that cannot be read, its error and what the list shows (it follows the
        last filter read) take a line each, cut short where they are longer: both stay seen."""
        self.query_one(StatusLine).say(text, filter_error)

    # --- search ------------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self._search_request += 1
            self._search(self._search_request, event.value)
            self._show_results_box(bool(event.value.strip()))
        elif event.input.id == "name":
            self._schedule(NAME_DEBOUNCE_S)
        elif event.input.id == "filter":
            sound_filter = self.query_one(SoundFilter)
            sound_filter.read()
            self.query_one(StatusLine).typed(sound_filter.error)  # why it cannot be read
            self.query_one("#suggestions", TrackTable).keep_columns_of(
                sound_filter.audio_filter.features())
            self._schedule(NAME_DEBOUNCE_S)

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        if event.widget.id == "filter":  # left: its error whole no more, the list's rows back
            self.query_one(StatusLine).typed(self.query_one(SoundFilter).error)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self._add_from_search()
            return
        if event.input.id == "filter" and self.query_one(SoundFilter).error:
            self.query_one(StatusLine).in_full()  # why, whole, under the field: the
            return  # cursor stays, to mend it
        self.focus_list("#suggestions" if event.input.id == "filter" else "#playlist")

    def _add_from_search(self) -> None:
        """Enter in the search box adds the highlighted result (the best unless moved), once
        the results for what is typed are there; the search box keeps the focus."""
        if not self.query_one("#search", Input).value.strip():
            return
        if self._search_shown != self._search_request:
            self._add_when_found = self._search_request  # typed faster than the search ran
            return
        results = self.query_one("#results", TrackTable)
        track = results.current()
        if track is None:
            self.notify("Nothing found: change the search.", severity="warning")
            return
        if self._add_track(track):
            self.notify(printable(f"Added {quoted_name(title_of(track))}."), markup=False,
                        timeout=2)  # brief: it covers the suggestions, and the ✓ in the results says it too
        results.action_cursor_down()  # Enter again adds the next one (past one it has too)

    def _show_results_box(self, shown: bool) -> None:
        """The search results take room only while there is a search: the suggestions get
        it otherwise (12 rows instead of 7 at 80x24). In a short pane, only while the cursor
        is in the search or its results (app.tcss): the suggestions have no rows beside them."""
        results = self.query_one("#results", TrackTable)
        if not shown and results.has_focus:
            self.query_one("#search", Input).focus()
        self.query_one("#builder").set_class(shown, "-search-typed")

    @work(thread=True, exclusive=True, exit_on_error=False, group="search", description="search")
    def _search(self, request: int, text: str) -> None:
        tracks = self.services.catalog.search(text, SEARCH_LIMIT) if text.strip() else []
        self.post_message(SearchResults(request, tracks, self._audio_of(tracks)))

    def on_search_results(self, message: SearchResults) -> None:
        if message.request == self._search_request:
            self._remember_sound(message.tracks, message.audio)
            results = self.query_one("#results", TrackTable)
            results.empty_text = "" if message.tracks else self._nothing_found(self._searched())
            results.show(message.tracks, audio=message.audio)
            self._refresh_keys()
            self._search_shown = message.request
            self._collect_when_idle()
            if self._add_when_found == message.request:
                self._add_when_found = None
                self._add_from_search()

    # --- editing the playlist ----------------------------------------------------------------

    def on_data_table_row_selected(self, event: TrackTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id in ("results", "suggestions"):
            self.action_add()

    def action_add(self) -> None:
        table = self._focused_table()
        if table is None or table.id == "playlist":
            return
        track = table.current()
        if track is not None and self._add_track(track) and table.id == "suggestions":
            table.action_cursor_down()

    def _add_track(self, track: Track) -> bool:
        """Add `track` unless the playlist has its song, in this version or another."""
        there = next((t for t in self.playlist if t.song == track.song), None)
        if there is not None:
            version = "" if there.id == track.id else f" (its version from {quoted_name(there.album_name)})"
            self.notify(printable(f"{quoted_name(title_of(track))} is already in the playlist{version}."),
                        markup=False)
            return False
        self._remember(f"added {quoted_name(title_of(track))}")
        self.playlist.append(track)
        self._playlist_changed()
        return True

    def action_remove(self) -> None:
        table = self._focused_table()
        if table is None or table.id != "playlist" or table.current() is None:
            return
        self._remember(f"removed {quoted_name(title_of(self.playlist[table.cursor_row]))}")
        del self.playlist[table.cursor_row]
        self._playlist_changed()

    def action_move(self, step: int) -> None:
        table = self._focused_table()
        if table is None or table.id != "playlist" or not self.playlist:
            return
        row = table.cursor_row
        target = row + step
        if not 0 <= target < len(self.playlist):
            return
        self._remember(f"moved {quoted_name(self.playlist[row].name)} {'up' if step < 0 else 'down'}")
        self.playlist[row], self.playlist[target] = self.playlist[target], self.playlist[row]
        self._playlist_changed(cursor=target)

    def action_explain_add(self) -> None:
        self.notify("a adds the highlighted suggestion or search result: tab to the "
                    "suggestions, or / to search, first.", severity="warning")

    def action_explain_move(self) -> None:
        self.notify("K and J move the playlist's highlighted track: tab to the playlist "
                    "first.", severity="warning")

    def _playlist_changed(self, cursor: int | None = None) -> None:
        table = self.query_one("#playlist", TrackTable)
        table.show(self.playlist, keep_cursor=True, audio=self._playlist_audio())
        self.query_one("#results", TrackTable).mark(self.playlist)
        if cursor is not None:
            table.move_cursor(row=cursor)
        self._update_totals()
        self._refresh_keys()
        if cursor is None:  # order does not change suggestions
            self._schedule(TRACKS_DEBOUNCE_S)

    def _update_totals(self) -> None:
        total = sum(t.duration_ms for t in self.playlist)
        totals = f"{counted(len(self.playlist), 'track')} · {playlist_length(total)}"
        self.query_one("#totals", Label).update(totals)
        in_border = self.query_one("#builder").has_class("-narrow", "-short")  # no row under it
        self.query_one("#playlist", TrackTable).show_footnote(totals if in_border else "")

    def action_more_like(self) -> None:
        table = self._focused_table()
        track = table.current() if table is not None else None
        if track is None:
            return
        self.like = track
        self._update_model_title()
        self._schedule(0)
        self.query_one("#suggestions").focus()

    def action_back(self) -> None:
        if self.like is not None:
            self.like = None
            self._update_model_title()
            self._schedule(0)
        elif isinstance(self.focused, Input):
            self.focus_list("#playlist")

    def action_new(self) -> None:
        self.let_go(self._start_new)

    def action_quit(self) -> None:
        self.let_go(self.app.leave)
