"""What the training step says: its explanation, the retrain question, a bar's words."""

from __future__ import annotations

from textual.widgets import DataTable

from mpdtui.tui.text import stopped_training

__all__ = ["stopped_training"]  # the app's start says it too: one wording

EXPLAIN = ("Tick the models to train (space), then ctrl+r. Models already trained for this "
           "data are reused, so a cancelled run continues where it stopped. The evaluation "
           "follows the RecSys Challenge 2018 (held-out playlists in ten categories).")
RETRAIN_QUESTION = ("Train {models} again{start}? Each new model replaces the trained "
                    "one once it is saved (until then that one serves), and a ranker built on "
                    "one is trained again too. Stopped, R resumes it.")
SETTINGS_CHANGED = "new settings in config.json: ctrl+r trains it again"
"""A saved model's bar when config.json has other settings for it than it was trained with."""
SETTINGS_CHANGED_STOPPED = "stopped for new settings: ctrl+r continues it"
"""A saved model's bar when a training for config.json's new settings for it stopped (the
saved one, of the old settings, serves meanwhile)."""


def overall_first(cells: list[str]) -> list[str]:
    """A table row as `table_rows` gives it (model, categories..., overall), with the overall
    column second."""
    return [cells[0], cells[-1], *cells[1:-1]]


def fill_overall_first(table: DataTable[str], header: list[str], rows: list[list[str]]) -> None:
    """The evaluation's table, "overall" first: the ten categories rarely fit, the summary
    must."""
    table.add_columns(*overall_first(header))
    for row in rows:
        table.add_row(*overall_first(row))
