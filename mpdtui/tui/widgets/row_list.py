"""A list of rows (the saved playlists) with the builder's lists' keys: `g` / `G` and `Home` /
`End` go to its top / bottom (a DataTable's own `Home` / `End` scroll sideways)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class RowList(DataTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g,home", "scroll_top", "Top", show=False),
        Binding("G,end", "scroll_bottom", "Bottom", show=False),
    ]
