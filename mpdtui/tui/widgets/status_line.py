"""The line under the builder's suggestions: what the list shows, and while the filter cannot
be read, why.

Its stylesheet gives it a number of rows (`height`, or `max-height` while its height follows
the text); a text that needs more ends its last row with "…" rather than lose its end out of
sight. A filter's error takes a row of its own, cut short, until Enter on the filter asks for
it whole (`in_full`): then it wraps under the field, taking rows from the list above, until
the next key typed there (`typed`).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.css.scalar import Unit
from textual.widgets import Label

from mpdtui.tui.text import data_text, in_app
from mpdtui.tui.widgets.track_sound import MORE, cut_to, wrapped

ROWS = 2  # where the stylesheet names none
WHOLE_ROWS = 10  # a filter's error whole and the list's line: its max-height in app.tcss


class StatusLine(Label):
    """`say` what the list shows and the filter's error ("" when it reads)."""

    text = ""
    error = ""
    whole = False

    def say(self, text: str, error: str = "") -> None:
        self.text, self.error = text, error
        self._show()

    def typed(self, error: str) -> None:
        """The filter's text changed: its error now ("" when it reads), cut short."""
        self.whole = False
        self.say(self.text, error)

    def in_full(self) -> None:
        """The filter's error whole, under the field (Enter on a filter that cannot be read)."""
        self.whole = True
        self._show()

    def on_resize(self) -> None:
        self._show()

    def _show(self) -> None:
        text, error = in_app(self.text), in_app(self.error)
        self.set_class(bool(error), "-filter-error")  # a row each, cut short
        self.set_class(bool(error) and self.whole, "-filter-why")  # as many rows as it needs
        width, rows = self.content_size.width, WHOLE_ROWS if self.whole else self._rows()
        if error:
            lines = [error, text]
            if self.whole and width > 0:  # the error wrapped, the list's line under it
                lines[:1] = clamped(error, width, rows - 1) or wrapped(error, width)
        else:  # wrapped by the stylesheet, unless its rows cannot hold it
            lines = (clamped(text, width, rows) if width > 0 else None) or [text]
        self.update(Text("\n").join(data_text(line) for line in lines if line))

    def _rows(self) -> int:
        for scalar in (self.styles.height, self.styles.max_height):
            if scalar is not None and scalar.unit == Unit.CELLS:
                return max(1, int(scalar.value))
        return ROWS


def clamped(text: str, width: int, rows: int) -> list[str] | None:
    """`text` in lines of `width` cells, broken at spaces, where it needs more than `rows`:
    as many as fit, the last ending in " …"; None where it fits."""
    lines = wrapped(text, width)
    if len(lines) <= rows:
        return None
    last = lines[rows - 1]
    while cell_len(last + MORE) > width and " " in last:
        last = last.rsplit(" ", 1)[0]
    return [*lines[:rows - 1], cut_to(last + MORE, width)]
