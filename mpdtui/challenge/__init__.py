"""Trying the RecSys Challenge 2018 on data of one's own: `make` cuts a challenge set (and
its held-out truth) from MPD slices not ingested, `score` scores submissions against it.

The names the command line shows in its help live here, without the modules' imports
(numpy, the evaluation)."""

from mpdtui.data.mpd import CHALLENGE_TRUTH

__all__ = ["CHALLENGE_TRUTH", "PER_CATEGORY"]

PER_CATEGORY = 1000
"""The real challenge set's playlists per category."""
