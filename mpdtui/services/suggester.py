"""Suggestions for a playlist being built, each with a reason in words.

The model ranks; an `Explainer` turns the model's `Reason`s into text. `ReasonWords` is the
app's; another front end (a language, a terse mode) passes its own.

A song is often in the catalog under several URIs (the single and the album's copy, a
remaster, a compilation): suggestions list one version of a song, and none of a song the
playlist has. The models are left as they are: the challenge scores URIs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from models.base import PlaylistQuery, Reason, Recommender
from models.filtered import recommend_allowed
from mpdtui.data.catalog import Track
from mpdtui.errors import UserError
from mpdtui.pipeline.display import counted
from mpdtui.services.catalog import CatalogService
from mpdtui.services.model_store import ModelStore
from mpdtui.track_titles import track_title

REASON_WORDS = {"similar_playlists": "in playlists like yours", "similar_sound": "similar sound",
                "popular": "popular overall"}
SOUND_WORDS = {"duration": "length", "loudness": "loudness", "acousticness": "acoustic feel",
               "instrumentalness": "instrumental feel", "speechiness": "amount of speech",
               "valence": "mood"}
"""How a feature whose distance to the seeds moved a suggestion up is named."""


@dataclass(frozen=True)
class Suggestion:
    track: Track
    score: float
    reason: str


class Explainer(Protocol):
    def explain(self, recommender: Recommender, query: PlaylistQuery,
                ids: np.ndarray) -> list[str]:
        """One short reason per suggested track id, in order."""
        ...


class ReasonWords:
    """The model's own reasons (`Recommender.explain`) in the app's words."""

    def __init__(self, catalog: CatalogService) -> None:
        self._catalog = catalog

    def explain(self, recommender: Recommender, query: PlaylistQuery,
                ids: np.ndarray) -> list[str]:
        reasons = recommender.explain(query, ids)
        named = [r.seed for r in reasons if r.seed is not None] + list(query.seeds[:1])
        seeds = {t.id: track_title(t.name, t.artist_name) for t in self._catalog.tracks(named)}
        only_seed = seeds.get(query.seeds[0]) if len(query.seeds) == 1 else None
        return [self.words(reason, seeds, query.name.strip(), only_seed) for reason in reasons]

    @staticmethod
    def words(reason: Reason, seed_names: dict[int, str], name: str,
              only_seed: str | None = None) -> str:
        """`only_seed`: the name of the query's one seed (more like this, a first track)."""
        if reason.kind == "often_with" and reason.seed in seed_names:
            return f"often with {seed_names[reason.seed]}"
        if reason.kind in ("same_artist", "same_album") and reason.count:
            what = reason.kind.removeprefix("same_")
            if only_seed is not None:
                return f"same {what} as {only_seed}"
            of = "one" if reason.count == 1 else str(reason.count)
            return f"same {what} as {of} of your tracks"
        if reason.kind == "fits_name" and name:
            return f"fits the name '{name}'"
        if reason.kind == "similar_sound" and reason.feature:
            return f"similar {SOUND_WORDS.get(reason.feature, reason.feature)}"
        if reason.kind == "similar_playlists" and only_seed is not None:
            return "in similar playlists"  # short: the Why column is narrow
        return REASON_WORDS.get(reason.kind, "in playlists like yours")


MIN_SPARE = 10
"""Candidates asked for beyond k (at least; k/2 for a longer list) so that k remain once the
other versions of a song are left out."""


