"""Keys that arrive together (a script, a paste without bracketed paste, a quick hand) act as
they would one by one: each goes to the widget that has the focus once the keys before it
have acted.

Textual hands each key to the widget focused when the app reads it, and a key's action runs
later, in that widget's (or its screen's) turn; focusing is later still. So with the
playlist's list focused, "nparty" in one read went to the list whole: `n` moved the focus to
the name, but "party" had already gone to the list, where `p` opened the saved playlists and
"rty" landed in their filter. Here a key that can move the focus (any key but a character
typed into a text field) lets the keys read before it was handed on, or within `BURST` after,
wait until the screen has settled: every queue of the app and of the screen's widgets empty,
checked every few milliseconds (or after 20 checks regardless, about a tenth of a second: a
job's updates keep the app's queue busy; counted in checks, not seconds, so that a machine too
busy to run the app for a while does not cut the wait short). Keys read before it was handed
on are keys typed by hand, too, while the app was too busy to take them (the first seconds
after the start, while the models load): "/" then "Anae" a tenth of a second apart had "/"
handed on and "A" straight after it, to the list that still had the focus, where it opened
the fill dialog. Keys typed by hand while the app keeps up go on at once, jobs or not, as do
all keys headless (the tests' pilot hands them on one at a time, once the screen has
settled).

Keys typed before the first screen is shown are held until it is, then handed on in order
to the builder (the setup's first step, on a first run, drops them: its field holds a path):
`mpdtui` Enter and a playlist's name typed at once (the terminal keeps what is typed before
the app reads it) went to the loading screen, which took none of it, so the name lost its
first letters. The app's own keys (`?`, `ctrl+q`, the palette) act at once, as before. A
terminal's answers to the app's probes never reach here as keys: Textual's parser reads them first.
"""

from __future__ import annotations

import contextlib
from collections import deque

from textual import events
from textual._time import get_time
from textual.app import App, ScreenStackError
from textual.message_pump import MessagePump
from textual.widgets import Input, TextArea

BURST = 0.03  # seconds: a key read this soon after the last was handed on came with it
SETTLE_CHECK = 0.005
SETTLE_CHECKS = 20


class KeysInOrder(App[None]):
    awaiting_first_screen = False
    """Keys are held until `first_screen_shown` (an app that shows a loading screen first)."""

    def __init__(self) -> None:
        super().__init__()
        self._held: deque[events.Key | events.Paste] = deque()
        self._settling: int | None = None  # the checks made since a key that may move the focus
        self._settling_after = 0.0  # when that key was handed on

    async def on_event(self, event: events.Event) -> None:
        if (not isinstance(event, events.Key | events.Paste) or event.is_forwarded
                or self.is_headless):
            await super().on_event(event)
            return
        if self.awaiting_first_screen and not self._app_acts_on(event):
            self._held.append(_as_typed(event))  # for the first screen, once it is shown
            return
        in_burst = event.time - self._settling_after < BURST
        if self._held or (in_burst and not self._settled()):
            self._held.append(event)
            if len(self._held) == 1:
                self.set_timer(SETTLE_CHECK, self._release)
            return
        await self._dispatch(event)

    def first_screen_shown(self, hand_on: bool = True) -> None:
        """Hand on the keys typed before it, once it has settled (its field focused); or,
        not `hand_on`, drop them (a screen they were not typed for)."""
        if not self.awaiting_first_screen:
            return
        self.awaiting_first_screen = False
        if not hand_on:
            self._held.clear()
        if self._held:
            self._settling = 0
            self.set_timer(SETTLE_CHECK, self._release)

    def drop_held_keys(self) -> None:
        """Forget the keys held so far: typed for a screen that is not the first one."""
        self._held.clear()

    def _app_acts_on(self, event: events.Key | events.Paste) -> bool:
        """A key the app itself binds (help, quit, suspend, the palette): not held."""
        if not isinstance(event, events.Key):
            return False
        with contextlib.suppress(ScreenStackError):
            active = self.active_bindings.get(event.key)
            return active is not None and active.node is self
        return False

    async def _dispatch(self, event: events.Key | events.Paste) -> None:
        field = self.focused if isinstance(self.focused, Input | TextArea) else None
        typed = field is not None and (isinstance(event, events.Paste) or (
            event.is_printable and field.check_consume_key(event.key, event.character)))
        # (a character a field acts on instead, as `/` in the builder's empty name, may move
        # the focus)
        await super().on_event(event)
        self._settling, self._settling_after = (None, 0.0) if typed else (0, get_time())

    async def _release(self) -> None:
        """Hand on the keys held, each once the screen settled after the one before."""
        while self._held:
            if not self._settled():
                self.set_timer(SETTLE_CHECK, self._release)
                return
            await self._dispatch(self._held.popleft())

    def _settled(self) -> bool:
        if self._settling is None:
            return True
        pumps: list[MessagePump] = [self]
        with contextlib.suppress(ScreenStackError):  # none yet, or going: nothing to wait for
            pumps += self.screen.walk_children(with_self=True)
        self._settling += 1
        if self._settling > SETTLE_CHECKS or all(pump._message_queue.empty() for pump in pumps):
            self._settling = None
            return True
        return False


def _as_typed(event: events.Key | events.Paste) -> events.Key | events.Paste:
    """Enter typed before the app set the terminal up reads as a line feed (the terminal's
    line mode turns CR into LF), which Textual calls ctrl+j: it was Enter."""
    if isinstance(event, events.Key) and event.key == "ctrl+j":
        return events.Key("enter", "\r")
    return event
