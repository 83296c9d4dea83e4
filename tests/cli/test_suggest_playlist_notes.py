"""What `mpdtui suggest --playlist` says of a saved playlist's tracks the catalog lacks."""

from __future__ import annotations

from mpdtui.commands.models import not_in_the_catalog


def test_some_tracks_outside_the_catalog_leave_the_others_to_suggest_from() -> None:
    assert not_in_the_catalog(1, 4, "gym") == (
        "1 of the 4 tracks of 'gym' is not in the catalog: suggesting from the others")
    assert not_in_the_catalog(2, 4, "gym") == (
        "2 of the 4 tracks of 'gym' are not in the catalog: suggesting from the others")


def test_no_track_in_the_catalog_leaves_the_name_alone() -> None:
    """It said "2 of the 2 tracks ... are not in the catalog: suggesting from the others"."""
    assert not_in_the_catalog(2, 2, "old mix") == (
        "none of the 2 tracks of 'old mix' is in the catalog: suggesting from the name alone")
