"""A training begun and not finished (cancelled, failed, the app quit during it, the machine
went down): `train-state.json` names the models the job was asked for, from the moment the
first of them starts training until the job ends well. The app and `mpdtui info` say what
it left to do; running it again continues."""

from __future__ import annotations

import json
from collections.abc import Callable

from models.model_dir import peek_meta
from models.ranker_progress import PROGRESS_FILE, PROGRESS_FORMAT, PROGRESS_VERSION
from mpdtui.data.files import FormatVersionError, read_json, write_json
from mpdtui.locations import Locations
from mpdtui.pipeline.events import Event, StageStarted

TRAIN_STATE_FORMAT = "mpdtui-train-state"
TRAIN_STATE_VERSION = 2  # 1: the stages done, written by earlier versions and never read


class TrainingMark:
    """Passes a training job's events on, writing the mark as the first model's stage starts
    (a job refused before any training changes nothing); `finished` removes it. The models an
    earlier training that stopped was asked for and this job is not stay in the mark: a
    `--train --models popularity` run after it had erased what `--train` was left to do."""

    def __init__(self, locations: Locations, emit: Callable[[Event], None]) -> None:
        self.locations, self._emit = locations, emit
        self.models: tuple[str, ...] = ()
        self._written = False

    def emit(self, event: Event) -> None:
        if not self._written and isinstance(event, StageStarted) and event.stage in self.models:
            self._write([*self.models, *self._earlier_left()])
            self._written = True
        self._emit(event)

    def finished(self) -> None:
        """The job ended well: what it was asked for is done; an earlier training's models it
        was not asked for are still left."""
        left = self._earlier_left()
        if left:
            self._write(left)
        else:
            self.locations.train_state_json.unlink(missing_ok=True)
        self.locations.retrained_json.unlink(missing_ok=True)  # a `--retrain` run again retrains

    def _earlier_left(self) -> list[str]:
        return [name for name in unfinished_models(self.locations) if name not in self.models]

    def _write(self, models: list[str]) -> None:
        write_json(self.locations.train_state_json, TRAIN_STATE_FORMAT, TRAIN_STATE_VERSION,
                   {"models": models})


def unfinished_models(locations: Locations) -> list[str]:
    """The models the last training was asked for, when it did not finish; [] otherwise
    (a mark of another version, or one that cannot be read, says nothing)."""
    try:
        document = read_json(locations.train_state_json, TRAIN_STATE_FORMAT,
                             TRAIN_STATE_VERSION, "")
    except (FormatVersionError, OSError):
        return []
    models = document.get("models") if document else None
    return [name for name in models if isinstance(name, str)] if isinstance(models, list) else []


CHECKPOINT_FORMAT, CHECKPOINT_VERSION = "mpdtui-training-state", 1
"""`models.tf_checkpoints`' state.json (read here without importing TensorFlow)."""


def checkpoint_epochs(locations: Locations, name: str) -> int | None:
    """The epochs done of a training of `name` that stopped between epochs (the two-tower
    model's checkpoint, `models.tf_checkpoints`); None without one."""
    try:
        state = read_json(locations.checkpoint_dir(name) / "state.json", CHECKPOINT_FORMAT,
                          CHECKPOINT_VERSION, "")
    except (FormatVersionError, OSError):
        return None
    done = (state or {}).get("epochs_done")
    if not state or state.get("finished") or type(done) is not int or done < 1:
        return None
    return done


RETRAINED_FORMAT, RETRAINED_VERSION = "mpdtui-retrained", 1


def mark_retrained(locations: Locations, name: str) -> None:
    """A `--retrain` job saved `name` anew: said until the job ends well (`TrainingMark`), so
    that running it again after a stop goes on from there instead of starting `name` over
    (the two-tower model's hours at the MPD's scale)."""
    done = _retrained(locations)
    done[name] = str(peek_meta(locations.model_dir(name)).get("token"))
    write_json(locations.retrained_json, RETRAINED_FORMAT, RETRAINED_VERSION, {"models": done})


def retrained_before_a_stop(locations: Locations, name: str) -> bool:
    """Whether a `--retrain` job that stopped since saved `name` anew (and it is still that
    model): the same `--retrain` run again keeps it."""
    token = _retrained(locations).get(name)
    return token is not None and token == str(peek_meta(locations.model_dir(name)).get("token"))


def _retrained(locations: Locations) -> dict[str, str]:
    try:
        document = read_json(locations.retrained_json, RETRAINED_FORMAT, RETRAINED_VERSION, "")
    except (FormatVersionError, OSError):  # another version's, or unreadable: says nothing
        return {}
    models = (document or {}).get("models")
    return ({k: v for k, v in models.items() if isinstance(v, str)}
            if isinstance(models, dict) else {})


def ranker_kept(locations: Locations) -> tuple[int, int, int | None] | None:
    """(validation cases, boosting rounds, tracks with audio features then) a stopped training
    of the ranker kept (`models.ranker_progress`); None without any."""
    try:
        state = json.loads((locations.checkpoint_dir("ranker") / PROGRESS_FILE).read_text())
        if (state["format"], state["version"]) != (PROGRESS_FORMAT, PROGRESS_VERSION):
            return None
        rounds = len(next(iter(state["evaluations"].values()), []))
        audio = state.get("tracks_with_audio")
        return int(state["cases"]), rounds, audio if isinstance(audio, int) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
