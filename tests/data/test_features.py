"""Audio features: download against the loopback fake (resume, 429 storms, 5xx, dropped
connections, null entries, 403 fallback), CSV import of both layouts, the feature matrix."""

from __future__ import annotations

import argparse
import csv
import re
import sqlite3
import threading
import warnings
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import requests
from fake_spotify import DROP, FakeSpotify, Fault, features_for, too_many

from models.progress import Cancelled
from mpdtui.data.feature_rows import CsvLayoutError
from mpdtui.data.features import (
    FEATURE_NAMES,
    FeatureStore,
    FeatureStoreError,
)
from mpdtui.data.track_features import catalog_feature_matrix
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.spotify import auth
from mpdtui.spotify.client import RetryPolicy, open_client
from mpdtui.spotify.download import DownloadProgress, download, download_features
from mpdtui.spotify.errors import ApiUnavailable

FAST = RetryPolicy(max_attempts=4, backoff_base=0.001)


def track_id(n: int) -> str:
    return f"t{n:021d}"  # 22 base62 characters, like real ids


URIS = [f"spotify:track:{track_id(n)}" for n in range(350)]


@pytest.fixture
def locations(tmp_path) -> Locations:
    return Locations.resolve(tmp_path / "cache").ensure()


def log_in(fake: FakeSpotify, locations: Locations) -> None:
    auth.login(locations, fake.state.client_id, port=0, timeout=20,
               open_url=lambda url: requests.get(url, timeout=10))


@pytest.fixture
def logged_in(fake: FakeSpotify, locations: Locations) -> Locations:
    log_in(fake, locations)
    return locations


def requested_ids(fake: FakeSpotify) -> list[str]:
    """Ids of every audio-features request the server answered with data."""
    return [i for call in fake.calls("audio-features") if call.status == 200
            for i in call.query["ids"][0].split(",")]


def test_download_stores_batches_of_100_in_popularity_order(fake: FakeSpotify,
                                                            logged_in: Locations) -> None:
    fake.state.no_feature_ids = {track_id(3), track_id(120)}
    events: list[DownloadProgress] = []
    result = download(logged_in, URIS, progress=events.append, policy=FAST)

    assert (result.fetched, result.batches) == (350, 4)
    assert (result.with_features, result.no_features) == (348, 2)
    sizes = [len(c.query["ids"][0].split(",")) for c in fake.calls("audio-features")]
    assert sizes == [100, 100, 100, 50]
    assert requested_ids(fake) == [u.split(":")[-1] for u in URIS]
    assert [e.done for e in events if e.kind == "batch"] == [100, 200, 300, 350]
    with FeatureStore.open(logged_in) as store:
        matrix, names = store.feature_matrix(URIS[:5])
        assert names == FEATURE_NAMES and matrix.dtype == np.float32
        expected = features_for(track_id(0))
        assert matrix[0] == pytest.approx([expected[n] for n in FEATURE_NAMES])
        assert np.isnan(matrix[3]).all()  # null entry: no features
        assert store.coverage(URIS) == {"api": 348, "csv": 0, "no_features": 2,
                                        "tracks": 350, "missing": 0, "forbidden": False}
    again = download(logged_in, URIS, policy=FAST)  # nothing asked twice, nulls included
    assert again.to_fetch == 0 and len(fake.calls("audio-features")) == 4


def test_interrupted_download_resumes_without_fetching_a_batch_twice(
        fake: FakeSpotify, logged_in: Locations) -> None:
    cancel = threading.Event()

    def stop_after_two_batches(event: DownloadProgress) -> None:
        if event.kind == "batch" and event.done >= 200:
            cancel.set()

    with pytest.raises(Cancelled):
        download(logged_in, URIS, progress=stop_after_two_batches, cancel=cancel, policy=FAST)
    fake.fail_next("audio-features", *[Fault(503)] * FAST.max_attempts)  # then Spotify is down
    with pytest.raises(ApiUnavailable, match="kept"):
        download(logged_in, URIS, policy=FAST)
    result = download(logged_in, URIS, policy=FAST)

    assert result.to_fetch == 150 and result.batches == 2
    counts = Counter(requested_ids(fake))
    assert set(counts) == {u.split(":")[-1] for u in URIS}
    assert max(counts.values()) == 1


def test_429_storm_is_waited_out_and_reported(fake: FakeSpotify,
                                              logged_in: Locations) -> None:
    fake.fail_next("audio-features", too_many(1), *[too_many(0)] * 25)
    events: list[DownloadProgress] = []
    result = download(logged_in, URIS[:150], progress=events.append, policy=FAST)

    assert result.fetched == 150
    waits = [e for e in events if e.kind == "rate_limited"]
    assert len(waits) == 26
    assert waits[0].wait_s == 1 and waits[0].message == "rate limited, retrying in 1 s"
    assert Counter(requested_ids(fake)).most_common(1)[0][1] == 1


def test_5xx_and_dropped_connections_are_retried_with_backoff(fake: FakeSpotify,
                                                              logged_in: Locations) -> None:
    fake.fail_next("audio-features", Fault(500), DROP, Fault(502))
    events: list[DownloadProgress] = []
    result = download(logged_in, URIS[:100], progress=events.append, policy=FAST)

    assert result.fetched == 100
    retries = [e for e in events if e.kind == "retry"]
    assert [e.wait_s for e in retries] == [0.001, 0.002, 0.004]
    assert "Spotify answered 500" in retries[0].message
    assert "connection to Spotify failed" in retries[1].message


def test_401_during_download_refreshes_once(fake: FakeSpotify, logged_in: Locations) -> None:
    fake.fail_next("audio-features", Fault(401))
    assert download(logged_in, URIS[:100], policy=FAST).fetched == 100
    assert len(fake.calls("api/token")) == 2  # the login, one refresh


