"""The track search index is built after an ingest's slices, and caught up when it is stale."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from store_support import older_mpdtui

import mpdtui.data.ingest as ingest_module
import mpdtui.data.track_query as track_query
import mpdtui.data.track_search as track_search
from mpdtui.data.catalog import Catalog
from mpdtui.data.ingest import Cancelled, IngestProgress, ingest
from mpdtui.data.search_words import query_words
from mpdtui.data.track_search import SEARCH_INDEXED, search_indexed
from mpdtui.locations import Locations

HANDMADE = Path(__file__).parent.parent / "fixtures" / "handmade.mpd.slice.0-2.json"
QUERIES = ("bjor", "daft one", "homogenic bach", "joga", "o")


def _results(locations: Locations) -> list[list[str]]:
    with Catalog.open(locations) as catalog:
        return [[track.uri for track in catalog.search(query)] for query in QUERIES]


def _index_rows(locations: Locations) -> list[int]:
    """Every rowid the index holds once per matching term: duplicates would show twice."""
    with Catalog.open(locations) as catalog:
        return [rowid for (rowid,) in catalog.query(
            "SELECT rowid FROM tracks_fts WHERE tracks_fts MATCH 'a* OR e* OR o*' ORDER BY rowid")]


@pytest.fixture
def uninterrupted(tmp_path: Path) -> Locations:
    locations = Locations.resolve(tmp_path / "uninterrupted")
    ingest(locations, HANDMADE)
    return locations


@pytest.fixture
def killed_before_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Locations:
    """A store whose ingest committed its slices and died before building the search index."""
    locations = Locations.resolve(tmp_path / "killed")
    with monkeypatch.context() as patch:
        patch.setattr(track_search, "index_search", lambda catalog: 0)
        patch.setattr(track_search, "_fills_beside", lambda catalog: False)
        ingest(locations, HANDMADE)
    return locations


def test_a_killed_ingest_leaves_the_index_stale_and_says_so(killed_before_index: Locations) -> None:
    with Catalog.open(killed_before_index) as catalog:
        assert search_indexed(catalog) == 0 < catalog.counts().tracks
        assert catalog.search("bjor") == []


def test_opening_for_write_catches_the_index_up(killed_before_index: Locations,
                                               uninterrupted: Locations) -> None:
    Catalog.create_or_open(killed_before_index).close()
    assert _results(killed_before_index) == _results(uninterrupted)
    assert _index_rows(killed_before_index) == _index_rows(uninterrupted)
    with Catalog.open(killed_before_index) as catalog:
        assert search_indexed(catalog) == catalog.counts().tracks


def test_the_next_ingest_catches_the_index_up(killed_before_index: Locations,
                                              uninterrupted: Locations) -> None:
    result = ingest(killed_before_index, HANDMADE)
    assert result.ingested == 0 and result.already_done == 1
    assert _results(killed_before_index) == _results(uninterrupted)
    assert _results(uninterrupted)[0], "the queries must find something"


def test_a_catalog_from_before_the_key_counts_as_current(uninterrupted: Locations) -> None:
    before = _index_rows(uninterrupted)
    with sqlite3.connect(uninterrupted.catalog_db) as db:
        db.execute("DELETE FROM meta WHERE key = ?", (SEARCH_INDEXED,))
    Catalog.create_or_open(uninterrupted).close()  # must not add the tracks a second time
    assert _index_rows(uninterrupted) == before
    with Catalog.open(uninterrupted) as catalog:
        assert search_indexed(catalog) == catalog.counts().tracks


def test_the_slices_a_cancel_keeps_are_searchable(small_demo: Path, tmp_path: Path) -> None:
    locations = Locations.resolve(tmp_path / "cancelled")
    cancel = threading.Event()

    def stop_after_first(_progress: IngestProgress) -> None:
        cancel.set()

    with pytest.raises(Cancelled):
        ingest(locations, small_demo, progress=stop_after_first, cancel=cancel, workers=1)
    with Catalog.open(locations) as catalog:
        counts = catalog.counts()
        assert 1 <= counts.slices < 3
        assert search_indexed(catalog) == counts.tracks
        name = catalog.tracks([counts.tracks - 1])[0].name
        assert counts.tracks - 1 in [track.id for track in catalog.search(name, limit=10_000)]


def _integrity_ok(locations: Locations) -> bool:
    with Catalog.open(locations) as catalog:
        return catalog.query("INSERT INTO tracks_fts(tracks_fts, rank) "
                             "VALUES ('integrity-check', 1)") == []


def _search_config(locations: Locations) -> list[tuple]:
    with Catalog.open(locations) as catalog:
        return catalog.query("SELECT k, v FROM tracks_fts_config ORDER BY k")


def _ingest_counting_beside(locations: Locations, source: Path) -> int:
    """Ingest `source`; how many search indexes were built beside the catalog and copied in."""
    copies: list[track_search._SearchIndexBeside] = []
    copy_in = track_search._SearchIndexBeside.copy_in

    def counted(beside: track_search._SearchIndexBeside) -> None:
        copy_in(beside)
        copies.append(beside)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(track_search._SearchIndexBeside, "copy_in", counted)
        ingest(locations, source)
    return len(copies)


def _catalog_queries(locations: Locations) -> list[str]:
    """Words and 1-3 letter prefixes of the catalog's own titles, artists and albums."""
    with Catalog.open(locations) as catalog:
        words = sorted({word.lower() for row in catalog.query(
            "SELECT t.name, ar.name, al.name FROM tracks t JOIN artists ar ON ar.id = t.artist_id "
            "JOIN albums al ON al.id = t.album_id WHERE t.id % 97 = 0") for text in row
            for word in text.split() if word.isalnum()})
    return words[:40] + [word[:length] for word in words[:20] for length in (1, 2, 3)]


