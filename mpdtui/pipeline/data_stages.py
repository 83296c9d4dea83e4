"""The data stages: the source, the demo files, ingest, audio features, the training split,
and the import of the user's own Spotify playlists.

Each knows whether its output is current for the job's data (`Stage.is_done`); the order
they run in is `mpdtui.pipeline.stages`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.dataset import rows_with_audio
from models.progress import Progress, ProgressCallback, check_cancel, report
from mpdtui import splits, training
from mpdtui.data.catalog import Catalog
from mpdtui.data.catalog_seen import catalog_if_any, import_once
from mpdtui.data.demo import generate_demo
from mpdtui.data.demo_files import FEATURES_CSV
from mpdtui.data.files import read_json, write_json
from mpdtui.data.ingest import IngestResult, ingest
from mpdtui.data.known_slices import (
    forget_if_nothing_came,
    known_names,
    names_in,
    only_skipped_left,
    refuse_changed_slices,
    remember_skipped,
    slices_are_ingested,
    unfinished,
)
from mpdtui.data.matrices import matrices_are_current
from mpdtui.data.mpd import find_slices
from mpdtui.data.mpd_validation import SliceError
from mpdtui.errors import UserError
from mpdtui.locations import Locations, expand_home
from mpdtui.pipeline.display import counted
from mpdtui.pipeline.events import Notice, StageProgress
from mpdtui.pipeline.job import DEMO_MARKER_FORMAT, Job, Stage
from mpdtui.pipeline.search_upkeep import bring_search_up_to_date
from mpdtui.pipeline.sources import (
    DataSource,
    DataState,
    DemoSpec,
    check_before_replacing,
    differing_slice,
    drop_playlists,
    read_state,
)


class SourceStage(Stage):
    """Record the source in the catalog (after dropping the data it replaces). As the first
    data stage, it brings a catalog kept from an earlier mpdtui up to date before anything
    else writes it (`bring_search_up_to_date`), whether it runs or is skipped."""

    name, title = "source", "data source"

    def is_done(self, job: Job) -> bool:
        plan = job.plan()
        return not (plan.record or plan.replace)

    def run(self, job: Job) -> str:
        plan = job.plan()
        assert plan.source is not None
        if plan.replace:
            check_before_replacing(plan.source, differing_slice(job.locations, plan.source))
            drop_playlists(job.locations)
        else:
            bring_search_up_to_date(job)
        with Catalog.create_or_open(job.locations) as catalog:
            if not plan.source.is_demo:  # refused before it is recorded, not after
                refuse_changed_slices(catalog, find_slices(Path(plan.source.path)))
            catalog.add_source(plan.source.to_json())
        return f"using {plan.source.describe()}"

    def skip(self, job: Job) -> str:
        bring_search_up_to_date(job)
        source = job.plan().source
        return f"using {source.describe()}" if source else "using the data there"


class DemoStage(Stage):
    """Generate the demo dataset's files into the cache dir (when it is the source)."""

    name, title = "demo", "demo data"

    def is_done(self, job: Job) -> bool:
        source = job.plan().source
        return source is None or not source.is_demo or demo_files_ready(job.locations, source.demo)

    def run(self, job: Job) -> str:
        source = job.plan().source
        assert source is not None and source.demo is not None
        write_demo_files(job.locations, source.demo, job.progress(self.name, "slices"),
                         job.cancel)
        return f"{source.demo.playlists:,} playlists"

    def skip(self, job: Job) -> str:
        source = job.plan().source
        return "ready" if source is not None and source.is_demo else "not used"


def demo_files_ready(locations: Locations, spec: DemoSpec | None) -> bool:
    marker = read_json(locations.demo_dir / "demo.json", DEMO_MARKER_FORMAT, 1,
                       f"delete {locations.demo_dir}")
    return bool(marker and spec is not None and DemoSpec.from_json(marker) == spec)


