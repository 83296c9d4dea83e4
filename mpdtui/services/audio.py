"""Audio-aware building for the CLI and the app: suggestions filtered by audio features, the
features of tracks for display, and ordering playlists for flow.

The catalog's features are read once into numpy columns aligned with track ids (and read
again after a job changed the features or the data: `forget`).
"""

from __future__ import annotations

import shlex
import sqlite3
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from mpdtui.audio.describe import TrackAudio, track_audio
from mpdtui.audio.filters import AudioFilter
from mpdtui.audio.flow import MIN_TRACKS, TOO_FEW, Direction, FlowResult, order_for_flow
from mpdtui.data.features import FeatureStore
from mpdtui.data.playlist_length import FILL_CANDIDATES, Filled, PlaylistLength, fill
from mpdtui.data.saved_playlists import SavedPlaylist
from mpdtui.data.track_features import TrackFeatures
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.pipeline.display import clock, counted
from mpdtui.printable import quoted
from mpdtui.services.catalog import CatalogService
from mpdtui.services.playlists import PlaylistService, audio_of_uris
from mpdtui.services.suggester import Suggester, Suggestion, without_tracks

FEATURES_HINT = ("get them in the setup's audio features step (f2), or with `mpdtui features "
                 "--csv tracks_features.csv` or `mpdtui features --download`")


SETUP_FEATURES = "the setup's features step (f2)"
"""Where the app downloads or imports features (f2 opens it while a message names it)."""


def features_hint(csv_beside: Path | None) -> str:
    """How to get audio features: the CSV that came with the data by its path, where there is
    one (`tracks_features.csv` in the folder a command runs in is most often not there)."""
    if csv_beside is None:
        return FEATURES_HINT
    return ("get them in the setup's audio features step (f2), or with `mpdtui features --csv "
            f"{shlex.quote(str(csv_beside))}`")


class FeaturesMissing(UserError):
    """Audio features are needed and none are known."""


@dataclass(frozen=True)
class FilteredSuggestions:
    suggestions: list[Suggestion]
    audio: list[TrackAudio | None]  # aligned with `suggestions`
    audio_filter: AudioFilter
    k: int
    matching: int = 0  # catalog tracks that match the filter, besides the playlist's own
    without_features: int = 0  # catalog tracks without features: a filter never shows them
    running_out: str = ""  # without a filter: why fewer than k came (`Suggester.running_out`)

    def note(self) -> str:
        """What the filter did, for a status line; without one, why fewer than k came."""
        if not self.audio_filter:
            return self.running_out
        wanted = self.audio_filter.describe()
        shown = len(self.suggestions)
        if self.matching == 0:
            text = f"no track matches {wanted}"
        elif shown < self.k and shown == self.matching:
            verb = "matches" if self.matching == 1 else "match"  # "1 track matches"
            text = f"only {counted(self.matching, 'track')} {verb} {wanted}"
        else:
            text = f"{shown} of {self.matching:,} tracks matching {wanted}"
        if self.without_features:
            text += f" · {self.without_features:,} without features left out"
        return text


@dataclass(frozen=True)
class Fill:
    """The suggestions that make a playlist a length (`suggest --length`, the builder's A)."""

    found: FilteredSuggestions  # the suggestions taken
    filled: Filled
    length: PlaylistLength

    def said(self) -> str:
        """"11 suggestions make the playlist 46:12 long (45:00 asked)", and when they cannot."""
        filled, length = self.filled, self.length
        total = clock(filled.total_ms / 1000)
        if length.tracks:
            asked, now = f"{length.tracks:,} asked", f"has {filled.count:,} tracks"
            made = f"{filled.count:,} tracks, {total} long"
        else:
            asked, now, made = f"{clock(length.ms / 1000)} asked", f"is {total} long", f"{total} long"
        added = counted(len(filled.taken), "suggestion")
        if filled.reached:
            return (f"{added} make the playlist {made} ({asked})" if filled.taken
                    else f"the playlist {now} already ({asked}): no suggestion added")
        filtered = bool(self.found.audio_filter)
        if not filled.taken:
            short = "no suggestion matches the filter" if filtered else "no suggestion to add"
        else:
            short = f"only {added} ({'matching the filter' if filtered else 'the most a model ranks'})"
        return f"{short}: the playlist {now}, {asked}"


