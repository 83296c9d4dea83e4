"""Keys that reach a text field together act in the order typed, its editing keys included
(Textual ran a field's bound keys only after they had bubbled up to the app)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

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
