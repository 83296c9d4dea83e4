"""The MPD reader: folders, single files and zips; every bad-input case is one clear error."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import orjson
import pytest

from mpdtui.data.feature_csv_files import csv_parts
from mpdtui.data.mpd import find_slices, iter_playlists
from mpdtui.data.mpd_validation import SliceError, parse_slice
from mpdtui.errors import UserError

HANDMADE = Path(__file__).parent.parent / "fixtures" / "handmade.mpd.slice.0-2.json"


@pytest.fixture
def slice_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(HANDMADE, folder / "mpd.slice.0-2.json")
    return folder


def test_reads_unicode_escapes_string_booleans_and_optional_description(slice_folder: Path) -> None:
    playlists = list(iter_playlists(slice_folder))
    assert [p["pid"] for p in playlists] == [0, 1, 2]
    assert playlists[0]["name"] == "Café del Mar 🌊"
    assert playlists[0]["tracks"][0]["artist_name"] == "Björk"
    assert playlists[0]["collaborative"] == "true"
    assert "description" not in playlists[0]
    assert playlists[1]["description"] == 'lifting "heavy" things'


def test_track_list_is_trusted_over_num_tracks(slice_folder: Path) -> None:
    gym = list(iter_playlists(slice_folder))[1]
    assert gym["num_tracks"] == 7
    assert len(gym["tracks"]) == 3  # including one repeated track


def test_folder_slices_are_in_slice_order(tmp_path: Path) -> None:
    for start in (1000, 0, 20000, 3000):
        (tmp_path / f"mpd.slice.{start}-{start + 999}.json").write_text('{"playlists": []}')
    (tmp_path / "README.md").write_text("not a slice")
    assert [s.name for s in find_slices(tmp_path)] == [
        "mpd.slice.0-999.json", "mpd.slice.1000-1999.json", "mpd.slice.3000-3999.json",
        "mpd.slice.20000-20999.json"]


def test_a_slice_the_user_may_not_read_says_so_not_to_download_again(
        slice_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A slice of another user's (mode 600) said "check the file, or download the MPD again":
    a new download would not help. Root reads any file, so the open is refused here as it is
    for a user who may not read it."""
    import os

    slice_path = slice_folder / "mpd.slice.0-2.json"
    real_open = os.open

    def refusing_open(path: str | os.PathLike[str], *args: int, **kwargs: int) -> int:
        if Path(path) == slice_path:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(SliceError) as caught:
        find_slices(slice_folder)[0].read_bytes()
    assert str(caught.value) == (f"{slice_path}: cannot be read: Permission denied: you may not "
                                 "read it: make it readable (chmod a+r) or move it away")


def test_parent_of_data_folder_is_accepted(slice_folder: Path) -> None:
    assert [s.name for s in find_slices(slice_folder.parent)] == ["mpd.slice.0-2.json"]


def test_zip_members_are_read_in_place(tmp_path: Path) -> None:
    archive = tmp_path / "spotify_million_playlist_dataset.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(HANDMADE, "data/mpd.slice.0-2.json")
        zf.writestr("README.md", "readme")
        zf.writestr("src/stats.py", "print()")
    sources = find_slices(archive)
    assert [(s.name, s.member) for s in sources] == [("mpd.slice.0-2.json", "data/mpd.slice.0-2.json")]
    assert [p["pid"] for p in iter_playlists(archive)] == [0, 1, 2]
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("member", ["mpd.slice.0-2.json", "my-slices/mpd.slice.0-2.json"])
def test_a_zip_of_ones_own_folder_is_read_too(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "mine.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(HANDMADE, member)
    assert [(s.name, s.member) for s in find_slices(archive)] == [("mpd.slice.0-2.json", member)]
    assert [p["pid"] for p in iter_playlists(archive)] == [0, 1, 2]


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: p, "holds no mpd.slice"),
    (lambda p: _zip_without_slices(p), "has no mpd.slice"),
    (lambda p: _text_file(p), "neither a folder"),
])
def test_bad_paths_say_what_was_expected(tmp_path: Path, make, expected: str) -> None:
    with pytest.raises(UserError, match=expected) as error:
        find_slices(make(tmp_path))
    assert "\n" not in str(error.value)


