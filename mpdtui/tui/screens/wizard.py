"""The setup wizard's steps, in order (the app walks them; each step is its own screen)."""

from __future__ import annotations

from mpdtui.tui.screens.setup_cache import CacheStep
from mpdtui.tui.screens.setup_data import DataStep
from mpdtui.tui.screens.setup_features import FeaturesStep
from mpdtui.tui.screens.setup_spotify import SpotifyStep
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.screens.setup_training import TrainingStep

SETUP_STEPS: tuple[type[SetupStep], ...] = (CacheStep, DataStep, SpotifyStep, FeaturesStep,
                                            TrainingStep)
