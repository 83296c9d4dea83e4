"""Ingest into the store: counts, matrices, search, idempotence, appends and bad slices."""

from __future__ import annotations

import re
import shutil
import sqlite3
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hostile_support import write_slice
from store_support import mpd_playlist, store_dump

from mpdtui.data.catalog import Catalog
from mpdtui.data.dataset import load_dataset
from mpdtui.data.files import FormatVersionError, read_npz, write_npz
from mpdtui.data.ingest import PARALLEL_MIN_SLICES, ingest
from mpdtui.data.matrices import (
    CHUNK_FORMAT,
    CHUNK_VERSION,
    MATRIX_FORMAT,
    MATRIX_VERSION,
    NEW_TRACKS_FROM,
    TRACK_COLUMNS,
    Sequences,
    _build_matrices,
    binary_matrix,
    chunk_path,
    finalize,
    load_interactions,
    load_interactions_and_tracks,
    load_sequences,
)
from mpdtui.data.mpd import find_slices
from mpdtui.data.mpd_validation import SliceError, pasted_track_uri, track_link
from mpdtui.errors import UserError
from mpdtui.locations import Locations
from mpdtui.services.catalog import CatalogService

HANDMADE = Path(__file__).parent.parent / "fixtures" / "handmade.mpd.slice.0-2.json"


@pytest.fixture
def handmade_store(tmp_path: Path) -> Locations:
    locations = Locations.resolve(tmp_path / "cache")
    ingest(locations, HANDMADE)
    return locations


def test_counts_rows_with_repeats_and_distinct_entities(handmade_store: Locations) -> None:
    with Catalog.open(handmade_store) as catalog:
        counts = catalog.counts()
    assert (counts.playlists, counts.rows, counts.tracks, counts.artists, counts.albums) == (3, 7, 5, 3, 3)


def test_matrix_is_binary_csr_aligned_with_tables(handmade_store: Locations) -> None:
    matrix, _ = load_interactions(handmade_store)
    assert matrix.shape == (3, 5)
    assert matrix.indices.dtype == np.int32
    assert matrix.nnz == 6  # the repeated track counts once
    assert set(matrix.data) == {1.0}
    with Catalog.open(handmade_store) as catalog:
        joga = catalog.track_ids(["spotify:track:AAAAAAAAAAAAAAAAAAAAA1"])[0]
        assert catalog.tracks([joga])[0].num_playlists == 2
        assert catalog.playlist_names() == ["cafe del mar", "gym", "empty ish"]
    assert matrix[:, joga].toarray().ravel().tolist() == [1.0, 1.0, 0.0]


def test_an_emoji_name_stored_as_normalising_to_nothing_is_read_by_its_emoji(
        handmade_store: Locations) -> None:
    """Ingests before emoji-only names were read by their emoji stored "" for them: the next
    model trained on that catalog reads them all the same, without an ingest."""
    with sqlite3.connect(handmade_store.catalog_db) as db:
        db.execute("UPDATE playlists SET name = '🔥🔥 ', norm_name = '' WHERE row = 1")
        db.execute("UPDATE playlists SET name = '!!', norm_name = '' WHERE row = 2")
    db.close()
    with Catalog.open(handmade_store) as catalog:
        assert catalog.playlist_names() == ["cafe del mar", "🔥", ""]


def test_sequences_keep_playlist_order_and_repeats(handmade_store: Locations) -> None:
    sequences, _ = load_sequences(handmade_store)
    gym = sequences.playlist(1).tolist()
    assert len(gym) == 3 and gym[0] == gym[2] != gym[1]


def test_a_matrix_built_in_the_sequences_memory_is_the_one_built_from_a_copy() -> None:
    indptr = np.array([0, 3, 3, 7], dtype=np.int64)
    indices = np.array([4, 1, 4, 0, 2, 2, 5], dtype=np.int32)
    copied = binary_matrix(Sequences(indptr, indices), 6)
    assert indices.tolist() == [4, 1, 4, 0, 2, 2, 5]  # untouched: the caller still reads it
    reused = binary_matrix(Sequences(indptr, indices), 6, reuse=True)
    assert np.shares_memory(reused.indices, indices)
    assert (reused != copied).nnz == 0 and reused.indices.tolist() == [1, 4, 0, 2, 5]


