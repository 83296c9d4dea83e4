"""A cache dir moved, deleted or unmounted while mpdtui uses it (the app open for hours, a
drive pulled): a save is refused, naming it, instead of making an empty cache dir in its
place, which the folder put back would then land inside (`mv` into the new one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpdtui.errors import user_line
from mpdtui.locations import Locations
from mpdtui.services.root import open_services


def test_a_save_into_a_cache_dir_moved_away_makes_nothing_in_its_place(tmp_path: Path) -> None:
    root, moved = tmp_path / "cache", tmp_path / "moved"
    root.mkdir()
    services = open_services(Locations.resolve(root))
    root.rename(moved)
    with pytest.raises(FileNotFoundError) as raised:
        services.playlists.store()
    assert not root.exists()
    assert user_line(raised.value) == (
        f"the cache dir {root} is gone (moved, deleted, or its disk unmounted): put it back and "
        "try again (nothing was made in its place), or choose another folder (--cache-dir, or "
        "the app's setup: f2)")
    moved.rename(root)  # put back, as the message says: the save goes there
    services.playlists.store()
    assert services.locations.playlists_db.exists()


def test_a_cache_dir_chosen_again_is_made_again(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    root.mkdir()
    locations = Locations.resolve(root)
    root.rmdir()
    assert locations.ensure(remake=True).root.is_dir()  # the setup's folder, typed again


def test_a_new_cache_dir_is_made(tmp_path: Path) -> None:
    locations = Locations.resolve(tmp_path / "new" / "cache")  # never there: made on first write
    assert locations.ensure().root.is_dir()
