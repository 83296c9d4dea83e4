"""What the user chose in the app for its next starts: its theme, the demo dataset's size (the
export folder is `PlaylistFiles`')."""

from __future__ import annotations

from mpdtui import config
from mpdtui.locations import Locations


class Preferences:
    def __init__(self, locations: Locations) -> None:
        self.locations = locations

    def theme(self) -> str | None:
        """The theme last chosen in the app's palette (None: never chosen); UserError when
        config.json's is no name."""
        return config.theme(self.locations)

    def set_theme(self, name: str) -> None:
        config.set_theme(self.locations, name)

    def set_demo(self, playlists: int, seed: int) -> None:
        """The demo dataset's size, as the data step generates it (config.json's `demo`, which
        `--train --demo` and `ingest --demo` read too)."""
        config.update(self.locations, demo={"playlists": playlists, "seed": seed})