def test_the_matrices_build_holds_under_20_bytes_a_row(tmp_path: Path) -> None:
    """The peak of an ingest at the MPD's size (66M rows): the slices' rows once in the
    sequences, then the matrix built in their memory. Reading the chunks into one list and
    keeping it, and copying the rows for the matrix, made it 26 bytes a row here (28.6 in
    `bench/ingest.py`)."""
    locations = Locations.resolve(tmp_path / "cache")
    locations.ensure()
    generator = np.random.default_rng(7)
    n_slices, playlists, length, n_tracks = 4, 2_500, 100, 50_000
    for slice_id in range(n_slices):
        added = n_tracks if slice_id == 0 else 0  # the first slice brings every track
        write_npz(chunk_path(locations, slice_id), CHUNK_FORMAT, CHUNK_VERSION, {
            "lengths": np.full(playlists, length, dtype=np.int32),
            "tracks": generator.integers(0, n_tracks, playlists * length, dtype=np.int32),
            NEW_TRACKS_FROM: np.array(n_tracks - added, dtype=np.int64),
            **{name: np.zeros(added, np.int32) for name in TRACK_COLUMNS}})
    binary_matrix(Sequences(np.zeros(1, np.int64), np.zeros(0, np.int32)), 1)  # scipy's import
    tracemalloc.start()
    try:
        _build_matrices(locations, list(range(n_slices)), n_tracks, "print", "")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    rows = n_slices * playlists * length
    assert 12 * rows < peak < 20 * rows, peak / rows


def test_search_matches_word_prefixes_across_fields_by_popularity(handmade_store: Locations) -> None:
    with Catalog.open(handmade_store) as catalog:
        assert [t.name for t in catalog.search("bjor")] == ["Jóga", "Bachelorette"]  # Jóga: 2 playlists
        assert [t.name for t in catalog.search("daft one")] == ["One More Time"]
        assert [t.name for t in catalog.search("homogenic bach")] == ["Bachelorette"]
        assert [t.name for t in catalog.search("joga")] == ["Jóga"]  # accents folded
        assert catalog.search("nothing matches this") == []
        assert catalog.search('"; DROP TABLE tracks; --') == []


def test_a_word_written_without_its_apostrophe_is_found_after_the_exact_matches(
        tmp_path: Path) -> None:
    """The index holds "Don't" as two words, "don" and "t": "dont", as people type it, found
    nothing, nor "don't" a title written "Dont"."""
    titles = ["Donna", "Don't Stop Me Now", "Dont Look Back", "It's Oh So Quiet"]
    uris = [f"spotify:track:{'A' * 21}{n}" for n in range(len(titles))]
    playlists = [mpd_playlist(f"mix {pid}", uris[:length]) for pid, length in enumerate((4, 2, 1))]
    for pid, playlist in enumerate(playlists):
        playlist["pid"] = pid
        for track in playlist["tracks"]:
            track["track_name"] = titles[uris.index(track["track_uri"])]
    locations = Locations.resolve(tmp_path / "cache")
    ingest(locations, write_slice(tmp_path / "mpd", 0, playlists))

    def found(text: str, limit: int = 50) -> list[str]:
        return [track.name for track in catalog.search(text, limit)]

    with Catalog.open(locations) as catalog:
        assert found("dont stop") == ["Don't Stop Me Now"]
        assert found("don't look") == ["Dont Look Back"]
        assert found("its oh") == ["It's Oh So Quiet"]
        assert found("dont") == ["Dont Look Back", "Donna", "Don't Stop Me Now"]  # then by plays
        assert found("dont", limit=1) == ["Dont Look Back"]
        assert found("donna") == ["Donna"]


JOGA = "spotify:track:AAAAAAAAAAAAAAAAAAAAA1"


@pytest.mark.parametrize("pasted", [
    JOGA, f"  {JOGA}\n", "AAAAAAAAAAAAAAAAAAAAA1",
    "https://open.spotify.com/track/AAAAAAAAAAAAAAAAAAAAA1",
    "https://open.spotify.com/intl-de/track/AAAAAAAAAAAAAAAAAAAAA1?si=4f1c2a9b0e7d4c61",
    "open.spotify.com/track/AAAAAAAAAAAAAAAAAAAAA1#play",
])
def test_a_pasted_track_uri_or_link_finds_that_track(handmade_store: Locations, pasted: str) -> None:
    assert pasted_track_uri(pasted) == JOGA
    assert [t.uri for t in CatalogService(handmade_store).search(pasted)] == [JOGA]


@pytest.mark.parametrize("text", [
    "spotify:album:AAAAAAAAAAAAAAAAAAAAA1", "spotify:track:AAAA", "https://example.com/track/"
    "AAAAAAAAAAAAAAAAAAAAA1", "joga AAAAAAAAAAAAAAAAAAAAA1", "spotify:track:AAAAAAAAAAAAAAAAAAAAA1x"])
def test_other_text_is_not_a_pasted_track(text: str) -> None:
    assert pasted_track_uri(text) is None


def test_a_copied_link_pastes_back_as_its_track() -> None:
    assert track_link(JOGA) == "https://open.spotify.com/track/AAAAAAAAAAAAAAAAAAAAA1"
    assert pasted_track_uri(track_link(JOGA)) == JOGA