def test_a_new_catalog_gets_its_index_built_beside_and_answers_alike(
        small_demo: Path, tmp_path: Path) -> None:
    """The index built on a connection of its own and copied in holds what one built in the
    catalog holds, passes FTS5's integrity check, and leaves FTS5's merging as it was."""
    beside, in_place = Locations.resolve(tmp_path / "beside"), Locations.resolve(tmp_path / "in-place")
    assert _ingest_counting_beside(beside, small_demo) == 1
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(track_search, "_fills_beside", lambda catalog: False)
        assert _ingest_counting_beside(in_place, small_demo) == 0
    with Catalog.open(beside) as catalog:
        assert search_indexed(catalog) == catalog.counts().tracks > 0
    queries = _catalog_queries(in_place)
    assert len(queries) > 50
    for locations in (beside, in_place):
        assert _integrity_ok(locations)
        assert ("automerge", 4) in _search_config(locations)
    assert _index_rows(beside) == _index_rows(in_place)
    with Catalog.open(beside) as one, Catalog.open(in_place) as other:
        for query in queries:
            found = [track.id for track in one.search(query, limit=10_000)]
            assert found == [track.id for track in other.search(query, limit=10_000)], query
            assert found, query


def test_the_index_built_beside_takes_each_commits_tracks_and_answers_alike(
        small_demo: Path, small_store: Locations, tmp_path: Path) -> None:
    """Past SEARCH_BATCH_TRACKS (here 1) the build beside indexes the tracks of each commit
    while the slices are ingested, and ends with the index one statement builds (the handmade
    slice's few tracks, under the real batch, are indexed at the end: `uninterrupted`)."""
    locations = Locations.resolve(tmp_path / "batches")
    builders: list[track_search._SearchIndexBeside] = []
    batches: list[tuple[int, int]] = []
    start_builder, commit, insert = (track_search._SearchIndexBeside.__init__,
                                     ingest_module._commit, track_search._insert_into_search)

    def kept(builder: track_search._SearchIndexBeside, catalog: Catalog) -> None:
        start_builder(builder, catalog)
        builders.append(builder)

    def indexed_before_the_next(locations: Locations, catalog: Catalog, slices: list) -> None:
        commit(locations, catalog, slices)  # then wait for the build to take its tracks
        tracks = catalog.counts().tracks
        deadline = time.monotonic() + 10
        while builders[0].indexed < tracks and time.monotonic() < deadline:
            time.sleep(0.005)

    def counted(db: sqlite3.Connection, tracks_schema: str, start: int,
                end: int = 2**63 - 1) -> None:
        batches.append((start, end))
        insert(db, tracks_schema, start, end)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(track_search, "SEARCH_BATCH_TRACKS", 1)
        patch.setattr(track_search, "SEARCH_POLL_SECONDS", 0.001)
        patch.setattr(track_search._SearchIndexBeside, "__init__", kept)
        patch.setattr(ingest_module, "_commit", indexed_before_the_next)
        patch.setattr(track_search, "_insert_into_search", counted)
        ingest(locations, small_demo, workers=1)
    with Catalog.open(locations) as catalog:
        tracks = catalog.counts().tracks
        assert search_indexed(catalog) == tracks
    # the commits of 1 and 2 slices, then what is left after the last: nothing
    assert len(batches) == 3, batches
    assert batches[0][0] == 0 < batches[0][1] == batches[1][0] < batches[1][1] == tracks
    assert batches[2] == (tracks, tracks)
    assert _integrity_ok(locations)
    assert ("automerge", 4) in _search_config(locations)
    assert _index_rows(locations) == _index_rows(small_store)
    with Catalog.open(locations) as one, Catalog.open(small_store) as other:
        for query in _catalog_queries(small_store)[::10]:  # the index rows are compared above
            assert [track.id for track in one.search(query, limit=10_000)] == [
                track.id for track in other.search(query, limit=10_000)], query


