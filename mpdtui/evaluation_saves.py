"""An evaluation saved model by model: one stopped part way (Ctrl+C, a kill) keeps each model it
finished in the saved report, with `unfinished` (the models it was asked to score, those it
scored), and the same command run again scores only the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from models.progress import Progress, report

UNFINISHED = "unfinished"


def kept_from_interrupted(saved: dict[str, Any] | None, current: set[str],
                          names: Sequence[str]) -> list[str]:
    """Of `names`, those an evaluation of the same models, stopped part way, scored (and that
    are still `current`: the models saved now, on this split; `training.current_results`)."""
    mark = (saved or {}).get(UNFINISHED)
    if not isinstance(mark, dict) or mark.get("asked") != list(names):
        return []
    return [name for name in mark.get("done", []) if name in current and name in names]


Report = dict[str, Any]


class ModelByModel:
    """Writes the report (`write`) after each model scored (`model_done`, given the evaluation
    so far) and at the end (`finished`); `compose` makes the report of an evaluation (with the
    results of `kept` and the current others from `saved`)."""

    def __init__(self, compose: Callable[[Report], Report], write: Callable[[Report], None],
                 saved: Report | None, asked: Sequence[str], kept: Sequence[str],
                 progress: Callable[[Progress], None] | None = None, n_cases: int = 0) -> None:
        self.compose, self.write, self.saved = compose, write, saved
        self.asked, self.kept = list(asked), list(kept)
        for name in self.kept:  # `n_cases` of `n_cases` playlists, as when scored
            report(progress, "evaluate", n_cases, n_cases,
                   f"{name}: kept from the evaluation stopped before", unit="playlists")

    def model_done(self, scored: Report) -> None:
        done = [*self.kept, *scored["models"]]
        if len(done) < len(self.asked):  # the last one: `finished` writes it
            self.write({**self.compose(scored), UNFINISHED: {"asked": self.asked, "done": done}})

    def finished(self, scored: Report | None) -> Report:
        """The report saved; `scored` None: every model was kept, the saved one is whole."""
        if scored is None:
            assert self.saved is not None
            evaluation = {k: v for k, v in self.saved.items() if k != UNFINISHED}
        else:
            evaluation = self.compose(scored)
        self.write(evaluation)
        return evaluation
