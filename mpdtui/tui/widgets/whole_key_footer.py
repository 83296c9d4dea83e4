"""Textual's footer, where a key that does not fit whole is left blank: at 80 columns the
builder's footer ended in "f Filte", at 120 in a lone "q". A blank keeps the layout as it is
(no key moves), and scrolling the footer with the mouse shows the keys beyond whole."""

from __future__ import annotations

from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Footer

PALETTE_KEY = "-command-palette"
"""The class of the palette's key, docked at the footer's right end."""


class WholeKeyFooter(Footer):
    """The keys' places are worked out from their widths, not from the screen's layout: a
    footer recomposed under a dialog is laid out only when drawn, after any callback."""

    async def recompose(self) -> None:
        await super().recompose()  # new keys (the focus or the screen's state changed them)
        self._blank_cut_keys()

    def on_resize(self, _: Resize) -> None:
        self._blank_cut_keys()

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_x(old_value, new_value)
        self._blank_cut_keys()

    def _blank_cut_keys(self) -> None:
        keys = list(self.query("FooterKey"))  # Textual's FooterKey is not public
        palette = [key for key in keys if key.has_class(PALETTE_KEY)]
        right = self.size.width - sum(self._width(key) for key in palette)
        left = -round(self.scroll_x)
        for key in keys:
            if not key.has_class(PALETTE_KEY):  # side by side: no key groups here
                width = self._width(key)
                key.visible = left >= 0 and left + width <= right
                left += width

    def _width(self, key: Widget) -> int:
        return (key.get_content_width(self.size, self.app.size) + key.styles.gutter.width
                + key.styles.margin.width)
