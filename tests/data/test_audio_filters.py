"""Audio filters as people type them, and which tracks they let through."""

from __future__ import annotations

import numpy as np
import pytest

from mpdtui.audio.filters import FilterError, parse_filter
from mpdtui.audio.keys import parse_key
from mpdtui.data.features import FEATURE_NAMES
from mpdtui.data.track_features import TrackFeatures


def features(**columns: list[float]) -> TrackFeatures:
    n = len(next(iter(columns.values())))
    matrix = np.full((n, len(FEATURE_NAMES)), np.nan, np.float32)
    for name, values in columns.items():
        matrix[:, FEATURE_NAMES.index(name)] = values
    return TrackFeatures.from_matrix(matrix, FEATURE_NAMES)


@pytest.mark.parametrize(("text", "described"), [
    ("tempo 150-170", "tempo 150-170 BPM"),
    ("tempo 150..170", "tempo 150-170 BPM"),
    ("bpm 150 to 170", "tempo 150-170 BPM"),
    ("150-170 bpm", "tempo 150-170 BPM"),
    ("tempo 170-150", "tempo 150-170 BPM"),
    ("tempo>=150", "tempo >= 150"),
    ("tempo ≤ 100", "tempo <= 100"),
    ("tempo 128", "tempo 125-131 BPM"),
    ("tempo = 128", "tempo 125-131 BPM"),
    ("tempo ~128", "tempo 125-131 BPM"),
    ("tempo around 128", "tempo 125-131 BPM"),
    ("tempo 128 ± 5", "tempo 123-133 BPM"),
    ("bpm 128+-5", "tempo 123-133 BPM"),
    ("energy 50% +/- 0.1", "energy 0.4-0.6"),
    ("time 3:30 ± 20s", "duration 3:10-3:50"),
    # give or take, but never past what the feature can be (it read "-1:54 to 0:14")
    ("duration 4", "duration 0:00-0:14"),
    ("tempo 128 ± 500", "tempo 0-300 BPM"),
    ("tempo 299", "tempo 296-300 BPM"),
    ("energy >= 1", "energy >= 1"),
    ("energy 0.02", "energy 0-0.07"),
    ("energy = 1", "energy 0.95-1"),
    ("loudness -3 ± 2", "loudness -5 to -1 dB"),
    ("time < 3:00", "duration < 3:00"),
    ("mode minor", "minor"),
    ("energy > 0.7", "energy > 0.7"),
    ("energy > 70%", "energy > 0.7"),
    ("Energy>.7", "energy > 0.7"),
    ("dance 0.6-0.8", "danceability 0.6-0.8"),
    ("loudness -10 to -5", "loudness -10 to -5 dB"),
    ("duration < 4:00", "duration < 4:00"),
    ("duration 200-240", "duration 3:20-4:00"),
    ("key 8A", "key 8A (A minor)"),
    ("8A", "key 8A (A minor)"),
    ("key A minor", "key 8A (A minor)"),
    ("key Am 9A", "key 8A (A minor) 9A (E minor)"),
    ("key ~8A", "key 8A (A minor) or a key that mixes with it"),
    ("acoustic", "acoustic"),
    ("not acoustic", "not acoustic"),
    ("not major", "minor"),
    ("tempo 150-170, energy > 0.7 and key 8A; live",
     "tempo 150-170 BPM, energy > 0.7, key 8A (A minor), live"),
])
def test_filters_are_read_as_written(text: str, described: str) -> None:
    assert parse_filter(text).describe() == described


def test_repeated_options_add_up_and_blank_means_no_filter() -> None:
    assert parse_filter(["tempo>=150", "energy>0.7"]).describe() == "tempo >= 150, energy > 0.7"
    assert not parse_filter("  ") and not parse_filter([])