class Suggester:
    """Top-k tracks for a name and seeds from the default (or a chosen) model."""

    def __init__(self, models: ModelStore, catalog: CatalogService,
                 explainer: Explainer | None = None) -> None:
        self._models, self._catalog = models, catalog
        self._explainer = explainer or ReasonWords(catalog)
        self._left_out: tuple[frozenset[int], list[Track]] = (frozenset(), [])

    def suggest(self, name: str, seeds: Sequence[int], model: str | None = None,
                k: int = 50, allowed: np.ndarray | None = None,
                exclude: Collection[int] = ()) -> list[Suggestion]:
        """Suggestions, each with a short reason; only tracks where `allowed` (a mask by
        track id) is True when it is given, and none of `exclude` (track ids) nor of their
        songs in another version."""
        model_name = model or self._models.default()
        if model_name is None:
            raise UserError("no trained model yet: run `mpdtui --train` (or the setup's "
                            "training step)")
        query = PlaylistQuery.of(name, seeds)
        recommender = self._models.model(model_name)  # falls back when it must
        known = recommender.n_tracks  # fewer than the catalog's: tracks added since training
        if allowed is not None:  # a view whose own answers match the filter (models.filtered)
            allowed = allowed[:known]
            recommender = recommender.restricted_to(allowed)
        if exclude:  # only after: hiding a track leaves the others in their order
            every = np.ones(known, dtype=bool) if allowed is None else allowed
            allowed = without_tracks(every, [track for track in exclude if track < known])
        wanted = k + max(MIN_SPARE, k // 2)  # room for the other versions left out
        ranked = (recommender.recommend(query, wanted) if allowed is None
                  else recommend_allowed(recommender, query, wanted, allowed))
        candidates = self._catalog.tracks(ranked.ids.tolist())
        # no version of a song the playlist has, nor of one hidden (x) or left out
        keep = one_version_each(candidates, self._catalog.tracks(seeds) + self._tracks_of(exclude))
        ranked = ranked.keeping(keep, k)
        tracks = [track for track, kept in zip(candidates, keep, strict=True) if kept][:k]
        # the model's own reasons for its own tracks; then those of the tracks that topped up
        # its list, or, where it had nothing to go on, why (said once under the list)
        own = len(tracks) if ranked.own is None else ranked.own
        reasons = (self._explainer.explain(recommender, query, ranked.ids[:own]) if own else [])
        rest = ranked.ids[own:len(tracks)]
        reasons += (self._topped_up(recommender, query, rest) if own
                    else [ranked.fallback] * len(rest))
        return [Suggestion(track, float(score), reason) for track, score, reason
                in zip(tracks, ranked.scores.tolist(), reasons, strict=True)]

    def running_out(self, model: str | None, seeds: Sequence[int], exclude: Collection[int],
                    shown: int, k: int) -> str:
        """Why `shown` suggestions came where `k` were asked (the model fills its list to k
        whenever it knows enough tracks): it learned too few besides the playlist's and those
        hidden, as on data of a few playlists; "" when none are missing."""
        model_name = model or self._models.default()
        if shown >= k or model_name is None:
            return ""
        known = self._models.model(model_name).n_tracks
        have = {track for track in seeds if 0 <= track < known}
        hidden = {track for track in exclude if 0 <= track < known} - have
        has = ("it" if known == 1 else "them all") if len(have) == known else f"{len(have):,} of them"
        taken = ([f"the playlist has {has}"] if have else []) + (
            [f"{len(hidden):,} {'is' if len(hidden) == 1 else 'are'} hidden"] if hidden else [])
        what = f"only {counted(shown, 'track')} to suggest" if shown else "nothing to suggest"
        return (f"{what}: the models learned {counted(known, 'track')}"
                + (f", and {' and '.join(taken)}" if taken else ""))

    def _topped_up(self, recommender: Recommender, query: PlaylistQuery,
                   ids: np.ndarray) -> list[str]:
        """Reasons for the tracks that filled a list the model could not (the ranker's
        candidates, fewer than asked): the fallback's own ("fits the name …" where playlists
        named like it hold the track, else "popular overall"), not its note ("ranker: 486
        tracks found; answered by title"), which is how, not why."""
        if not ids.size:
            return []
        fallback = recommender.fallback
        if fallback is None or fallback is recommender:  # popularity filled it
            return [REASON_WORDS["popular"]] * ids.size
        return self._explainer.explain(fallback, query, ids)

    def _tracks_of(self, exclude: Collection[int]) -> list[Track]:
        """The tracks left out, read once for the requests that leave out the same ones (an
        artist hidden in the builder: thousands of tracks at the MPD's size)."""
        ids = frozenset(exclude)
        known, tracks = self._left_out  # one read: the builder's workers share this
        if ids != known:
            tracks = self._catalog.tracks(sorted(ids))
            self._left_out = (ids, tracks)
        return tracks


def without_tracks(allowed: np.ndarray, exclude: Collection[int]) -> np.ndarray:
    """The mask `allowed` less the tracks of `exclude`: a copy when that changes it (a
    filter's mask is kept for the next request)."""
    if not exclude:
        return allowed
    kept = allowed.copy()
    kept[np.fromiter(exclude, dtype=np.int64, count=len(exclude))] = False
    return kept


def one_version_each(candidates: Sequence[Track], playlist: Sequence[Track]) -> np.ndarray:
    """Which candidates to keep: the first version of each song (`Track.song`), none of a
    song in `playlist`."""
    seen = {track.song for track in playlist}
    keep = np.zeros(len(candidates), dtype=bool)
    for index, track in enumerate(candidates):
        if track.song not in seen:
            keep[index] = True
            seen.add(track.song)
    return keep