def test_slices_joining_an_indexed_catalog_are_indexed_in_place(
        small_demo: Path, small_store: Locations, tmp_path: Path) -> None:
    first_two, last = tmp_path / "first-two", tmp_path / "last"
    first_two.mkdir()
    last.mkdir()
    slices = sorted(small_demo.glob("*.json"))
    for path in slices[:2]:
        (first_two / path.name).write_bytes(path.read_bytes())
    (last / slices[2].name).write_bytes(slices[2].read_bytes())
    locations = Locations.resolve(tmp_path / "cache")
    assert _ingest_counting_beside(locations, first_two) == 1
    assert _ingest_counting_beside(locations, last) == 0
    assert _integrity_ok(locations)
    assert _index_rows(locations) == _index_rows(small_store)


def test_an_ingest_failing_after_its_slices_copies_no_index(
        small_demo: Path, small_store: Locations, tmp_path: Path) -> None:
    """The build beside is stopped, nothing is copied, and the next writer catches up."""
    locations = Locations.resolve(tmp_path / "failed")

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest_module, "finalize", disk_full)
        with pytest.raises(OSError, match="No space"):
            ingest(locations, small_demo)
    assert not [thread for thread in threading.enumerate() if thread.name == "search-index"]
    with Catalog.open(locations) as catalog:
        assert search_indexed(catalog) == 0 < catalog.counts().tracks
    Catalog.create_or_open(locations).close()
    assert _integrity_ok(locations)
    assert _index_rows(locations) == _index_rows(small_store)


def test_a_failed_build_beside_is_done_again_in_place(
        small_demo: Path, small_store: Locations, tmp_path: Path) -> None:
    locations = Locations.resolve(tmp_path / "failed-build")
    insert = track_search._insert_into_search
    attempts: list[str] = []

    def failing_apart(db: object, tracks_schema: str, start: int, end: int = 2**63 - 1) -> None:
        attempts.append(tracks_schema)
        if tracks_schema:  # the build beside reads the attached catalog
            raise sqlite3.OperationalError("out of memory")
        insert(db, tracks_schema, start, end)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(track_search, "_insert_into_search", failing_apart)
        ingest(locations, small_demo)
    assert attempts == ["catalog.", ""]
    with Catalog.open(locations) as catalog:
        assert search_indexed(catalog) == catalog.counts().tracks
    assert _integrity_ok(locations)
    assert _index_rows(locations) == _index_rows(small_store)


def _chars_fts5_parts_words_at() -> list[str]:
    """The characters of Python's Unicode that a search takes as part of a word and that part
    a word in FTS5's tokenizer (whose tables are of an older Unicode): a quoted word holding
    one is a phrase there."""
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE words USING {track_search._FTS}")
    parting = []
    for char in map(chr, range(0x110000)):
        if query_words(f"a{char}b") == [f"a{char}b"]:
            try:
                db.execute("SELECT rowid FROM words WHERE words MATCH ?", (f'"a{char}b"*',))
            except sqlite3.OperationalError:
                parting.append(char)
    db.close()
    return parting


def test_a_word_fts5_parts_is_searched_as_its_parts(uninterrupted: Locations) -> None:
    """A table without positions refuses phrases, so a typed word that FTS5's tokenizer parts
    (at `_`) is searched as its parts; its categories keep every letter, digit, mark and
    emoji of Python's Unicode in words (New Tai Lue's vowel signs, once marks, parted them)."""
    with Catalog.open(uninterrupted) as catalog:
        assert "detail=none" in str(catalog.scalar(
            "SELECT sql FROM sqlite_master WHERE name = 'tracks_fts'"))
        parts = [track.id for track in catalog.search("daf on")]
        assert parts
        assert [track.id for track in catalog.search("daf_on")] == parts
        assert catalog.search("daf\u19b0on") == catalog.search("\u19b0") == []
    assert _chars_fts5_parts_words_at() == []


@pytest.fixture
def uninterrupted_version_2(tmp_path: Path) -> Locations:
    locations = Locations.resolve(tmp_path / "version-2")
    with older_mpdtui(2):
        ingest(locations, HANDMADE)
    return locations


def test_an_older_catalogs_word_fts5_parts_is_searched_as_its_parts(
        uninterrupted_version_2: Locations) -> None:
    """A catalog of format version 2, read: its tables part words at letters of today that
    FTS5's older Unicode does not know."""
    with Catalog.open(uninterrupted_version_2) as catalog:
        parts = [track.id for track in catalog.search("daf on")]
        assert parts
        assert [track.id for track in catalog.search("daf\u19b0on")] == parts
        assert catalog.search("\u19b0") == []


def test_a_word_fts5_still_refuses_finds_nothing(uninterrupted_version_2: Locations,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Where FTS5 also refuses the word's Unicode 3.2 parts (an SQLite whose tokenizer tables
    differ from this one's), the search finds nothing instead of failing."""
    monkeypatch.setattr(track_query, "older_unicode_words", lambda words: words)
    with Catalog.open(uninterrupted_version_2) as catalog:
        assert catalog.search("daf\u19b0on") == []
        assert catalog.search("daf on")  # other searches answer as before