@pytest.mark.parametrize(("text", "says"), [
    ("tempoo > 3", "unknown feature 'tempoo'"),
    ("energy > 70", "energy runs from 0 to 1 (write 0.7 or 70%)"),
    ("key H", "a key is a Camelot code"),
    ("key", "a key is a Camelot code"),
    ("tempo > 3:00", "'3:00' is not a value of tempo"),
    ("loudness > 5%", "'5%' is not a value of loudness"),
    ("150-170", "which feature?"),
    ("fast", "write a feature and a value"),
    ("mode > 0.5", "unknown feature 'mode'"),
    ("tempo -120", "tempo is never below 0 (write it in beats per minute, e.g. 'tempo 120')"),
    ("duration < -3:00", "duration is never below 0 (write it in m:ss or seconds, "
                         "e.g. 'duration < 3:00')"),
    ("duration 2:75", "2:75 has 75 seconds; write m:ss with 00-59 seconds, e.g. 3:15"),
])
def test_a_filter_that_cannot_be_read_says_what_would_work(text: str, says: str) -> None:
    with pytest.raises(FilterError, match=f"filter '{text}'") as caught:
        parse_filter(text)
    assert says in str(caught.value)


@pytest.mark.parametrize(("text", "says"), [
    ("tempo > 400", "tempo runs from 0 to 300 BPM, not 400"),
    ("tempo 500-600", "tempo runs from 0 to 300 BPM, not 500"),
    ("tempo ~900", "tempo runs from 0 to 300 BPM, not 900"),
    ("loudness > 20", "loudness runs from -100 to 10 dB (most tracks -60 to 0), not 20"),
    ("duration > 1500min", "duration runs from 0:00 to a day (1440:00), not 1500min"),
    ("energy > 150%", "energy runs from 0 to 1 (0% to 100%), not 150%"),
    ("energy = 1.5", "energy runs from 0 to 1 (0% to 100%), not 1.5"),
    ("danceability < -1", "danceability runs from 0 to 1 (0% to 100%), not -1"),
    ("energy > 1", "no track's energy is above 1: energy runs from 0 to 1 (0% to 100%)"),
    ("tempo > 300", "no track's tempo is above 300: tempo runs from 0 to 300 BPM"),
    ("tempo < 0", "no track's tempo is below 0: tempo runs from 0 to 300 BPM"),
])
def test_a_value_no_track_can_have_is_refused_naming_the_range(text: str, says: str) -> None:
    """It was read, and matched nothing without a word (an energy of 150% read as 1.5%)."""
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    assert str(caught.value) == f"filter '{text}': {says}"


@pytest.mark.parametrize(("text", "follows_the_advice"), [
    ("tempo < -5", "tempo < 5"), ("tempo -5-10", "tempo 5-10 BPM"),
    ("duration -1:30", "duration 1:20-1:40"),
])
def test_a_negative_tempo_or_length_is_refused_with_a_filter_that_reads(
        text: str, follows_the_advice: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    advice = str(caught.value).rsplit("e.g. ", 1)[1].strip("')")
    assert parse_filter(advice).describe() == follows_the_advice


def test_ranges_comparisons_and_unknown_values() -> None:
    tracks = features(tempo=[149.9, 150, 160, 170, 170.1, np.nan],
                      energy=[0.9, 0.7, 0.71, 0.95, 0.9, 0.9])
    assert parse_filter("tempo 150-170").mask(tracks).tolist() == [0, 1, 1, 1, 0, 0]
    assert parse_filter("energy > 0.7").mask(tracks).tolist() == [1, 0, 1, 1, 1, 1]
    both = parse_filter(["tempo 150-170", "energy > 0.7"]).mask(tracks)
    assert np.flatnonzero(both).tolist() == [2, 3]


def test_keys_words_and_negations() -> None:
    a_minor, e_minor, c_major = (parse_key(k) for k in ("Am", "Em", "C"))
    assert None not in (a_minor, e_minor, c_major)
    tracks = features(key=[9, 4, 0, 2, -1, np.nan], mode=[0, 0, 1, 1, 1, np.nan],
                      acousticness=[0.9, 0.1, 0.5, np.nan, 0.2, 0.6])
    assert np.flatnonzero(parse_filter("key 8A").mask(tracks)).tolist() == [0]
    assert np.flatnonzero(parse_filter("key ~8A").mask(tracks)).tolist() == [0, 1, 2]
    assert np.flatnonzero(parse_filter("minor").mask(tracks)).tolist() == [0, 1]
    assert np.flatnonzero(parse_filter("acoustic").mask(tracks)).tolist() == [0, 2, 5]
    assert np.flatnonzero(parse_filter("not acoustic").mask(tracks)).tolist() == [1, 4]