def test_each_of_the_two_files_given_to_the_other_command_names_the_right_one(
        tmp_path: Path) -> None:
    """The features CSV given to ingest said only "neither a folder, a .json slice nor a zip";
    the MPD zip given to features --csv "holds no .csv file"."""
    features = tmp_path / "tracks_features.csv"
    features.write_text("id,danceability\n")
    with pytest.raises(UserError) as error:
        find_slices(features)
    assert f"is a CSV, not MPD slices: if it holds audio features, `mpdtui features --csv " \
           f"{features}` adds them" in str(error.value)
    archive = tmp_path / "spotify_million_playlist_dataset.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(HANDMADE, "data/mpd.slice.0-2.json")
    folder = tmp_path / "mpd" / "data"
    folder.mkdir(parents=True)
    shutil.copy(HANDMADE, folder / "mpd.slice.0-2.json")
    for given in (archive, folder, folder.parent):
        with pytest.raises(UserError) as error:
            csv_parts(given)
        assert str(error.value).startswith(f"{given} holds MPD playlist slices, not audio "
                                           f"features: `mpdtui ingest {given}` ingests them")


def _zip_without_slices(folder: Path) -> Path:
    archive = folder / "other.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("data/notes.txt", "nothing")
    return archive


def _text_file(folder: Path) -> Path:
    path = folder / "notes.txt"
    path.write_text("hello")
    return path


def _slice_with(change) -> bytes:
    document = orjson.loads(HANDMADE.read_bytes())
    change(document["playlists"])
    return orjson.dumps(document)


def _slice_with_followers(digits: bytes) -> bytes:
    """A slice whose third playlist has these digits for its followers (JSON allows any)."""
    return _slice_with(lambda ps: ps[2].update(num_followers=987654321)).replace(b"987654321", digits)


@pytest.mark.parametrize(("raw", "expected"), [
    (b'{"playlists": [ {"name": "x", ', "invalid JSON"),
    (_slice_with_followers(b"1" + b"0" * 30), 'playlist pid=2 (playlists[2]): field "num_followers" '
     "is about 1e+30, an integer beyond 64 bits"),
    (_slice_with_followers(b"3.0"), 'field "num_followers" is float 3.0, expected an integer'),
    (b'[1, 2]', 'expected an object with a "playlists" list'),
    (b'{"playlists": [\n {"name": "caf\xe9"}]}',
     "invalid JSON: byte 0xe9 at line 2 column 15 (byte 30) is not UTF-8"),
    (_slice_with(lambda ps: ps[1].pop("pid")), 'playlist pid=? (playlists[1]): missing field "pid"'),
    (_slice_with(lambda ps: ps[2].update(num_followers="1")),
     'playlist pid=2 (playlists[2]): field "num_followers" is str \'1\', expected an integer'),
    (_slice_with(lambda ps: ps[0].update(collaborative=True)), 'field "collaborative" is bool'),
    (_slice_with(lambda ps: ps[0].update(collaborative="yes")), "expected \"true\" or \"false\""),
    (_slice_with(lambda ps: ps[1]["tracks"][2].pop("track_uri")),
     'playlist pid=1 (playlists[1]) tracks[2]: missing field "track_uri"'),
    (_slice_with(lambda ps: ps[0]["tracks"][0].update(duration_ms=None)),
     'tracks[0]: field "duration_ms" is NoneType None, expected an integer'),
])
def test_bad_slices_name_file_playlist_and_problem(raw: bytes, expected: str) -> None:
    with pytest.raises(SliceError) as error:
        parse_slice("data/mpd.slice.0-2.json", raw)
    message = str(error.value)
    assert message.startswith("data/mpd.slice.0-2.json: ")
    assert expected in message
    assert "\n" not in message
