"""Command palette (ctrl+p): setup steps, saved playlists, model switch, save/export, help.

The commands call the action methods themselves, not `run_action`: `check_action` hides keys
that do not work where the cursor is (letters in a text field), and the palette must work
whatever the cursor was on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from mpdtui.tui.context import MpdtuiAppBase


class MpdtuiCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast("MpdtuiAppBase", self.app)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Setup wizard", "cache dir, data, Spotify, features, training",
             partial(app.action_setup, 0)),
            ("Setup: data", "ingest the demo dataset or the MPD",
             partial(app.action_setup, 1)),
            ("Setup: Spotify login", "optional: to export to Spotify and import your playlists",
             partial(app.action_setup, 2)),
            ("Setup: audio features", "download or import a CSV",
             partial(app.action_setup, 3)),
            ("Setup: training and evaluation", "train models, see the evaluation",
             partial(app.action_setup, 4)),
            ("Help", "every key", app.action_help),
        ]
        if app.jobs.request is not None:
            commands.append(("Stop the running job", f"{app.jobs.request.describe()}, at a "
                             "resumable point: what is finished is kept", app.action_stop_job))
        if app.spotify_export_stop is not None:
            commands.append(("Stop the export to Spotify", "at a resumable point: exporting "
                             "the playlist again continues it", app.action_stop_export))
        screen = self.screen  # the screen under the palette
        for action, title, help_text in getattr(screen, "PALETTE", ()):
            commands.append((title, help_text, getattr(screen, f"action_{action}")))
        use_model: Callable[[str], object] | None = getattr(screen, "action_use_model", None)
        if use_model is not None:  # the builder
            commands += [(f"Model: {name}", "suggest with this model", partial(use_model, name))
                         for name in getattr(screen, "models", [])]
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