def test_403_stops_at_once_and_is_remembered_for_this_login(
        fake: FakeSpotify, logged_in: Locations) -> None:
    fake.state.forbid_audio_features = True
    events: list[DownloadProgress] = []
    first = download(logged_in, URIS, progress=events.append, policy=FAST)

    assert first.forbidden and first.fetched == 0
    assert "403" in first.describe() and "CSV" in first.describe()
    assert "\n" not in first.describe()
    assert [e.kind for e in events] == ["start", "forbidden"]
    assert len(fake.calls("audio-features")) == 1

    second = download(logged_in, URIS, policy=FAST)
    assert second.forbidden and len(fake.calls("audio-features")) == 1  # not asked again
    with FeatureStore.open(logged_in) as store:
        assert store.coverage()["forbidden"]

    download(logged_in, URIS, policy=FAST, retry_forbidden=True)
    assert len(fake.calls("audio-features")) == 2
    log_in(fake, logged_in)  # a new login is a new token: asked again
    fake.state.forbid_audio_features = False
    assert download(logged_in, URIS, policy=FAST).fetched == 350


def test_download_can_be_cancelled_during_a_rate_limit_wait(fake: FakeSpotify,
                                                            logged_in: Locations) -> None:
    fake.fail_next("audio-features", too_many(30))
    cancel = threading.Event()

    def on_event(event: DownloadProgress) -> None:
        if event.kind == "rate_limited":
            cancel.set()

    with FeatureStore.open(logged_in) as store, pytest.raises(Cancelled):
        download_features(store, open_client(logged_in, policy=FAST), URIS,
                          progress=on_event, cancel=cancel)



def test_a_long_rate_limit_says_when_it_ends(fake: FakeSpotify, logged_in: Locations) -> None:
    """Spotify's `Retry-After: 3600` read "rate limited, retrying in 3600 s": an hour, to work
    out when to come back after Ctrl-C."""
    fake.fail_next("audio-features", too_many(3600))
    cancel = threading.Event()
    waits: list[DownloadProgress] = []

    def on_event(event: DownloadProgress) -> None:
        if event.kind == "rate_limited":
            waits.append(event)
            cancel.set()

    with FeatureStore.open(logged_in) as store, pytest.raises(Cancelled):
        download_features(store, open_client(logged_in, policy=FAST), URIS,
                          progress=on_event, cancel=cancel)
    assert re.fullmatch(r"rate limited, retrying in 3600 s \(after (\d{4}-\d\d-\d\d )?"
                        r"\d\d:\d\d\)", waits[0].message), waits[0].message


def test_download_is_cancelled_during_a_request_spotify_is_slow_to_answer(
        fake: FakeSpotify, logged_in: Locations) -> None:
    """Ctrl-C (or the app's stop) while Spotify was slow to answer did nothing until the
    request timed out 20 s later: then "connection to Spotify failed (ReadTimeout)", and only
    then the stop."""
    cancel, answer = threading.Event(), threading.Event()
    fake.fail_next("audio-features", Fault(status=0, before=cancel.set, hold=answer))
    waits: list[DownloadProgress] = []
    try:
        with FeatureStore.open(logged_in) as store, pytest.raises(Cancelled):
            download_features(store, open_client(logged_in, policy=FAST), URIS,
                              progress=lambda event: waits.append(event)
                              if event.kind in ("retry", "rate_limited") else None,
                              cancel=cancel)
    finally:
        answer.set()
    assert waits == []  # stopped in the request, not after it failed


TRACKS_FEATURES_HEADER = (
    "id,name,album,album_id,artists,artist_ids,track_number,disc_number,explicit,danceability,"
    "energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,"
    "duration_ms,time_signature,year,release_date")
DATASET_HEADER = (
    ",track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,"
    "energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,"
    "time_signature,track_genre")


def tracks_features_row(tid: str, dance: str = "0.5") -> str:
    return (f'{tid},"Song, with comma",Album,alb,[\'A\'],[\'x\'],1,1,False,{dance},0.6,5,-7.5,'
            f"1,0.05,0.1,0.0,0.2,0.7,120.0,210000,4,1999,1999-01-01")


def dataset_row(n: int, tid: str, energy: str = "0.9") -> str:
    return (f"{n},{tid},Artist A;Artist B,Album,Song,50,180000,False,0.3,{energy},2,-5.0,0,"
            "0.04,0.2,0.01,0.1,0.4,95.5,4,pop")


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_values_no_audio_features_hold_are_bad_rows(tmp_path: Path,
                                                   locations: Locations) -> None:
    """An energy of 5 or a tempo of -120 was imported (and passed any 'energy > 0.7')."""
    good = tracks_features_row(track_id(0), dance="1")  # the bounds themselves are values
    tracks = write(tmp_path / "tracks_features.csv", [
        TRACKS_FEATURES_HEADER, good,
        tracks_features_row(track_id(1), dance="1.5"),
        good.replace(track_id(0), track_id(2)).replace(",120.0,", ",-120,"),
        good.replace(track_id(0), track_id(3)).replace(",5,-7.5,", ",15,-7.5,"),
        good.replace(track_id(0), track_id(4)).replace(",5,-7.5,", ",-1,-7.5,"),  # no key found
    ])
    with FeatureStore.open(locations) as store:
        result = store.import_csv(tracks)
    assert (result.imported, result.bad) == (2, 3)
    assert result.bad_examples == ("line 3: danceability = '1.5' is outside 0 to 1",
                                   "line 4: tempo = '-120' is outside 0 to 300",
                                   "line 5: key = '15' is outside -1 to 11")