def test_a_pasted_track_the_catalog_lacks_is_searched_as_words(handmade_store: Locations) -> None:
    assert CatalogService(handmade_store).search("spotify:track:ZZZZZZZZZZZZZZZZZZZZZZ") == []


def _small_store_copy(small_store: Locations, target: Path) -> Locations:
    """The small demo ingested (the session's store, copied): an ingest of it, done once."""
    shutil.copytree(small_store.root, target)
    return Locations.resolve(target)


def test_same_source_again_does_no_work(small_store: Locations, small_demo: Path,
                                        tmp_path: Path) -> None:
    second = ingest(_small_store_copy(small_store, tmp_path / "cache"), small_demo)
    assert (second.ingested, second.already_done) == (0, 3)


def test_new_slices_are_appended(small_demo: Path, small_store: Locations,
                                 tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    partial.mkdir()
    slices = sorted(small_demo.glob("mpd.slice.*.json"))
    shutil.copy(slices[0], partial / slices[0].name)
    appended = Locations.resolve(tmp_path / "appended")
    ingest(appended, partial)
    for path in slices[1:]:
        shutil.copy(path, partial / path.name)
    assert ingest(appended, partial).ingested == 2
    assert store_dump(appended) == store_dump(small_store)  # the three slices ingested at once


def test_a_copy_of_an_ingested_slice_under_another_name_is_not_added_again(
        small_store: Locations, small_demo: Path, tmp_path: Path) -> None:
    locations = _small_store_copy(small_store, tmp_path / "cache")
    before = store_dump(locations)
    backup = tmp_path / "backup.json"
    shutil.copy(small_demo / "mpd.slice.1000-1999.json", backup)

    copied = ingest(locations, backup)
    assert (copied.ingested, copied.copies) == (0, [(str(backup), "mpd.slice.1000-1999.json")])
    assert store_dump(locations) == before, "its playlists would count twice"
    again = ingest(locations, backup)
    assert (again.ingested, again.already_done, again.copies) == (0, 1, [])


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "process-pool"])
def test_a_slice_copied_within_one_folder_is_ingested_once(small_demo: Path, tmp_path: Path,
                                                          workers: int) -> None:
    folder = tmp_path / "mpd"  # 4 slices: PARALLEL_MIN_SLICES, so 2 workers take the pool
    shutil.copytree(small_demo, folder)
    shutil.copy(folder / "mpd.slice.0-999.json", folder / "mpd.slice.3000-3999.json")
    assert len(find_slices(folder)) == PARALLEL_MIN_SLICES
    result = ingest(Locations.resolve(tmp_path / "cache"), folder, workers=workers)
    assert (result.ingested, result.playlists) == (3, 3000)
    assert result.copies == [(str(folder / "mpd.slice.3000-3999.json"), "mpd.slice.0-999.json")]


def test_bad_slice_stops_and_keeps_what_was_committed(small_demo: Path, tmp_path: Path) -> None:
    source = _copy_with_bad_second_slice(small_demo, tmp_path)
    locations = Locations.resolve(tmp_path / "cache")
    with pytest.raises(SliceError, match=re.escape("mpd.slice.1000-1999.json: invalid JSON")):
        ingest(locations, source)
    with Catalog.open(locations) as catalog:
        assert catalog.counts().playlists == 1000
        assert list(catalog.ingested_slices()) == ["mpd.slice.0-999.json"]


def test_skip_bad_ingests_the_rest_and_lists_skipped(small_demo: Path, tmp_path: Path) -> None:
    source = _copy_with_bad_second_slice(small_demo, tmp_path)
    result = ingest(Locations.resolve(tmp_path / "cache"), source, skip_bad=True)
    assert result.ingested == 2
    assert [label for label, _ in result.skipped] == [str(source / "mpd.slice.1000-1999.json")]


def test_unknown_catalog_version_is_refused_with_rebuild_hint(handmade_store: Locations) -> None:
    with sqlite3.connect(handmade_store.catalog_db) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
    with pytest.raises(FormatVersionError,
                       match=r"version 99, this mpdtui reads 1, 2 and 3: delete it and run `mpdtui ingest"):
        Catalog.open(handmade_store)


def test_changed_slice_with_same_name_is_refused(handmade_store: Locations, tmp_path: Path) -> None:
    changed = tmp_path / "mpd.slice.0-2.json"
    changed.write_bytes(HANDMADE.read_bytes().replace(b'"gym"', b'"gym and more"'))
    handmade = Locations.resolve(tmp_path / "other")
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(HANDMADE, folder / "mpd.slice.0-2.json")
    ingest(handmade, folder)
    with pytest.raises(UserError, match=re.escape("differs from the mpd.slice.0-2.json ingested before")):
        ingest(handmade, changed)


