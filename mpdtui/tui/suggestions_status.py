"""The line under the builder's suggestions: how many, from which model, what was hidden, and
the reason they all share or what a sound filter did."""

from __future__ import annotations

from collections.abc import Sequence

from mpdtui.pipeline.display import counted
from mpdtui.tui.hidden import Hidden, hidden_words
from mpdtui.tui.messages import SuggestionsReady


def suggestions_status(message: SuggestionsReady, count: int, shared: str | None,
                       hidden: Sequence[Hidden]) -> str:
    """"50 suggestions from ranker (1 track hidden): fits the name …"; under a sound filter,
    the model and the hidden ones first, then what the filter did: a narrow screen cuts the
    end of the line, the count of tracks without features first."""
    title = message.title + (f" ({hidden_words(hidden)})" if hidden else "")
    said = shared.removeprefix(f"{message.title}: ") if shared is not None else ""
    if message.note:
        return f"{title}: {message.note}" + (f" · {said}" if said else "")
    return f"{counted(count, 'suggestion')} from {title}" + (f": {said}" if said else "")


def shared_reason(reasons: list[str]) -> str | None:
    """The one reason of several suggestions that all share it (a fallback's), else None."""
    return reasons[0] if len(reasons) > 1 and len(set(reasons)) == 1 and reasons[0] else None
