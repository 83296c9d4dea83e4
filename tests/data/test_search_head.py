"""The search head: the most popular tracks answer a search when they hold enough matches,
exactly as searching every track does; a stale head, or a catalog without one, is searched
in full."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from store_support import older_mpdtui

import mpdtui.data.track_search as track_search
from mpdtui.data.catalog import Catalog
from mpdtui.data.ingest import ingest
from mpdtui.data.matrices import manifest_fingerprint
from mpdtui.data.track_query import _HEAD_SEARCH
from mpdtui.data.track_search import SEARCH_HEAD
from mpdtui.locations import Locations
from mpdtui.pipeline.request import JobRequest
from mpdtui.pipeline.runner import run_job

HEAD = 400
LIMITS = (1, 10, 50)


@pytest.fixture(scope="module")
def headed(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Locations:
    """The small demo with a head of HEAD tracks (its catalog is far below the real minimum)."""
    locations = Locations.resolve(tmp_path_factory.mktemp("headed"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(track_search, "SEARCH_HEAD_MIN_TRACKS", 0)
        patch.setattr(track_search, "SEARCH_HEAD_TRACKS", HEAD)
        ingest(locations, small_demo)
    return locations


@pytest.fixture(scope="module")
def answered_now(headed: Locations) -> tuple[list[str], list[list[int]]]:
    """The queries the older catalogs are checked on and today's answers to them (the headed
    catalog is read-only: answered once, not twice by each version below)."""
    with Catalog.open(headed) as now:
        queries = [*_queries(now), "under_score", "two words_here"]
        return queries, _answers(now, queries)


def _copy(locations: Locations, tmp_path: Path) -> Locations:
    shutil.copytree(locations.root, tmp_path / "copy")
    return Locations.resolve(tmp_path / "copy")


def _queries(catalog: Catalog) -> list[str]:
    """Prefixes of 1-3 letters and whole words of titles and artists, and word pairs."""
    texts = [f"{name} {artist}" for name, artist in catalog.query(
        "SELECT t.name, ar.name FROM tracks t JOIN artists ar ON ar.id = t.artist_id "
        "WHERE t.id % 97 = 0 LIMIT 60")]
    words = [word for text in texts for word in text.lower().split() if word.isalpha()]
    singles = sorted({word[:size] for word in words for size in (1, 2, 3, len(word))})
    return singles + [" ".join(pair) for pair in zip(words[::2], words[1::2], strict=False)]


def _searching_everything(catalog: Catalog, query: str, limit: int) -> list[int]:
    """What `search` answered before the head: every match, by popularity then id."""
    match = " AND ".join(f'"{word}"*' for word in query.split())
    return [track_id for (track_id,) in catalog.query(
        "SELECT id FROM tracks WHERE id IN (SELECT rowid FROM tracks_fts WHERE tracks_fts "
        "MATCH ?) ORDER BY num_playlists DESC, id LIMIT ?", (match, limit))]


def _head_alone(catalog: Catalog, query: str, limit: int) -> int:
    """How many of the `limit` answers the head gives by itself."""
    match = " AND ".join(f'"{word}"*' for word in query.split())
    return len(catalog.query(_HEAD_SEARCH, (match, limit)))


def _share_answered_by_the_head(catalog: Catalog) -> float:
    """Check every query's answer against searching every track; the share of (query, limit)
    pairs the head alone answered."""
    queries = _queries(catalog)
    by_head = 0
    for query in queries:
        for limit in LIMITS:
            found = [track.id for track in catalog.search(query, limit)]
            assert found == _searching_everything(catalog, query, limit), (query, limit)
            by_head += _head_alone(catalog, query, limit) == limit
    return by_head / (len(queries) * len(LIMITS))


def test_the_head_holds_the_most_popular_tracks_by_rank(headed: Locations) -> None:
    with Catalog.open(headed) as catalog:
        head = [track_id for (track_id,) in catalog.query(
            "SELECT track_id FROM search_head ORDER BY rank")]
        assert head == [track_id for (track_id,) in catalog.query(
            "SELECT id FROM tracks ORDER BY num_playlists DESC, id LIMIT ?", (HEAD,))]
        assert catalog.counts().tracks > 10 * HEAD
        assert catalog.meta(SEARCH_HEAD) == manifest_fingerprint(catalog)


def test_search_answers_as_searching_every_track_on_both_paths(headed: Locations) -> None:
    with Catalog.open(headed) as catalog:
        # the head alone answers the common prefixes; the rest are searched in full
        assert 0.2 < _share_answered_by_the_head(catalog) < 0.9


def test_a_stale_head_is_not_used(headed: Locations, tmp_path: Path) -> None:
    """An older mpdtui's finalize counts popularity anew but does not rank the head."""
    locations = _copy(headed, tmp_path)
    with sqlite3.connect(locations.catalog_db) as db:
        least_popular, name = db.execute(
            "SELECT id, name FROM tracks ORDER BY num_playlists, id DESC LIMIT 1").fetchone()
        db.execute("UPDATE tracks SET num_playlists = 1000000 WHERE id = ?", (least_popular,))
        db.execute("UPDATE meta SET value = 'another' WHERE key = 'finalized'")
    query = name.split()[0][:1]
    with Catalog.open(locations) as catalog:
        assert _head_alone(catalog, query, 10) == 0
        assert catalog.search(query, 10)[0].id == least_popular
    with pytest.MonkeyPatch.context() as patch:  # the next writer ranks it anew
        patch.setattr(track_search, "SEARCH_HEAD_MIN_TRACKS", 0)
        patch.setattr(track_search, "SEARCH_HEAD_TRACKS", HEAD)
        Catalog.create_or_open(locations).close()
    with Catalog.open(locations) as catalog:
        assert catalog.meta(SEARCH_HEAD) == "another"
        assert _head_alone(catalog, query, 10) == 10
        assert catalog.search(query, 10)[0].id == least_popular


