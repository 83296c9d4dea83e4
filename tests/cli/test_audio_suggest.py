"""Audio-aware building on the demo dataset: filtered suggestions (only matching tracks, still
k of them), `mpdtui suggest --filter`, `mpdtui order`, and features in exports."""

from __future__ import annotations

import copy
import csv
import io
import json
import shlex
import shutil
import sqlite3
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import numpy as np
import pytest
from short_model import OneModel, ShortModel

from models.base import PlaylistQuery, Reason, Recommendations, Recommender
from models.filtered import recommend_allowed
from mpdtui.audio.filters import parse_filter
from mpdtui.audio.keys import code_of
from mpdtui.cli import main
from mpdtui.data import track_features
from mpdtui.data.demo_files import FEATURES_CSV
from mpdtui.data.features import FEATURE_NAMES, FeatureStore, bare_id
from mpdtui.data.saved_playlists import TrackEntry
from mpdtui.data.track_features import catalog_feature_matrix
from mpdtui.locations import Locations
from mpdtui.services import catalog as catalog_service
from mpdtui.services.audio import FeaturesMissing, FilteredSuggestions
from mpdtui.services.root import Services, open_services
from mpdtui.services.suggester import ReasonWords, Suggester

MODELS = ["popularity", "title", "item_knn"]
K = 20