def _copy_with_bad_second_slice(demo: Path, tmp_path: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(demo, source)
    bad = source / "mpd.slice.1000-1999.json"
    bad.write_bytes(bad.read_bytes()[:5000])
    return source


def test_parallel_ingest_gives_the_same_store(small_demo: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import mpdtui.data.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "PARALLEL_MIN_SLICES", 2)
    source = _copy_with_bad_second_slice(small_demo, tmp_path)
    parallel = Locations.resolve(tmp_path / "parallel")
    serial = Locations.resolve(tmp_path / "serial")
    result = ingest(parallel, source, skip_bad=True, workers=2)
    ingest(serial, source, skip_bad=True, workers=1)
    assert result.ingested == 2 and len(result.skipped) == 1
    assert "mpd.slice.1000-1999.json: invalid JSON" in result.skipped[0][1]
    assert store_dump(parallel) == store_dump(serial)
    with pytest.raises(SliceError, match=re.escape("mpd.slice.1000-1999.json: invalid JSON")):
        ingest(Locations.resolve(tmp_path / "strict"), source, workers=2)


def test_the_matrix_carries_each_tracks_columns_for_the_models(
        handmade_store: Locations, monkeypatch: pytest.MonkeyPatch) -> None:
    with Catalog.open(handmade_store) as catalog:
        from_catalog = catalog.track_arrays()
    saved = load_interactions_and_tracks(handmade_store)[2]
    assert saved is not None
    for column, expected in zip(saved, from_catalog, strict=True):
        np.testing.assert_array_equal(column, expected)
        assert column.dtype == np.int32
    monkeypatch.setattr(Catalog, "track_arrays", _not_read)  # the dataset maps them instead
    dataset = load_dataset(handmade_store, with_features=False)
    np.testing.assert_array_equal(dataset.track_album, from_catalog[1])


def test_the_tracks_columns_come_from_the_slices_chunks(
        small_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each chunk holds the columns of the tracks its slice added; `finalize` saves them with
    the matrix without reading the catalog's tracks back. Chunks from an older mpdtui, without
    them, make it read the catalog instead."""
    locations = Locations.resolve(tmp_path / "cache")
    with monkeypatch.context() as patched:
        patched.setattr(Catalog, "track_arrays", _not_read)
        ingest(locations, small_demo, workers=1)
    saved = load_interactions_and_tracks(locations)[2]
    with Catalog.open(locations) as catalog:
        from_catalog = catalog.track_arrays()
        slice_ids = [slice_id for (slice_id,) in catalog.query("SELECT id FROM slices")]
    assert saved is not None and len(slice_ids) == 3
    for column, expected in zip(saved, from_catalog, strict=True):
        np.testing.assert_array_equal(column, expected)

    for slice_id in slice_ids:  # as an older mpdtui wrote them
        path = chunk_path(locations, slice_id)
        chunk = read_npz(path, CHUNK_FORMAT, CHUNK_VERSION, "")
        write_npz(path, CHUNK_FORMAT, CHUNK_VERSION,
                  {name: chunk[name] for name in ("lengths", "tracks")})
    locations.interactions_npz.unlink()
    with Catalog.create_or_open(locations) as catalog:
        finalize(locations, catalog)
    rebuilt = load_interactions_and_tracks(locations)[2]
    assert rebuilt is not None
    for column, expected in zip(rebuilt, from_catalog, strict=True):
        np.testing.assert_array_equal(column, expected)


def test_a_matrix_saved_before_the_columns_reads_them_from_the_catalog(
        handmade_store: Locations) -> None:
    path = handmade_store.interactions_npz
    arrays = read_npz(path, MATRIX_FORMAT, MATRIX_VERSION, "")
    write_npz(path, MATRIX_FORMAT, MATRIX_VERSION,
              {name: array for name, array in arrays.items() if name not in TRACK_COLUMNS})
    assert load_interactions_and_tracks(handmade_store)[2] is None
    with Catalog.open(handmade_store) as catalog:
        from_catalog = catalog.track_arrays()
    dataset = load_dataset(handmade_store, with_features=False)
    for column, expected in zip((dataset.track_artist, dataset.track_album,
                                 dataset.track_duration_ms), from_catalog, strict=True):
        np.testing.assert_array_equal(column, expected)


def test_the_dataset_reads_playlist_names_when_a_model_needs_them(
        handmade_store: Locations, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    read_names = Catalog.playlist_names

    def counted(self: Catalog) -> list[str]:
        reads.append(1)
        return read_names(self)

    monkeypatch.setattr(Catalog, "playlist_names", counted)
    names = load_dataset(handmade_store, with_features=False).playlist_names
    assert len(names) == 3 and not reads  # loading and serving a model need no names
    assert list(names) == ["cafe del mar", "gym", "empty ish"] and names[1] == "gym"
    assert names[1:] == ["gym", "empty ish"] and len(reads) == 1


def _not_read(self: Catalog) -> None:
    raise AssertionError("the tracks' columns were read from the catalog")
