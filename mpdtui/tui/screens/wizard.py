"""The setup wizard's steps, in order (the app walks them; each step is its own screen)."""

from __future__ import annotations

import re

from mpdtui.tui.screens.setup_cache import CacheStep
from mpdtui.tui.screens.setup_data import DataStep
from mpdtui.tui.screens.setup_features import FeaturesStep
from mpdtui.tui.screens.setup_spotify import SpotifyStep
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.screens.setup_training import TrainingStep

SETUP_STEPS: tuple[type[SetupStep], ...] = (CacheStep, DataStep, SpotifyStep, FeaturesStep,
                                            TrainingStep)

_ADVICE = re.compile(r"(?:setup|app)'s (data|Spotify|audio features|features|training) step")
_STEP_NAMED: dict[str, type[SetupStep]] = {
    "data": DataStep, "Spotify": SpotifyStep, "audio features": FeaturesStep,
    "features": FeaturesStep, "training": TrainingStep}


def advised_step(message: str) -> int | None:
    """The setup step a message sends the user to ("train one at the setup's training step
    (f2)"), as an index into SETUP_STEPS: the first it names."""
    named = _ADVICE.search(message)
    return None if named is None else SETUP_STEPS.index(_STEP_NAMED[named[1]])
