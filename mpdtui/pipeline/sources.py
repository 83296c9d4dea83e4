"""Where the cache dir's playlists come from, and the rules for changing it.

The catalog's manifest records the sources (`Catalog.sources`) before their first slice is
ingested, so "is there data" and "what is it" are answered by the catalog itself: an
interrupted ingest of a folder is resumed by the next `ingest` or `--train`, never replaced
by the demo (a source refused for a bad slice before any of its slices came in is forgotten).
The rules, in one place:

- no source recorded: the requested one, or the built-in demo dataset when none is named;
- the recorded one again: resume it (new slices are appended); with `--replace`, where one
  of its slices changed since it was ingested, ingest it again as it is now;
- another MPD folder next to an MPD folder: added to it;
- anything else (the demo for an MPD folder, an MPD folder for the demo, another demo size):
  a replacement, done only when asked for (`--replace`, or the app's confirmation), which drops
  the playlists and everything derived from them and keeps saved playlists, audio features,
  the Spotify login and the settings; without a question when an ingest stopped before its
  first playlist, since then only its record goes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.model_dir import META_JSON
from models.npz_arrays import stamp_path
from mpdtui.config import read_raw
from mpdtui.data.catalog import Catalog
from mpdtui.data.demo import DEFAULT_PLAYLISTS, GENERATOR_VERSION
from mpdtui.data.demo_files import FEATURES_CSV as DEMO_FEATURES_CSV
from mpdtui.data.files import read_json
from mpdtui.data.known_slices import known_slices
from mpdtui.data.mpd import find_slices
from mpdtui.data.mpd_validation import parse_slice
from mpdtui.errors import UserError
from mpdtui.locations import Locations, real_path

DEMO_KIND, MPD_KIND, SPOTIFY_KIND = "demo", "mpd", "spotify"
LEGACY_CONFIG_KEY = "data_source"
FEATURES_CSV_NAMES = (DEMO_FEATURES_CSV, "dataset.csv")
"""The public features files, as they are named (Kaggle's 1.2M-song and 114k-track files)."""
"""Where versions before the manifest kept the data source (config.json)."""


@dataclass(frozen=True)
class DemoSpec:
    playlists: int = DEFAULT_PLAYLISTS
    seed: int = 0
    generator: int = GENERATOR_VERSION
    """Which generator made it (`demo.GENERATOR_VERSION`): recorded before it was 1."""

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> DemoSpec:
        return cls(int(raw.get("playlists", DEFAULT_PLAYLISTS)), int(raw.get("seed", 0)),
                   int(raw.get("generator", 1)))

    def to_json(self) -> dict[str, int]:
        return {"playlists": self.playlists, "seed": self.seed, "generator": self.generator}


@dataclass(frozen=True)
class DataSource:
    """One recorded source: an MPD folder/zip/slice, the demo dataset, or a Spotify import."""

    kind: str
    path: str
    demo: DemoSpec | None = None

    @classmethod
    def mpd(cls, path: Path) -> DataSource:
        return cls(MPD_KIND, str(real_path(path)))

    @classmethod
    def of_demo(cls, locations: Locations, spec: DemoSpec) -> DataSource:
        return cls(DEMO_KIND, str(real_path(locations.demo_dir)), spec)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> DataSource:
        spec = raw.get("demo")
        return cls(str(raw["kind"]), str(raw["path"]), DemoSpec.from_json(spec) if spec else None)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"kind": self.kind, "path": self.path}
        if self.demo is not None:
            document["demo"] = self.demo.to_json()
        return document

    @property
    def is_demo(self) -> bool:
        return self.kind == DEMO_KIND

    def describe(self) -> str:
        if self.demo is not None:
            return f"the demo dataset ({self.demo.playlists:,} playlists, seed {self.demo.seed})"
        return self.path


@dataclass(frozen=True)
class DataState:
    """What the cache dir holds now."""

    sources: tuple[DataSource, ...] = ()
    playlists: int = 0
    models: tuple[str, ...] = ()

    @property
    def primary(self) -> DataSource | None:
        """The dataset (the demo or the MPD), as opposed to additions like a Spotify import."""
        return next((s for s in self.sources if s.kind != SPOTIFY_KIND), None)

    def holds_demo(self) -> bool:
        return self.primary is not None and self.primary.is_demo

    def features_csv(self, locations: Locations) -> Path | None:
        """A features CSV that came with the data: the demo's own, or a tracks_features.csv /
        dataset.csv beside the ingested slices (as `mpdtui demo-data` writes it)."""
        primary = self.primary
        if primary is None:
            return None
        if primary.is_demo:
            folder = locations.demo_dir
        else:
            source = Path(primary.path)
            folder = source if source.is_dir() else source.parent  # a slice file's, or a zip's
        return next((folder / name for name in FEATURES_CSV_NAMES
                     if (folder / name).is_file()), None)


def read_state(locations: Locations) -> DataState:
    if not locations.catalog_db.exists():
        return DataState()
    with Catalog.open(locations) as catalog:
        sources = tuple(DataSource.from_json(s) for s in catalog.sources())
        playlists = catalog.counts().playlists
    if not sources and playlists:
        sources = _legacy_sources(locations)
    models = tuple(sorted(p.parent.name for p in locations.models_dir.glob(f"*/{META_JSON}")))
    return DataState(sources, playlists, models)