def test_a_catalog_from_before_the_head_is_searched_in_full_until_a_writer_opens_it(
        headed: Locations, tmp_path: Path) -> None:
    locations = _copy(headed, tmp_path)
    with Catalog.open(locations) as catalog:
        expected = {query: [track.id for track in catalog.search(query)]
                    for query in _queries(catalog)[:40]}
    with sqlite3.connect(locations.catalog_db) as db:
        db.execute("DROP TABLE search_head")
        db.execute("DROP TABLE search_head_fts")
        db.execute("DELETE FROM meta WHERE key = ?", (SEARCH_HEAD,))
    with Catalog.open(locations) as catalog:  # a reader creates nothing
        assert {query: [track.id for track in catalog.search(query)]
                for query in expected} == expected
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(track_search, "SEARCH_HEAD_MIN_TRACKS", 0)
        patch.setattr(track_search, "SEARCH_HEAD_TRACKS", HEAD)
        Catalog.create_or_open(locations).close()  # as the next ingest, --train or import does
    with Catalog.open(locations) as catalog:
        assert catalog.meta(SEARCH_HEAD) == manifest_fingerprint(catalog)
        assert catalog.scalar("SELECT count(*) FROM search_head") == HEAD
        assert {query: [track.id for track in catalog.search(query)]
                for query in expected} == expected