def write_demo_files(locations: Locations, spec: DemoSpec, progress: ProgressCallback | None = None,
                     cancel: threading.Event | None = None) -> Path:
    """The demo dataset in the cache dir (its marker written last: a cut run starts over)."""
    import shutil

    folder = locations.demo_dir
    if demo_files_ready(locations, spec):
        return folder
    shutil.rmtree(folder, ignore_errors=True)

    def on_slice(slices: Progress) -> None:
        if progress is not None:
            progress(slices)
        check_cancel(cancel)

    generate_demo(folder, spec.playlists, spec.seed, progress=on_slice,
                  dense=spec.generator == 1)  # resuming a demo the first generator made
    write_json(folder / "demo.json", DEMO_MARKER_FORMAT, 1, spec.to_json())
    return folder


class IngestStage(Stage):
    """Every slice of the sources not in the catalog yet, then the matrices."""

    name, title = "ingest", "ingest"

    def _paths(self, job: Job) -> list[Path]:
        """The source asked for, and (unless it replaces them) the recorded ones: an ingest of
        one stopped midway is finished by any ingest, not only by one naming it (`ingest SLICE`
        of a slice in before its folder stopped marked the data finished without the rest)."""
        recorded = [Path(s.path) for s in read_state(job.locations).sources
                    if s.kind != "spotify" and Path(s.path).exists()]
        if (asked := self._asked(job)) is None:
            return recorded
        return [asked] if job.plan().replace else [asked, *unfinished(job.locations, recorded, asked)]

    def _asked(self, job: Job) -> Path | None:
        """The source this job names; None when it resumes (or refreshes) the recorded ones."""
        plan = job.plan()
        if plan.source is None or not (plan.record or job.request.source or job.request.demo):
            return None
        return Path(plan.source.path)

    def is_done(self, job: Job) -> bool:
        if not job.locations.catalog_db.exists():
            return False
        with Catalog.open(job.locations) as catalog:
            if not matrices_are_current(job.locations, catalog):
                return False
            asked = self._asked(job)  # a recorded source's slices --skip-bad left out stay out
            return all(slices_are_ingested(catalog, find_slices(path), skipped_too=path != asked)
                       for path in self._paths(job))

    def run(self, job: Job) -> str:
        paths = self._paths(job)
        if not paths:
            _resume_impossible(job)
        total, there_before = IngestResult(), known_names(job.locations)
        relay, asked = job.progress(self.name, "slices"), self._asked(job)
        for path in paths:  # a recorded source's slices --skip-bad left out are skipped again
            skip_bad = job.request.skip_bad or (path != asked and only_skipped_left(job.locations, path))
            try:
                result = ingest(job.locations, path, skip_bad, progress=relay, cancel=job.cancel,
                                resumed=path != asked)
            except SliceError:
                forget_if_nothing_came(job.locations, path)
                raise
            if result.skipped and not result.ingested:  # --skip-bad left nothing of it
                forget_if_nothing_came(job.locations, path)
            total.ingested += result.ingested
            total.playlists += result.playlists
            total.rows += result.rows
            total.skipped += result.skipped
            total.copies += result.copies
            remember_skipped(job.locations, path, [label for label, _ in result.skipped])
        total.already_done = len(names_in(paths) & there_before)  # a slice in two paths: once
        job.summary.ingest = {"ingested": total.ingested, "already_done": total.already_done,
                              "playlists": total.playlists, "rows": total.rows,
                              "skipped": [list(s) for s in total.skipped],
                              "copies": [list(c) for c in total.copies]}
        new = "1 new slice" if total.ingested == 1 else f"{total.ingested} new slices"
        copies = len(total.copies)
        copies_said = f", {copies} {'copy' if copies == 1 else 'copies'} not added" if copies else ""
        return f"{new}, {total.already_done} already there{copies_said}"

    def skip(self, job: Job) -> str:
        there = len(names_in(self._paths(job)))
        job.summary.ingest = {"ingested": 0, "already_done": there, "playlists": 0, "rows": 0,
                              "skipped": [], "copies": []}
        return "data ready"


