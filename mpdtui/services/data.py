"""The cache dir's data: where it came from, whether it is ready, the demo dataset."""

from __future__ import annotations

import contextlib
import filecmp
import os
import shlex
import shutil
import tempfile
from pathlib import Path

from models.progress import ProgressCallback
from mpdtui import config, splits
from mpdtui.data.catalog import Catalog, Counts
from mpdtui.data.demo import generate_demo
from mpdtui.data.demo_files import FEATURES_CSV
from mpdtui.data.files import file_in_the_way, nearest_existing
from mpdtui.data.known_slices import adding_slices, holding, skipped_since, slices_are_ingested
from mpdtui.data.mpd import find_slices
from mpdtui.data.stats import DataStats, store_stats
from mpdtui.errors import UserError
from mpdtui.locations import Locations, expand_home, real_path, recordable
from mpdtui.pipeline.data_stages import write_demo_files
from mpdtui.pipeline.job import source_for_path
from mpdtui.pipeline.lock import current_holder
from mpdtui.pipeline.sources import (
    MPD_KIND,
    SPOTIFY_KIND,
    DataSource,
    DataState,
    DemoSpec,
    check_before_replacing,
    differing_slice,
    drops_anything,
    read_state,
    replacement_question,
    replaces,
)


class DataService:
    """Questions about the ingested data; ingesting itself is a job (`Jobs`)."""

    def __init__(self, locations: Locations) -> None:
        self.locations = locations

    def state(self) -> DataState:
        """The recorded sources, playlists and models (see `pipeline.sources`)."""
        return read_state(self.locations)

    def sources_that_added(self) -> list[DataSource]:
        """The recorded sources, the dataset first, less the MPD sources beside it that added no
        slice: a slice or folder whose slices had come with another one, a folder of copies."""
        state = self.state()
        primary = state.primary
        ordered = ([primary] if primary else []) + [s for s in state.sources if s != primary]
        if not self.locations.catalog_db.exists():
            return ordered
        with Catalog.open(self.locations) as catalog:
            added = adding_slices(catalog, [Path(source.path) for source in ordered])
        return [source for source, adds in zip(ordered, added, strict=True)
                if adds or source == primary or source.kind != MPD_KIND]

    def skipped_slices(self) -> list[tuple[str, DataSource | None]]:
        """The slices --skip-bad left out that the data still lacks, by name, each with the
        recorded source that holds it (None where none does now)."""
        if not self.locations.catalog_db.exists():
            return []
        with Catalog.open(self.locations) as catalog:
            skipped = skipped_since(catalog)
        sources = [s for s in self.state().sources if s.kind == MPD_KIND]
        return [(name, next((s for s in sources if holding(Path(s.path), {name: size})), None))
                for name, size in sorted(skipped.items())]

    def has_data(self) -> bool:
        """Whether the data is fully ingested (ready for training)."""
        if not self.locations.catalog_db.exists():
            return False
        with Catalog.open(self.locations) as catalog:
            return catalog.meta("finalized") is not None and self.locations.interactions_npz.exists()

    def unfinished_ingest(self) -> str | None:
        """What to run when slices are committed but the ingest's end (the matrices, the search
        index) is not: an ingest was interrupted (or is running: then, that it is); None
        otherwise."""
        if not self.locations.catalog_db.exists():
            return None
        with Catalog.open(self.locations) as catalog:
            if catalog.meta("finalized") is not None or not catalog.scalar(
                    "SELECT count(*) FROM slices"):
                return None
        if (writer := current_holder(self.locations)) is not None:  # running: nothing to rerun
            return (f"the data is not fully ingested yet: {writer.describe()} is writing it, and "
                    "it is ready once that ends")
        source = self.unfinished_source()
        command = ("mpdtui ingest PATH" if source is None
                   else "mpdtui ingest --demo" if source.is_demo
                   else f"mpdtui ingest {shlex.quote(source.path)}")
        return (f"the data is not fully ingested (an ingest was interrupted, or is running): "
                f"run `{command}` again to finish it")

    def unfinished_source(self) -> DataSource | None:
        """The source an interrupted ingest was reading: the first recorded one whose slices
        the catalog does not all hold (an `ingest` of another would not finish it), else the
        dataset itself; None where none is recorded."""
        state = self.state()
        if state.primary is None:
            return None
        with Catalog.open(self.locations) as catalog:
            return _unfinished_source(catalog, state)

    def holds_demo(self) -> bool:
        """Whether the ingested data is the built-in demo dataset."""
        return self.state().holds_demo()

    def replacement_question(self, path: Path | None, demo_playlists: int | None = None,
                             demo_seed: int = 0) -> str | None:
        """What ingesting `path` (None: the demo dataset, of the given size or the configured
        one) would drop, or None when it drops nothing (the same source, another MPD folder,
        an empty cache dir, one whose ingest stopped before its first playlist)."""
        state = self.state()
        spec = DemoSpec(demo_playlists, demo_seed) if demo_playlists else self.demo_spec()
        wanted = (source_for_path(self.locations, Path(path)) if path is not None
                  else DataSource.of_demo(self.locations, spec))
        return self._question(state, wanted)

    def refresh_question(self) -> str | None:
        """What ingesting the data there again (a slice of it changed since it was ingested)
        would drop, or None when it is as it was (it continues where it stopped)."""
        state = self.state()
        return self._question(state, state.primary) if state.primary is not None else None

    def _question(self, state: DataState, wanted: DataSource) -> str | None:
        """Asked where `wanted` replaces the data there: the demo for an MPD (or the other way
        round), or a slice named as one ingested but of another size (refused without)."""
        differs = differing_slice(self.locations, wanted)
        if not ((replaces(state, wanted) or differs) and drops_anything(state)):
            return None
        check_before_replacing(wanted, differs)  # asked only where it can be done
        return replacement_question(state, wanted, differs)

    def demo_spec(self) -> DemoSpec:
        settings = config.read(self.locations, check_models=False)
        return DemoSpec(settings.demo_playlists, settings.demo_seed)

    def demo_source(self, spec: DemoSpec | None = None,
                    progress: ProgressCallback | None = None) -> Path:
        """The demo dataset in the cache dir, generated on first use."""
        return write_demo_files(self.locations, spec or DemoSpec(), progress)

    def write_demo(self, out_dir: Path, playlists: int, seed: int = 0, dense: bool = False,
                   progress: ProgressCallback | None = None) -> list[Path]:
        """A demo dataset in MPD format (slices and tracks_features.csv) in `out_dir`, outside
        the cache dir; the files written."""
        _require_folder(out_dir, "give a folder to write the demo slices into (it is made "
                                 "when missing)")
        if self.locations.holds(out_dir):
            raise UserError(f"{out_dir} is in the cache dir, whose files mpdtui manages: give a "
                            "folder outside it (`mpdtui ingest --demo` makes the cache dir's own)")
        earlier = _earlier_demo_slices(out_dir)
        ingested = self._ingested_files_in(out_dir)
        if ingested:
            written = _demo_keeping(ingested, out_dir, playlists, seed, dense, progress)
        else:
            written = generate_demo(out_dir, playlists, seed, progress=progress, dense=dense)
        for stale in set(earlier) - set(written):  # of a larger demo: the folder holds this one
            stale.unlink(missing_ok=True)
        return written

    def _ingested_files_in(self, out_dir: Path) -> list[Path]:
        """The slice files directly in `out_dir` that this cache dir ingested (a demo's copied
        there, say; as the demo writes them, the same bytes again or none)."""
        folder = real_path(out_dir) if out_dir.is_dir() else None
        found = []
        for source in self.state().sources:
            if source.kind == MPD_KIND and folder is not None:
                with contextlib.suppress(UserError, OSError):  # gone or unreadable now
                    found += [s.path for s in find_slices(Path(source.path))
                              if s.member is None and s.path.parent.resolve() == folder]
        return found

    def stats(self) -> DataStats:
        """How MPD-like the ingested data is (`DataStats`: long tail, names, unknown seeds)."""
        if not self.has_data():
            raise UserError(self.unfinished_ingest()
                            or "no data yet: run `mpdtui ingest PATH` (or `--demo`) first")
        return store_stats(self.locations, splits.holdout_size, splits.SPLIT_SEED)

    def free_disk_bytes(self) -> int:
        """Free space on the disk holding the cache dir (or its nearest existing parent)."""
        return shutil.disk_usage(nearest_existing(self.locations.root)).free

    def unwritable(self) -> str | None:
        """Why mpdtui cannot write in the cache dir (or make it in its nearest existing
        parent), or None where it can."""
        folder = nearest_existing(self.locations.root)
        if not folder.is_dir() or os.access(folder, os.W_OK | os.X_OK):
            return None  # a file in the way is said where the cache dir is chosen
        with contextlib.suppress(OSError):
            if os.statvfs(folder).f_flag & os.ST_RDONLY:
                return f"{folder} is on a read-only disk"
        return f"{folder} cannot be written (permission denied)"

    def others_files(self) -> list[str]:
        """The names in a cache dir that holds none of mpdtui's own files (hidden ones left
        out): another program's folder, given by a slip, where mpdtui's files would go
        among them. Empty where it holds some of mpdtui's, or nothing."""
        try:
            names = sorted(name for name in os.listdir(self.locations.root)
                           if not name.startswith("."))
        except OSError:  # not made yet, or not readable: said otherwise
            return []
        own = self.locations.own_names()
        return [] if any(name in own for name in names) else names

    def used_disk_bytes(self) -> int:
        """What the files in the cache dir take (0 before it exists; a file removed while
        counted, by a job, is left out). SQLite's `-shm` files are left out too: the index of
        the open connections' WAL (this count's own among them), not data, gone when they
        close."""
        total = 0
        for folder, _, files in os.walk(self.locations.root):
            for name in files:
                if name.endswith("-shm"):
                    continue
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(folder, name)).st_size
        return total

    def check_source(self, path: Path) -> int:
        """How many MPD slices `path` holds; UserError naming the problem when none."""
        return len(find_slices(expand_home(recordable(path))))

    def counts(self) -> Counts:
        """Playlists, rows, tracks, artists, albums and slices ingested (zeros before any)."""
        if not self.locations.catalog_db.exists():
            return Counts(0, 0, 0, 0, 0, 0)
        with Catalog.open(self.locations) as catalog:
            return catalog.counts()


