"""The data step over a zip with one damaged member: what to do, and a way on without it."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from hostile_support import playlists_from, slice_name
from textual.widgets import Input, Label, ProgressBar
from tui_support import (
    SIZE,
    label_text,
    make_app,
    notifications,
    on_to_the_data_step,
    run_command,
    screen_name,
    type_path,
    wait_for,
)

from mpdtui.locations import Locations

BAD_PID = 3

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


def _zip_with_a_damaged_member(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for pid in (0, BAD_PID, 6):
            archive.writestr(f"data/{slice_name(pid)}",
                             orjson.dumps({"playlists": playlists_from(pid)}))
        info = archive.getinfo(f"data/{slice_name(BAD_PID)}")
    data = bytearray(path.read_bytes())
    data[info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 20] ^= 0xFF
    path.write_bytes(bytes(data))  # its bytes differ from its CRC-32
    return path


async def test_a_damaged_zip_member_says_to_download_it_again_or_ingests_the_others(
        tmp_path: Path) -> None:
    """The step said "check the file, or download the MPD again ... Fix it and run it again
    (ctrl+r)", and nothing in the app could go on without the slice (the CLI's --skip-bad)."""
    archive = _zip_with_a_damaged_member(tmp_path / "spotify_million_playlist_dataset.zip")
    app = make_app(Locations.resolve(tmp_path / "cache"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await on_to_the_data_step(pilot)
        await type_path(pilot, archive)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen", what="the question")
        question = str(app.screen.query_one(Label).render())
        assert question.startswith(f"{archive}:data/{slice_name(BAD_PID)}: cannot be read: Bad "
                                   "CRC-32"), question
        assert question.endswith(": the zip is damaged: download it again to the same path (the "
                                 "slices ingested stay), then press ctrl+r. Ingest "
                                 "the other slices without it? It stays left out until this "
                                 "path is ingested again (given here, not left empty)."), question
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the answer")
        status = label_text(pilot, "#step-status")
        assert status.endswith("then press ctrl+r.") and "Fix it" not in status, status
        assert app.services.data.counts().playlists == 3  # the slice before it is kept
        demo_bar = app.screen.query_one("#demo-progress ProgressBar", ProgressBar)
        assert demo_bar.progress == 0  # "not used": an empty bar, not a full one
        assert label_text(pilot, "#demo-progress .stage-info") == "not used"

        await run_command(pilot, "training")  # it stops on the slice too: says where to go
        await wait_for(pilot, lambda: screen_name(pilot) == "TrainingStep", what="training")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "Training stopped" in label_text(pilot, "#step-status"),
                       what="the training stopped")
        assert label_text(pilot, "#step-status").endswith(
            "then press ctrl+r. Or go without it: the data step (f2) asks to ingest the other "
            "slices without it. Finished models are kept.")
        await run_command(pilot, "setup: data")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the data step")
        await pilot.press("ctrl+r")  # the same again: asked again, and this time yes
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen", what="the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_name(pilot) == "DataStep", what="the answer")
        await wait_for(pilot, lambda: "Data ready" in label_text(pilot, "#step-status"),
                       what="the other slices ingested")
        assert (f"Left out: {slice_name(BAD_PID)}, which cannot be used."
                in label_text(pilot, "#step-status"))
        assert app.services.data.counts().playlists == 6

        app.screen.query_one("#mpd-path", Input).value = ""
        await pilot.press("ctrl+r")  # empty: the data there, its bad slice left out again
        await wait_for(pilot, lambda: "Data ready" in label_text(pilot, "#step-status")
                       and app.screen.query_one("#run").disabled is False,
                       what="the data there continued")
        assert screen_name(pilot) == "DataStep"


async def test_a_cache_dir_that_cannot_be_made_is_said_at_the_ingest(tmp_path: Path) -> None:
    """The app ended in a traceback (PermissionError from the cache dir's mkdir) when the data
    step's ingest started in a cache dir that cannot be made: here a file is in its way, as a
    read-only parent folder is for a user who is not root."""
    (tmp_path / "notes").write_text("mine")
    cache = tmp_path / "notes" / "cache"
    app = make_app(Locations.resolve(cache), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await on_to_the_data_step(pilot)
        await pilot.press("ctrl+r")  # the demo
        await wait_for(pilot, lambda: "Ingest stopped" in label_text(pilot, "#step-status"),
                       what="the ingest refused")
        status = label_text(pilot, "#step-status")
        assert status == (f"Ingest stopped: the cache dir {cache} cannot be made: "
                          f"{tmp_path / 'notes'} is a file: choose another folder at the setup's "
                          "first step. Fix it and run it again (ctrl+r)."), status
        assert app.is_running and screen_name(pilot) == "DataStep"
        assert not [said for said in notifications(app) if "cannot be made" in said], (
            "said in the step's line: no notification over it")
    assert (tmp_path / "notes").read_text() == "mine"


async def test_a_folder_that_cannot_be_read_is_said_under_the_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder the user may not read (another user's, mode 700) ended the app in a traceback
    (PermissionError from listing it). Root reads any folder, so the listing is refused here
    as it is for a user who may not read it."""
    locked = tmp_path / "their music"
    locked.mkdir()
    real_iterdir = Path.iterdir

    def iterdir(path: Path) -> Iterator[Path]:
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_iterdir(path)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    app = make_app(Locations.resolve(tmp_path / "cache"), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await on_to_the_data_step(pilot)
        await type_path(pilot, locked)
        await pilot.press("enter")
        await pilot.pause()
        assert label_text(pilot, "#path-error") == (
            f"{locked}: Permission denied (check the path and permissions)")
        assert app.is_running and screen_name(pilot) == "DataStep"