def _resume_impossible(job: Job) -> None:
    state: DataState = read_state(job.locations)
    missing = ", ".join(s.path for s in state.sources if s.kind != "spotify")
    raise UserError(f"the ingest of {missing or 'the data'} was interrupted and it is gone: put "
                    "it back and run the same command, or ingest other data with --replace")


class FeaturesStage(Stage):
    """Audio features: the CSV files asked for (the demo's own), and a download from Spotify."""

    name, title = "features", "audio features"

    def _csv_files(self, job: Job) -> list[Path]:
        files = [expand_home(f) for f in job.request.features_csv]
        demo_csv = job.locations.demo_dir / FEATURES_CSV
        holds_demo = read_state(job.locations).holds_demo()
        if (not files and job.request.demo_features and holds_demo and demo_csv.exists()
                and not job.locations.features_db.exists()):
            files.append(demo_csv)
        return files

    def _download(self, job: Job) -> bool:
        wanted = job.request.download
        if wanted == "no" or (wanted == "if_logged_in" and not _logged_in(job.locations)):
            return False
        if not job.locations.catalog_db.exists():
            if wanted == "yes":
                raise UserError(f"no catalog in {job.locations.root} yet: ingest data first "
                                "(`mpdtui ingest PATH`, or the app's data step)")
            return False
        return True

    def is_done(self, job: Job) -> bool:
        return not self._csv_files(job) and not self._download(job)

    def run(self, job: Job) -> str:
        from mpdtui.data.features import FeatureStore

        outcomes = []
        relay = job.progress(self.name, "bytes")
        csv_files = self._csv_files(job)  # before opening the store makes its file: the demo's
        # CSV is imported only while there is none. No CSV, no store opened here: a download
        # refused (no login) left an empty one, and the CSV beside the data was offered no more
        if csv_files:
            with FeatureStore.open(job.locations.ensure()) as store, \
                    contextlib.ExitStack() as stack:
                catalog = catalog_if_any(job.locations, stack)
                for path in csv_files:  # the front ends print the outcomes from the summary
                    outcome, other_data = import_once(
                        store, path, catalog, again=job.request.goal == "features",
                        progress=relay, cancel=job.cancel)
                    outcomes.append(outcome)
                    job.summary.other_data_csv.extend([other_data] if other_data else [])
        if self._download(job):
            outcomes.append(self._download_or_go_on(job))
        with_audio = _keep_feature_matrix(job)
        if job.request.goal == "features" and with_audio is not None:  # `--train` trains them
            behind = training.behind_on_audio(job.locations, lambda: with_audio)
            job.summary.behind_on_audio, job.summary.audio_gained = behind.models, behind.gained
        job.summary.features = outcomes
        return outcomes[-1] if outcomes else "nothing to do"

    def skip(self, job: Job) -> str:
        return "imported" if job.locations.features_db.exists() else "none (optional)"

    @staticmethod
    def _download_or_go_on(job: Job) -> str:
        """The download; where it runs only because there is a login (`--train`, the app's
        training), Spotify failing it (offline, a login revoked) leaves the features as they
        are and the job goes on: they are optional, the models are what was asked for."""
        from mpdtui.spotify.errors import SpotifyError

        try:
            return _download(job)
        except SpotifyError as exc:
            if job.request.download == "yes":
                raise
            return f"not downloaded, the training goes on without them: {exc}"


def _keep_feature_matrix(job: Job) -> int | None:
    """Read the catalog's features now, in the job, so that the next suggestion takes them
    from the copy this read keeps (seconds at the MPD's scale) instead of from SQLite. The
    features are stored either way: a catalog that cannot be read here only leaves it undone
    (None; else how many of its tracks have features)."""
    from mpdtui.data.track_features import catalog_feature_matrix

    locations = job.locations
    if not locations.catalog_db.exists():
        return None
    report(job.progress("features"), "features", 0, None, "reading them for suggestions")
    with contextlib.suppress(UserError, sqlite3.Error, OSError), Catalog.open(locations) as catalog:
        matrix, _ = catalog_feature_matrix(locations, catalog.n_tracks(), catalog.track_uris)
        return rows_with_audio(matrix)
    return None


