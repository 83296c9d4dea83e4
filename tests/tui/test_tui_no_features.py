"""A track without audio features says why it has none and where to get them: Spotify has
none, or they were never downloaded (no login, or Spotify refused) nor in a CSV imported. The
builder had said "no audio features" alone."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tui_support import (  # noqa: F401 (fixtures)
    audio_copy,
    audio_dir,
    builder,
    make_app,
    screen_name,
    settle,
    steady_dir,
    trained_dir,
    wait_for,
)

from mpdtui.data.builder_draft import Draft, write_draft
from mpdtui.data.catalog import Track
from mpdtui.data.feature_rows import bare_id
from mpdtui.data.features import FeatureStore
from mpdtui.locations import Locations
from mpdtui.services.audio import AudioService
from mpdtui.services.root import Services, open_services
from mpdtui.tui.screens.builder import BuilderScreen
from mpdtui.tui.widgets.track_sound import TrackSound
from mpdtui.tui.widgets.track_table import TrackTable

NO_LOGIN = "no audio features: not downloaded (no Spotify login); the setup's features step (f2)"
SPOTIFY_HAS_NONE = "no audio features: Spotify has none for this track"


def featureless(services: Services, count: int) -> list[Track]:
    """The first `count` catalog tracks whose features are not known."""
    known = services.audio.catalog_features().known
    return services.catalog.tracks([int(i) for i in (~known).nonzero()[0][:count]])


def spotify_said_none(locations: Locations, track: Track) -> None:
    with FeatureStore.open(locations) as store:
        store.store_api_batch([bare_id(track.uri)], [None])


@pytest.mark.asyncio
async def test_the_builder_says_why_a_track_has_no_features_and_f2_goes_to_get_them(
        audio_copy: Locations, tmp_path: Path) -> None:
    services = open_services(audio_copy)
    never_fetched, said_none = featureless(services, 2)
    spotify_said_none(audio_copy, said_none)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])  # the app that left the draft
    ended.wait()
    write_draft(audio_copy.builder_draft_of(ended.pid),
                Draft("road trip", (never_fetched.uri, said_none.uri), pid=ended.pid))
    app = make_app(audio_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, BuilderScreen), what="the builder")
        screen = builder(app)
        await wait_for(pilot, lambda: len(screen.playlist) == 2 and screen.with_audio,
                       what="the draft, with features")
        screen.query_one("#playlist", TrackTable).focus()
        await settle(pilot)
        sound = screen.query_one(TrackSound)
        # whole, in its three rows of 31 cells
        assert " ".join(str(sound.render()).split()) == NO_LOGIN
        await pilot.press("j")
        await settle(pilot)
        assert " ".join(str(sound.render()).split()) == SPOTIFY_HAS_NONE
        await pilot.press("k", "f2")  # the step the line names
        await wait_for(pilot, lambda: screen_name(pilot) == "FeaturesStep", what="the step")


def test_a_refused_download_and_a_login_are_told_apart(audio_copy: Locations) -> None:
    services = open_services(audio_copy)
    (track,) = featureless(services, 1)
    audio = services.audio
    logged_in = AudioService(audio_copy, services.catalog, services.playlists,
                             services.suggester, logged_in=lambda: True)
    assert audio.why_no_features(track.uri) == NO_LOGIN
    assert logged_in.why_no_features(track.uri) == (
        "no audio features: not downloaded yet; the setup's features step (f2)")
    with FeatureStore.open(audio_copy) as store:
        store.mark_forbidden("someone")  # Spotify's 403 to this app
    audio.forget()  # as after the job that met it
    assert audio.why_no_features(track.uri) == (
        "no audio features: Spotify refused them (403); the setup's features step (f2)")


def test_an_unreadable_features_file_leaves_the_line_plain(audio_copy: Locations) -> None:
    """Not an error at every cursor move: the features' own users say what is wrong."""
    services = open_services(audio_copy)
    (track,) = featureless(services, 1)
    audio_copy.features_db.write_bytes(b"not a database")
    assert services.audio.why_no_features(track.uri) == "no audio features"
