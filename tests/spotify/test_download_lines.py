"""What `mpdtui features --download` prints while Spotify keeps it waiting: what it waits for,
never bare seconds. Against the loopback fake."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import requests
from fake_spotify import FakeSpotify, Fault

from mpdtui.cli import main
from mpdtui.locations import Locations
from mpdtui.spotify import auth


def test_a_download_s_first_lines_say_what_it_waits_for(
        fake: FakeSpotify, small_store: Locations, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Its first line was "features: 1 s": the heartbeat of a stage that had said nothing
    yet (the import said the same until it said "asking Spotify for your playlists")."""
    import time

    from mpdtui.data.catalog import Catalog
    from mpdtui.pipeline import job

    monkeypatch.setattr(job, "HEARTBEAT_S", 0.1)
    listed = Catalog.track_uris

    def slow_to_list(self: Catalog, *args: object, **kwargs: object) -> object:
        time.sleep(0.5)  # the MPD's 2.26M tracks, in popularity order: seconds
        return listed(self, *args, **kwargs)

    monkeypatch.setattr(Catalog, "track_uris", slow_to_list)
    locations = Locations.resolve(shutil.copytree(small_store.root, tmp_path / "cache"))
    auth.login(locations, fake.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    fake.fail_next("audio-features", Fault(503), Fault(403))  # waits 1 s; then stops (403)
    assert main(["--cache-dir", str(locations.root), "features", "--download"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("features: asking Spotify for audio features"), lines
    assert "features: Spotify answered 503, retrying in 1 s (try 2 of 6)" in lines
    assert not [line for line in lines if re.fullmatch(r"features: \d+ s", line)], lines
