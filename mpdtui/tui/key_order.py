"""Keys that arrive together (a script, a paste without bracketed paste, a quick hand) act as
they would one by one: each goes to the widget that has the focus once the keys before it
have acted.

Textual hands each key to the widget focused when the app reads it, and a key's action runs
later, in that widget's (or its screen's) turn; focusing is later still. So with the
playlist's list focused, "nparty" in one read went to the list whole: `n` moved the focus to
the name, but "party" had already gone to the list, where `p` opened the saved playlists and
"rty" landed in their filter. Here a key that can move the focus (any key but a character
typed into a text field) lets the next keys wait until the screen has settled: every queue
of the app and of the screen's widgets empty, checked every few milliseconds (or after a
tenth of a second regardless: a job's updates keep the app's queue busy). Headless (the
tests' pilot, which hands keys on one at a time once the screen has settled) keys go on at
once.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque

from textual import events
from textual.app import App, ScreenStackError
from textual.message_pump import MessagePump
from textual.widgets import Input, TextArea

SETTLE_CHECK = 0.005
SETTLE_LONGEST = 0.1


class KeysInOrder(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self._held: deque[events.Key | events.Paste] = deque()
        self._settling_since: float | None = None

    async def on_event(self, event: events.Event) -> None:
        if (not isinstance(event, events.Key | events.Paste) or event.is_forwarded
                or self.is_headless):
            await super().on_event(event)
            return
        if self._held or (self._settling_since is not None and not self._settled()):
            self._held.append(event)
            if len(self._held) == 1:
                self.set_timer(SETTLE_CHECK, self._release)
            return
        await self._dispatch(event)

    async def _dispatch(self, event: events.Key | events.Paste) -> None:
        typed = (isinstance(event, events.Paste) or event.is_printable) and isinstance(
            self.focused, Input | TextArea)
        await super().on_event(event)
        self._settling_since = None if typed else time.monotonic()

    async def _release(self) -> None:
        """Hand on the keys held, each once the screen settled after the one before."""
        while self._held:
            if not self._settled():
                self.set_timer(SETTLE_CHECK, self._release)
                return
            await self._dispatch(self._held.popleft())

    def _settled(self) -> bool:
        if self._settling_since is None:
            return True
        pumps: list[MessagePump] = [self]
        with contextlib.suppress(ScreenStackError):  # none yet, or going: nothing to wait for
            pumps += self.screen.walk_children(with_self=True)
        quiet = all(pump._message_queue.empty() for pump in pumps)
        if quiet or time.monotonic() - self._settling_since > SETTLE_LONGEST:
            self._settling_since = None
            return True
        return False
