"""The RecSys Challenge 2018 side: answer a challenge set with a trained model, make one from
slices not ingested and score answers against it, and the old notebook's view of ALS
(precision@100 by alpha)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.progress import ProgressCallback
from mpdtui.challenge import PER_CATEGORY
from mpdtui.challenge.make import (
    SHORTEST,
    MadeChallenge,
    counts,
    ingested_pid,
    make_challenge,
    read_playlists,
    refuse_ingested,
    refuse_learned,
    refuse_other_files,
    unknown_holdouts,
    write_challenge,
)
from mpdtui.challenge.score import (
    artists_of,
    read_submission,
    read_truth,
    refuse_repeated,
    score_submissions,
    truth_file,
)
from mpdtui.data.catalog import Catalog
from mpdtui.errors import UserError
from mpdtui.services.catalog import CatalogService
from mpdtui.services.model_store import ModelStore
from mpdtui.submission import (
    SubmissionSummary,
    challenge_set_file,
    read_challenge_set,
    refuse_to_replace,
    write_submission,
)

if TYPE_CHECKING:
    from models.notebook_eval import AlphaPoint

NOTEBOOK_PLAYLISTS = 1000
"""The notebook's scale."""


@dataclass(frozen=True)
class Submission:
    model: str
    answered: int
    summary: SubmissionSummary


class ChallengeService:
    def __init__(self, models: ModelStore, catalog: CatalogService) -> None:
        self._models, self._catalog = models, catalog

    def submit(self, challenge_set: Path, out: Path, *, model: str | None = None,
               team: str = "mpdtui", email: str = "mpdtui@example.com",
               progress: ProgressCallback | None = None,
               cancel: threading.Event | None = None) -> Submission:
        """Answer `challenge_set` (challenge_set.json) into the official CSV `out`, with
        `model` or the best trained one."""
        if out.is_dir():
            raise UserError(f"--out {out} is a folder: give the file to write, e.g. "
                            f"--out {out / 'submission.csv'}")
        if self._catalog.locations.holds(out):
            raise UserError(f"--out {out} is in the cache dir, whose files mpdtui manages: give "
                            "a file outside it")
        challenge_set = challenge_set_file(challenge_set)
        refuse_to_replace(out, challenge_set)
        challenge = read_challenge_set(challenge_set)
        catalog = self._stored_catalog()
        if catalog is not None:
            refuse_learned(catalog, challenge, challenge_set, self._catalog.locations.root)
        name = model or self._models.default()
        if name is None:
            raise UserError("no trained model yet: run `mpdtui --train` first")
        summary = write_submission(challenge, self._models.model(name), self._catalog.catalog(),
                                   out, team, email, progress=progress, cancel=cancel)
        return Submission(name, len(challenge), summary)

    def make(self, source: Path, out: Path, *, per_category: int = PER_CATEGORY,
             seed: int = 0) -> MadeChallenge:
        """A challenge set and its truth in the folder `out`, from the MPD slices at `source`
        that this cache dir did not ingest (refused when it ingested them all)."""
        if self._catalog.locations.holds(out):
            raise UserError(f"--out {out} is in the cache dir, whose files mpdtui manages: give "
                            "a folder outside it")
        refuse_other_files(out)
        catalog = self._stored_catalog()
        learned = None if catalog is None else partial(ingested_pid, catalog)
        read = read_playlists(source, per_category, learned)
        playlists = read.playlists
        if not playlists and read.held is not None:
            refuse_ingested(source, self._catalog.locations.root, read.held)
        challenge, truth = make_challenge(playlists, per_category, seed)
        if not truth["playlists"]:
            raise UserError(f"{source}: none of its {len(playlists):,} playlists has the "
                            f"{SHORTEST} distinct tracks a challenge playlist needs: give "
                            "slices with longer playlists (an MPD slice has hundreds)")
        write_challenge(out, challenge, truth)
        return MadeChallenge(out, counts(truth), len(playlists), read.slices,
                             sum(len(p["holdouts"]) for p in truth["playlists"]),
                             None if catalog is None else unknown_holdouts(catalog, truth),
                             per_category)

    def score(self, submissions: list[Path], truth: Path) -> dict[str, Any]:
        """`evaluate`'s report of each submission CSV against a made challenge's truth."""
        refuse_repeated(submissions)
        truth_playlists = read_truth(truth_file(truth))
        # by file name, what tells them apart in a narrow table, unless two share one
        names = [path.name for path in submissions]
        if len(set(names)) < len(set(submissions)):
            names = [str(path) for path in submissions]
        beside = truth_file(truth).parent  # the challenge set is there: say so in advice
        answers = {name: read_submission(path, truth_playlists, beside)
                   for name, path in zip(names, submissions, strict=True)}
        catalog = self._stored_catalog()
        return score_submissions(truth_playlists, answers,
                                 lambda uris: {} if catalog is None else artists_of(catalog, uris))

    def _stored_catalog(self) -> Catalog | None:
        """The catalog, None where nothing was ingested."""
        if not self._catalog.locations.catalog_db.is_file():
            return None
        return self._catalog.catalog()

    def notebook_sweep(self) -> list[AlphaPoint]:
        """ALS precision@100 by alpha on the notebook's split (implicit's train_test_split),
        with config.json's other ALS settings, as `--train` has them."""
        from models.als import ALSSettings
        from models.notebook_eval import alpha_sweep  # brings implicit: only when asked for
        from mpdtui import config, training

        overrides = config.read(self._catalog.locations).model_settings.get("als")
        settings = training.new_model("als", {}, overrides).settings
        assert isinstance(settings, ALSSettings)
        return alpha_sweep(self._models.training_data(), max_playlists=NOTEBOOK_PLAYLISTS,
                           settings=settings)