def _legacy_sources(locations: Locations) -> tuple[DataSource, ...]:
    # as config.json is read elsewhere: a file written by hand (no "format") is settings too
    recorded = read_raw(locations).get(LEGACY_CONFIG_KEY)
    if not recorded:
        return ()
    if Path(recorded) == real_path(locations.demo_dir):
        return (DataSource(DEMO_KIND, recorded, _demo_marker_spec(locations)),)
    return (DataSource(MPD_KIND, recorded),)


def _demo_marker_spec(locations: Locations) -> DemoSpec:
    marker = read_json(locations.demo_dir / "demo.json", "mpdtui-demo", 1, "")
    return DemoSpec.from_json(marker or {})


@dataclass(frozen=True)
class SourcePlan:
    """What the data stages do: ingest `source` (None: use what is there), after recording it
    (and first dropping the current playlists when `replace`)."""

    source: DataSource | None
    record: bool = False
    replace: bool = False


def plan_source(locations: Locations, state: DataState, wanted: DataSource | None,
                replace: bool, demo: DemoSpec) -> SourcePlan:
    """Apply the rules of this module; UserError when a replacement was not asked for."""
    if wanted is None:
        if state.primary is not None and replace and changed_since(locations, state.primary):
            return SourcePlan(state.primary, record=True, replace=True)
        if state.primary is not None or state.playlists:
            return SourcePlan(state.primary)  # resume it (None: data of an unrecorded origin)
        wanted = DataSource.of_demo(locations, demo)
    if wanted == state.primary and replace and changed_since(locations, wanted):
        return SourcePlan(wanted, record=True, replace=True)  # ingested again, as it is now
    if wanted == state.primary or (wanted in state.sources and not replace):
        return SourcePlan(wanted)  # resumed (a replacement stopped midway too)
    if replace and (state.primary is not None or state.playlists):
        return SourcePlan(wanted, record=True, replace=True)
    differs = differing_slice(locations, wanted)  # other data named as the slices there
    if differs is not None and drops_anything(state):  # said as the demo's replacement is
        raise UserError(replacement_question(state, wanted, differs) + ": add --replace to do "
                        "it, or use another --cache-dir")
    if not replaces(state, wanted):
        return SourcePlan(wanted, record=True)  # into an empty cache dir, or added
    if not drops_anything(state):
        return SourcePlan(wanted, record=True, replace=True)  # asks nothing: nothing is lost
    raise UserError(replacement_question(state, wanted) + ": add --replace to do it, or use "
                    "another --cache-dir")


def changed_since(locations: Locations, source: DataSource) -> bool:
    """Whether a slice of `source` has another size than when it was ingested."""
    return differing_slice(locations, source) is not None


def differing_slice(locations: Locations, source: DataSource) -> str | None:
    """The name of a slice of `source` that the catalog holds with another size (the file
    changed since, or other data under that name), or None: the ingest would refuse it."""
    if source.is_demo or not Path(source.path).exists() or not locations.catalog_db.exists():
        return None
    try:
        slices = find_slices(Path(source.path))
    except UserError:
        return None
    with Catalog.open(locations) as catalog:
        known = known_slices(catalog)
    return next((s.name for s in slices if s.name in known and known[s.name][0] != s.size), None)


def check_before_replacing(source: DataSource, differs: str | None) -> None:
    """SliceError where the first slice of `source`, or `differs` (`differing_slice`: the one
    whose size differs from the slice of its name ingested, a half-downloaded file, say), is
    no slice: a replacement drops the data there first, and would then stop on it, leaving
    none (a second of parsing or two)."""
    if source.is_demo:
        return
    slices = find_slices(Path(source.path))
    first = slices[0]
    for one in [first, *(s for s in slices[1:] if s.name == differs)]:
        parse_slice(one.label, one.read_bytes())


def replaces(state: DataState, wanted: DataSource) -> bool:
    """Whether ingesting `wanted` means dropping the playlists there (which is only done when
    asked for): the demo for anything, anything for the demo."""
    if wanted == state.primary or wanted in state.sources:
        return False
    if state.primary is None and not state.playlists:
        return False
    return wanted.is_demo or (state.primary is not None and state.primary.is_demo)


def drops_anything(state: DataState) -> bool:
    """Whether a replacement loses work: playlists or models (not an ingest stopped before
    its first playlist, which is only the source's record)."""
    return bool(state.playlists or state.models)


def replacement_question(state: DataState, wanted: DataSource, differs: str | None = None) -> str:
    """What a replacement drops, in words (the CLI's refusal, the app's confirmation);
    `differs`: the slice of `wanted` named as one ingested, of another size (why it replaces)."""
    why = (f"{wanted.describe()} holds a file {differs} other than the one ingested before: "
           if differs else "")
    primary = state.primary
    held = "the demo dataset" if primary and primary.is_demo else primary.path if primary else ""
    origin = f" from {held}" if held else ""
    count = len(state.models)
    models = (f" and {count} model{'s' if count > 1 else ''} trained on them "
              f"({', '.join(state.models)})" if count else "")
    return (f"{why}the cache dir holds {state.playlists:,} playlists{origin}{models}. Ingesting "
            f"{wanted.describe()} replaces them (saved playlists, audio features, the Spotify "
            "login and settings stay)")


def drop_playlists(locations: Locations) -> None:
    """Delete the playlists and everything derived from them (not the demo's files), each
    file's stamp with it."""
    for path in locations.derived_from_playlists():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
            stamp_path(path).unlink(missing_ok=True)