DEMO_DESCRIPTION = b"mpdtui demo dataset"  # in the "info" at the head of every demo slice


def _earlier_demo_slices(out_dir: Path) -> list[Path]:
    """The demo slices in `out_dir` already (a new demo there replaces them); UserError for a
    file the demo would write over that is not the demo's: an MPD slice, a features CSV."""
    if not out_dir.is_dir():
        return []
    slices = sorted(out_dir.glob("mpd.slice.*.json"))
    for path in slices:
        with path.open("rb") as fh:
            if DEMO_DESCRIPTION not in fh.read(1024):
                raise UserError(f"{path} is not a slice of mpdtui's demo (the MPD's own?) and the "
                                "demo writes slices of that name: give demo-data an empty or new "
                                "folder")
    features = out_dir / FEATURES_CSV
    if features.exists() and not slices:
        raise UserError(f"{features} is not beside a demo's slices (your own audio features?) "
                        "and the demo writes a file of that name: give demo-data an empty or new "
                        "folder")
    return slices


def _unfinished_source(catalog: Catalog, state: DataState) -> DataSource | None:
    """The recorded source (the demo, an MPD folder, zip or slice) whose slices the catalog
    does not all hold: the one an interrupted ingest was reading, which `ingest` of another
    source (the first one recorded, say) would not finish; else the dataset itself."""
    for source in state.sources:
        if source.kind == SPOTIFY_KIND:
            continue
        try:
            slices = find_slices(Path(source.path))
        except (UserError, OSError):  # gone or unreadable now: its command could not finish it
            continue
        if not slices_are_ingested(catalog, slices):
            return source
    return state.primary


