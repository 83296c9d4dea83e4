"""The application service: everything the CLI and the UI do, as plain calls.

Long work takes a progress callback and a `threading.Event` to cancel; nothing here
imports a UI toolkit. TensorFlow and implicit load only when a model that needs them is used.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from models.base import FALLBACK_MODEL, Dataset, PlaylistQuery, Reason, Recommender, link_fallbacks
from models.filtered import recommend_allowed
from models.progress import ProgressCallback
from models.registry import DEFAULT_MODELS, MODEL_NAMES, SERVING_ORDER, model_class
from mpdtui import config, training
from mpdtui.data.catalog import Catalog, Track
from mpdtui.data.demo_files import FEATURES_CSV as DEMO_FEATURES_CSV
from mpdtui.data.files import FormatVersionError
from mpdtui.data.ingest import IngestResult
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.pipeline.data_stages import write_demo_files
from mpdtui.pipeline.events import Event, StageProgress
from mpdtui.pipeline.job import JobSummary, source_for_path
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.runner import run_job
from mpdtui.pipeline.sources import (
    DataSource,
    DataState,
    DemoSpec,
    read_state,
    replacement_question,
    replaces,
)

REASON_WORDS = {"similar_playlists": "in playlists like yours", "similar_sound": "similar sound",
                "popular": "popular overall"}
SOUND_WORDS = {"duration": "length", "loudness": "loudness", "acousticness": "acoustic feel",
               "instrumentalness": "instrumental feel", "speechiness": "amount of speech",
               "valence": "mood"}
"""How a feature whose distance to the seeds moved a suggestion up is named."""
if TYPE_CHECKING:
    from mpdtui.audio_service import AudioService
    from mpdtui.data.saved_playlists import PlaylistSummary, SavedPlaylist, SavedPlaylists, TrackEntry
    from mpdtui.data.stats import DataStats
    from mpdtui.spotify.auth import LoginStatus
    from mpdtui.spotify.export import ExportResult


@dataclass(frozen=True)
class Suggestion:
    track: Track
    score: float
    reason: str


class AppService:
    """One cache directory's data, models and settings."""

    def __init__(self, locations: Locations) -> None:
        self.locations = locations
        self._lock = threading.RLock()
        self._models: dict[str, Recommender] = {}
        self._data: Dataset | None = None
        self._catalog: Catalog | None = None
        self._saved_playlists: SavedPlaylists | None = None  # opened on first use
        self._servable: list[str] | None = None
        self._audio: AudioService | None = None  # made on first use

    # --- settings ------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return config.read_raw(self.locations)

    def update_config(self, **changes: Any) -> None:
        config.update(self.locations, **changes)

    # --- data ----------------------------------------------------------------------------
    def data_state(self) -> DataState:
        """The recorded sources, playlists and models (see `pipeline.sources`)."""
        return read_state(self.locations)

    def has_data(self) -> bool:
        """Whether the data is fully ingested (ready for training)."""
        if not self.locations.catalog_db.exists():
            return False
        with Catalog.open(self.locations) as catalog:
            return catalog.meta("finalized") is not None and self.locations.interactions_npz.exists()

    def holds_demo(self) -> bool:
        """Whether the ingested data is the built-in demo dataset."""
        return self.data_state().holds_demo()

    def replacement_question(self, path: Path | None, demo_playlists: int | None = None,
                             demo_seed: int = 0) -> str | None:
        """What ingesting `path` (None: the demo dataset, of the given size or the configured
        one) would drop, or None when it drops nothing (the same source, another MPD folder,
        an empty cache dir)."""
        state = self.data_state()
        spec = DemoSpec(demo_playlists, demo_seed) if demo_playlists else self.demo_spec()
        wanted = (source_for_path(self.locations, Path(path)) if path is not None
                  else DataSource.of_demo(self.locations, spec))
        return replacement_question(state, wanted) if replaces(state, wanted) else None

    def demo_spec(self) -> DemoSpec:
        settings = config.read(self.locations)
        return DemoSpec(settings.demo_playlists, settings.demo_seed)

    def demo_source(self, spec: DemoSpec | None = None,
                    progress: ProgressCallback | None = None) -> Path:
        """The demo dataset in the cache dir, generated on first use."""
        return write_demo_files(self.locations, spec or DemoSpec(), progress)

    def run(self, request: JobRequest, progress: Callable[[Event], None] | None = None,
            cancel: threading.Event | None = None) -> JobSummary:
        """Run a job in this process (callers that own it: tests, benchmarks; the front ends
        run jobs in a job process, `pipeline.client`)."""
        try:
            return run_job(self.locations, request, progress or (lambda event: None), cancel)
        finally:  # even a cancelled job may have changed the data or the models
            self._close_data()

    def ingest(self, source: Path, skip_bad: bool = False,
               progress: Callable[[Event], None] | None = None,
               cancel: threading.Event | None = None, replace: bool = False) -> IngestResult:
        """Ingest an MPD source (the rules of `pipeline.sources`); `progress` gets the ingest
        stage's progress events."""

        def ingest_progress(event: Event) -> None:
            if progress is not None and isinstance(event, StageProgress) and event.stage == "ingest":
                progress(event)

        summary = self.run(JobRequest("data", source=str(source), skip_bad=skip_bad,
                                      replace=replace), ingest_progress, cancel)
        done = summary.ingest or {}
        return IngestResult(done.get("ingested", 0), done.get("already_done", 0),
                            done.get("playlists", 0), done.get("rows", 0),
                            [tuple(s) for s in done.get("skipped", [])])

    def _close_data(self) -> None:
        self._forget_loaded()
        with self._lock:
            self._audio = None  # the features or the catalog may have changed
            if self._catalog is not None:
                self._catalog.close()
                self._catalog = None

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"cache_dir": str(self.locations.root)}
        if self.locations.catalog_db.exists():
            with Catalog.open(self.locations) as catalog:
                counts = catalog.counts()
            info.update(playlists=counts.playlists, rows=counts.rows, tracks=counts.tracks,
                        artists=counts.artists, albums=counts.albums, slices=counts.slices)
        else:
            info.update(playlists=0, rows=0, tracks=0, artists=0, albums=0, slices=0)
        primary = self.data_state().primary
        info["data_source"] = primary.path if primary else None
        info["models"] = self.servable_models()
        info["features"] = self.feature_coverage()
        return info

    def data_stats(self) -> DataStats:
        """How MPD-like the ingested data is (`DataStats`: long tail, names, unknown seeds)."""
        from mpdtui.data.stats import store_stats

        if not self.has_data():
            raise UserError("no data yet: run `mpdtui ingest PATH` (or `--demo`) first")
        return store_stats(self.locations, training.holdout_size, training.SPLIT_SEED)

    def feature_coverage(self) -> dict[str, Any] | None:
        """How many catalog tracks have audio features, by source (None before any import)."""
        if not self.locations.features_db.exists() or not self.locations.catalog_db.exists():
            return None
        from mpdtui.data.features import FeatureStore

        with FeatureStore.open(self.locations, write=False) as store:
            return store.coverage(self.catalog().track_uris())

    # --- features ----------------------------------------------------------------------------
    def import_features_csv(self, path: Path, progress: Callable[[Event], None] | None = None,
                            cancel: threading.Event | None = None) -> str:
        """Import a features CSV (either public layout); returns a one-line summary."""
        summary = self.run(JobRequest("features", features_csv=(str(path),), download="no"),
                           progress, cancel)
        return summary.features[-1]

    def demo_features_csv(self) -> Path | None:
        """The demo dataset's features CSV, when the demo is the data and it was not imported."""
        csv_path = self.locations.demo_dir / DEMO_FEATURES_CSV
        if self.holds_demo() and csv_path.exists() and not self.locations.features_db.exists():
            return csv_path
        return None

    def forget_loaded(self) -> None:
        """Drop the catalog connection, loaded models and data: a job changed the data."""
        self._close_data()

    def forget_models(self) -> None:
        """Drop loaded models and the list of servable ones: a job saved a model."""
        self._forget_loaded()

    def _forget_loaded(self) -> None:
        with self._lock:
            self._models.clear()
            self._data = None
            self._servable = None

    @property
    def audio(self) -> AudioService:
        """Audio-aware building: filtered suggestions, features, flow."""
        from mpdtui.audio_service import AudioService

        with self._lock:
            if self._audio is None:
                self._audio = AudioService(self)
            return self._audio

    # --- models ----------------------------------------------------------------------------
    def servable_models(self) -> list[str]:
        """Trained models that match the current data, in the order of `MODEL_NAMES`.

        Kept until this service ingests, imports features or trains: every suggestion asks.
        """
        with self._lock:
            if self._servable is None:
                self._servable = self._find_servable_models()
            return list(self._servable)

    def _find_servable_models(self) -> list[str]:
        split = training.current_split(self.locations)
        if split is None:
            return []
        return [name for name in MODEL_NAMES
                if training.saved_model_fingerprint(self.locations, name) == split.fingerprint]

    def models_signature(self) -> tuple[float, ...]:
        """Changes when a model is saved (by any process): the builder polls it."""
        times = []
        for name in MODEL_NAMES:
            try:
                times.append((self.locations.model_dir(name) / "meta.json").stat().st_mtime)
            except OSError:
                times.append(0.0)
        return tuple(times)

    def default_model(self) -> str | None:
        """The servable model that scored best in the evaluation of this data (overall
        R-precision); without one, the first of `SERVING_ORDER` that is servable."""
        servable = self.servable_models()
        scores = self._evaluated_scores()
        if scores and any(name in scores for name in servable):
            return max((n for n in servable if n in scores), key=lambda n: scores[n])
        return next((name for name in SERVING_ORDER if name in servable), None)

    def _evaluated_scores(self) -> dict[str, float]:
        try:
            report = training.load_report(self.locations)
        except FormatVersionError:
            return {}
        split = training.current_split(self.locations)
        if not report or split is None or report.get("fingerprint") != split.fingerprint:
            return {}
        return {name: float(result["overall"]["r_precision"])
                for name, result in report.get("models", {}).items()}

    def model(self, name: str) -> Recommender:
        """A trained model, loaded once and kept (thread-safe); one built on others shares
        them with the service (they are in memory once)."""
        with self._lock:
            if name not in self._models:
                needed = model_class(name)().components_needed()
                loaded = {n: self.model(n) for n in needed}
                model = training.load_model(self.locations, name, self.training_data(), loaded)
                if FALLBACK_MODEL in self.servable_models() and name != FALLBACK_MODEL:
                    link_fallbacks({name: model, FALLBACK_MODEL: self.model(FALLBACK_MODEL)})
                self._models[name] = model
            return self._models[name]

    def training_data(self) -> Dataset:
        """The training split the models learned from (loaded once)."""
        if self._data is None:
            split = training.current_split(self.locations)
            if split is None:
                raise UserError("the data changed since the models were trained: train them "
                                "again (`mpdtui --train`, or the setup's training step)")
            self._data = training.training_dataset(self.locations, split)
        return self._data

    def train(self, models: Sequence[str] | None = None,
              progress: Callable[[Event], None] | None = None,
              cancel: threading.Event | None = None, retrain: bool = False) -> training.TrainResult:
        """The whole pipeline (data already there, else the demo), training `models`."""
        summary = self.run(JobRequest("setup", models=tuple(models) if models else None,
                                      retrain=retrain), progress, cancel)
        return training.TrainResult(summary.trained, summary.reused, summary.report)

    def evaluation(self) -> dict[str, Any] | None:
        return training.load_report(self.locations)

    # --- the builder -----------------------------------------------------------------------
    def catalog(self) -> Catalog:
        with self._lock:
            if self._catalog is None:
                self._catalog = Catalog.open(self.locations)
            return self._catalog

    def search(self, text: str, limit: int = 50) -> list[Track]:
        return self.catalog().search(text, limit)

    def resolve_uris(self, uris: Sequence[str]) -> list[int]:
        """Track ids of the URIs the catalog knows (unknown ones are skipped)."""
        return [i for i in self.catalog().track_ids(uris) if i is not None]

    def suggest(self, name: str, seeds: Sequence[int], model: str | None = None,
                k: int = 50, allowed: np.ndarray | None = None) -> list[Suggestion]:
        """Suggestions for a playlist being built, each with a short reason; only tracks where
        `allowed` (a mask by track id) is True when it is given."""
        model_name = model or self.default_model()
        if model_name is None:
            raise UserError("no trained model yet: run `mpdtui --train` (or the setup's training step)")
        query = PlaylistQuery.of(name, seeds)
        recommender = self.model(model_name)  # falls back when it must
        ranked = (recommender.recommend(query, k) if allowed is None
                  else recommend_allowed(recommender, query, k, allowed))
        tracks = self.catalog().tracks(ranked.ids.tolist())
        # the model's own reasons; with nothing usable the fallback said who answered instead
        reasons = ([ranked.fallback] * len(tracks) if ranked.fallback
                   else self._words(query, recommender.explain(query, ranked.ids)))
        return [Suggestion(track, float(score), reason)
                for track, score, reason in zip(tracks, ranked.scores.tolist(), reasons, strict=True)]

    def _words(self, query: PlaylistQuery, reasons: Sequence[Reason]) -> list[str]:
        """A model's reasons (`models.base.Reason`) in words."""
        seeds = {t.id: t.name for t in self.catalog().tracks(
            [r.seed for r in reasons if r.seed is not None])}
        name = query.name.strip()

        def words(reason: Reason) -> str:
            if reason.kind == "often_with" and reason.seed in seeds:
                return f"often with {seeds[reason.seed]}"
            if reason.kind in ("same_artist", "same_album") and reason.count:
                what = reason.kind.removeprefix("same_")
                of = "one" if reason.count == 1 else str(reason.count)
                return f"same {what} as {of} of your tracks"
            if reason.kind == "fits_name" and name:
                return f"fits the name '{name}'"
            if reason.kind == "similar_sound" and reason.feature:
                return f"similar {SOUND_WORDS.get(reason.feature, reason.feature)}"
            return REASON_WORDS.get(reason.kind, "in playlists like yours")

        return [words(reason) for reason in reasons]

    # --- used by the app (tui) ---
    # Thin calls for the Textual app; each delegates to the module that owns the work.
    def trainable_models(self) -> tuple[str, ...]:
        """Every model `train` knows, in training order."""
        return DEFAULT_MODELS

    def free_disk_bytes(self) -> int:
        """Free space on the disk holding the cache dir (or its nearest existing parent)."""
        folder = self.locations.root
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        return shutil.disk_usage(folder).free

    def check_source(self, path: Path) -> int:
        """How many MPD slices `path` holds; UserError naming the problem when none."""
        from mpdtui.data.mpd import find_slices

        return len(find_slices(Path(path).expanduser()))

    def tracks(self, ids: Sequence[int]) -> list[Track]:
        return self.catalog().tracks(list(ids))

    def _playlists(self) -> SavedPlaylists:
        from mpdtui.data.saved_playlists import SavedPlaylists

        with self._lock:
            if self._saved_playlists is None:
                self._saved_playlists = SavedPlaylists.open(self.locations.ensure())
            return self._saved_playlists

    def list_playlists(self) -> list[PlaylistSummary]:
        """Saved playlists (`PlaylistSummary`), most recently changed first."""
        return self._playlists().list()

    def get_playlist(self, key: int | str) -> SavedPlaylist:
        """One saved playlist (`SavedPlaylist`) by id or name."""
        return self._playlists().get(key)

    def playlist_tracks(self, key: int | str) -> list[Track]:
        """A saved playlist's tracks that the catalog knows, in order."""
        return self.tracks(self.resolve_uris(self.get_playlist(key).uris))

    def save_playlist(self, name: str, tracks: Sequence[Track]) -> SavedPlaylist:
        """Create playlist `name` or replace its tracks; durable when this returns."""
        from mpdtui.data.saved_playlists import TrackEntry

        entries = [TrackEntry(t.uri, t.name, t.artist_name, t.duration_ms) for t in tracks]
        return self._playlists().save(name, entries)

    def replace_playlist_tracks(self, key: int | str, entries: Sequence[TrackEntry]) -> SavedPlaylist:
        """Give a saved playlist these tracks (`TrackEntry`s, e.g. its own in a new order)."""
        return self._playlists().set_tracks(key, entries)

    def rename_playlist(self, key: int | str, new_name: str) -> SavedPlaylist:
        return self._playlists().rename(key, new_name)

    def duplicate_playlist(self, key: int | str) -> SavedPlaylist:
        return self._playlists().duplicate(key)

    def delete_playlist(self, key: int | str) -> None:
        self._playlists().delete(key)

    def export_playlist_file(self, key: int | str, fmt: str, folder: Path) -> Path:
        """Write a saved playlist as "m3u", "json" or "csv" into `folder`; the file's path."""
        from mpdtui.exporting import default_path, export_file

        playlist = self.get_playlist(key)
        return export_file(playlist, fmt, Path(folder) / default_path(playlist, fmt),
                           audio=self.audio.audio_of_uris(playlist.uris))

    def export_playlist_spotify(self, key: int | str, progress: ProgressCallback | None = None,
                                cancel: threading.Event | None = None) -> ExportResult:
        """Export a saved playlist to the logged-in Spotify account (`ExportResult`)."""
        from mpdtui.spotify.client import open_client
        from mpdtui.spotify.export import export_to_spotify

        return export_to_spotify(self._playlists(), key, open_client(self.locations),
                                 progress=progress, cancel=cancel)

    def spotify_status(self) -> LoginStatus:
        """The stored Spotify login (`LoginStatus`); no network."""
        from mpdtui.spotify import auth

        return auth.status(self.locations)

    def spotify_client_id(self) -> str | None:
        from mpdtui.spotify.settings import resolve_client_id

        return resolve_client_id(self.locations, previous=self.spotify_status().client_id)

    def spotify_login(self, client_id: str, *, on_url: Callable[[str], None] | None = None,
                      paste: Callable[[], str] | None = None, open_browser: bool = True,
                      cancel: threading.Event | None = None,
                      port: int | None = None) -> LoginStatus:
        """PKCE login (remembering the client id); the new `LoginStatus`. `port` of the
        redirect catcher: None for the registered default, 0 for any free one (tests)."""
        import webbrowser

        from mpdtui.spotify import auth
        from mpdtui.spotify.settings import CONFIG_CLIENT_ID_KEY

        client_id = client_id.strip()
        if not client_id:
            raise UserError("enter the client id of your Spotify app first")
        self.update_config(**{CONFIG_CLIENT_ID_KEY: client_id})
        return auth.login(self.locations, client_id, on_url=on_url, paste=paste,
                          open_url=webbrowser.open if open_browser else None, cancel=cancel,
                          port=auth.DEFAULT_PORT if port is None else port)
