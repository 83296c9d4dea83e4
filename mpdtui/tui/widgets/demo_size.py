"""The data step's choice of the demo dataset's size: a few sizes, each with how long its
whole setup (generate, ingest, train every model, evaluate) took on a 2-core machine."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import RadioButton, RadioSet

DEMO_SIZES = ((2_000, "2 min"), (10_000, "5 min"), (20_000, "20 min"))
"""Playlists, and the time a whole `mpdtui --train --demo` took for them on the shared 2-core
VM (seed 0, every model): 2k 100 s and 10k 306 s at load 2-4 (README "The demo dataset"),
20k 1,213 s at load 2.5-5 (README "Training time, issue 16")."""


BUTTON_CELLS, GAP = 5, 2
"""A radio button's cells beside its label ("▐●▌ ", a cell after), and the margin between."""


def size_label(playlists: int, took: str | None) -> Text:
    """"2,000 · 2 min"; a size of no preset (config.json's, the demo's ingested): its count."""
    return Text(f"{playlists:,} · {took}" if took else f"{playlists:,}")


class DemoSizeChoice(RadioSet):
    """The sizes offered, the one `playlists` at first on (a size of no preset is offered
    too, first). `enter` or `space` takes the highlighted size. Side by side on one line
    where the width has room (class `-across`), else one under the other."""

    DEFAULT_CSS = """
    DemoSizeChoice.-across { layout: horizontal; }
    DemoSizeChoice.-across > RadioButton { width: auto; margin-right: 2; }
    DemoSizeChoice.-across > RadioButton:last-child { margin-right: 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "toggle_button", "Choose this size"),
        Binding("j", "next_button", show=False),
        Binding("k", "previous_button", show=False),
    ]

    def __init__(self, playlists: int, *, id: str | None = None) -> None:
        sizes = list(DEMO_SIZES)
        if playlists not in dict(sizes):
            sizes.insert(0, (playlists, ""))
        self.sizes = tuple(size for size, _ in sizes)
        self.chosen_at_first = playlists
        super().__init__(*(RadioButton(size_label(size, took), value=size == playlists)
                           for size, took in sizes), id=id, compact=True)

    def on_mount(self) -> None:
        # the cursor on the size chosen: Textual's own mount handler, which comes after this
        # one, puts it on the first
        self.call_after_refresh(setattr, self, "_selected", self.sizes.index(self.chosen_at_first))

    def on_resize(self, event: Resize) -> None:
        labels = [cell_len(str(button.label)) for button in self.query(RadioButton)]
        across = sum(width + BUTTON_CELLS for width in labels) + GAP * (len(labels) - 1)
        room = event.size.width
        parent = self.parent
        if isinstance(parent, Widget) and parent.show_vertical_scrollbar:
            room += parent.styles.scrollbar_size_vertical  # one line less may take it away
        self.set_class(room >= across, "-across")

    @property
    def playlists(self) -> int:
        """The size chosen."""
        index = self.pressed_index
        return self.sizes[index] if index >= 0 else self.sizes[0]
