"""The one definition of mpdtui's long work: the stages that set up a cache dir.

    source -> demo files -> ingest -> features -> split -> each model -> evaluation

Every stage knows whether it is done for the current data (`is_done`), so a job skips what
is done and an interrupted job, run again, resumes where it stopped. Each job runs a slice of
this list (`stages_for`): `mpdtui --train` and the app's training step all of it, `mpdtui
ingest` and the data step the data stages, and so on. Stages report typed events through
the job (`Job.emit`, `Job.progress`) and stop at a resumable point when `Job.cancel` is set.

Here the stages are put in order; `job` holds what they share (`Job`, `Stage`),
`data_stages` and `model_stages` the stages themselves, `overlap` which of them run at once.
"""

from __future__ import annotations

from collections.abc import Callable

from mpdtui.pipeline.data_stages import (
    DemoStage,
    FeaturesStage,
    IngestStage,
    SourceStage,
    SplitStage,
    SpotifyImportStage,
)
from mpdtui.pipeline.job import Stage
from mpdtui.pipeline.model_stages import EvaluateStage, ModelStage
from mpdtui.pipeline.request import JobRequest

DATA_STAGES: tuple[Callable[[], Stage], ...] = (SourceStage, DemoStage, IngestStage)


def stages_for(request: JobRequest, models: tuple[str, ...]) -> list[Stage]:
    """The stages a request runs, in pipeline order."""
    data = [make() for make in DATA_STAGES]
    if request.goal == "data":
        return data
    if request.goal == "features":
        return [FeaturesStage()]
    if request.goal == "evaluate":
        return [EvaluateStage()]
    if request.goal == "import_spotify":
        return [SpotifyImportStage()]
    return [*data, FeaturesStage(), SplitStage(), *(ModelStage(m) for m in models),
            EvaluateStage()]
