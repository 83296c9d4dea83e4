"""Downloading audio features for the catalog's tracks: batches of 100, most popular first.

Every batch is stored as it arrives, so a rerun (after Ctrl-C, a crash or a long rate limit)
continues where it stopped and never asks for an id twice. A 403 means the endpoint is closed
to this app: we stop at once, remember it for this login, and say which fallback is used.
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from models.progress import Progress, ProgressCallback, check_cancel
from mpdtui.data.features import FeatureStore
from mpdtui.locations import Locations
from mpdtui.spotify.client import RetryPolicy, SpotifyClient, Wait, open_client
from mpdtui.spotify.errors import Forbidden

STAGE = "features-download"
BATCH_SIZE = 100


def fallback(csv_file: Path | None = None) -> str:
    """The features used instead of the API's, with the command that imports a CSV: the one
    that came with the data where there is one (`FILE` followed as written imports nothing)."""
    if csv_file is None:
        csv_advice = "`mpdtui features --csv FILE`"
    else:
        csv_advice = (f"the data came with {csv_file}: `mpdtui features --csv "
                      f"{shlex.quote(str(csv_file))}` imports it")
    return (f"using features from CSV files ({csv_advice}) and from the MPD itself (artist, "
            "album, duration, popularity) instead")


def forbidden_now(csv_file: Path | None = None) -> str:
    return ("Spotify refused audio features to this app (403: the endpoint is closed to apps "
            f"created after 2024-11-27); {fallback(csv_file)}; not asking again for this login "
            "(--retry-forbidden to try anyway)")


def forbidden_before(csv_file: Path | None = None) -> str:
    return ("Spotify refused audio features to this login before (403); "
            f"{fallback(csv_file)} (--retry-forbidden to ask again)")


FORBIDDEN_NOW, FORBIDDEN_BEFORE = forbidden_now(), forbidden_before()


DownloadKind = Literal["start", "batch", "rate_limited", "retry", "forbidden", "notice"]


@dataclass(frozen=True)
class DownloadProgress(Progress):
    """A `Progress` (done/total = tracks) with what happened: `kind` is "start", "batch",
    "rate_limited" or "retry" (then `wait_s` is the pause about to start, for a countdown),
    or "forbidden"."""

    kind: DownloadKind = "batch"
    wait_s: float = 0.0


@dataclass(frozen=True)
class DownloadResult:
    to_fetch: int  # ids neither asked before nor covered by a CSV, at the start
    fetched: int
    with_features: int
    no_features: int
    batches: int
    forbidden: bool = False
    message: str = ""

    def describe(self) -> str:
        if self.forbidden:
            return self.message
        if not self.to_fetch:
            return "Audio features: nothing left to download."
        return (f"Audio features: asked for {self.fetched:,} of {self.to_fetch:,} tracks in "
                f"{self.batches:,} batches; {self.with_features:,} with features, "
                f"{self.no_features:,} without.")


def download_features(store: FeatureStore, client: SpotifyClient, track_uris: Sequence[str], *,
                      progress: ProgressCallback | None = None,
                      cancel: threading.Event | None = None, retry_forbidden: bool = False,
                      batch_size: int = BATCH_SIZE,
                      csv_file: Path | None = None) -> DownloadResult:
    """Fetch features for `track_uris` (most important first) that are not known yet.
    Raises `Cancelled` when `cancel` is set (stored batches stay), `ApiUnavailable` when
    retries run out, `LoginRequired` when the login is gone. A 403's advice names
    `csv_file` (the CSV that came with the data) while the store holds no features."""
    login_id = client.session.login_id
    if csv_file is not None and store.holds_features():
        csv_file = None  # imported, or features came another way: FILE is another CSV

    def emit(done: int, total: int, message: str, kind: DownloadKind, wait_s: float = 0.0) -> None:
        if progress is not None:
            progress(DownloadProgress(STAGE, done, total, message, kind=kind, wait_s=wait_s))

    if retry_forbidden:
        store.clear_forbidden()
    elif store.forbidden_login() == login_id:
        message = forbidden_before(csv_file)
        emit(0, 0, message, "forbidden")
        return DownloadResult(0, 0, 0, 0, 0, forbidden=True, message=message)
    todo = store.ids_to_fetch(track_uris)
    counts = {"fetched": 0, "with": 0, "without": 0, "batches": 0}
    emit(0, len(todo), f"{len(todo):,} tracks to ask Spotify about", "start")

    def on_wait(wait: Wait) -> None:
        emit(counts["fetched"], len(todo), wait.message, wait.kind, wait.seconds)

    saved = client.on_wait, client.cancel
    client.on_wait, client.cancel = on_wait, cancel
    try:
        for start in range(0, len(todo), batch_size):
            check_cancel(cancel)
            ids = todo[start:start + batch_size]
            try:
                answers = client.audio_features(ids)
            except Forbidden:
                store.mark_forbidden(login_id)
                message = forbidden_now(csv_file)
                emit(counts["fetched"], len(todo), message, "forbidden")
                return _result(todo, counts, message)
            found, missing = store.store_api_batch(ids, answers)
            counts["fetched"] += len(ids)
            counts["with"] += found
            counts["without"] += missing
            counts["batches"] += 1
            emit(counts["fetched"], len(todo),
                 f"{counts['fetched']:,} of {len(todo):,} tracks", "batch")
    finally:
        client.on_wait, client.cancel = saved
    return _result(todo, counts)


def _result(todo: list[str], counts: dict[str, int], forbidden: str = "") -> DownloadResult:
    """The outcome; `forbidden`: Spotify's 403, as said."""
    return DownloadResult(len(todo), counts["fetched"], counts["with"], counts["without"],
                          counts["batches"], forbidden=bool(forbidden), message=forbidden)


def download(locations: Locations, track_uris: Sequence[str], *,
             progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
             retry_forbidden: bool = False, policy: RetryPolicy | None = None,
             csv_file: Path | None = None) -> DownloadResult:
    """`download_features` for the login and feature store in `locations` (raises
    `LoginRequired` when not logged in)."""
    client = open_client(locations, policy=policy)
    with FeatureStore.open(locations) as store:
        return download_features(store, client, track_uris, progress=progress, cancel=cancel,
                                 retry_forbidden=retry_forbidden, csv_file=csv_file)
