"""Challenge metrics against cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.metrics import METRICS, clicks, ndcg, r_precision, score

# track id -> artist id
ARTIST = np.array([0, 0, 1, 1, 2, 3, 3, 4, 5, 6, 7, 8])


def test_r_precision_counts_hits_in_the_first_truth_size_positions():
    truth = [1, 2, 3, 4]
    assert r_precision(truth, [1, 9, 3, 8, 2]) == pytest.approx(2 / 4)  # 2 is 5th: too late
    assert r_precision(truth, [4, 3, 2, 1, 0]) == 1.0
    assert r_precision(truth, []) == 0.0
    assert r_precision([], [1, 2]) == 0.0


def test_r_precision_artist_credit_for_wrong_tracks_by_truth_artists():
    # truth tracks 2, 4, 7 -> truth artists {1, 2, 4}
    truth = [2, 4, 7]
    # 2 hits; 3 is wrong but by artist 1 (+0.25); 10 is by artist 7 (nothing)
    assert r_precision(truth, [2, 3, 10], ARTIST) == pytest.approx((1 + 0.25) / 3)
    # 5 and 6 are by artist 3, not a truth artist
    assert r_precision(truth, [5, 6, 2], ARTIST) == pytest.approx(1 / 3)
    # credit only within the first |truth| positions: 3 comes 4th
    assert r_precision(truth, [5, 6, 10, 3], ARTIST) == 0.0
    # truth [0, 4, 7, 8] -> artists {0, 2, 4, 5}: 1 is wrong, by artist 0 (+0.25); 0 hits
    assert r_precision([0, 4, 7, 8], [1, 0, 11, 10], ARTIST) == pytest.approx((1 + 0.25) / 4)


def test_r_precision_artist_counted_once_over_several_wrong_tracks():
    artist = np.array([0, 0, 0, 1, 2])
    truth = [2, 3]  # artists {0, 1}
    assert r_precision(truth, [0, 1, 2], artist) == pytest.approx(0.25 / 2)  # 0, 1: artist 0 once
    assert r_precision(truth, [0, 4], artist) == pytest.approx(0.25 / 2)


def test_ndcg_is_one_for_a_perfect_list_and_follows_the_challenge_discount():
    truth = [5, 6, 7]
    assert ndcg(truth, [5, 6, 7, 1, 2]) == pytest.approx(1.0)
    assert ndcg(truth, [7, 5, 6]) == pytest.approx(1.0)
    # hits at ranks 2 and 3: DCG = 1/log2(2) + 1/log2(3); ideal = 1 + 1 + 1/log2(3)
    expected = (1 + 1 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg(truth, [1, 5, 6, 2]) == pytest.approx(expected)
    # one hit at rank 4 of a 4-long list; ideal has 3 hits at the top
    assert ndcg(truth, [1, 2, 3, 7]) == pytest.approx(0.5 / (2 + 1 / math.log2(3)))
    assert ndcg(truth, [1, 2]) == 0.0
    assert ndcg([], [1, 2]) == 0.0


def test_clicks_counts_pages_before_the_first_hit():
    ranked = list(range(100, 600))
    assert clicks([100], ranked) == 0
    assert clicks([109], ranked) == 0
    assert clicks([110], ranked) == 1
    assert clicks([355, 599], ranked) == 25
    assert clicks([599], ranked) == 49
    assert clicks([7], ranked) == 51


def test_score_returns_every_metric():
    result = score([1, 2], [1, 3, 2], ARTIST)
    assert list(result) == list(METRICS)
    assert result["r_precision"] == 0.5
    assert result["r_precision_artist"] == pytest.approx((1 + 0.25) / 2)  # 3 is artist 1 like 2
    assert result["clicks"] == 0.0


def test_a_repeated_track_is_relevant_once():
    # truth {1, 2}: [1, 1] finds one of the two (the challenge's |G ∩ R[:|G|]| is a set)
    assert r_precision([1, 2], [1, 1]) == pytest.approx(1 / 2)
    # hits only at rank 1 (the repeat at rank 2 is none): DCG 1, ideal 1 + 1/log2(2) = 2
    assert ndcg([1, 2], [1, 1, 3]) == pytest.approx(1 / 2)
    assert clicks([5], [3, 3, 5]) == 0


def test_ndcg_ideal_is_not_shortened_by_a_short_list():
    # 5 held-out tracks, a one-track list with a hit: DCG 1 against the ideal of all five
    # first: 1 + 1/log2(2) + 1/log2(3) + 1/log2(4) + 1/log2(5)
    ideal = 1 + 1 + 1 / math.log2(3) + 1 / 2 + 1 / math.log2(5)
    assert ndcg([1, 2, 3, 4, 5], [1]) == pytest.approx(1 / ideal)
    assert score([1, 2, 3, 4, 5], [1], ARTIST)["ndcg"] == pytest.approx(1 / ideal)


def test_ndcg_is_cut_at_the_list_length_asked_for():
    # 3 held-out tracks, a cutoff of 2: the ideal is two hits; a hit at rank 3 is past it
    assert ndcg([5, 6, 7], [5, 6], cutoff=2) == pytest.approx(1.0)
    assert ndcg([5, 6, 7], [1, 2, 5], cutoff=2) == 0.0
    assert score([5, 6, 7], [5, 1, 6], ARTIST, cutoff=2)["ndcg"] == pytest.approx(1 / 2)
