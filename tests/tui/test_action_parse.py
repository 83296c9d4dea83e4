"""The bindings' actions are parsed on the main thread before the app's threads start: on
Python 3.11.7 a parse on the main thread while a thread built AST objects (numpy reading a
model array's header) could fail (CPython gh-106905), and the app ended with "ActionError:
unable to parse '-1' in action 'leave_field(-1)'" after one Escape."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import ast
import threading
import traceback
from pathlib import Path
from typing import Any

import pytest
from textual.actions import parse
from tui_support import (  # noqa: F401 (fixtures)
    add_first_result,
    builder_ready,
    make_app,
    settle,
    to_the_suggestions,
    trained_copy,
    trained_dir,
    wait_for,
)

import mpdtui.services.root
from mpdtui.locations import Locations
from mpdtui.tui.screens.playlists import PlaylistsScreen

pytestmark = pytest.mark.asyncio


async def test_no_key_parses_its_action_once_the_apps_threads_run(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Escape, up, down, the saved playlists and back: every action the footer and the keys
    ask about is parsed already, so the main thread builds no AST while a thread may."""
    threads_started = threading.Event()
    parsed_late: list[str] = []
    literal_eval, open_services = ast.literal_eval, mpdtui.services.root.open_services

    def recording_literal_eval(source: Any) -> Any:
        if threads_started.is_set() and threading.current_thread() is threading.main_thread():
            parsed_late.append(str(source))
        return literal_eval(source)

    def recording_open_services(*args: Any, **kwargs: Any) -> Any:
        threads_started.set()  # the first thread the app starts: it opens the services
        return open_services(*args, **kwargs)

    monkeypatch.setattr(ast, "literal_eval", recording_literal_eval)
    monkeypatch.setattr(mpdtui.services.root, "open_services", recording_open_services)
    parse.cache_clear()  # as in a new process: nothing parsed yet
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await builder_ready(pilot)
        await pilot.press("escape", "up", "down", "n", "down", "escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="playlists")
        await settle(pilot)
        await pilot.press("escape", "question")
        await settle(pilot)
    assert threads_started.is_set()
    assert parsed_late == []


async def test_no_thread_of_the_app_builds_a_python_ast(
        trained_copy: Locations, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What made the main thread's parse fail: a thread building AST objects beside it. The
    services opened, the builder's models loaded, suggestions for a name, a track added, the
    next model (`m`) and the saved playlists (with their preview): no thread of the app builds one (numpy read
    every model array's header with `ast.literal_eval`; `models.npy_format` reads them)."""
    built: list[str] = []
    parse_source = ast.parse

    def recording_parse(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():
            built.append(f"{threading.current_thread().name}: "
                         + "".join(traceback.format_stack(limit=6)))
        return parse_source(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", recording_parse)
    app = make_app(trained_copy, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _ = await to_the_suggestions(pilot, "chill")
        await add_first_result(pilot, screen)
        await wait_for(pilot, lambda: screen.suggestions_shown == screen._request,
                       what="suggestions for the track")
        first_model = screen.model_name
        await pilot.press("m")  # the next model, loaded in a thread
        await wait_for(pilot, lambda: screen.model_name != first_model, what="another model")
        await settle(pilot)
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PlaylistsScreen), what="playlists")
        await settle(pilot)
    assert built == [], built[0]
