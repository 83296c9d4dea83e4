"""Keys typed before the key ahead of them has acted wait until it has: a key that moves the
focus gets it moved before the next key goes to whatever has the focus (`KeysInOrder`).

The pilot hands keys on one at a time, once the screen has settled, and headless apps take
keys at once; so these tests post the keys as a terminal's reader does, each with the time it
was read, to an app that takes them as it would in a terminal."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual import events
from textual._time import get_time
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable

from mpdtui.tui.key_order import BURST, KeysInOrder
from mpdtui.tui.widgets.in_order_input import InOrderInput
from mpdtui.tui.widgets.keyed_input import NameInput


class ListAndField(KeysInOrder):
    """A list with the focus, where `/` moves it to the field and `A` opens a dialog (here
    counted), as in the builder."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("slash", "focus_field"),
                                             Binding("A", "fill")]

    def __init__(self) -> None:
        super().__init__()
        self.filled = 0

    @property
    def is_headless(self) -> bool:  # keys as a terminal's reader hands them on
        return False

    def compose(self) -> ComposeResult:
        yield DataTable(id="list")
        yield InOrderInput(id="field")

    def on_mount(self) -> None:
        self.query_one("#list").focus()

    def action_focus_field(self) -> None:
        self.query_one("#field").focus()

    def action_fill(self) -> None:
        self.filled += 1


def _read(key: str, character: str, seconds_ago: float) -> events.Key:
    event = events.Key(key, character)
    event.time = get_time() - seconds_ago
    return event


@pytest.mark.asyncio
async def test_keys_typed_while_the_app_was_busy_follow_the_focus_the_key_before_moved() -> None:
    """In the first seconds after the start the app can be too busy to take keys (the models
    load): "/Anae" typed a tenth of a second apart, read apart but taken together, had "A" go
    to the list that "/" was about to leave, where it opened the fill dialog."""
    app = ListAndField()
    async with app.run_test() as pilot:
        await pilot.pause()
        keys = [_read("slash", "/", 0.5), *(_read(c, c, 0.4 - i * 0.1) for i, c in enumerate("Ana"))]
        for key in keys:  # back to back, as the app's loop takes what waited for it
            await app.on_event(key)
        await pilot.pause(0.3)
        assert app.filled == 0
        assert app.query_one("#field", InOrderInput).value == "Ana"


@pytest.mark.asyncio
async def test_keys_typed_by_hand_while_the_app_keeps_up_go_on_at_once() -> None:
    """A key read well after the one before it was handed on does not wait for the screen to
    settle (a job's updates keep it busy)."""
    app = ListAndField()
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.on_event(_read("slash", "/", 0))
        app._settling_after -= 10 * BURST  # handed on a while ago, the screen not settled yet
        app._settling = 0
        await app.on_event(_read("A", "A", 0))
        assert not app._held
        await pilot.pause()


class NameAndSearch(Screen[None]):
    """The builder as it opens: the cursor in the empty name, where `/` goes to the search."""

    def compose(self) -> ComposeResult:
        yield NameInput(id="name")
        yield InOrderInput(id="search")

    def on_mount(self) -> None:
        self.query_one("#name").focus()

    def action_focus_search(self) -> None:
        self.query_one("#search").focus()


class NameAndSearchApp(KeysInOrder):
    @property
    def is_headless(self) -> bool:  # keys as a terminal's reader hands them on
        return False

    def on_mount(self) -> None:
        self.push_screen(NameAndSearch())


@pytest.mark.asyncio
async def test_a_slash_in_the_empty_name_moves_the_focus_before_the_keys_after_it() -> None:
    """"/abc" read together in the empty name (the builder as it opens) lost the "/" and typed
    "abc" into the name: the "/" that searches there counted as a character typed, so the
    keys after it did not wait for the focus it moved."""
    app = NameAndSearchApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        for key in [_read("slash", "/", 0.01), *(_read(c, c, 0) for c in "abc")]:
            await app.on_event(key)
        await pilot.pause(0.3)
        assert app.screen.query_one("#name", NameInput).value == ""
        assert app.screen.query_one("#search", InOrderInput).value == "abc"
