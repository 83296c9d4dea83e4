"""Benchmark of reading the catalog's audio features: the coverage `mpdtui info` and `mpdtui
features` print ("N of the catalog's M tracks unknown") and the feature matrix the models and
the audio filters load, each joined inside SQLite with the catalog attached, against the
baseline that passes the catalog's URIs (a temp table of them), in the same process; then
the matrix as a later process reads it (`catalog_feature_matrix`: kept in `feature-matrix.npz`
by the first read) against that joined read.

    .venv/bin/python bench/catalog_features.py [--tracks 2262292] [--csv-rows 1200000]
                                               [--repeats 3]

A synthetic catalog of `--tracks` URIs (the MPD's 2.26M by default) and a feature store
holding `--csv-rows` CSV rows (Kaggle's tracks_features.csv has 1.2M) spread over twice the
catalog's ids (about half of them in the catalog), plus 10,000 API answers, a fifth null.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mpdtui.data.features import FEATURE_NAMES, FeatureStore
from mpdtui.data.track_features import catalog_feature_matrix
from mpdtui.locations import Locations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def track_id(n: int) -> str:
    """A 22-character base62 id, distinct for each n."""
    digits = []
    for _ in range(22):
        n, digit = divmod(n, 62)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def build(root: Path, tracks: int, csv_rows: int) -> Locations:
    locations = Locations.resolve(root).ensure()
    with sqlite3.connect(locations.catalog_db) as catalog:
        catalog.execute("CREATE TABLE tracks (id INTEGER PRIMARY KEY, uri TEXT NOT NULL)")
        catalog.executemany("INSERT INTO tracks VALUES (?, ?)",  # ids from 0, as ingest's
                            ((n, f"spotify:track:{track_id(n)}") for n in range(tracks)))
        catalog.execute("CREATE UNIQUE INDEX tracks_uri ON tracks (uri)")
        catalog.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        catalog.execute("INSERT INTO meta VALUES ('finalized', 'synthetic')")
    catalog.close()
    step = max(1, 2 * tracks // csv_rows)  # spread over twice the catalog's ids
    csv_path = root / "tracks_features.csv"
    with csv_path.open("w", encoding="utf-8") as out:
        out.write(f"id,{','.join(FEATURE_NAMES)}\n")
        out.writelines(f"{track_id(n * step)}{',0.5' * len(FEATURE_NAMES)}\n"
                       for n in range(csv_rows))
    with FeatureStore.open(locations) as store:
        store.import_csv(csv_path)
    with FeatureStore.open(locations) as store:
        answered = [track_id(2 * n + 1) for n in range(10_000)]
        store.store_api_batch(answered, [None if n % 5 == 0 else {"energy": 0.5}
                                         for n in range(10_000)])
    return locations


def timed(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=2_262_292)
    parser.add_argument("--csv-rows", type=int, default=1_200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        locations = build(Path(folder), args.tracks, args.csv_rows)
        print(f"built {args.tracks:,} catalog tracks and {args.csv_rows:,} CSV rows in "
              f"{time.perf_counter() - start:.0f} s", flush=True)

        def catalog_uris() -> list[str]:
            with sqlite3.connect(locations.catalog_db) as catalog:
                uris = [uri for (uri,) in catalog.execute("SELECT uri FROM tracks ORDER BY id")]
            catalog.close()
            return uris

        with FeatureStore.open(locations, write=False) as store:
            compare("coverage", lambda: store.coverage(catalog_uris()),
                    lambda: store.catalog_coverage(locations.catalog_db), args.repeats)
            joined = partial(store.catalog_feature_matrix, locations.catalog_db, args.tracks)
            compare("feature matrix", lambda: store.feature_matrix(catalog_uris())[0],
                    lambda: joined()[0], args.repeats)
            catalog_feature_matrix(locations, args.tracks, catalog_uris)  # the first read keeps it
            size = locations.feature_matrix_npz.stat().st_size
            compare(f"feature matrix kept ({size / 2**20:.0f} MiB)", lambda: joined()[0],
                    lambda: catalog_feature_matrix(locations, args.tracks, catalog_uris)[0],
                    args.repeats, ("catalog attached", "kept"))


def compare(what: str, baseline: Callable[[], Any], joined: Callable[[], Any], repeats: int,
            names: tuple[str, str] = ("URIs passed", "catalog attached")) -> None:
    before, expected = timed(baseline, repeats)
    now, found = timed(joined, repeats)
    same = (np.array_equal(found, expected, equal_nan=True) if isinstance(found, np.ndarray)
            else found == expected)
    assert same, what
    if not isinstance(found, np.ndarray):
        print(f"{what}: {found}")
    print(f"{what}: {names[0]} (baseline) median {before:.2f} s; {names[1]} "
          f"{now:.2f} s = {now / before:.2f}x", flush=True)


if __name__ == "__main__":
    main()
