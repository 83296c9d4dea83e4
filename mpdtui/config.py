"""The cache dir's settings file, `config.json`: read and written here only.

Keys (all optional):
- `spotify_client_id`: the Spotify app to log in with;
- `demo`: `{"playlists": N, "seed": S}`, the demo dataset the app and `--train` generate;
- `model_settings`: `{"als": {"factors": 128}, "two_tower": {"epochs": 10}, ...}`, settings
  that replace a model's defaults (README: "Models"); a model trained with other settings is
  retrained by the next `--train`;
- `export_dir`: the folder exported playlist files go to (default: `default_export_dir()`,
  platformdirs' user data dir, `exports`); the app's export dialog shows and sets it;
- `overlap_stages`: false trains one model at a time (default true: a model whose training
  keeps one core busy, the two-tower model, trains beside the others; `pipeline.overlap`);
- `theme`: the app's colours, as last chosen in its palette (ctrl+p, "Theme").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.registry import UnknownModelError, check_settings
from mpdtui.data.demo import DEFAULT_PLAYLISTS
from mpdtui.data.files import read_json, write_json
from mpdtui.errors import UserError
from mpdtui.locations import Locations, default_export_dir, expand_home

CONFIG_FORMAT, CONFIG_VERSION = "mpdtui-config", 1


@dataclass(frozen=True)
class Config:
    spotify_client_id: str | None = None
    demo_playlists: int = DEFAULT_PLAYLISTS
    demo_seed: int = 0
    model_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    overlap_stages: bool = True


def read_raw(locations: Locations) -> dict[str, Any]:
    """The settings as written; a file written by hand without "format" and "version" is read
    as this version (README shows its keys; the next change the app makes adds them)."""
    document = read_json(locations.config_json, CONFIG_FORMAT, CONFIG_VERSION,
                         f"delete {locations.config_json} and set it up again", untagged=True)
    return {k: v for k, v in (document or {}).items() if k not in ("format", "version")}


def update(locations: Locations, **changes: Any) -> None:
    """Set some keys, keeping the others (an atomic rewrite)."""
    config = read_raw(locations)
    config.update(changes)
    write_json(locations.ensure().config_json, CONFIG_FORMAT, CONFIG_VERSION, config)


def read(locations: Locations, check_models: bool = True) -> Config:
    """The settings; `check_models`: refuse a model setting that cannot train (for the work
    that trains or evaluates models; the rest never reads them)."""
    raw = read_raw(locations)
    demo = raw.get("demo") or {}
    settings = raw.get("model_settings") or {}
    path = locations.config_json
    if not isinstance(demo, dict) or not isinstance(settings, dict) or not all(
            isinstance(v, dict) for v in settings.values()):
        raise UserError(f'{path}: "demo" and "model_settings" must be objects (README: '
                        '"The cache directory"); fix or delete the file')
    if check_models:
        _check_model_settings(path, settings)
    playlists, seed = demo.get("playlists", DEFAULT_PLAYLISTS), demo.get("seed", 0)
    if not isinstance(playlists, int) or playlists <= 0 or not isinstance(seed, int) or seed < 0:
        raise UserError(f'{path}: "demo" needs a positive "playlists" and a "seed" >= 0, got '
                        f"{demo!r}; fix or delete the file")
    overlap = raw.get("overlap_stages", True)
    if not isinstance(overlap, bool):
        raise UserError(f'{path}: "overlap_stages" must be true or false, got {overlap!r}; fix '
                        "or delete it")
    client_id = raw.get("spotify_client_id")
    return Config(client_id if isinstance(client_id, str) else None, playlists, seed, settings,
                  overlap)


def _check_model_settings(path: Path, settings: dict[str, dict[str, Any]]) -> None:
    """UserError naming the first model setting that cannot train (before any work starts)."""
    for model, overrides in settings.items():
        try:
            check_settings(model, overrides)
        except UnknownModelError as exc:
            raise UserError(f'{path}: "model_settings": {exc} (README: "Models" lists each '
                            "model's settings); fix or delete it") from None


def export_dir(locations: Locations) -> Path:
    """Where exported playlist files go: config.json's `export_dir`, else the default."""
    folder = read_raw(locations).get("export_dir")
    if folder is None:
        return default_export_dir()
    if not isinstance(folder, str) or not folder.strip():
        raise UserError(f'{locations.config_json}: "export_dir" must be a folder\'s path, got '
                        f"{folder!r}; fix or delete it")
    return expand_home(folder)


def set_export_dir(locations: Locations, folder: Path) -> None:
    update(locations, export_dir=str(folder))


def theme(locations: Locations) -> str | None:
    """The app's theme as last chosen (None: never chosen)."""
    name = read_raw(locations).get("theme")
    if name is not None and not isinstance(name, str):
        raise UserError(f'{locations.config_json}: "theme" must be a theme\'s name, got '
                        f"{name!r}; fix or delete it")
    return name


def set_theme(locations: Locations, name: str) -> None:
    update(locations, theme=name)
