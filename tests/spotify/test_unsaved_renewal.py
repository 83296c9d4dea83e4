"""A renewal the token file cannot take (its folder read-only): Spotify replaces the refresh
token at each renewal, so the new one is kept for this process, which goes on, and said once
with the file and the fix. Against the loopback fake, in a process without root's power over
files (permissions apply to it as to a plain user)."""

# ruff: noqa: F811 (fixtures imported from export_support are parameters here)
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import requests
from export_support import locations  # noqa: F401 (fixtures)
from fake_spotify import FakeSpotify
from hostile_support import without_file_capabilities

from mpdtui.locations import Locations
from mpdtui.spotify import auth
from mpdtui.spotify.session import read_login

RENEWING = textwrap.dedent("""
    import json, sys
    from mpdtui.locations import Locations
    from mpdtui.spotify.client import open_client

    said = []
    client = open_client(Locations.resolve(sys.argv[1]), on_wait=said.append)
    users = [client.me()["id"] for _ in range(3)]  # each renews: the token lives 1 s
    print(json.dumps({"users": users, "said": [[w.kind, w.message] for w in said]}))
""")


def test_a_renewal_that_cannot_be_saved_goes_on_and_says_so_once(
        fake: FakeSpotify, locations: Locations) -> None:
    """It failed with "spotify-token.json: Permission denied" after Spotify had renewed the
    login, losing the new refresh token: the next run's login was refused ("expired or was
    revoked")."""
    fake.state.access_ttl = 1  # under spotipy's minute of margin: every call renews
    fake.expire_access_tokens()
    root = locations.root
    os.chmod(root, 0o555)
    try:
        run = subprocess.run(
            [sys.executable, "-c", RENEWING, str(root)], capture_output=True, text=True,
            timeout=120, env={**os.environ, **fake.env},
            preexec_fn=without_file_capabilities if os.geteuid() == 0 else None)
    finally:
        os.chmod(root, 0o755)
    assert run.returncode == 0, run.stderr[-2000:]
    answer = json.loads(run.stdout)
    assert answer["users"] == ["fake-user"] * 3
    token = locations.spotify_token
    assert answer["said"] == [[
        "notice", f"the renewed Spotify login could not be saved to {token} (Permission "
        "denied): it works until this run ends, after which Spotify takes only a new login; "
        f"`chmod u+w {root}` lets it be saved, then run `mpdtui auth` to log in again"]]
    login = read_login(token)
    assert login is not None and login["refresh_token"] not in fake.state.refresh_tokens
    # followed (the folder writable again, above): the login is saved
    auth.login(locations, fake.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))
    assert auth.status(Locations.resolve(root)).logged_in
    login = read_login(token)
    assert login is not None and login["refresh_token"] in fake.state.refresh_tokens