@pytest.mark.parametrize(("column", "value", "why"), [
    ("tempo", "1e308", "outside 0 to 300"), ("tempo", "3.5e10", "outside 0 to 300"),
    ("key", "3.5", "not a whole number"), ("mode", "0.5", "not a whole number"),
    ("loudness", "-1e308", "outside -100 to 10"),
    ("duration_ms", "1e300", "outside 0 to 86,400,000"), ("duration_ms", "-1", "outside 0 to"),
    ("tempo", "inf", "not a finite number"),
])
def test_values_beyond_what_a_track_can_have_are_bad_rows(
        tmp_path: Path, locations: Locations, column: str, value: str, why: str) -> None:
    """A tempo of 1e308 (infinite as float32: numpy warned on every read), a key of 3.5 or a
    mode of 0.5 were imported, and shown as a BPM of 35000000512 or a key of Eb."""
    good = tracks_features_row(track_id(0))
    header = TRACKS_FEATURES_HEADER.split(",")
    cells = next(csv.reader([good]))
    cells[header.index(column)] = value
    bad = ",".join(f'"{cell}"' for cell in cells).replace(track_id(0), track_id(1))
    tracks = write(tmp_path / "tracks_features.csv", [TRACKS_FEATURES_HEADER, good, bad])
    with FeatureStore.open(locations) as store:
        result = store.import_csv(tracks)
    assert (result.imported, result.bad) == (1, 1)
    assert result.bad_examples[0].startswith(f"line 3: {column} = '{value}' is {why}")


def test_stored_values_beyond_what_a_track_can_have_are_unknown_without_a_warning(
        tmp_path: Path, locations: Locations) -> None:
    """Stored before the import checked them: a tempo of 1e308 overflowed the float32 matrix
    (a RuntimeWarning on stderr) and 3.5e10 was shown as a BPM; a key of 3.5 as Eb."""
    damaged = [{**features_for(track_id(1)), "tempo": 1e308},
               {**features_for(track_id(2)), "tempo": 3.5e10, "loudness": -1e308},
               {**features_for(track_id(3)), "key": 3.5},
               {**features_for(track_id(4)), "mode": 0.5, "duration_ms": 1e300}]
    with FeatureStore.open(locations) as store:
        store.store_api_batch([track_id(n) for n in range(5)],
                              [features_for(track_id(0)), *damaged])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            matrix, _ = store.feature_matrix(URIS[:5])
    assert not np.isnan(matrix[0]).any()
    assert np.isnan(matrix[1:]).all()


def test_stored_values_no_audio_features_hold_are_read_as_unknown(tmp_path: Path,
                                                                  locations: Locations) -> None:
    """Stored before the import checked them, or answered so by the API: a tempo of -120 is
    not shown, filtered or trained on, and neither is the rest of its damaged row."""
    damaged = {**features_for(track_id(1)), "tempo": -120.0}
    catalog_db = tmp_path / "catalog.sqlite3"
    with sqlite3.connect(catalog_db) as catalog:
        catalog.execute("CREATE TABLE tracks (id INTEGER PRIMARY KEY, uri TEXT UNIQUE)")
        catalog.executemany("INSERT INTO tracks VALUES (?, ?)", enumerate(URIS[:3]))
    catalog.close()
    with FeatureStore.open(locations) as store:
        store.store_api_batch([track_id(n) for n in range(3)],
                              [features_for(track_id(0)), damaged, features_for(track_id(2))])
        by_uris, _ = store.feature_matrix(URIS[:3])
        by_id, _ = store.catalog_feature_matrix(catalog_db, 3)
    for matrix in (by_uris, by_id):
        assert np.isnan(matrix[1]).all()
        assert not np.isnan(matrix[[0, 2]]).any()


def test_csv_import_of_both_layouts_counts_bad_rows(tmp_path: Path,
                                                    locations: Locations) -> None:
    tracks = write(tmp_path / "tracks_features.csv", [
        TRACKS_FEATURES_HEADER,
        tracks_features_row(track_id(0)),
        tracks_features_row(track_id(1), dance="high"),  # not a number
        "only,three,fields",
        tracks_features_row("not an id!"),
        tracks_features_row(track_id(2), dance="nan"),
        tracks_features_row(track_id(3)),
    ])
    dataset = write(tmp_path / "dataset.csv", [
        DATASET_HEADER,
        dataset_row(0, track_id(4)),
        dataset_row(1, track_id(4)),  # the same track under two genres
        dataset_row(2, "spotify:track:" + track_id(5)),
        dataset_row(3, track_id(6), energy=""),
    ])
    with FeatureStore.open(locations) as store:
        first = store.import_csv(tracks)
        second = store.import_csv(dataset)
        matrix, _ = store.feature_matrix([f"spotify:track:{track_id(n)}" for n in range(8)])
        coverage = store.coverage()

    assert (first.layout, first.rows, first.imported, first.bad) == ("tracks_features", 6, 2, 4)
    assert first.bad_examples[0] == "line 3: danceability = 'high' is not a number"
    assert "4 bad rows skipped" in first.describe()
    assert (second.layout, second.rows, second.imported, second.bad) == ("dataset", 4, 3, 1)
    assert "energy" in second.bad_examples[0]
    assert matrix[0].tolist() == pytest.approx(
        [0.5, 0.6, 0.7, 0.1, 0.0, 0.05, 0.2, 1, 5, -7.5, 120.0, 210000])
    assert matrix[4][FEATURE_NAMES.index("tempo")] == pytest.approx(95.5)
    assert not np.isnan(matrix[5]).any()
    assert np.isnan(matrix[[1, 2, 6, 7]]).all()
    assert coverage["csv"] == 4


def test_csv_never_replaces_api_features_and_download_skips_csv_tracks(
        tmp_path: Path, fake: FakeSpotify, logged_in: Locations) -> None:
    download(logged_in, URIS[:100], policy=FAST)
    csv_file = write(tmp_path / "tracks_features.csv", [
        TRACKS_FEATURES_HEADER, tracks_features_row(track_id(0), dance="0.999"),
        tracks_features_row(track_id(200), dance="0.123")])
    with FeatureStore.open(logged_in) as store:
        store.import_csv(csv_file)
        matrix, _ = store.feature_matrix([URIS[0], URIS[200]])
    assert matrix[0][0] == pytest.approx(features_for(track_id(0))["danceability"])
    assert matrix[1][0] == pytest.approx(0.123)
    download(logged_in, URIS, policy=FAST)
    assert URIS[200].split(":")[-1] not in requested_ids(fake)