@pytest.fixture(scope="module")
def audio_cache(small_store: Locations, small_demo: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Locations:
    """The small demo with its features imported and the light models trained (read-only)."""
    locations = Locations.resolve(tmp_path_factory.mktemp("audio") / "cache")
    shutil.copytree(small_store.root, locations.root)
    services = open_services(locations)
    services.jobs.import_features_csv(small_demo / FEATURES_CSV)
    services.jobs.train(MODELS)
    return locations


@pytest.fixture
def services(audio_cache: Locations, tmp_path: Path) -> Services:
    """A private copy (tests that save playlists)."""
    root = tmp_path / "cache"
    shutil.copytree(audio_cache.root, root)
    return open_services(Locations.resolve(root))


def test_the_catalog_features_are_read_once_for_the_models_and_the_filters(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = []
    read = catalog_service.catalog_feature_matrix

    def counted(*args: Any) -> Any:
        reads.append(args)
        return read(*args)

    monkeypatch.setattr(catalog_service, "catalog_feature_matrix", counted)
    found = services.audio.suggest("workout", [], parse_filter("tempo > 120"), "item_knn", K)
    assert len(found.suggestions) == K and len(reads) == 1
    matrix, _ = services.catalog.feature_matrix()  # type: ignore[misc]
    assert services.models.training_data().track_features is matrix
    assert services.audio.catalog_features()["tempo"].base is matrix  # columns: views of it
    services.forget_loaded()  # a job changed the data: read again
    services.audio.suggest("workout", [], parse_filter("tempo > 120"), "item_knn", K)
    assert len(reads) == 2


def test_the_catalog_features_are_kept_for_the_next_read_while_their_sources_hold(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    locations, catalog = services.locations, services.catalog.catalog()
    n_tracks = catalog.n_tracks()
    sql_reads = []
    read_sql = FeatureStore.catalog_feature_matrix

    def counted(store: FeatureStore, *args: Any) -> Any:
        sql_reads.append(args)
        return read_sql(store, *args)

    def read(n: int = n_tracks) -> np.ndarray:
        return catalog_feature_matrix(locations, n, catalog.track_uris)[0]

    monkeypatch.setattr(FeatureStore, "catalog_feature_matrix", counted)
    locations.feature_matrix_npz.unlink(missing_ok=True)
    first = read()
    assert len(sql_reads) == 1 and locations.feature_matrix_npz.exists()
    assert np.isfinite(first).any() and np.isnan(first).all(axis=1).any()  # known and unknown
    assert np.array_equal(read(), first, equal_nan=True) and len(sql_reads) == 1  # kept
    track = catalog.tracks([0])[0]
    with FeatureStore.open(locations) as store:  # a write to the store: read again
        wrote = {**dict.fromkeys(FEATURE_NAMES, 0.25), "key": 5, "mode": 1, "duration_ms": 9e4}
        store.store_api_batch([bare_id(track.uri)], [wrote])
    changed = read()
    assert changed[0].tolist() == list(wrote.values()) and len(sql_reads) == 2
    assert np.array_equal(read(), changed, equal_nan=True) and len(sql_reads) == 2
    with catalog.transaction() as db:  # an ingest changed the catalog's slices: read again
        db.execute("INSERT OR REPLACE INTO meta VALUES ('finalized', 'other slices')")
    assert np.array_equal(read(), changed, equal_nan=True) and len(sql_reads) == 3
    assert read(n_tracks - 1).shape == (n_tracks - 1, len(FEATURE_NAMES)) and len(sql_reads) == 4
    locations.feature_matrix_npz.write_bytes(b"not a numpy file")  # damaged: read, kept anew
    assert np.array_equal(read(), changed, equal_nan=True) and len(sql_reads) == 5
    assert np.array_equal(read(), changed, equal_nan=True) and len(sql_reads) == 5
    locations.feature_matrix_npz.unlink()  # a cache dir that cannot be written: still read
    read_only = Mock(side_effect=OSError(30, "Read-only file system"))
    monkeypatch.setattr(track_features, "write_npz", read_only)
    assert np.array_equal(read(), changed, equal_nan=True) and len(sql_reads) == 6
    assert read_only.called and not locations.feature_matrix_npz.exists()


def test_the_stamp_changes_with_writes_of_features_and_only_then(services: Services) -> None:
    locations, catalog = services.locations, services.catalog.catalog()

    def stamp() -> str | None:
        with FeatureStore.open(locations, write=False) as store:
            return store.catalog_stamp(locations.catalog_db, catalog.n_tracks())

    before = stamp()
    assert before is not None
    with FeatureStore.open(locations) as store:  # reads through a temp table, and a 403
        store.coverage(catalog.track_uris())
        store.ids_to_fetch(catalog.track_uris()[:50])
        store.mark_forbidden("someone")
    assert stamp() == before
    with FeatureStore.open(locations) as store:
        store.store_api_batch(["x"], [None])  # only "no features": still a write
    assert stamp() not in (None, before)
    before = stamp()
    with sqlite3.connect(locations.features_db) as db:  # as an older mpdtui left it
        db.execute("DELETE FROM meta WHERE key = 'changed'")
    db.close()
    assert stamp() is None  # not kept; and readers do not write
    FeatureStore.open(locations).close()  # given one by the next writer's open
    assert stamp() not in (None, before)
    before = stamp()
    for suffix in ("", "-wal", "-shm"):  # "delete it and import the features again"
        Path(f"{locations.features_db}{suffix}").unlink(missing_ok=True)
    with FeatureStore.open(locations) as store:
        store.store_api_batch(["x"], [None])
    assert stamp() not in (None, before)


def features_of(locations: Locations, uri: str) -> dict[str, float]:
    """One track's features straight from the store, one query (the slow, obvious way)."""
    with FeatureStore.open(locations) as store:
        row, _ = store.feature_matrix([uri])
    return dict(zip(FEATURE_NAMES, row[0].tolist(), strict=True))


def matches(values: dict[str, float], term: str) -> bool:
    tempo, energy = values["tempo"], values["energy"]
    return {"tempo 150-170": 150 <= tempo <= 170, "energy > 0.7": energy > 0.7,
            "key 8A": code_of(values["key"], values["mode"]) == code_of(9, 0),
            "acoustic": values["acousticness"] >= 0.5,
            "minor": values["mode"] == 0, "tempo < 100": tempo < 100}[term]


@pytest.mark.parametrize("terms", [["tempo 150-170"], ["energy > 0.7", "minor"], ["key 8A"],
                                   ["acoustic"], ["tempo < 100", "energy > 0.7"]],
                         ids=lambda terms: ", ".join(terms))
@pytest.mark.parametrize("model", ["title", "item_knn"])
def test_filters_return_only_matching_tracks_and_still_k(audio_cache: Locations, model: str,
                                                         terms: list[str]) -> None:
    services = open_services(audio_cache)
    seeds = [s.track.id for s in services.suggester.suggest("workout", [], "title", k=5)]
    found = services.audio.suggest("workout", seeds, parse_filter(terms), model, K)
    assert found.matching >= K  # the catalog has enough: so k come back
    assert len(found.suggestions) == K
    for suggestion, sound in zip(found.suggestions, found.audio, strict=True):
        values = features_of(audio_cache, suggestion.track.uri)
        assert all(matches(values, term) for term in terms), (suggestion.track.name, values)
        assert sound is not None and sound.tempo == pytest.approx(values["tempo"])
        assert suggestion.track.id not in seeds
    assert f"{K} of {found.matching:,} tracks matching" in found.note()
    assert f"{found.without_features:,} without features left out" in found.note()


def test_filtering_comes_before_the_top_k_cut(audio_cache: Locations) -> None:
    """The filtered list is the model's whole ranking with the other tracks taken out."""
    services = open_services(audio_cache)
    seeds = [s.track.id for s in services.suggester.suggest("chill", [], "title", k=3)]
    audio_filter = parse_filter("tempo 150-170, energy > 0.7")
    found = services.audio.suggest("", seeds, audio_filter, "item_knn", K)
    model = services.models.model("item_knn")
    whole = model.recommend(PlaylistQuery.of("", seeds), model.n_tracks).ids
    allowed = audio_filter.mask(services.audio.catalog_features())
    assert [s.track.id for s in found.suggestions] == [i for i in whole if allowed[i]][:K]
    assert len(found.suggestions) == K


@pytest.mark.parametrize("terms", ["", "tempo 100-140"])
def test_excluded_tracks_are_left_out_and_k_still_come(audio_cache: Locations, terms: str) -> None:
    """What the builder hides (x): never suggested, and the next ones take its place."""
    services = open_services(audio_cache)
    audio_filter = parse_filter(terms)
    before = services.audio.suggest("chill", [3], audio_filter, "item_knn", K)
    hidden = {before.suggestions[0].track.id, before.suggestions[4].track.id}
    after = services.audio.suggest("chill", [3], audio_filter, "item_knn", K, exclude=hidden)
    expected = [s.track.id for s in before.suggestions if s.track.id not in hidden]
    assert [s.track.id for s in after.suggestions][:K - 2] == expected
    assert len(after.suggestions) == K and not hidden & {s.track.id for s in after.suggestions}
    if audio_filter:  # the hidden tracks are not counted among those that could come
        assert after.matching == before.matching - 2
    plain = services.suggester.suggest("chill", [3], "item_knn", K, exclude=hidden)
    assert not hidden & {s.track.id for s in plain} and len(plain) == K


def test_each_suggestion_is_explained_by_the_model_that_chose_it(audio_cache: Locations) -> None:
    services = open_services(audio_cache)
    short = ShortModel()
    short.fit(services.models.training_data())
    short.fallback = services.models.model("title")
    suggester = Suggester(OneModel(short), services.catalog)  # type: ignore[arg-type]
    query = PlaylistQuery.of("chill", [1])
    own_reasons = ReasonWords(services.catalog).explain(short, query, np.array([7, 8, 9]))
    found = suggester.suggest("chill", [1], k=10)
    assert [s.track.id for s in found[:3]] == [7, 8, 9]
    # the tracks that topped up its list: the title model's reasons, not its note ("short: 3
    # tracks found; answered by title", how the list was filled, not why a track is on it)
    title_reasons = ReasonWords(services.catalog).explain(
        short.fallback, query, np.array([s.track.id for s in found[3:]]))
    assert [s.reason for s in found] == [*own_reasons, *title_reasons]
    assert set(title_reasons) <= {"fits the name 'chill'", "popular overall"}
    assert "fits the name 'chill'" in title_reasons
    allowed = np.ones(short.n_tracks, bool)
    allowed[8] = False  # a filter that keeps two of its own
    kept = suggester.suggest("chill", [1], k=10, allowed=allowed)
    assert [s.track.id for s in kept[:2]] == [7, 9] and 8 not in {s.track.id for s in kept}
    assert [s.reason for s in kept[:2]] == [own_reasons[0], own_reasons[2]]
    assert not any("answered by" in s.reason for s in kept)
    short.fallback = None  # popularity topped it up
    assert {s.reason for s in suggester.suggest("chill", [1], k=10)[3:]} == {"popular overall"}


@pytest.mark.parametrize(("reason", "seeds", "expected"), [
    (Reason("same_artist", count=2), 3, "same artist as 2 of your tracks"),
    (Reason("same_album", count=1), 3, "same album as one of your tracks"),
    (Reason("same_artist", count=1), 1, "same artist as Only"),  # more like this: named
    (Reason("often_with", seed=5), 3, "often with Five"),
    (Reason("similar_playlists"), 3, "in playlists like yours"),
    # more like this: "yours" was the playlist, which need not hold the track it is like
    (Reason("similar_playlists"), 1, "in similar playlists"),
])
def test_a_reason_names_the_seed_it_can(reason: Reason, seeds: int, expected: str) -> None:
    only = "Only" if seeds == 1 else None
    assert ReasonWords.words(reason, {5: "Five"}, "", only) == expected


class CandidatesModel(ShortModel):
    """Ranks a few candidates, as the ranker does: tracks 7, 8 and 9, or restricted to some
    tracks, the first three of those (and says which it was in its reasons)."""

    name = "candidates"
    allowed: np.ndarray | None = None

    def restricted_to(self, allowed: np.ndarray) -> Recommender:
        view = copy.copy(self)
        view.allowed = allowed
        return view

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        if self.allowed is None:
            return super()._recommend(query, k)
        ids = np.array([t for t in np.flatnonzero(self.allowed) if t not in query.seeds][:3])
        return Recommendations(ids[:k], np.array([3.0, 2.0, 1.0][:min(k, ids.size)], np.float32))

    def explain(self, query: PlaylistQuery, ids: np.ndarray) -> list[Reason]:
        return [Reason("fits_name" if self.allowed is not None else "popular")] * len(ids)


def test_a_filter_goes_to_the_model_that_draws_candidates_and_hidden_tracks_keep_the_order(
        audio_cache: Locations) -> None:
    services = open_services(audio_cache)
    model = CandidatesModel()
    model.fit(services.models.training_data())
    model.fallback = services.models.model("title")
    suggester = Suggester(OneModel(model), services.catalog)  # type: ignore[arg-type]
    allowed = np.zeros(model.n_tracks, bool)
    allowed[20:40] = True  # none of its usual candidates
    found = suggester.suggest("chill", [1], k=5, allowed=allowed)
    assert [s.track.id for s in found[:3]] == [20, 21, 22]  # its own, drawn from the allowed
    assert [s.reason for s in found[:3]] == ["fits the name 'chill'"] * 3  # explained by them
    assert all(allowed[s.track.id] for s in found)
    assert [s.track.id for s in suggester.suggest("chill", [1], k=3)] == [7, 8, 9]
    # a hidden track only leaves its place: the model's ranking stays as it was
    assert [s.track.id for s in suggester.suggest("chill", [1], k=3, exclude={8})][:2] == [7, 9]
    hidden = suggester.suggest("chill", [1], k=5, allowed=allowed, exclude={21})
    assert [s.track.id for s in hidden[:2]] == [20, 22]
    # the fallback's: 23 did not move up among its own (scored 3, 2, 1), and says its reason
    title_says = ReasonWords(services.catalog).explain(
        model.fallback, PlaylistQuery.of("chill", [1]), np.array([hidden[2].track.id]))
    assert hidden[2].score < 1.0 and hidden[2].reason == title_says[0]


def test_a_filter_few_tracks_match_returns_them_all_and_says_so(audio_cache: Locations) -> None:
    services = open_services(audio_cache)
    audio_filter = parse_filter("key 8A, tempo 150-152, energy > 0.5")
    expected = int(np.count_nonzero(audio_filter.mask(services.audio.catalog_features())))
    assert 0 < expected < K
    found = services.audio.suggest("party", [], audio_filter, "title", K)
    assert len(found.suggestions) == found.matching == expected
    assert found.note().startswith(f"only {expected} track")
    none = services.audio.suggest("party", [], parse_filter("tempo > 250"), "title", K)
    assert none.suggestions == [] and none.note().startswith("no track matches tempo > 250")


@pytest.mark.parametrize(("matching", "said"), [(1, "only 1 track matches tempo > 200"),
                                                 (2, "only 2 tracks match tempo > 200")])
def test_a_filter_few_tracks_match_says_so_in_agreement(matching: int, said: str) -> None:
    """It said "only 1 track match"."""
    found = FilteredSuggestions([Mock()] * matching, [None] * matching,
                                parse_filter("tempo > 200"), k=10, matching=matching)
    assert found.note() == said


def test_a_filter_without_features_says_how_to_get_them(small_store: Locations,
                                                        tmp_path: Path) -> None:
    shutil.copytree(small_store.root, tmp_path / "cache")
    services = open_services(Locations.resolve(tmp_path / "cache"))
    services.jobs.train(["popularity", "title"])
    with pytest.raises(FeaturesMissing, match="mpdtui features --csv"):
        services.audio.suggest("chill", [], parse_filter("tempo > 120"), "title", K)
    plain = services.audio.suggest("chill", [], parse_filter(""), "title", K)
    assert len(plain.suggestions) == K and plain.audio == [None] * K and plain.note() == ""


def test_a_filter_without_features_names_the_csv_that_came_with_the_data(
        small_demo: Path, cache_dir: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    """It advised `--csv tracks_features.csv`, a file not in the folder the command ran in,
    where the CSV beside the ingested slices is known (and `info` and `features` `--csv
    FILE`): followed as said, it now imports."""
    assert main(["ingest", str(small_demo)]) == 0
    open_services(cache_dir).jobs.train(["title"])
    command = f"mpdtui features --csv {small_demo / FEATURES_CSV}"
    for told in (["info"], ["features"]):
        capsys.readouterr()
        assert main(told) == 0
        assert f"`{command}`" in capsys.readouterr().out
    asked = ["suggest", "--name", "x", "--model", "title", "--filter", "tempo > 120"]
    assert main(asked) == 2
    advised = capsys.readouterr().err.strip().rsplit("`", 2)[1]
    assert advised == command
    assert main(shlex.split(advised)[1:]) == 0
    assert main(asked) == 0


class Ranked(Recommender):
    """Ranks every track by id, the lowest first; counts how much it is asked for."""

    name = "ranked"

    def __init__(self, n_tracks: int) -> None:
        super().__init__()
        self.n_tracks = n_tracks
        self.asked: list[int] = []

    def recommend(self, query: PlaylistQuery, k: int = 500) -> Recommendations:
        self.asked.append(k)
        return self._recommend(query, k)

    def _recommend(self, query: PlaylistQuery, k: int) -> Recommendations:
        ids = np.array([i for i in range(self.n_tracks) if i not in query.seeds][:k])
        return Recommendations(ids, -ids.astype(np.float32))

    def fit(self, data, progress=None, cancel=None) -> None:  # type: ignore[no-untyped-def]
        raise NotImplementedError

    def _state(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    def _restore(self, settings, arrays, data) -> None:  # type: ignore[no-untyped-def]
        raise NotImplementedError


def test_the_candidate_list_grows_until_k_pass_up_to_the_whole_catalog() -> None:
    model = Ranked(10_000)
    allowed = np.zeros(10_000, dtype=bool)
    allowed[[3, 5000, 9000, 9998, 9999]] = True
    found = recommend_allowed(model, PlaylistQuery.of("", [9999]), 4, allowed)
    assert found.ids.tolist() == [3, 5000, 9000, 9998]
    assert model.asked[-1] == 10_000 and model.asked == sorted(model.asked)
    everything = recommend_allowed(model, PlaylistQuery(), 50, allowed)
    assert everything.ids.tolist() == [3, 5000, 9000, 9998, 9999]  # fewer exist: all of them
    assert len(recommend_allowed(model, PlaylistQuery(), 5, np.zeros(10_000, bool))) == 0


def test_cli_suggest_with_filters(audio_cache: Locations, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the whole table on one line a row
    cache = ["--cache-dir", str(audio_cache.root)]
    assert main([*cache, "suggest", "--name", "workout", "--model", "title", "--k", "5",
                 "--filter", "tempo>=150", "--filter", "energy > 0.7", "--json"]) == 0
    out = capsys.readouterr()
    rows = json.loads(out.out)
    assert len(rows) == 5
    assert all(row["audio"]["tempo"] >= 150 and row["audio"]["energy"] > 0.7 for row in rows)
    assert all(row["audio"]["camelot"] and row["audio"]["key"] for row in rows)
    assert "5 of" in out.err and "matching tempo >= 150, energy > 0.7" in out.err
    scores = [row["score"] for row in rows]  # one scale: 1 for the best, then its fraction
    assert scores[0] == 1.0 and scores == sorted(scores, reverse=True) and scores[-1] >= 0
    assert all(isinstance(row["model_score"], float) for row in rows)
    assert main([*cache, "suggest", "--name", "workout", "--model", "title", "--k", "3",
                 "--filter", "key 8A"]) == 0
    table = capsys.readouterr().out
    assert "BPM" in table and "A minor 8A" in table
    assert main([*cache, "suggest", "--name", "x", "--filter", "tempo > fast"]) == 2
    assert "filter 'tempo > fast'" in capsys.readouterr().err
    assert main([*cache, "suggest", "--name", "x", "--filter", "tempo 300-400"]) == 2  # none can
    assert capsys.readouterr().err.endswith("tempo runs from 0 to 300 BPM, not 400\n")
    # no track matches: the playlist --save names is not made empty
    assert main([*cache, "suggest", "--name", "x", "--filter", "tempo 250-300",
                 "--save", "never saved"]) == 0
    assert capsys.readouterr().out.endswith("nothing saved to 'never saved': no suggestions to add\n")
    assert open_services(audio_cache).playlists.find("never saved") is None


def test_cli_search_shows_each_track_s_audio(audio_cache: Locations,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    cache = ["--cache-dir", str(audio_cache.root)]
    track = open_services(audio_cache).suggester.suggest("workout", [], "title", k=1)[0].track
    assert main([*cache, "search", track.uri, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["audio"]["tempo"] == pytest.approx(features_of(audio_cache, track.uri)["tempo"],
                                                  abs=0.05)
    assert main([*cache, "search", track.uri]) == 0
    assert "BPM" in capsys.readouterr().out


def test_cli_order_saves_a_flowing_order(services: Services,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    tracks = [s.track for s in services.suggester.suggest("party", [], "title", k=25)]
    services.playlists.save("Party", tracks)
    services.playlists.save("Party Too", tracks[:3])
    cache = ["--cache-dir", str(services.locations.root)]
    assert main([*cache, "order", "Party", "Too", "--dry-run", "--json"]) == 0  # unquoted
    assert json.loads(capsys.readouterr().out)["tracks"][0]["uri"] == tracks[0].uri
    assert main([*cache, "order", "Party", "--dry-run", "--json"]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert planned["saved"] is False
    assert services.playlists.get("Party").uris == [t.uri for t in tracks]  # untouched
    before, after = planned["before"], planned["after"]
    assert after["key_clashes"] <= before["key_clashes"]
    assert after["mean_tempo_jump"] <= before["mean_tempo_jump"]
    assert planned["tracks"][0]["uri"] == tracks[0].uri

    assert main([*cache, "order", "Party", "--energy", "rise"]) == 0
    printed = capsys.readouterr().out
    assert "key clashes" in printed and "energy by quarter" in printed
    assert all(sum(t.name in line and t.artist_name in line for line in printed.splitlines()) >= 1
               for t in tracks), "piped, every row is on one line (it was cut at 80 columns)"
    assert "saved 'Party' in the new order" in printed
    reordered = services.playlists.get("Party").uris
    assert sorted(reordered) == sorted(t.uri for t in tracks) and reordered[0] == tracks[0].uri
    assert reordered != [t.uri for t in tracks]


def test_cli_order_asks_for_three_tracks_as_the_app_does(
        services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    # it said "already in the best order found" of one or two tracks, and of a playlist
    # where fewer than three have features (nothing moved, not even those to the end)
    cache = ["--cache-dir", str(services.locations.root)]
    tracks = [s.track for s in services.suggester.suggest("party", [], "title", k=25)]
    for n in (1, 2):
        services.playlists.save(f"Short {n}", tracks[:n])
        assert main([*cache, "order", f"Short {n}"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"mpdtui: 'Short {n}' has {n} track")
        assert "needs three (the first track stays first" in err and err.count("\n") == 1
    tempo = services.audio.catalog_features()["tempo"]
    without = services.catalog.tracks(np.flatnonzero(~np.isfinite(tempo))[:3].tolist())
    with_ = services.catalog.tracks(np.flatnonzero(np.isfinite(tempo))[:2].tolist())
    services.playlists.save("Mixed", [without[0], *with_, *without[1:]])
    assert main([*cache, "order", "Mixed"]) == 2
    err = capsys.readouterr().err
    assert "only 2 of the 5 tracks of 'Mixed' have audio features" in err
    assert "mpdtui features --csv" in err
    assert services.playlists.get("Mixed").uris[0] == without[0].uri


def test_cli_order_without_features_says_how_to_get_them(
        small_store: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(small_store.root, tmp_path / "cache")
    services = open_services(Locations.resolve(tmp_path / "cache"))
    services.playlists.save("Quiet", services.catalog.tracks([1, 2, 3, 4]))
    assert main(["--cache-dir", str(tmp_path / "cache"), "order", "Quiet"]) == 2
    assert "no audio features for the tracks of 'Quiet'" in capsys.readouterr().err
    services.playlists.save("Nothing yet", [])  # said so, not "no audio features"
    assert main(["--cache-dir", str(tmp_path / "cache"), "order", "Nothing", "yet"]) == 2
    assert capsys.readouterr().err == ("mpdtui: 'Nothing yet' has no tracks to order: open it "
                                       "in the app's builder (p) and add some\n")


def test_exports_carry_tempo_key_and_energy(services: Services, tmp_path: Path) -> None:
    tracks = [s.track for s in services.suggester.suggest("chill", [], "title", k=5)]
    saved = services.playlists.save("Chill", tracks)
    audio = services.audio.audio_of_uris(saved.uris)
    rows = list(csv.DictReader(io.StringIO(
        services.playlist_files.export_file("Chill", "csv", tmp_path).read_text())))
    for row, sound in zip(rows, audio, strict=True):
        if sound is None:
            assert row["tempo"] == row["key"] == row["camelot"] == row["energy"] == ""
        else:
            assert float(row["tempo"]) == pytest.approx(sound.tempo, abs=0.05)
            assert (row["key"], row["camelot"]) == (sound.key, sound.camelot)
    document = json.loads(services.playlist_files.export_file("Chill", "json", tmp_path).read_text())
    assert [t["audio"] for t in document["tracks"]] == [
        None if sound is None else sound.as_json() for sound in audio]
    assert any(sound is not None for sound in audio)


def test_cli_suggest_length_takes_the_top_suggestions_until_the_playlist_is_that_long(
        services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    cache = ["--cache-dir", str(services.locations.root)]
    ranked = [s.track for s in services.suggester.suggest("workout", [], "title", k=60)]
    assert main([*cache, "suggest", "--name", "workout", "--model", "title",
                 "--length", "45m", "--json"]) == 0
    out = capsys.readouterr()
    taken = [row["uri"] for row in json.loads(out.out)]
    assert taken == [t.uri for t in ranked[:len(taken)]]  # the top ones, in order
    lengths = [t.duration_ms for t in ranked[:len(taken)]]
    assert sum(lengths) >= 45 * 60_000 > sum(lengths[:-1])  # as few as reach 45 minutes
    assert f"{len(taken)} suggestions make the playlist" in out.err and "(45:00 asked)" in out.err

    # a saved playlist's tracks count; a count of tracks, in two words, is read too
    seeds = ranked[:4]
    services.playlists.save("gym", seeds)
    assert main([*cache, "suggest", "--playlist", "gym", "--model", "title",
                 "--length", "10", "tracks", "--save", "gym"]) == 0
    assert "6 suggestions make the playlist 10 tracks" in capsys.readouterr().out
    assert len(services.playlists.get("gym").tracks) == 10
    assert main([*cache, "suggest", "--playlist", "gym", "--length", "5 tracks"]) == 0
    assert "the playlist has 10 tracks already (5 asked): no suggestion added" in (
        capsys.readouterr().out)


def test_cli_suggest_length_through_a_filter_and_its_refusals(
        audio_cache: Locations, capsys: pytest.CaptureFixture[str]) -> None:
    cache = ["--cache-dir", str(audio_cache.root)]
    assert main([*cache, "suggest", "--name", "run", "--model", "title", "--length", "20m",
                 "--filter", "tempo 150-170", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(150 <= row["audio"]["tempo"] <= 170 for row in rows)
    assert sum(row["duration_ms"] for row in rows) >= 20 * 60_000
    assert main([*cache, "suggest", "--name", "run", "--model", "title", "--length", "24h",
                 "--filter", "key 8A, tempo 150-152, energy > 0.5"]) == 0  # a few tracks
    assert "only" in (said := capsys.readouterr().out) and "(matching the filter)" in said
    assert main([*cache, "suggest", "--name", "x", "--length", "soon"]) == 2
    assert "argument --length: 'soon' is not a playlist length: write 45m" in (
        capsys.readouterr().err)
    assert main([*cache, "suggest", "--name", "x", "--length", "45m", "-n", "5"]) == 2
    assert "not allowed with argument --length" in capsys.readouterr().err


def test_cli_order_names_a_track_the_catalog_lacks_by_its_uri(
        services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    """A link imported for a track the catalog does not hold has no title: its row was blank
    (`mpdtui playlists NAME` shows its URI)."""
    tempo = services.audio.catalog_features()["tempo"]
    featured = services.catalog.tracks(np.flatnonzero(np.isfinite(tempo))[:3].tolist())
    unknown = TrackEntry("spotify:track:" + "Z" * 22)
    services.playlists.store().save("Linked", [*(TrackEntry(t.uri, t.name, t.artist_name)
                                                 for t in featured), unknown])
    assert main(["--cache-dir", str(services.locations.root), "order", "Linked", "--dry-run"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if "│ 4 " in line]
    assert len(rows) == 1 and unknown.uri in rows[0], rows


def test_cli_order_of_tracks_the_features_stored_lack_says_so(
        services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's features CSV is imported, and these tracks are not in it: the advice was to
    import `tracks_features.csv`, which brings them no features."""
    tempo = services.audio.catalog_features()["tempo"]
    without = services.catalog.tracks(np.flatnonzero(~np.isfinite(tempo))[:4].tolist())
    services.playlists.save("Unmeasured", without)
    assert main(["--cache-dir", str(services.locations.root), "order", "Unmeasured"]) == 2
    known = int(np.count_nonzero(np.isfinite(tempo)))
    assert capsys.readouterr().err == (
        "mpdtui: no audio features for the tracks of 'Unmeasured': the features stored cover "
        f"{known:,} tracks of the catalog, not these: import a CSV that has them (Exportify's "
        "export of this playlist with its audio features: `mpdtui features --csv FILE`) or "
        "`mpdtui features --download`\n")
