"""Spotify: PKCE login, a rate-limit-aware API client, audio-feature download, export/import.

No UI toolkit here: long jobs take a progress callback and a `threading.Event` to cancel.
Base URLs come from `MPDTUI_SPOTIFY_API_URL` / `MPDTUI_SPOTIFY_ACCOUNTS_URL` so tests can
point everything at a local server.
"""
