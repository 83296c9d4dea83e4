"""Keys that reach a text field together act in the order typed, its editing keys included
(Textual ran a field's bound keys only after they had bubbled up to the app)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input
from wcwidth import wcwidth

import mpdtui.tui
from mpdtui.tui.widgets.in_order_input import InOrderInput
from mpdtui.tui.widgets.keyed_input import NameInput, SearchInput
from mpdtui.tui.widgets.path_input import PathInput

BOUND = {"backspace", "left", "home", "ctrl+u", "enter"}
"""Keys the field binds, as against the letters it types."""


class OneField(App[None]):
    def __init__(self, field: Input) -> None:
        super().__init__()
        self.field = field
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.field

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submitted.append(event.value)


@pytest.mark.asyncio
@pytest.mark.parametrize("field", [InOrderInput, PathInput, SearchInput, NameInput])
async def test_editing_keys_act_in_turn_with_the_letters_around_them(field: type) -> None:
    app = OneField(field())
    async with app.run_test() as pilot:
        await pilot.pause()
        keys = ["b", "a", "backspace", "c", "left", "x", "home", "y", "enter", "ctrl+u", "z"]
        for key in keys:  # posted together: none is handled before the last is sent
            app.post_message(events.Key(key, None if key in BOUND else key))
        await pilot.pause()
        assert app.submitted == ["ybxc"]  # before: "bacxy", then the moves and deletion
        assert app.field.value == "zbxc"  # ctrl+u: what is left of the cursor, after "y"


def test_the_app_makes_no_field_that_acts_out_of_order() -> None:
    """Every field the app makes is an InOrderInput: no screen or widget calls Textual's
    Input itself (subclassing it is in_order_input.py's alone)."""
    tui = Path(mpdtui.tui.__file__).parent
    makers = [f"{path.relative_to(tui)}:{node.lineno}" for path in sorted(tui.rglob("*.py"))
              for node in ast.walk(ast.parse(path.read_text()))
              if _names_input(node) and path.name != "in_order_input.py"]
    assert makers == []


def _names_input(node: ast.AST) -> bool:
    """A call of `Input(...)` or a class with `Input` among its bases."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id == "Input"
    if isinstance(node, ast.ClassDef):
        return any(isinstance(base, ast.Name) and base.id == "Input" for base in node.bases)
    return False


@pytest.mark.asyncio
@pytest.mark.parametrize("field", [InOrderInput, PathInput, SearchInput, NameInput])
async def test_a_name_with_emoji_is_drawn_as_wide_as_the_terminal_draws_it(field: type) -> None:
    """Typed or opened, "❤️ summer 👍🏽" was laid out (Rich) a cell longer than tmux and xterm
    draw it: the field's line came out short and its border showed twice. Drawn, each
    character stays where the cursor counts it; the value keeps what was typed."""
    typed = "\u2764\ufe0f summer \U0001f44d\U0001f3fd \U0001f468\u200d\U0001f469\u200d\U0001f467"
    app = OneField(field())
    async with app.run_test(size=(60, 5)) as pilot:
        app.field.value = typed
        app.field.cursor_position = len(typed)
        await pilot.pause()
        drawn = app.field.render_line(0).text.rstrip()
        assert cell_len(drawn) == sum(max(wcwidth(c), 0) for c in drawn)  # as tmux counts
        assert len(drawn) == len(typed) and "summer" in drawn  # every character in its place
        assert app.field.value == typed
        app.field.cursor_position = typed.index("summer")
        assert app.field._cursor_offset == 2  # ❤ and a space, as the terminal draws them
