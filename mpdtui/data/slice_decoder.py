"""The fast way through a well-formed slice: msgspec decodes it straight into typed records,
checking every field's type and range in C as it goes (no dict per row, no Python check per
row). Anything it refuses goes the checked way (`mpdtui.data.slices`), which names the problem;
so this path only has to accept a subset of what that one accepts, with the same result."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from mpdtui.data.mpd_validation import MAX_INT32, MAX_INT64, MAX_TEXT_CHARS

Int32 = Annotated[int, Meta(ge=0, le=MAX_INT32)]
Int64 = Annotated[int, Meta(ge=0, le=MAX_INT64)]
Text = Annotated[str, Meta(max_length=MAX_TEXT_CHARS)]


class TrackRow(Struct, gc=False):
    """One playlist row, its fields in TRACK_FIELDS order."""

    pos: Int32
    artist_name: Text
    track_uri: Text
    artist_uri: Text
    track_name: Text
    album_uri: Text
    duration_ms: Int32
    album_name: Text


class PlaylistRecord(Struct, gc=False):
    name: Text
    collaborative: Literal["true", "false"]
    pid: Int64
    modified_at: Int64
    num_tracks: Int64
    num_albums: Int64
    num_followers: Int64
    num_edits: Int64
    duration_ms: Int64
    num_artists: Int64
    tracks: list[TrackRow]
    description: Text | None = None


class SliceDocument(Struct, gc=False):
    playlists: list[PlaylistRecord]


_DECODER = msgspec.json.Decoder(SliceDocument)


def decode_slice(raw: bytes) -> list[PlaylistRecord] | None:
    """The slice's playlists with every field typed and in range, or None when anything is
    off (the checked path then says what)."""
    try:
        return _DECODER.decode(raw).playlists
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