class AudioService:
    """Suggestions through an audio filter, features for display, playlists in flow order."""

    def __init__(self, locations: Locations, catalog: CatalogService, playlists: PlaylistService,
                 suggester: Suggester,
                 csv_beside: Callable[[], Path | None] = lambda: None,
                 logged_in: Callable[[], bool] = lambda: False) -> None:
        self.locations = locations
        self._csv_beside = csv_beside  # FeatureService.csv_beside_the_data
        self._logged_in = logged_in  # a Spotify login that can download features
        self._catalog, self._playlists, self._suggester = catalog, playlists, suggester
        self._lock = threading.Lock()
        self._catalog_features: TrackFeatures | None = None
        self._files_read: tuple[tuple[int, int] | None, ...] = ()
        self._last_mask: tuple[AudioFilter, np.ndarray] | None = None
        self._why_none: dict[str, str] = {}

    # --- features ----------------------------------------------------------------------------
    def catalog_features(self) -> TrackFeatures:
        """The features of every catalog track, indexed by track id (read once)."""
        with self._lock:
            if self._catalog_features is None:
                self._files_read = self._features_files()  # before the read: a later write shows
                read = self._catalog.feature_matrix()
                self._catalog_features = (TrackFeatures.from_matrix(*read) if read is not None
                                          else TrackFeatures.empty(self._catalog.n_tracks()))
            return self._catalog_features

    def audio(self, track_ids: Sequence[int]) -> list[TrackAudio | None]:
        """The features of catalog tracks, for display."""
        return track_audio(self.catalog_features().take(list(track_ids)))

    def audio_of_uris(self, uris: Sequence[str]) -> list[TrackAudio | None]:
        """The features of any tracks (catalog or not), for display and exports."""
        return audio_of_uris(self.locations, uris)

    def require_features(self, features: TrackFeatures, problem: str) -> None:
        """Raises `FeaturesMissing` ("`problem`: how to get features") when none is known."""
        if features.count_known() == 0:
            raise FeaturesMissing(f"{problem}: {self.features_hint()}")

    def features_hint(self) -> str:
        """How to get audio features, naming the CSV that came with the data where one did."""
        return features_hint(self._csv_beside())

    def why_no_features(self, uri: str) -> str:
        """Why the track `uri` has no audio features, and where to get them: Spotify said it
        has none, or they were never downloaded (no login, or Spotify refused: 403) nor in a
        CSV imported. Short: the builder says it in three lines of a third of 80 columns."""
        with self._lock:
            if uri in self._why_none:
                return self._why_none[uri]
        coverage = None
        try:
            if self.locations.features_db.exists():
                with FeatureStore.open(self.locations, write=False) as store:
                    coverage = store.coverage([uri])
        except (UserError, OSError, sqlite3.Error):  # unreadable: said where features are used
            return "no audio features"
        if coverage is not None and coverage["no_features"]:
            why = "no audio features: Spotify has none for this track"
        elif coverage is not None and coverage["forbidden"]:
            why = f"no audio features: Spotify refused them (403); {SETUP_FEATURES}"
        elif not self._logged_in():
            why = f"no audio features: not downloaded (no Spotify login); {SETUP_FEATURES}"
        else:
            why = f"no audio features: not downloaded yet; {SETUP_FEATURES}"
        with self._lock:
            self._why_none[uri] = why
        return why

    def changed_elsewhere(self) -> bool:
        """Whether the features file changed since the features were read here: another
        process wrote to it (`mpdtui features --csv` in another terminal). `forget` then."""
        with self._lock:
            return (self._catalog_features is not None
                    and self._features_files() != self._files_read)

    def _features_files(self) -> tuple[tuple[int, int] | None, ...]:
        """The features database's files as they are now (SQLite writes the -wal file first)."""
        db = self.locations.features_db
        return tuple(_identity(path) for path in (db, db.with_name(db.name + "-wal")))

    def forget(self) -> None:
        """Read the features again on next use: a job changed them or the catalog."""
        with self._lock:
            self._catalog_features = None
            self._last_mask = None
            self._why_none.clear()

    # --- suggestions -------------------------------------------------------------------------
    def suggest(self, name: str, seeds: Sequence[int], audio_filter: AudioFilter,
                model: str | None = None, k: int = 50,
                exclude: Collection[int] = ()) -> FilteredSuggestions:
        """Suggestions (filtered before the top k is cut), with each track's features; none
        of `exclude` (track ids)."""
        if not audio_filter:
            found = self._suggester.suggest(name, seeds, model, k, exclude=exclude)
            return FilteredSuggestions(
                found, self.audio([s.track.id for s in found]), audio_filter, k,
                running_out=self._suggester.running_out(model, seeds, exclude, len(found), k))
        features = self.catalog_features()
        # short: the builder shows it in two lines of half an 80-column screen, "(f2)" last
        self.require_features(features, "no audio features to filter by")
        allowed = without_tracks(self._mask(audio_filter, features), exclude)
        found = self._suggester.suggest(name, seeds, model, k, allowed=allowed, exclude=exclude)
        others = np.ones(len(allowed), dtype=bool)
        others[np.asarray(list(seeds), dtype=np.int64)] = False
        return FilteredSuggestions(
            found, self.audio([s.track.id for s in found]), audio_filter, k,
            matching=int(np.count_nonzero(allowed & others)),
            without_features=len(features) - features.count_known())

    def fill(self, name: str, seeds: Sequence[int], audio_filter: AudioFilter,
             length: PlaylistLength, have: tuple[int, int] = (0, 0), model: str | None = None,
             exclude: Collection[int] = ()) -> Fill:
        """The first suggestions, in order, that make a playlist of `have` (its track count,
        its length in ms) `length` long."""
        found = self.suggest(name, seeds, audio_filter, model, FILL_CANDIDATES, exclude)
        filled = fill([s.track for s in found.suggestions], length, *have)
        taken = replace(found, suggestions=[found.suggestions[i] for i in filled.taken],
                        audio=[found.audio[i] for i in filled.taken], running_out="")
        return Fill(taken, filled, length)

    def _mask(self, audio_filter: AudioFilter, features: TrackFeatures) -> np.ndarray:
        """The tracks matching `audio_filter` (the last one is kept: typing a track's name
        or adding tracks asks again with the same filter)."""
        with self._lock:
            if self._last_mask is None or self._last_mask[0] != audio_filter:
                self._last_mask = (audio_filter, audio_filter.mask(features))
            return self._last_mask[1]

    # --- flow --------------------------------------------------------------------------------
    def order_tracks(self, track_ids: Sequence[int], direction: Direction = None,
                     stop: Callable[[], bool] | None = None) -> FlowResult:
        """A flowing order of catalog tracks (the builder's playlist); `stop` can end it
        early (`order_for_flow`)."""
        features = self.catalog_features().take(list(track_ids))
        self.require_features(features, "no audio features for these tracks")
        return order_for_flow(features, direction, stop)

    def order_saved(self, key: int | str, direction: Direction = None,
                    save: bool = True) -> tuple[SavedPlaylist, FlowResult]:
        """A saved playlist in a flowing order (stored when `save`): (the playlist as it
        was, the result)."""
        playlist = self._playlists.get(key)
        if not playlist.tracks:
            raise UserError(f"{quoted(playlist.name)} has no tracks to order: open it in the app's "
                            "builder (p) and add some")
        if len(playlist.tracks) < MIN_TRACKS:  # as the app's builder asks for three
            raise UserError(f"{quoted(playlist.name)} has {counted(len(playlist.tracks), 'track')}: "
                            f"ordering for flow needs three ({TOO_FEW}); add some in the "
                            "app's builder (p)")
        features = TrackFeatures.load(self.locations, playlist.uris)
        measured = int(np.count_nonzero(np.isfinite(features["tempo"])))
        if features.count_known() == 0:
            raise FeaturesMissing(f"no audio features for the tracks of {quoted(playlist.name)}: "
                                  f"{self._features_hint()}")
        if measured < MIN_TRACKS:
            raise FeaturesMissing(
                f"only {measured} of the {len(playlist.tracks):,} tracks of {quoted(playlist.name)} "
                f"{'has' if measured == 1 else 'have'} audio features, and ordering for flow "
                f"needs three ({TOO_FEW}): {self._features_hint()}")
        result = order_for_flow(features, direction)
        if save and result.changed:
            self._playlists.replace_tracks(playlist.id, [playlist.tracks[i] for i in result.order])
        return playlist, result

    def _features_hint(self) -> str:
        """How to get the features a playlist's tracks lack: where the catalog has some already
        (the demo's CSV, imported), importing that CSV again brings no more."""
        known = self.catalog_features().count_known()
        if not known:
            return self.features_hint()
        return (f"the features stored cover {counted(known, 'track')} of the catalog, not these: "
                "import a CSV that has them (Exportify's export of this playlist with its audio "
                "features: `mpdtui features --csv FILE`) or `mpdtui features --download`")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size
