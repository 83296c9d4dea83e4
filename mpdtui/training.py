"""The setup pipeline behind `mpdtui --train` and the app's training screen.

Stages: data (ingest), features, split (hold out the evaluation playlists), one stage per
model, evaluate. Every stage is skipped when its output already exists for the same data,
so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from models.base import FALLBACK_MODEL, Recommender, link_fallbacks
from models.dataset import Dataset
from models.evaluation import Case
from models.model_dir import MODEL_FORMAT, peek_meta
from models.npz_arrays import arrays_are_whole
from models.progress import Progress, check_cancel, report
from models.registry import DEFAULT_MODELS, MODEL_NAMES, check_settings, model_class
from mpdtui.data.catalog import Catalog
from mpdtui.data.files import FormatVersionError, read_json, write_json
from mpdtui.locations import Locations
from mpdtui.splits import current_split, ranker_cases, training_dataset, training_split

REPORT_FORMAT, REPORT_VERSION = "mpdtui-evaluation", 1



@dataclass
class TrainResult:
    trained: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None


def saved_model_fingerprint(locations: Locations, name: str) -> str | None:
    """The fingerprint a saved model was trained on (None when there is none)."""
    return peek_meta(locations.model_dir(name)).get("fingerprint")


def saved_for(locations: Locations, fingerprint: str) -> list[str]:
    """The saved models trained on the split of `fingerprint`, in the order of `MODEL_NAMES`."""
    return [name for name in MODEL_NAMES if saved_model_fingerprint(locations, name) == fingerprint]


def servable_for(locations: Locations, fingerprint: str) -> list[str]:
    """The saved models trained on the split of `fingerprint` that this mpdtui can serve: of its
    format and model versions, and, for the ranker and the blend, with every model they are
    built on servable too (else the default's loading failed and the builder had no model)."""
    metas = {name: peek_meta(locations.model_dir(name)) for name in MODEL_NAMES}
    saved = [name for name in MODEL_NAMES if metas[name].get("fingerprint") == fingerprint]
    loadable = {name for name in saved if _of_this_version(metas[name], name)}
    return [name for name in saved if name in loadable
            and set(_built_on(metas[name], name)) <= loadable]


def _of_this_version(meta: Mapping[str, Any], name: str) -> bool:
    """Whether the saved model of `meta` is of this mpdtui's format and model version."""
    return (meta.get("format"), meta.get("model"), meta.get("version")) == (
        MODEL_FORMAT, name, model_class(name).version)


def _built_on(meta: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """The models a saved model was built on, as its save records them (one saved before they
    were recorded: those its class needs)."""
    recorded = meta.get("component_tokens")
    return tuple(recorded) if recorded else model_class(name)().components_needed()


def model_is_current(locations: Locations, name: str, fingerprint: str,
                     overrides: Mapping[str, Any] | None = None) -> bool:
    """Whether the saved model `name` was trained on this split with these settings, on the
    models it is built on as saved now, and its files are whole (a damaged or outdated one is
    retrained)."""
    meta = peek_meta(locations.model_dir(name))
    if meta.get("fingerprint") != fingerprint or not _of_this_version(meta, name):
        return False
    wanted = _jsonable(asdict(new_model(name, {}, overrides).settings))
    saved = meta.get("settings") or {}
    if any(saved.get(key) != value for key, value in wanted.items()):
        return False
    return (built_on_models_as_saved(locations, meta)
            and arrays_are_whole(locations.model_dir(name) / "arrays.npz"))


def audio_is_current(locations: Locations, name: str, data: Callable[[], Dataset]) -> bool:
    """Whether the saved model `name`, when it reads audio features (`reads_audio`: its save
    records the count), learned from as many tracks with features as `data()` has: features
    imported or downloaded since (a CSV after the first training) get it trained again, to use
    them. A save from before the count was kept is taken as current."""
    saved = _saved_tracks_with_audio(locations, name)
    return saved is None or saved == data().tracks_with_audio()


@dataclass(frozen=True)
class AudioBehind:
    """The saved models that learned from another number of tracks with audio features than
    the catalog has now, and how many more have them now (fewer: negative; None where those
    models learned from different numbers): a few tracks' features may not be worth a
    training."""

    models: list[str] = field(default_factory=list)
    gained: int | None = None


def behind_on_audio(locations: Locations, tracks_with_audio: Callable[[], int]) -> AudioBehind:
    """The saved models that read audio features and learned from another number of tracks
    with them than `tracks_with_audio()` (the catalog's now, asked only when one is saved), in
    training order. Only such models record the count: no model module is imported."""
    recorded = {name: count for name in MODEL_NAMES
                if (count := _saved_tracks_with_audio(locations, name)) is not None}
    if not recorded:
        return AudioBehind()
    now = tracks_with_audio()
    behind = {name: count for name, count in recorded.items() if count != now}
    learned = set(behind.values())
    return AudioBehind(list(behind), now - learned.pop() if len(learned) == 1 else None)


def _saved_tracks_with_audio(locations: Locations, name: str) -> int | None:
    return peek_meta(locations.model_dir(name)).get("tracks_with_audio")


def built_on_models_as_saved(locations: Locations, meta: Mapping[str, Any]) -> bool:
    """Whether each model a ranker or blend was built on is still the very one (its token):
    one trained again since (new settings, `--retrain`, a new version) gives other scores than
    those it learned from. A model saved before the tokens were recorded counts as built on
    them."""
    built_on = meta.get("component_tokens") or {}
    return all(model_token(locations, name) == token for name, token in built_on.items())


def saved_dependents(locations: Locations, names: Sequence[str]) -> tuple[str, ...]:
    """The models saved for the current split that are built on one of `names`: training
    those again retrains these too."""
    split = current_split(locations)
    if split is None:
        return ()
    return tuple(name for name in MODEL_NAMES if name not in names
                 and saved_model_fingerprint(locations, name) == split.fingerprint
                 and set(names) & set(peek_meta(locations.model_dir(name))
                                      .get("component_tokens") or {}))


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(value))


def load_model(locations: Locations, name: str, data: Dataset,
               loaded: Mapping[str, Recommender] | None = None) -> Recommender:
    """A saved model; one built on others (the ranker, the blend) takes them from `loaded`
    (else loads them from their own directories)."""
    cls = model_class(name)
    needed = cls().components_needed()
    if not needed:
        return cls.load(locations.model_dir(name), data)
    # look up, not iterate: a stage running beside this one may add to `loaded`
    given = {n: loaded[n] for n in needed if loaded and n in loaded}
    return cls.load(locations.model_dir(name), data, components=given)


def with_components(names: Sequence[str],
                    settings: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[str, ...]:
    """`names` and the models they are built on, in training order."""
    wanted = set(names)
    for name in names:
        wanted.update(components_of(name, (settings or {}).get(name)))
    return tuple(n for n in MODEL_NAMES if n in wanted)


def components_of(name: str, overrides: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The models `name` is built on, with these settings (the ranker's and the blend's
    `components`); () for a retriever."""
    return new_model(name, {}, overrides).components_needed()


def new_model(name: str, trained: Mapping[str, Recommender],
              overrides: Mapping[str, Any] | None = None,
              cases: Callable[[], Sequence[Case]] | None = None) -> Recommender:
    """A fresh model `name` with its default settings but for `overrides` (config.json's
    `model_settings`); a model built on others gets them from `trained`, and the ranker its
    validation cases from `cases`."""
    cls = model_class(name)
    check_settings(name, overrides or {})
    settings = replace(cls().settings, **{k: tuple(v) if isinstance(v, list) else v
                                          for k, v in (overrides or {}).items()})
    model = cls(settings=settings)
    needed = model.components_needed()
    if not needed:
        return model
    components = {n: trained[n] for n in needed if n in trained}
    if name == "ranker":
        return cls(settings=settings, components=components,
                   cases=cases() if cases else ())
    return cls(settings=settings, components=components)


def train_model(locations: Locations, name: str, data: Dataset, trained: Mapping[str, Recommender],
                progress: Callable[[Progress], None] | None = None,
                cancel: threading.Event | None = None, retrain: bool = False,
                overrides: Mapping[str, Any] | None = None) -> Recommender:
    """Fit model `name` on `data` and save it (atomically); resumes from its checkpoint."""
    model = new_model(name, trained, overrides, lambda: ranker_cases(locations))
    model.checkpoint_dir = locations.checkpoint_dir(name)
    if retrain:
        _start_over_unless_resuming(locations, name)
    model.fit(data, progress=progress, cancel=cancel)
    model.save(locations.model_dir(name))
    shutil.rmtree(model.checkpoint_dir, ignore_errors=True)
    return model


RETRAIN_FORMAT, RETRAIN_VERSION = "mpdtui-retrain", 1


def _start_over_unless_resuming(locations: Locations, name: str) -> None:
    """`--retrain`: the checkpoint of another training goes, so this one starts over; that of
    an earlier `--retrain` of the same saved model, interrupted, stays: run again, it resumes
    (the two-tower model's hours at the MPD's scale are not lost to a Ctrl-C)."""
    replacing = peek_meta(locations.model_dir(name)).get("token")
    mark = locations.retrain_mark(name)
    try:
        earlier = read_json(mark, RETRAIN_FORMAT, RETRAIN_VERSION, "")
    except (FormatVersionError, OSError):
        earlier = None
    if earlier is not None and earlier.get("replacing") == replacing:
        return
    shutil.rmtree(locations.checkpoint_dir(name), ignore_errors=True)
    mark.parent.mkdir(parents=True, exist_ok=True)
    write_json(mark, RETRAIN_FORMAT, RETRAIN_VERSION, {"replacing": replacing})


def retrain_stopped(locations: Locations, name: str) -> bool:
    """Whether a `--retrain` of saved model `name` stopped before it saved the new one with
    work to resume (the two-tower model's epochs; a model that keeps no checkpoint starts over
    anyway): it waits for the same `--retrain` (a plain `--train` keeps the saved model)."""
    mark = locations.retrain_mark(name)
    try:
        if not any(path != mark for path in mark.parent.iterdir()):
            return False
        earlier = read_json(mark, RETRAIN_FORMAT, RETRAIN_VERSION, "")
    except (FormatVersionError, OSError):
        return False
    replacing = peek_meta(locations.model_dir(name)).get("token")
    return earlier is not None and replacing is not None and earlier.get("replacing") == replacing


def train_models(locations: Locations, names: Sequence[str] = DEFAULT_MODELS,
                 progress: Callable[[Progress], None] | None = None,
                 cancel: threading.Event | None = None, retrain: bool = False,
                 settings: Mapping[str, Mapping[str, Any]] | None = None) -> TrainResult:
    """Train (or reuse) each model on the training split, then evaluate them all: the model
    part of the pipeline (`mpdtui.pipeline.model_stages`), for callers without a job."""
    split = training_split(locations)
    data = training_dataset(locations, split)
    result = TrainResult()
    trained: dict[str, Recommender] = {}
    for name in with_components(names, settings):
        check_cancel(cancel)
        overrides = (settings or {}).get(name)
        if (not retrain and model_is_current(locations, name, split.fingerprint, overrides)
                and audio_is_current(locations, name, lambda: data)):
            trained[name] = load_model(locations, name, data, trained)
            result.reused.append(name)
            report(progress, name, 1, 1, "already trained for this data")
            continue
        trained[name] = train_model(locations, name, data, trained, progress, cancel, retrain,
                                    overrides)
        result.trained.append(name)
    result.report = evaluate_models(locations, trained, progress=progress, cancel=cancel,
                                     force=bool(result.trained),
                                     fallback=title_fallback(locations, split.fingerprint, data,
                                                             trained))
    return result


def title_fallback(locations: Locations, fingerprint: str, data: Dataset,
                   loaded: Mapping[str, Recommender]) -> Recommender | None:
    """The title model, which answers what the others cannot when they serve: from
    `loaded`, else the one saved for this split (None without one)."""
    if FALLBACK_MODEL in loaded:
        return loaded[FALLBACK_MODEL]
    if saved_model_fingerprint(locations, FALLBACK_MODEL) != fingerprint:
        return None
    return load_model(locations, FALLBACK_MODEL, data)


def evaluate_models(locations: Locations, models: dict[str, Recommender],
                    progress: Callable[[Progress], None] | None = None,
                    cancel: threading.Event | None = None, force: bool = False,
                    fallback: Recommender | None = None, save: bool = True) -> dict[str, Any]:
    """The challenge evaluation of `models`, saved as JSON together with the saved results of
    the other models that still score the models saved now (`evaluate --models als` keeps
    the rest); reused when it covers `models` already. Saved after each model: the same
    evaluation stopped part way scores only the rest (`evaluation_saves`). `save` False
    writes nothing (neither the report nor the split): scored beside another writer."""
    from models.evaluation import evaluate

    split = training_split(locations, need_cases=True, write=save)
    path = locations.evaluation_json
    try:
        saved = read_json(path, REPORT_FORMAT, REPORT_VERSION, f"delete {path}")
    except FormatVersionError:
        saved = None  # damaged or of another version: evaluated again below
    if not force and saved and report_covers(locations, saved, split.fingerprint, models):
        report(progress, "evaluate", 1, 1, "already evaluated for this data")
        return saved
    with Catalog.open(locations) as catalog:
        track_artist = catalog.track_arrays()[0]
    assert split.challenge is not None
    # `fallback` (the title model) answers for them as when they serve, also when it is not
    # among those scored (`evaluate --models als`)
    link_fallbacks({**models, FALLBACK_MODEL: fallback} if fallback is not None else models)
    from mpdtui.evaluation_saves import ModelByModel, kept_from_interrupted

    def compose(scored: dict[str, Any]) -> dict[str, Any]:
        tokens = {name: model_token(locations, name) for name in scored["models"]}
        return with_earlier_results(locations, {**scored, "fingerprint": split.fingerprint,
                                                "model_tokens": tokens}, saved)

    def write(evaluation: dict[str, Any]) -> None:
        if save:
            write_json(path, REPORT_FORMAT, REPORT_VERSION, evaluation)

    current = current_results(locations, saved, split.fingerprint)
    kept = kept_from_interrupted(saved, current, list(models))
    saves = ModelByModel(compose, write, saved, list(models), kept, progress,
                         len(split.challenge.cases))
    rest = {name: model for name, model in models.items() if name not in kept}
    return saves.finished(evaluate(rest, split.challenge.cases, track_artist, k=500,
                                   progress=progress, cancel=cancel, on_model=saves.model_done)
                          if rest else None)


def model_token(locations: Locations, name: str) -> str | None:
    """The saved model's token, new at each save: which model an evaluation scored."""
    return peek_meta(locations.model_dir(name)).get("token")


def current_results(locations: Locations, saved: dict[str, Any] | None,
                    fingerprint: str) -> set[str]:
    """The models whose results in `saved` score, on this split, the model saved now (a
    report from before the tokens has none)."""
    if not saved or saved.get("fingerprint") != fingerprint:
        return set()
    tokens = saved.get("model_tokens") or {}
    return {name for name in saved.get("models", {})
            if tokens.get(name) is not None and tokens.get(name) == model_token(locations, name)}


def report_covers(locations: Locations, saved: dict[str, Any] | None, fingerprint: str,
                  models: Mapping[str, Recommender]) -> bool:
    """Whether `saved` scores every one of `models` as saved now, on this split."""
    if not saved:
        return False
    if "model_tokens" not in saved:  # a report from before the tokens
        return saved.get("fingerprint") == fingerprint and set(saved["models"]) == set(models)
    return set(models) <= current_results(locations, saved, fingerprint)


def with_earlier_results(locations: Locations, evaluation: dict[str, Any],
                         saved: dict[str, Any] | None) -> dict[str, Any]:
    """`evaluation` and the results in `saved` of the other models still current and
    servable (a ranker whose component is gone keeps its token, not its place), in the
    registry's order."""
    results, tokens = dict(evaluation["models"]), dict(evaluation["model_tokens"])
    if saved and (saved.get("k"), saved.get("n_cases")) == (evaluation["k"], evaluation["n_cases"]):
        fingerprint = evaluation["fingerprint"]
        kept = (current_results(locations, saved, fingerprint)
                & set(servable_for(locations, fingerprint)))
        for name in kept - set(results):
            results[name], tokens[name] = saved["models"][name], saved["model_tokens"][name]
    order = sorted(results, key=_registry_position)
    return {**evaluation, "models": {n: results[n] for n in order},
            "model_tokens": {n: tokens.get(n) for n in order}}


def _registry_position(name: str) -> int:
    return MODEL_NAMES.index(name) if name in MODEL_NAMES else len(MODEL_NAMES)


def only_models(report_: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """`report_` with the results of `names` alone."""
    return {**report_, "models": {n: r for n, r in report_["models"].items() if n in names},
            "model_tokens": {n: t for n, t in report_.get("model_tokens", {}).items()
                             if n in names}}


def load_report(locations: Locations) -> dict[str, Any] | None:
    path = locations.evaluation_json
    return read_json(path, REPORT_FORMAT, REPORT_VERSION, f"delete {path} and run `mpdtui evaluate`")