def test_a_catalog_file_joined_gives_what_its_uris_give(tmp_path: Path,
                                                          locations: Locations) -> None:
    catalog_uris = [*URIS[:300], *(f"spotify:track:{track_id(n)}" for n in range(1000, 1020))]
    catalog_db = tmp_path / "catalog.sqlite3"
    with sqlite3.connect(catalog_db) as catalog:
        catalog.execute("CREATE TABLE tracks (id INTEGER PRIMARY KEY, uri TEXT UNIQUE)")
        catalog.executemany("INSERT INTO tracks VALUES (?, ?)", enumerate(catalog_uris))
    catalog.close()
    answered = [track_id(n) for n in range(100)]
    csv_file = write(tmp_path / "tracks_features.csv", [
        TRACKS_FEATURES_HEADER, tracks_features_row(track_id(150)),
        tracks_features_row(track_id(2000))])  # a CSV track the catalog lacks
    with FeatureStore.open(locations) as store:
        store.store_api_batch(answered, [None if n in (3, 50) else features_for(answered[n])
                                         for n in range(100)])
        store.import_csv(csv_file)
        joined = store.catalog_coverage(catalog_db)
        assert joined == store.coverage(catalog_uris) == {
            "api": 98, "csv": 1, "no_features": 2, "tracks": 320, "missing": 219,
            "forbidden": False}
        with pytest.raises(sqlite3.Error):  # the caller passes the URIs instead
            store.catalog_coverage(tmp_path / "absent.sqlite3")
        assert store.catalog_coverage(catalog_db) == joined  # detached after the failure
        by_uris, _ = store.feature_matrix(catalog_uris)
        by_id, names = store.catalog_feature_matrix(catalog_db, len(catalog_uris))
        assert names == FEATURE_NAMES and by_id.shape == (320, len(FEATURE_NAMES))
        assert np.array_equal(by_id, by_uris, equal_nan=True)
        assert np.array_equal(store.catalog_feature_matrix(catalog_db, 200)[0], by_uris[:200],
                              equal_nan=True)  # tracks a later ingest added are left out
    # the catalog the cache dir would hold is absent: the URIs are asked for instead
    fallback, _ = catalog_feature_matrix(locations, 320, lambda: catalog_uris)
    assert np.array_equal(fallback, by_uris, equal_nan=True)


def test_csv_without_known_columns_is_a_clear_error(tmp_path: Path,
                                                    locations: Locations) -> None:
    with FeatureStore.open(locations) as store:
        with pytest.raises(CsvLayoutError, match="no `id`, `track_id` or `Track URI` column"):
            store.import_csv(write(tmp_path / "x.csv", ["a,b,c", "1,2,3"]))
        with pytest.raises(CsvLayoutError, match="missing feature columns tempo"):
            store.import_csv(write(tmp_path / "y.csv", [TRACKS_FEATURES_HEADER.replace(
                "tempo", "speed")]))
        with pytest.raises(UserError, match=r"absent\.csv does not exist: give the features CSV"):
            store.import_csv(tmp_path / "absent.csv")


def test_a_csv_no_row_of_which_can_be_taken_is_refused(tmp_path: Path,
                                                        locations: Locations) -> None:
    """It said "0 of 2 rows imported" and exited 0, as if all went well."""
    bad = tracks_features_row(track_id(0), dance="1.5")
    with FeatureStore.open(locations) as store:
        with pytest.raises(CsvLayoutError, match=r"head\.csv: no rows under its header: nothing "
                                                 r"to import"):
            store.import_csv(write(tmp_path / "head.csv", [TRACKS_FEATURES_HEADER]))
        all_bad = write(tmp_path / "bad.csv", [TRACKS_FEATURES_HEADER, bad,
                                               bad.replace(track_id(0), track_id(1))])
        with pytest.raises(CsvLayoutError, match=r"bad\.csv: none of its 2 rows could be imported "
                           r"\(first: line 2: danceability = '1\.5' is outside 0 to 1\): fix "
                           r"those rows and import it again$"):
            store.import_csv(all_bad)
        assert store.coverage()["csv"] == 0
        all_bad.write_text(all_bad.read_text().replace(",1.5,", ",0.5,"))  # the advice
        assert store.import_csv(all_bad).imported == 2