def test_the_next_ingest_ranks_the_head_again(small_demo: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    partial.mkdir()
    first_two = sorted(small_demo.glob("mpd.slice.*.json"))[:2]
    for path in first_two:
        shutil.copy(path, partial / path.name)
    locations = Locations.resolve(tmp_path / "cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(track_search, "SEARCH_HEAD_MIN_TRACKS", 0)
        patch.setattr(track_search, "SEARCH_HEAD_TRACKS", HEAD)
        ingest(locations, partial)
        ingest(locations, small_demo)
    with Catalog.open(locations) as catalog:
        assert catalog.meta(SEARCH_HEAD) == manifest_fingerprint(catalog)
        assert [track_id for (track_id,) in catalog.query(
            "SELECT track_id FROM search_head ORDER BY rank")] == [track_id for (track_id,) in catalog.query(
                "SELECT id FROM tracks ORDER BY num_playlists DESC, id LIMIT ?", (HEAD,))]
        assert _share_answered_by_the_head(catalog) > 0.2  # its index holds the new ranks only


def test_a_catalog_below_the_minimum_has_an_empty_head(small_store: Locations) -> None:
    with Catalog.open(small_store) as catalog:
        assert catalog.counts().tracks < track_search.SEARCH_HEAD_MIN_TRACKS
        assert catalog.scalar("SELECT count(*) FROM search_head") == 0
        for query in _queries(catalog)[:40]:
            assert [track.id for track in catalog.search(query)] == _searching_everything(
                catalog, query, 50)


def test_a_job_with_nothing_to_ingest_ranks_a_stale_head(headed: Locations, tmp_path: Path) -> None:
    """`mpdtui --train` or `mpdtui ingest` on a current catalog from before the head."""
    locations = _copy(headed, tmp_path)
    with sqlite3.connect(locations.catalog_db) as db:
        db.execute("DELETE FROM meta WHERE key = ?", (SEARCH_HEAD,))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(track_search, "SEARCH_HEAD_MIN_TRACKS", 0)
        patch.setattr(track_search, "SEARCH_HEAD_TRACKS", HEAD)
        events: list[object] = []
        run_job(locations, JobRequest("data"), events.append)
    assert any(getattr(event, "stage", "") == "ingest" and "data ready" in str(event)
               for event in events), events
    with Catalog.open(locations) as catalog:
        assert catalog.meta(SEARCH_HEAD) == manifest_fingerprint(catalog)


@pytest.mark.parametrize("declared", ["positions", "positions and column sizes", "version 2"])
def test_older_search_tables_answer_alike_and_their_writer_reindexes_them(
        declared: str, small_demo: Path, headed: Locations, tmp_path: Path,
        answered_now: tuple[list[str], list[list[int]]]) -> None:
    """A catalog of format version 1 (search tables with positions; the first ones also with
    column sizes) or 2 (of the texts as they are) is read as it is and answers every search
    of Latin words as today's does; its next writer replaces its tables by today's, which
    answer alike too."""
    locations, version = Locations.resolve(tmp_path / "before"), 2 if declared == "version 2" else 1
    with older_mpdtui(version), pytest.MonkeyPatch.context() as patch:
        if declared == "positions and column sizes":
            patch.setattr(track_search, "_FTS_WITH_POSITIONS",
                          track_search._FTS_WITH_POSITIONS.replace(", columnsize=0", ""))
        patch.setattr(track_search, "SEARCH_HEAD_MIN_TRACKS", 0)
        patch.setattr(track_search, "SEARCH_HEAD_TRACKS", HEAD)
        ingest(locations, small_demo)
    tables = "SELECT sql FROM sqlite_master WHERE name IN ('tracks_fts', 'search_head_fts')"
    queries, now_answers = answered_now
    with Catalog.open(locations) as before, Catalog.open(headed) as now:
        assert (before.meta("version"), now.meta("version")) == (str(version), "3")
        assert [("detail=none" in sql, "columnsize=0" in sql) for (sql,) in before.query(tables)
                ] == [(declared == "version 2", declared != "positions and column sizes")] * 2
        assert [("categories" in sql, "detail=none" in sql) for (sql,) in now.query(tables)
                ] == [(True, True)] * 2
        assert _answers(before, queries) == now_answers
        with pytest.MonkeyPatch.context() as patch:  # the reindex ranks the head again too
            patch.setattr(track_search, "SEARCH_HEAD_MIN_TRACKS", 0)
            patch.setattr(track_search, "SEARCH_HEAD_TRACKS", HEAD)
            Catalog.create_or_open(locations).close()
        assert before.query(tables) == now.query(tables)
        assert _head_matches(before) == _head_matches(now) and len(_head_matches(now)) > HEAD // 2
        assert before.query("INSERT INTO tracks_fts(tracks_fts, rank) "
                            "VALUES ('integrity-check', 1)") == []
        assert _answers(before, queries) == now_answers


def _head_matches(catalog: Catalog) -> set[int]:
    """The head's ranks of the words starting with a few letters (its search table has no
    text to scan)."""
    return {rank for letter in "aeiost" for (rank,) in catalog.query(
        "SELECT rowid FROM search_head_fts WHERE search_head_fts MATCH ?", (f'"{letter}"*',))}


def _answers(catalog: Catalog, queries: list[str]) -> list[list[int]]:
    return [[track.id for track in catalog.search(query, limit)]
            for query in queries for limit in LIMITS]
