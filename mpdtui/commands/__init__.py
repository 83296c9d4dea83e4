"""CLI command groups: each module has `register(subparsers)`.

Their modules import the services (numpy, scipy, the stores: half a second) only when a
command runs, so that `mpdtui --help`, `--version` and a mistyped option answer at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mpdtui.locations import Locations
    from mpdtui.services.root import Services


def open_services(locations: Locations) -> Services:
    """One cache dir's services (`mpdtui.services.root.open_services`), imported on first use."""
    from mpdtui.services.root import open_services as open_root

    return open_root(locations)