def zipped(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_the_zip_kaggle_downloads_is_read_as_the_csv_in_it(tmp_path: Path,
                                                            locations: Locations) -> None:
    """Kaggle's download button gives `archive.zip` (it was read as a CSV: "no `id` column")."""
    rows = [TRACKS_FEATURES_HEADER, *(tracks_features_row(track_id(n)) for n in range(3000))]
    archive = zipped(tmp_path / "archive.zip", {
        "tracks_features.csv": "\n".join(rows) + "\n", "__MACOSX/._tracks_features.csv": "x"})
    several = zipped(tmp_path / "several.zip", {"a.csv": "a,b\n", "b.csv": "a,b\n"})
    none = zipped(tmp_path / "none.zip", {"readme.txt": "features"})
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(archive.read_bytes().replace(b"PK\x01\x02", b"PK\x01\x09", 1))
    with FeatureStore.open(locations) as store:
        result = store.import_csv(archive)
        assert (result.layout, result.imported, result.bad) == ("tracks_features", 3000, 0)
        assert result.describe().startswith("archive.zip:tracks_features.csv: 3,000 of 3,000")
        with pytest.raises(UserError, match=r"several\.zip:a\.csv: no `id`, `track_id` or"):
            store.import_csv(several)  # each CSV of a zip without a public one is read
        with pytest.raises(UserError, match=r"holds no \.csv file"):
            store.import_csv(none)
        with pytest.raises(UserError, match="damaged zip"):
            store.import_csv(damaged)
        assert store.coverage()["csv"] == 3000


def test_a_zip_cut_short_or_other_bytes_named_zip_are_a_damaged_zip(
        tmp_path: Path, locations: Locations) -> None:
    """Read as a CSV, they said "no `id`, `track_id` or `Track URI` column" (`mpdtui import`
    said "a damaged zip" for the same file)."""
    rows = [TRACKS_FEATURES_HEADER, *(tracks_features_row(track_id(n)) for n in range(3000))]
    whole = zipped(tmp_path / "whole.zip", {"tracks_features.csv": "\n".join(rows) + "\n"})
    cut = tmp_path / "archive_trunc.zip"
    cut.write_bytes(whole.read_bytes()[:len(whole.read_bytes()) // 2])
    noise = tmp_path / "noise.zip"
    noise.write_bytes(bytes(range(256)) * 20)
    with FeatureStore.open(locations) as store:
        with pytest.raises(UserError, match=r"^\S*archive_trunc\.zip: a damaged zip \(its end "
                                            r"is missing\): download it again, or give the CSV"):
            store.import_csv(cut)
        with pytest.raises(UserError, match=r"^\S*noise\.zip: a damaged zip \(not a zip file\): "
                                            "download it again"):
            store.import_csv(noise)
        assert store.coverage()["csv"] == 0


EXPORTIFY_NET_HEADER = (  # exportify.net's, 2025-2026
    "Track URI,Track Name,Album Name,Artist Name(s),Release Date,Duration (ms),Popularity,"
    "Explicit,Added By,Added At,Genres,Record Label,Danceability,Energy,Key,Loudness,Mode,"
    "Speechiness,Acousticness,Instrumentalness,Liveness,Valence,Tempo,Time Signature")
EXPORTIFY_APP_HEADER = (  # exportify.app's, with "Include audio features data"
    '"Track URI","Track Name","Artist URI(s)","Artist Name(s)","Album URI","Album Name",'
    '"Album Artist URI(s)","Album Artist Name(s)","Album Release Date","Album Image URL",'
    '"Disc Number","Track Number","Track Duration (ms)","Track Preview URL","Explicit",'
    '"Popularity","ISRC","Added By","Added At"')
EXPORTIFY_APP_FEATURES = ('"Danceability","Energy","Key","Loudness","Mode","Speechiness",'
                          '"Acousticness","Instrumentalness","Liveness","Valence","Tempo",'
                          '"Time Signature"')


def exportify_net_row(n: int, features: str | None = "0.61,0.72,5,-6.2,1,0.05,0.1,0,0.12,0.4,"
                                                     "121.98,4") -> str:
    row = (f'spotify:track:{track_id(n)},"Song, {n}","Album","Artist A;Artist B",2016-05-06,'
           f'239878,55,false,someone,2020-01-01T00:00:00Z,"pop,dance pop","Label"')
    return row if features is None else f"{row},{features}"


def exportify_app_row(n: int, dance: str = "0.416") -> str:
    cells = [f"spotify:track:{track_id(n)}", "Crying", "spotify:artist:a", "Artist",
             "spotify:album:b", "Album", "spotify:artist:a", "Artist", "2016", "https://i",
             "1", "2", "185586", "", "false", "40", "USX", "someone", "2020-01-01",
             dance, "0.971", "0", "-5.55", "1", "0.0575", "0.00104", "0.0391", "0.44", "0.19",
             "131.988", "4"]
    return ",".join(f'"{cell}"' for cell in cells)


def test_exportify_exports_are_features_csvs(tmp_path: Path, locations: Locations) -> None:
    """Exportify (both sites) exports a playlist with Spotify's audio features, which new apps
    can no longer download: it was refused ("no `id` or `track_id` column")."""
    net = write(tmp_path / "road_trip.csv", [
        EXPORTIFY_NET_HEADER, exportify_net_row(0),
        exportify_net_row(1, features=",,,,,,,,,,,"),  # Spotify gave no features
        exportify_net_row(2, features=None),  # nor any for the whole request
        exportify_net_row(3, features="0.61,0.72,5,-6.2,1,0.05,0.1,0,0.12,0.4,abc,4")])
    app = write(tmp_path / "liked.csv", [f"{EXPORTIFY_APP_HEADER},{EXPORTIFY_APP_FEATURES}",
                                         exportify_app_row(4), exportify_app_row(5)])
    with FeatureStore.open(locations) as store:
        first, second = store.import_csv(net), store.import_csv(app)
        matrix, _ = store.feature_matrix([f"spotify:track:{track_id(n)}" for n in range(6)])
    assert (first.layout, first.rows, first.imported, first.bad, first.featureless) == (
        "exportify", 4, 1, 3, 2)
    assert first.describe() == ("road_trip.csv: 1 of 4 rows imported (exportify layout); 3 bad "
                                "rows skipped (first: line 5: tempo = 'abc' is not a number)")
    assert second.describe() == "liked.csv: 2 of 2 rows imported (exportify layout)"
    assert matrix[0].tolist() == pytest.approx(
        [0.61, 0.72, 0.4, 0.1, 0, 0.05, 0.12, 1, 5, -6.2, 121.98, 239878])
    assert matrix[4][FEATURE_NAMES.index("duration_ms")] == 185586
    assert np.isnan(matrix[1:4]).all() and not np.isnan(matrix[4:]).any()


EXPORTIFY_EARLIER_HEADER = (  # Exportify's exports before its `Track URI`: a bare id
    "Spotify ID,Artist IDs,Track Name,Album Name,Artist Name(s),Release Date,Duration (ms),"
    "Popularity,Added By,Added At,Genres,Danceability,Energy,Key,Loudness,Mode,Speechiness,"
    "Acousticness,Instrumentalness,Liveness,Valence,Tempo,Time Signature")


def test_an_earlier_exportify_export_with_a_bare_spotify_id_is_a_features_csv(
        tmp_path: Path, locations: Locations) -> None:
    """Exportify's earlier exports (`Spotify ID` for the track, features from before the API
    closed them) were refused: "no `id`, `track_id` or `Track URI` column"."""
    rows = [f'{track_id(n)},a1,"Song, {n}",Album,Artist,2016-05-06,239878,55,someone,'
            f'2020-01-01T00:00:00Z,pop,0.61,0.72,5,-6.2,1,0.05,0.1,0,0.12,0.4,121.98,4'
            for n in range(2)]
    earlier = write(tmp_path / "old mix.csv", [EXPORTIFY_EARLIER_HEADER, *rows])
    with FeatureStore.open(locations) as store:
        result = store.import_csv(earlier)
        matrix, _ = store.feature_matrix([f"spotify:track:{track_id(n)}" for n in range(2)])
    assert result.describe() == "old mix.csv: 2 of 2 rows imported (exportify layout)"
    assert matrix[1].tolist() == pytest.approx(
        [0.61, 0.72, 0.4, 0.1, 0, 0.05, 0.12, 1, 5, -6.2, 121.98, 239878])


def test_an_exportify_export_without_features_says_how_to_get_them(
        tmp_path: Path, locations: Locations) -> None:
    without_columns = write(tmp_path / "a.csv", [EXPORTIFY_APP_HEADER, exportify_app_row(0)[:-200]])
    empty_cells = write(tmp_path / "b.csv", [EXPORTIFY_NET_HEADER, *(
        exportify_net_row(n, features=",,,,,,,,,,,") for n in range(2))])
    with FeatureStore.open(locations) as store:
        with pytest.raises(CsvLayoutError, match=r"a\.csv: an Exportify export without audio "
                           r"features: export it again with them \(exportify\.app: its "
                           r'settings, "Include audio features data"\)'):
            store.import_csv(without_columns)
        # key and tempo taken out in a spreadsheet: "add them" had been the advice
        with pytest.raises(CsvLayoutError, match=r"^\S*c\.csv: an Exportify export missing the "
                           r"feature columns key, tempo: export it again with them "
                           r"\(exportify\.app: its settings"):
            store.import_csv(write(tmp_path / "c.csv", [EXPORTIFY_NET_HEADER.replace(
                ",Key,", ",").replace(",Tempo,", ",")]))
        with pytest.raises(CsvLayoutError, match=r"b\.csv: none of its 2 tracks has audio "
                           r"features \(their cells are empty: Spotify gave the exporter none\): "
                           r"give a CSV that holds them"):
            store.import_csv(empty_cells)
        assert store.coverage()["csv"] == 0


def test_exportify_export_all_zip_or_folder_imports_every_playlist(
        tmp_path: Path, locations: Locations) -> None:
    """"Export All" gives spotify_playlists.zip, a CSV per playlist (it was refused: "several
    CSV files: extract the features one")."""
    playlists = {"gym.csv": "\n".join([EXPORTIFY_NET_HEADER, exportify_net_row(0),
                                        exportify_net_row(1, features=",,,,,,,,,,,")]) + "\n",
                 "chill.csv": "\n".join([EXPORTIFY_NET_HEADER, exportify_net_row(2)]) + "\n"}
    archive = zipped(tmp_path / "spotify_playlists.zip", playlists)
    folder = tmp_path / "exports"
    folder.mkdir()
    for name, text in playlists.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "notes.txt").write_text("not a CSV")
    mixed = zipped(tmp_path / "mixed.zip", {**playlists, "other.csv": "a,b\n1,2\n"})
    with FeatureStore.open(locations) as store:
        with pytest.raises(CsvLayoutError, match=r"mixed\.zip:other\.csv: no `id`"):
            store.import_csv(mixed)
        assert store.coverage()["csv"] == 0  # nothing stored from the others first
        zipped_result, folder_result = store.import_csv(archive), store.import_csv(folder)
    for result, name in ((zipped_result, "spotify_playlists.zip"), (folder_result, "exports")):
        assert result.describe() == (f"{name}: 2 of 3 rows imported from 2 CSV files "
                                     "(exportify layout); 1 track without audio features "
                                     "skipped")


def test_keys_and_modes_by_name_are_read_as_numbers(tmp_path: Path,
                                                   locations: Locations) -> None:
    """Kaggle's SpotifyFeatures.csv names them ("C#", "Minor"): every row was refused."""
    header = ("genre,artist_name,track_name,track_id,popularity,acousticness,danceability,"
              "duration_ms,energy,instrumentalness,key,liveness,loudness,mode,speechiness,tempo,"
              "time_signature,valence")
    row = "Pop,A,T,{tid},50,0.1,0.5,210000,0.6,0.0,{key},0.2,-7.5,{mode},0.05,120.0,4/4,0.7"
    spotify_features = write(tmp_path / "SpotifyFeatures.csv", [
        header, row.format(tid=track_id(0), key="C#", mode="Minor"),
        row.format(tid=track_id(1), key="Bb", mode="Major"),
        row.format(tid=track_id(2), key="H", mode="Major")])  # no such key
    with FeatureStore.open(locations) as store:
        result = store.import_csv(spotify_features)
        matrix, _ = store.feature_matrix([f"spotify:track:{track_id(n)}" for n in range(3)])
    assert (result.imported, result.bad) == (2, 1)
    assert result.bad_examples == ("line 4: key = 'H' is not a number",)
    key, mode = FEATURE_NAMES.index("key"), FEATURE_NAMES.index("mode")
    assert matrix[:2, [key, mode]].tolist() == [[1.0, 0.0], [10.0, 1.0]]


def test_a_csv_a_spreadsheet_saved_with_semicolons_and_decimal_commas_is_read(
        tmp_path: Path, locations: Locations) -> None:
    """Opened and saved again in a spreadsheet of a decimal-comma locale (';' between fields,
    "0,61"), the file was refused: "no `id` or `track_id` column"."""
    header = TRACKS_FEATURES_HEADER.replace(",", ";")
    row = (f"{track_id(0)};Song;Album;alb;['A'];['x'];1;1;False;0,61;0,6;5;-7,5;1;0,05;0,1;0;0,2;"
           "0,7;120,5;210000;4;1999;1999-01-01")
    saved = tmp_path / "tracks_features.csv"
    saved.write_text("\ufeff" + "\r\n".join([header, row]) + "\r\n", encoding="utf-8")
    with FeatureStore.open(locations) as store:
        result = store.import_csv(saved)
        matrix, _ = store.feature_matrix([f"spotify:track:{track_id(0)}"])
    assert (result.imported, result.bad) == (1, 0)
    named = dict(zip(FEATURE_NAMES, matrix[0].tolist(), strict=True))
    assert (named["danceability"], named["loudness"], named["tempo"]) == pytest.approx(
        (0.61, -7.5, 120.5))
    # with commas between fields, a comma in a quoted number is a thousands separator, not 210
    comma_row = tracks_features_row(track_id(1)).replace(",210000,", ',"210,000",')
    commas = write(tmp_path / "commas.csv", [TRACKS_FEATURES_HEADER, comma_row])
    with FeatureStore.open(locations) as store, pytest.raises(UserError, match="210,000"):
        store.import_csv(commas)


def test_a_csv_saved_as_a_spreadsheets_unicode_text_is_read(tmp_path: Path,
                                                            locations: Locations) -> None:
    """UTF-16 with tabs (a spreadsheet's "Unicode text"): the playlist import read it and said
    `features --csv` imports its features, which then found 1 field a row; in a zip too."""
    rows = [EXPORTIFY_NET_HEADER, exportify_net_row(0), exportify_net_row(1)]
    tabbed = "\r\n".join("\t".join(next(csv.reader([row]))) for row in rows) + "\r\n"
    unicode_text = tmp_path / "road_trip.csv"
    unicode_text.write_bytes(tabbed.encode("utf-16"))  # with its byte-order mark
    archive = tmp_path / "spotify_playlists.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("road_trip.csv", unicode_text.read_bytes())
    with FeatureStore.open(locations) as store:
        result, zipped_result = store.import_csv(unicode_text), store.import_csv(archive)
        matrix, _ = store.feature_matrix([f"spotify:track:{track_id(n)}" for n in range(2)])
    assert (result.layout, result.imported, result.bad) == ("exportify", 2, 0)
    assert zipped_result.imported == 2
    assert matrix[:, FEATURE_NAMES.index("tempo")].tolist() == pytest.approx([121.98] * 2)


def test_large_csv_streams_with_progress(tmp_path: Path, locations: Locations) -> None:
    lines = [TRACKS_FEATURES_HEADER] + [tracks_features_row(track_id(n)) for n in range(12_000)]
    reports = []
    with FeatureStore.open(locations) as store:
        result = store.import_csv(write(tmp_path / "big.csv", lines), progress=reports.append)
    assert result.imported == 12_000
    assert len(reports) >= 3 and reports[-1].done == reports[-1].total


def test_store_of_another_version_is_refused(locations: Locations) -> None:
    FeatureStore.open(locations).close()
    with sqlite3.connect(locations.features_db) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
    with pytest.raises(FeatureStoreError, match=r"version 99.*delete it"):
        FeatureStore.open(locations)
    locations.features_db.unlink()
    locations.features_db.write_text("not a database " * 100)
    for extra in ("-wal", "-shm"):
        Path(str(locations.features_db) + extra).unlink(missing_ok=True)
    with pytest.raises(UserError, match="not a features database"):
        FeatureStore.open(locations)


def features_args(**overrides: object) -> argparse.Namespace:
    values = {"download": False, "csv": [], "retry_forbidden": False, "json": False}
    values.update(overrides)
    return argparse.Namespace(**values)


def ingest_one_playlist(locations: Locations, length: int) -> None:
    """A catalog of one playlist of the first `length` of `URIS`."""
    from mpdtui.data.ingest import ingest_playlists

    tracks = [{"pos": i, "artist_name": "A", "track_uri": URIS[i], "artist_uri": "spotify:artist:a",
               "track_name": f"T{i}", "album_uri": "spotify:album:b", "duration_ms": 1000,
               "album_name": "B"} for i in range(length)]
    ingest_playlists(locations, [{
        "name": "test", "collaborative": "false", "pid": 0, "modified_at": 0,
        "num_tracks": length, "num_albums": 1, "num_followers": 1, "num_edits": 1,
        "duration_ms": 1000 * length, "num_artists": 1, "tracks": tracks}], "test-slice")


def test_cli_features(tmp_path: Path, fake: FakeSpotify, logged_in: Locations,
                      capsys: pytest.CaptureFixture[str]) -> None:
    from mpdtui.commands.spotify import run_features

    with pytest.raises(UserError, match="no catalog"):
        run_features(features_args(download=True), logged_in)
    ingest_one_playlist(logged_in, 150)
    fake.state.forbid_audio_features = True
    assert run_features(features_args(download=True), logged_in) == 0
    # said once: as it came (a notice), not again as the outcome
    assert capsys.readouterr().out.count("Spotify refused audio features to this app (403") == 1
    fake.state.forbid_audio_features = False
    assert run_features(features_args(download=True), logged_in) == 0
    assert capsys.readouterr().out.count("refused audio features to this login before") == 1

    csv_file = write(tmp_path / "tracks_features.csv", [
        TRACKS_FEATURES_HEADER, tracks_features_row(track_id(149)), "bad,row"])
    assert run_features(features_args(retry_forbidden=True, csv=[str(csv_file)]), logged_in) == 0
    out = capsys.readouterr().out
    assert "1 of 2 rows imported" in out and "1 bad row skipped" in out
    assert "asked for 149 of 149 tracks in 2 batches" in out
    assert "149 tracks from the Spotify API, 1 from CSV" in out
    assert "0 of the catalog's 150 tracks unknown" in out


def test_cli_features_of_other_data_say_none_of_their_tracks_is_in_the_catalog(
        tmp_path: Path, locations: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    """Another demo's CSV: "13,750 of 13,750 rows imported", then "10,401 of the catalog's
    10,401 tracks unknown", and no word of why."""
    from mpdtui.commands.spotify import run_features

    ingest_one_playlist(locations, 3)
    other = write(tmp_path / "tracks_features.csv", [
        TRACKS_FEATURES_HEADER, tracks_features_row(track_id(140)), tracks_features_row(track_id(141))])
    assert run_features(features_args(csv=[str(other)]), locations) == 0
    out = capsys.readouterr().out
    assert "2 of 2 rows imported" in out and "3 of the catalog's 3 tracks unknown" in out
    assert "tracks_features.csv: none of its tracks is in the catalog: it holds other data's" in out
    mine = write(tmp_path / "mine.csv", [TRACKS_FEATURES_HEADER, tracks_features_row(track_id(0))])
    assert run_features(features_args(csv=[str(mine)]), locations) == 0
    assert "none of its tracks" not in capsys.readouterr().out
    # with features there now, the same CSV of other data said nothing at all
    assert run_features(features_args(csv=[str(other)]), locations) == 0
    out = capsys.readouterr().out
    assert "2 of 2 rows imported" in out and "2 of the catalog's 3 tracks unknown" in out
    assert "tracks_features.csv: none of its tracks is in the catalog" in out
    assert "so it adds nothing to filter or order by sound" in out
    both = write(tmp_path / "both.csv", [TRACKS_FEATURES_HEADER, tracks_features_row(track_id(141)),
                                         tracks_features_row(track_id(1))])
    assert run_features(features_args(csv=[str(both), str(other)]), locations) == 0
    out = capsys.readouterr().out
    assert "tracks_features.csv: none of its tracks" in out and "both.csv: none" not in out


def test_training_goes_on_when_spotify_fails_the_download(fake: FakeSpotify, small_store: Locations,
                                                         tmp_path: Path) -> None:
    """Logged in, `--train` downloads the missing features first; Spotify failing that (offline,
    a login revoked) stopped the whole training, though the features are optional."""
    import shutil

    from mpdtui.pipeline.request import JobRequest
    from mpdtui.services.root import open_services

    locations = Locations.resolve(shutil.copytree(small_store.root, tmp_path / "trained"))
    log_in(fake, locations)
    fake.fail_next("audio-features", Fault(400))
    summary = open_services(locations).jobs.run(JobRequest("setup", models=("popularity",)))
    assert summary.trained == ["popularity"]
    [outcome] = summary.features
    assert outcome.startswith("not downloaded, the training goes on without them: Spotify "
                              "answered HTTP 400 to GET audio-features"), outcome
    fake.fail_next("audio-features", Fault(400))
    with pytest.raises(UserError, match="HTTP 400"):  # asked for: the failure is the answer
        open_services(locations).jobs.run(JobRequest("features", download="yes"))


def test_a_download_refused_for_want_of_a_login_leaves_the_csv_beside_the_data_offered(
        small_demo: Path, tmp_path: Path) -> None:
    """The setup's features step offers the tracks_features.csv that came with the slices
    while no features are stored; a download refused for want of a login (ctrl+r with the
    field emptied) made an empty features.sqlite3 on its way, stored nothing, and the CSV
    was offered no more (to `--train --demo` neither, for the demo's)."""
    import shutil

    from mpdtui.pipeline.request import JobRequest
    from mpdtui.services.root import open_services

    folder = tmp_path / "mpd"  # one slice and the features CSV, as `mpdtui demo-data` leaves
    folder.mkdir()
    for name in (sorted(small_demo.glob("*.json"))[0].name, "tracks_features.csv"):
        shutil.copy(small_demo / name, folder / name)
    locations = Locations.resolve(tmp_path / "cache")
    open_services(locations).jobs.ingest(folder)
    with pytest.raises(UserError, match="not logged in"):
        open_services(locations).jobs.run(JobRequest("features", download="yes"))
    assert open_services(locations).features.csv_beside_the_data() == (
        folder / "tracks_features.csv")


def test_a_download_spotify_refuses_names_the_csv_beside_the_data_and_the_advice_imports_it(
        small_demo: Path, tmp_path: Path, fake: FakeSpotify, logged_in: Locations,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A 403 to audio features stores the refusal and no features: the download's advice
    said `--csv FILE`, and `features` and `info` after it no command at all, though the
    slices came with their tracks_features.csv (offered only while no store existed)."""
    import shlex
    import shutil

    from mpdtui.cli import main
    from mpdtui.services.root import open_services

    folder = tmp_path / "mpd"  # one slice and the features CSV, as `mpdtui demo-data` leaves
    folder.mkdir()
    for name in (sorted(small_demo.glob("*.json"))[0].name, "tracks_features.csv"):
        shutil.copy(small_demo / name, folder / name)
    cache = ["--cache-dir", str(logged_in.root)]
    assert main([*cache, "ingest", str(folder)]) == 0
    fake.state.forbid_audio_features = True
    capsys.readouterr()
    assert main([*cache, "features", "--download"]) == 0
    said = capsys.readouterr().out
    command = re.compile(r"`mpdtui (?:--cache-dir \S+ )?(features --csv [^`]+)` imports it")
    advised = command.findall(said)
    assert len(advised) == 1, said
    assert shlex.split(advised[0])[2] == str(folder / "tracks_features.csv")
    for later in (["features"], ["info"]):  # the refusal remembered, the advice too
        assert main([*cache, *later]) == 0
        assert command.findall(capsys.readouterr().out) == advised
    assert main([*cache, *shlex.split(advised[0])]) == 0  # followed
    coverage = open_services(logged_in).features.coverage()
    assert coverage is not None and coverage["csv"] > 0
