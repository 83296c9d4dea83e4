"""The composition root: builds one cache dir's services once and wires them together, so
the catalog, the saved playlists and every loaded model exist once however many services use
them. Tests and benchmarks swap a service by passing its replacement's class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from mpdtui.data.features import Coverage
from mpdtui.locations import Locations
from mpdtui.pipeline.lock import current_holder
from mpdtui.services.audio import AudioService
from mpdtui.services.catalog import CatalogService
from mpdtui.services.challenge import ChallengeService
from mpdtui.services.data import DataService
from mpdtui.services.features import FeatureService
from mpdtui.services.jobs import Jobs
from mpdtui.services.model_store import ModelStore
from mpdtui.services.playlist_files import PlaylistFiles
from mpdtui.services.playlists import PlaylistService
from mpdtui.services.preferences import Preferences
from mpdtui.services.spotify import SpotifyService
from mpdtui.services.suggester import Suggester
from mpdtui.services.training_state import TrainingState


class CacheInfo(TypedDict):
    """`Services.info`, also `mpdtui info --json` (in this order)."""

    cache_dir: str
    playlists: int
    rows: int
    tracks: int
    artists: int
    albums: int
    slices: int
    slices_skipped: list[str]
    """Slices --skip-bad left out as bad that the data still lacks (an ingest naming their
    source tries them again)."""
    data_source: str | None
    models: list[str]
    default_model: str | None
    """The model the app and `suggest` use unless told otherwise: the best evaluated one."""
    r_precision: dict[str, float]
    """Overall R-precision of the models evaluated as they are saved now."""
    models_trained_without: dict[str, int] | None
    """Playlists and tracks added since the serving models were trained (they serve on
    without them until `--train`); None when they were trained on the data as it is."""
    models_behind_on_audio: list[str]
    """Serving models that learned from other audio features than those stored now (`--train`
    trains them again, to use these)."""
    audio_gained: int | None
    """How many more tracks have audio features than those models learned from (fewer:
    negative; None where they learned from different numbers, or none is behind)."""
    training_left: list[str]
    """Models a training that did not finish was asked for and did not save (`--train`
    continues it); [] after one that finished."""
    retrains_left: list[str]
    """Saved models whose `--retrain` stopped before it saved (`TrainingState.retrains_left`)."""
    training_kept: dict[str, str]
    """Of those two lists, what the next training does with the work a stopped one kept
    (`TrainingState.kept_work`): "two_tower resumes after epoch 2 of 30"."""
    models_unservable: list[str]
    """Models saved for this data that cannot serve: another mpdtui's version, or a ranker or
    blend built on one of those or on one gone (`--train` trains them again)."""
    models_damaged: list[str]
    """Models whose saved meta.json is unreadable (`--train --models NAME` replaces them)."""
    features: Coverage | None
    disk_bytes: int
    """What the cache dir's files take."""
    writer: Writer | None
    """The job writing to the cache dir now (a training, an ingest): what it saves shows as it
    saves it, so the models listed may be the first of several; None when none writes."""


class Writer(TypedDict):
    what: str
    pid: int
    since: float
    """When it took the cache dir (seconds since the epoch)."""


@dataclass(eq=False)
class Services:
    """One cache dir's services, built by `open_services`; what both front ends call."""

    locations: Locations
    data: DataService
    catalog: CatalogService
    features: FeatureService
    models: ModelStore
    training: TrainingState
    suggester: Suggester
    audio: AudioService
    playlists: PlaylistService
    playlist_files: PlaylistFiles
    spotify: SpotifyService
    challenge: ChallengeService
    jobs: Jobs
    preferences: Preferences

    def forget_loaded(self) -> None:
        """A job changed the data: drop the catalog connection, models and features read."""
        _forget_loaded(self.models, self.audio, self.catalog)

    def forget_models(self) -> None:
        """A job saved a model: load models afresh on next use."""
        self.models.forget()

    def info(self) -> CacheInfo:
        """The cache dir at a glance: counts, data source, servable models, feature coverage."""
        primary, counts = self.data.state().primary, self.data.counts()
        behind = self.training.behind_on_audio()
        left, stopped = self.training.left_untrained(), self.training.retrains_left()
        return CacheInfo(cache_dir=str(self.locations.root), playlists=counts.playlists,
                         rows=counts.rows, tracks=counts.tracks, artists=counts.artists,
                         albums=counts.albums, slices=counts.slices,
                         slices_skipped=[name for name, _ in self.data.skipped_slices()],
                         data_source=primary.path if primary else None,
                         models=self.models.servable(), default_model=self.models.default(),
                         r_precision=self.models.scores(),
                         models_trained_without=_added(self.training.added_since_training()),
                         models_behind_on_audio=behind.models, audio_gained=behind.gained,
                         training_left=left, retrains_left=stopped,
                         training_kept=self.training.kept_work([*stopped, *left]),
                         models_unservable=self.models.unservable(),
                         models_damaged=self.models.damaged(),
                         features=self.features.coverage(),
                         disk_bytes=self.data.used_disk_bytes(), writer=_writer(self.locations))

    def close(self) -> None:
        """Close the stores opened so far (a later call opens them again)."""
        self.forget_loaded()
        self.playlists.close()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _writer(locations: Locations) -> Writer | None:
    try:
        holder = current_holder(locations)
    except OSError:  # a lock file that cannot be opened at all: no writer is known
        return None
    return None if holder is None else Writer(what=holder.what, pid=holder.pid, since=holder.since)


def _added(added: tuple[int, int] | None) -> dict[str, int] | None:
    return None if added is None else {"playlists": added[0], "tracks": added[1]}


def _forget_loaded(models: ModelStore, audio: AudioService, catalog: CatalogService) -> None:
    models.forget()
    audio.forget()
    catalog.close()


def open_services(locations: Locations, *, catalog: type[CatalogService] = CatalogService,
                  suggester: type[Suggester] = Suggester,
                  spotify: type[SpotifyService] = SpotifyService) -> Services:
    """One cache dir's services. Nothing is opened here: each store opens on first use."""
    data = DataService(locations)
    catalog_service = catalog(locations)
    models = ModelStore(locations, catalog_service)
    suggester_service = suggester(models, catalog_service)
    playlists = PlaylistService(locations, catalog_service)
    features = FeatureService(locations, catalog_service, data)
    spotify_service = spotify(locations, playlists)
    audio = AudioService(locations, catalog_service, playlists, suggester_service,
                         features.csv_beside_the_data, lambda: spotify_service.status().usable)
    jobs = Jobs(locations, lambda: _forget_loaded(models, audio, catalog_service))
    return Services(
        locations, data, catalog_service, features,
        models, TrainingState(locations, catalog_service, models), suggester_service, audio,
        playlists,
        PlaylistFiles(locations, playlists, catalog_service), spotify_service,
        ChallengeService(models, catalog_service), jobs, Preferences(locations))