def _require_folder(path: Path, advice: str) -> None:
    """UserError when `path`, or the nearest of its parents that exists, is not a folder."""
    blocking = file_in_the_way(path)
    if blocking is not None:
        raise UserError(f"{blocking} is a file: {advice}")


def _demo_keeping(ingested: list[Path], out_dir: Path, playlists: int, seed: int, dense: bool,
                  progress: ProgressCallback | None) -> list[Path]:
    """`generate_demo` into `out_dir`, which holds slices a cache dir ingested (`ingested`): the
    demo is written beside them first, and moved in only where it writes each of them as it
    is (the same seed: a smaller demo is the start of a larger one); else UserError, and
    nothing changes (a slice changed under the catalog stops the next `--train` of it)."""
    with tempfile.TemporaryDirectory(prefix=".mpdtui-demo-", dir=out_dir) as staging:
        made = generate_demo(Path(staging), playlists, seed, progress=progress, dense=dense)
        for path in ingested:
            new = Path(staging) / path.name
            if new.exists() and not filecmp.cmp(path, new, shallow=False):
                raise UserError(
                    f"{path} is a slice this cache dir ingested, and this demo would change it "
                    "(the next `mpdtui --train` would stop on it): give demo-data another "
                    "folder, or the --seed and --playlists that wrote it (more playlists keep "
                    "its slices that hold 1,000)")
        for path in Path(staging).iterdir():  # the slices and the features CSV
            os.replace(path, out_dir / path.name)
    return [out_dir / path.name for path in made]
