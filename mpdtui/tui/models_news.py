"""What the builder says when another process (`mpdtui --train` in another terminal) saved
models while it was open: it picks them up on its own, and without a word the suggestions'
model changed under the user's eyes (ranker, then als while the ranker trained again, then
ranker), or the list reshuffled with the same name on it."""

from __future__ import annotations

from models.registry import MODEL_NAMES


def saved_between(before: tuple[float, ...], after: tuple[float, ...]) -> list[str]:
    """The models saved between two `ModelStore.signature`s (each model's save time, in
    `MODEL_NAMES` order, then the evaluation's): those whose time moved and that are there."""
    return [name for name, earlier, now in zip(MODEL_NAMES, before, after, strict=False)
            if now and now != earlier]


def removed_between(before: tuple[float, ...], after: tuple[float, ...]) -> list[str]:
    """The models, and "the evaluation", that were there at one `ModelStore.signature` and are
    gone at the next: an `ingest --replace` in another terminal, the cache dir deleted."""
    names = (*MODEL_NAMES, "the evaluation")
    return [name for name, earlier, now in zip(names, before, after, strict=False)
            if earlier and not now]


def models_news(saved: list[str], before: str | None, now: str | None,
                removed: list[str] | None = None) -> str:
    """One line: which models another process saved (or removed), and which model suggests
    now."""
    if removed and not saved:  # said as saved, the evaluation's line named what was deleted
        what = f"{_listed(removed)} removed by another mpdtui (or the cache dir's files deleted)"
    elif not saved:  # the evaluation alone: it may name another best
        what = "An evaluation was saved by another mpdtui"
    else:
        what = f"{', '.join(saved)} saved by another mpdtui (a training in another terminal)"
    if now is None:
        return f"{what}."
    if before is None:
        return f"{what}: suggesting with {now}."
    if now != before:
        return f"{what}: suggesting with {now} now, not {before} (m switches)."
    if now in saved:
        return f"{what}: suggestions from {now} as it is saved now."
    return f"{what}: still suggesting with {now} (m switches)."


def _listed(names: list[str]) -> str:
    said = names if len(names) <= 3 else [*names[:2], f"{len(names) - 2} more"]
    return ", ".join(said[:-1]) + " and " + said[-1] if len(said) > 1 else said[0]
