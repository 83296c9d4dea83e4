"""How a message names a track: by its title, or, for one without a title, by its artist.

The MPD holds tracks whose `track_name` is empty or only spaces (or only invisible format
characters). Named by that title, a reason read "often with " and a note "Added ''.", naming
nothing: such a track is named "(no title) by ARTIST" instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mpdtui.data.catalog import Track

NO_TITLE = "(no title)"


def has_visible_text(text: str) -> bool:
    """Whether `text` shows anything: a character neither a space nor invisible (a zero-width
    space or joiner, a control)."""
    return any(char.isprintable() and not char.isspace() for char in text)


def track_title(title: str, artist: str) -> str:
    """`title` as it is where it shows anything; else "(no title) by ARTIST" (the artist's
    name, where that shows anything: else "(no title)" alone)."""
    if has_visible_text(title):
        return title
    return f"{NO_TITLE} by {artist}" if has_visible_text(artist) else NO_TITLE


def title_of(track: Track) -> str:
    """A catalog track's `track_title`."""
    return track_title(track.name, track.artist_name)
