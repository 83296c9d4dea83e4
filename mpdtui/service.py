"""The application service: everything the CLI and the UI do, as plain calls.

Long work takes a progress callback and a `threading.Event` to cancel; nothing here
imports a UI toolkit. TensorFlow and implicit load only when a model that needs them is used.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mpdtui.data.catalog import Catalog, Track
from mpdtui.data.demo import DEFAULT_PLAYLISTS, generate_demo
from mpdtui.data.files import read_json, write_json
from mpdtui.data.ingest import IngestCallback, IngestResult, ingest
from mpdtui.locations import Locations

DEMO_FORMAT = "mpdtui-demo"
CONFIG_FORMAT = "mpdtui-config"


@dataclass(frozen=True)
class DemoSpec:
    playlists: int = DEFAULT_PLAYLISTS
    seed: int = 0


class AppService:
    """One cache directory's data, models and settings."""

    def __init__(self, locations: Locations) -> None:
        self.locations = locations

    # --- settings ------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        document = read_json(self.locations.config_json, CONFIG_FORMAT, 1,
                             f"delete {self.locations.config_json} and set it up again")
        return {k: v for k, v in (document or {}).items() if k not in ("format", "version")}

    def update_config(self, **changes: Any) -> None:
        config = self.config()
        config.update(changes)
        write_json(self.locations.ensure().config_json, CONFIG_FORMAT, 1, config)

    # --- data ----------------------------------------------------------------------------
    def has_data(self) -> bool:
        return self.locations.catalog_db.exists() and self.locations.interactions_npz.exists()

    def demo_source(self, spec: DemoSpec = DemoSpec(),
                    progress: Callable[[int, int], None] | None = None) -> Path:
        """The demo dataset in the cache dir, generated on first use."""
        folder = self.locations.demo_dir
        marker = folder / "demo.json"
        wanted = {"playlists": spec.playlists, "seed": spec.seed}
        done = read_json(marker, DEMO_FORMAT, 1, f"delete {folder}")
        if done and all(done.get(k) == v for k, v in wanted.items()):
            return folder
        shutil.rmtree(folder, ignore_errors=True)
        generate_demo(folder, spec.playlists, spec.seed, progress=progress)
        write_json(marker, DEMO_FORMAT, 1, wanted)
        return folder

    def ingest(self, source: Path, skip_bad: bool = False, progress: IngestCallback | None = None,
               cancel: threading.Event | None = None) -> IngestResult:
        result = ingest(self.locations, Path(source).expanduser(), skip_bad, progress, cancel)
        self.update_config(data_source=str(Path(source).expanduser().resolve()))
        return result

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"cache_dir": str(self.locations.root)}
        if self.locations.catalog_db.exists():
            with Catalog.open(self.locations) as catalog:
                counts = catalog.counts()
            info.update(playlists=counts.playlists, rows=counts.rows, tracks=counts.tracks,
                        artists=counts.artists, albums=counts.albums, slices=counts.slices)
        else:
            info.update(playlists=0, rows=0, tracks=0, artists=0, albums=0, slices=0)
        info["data_source"] = self.config().get("data_source")
        info["models"] = self.trained_models()
        return info

    def trained_models(self) -> list[str]:
        models_dir = self.locations.models_dir
        if not models_dir.is_dir():
            return []
        return sorted(p.name for p in models_dir.iterdir() if (p / "meta.json").exists())

    # --- the builder -----------------------------------------------------------------------
    def search(self, text: str, limit: int = 50) -> list[Track]:
        with Catalog.open(self.locations) as catalog:
            return catalog.search(text, limit)