def _logged_in(locations: Locations) -> bool:
    from mpdtui.spotify import auth

    return auth.status(locations).logged_in


def _download(job: Job) -> str:
    from mpdtui.spotify.download import download

    # what the first answer waits for (its heartbeat said only "features: 1 s")
    job.heartbeat.send(StageProgress("features", 0, None, "tracks",
                                     "asking Spotify for audio features"))
    with Catalog.open(job.locations) as catalog:
        uris = catalog.track_uris(by_popularity=True)
    relay = job.progress("features", "tracks")

    def forward(report: Progress) -> None:
        kind = getattr(report, "kind", "batch")
        if kind in ("rate_limited", "retry", "forbidden", "notice"):
            job.emit(Notice("features", report.message, float(getattr(report, "wait_s", 0.0))))
        else:
            relay(report)

    result = download(job.locations, uris, progress=forward, cancel=job.cancel,
                      retry_forbidden=job.request.retry_forbidden,
                      csv_file=read_state(job.locations).features_csv(job.locations))
    return result.describe()


class SplitStage(Stage):
    """Hold out the evaluation playlists (deterministically); models train on the rest."""

    name, title = "split", "training split"

    def is_done(self, job: Job) -> bool:
        return splits.current_split(job.locations) is not None

    def run(self, job: Job) -> str:
        split = job.split()
        return f"{len(split.train_rows):,} training playlists"

    def skip(self, job: Job) -> str:
        return "ready"


class SpotifyImportStage(Stage):
    """The user's own Spotify playlists: saved playlists, and an extra slice of training data."""

    name, title = "spotify", "Spotify import"

    def is_done(self, job: Job) -> bool:
        return False

    def run(self, job: Job) -> str:
        from mpdtui.data.saved_playlists import SavedPlaylists
        from mpdtui.spotify.client import open_client
        from mpdtui.spotify.export import import_own_playlists
        from mpdtui.spotify.fetched import FetchedPlaylists

        relay = job.progress(self.name, "playlists")

        def on_wait(wait: Any) -> None:
            job.emit(Notice(self.name, wait.message, float(wait.seconds)))

        client = open_client(job.locations.ensure(), on_wait=on_wait)
        # what a slow first answer waits for (its heartbeat said only "spotify: 5 s")
        job.heartbeat.send(StageProgress(self.name, 0, None, "playlists",
                                         "asking Spotify for your playlists"))
        ingest = _spotify_ingester(job) if job.request.spotify_training else None
        with SavedPlaylists.open(job.locations) as playlists:
            result = import_own_playlists(
                client, playlists, ingest=ingest, progress=relay, cancel=job.cancel,
                kept=FetchedPlaylists(job.locations.spotify_import_fetched))
        job.summary.spotify = {
            "user": result.user_id, "imported": result.imported, "tracks": result.tracks,
            "created": result.created, "updated": result.updated,
            "skipped_empty": result.skipped_empty, "skipped_not_own": result.skipped_not_own,
            "skipped_exported": result.skipped_exported, "left_out": result.left_out}
        return counted(result.imported, "playlist")


def _spotify_ingester(job: Job) -> Callable[[list[dict[str, Any]], str], None]:
    from mpdtui.data.ingest import ingest_playlists

    def add(playlists: list[dict[str, Any]], source_name: str) -> None:
        with Catalog.create_or_open(job.locations) as catalog:
            catalog.add_source(DataSource("spotify", source_name).to_json())
        ingest_playlists(job.locations, playlists, source_name)

    return add
