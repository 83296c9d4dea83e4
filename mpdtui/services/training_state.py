"""What training left to do for the saved models: the data and audio features added since they
were trained, the trainings and retrains that stopped, and what the next one does with the
work they kept. Beside `model_store.ModelStore`, which serves the models."""

from __future__ import annotations

from dataclasses import replace

from models.checkpoint_run import made_for
from models.dataset import rows_with_audio
from models.model_dir import peek_meta
from models.registry import DEFAULT_MODELS
from mpdtui import config, splits, training
from mpdtui.data.files import FormatVersionError
from mpdtui.data.growth import added_since
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.pipeline.lock import is_locked
from mpdtui.pipeline.unfinished import checkpoint_epochs, ranker_kept, unfinished_models
from mpdtui.services.catalog import CatalogService
from mpdtui.services.model_store import ModelStore


class TrainingState:
    """What `--train` would do next for the models `models` serves (read afresh on each call)."""

    def __init__(self, locations: Locations, catalog: CatalogService, models: ModelStore) -> None:
        self.locations, self._catalog, self._models = locations, catalog, models

    def added_since_training(self) -> tuple[int, int] | None:
        """(playlists, tracks) added to the data since the serving models were trained on it:
        they serve on without them until trained again. None: trained on the data as it is (or
        no model serves)."""
        split = self._models.serving_split()
        if split is None or split.earlier is None or not self._models.servable():
            return None
        return added_since(self._catalog.catalog(), split.earlier)

    def _tracks_with_audio(self) -> int:
        """The catalog's tracks with audio features now (`Dataset.tracks_with_audio`)."""
        read = self._catalog.feature_matrix()
        return rows_with_audio(None if read is None else read[0])

    def behind_on_audio(self) -> training.AudioBehind:
        """The serving models that learned from other audio features than the catalog's now
        (imported or downloaded since): `--train` trains them again (`training.audio_is_current`)."""
        behind = training.behind_on_audio(self.locations, self._tracks_with_audio)
        return replace(behind, models=[name for name in behind.models if name in self._models.servable()])

    def left_untrained(self) -> list[str]:
        """The models a training that did not finish was asked for and did not save for this
        data ([] after one that finished, and while one runs: `pipeline.unfinished`), and
        those it asked for that serve but are built on a model saved anew since (the ranker
        of a `--retrain --models als` stopped in it) or were saved with other settings than
        config.json's (a training for new ones stopped): `--train` trains them again."""
        asked = unfinished_models(self.locations)
        if not asked or is_locked(self.locations):
            return []
        servable, behind = set(self._models.servable()), set(self.behind_on_audio().models)
        return [name for name in asked if name not in servable or self.built_on_replaced(name)
                or not as_configured(self.locations, name) or name in behind]

    def built_on_replaced(self, name: str) -> list[str]:
        """The models saved model `name` (a ranker, a blend) is built on that were saved anew
        since (`--retrain --models als`, stopped before the ranker): `--train` trains it again
        (`training.built_on_models_as_saved`)."""
        built_on = peek_meta(self.locations.model_dir(name)).get("component_tokens") or {}
        return [component for component, token in built_on.items()
                if training.model_token(self.locations, component) != token]

    def retrains_left(self) -> list[str]:
        """Saved models whose `--retrain` stopped before it saved the new one (the saved one
        serves; `--train --retrain --models NAME` continues it), while no job runs."""
        stopped = [name for name in self._models.servable()
                   if training.retrain_stopped(self.locations, name)]
        return [] if not stopped or is_locked(self.locations) else stopped

    def epochs_stopped(self, name: str) -> tuple[int, int | None, bool] | None:
        """(epochs done, epochs set, whether the next training resumes after them) of a
        training of `name` that stopped between epochs (the two-tower model's checkpoint,
        `models.tf_checkpoints`); None without one. The epochs set are config.json's, else the
        model's default (None: it has no such setting); early stopping may end it before them.
        A checkpoint made for other settings or data (`models.checkpoint_run`) is not resumed:
        the training starts over."""
        directory = self.locations.checkpoint_dir(name)
        done = checkpoint_epochs(self.locations, name)
        try:
            overrides = config.read(self.locations, check_models=False).model_settings
        except (FormatVersionError, OSError, UserError):
            return None
        if done is None:
            return None
        try:
            settings = training.new_model(name, {}, overrides.get(name)).settings
        except (ValueError, TypeError):  # settings that cannot train: said when it starts
            return None
        split = splits.current_split(self.locations)
        resumes = made_for(directory, split.fingerprint if split is not None else None, settings)
        epochs = getattr(settings, "epochs", None)
        return done, epochs if type(epochs) is int else None, resumes is not False

    def kept_work(self, left: list[str]) -> dict[str, str]:
        """What the next training of `left` (models a stopped one left) does with the work it
        kept: "two_tower resumes after epoch 2 of 30", or "starts over" with why, as that
        training will say."""
        said = {name: _epochs_text(name, *stopped) for name in left
                if (stopped := self.epochs_stopped(name)) is not None}
        if "ranker" in left and (ranker := self._ranker_kept(left)):
            said["ranker"] = ranker
        return said

    def _ranker_kept(self, left: list[str]) -> str:
        """The ranker's part of `kept_work` ("" where it kept nothing)."""
        kept = ranker_kept(self.locations)
        if kept is None or not any(kept[:2]):
            return ""
        try:
            overrides = config.read(self.locations, check_models=False).model_settings
            model = training.new_model("ranker", {}, overrides.get("ranker"))
        except (FormatVersionError, OSError, UserError, ValueError, TypeError):
            return ""
        split = splits.current_split(self.locations)
        cases, rounds, audio = kept
        if made_for(self.locations.checkpoint_dir("ranker"),
                    split.fingerprint if split is not None else None, model.settings) is False:
            return "ranker starts over, as its settings or data changed since it stopped"
        if audio is not None and audio != self._tracks_with_audio():
            return "ranker starts over, as the audio features changed since it stopped"
        retrained = [name for name in left if name in model.components_needed()]
        if retrained:
            return f"ranker starts over, on the {', '.join(retrained)} trained again first"
        return ("ranker continues from " + (f"round {rounds}" if rounds else
                                            f"the candidates of {cases:,} validation playlists"))

    @staticmethod
    def trainable() -> tuple[str, ...]:
        """The models a plain `--train` trains, in training order."""
        return DEFAULT_MODELS


def _epochs_text(name: str, done: int, epochs: int | None, resumes: bool) -> str:
    """"two_tower resumes after epoch 2 of 30", or why it starts over."""
    if not resumes:
        return (f"{name} starts over, as its settings or data changed since it stopped after "
                f"epoch {done}")
    return f"{name} resumes after epoch {done}" + (f" of {epochs}" if epochs else "")


def as_configured(locations: Locations, name: str) -> bool:
    """Whether the saved model `name` that serves has config.json's settings for it now (else
    `--train` trains it again); settings that cannot be read or cannot train: taken as its own,
    `--train` says why."""
    split = splits.serving_split(locations)
    try:
        overrides = config.read(locations, check_models=False).model_settings
        return split is None or training.model_is_current(locations, name, split.fingerprint,
                                                          overrides.get(name))
    except (UserError, OSError, ValueError, TypeError):
        return True
