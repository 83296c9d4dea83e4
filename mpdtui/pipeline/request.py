"""What a job is asked to do: a plain, JSON-able request (it crosses to the job process)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

import orjson

from mpdtui.locations import recordable

Goal = Literal["setup", "data", "features", "evaluate", "import_spotify"]
Download = Literal["no", "if_logged_in", "yes"]

GOAL_TITLES: dict[str, str] = {
    "setup": "training", "data": "ingest", "features": "audio features",
    "evaluate": "evaluation", "import_spotify": "Spotify import",
}


@dataclass(frozen=True)
class JobRequest:
    """One job. `goal` picks the stages (see `stages.stages_for`); the rest are their options.

    - setup: data, features, split, every model, evaluation (`mpdtui --train`, the app's
      training step)
    - data: the data stages only (`mpdtui ingest`, the app's data step)
    - features: audio features only (`mpdtui features`, the app's features step)
    - evaluate: the evaluation of the trained models, always redone (`mpdtui evaluate`)
    - import_spotify: the user's own playlists (`mpdtui import-spotify`)
    """

    goal: Goal = "setup"
    source: str | None = None
    """An MPD folder, slice or zip; None: the data already there, else the demo dataset."""
    demo: bool = False
    """The demo dataset, whatever is there (a replacement needs `replace`)."""
    demo_playlists: int | None = None
    demo_seed: int = 0
    replace: bool = False
    """Drop the playlists there (and everything derived) when the source is another one."""
    skip_bad: bool = False
    features_csv: tuple[str, ...] = ()
    demo_features: bool = True
    """setup: import the demo dataset's features CSV while no features are stored (the app's
    training step leaves features to its features step, which a user may have skipped)."""
    download: Download = "if_logged_in"
    retry_forbidden: bool = False
    models: tuple[str, ...] | None = None
    """Models to train or evaluate, in training order (None: every model / every trained one)."""
    retrain: bool = False
    spotify_training: bool = True
    """import_spotify: also add the playlists as training data."""
    save: bool = True
    """evaluate: save the report. False scores and prints only, writing nothing, so it runs
    without the writer lock, beside another job (`mpdtui evaluate` while a training runs)."""

    def __post_init__(self) -> None:
        for path in (*([self.source] if self.source else []), *self.features_csv):
            recordable(path)  # it crosses as JSON, and the source is recorded

    def to_json(self) -> str:
        return orjson.dumps(asdict(self)).decode()

    @classmethod
    def from_json(cls, text: str) -> JobRequest:
        raw: dict[str, Any] = orjson.loads(text)
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                  for k, v in raw.items() if k in known}
        return cls(**values)

    @property
    def uses_models(self) -> bool:
        """Whether the job trains or evaluates models: only those read the model settings
        (a bad one is said then, not when ingesting or importing features)."""
        return self.goal in ("setup", "evaluate")

    @property
    def writes(self) -> bool:
        """Whether the job writes to the cache dir, and so takes its writer lock."""
        return self.save or self.goal != "evaluate"

    def describe(self) -> str:
        """What the job does, for the writer lock's message ("training", "ingest"...)."""
        return GOAL_TITLES[self.goal]
