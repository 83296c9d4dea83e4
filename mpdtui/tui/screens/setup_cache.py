"""Setup 1: where mpdtui keeps its data, and how much room is left there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Label, Static
from textual.worker import Worker

from mpdtui.errors import UserError
from mpdtui.locations import CACHE_DIR_ENV, real_path, recordable
from mpdtui.tui.screens.setup_step import SetupStep
from mpdtui.tui.text import data_text, size
from mpdtui.tui.typed_path import typed_path
from mpdtui.tui.widgets.path_input import PathInput

DEMO_BASE_BYTES, DEMO_BYTES_PER_PLAYLIST, DEMO_JSON_BYTES_PER_PLAYLIST = 67 << 20, 64_400, 28_000
"""A cache dir holding the demo dataset with every model trained, measured: 196 MB at 2,000
playlists (61 MB of JSON), 711 MB at 10,000 (278 MB of JSON)."""


def demo_bytes(playlists: int) -> int:
    """What the demo of `playlists` playlists takes with every model trained."""
    return DEMO_BASE_BYTES + playlists * DEMO_BYTES_PER_PLAYLIST


def needed_text(playlists: int) -> str:
    """The room the demo of that size and the full MPD take."""
    return (f"The demo dataset ({playlists:,} playlists) needs about "
            f"{about(demo_bytes(playlists))} with every model trained "
            f"({about(playlists * DEMO_JSON_BYTES_PER_PLAYLIST)} of JSON); the full Million "
            "Playlist Dataset about 40 GB (33 GB of JSON plus the catalog and models).")


def about(n_bytes: int) -> str:
    """A size as "about" goes with: 710 MB, 1.4 GB, 14 GB."""
    megabytes = n_bytes / (1 << 20)
    if megabytes < 1000:
        return f"{max(10, round(megabytes, -1)):.0f} MB"
    gigabytes = megabytes / 1024
    return f"{gigabytes:.1f} GB" if gigabytes < 10 else f"{gigabytes:.0f} GB"


class CacheStep(SetupStep):
    STEP = 0
    RUN_LABEL = "Use this folder"

    def body(self) -> ComposeResult:
        yield Static("mpdtui keeps the catalog, the models and your saved playlists in one "
                     "folder.\n" + needed_text(self.demo_playlists()), classes="explain")
        yield Label("", id="cache-path", classes="volatile")
        yield Label("", id="cache-free", classes="volatile")
        field = PathInput(makes_folders=True, id="cache-input")
        field.fit_placeholder("another folder (enter or ctrl+r to use it)", "another folder")
        yield field
        yield Static(f"A folder chosen here holds for this session; start with "
                     f"`mpdtui --cache-dir PATH` or set {CACHE_DIR_ENV} to keep using it.",
                     classes="hint")

    def on_mount(self) -> None:
        self.show_location()
        self.query_one("#cache-input", Input).focus()

    def show_location(self) -> None:
        services = self.services
        self.query_one("#cache-path", Label).update(data_text(f"Folder: {services.locations.root}"))
        free = self.app.attempt(services.data.free_disk_bytes)
        has_data = "no data yet"
        if self.app.attempt(services.data.has_data):  # another user's files: said
            used = self.app.attempt(services.data.used_disk_bytes)
            has_data = f"holds data already ({size(used)})" if used else "holds data already"
        elif (state := self.app.attempt(services.data.state)) and state.primary is not None:
            stopped = self.app.attempt(services.data.unfinished_source) or state.primary
            has_data = (f"an ingest of {stopped.describe()} was interrupted: the data step "
                        "continues it")
        else:
            has_data += self._short_of_room_for_the_demo(free)
        if (why := services.data.unwritable()) is not None:  # said before an ingest fails on it
            has_data += f" · {why}: choose another folder"
        elif others := services.data.others_files():
            has_data += (f" · holds other files ({_counted(others)}), none of mpdtui's: choose "
                         "a new or empty folder to keep mpdtui's apart")
        self.query_one("#cache-free", Label).update(data_text(  # a path: text, not markup
            f"Free disk space: {size(free) if free is not None else '?'} · {has_data}"))

    def _short_of_room_for_the_demo(self, free: int | None) -> str:
        needed = demo_bytes(self.demo_playlists())
        if free is None or free >= needed:
            return ""
        return (f" · less than the demo needs with every model ({size(needed)}): choose a "
                "folder on a disk with more room")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if typed_path(event.value):
            self.action_run()
        else:
            self.action_next()  # nothing typed: this folder, as shown

    def run(self) -> Worker[Any] | None:
        path = typed_path(self.query_one("#cache-input", Input).value)
        if not path:
            self.status("Keeping this folder: press ctrl+n for the next step.")
            return None
        try:
            folder = Path(recordable(real_path(path)))
        except UserError as exc:
            self.status(str(exc))
            return None
        if folder == self.app.locations.root.resolve():
            self.status("Keeping this folder (it is the one in use): press ctrl+n for the next "
                        "step.")
            return None
        if _is_mpd_data(folder):
            self.app.data_path_given = path
            self.status(f"{path} is the MPD's data: the next step (ctrl+n) takes it. Here, "
                        "choose the folder where mpdtui keeps its own files (the catalog, the "
                        "models, your saved playlists).")
            return None
        try:
            self.app.use_cache_dir(path)
        except OSError as exc:
            from mpdtui.data.files import file_in_the_way

            blocker = file_in_the_way(folder)
            why = f"{blocker} is a file" if blocker is not None else exc.strerror
            self.status(f"Cannot use {path}: {why}. Choose another folder.")
            return None
        except UserError as exc:  # another user's folder, or files in it
            self.status(f"Cannot use {path}: {self.app.in_app(str(exc))}.")
            return None
        self.show_location()
        self.status("Using the new folder for this session.")
        return None


def _counted(names: list[str]) -> str:
    """"notes.txt", "notes.txt and photos", "notes.txt, photos and 3 more"."""
    if len(names) <= 2:
        return " and ".join(names)
    rest = len(names) - 2
    return f"{names[0]}, {names[1]} and {rest:,} more"


def _is_mpd_data(path: Path) -> bool:
    """A slice, the MPD zip or a folder of slices: typed here for the data step (a slip at
    the first field of the setup), it would have become the cache dir."""
    from mpdtui.data.mpd import SLICE_NAME, find_slices
    from mpdtui.errors import UserError

    if path.is_file():
        return path.suffix.lower() == ".zip" or SLICE_NAME.fullmatch(path.name) is not None
    try:
        return path.is_dir() and bool(find_slices(path))
    except (UserError, OSError):
        return False
