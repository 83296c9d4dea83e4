"""Job progress and results in words, the same in both front ends: "3/10 slices · 1,204 rows/s ·
ETA 0:12"."""

from __future__ import annotations

from typing import Any

from mpdtui.pipeline.events import StageProgress

NOTHING_HELD_OUT = ("no playlist is held out to score the models on: the evaluation holds out a "
                    "tenth of the playlists (up to 1,000), each of at least 10 tracks, and this "
                    "data has too few")
"""An evaluation of data too small to hold any playlist out."""


def amount(value: float, unit: str) -> str:
    """3, 1,204, 12.5 MB: counts with thousands separators, bytes in human units."""
    if unit == "bytes":
        for name, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
            if value >= size:
                return f"{value / size:.1f} {name}"
        return f"{value:.0f} B"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def counted(count: int, noun: str) -> str:
    """"1 playlist", "2,034 playlists"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def spotify_import_said(result: dict[str, Any], training: bool) -> str:
    """What a Spotify import did (`JobSummary.spotify`), for both front ends."""
    return (f"imported {counted(result['imported'], 'playlist')} "
            f"({counted(result['tracks'], 'track')}) of Spotify user {result['user']}: "
            f"{counted(result['created'], 'new saved playlist')}, {result['updated']} refreshed"
            + (", added as training playlists" if training else "")
            + f"; skipped {result['skipped_empty']} empty, {result['skipped_not_own']} not your "
            f"own, {result['skipped_exported']} exported by mpdtui" + _left_out(result) + ".")


def _left_out(result: dict[str, Any]) -> str:
    """The playlists' items left out: a playlist of 120 came as 117 tracks, unexplained."""
    left_out = int(result.get("left_out") or 0)  # (a summary from before it was counted)
    if not left_out:
        return ""
    return (f"; left out {left_out:,} of their items (podcast episodes, local files or tracks "
            "gone from Spotify: no Spotify tracks)")


def playlist_called(name: str) -> str:
    """A playlist's name in quotes ("'rainy sunday'"), or "an unnamed playlist" (a draft whose
    name was not typed yet)."""
    return f"'{name}'" if name.strip() else "an unnamed playlist"


def trained_before(added: tuple[int, int], with_tracks: bool = True) -> str:
    """"trained before 2 playlists and 35 new tracks were added": the serving models'
    `TrainingState.added_since_training` (`with_tracks` False: the playlists only)."""
    playlists, tracks = added
    new_tracks = f" and {counted(tracks, 'new track')}" if tracks and with_tracks else ""
    were = "was" if playlists == 1 and not new_tracks else "were"
    return f"trained before {counted(playlists, 'playlist')}{new_tracks} {were} added"


def learned_from_other_audio(models: list[str], these: str = "these",
                             gained: int | None = None) -> str:
    """"two_tower and ranker learned from other audio features than these (12 more tracks have
    them now)": the saved models `training.behind_on_audio` names, and how many tracks more
    (or fewer) have features since, where it says."""
    said = f"{' and '.join(models)} learned from other audio features than {these}"
    if not gained:
        return said
    more = "more" if gained > 0 else "fewer"
    have = "track has" if abs(gained) == 1 else "tracks have"
    return f"{said} ({abs(gained):,} {more} {have} them now)"


OTHER_DATA = ("none of its tracks is in the catalog: it holds other data's features (tracks the "
              "playlists ingested do not have), so it adds nothing to filter or order by sound; "
              "give the features CSV of the data ingested")
"""Said after a features CSV imported none of whose tracks is in the catalog (whatever features
were there before): its rows were stored, but under track ids the catalog does not hold
(another demo's, another dataset's)."""


def clock(seconds: float) -> str:
    """3:05, or 1:02:03 from an hour on (a track's length, a time left)."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def playlist_length(ms: float) -> str:
    """A playlist's total length: 42:13 within an hour, "3 h 05 min" from one on, as music
    players show it (a 4,000-track playlist lasts "249 h 37 min", not "249:36:52")."""
    seconds = round(ms / 1000)
    if seconds < 3600:
        return clock(seconds)
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours:,} h {minutes:02d} min"


def describe_progress(event: StageProgress) -> str:
    """"3/10 slices · ETA 0:12 · 1,204 rows/s" (what the bars and lines show after the name):
    the time left before the stage's words, which a narrow line cuts first."""
    if event.total:
        text = f"{amount(event.done, event.unit)}/{amount(event.total, event.unit)}"
    else:
        text = amount(event.done, event.unit) if event.done else ""
    if event.unit and event.unit != "bytes" and text:
        text += f" {event.unit}"
    parts = [text] if text else []
    if event.eta_s is not None and event.total and event.done < event.total:
        parts.append(f"ETA {clock(event.eta_s)}")
    if event.message:
        parts.append(event.message)
    return " · ".join(parts)
