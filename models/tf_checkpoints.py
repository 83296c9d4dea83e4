"""Between-epoch state of a Keras training run: early stopping, and resuming after a cancel.

`EpochCheckpoints` is a Keras callback that keeps, after every finished epoch, the epoch's loss
and validation accuracy, the best epoch so far (early stopping on validation top-100), and,
when it has a directory, a checkpoint of the model and optimizer plus `state.json`, so that a
run cancelled or killed mid-epoch resumes after the last finished epoch. Only the latest and
the best epoch's checkpoints are kept. `state.json` is written atomically after the checkpoint
it names, and carries a key (data fingerprint + settings): a checkpoint of other data or other
settings is discarded, never resumed.

Imported only by `models.two_tower_tf` (it imports TensorFlow).
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import tensorflow as tf
import tf_keras

STATE_FORMAT = "mpdtui-training-state"
STATE_VERSION = 1
_SAID_OF_FILE_ERRORS = ((os.strerror(errno.ENOSPC), errno.ENOSPC),
                        (os.strerror(errno.EFBIG), errno.EFBIG))
"""How TensorFlow's errors name a full disk, or one that takes no file this large."""


@dataclass
class TrainingState:
    key: str
    epochs_done: int = 0
    best_epoch: int = 0
    """The `epochs_done` whose weights are the best so far (0 = none yet)."""
    best_value: float = -math.inf
    wait: int = 0
    """Epochs since the best one (early stopping ends training at `patience`)."""
    finished: bool = False
    losses: list[float] = field(default_factory=list)
    val_top_10: list[float] = field(default_factory=list)
    val_top_100: list[float] = field(default_factory=list)

    @classmethod
    def load(cls, directory: Path | None, key: str) -> TrainingState:
        """The saved state for `key`; a fresh one when there is none or it is for other runs."""
        path = None if directory is None else directory / "state.json"
        if path is None or not path.exists():
            return cls(key)
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError):
            raw = {}
        if (raw.get("format"), raw.get("version"), raw.get("key")) != (STATE_FORMAT, STATE_VERSION, key):
            return cls._fresh(path.parent, key)
        del raw["format"], raw["version"]
        state = cls(**raw)
        needed = {state.epochs_done, state.best_epoch} - {0}
        if not all(Path(f"{_prefix(path.parent, n)}.index").exists() for n in needed):
            return cls._fresh(path.parent, key)
        return state

    @classmethod
    def _fresh(cls, directory: Path, key: str) -> TrainingState:
        """A new state, after deleting the checkpoint files of another run."""
        cls.discard(directory)
        return cls(key)

    @staticmethod
    def discard(directory: Path) -> None:
        """Delete the state and checkpoint files in `directory`."""
        for stale in [directory / "state.json", *directory.glob("epoch-*")]:
            _delete(stale)

    def save(self, directory: Path) -> None:
        path = directory / "state.json"
        staging = path.with_suffix(f".tmp-{os.getpid()}")
        with open(staging, "w") as fh:
            json.dump({"format": STATE_FORMAT, "version": STATE_VERSION, **asdict(self)}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(staging, path)

    def history(self) -> dict[str, list[float]]:
        out = {"loss": list(self.losses)}
        if self.val_top_100:
            out["val_top_10"], out["val_top_100"] = list(self.val_top_10), list(self.val_top_100)
        return out


def _delete(path: Path) -> None:
    """A checkpoint file, or the folder TensorFlow writes one in (`epoch-N_temp`: left behind
    when a save was killed)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _file_error(exc: tf.errors.OpError, directory: Path) -> OSError:
    code = next((code for said, code in _SAID_OF_FILE_ERRORS if said in exc.message),
                errno.EACCES if isinstance(exc, tf.errors.PermissionDeniedError) else errno.EIO)
    return OSError(code, os.strerror(code), str(directory))


def _prefix(directory: Path, epoch: int) -> str:
    return str(directory / f"epoch-{epoch}")


class EpochCheckpoints(tf_keras.callbacks.Callback):
    """Early stopping on validation top-100 accuracy, and a checkpoint after every epoch.

    `epoch_loss()` gives the finished epoch's mean training loss (the caller measures it),
    `validate()` the validation top-10/100 accuracy (None: no validation, every epoch counts as
    the best), `say(message)` reports progress. Without a directory the best weights are kept
    in memory instead of on disk.
    """

    def __init__(self, state: TrainingState, directory: Path | None, patience: int,
                 epoch_loss: Callable[[], float],
                 validate: Callable[[], dict[int, float]] | None,
                 say: Callable[[str], None]) -> None:
        super().__init__()
        self.state, self.directory, self.patience = state, directory, patience
        self.epoch_loss, self.validate, self.say = epoch_loss, validate, say
        self.best_weights: list[Any] | None = None

    def checkpoint(self) -> tf.train.Checkpoint:
        return tf.train.Checkpoint(model=self.model, optimizer=self.model.optimizer)

    def resume(self) -> bool:
        """Load the latest finished epoch's model and optimizer (variables must exist); False
        when the checkpoint does not fit this model (then its files are deleted)."""
        if self.directory is None or not self.state.epochs_done:
            return True
        try:
            status = self.checkpoint().read(_prefix(self.directory, self.state.epochs_done))
            status.assert_existing_objects_matched()
        except (ValueError, AssertionError, tf.errors.OpError):  # other shapes, other variables
            TrainingState.discard(self.directory)
            return False
        return True

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        state = self.state
        state.epochs_done = epoch + 1
        state.losses.append(self.epoch_loss())
        accuracy = self.validate() if self.validate is not None else None
        if accuracy is not None:
            state.val_top_10.append(accuracy[10])
            state.val_top_100.append(accuracy[100])
        if accuracy is None or accuracy[100] > state.best_value:
            state.best_epoch, state.wait = epoch + 1, 0
            state.best_value = accuracy[100] if accuracy is not None else 0.0
        else:
            state.wait += 1
        if accuracy is not None:
            self.say(f"validation after epoch {epoch + 1}: top-100 accuracy {accuracy[100]:.3f} "
                     f"(best {state.best_value:.3f}, epoch {state.best_epoch})")
            if state.wait >= self.patience:
                self.model.stop_training = True
        self._keep(state.best_epoch == epoch + 1)

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        # not called when a cancel raised out of fit: that part of an epoch is redone
        self.state.finished = True
        self._write_state()

    def _keep(self, is_best: bool) -> None:
        if self.directory is None:
            # without validation every epoch is the best, and the latest is in the model
            if is_best and self.validate is not None:
                self.best_weights = self.model.get_weights()
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        prefix = _prefix(self.directory, self.state.epochs_done)
        try:
            self.checkpoint().write(prefix)
        except tf.errors.OpError as exc:  # a full disk, say: said as the OSError it is
            shutil.rmtree(f"{prefix}_temp", ignore_errors=True)  # TensorFlow's half-written one
            raise _file_error(exc, self.directory) from None
        self._write_state()
        self._forget_old()
        self.say(f"checkpoint after epoch {self.state.epochs_done} saved")

    def _write_state(self) -> None:
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.state.save(self.directory)

    def _forget_old(self) -> None:
        assert self.directory is not None
        keep = {f"epoch-{self.state.epochs_done}", f"epoch-{self.state.best_epoch}"}
        for path in self.directory.glob("epoch-*"):
            if path.name.split(".")[0] not in keep:
                _delete(path)

    def restore_best(self) -> None:
        """Put the best epoch's weights back into the model (it holds the latest epoch's)."""
        if self.state.best_epoch == self.state.epochs_done:
            return
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)
        elif self.directory is not None and self.state.best_epoch:
            tf.train.Checkpoint(model=self.model).read(
                _prefix(self.directory, self.state.best_epoch)).expect_partial()
