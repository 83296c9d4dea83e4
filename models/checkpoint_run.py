"""What a model's between-epoch checkpoint was made for, kept beside it (`run.json`): the
data's fingerprint and the model's settings. The training itself resumes only a checkpoint of
the same run key (`models.tf_checkpoints`); this record lets a reader that does not train (the
app's training step) tell whether the next training resumes it or starts over."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

RUN_FILE = "run.json"


def _as_json(settings: Any) -> Any:
    return json.loads(json.dumps(dataclasses.asdict(settings), sort_keys=True))


def record_run(directory: Path, fingerprint: str, settings: Any) -> None:
    """Record, in `directory`, the data and settings its checkpoint is being made for."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / RUN_FILE
    staging = path.with_suffix(f".tmp-{os.getpid()}")
    staging.write_text(json.dumps({"fingerprint": fingerprint, "settings": _as_json(settings)}))
    os.replace(staging, path)


def made_for(directory: Path, fingerprint: str | None, settings: Any) -> bool | None:
    """Whether the checkpoint in `directory` was made for this data (None: not known, the
    settings alone are compared) and these settings (False: the next training starts over);
    None where that was not recorded (an older mpdtui's checkpoint)."""
    try:
        recorded = json.loads((directory / RUN_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(recorded, dict):
        return None
    same_data = fingerprint is None or recorded.get("fingerprint") == fingerprint
    return same_data and recorded.get("settings") == _as_json(settings)
