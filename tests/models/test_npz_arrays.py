"""Saved arrays are mapped from the file, not copied, and read back exactly; numpy reads the
files too, files numpy wrote are read too, and damage is refused as `np.load` refuses it."""

from __future__ import annotations

import mmap
import os
import shutil
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from models.npz_arrays import (
    ALIGNMENT,
    MAP_FROM_BYTES,
    arrays_are_whole,
    load_arrays,
    save_arrays,
    stamp_path,
    write_stamp,
)

ARRAYS = {
    "factors": np.arange(6_000, dtype=np.float32).reshape(1_000, 6),
    "indices": np.arange(777, dtype=np.int32),
    "wide": np.arange(13, dtype=np.int64),
    "fortran": np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)),
    "strided": np.arange(20, dtype=np.int16)[::3],
    "empty": np.zeros((0, 64), np.float32),
    "flags": np.array([True, False, True]),
    "token": np.array("0f3a9c"),
    "mean": np.array(2.5),
}


def _saved(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    with open(path, "wb") as fh:
        save_arrays(fh, arrays)
    return path


def _backing(array: np.ndarray) -> object:
    """What an array's memory finally belongs to."""
    base: object = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base.obj if isinstance(base, memoryview) else base


def _assert_same(read: dict[str, np.ndarray], written: dict[str, np.ndarray]) -> None:
    assert read.keys() == written.keys()
    for name, array in written.items():
        assert read[name].dtype == array.dtype and read[name].shape == array.shape, name
        np.testing.assert_array_equal(read[name], array, err_msg=name)


def test_arrays_come_back_mapped_aligned_and_equal(tmp_path: Path) -> None:
    path = _saved(tmp_path / "arrays.npz", ARRAYS)
    read = load_arrays(path, map_from=0)
    _assert_same(read, ARRAYS)
    for name, array in read.items():
        assert isinstance(_backing(array), mmap.mmap), name
        assert array.ctypes.data % ALIGNMENT == 0, name
    with np.load(path, allow_pickle=False) as npz:  # still numpy's own format
        _assert_same({name: npz[name] for name in npz.files}, ARRAYS)


def test_a_mapped_array_is_copied_on_write_never_written_back(tmp_path: Path) -> None:
    path = _saved(tmp_path / "arrays.npz", {"factors": ARRAYS["factors"]})
    before = path.read_bytes()
    factors = load_arrays(path, map_from=0)["factors"]
    factors[0, 0] = -1.0  # what implicit's Cython needs: a writable buffer
    assert path.read_bytes() == before
    assert load_arrays(path, map_from=0)["factors"][0, 0] == 0.0


def test_a_small_file_is_copied(tmp_path: Path) -> None:
    path = _saved(tmp_path / "arrays.npz", ARRAYS)
    assert path.stat().st_size < MAP_FROM_BYTES
    read = load_arrays(path)
    _assert_same(read, ARRAYS)
    assert not any(isinstance(_backing(array), mmap.mmap) for array in read.values())


def test_a_file_numpy_wrote_is_read(tmp_path: Path) -> None:
    path = tmp_path / "old.npz"
    np.savez(path, **ARRAYS)
    read = load_arrays(path, map_from=0)
    _assert_same(read, ARRAYS)
    assert all(array.flags.aligned for array in read.values())  # misaligned ones are copied


def test_a_flipped_byte_fails_the_crc_check(tmp_path: Path) -> None:
    path = _saved(tmp_path / "arrays.npz", {"factors": ARRAYS["factors"]})
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
        load_arrays(path, map_from=0)


def test_a_truncated_file_is_not_an_archive(tmp_path: Path) -> None:
    path = _saved(tmp_path / "arrays.npz", {"factors": ARRAYS["factors"]})
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(zipfile.BadZipFile):
        load_arrays(path, map_from=0)


def test_an_array_of_objects_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pickled.npz"
    np.savez(path, allow_pickle=True, objects=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="would need pickle"):
        load_arrays(path, map_from=0)
    with pytest.raises(ValueError, match="allow_pickle"), open(tmp_path / "mine.npz", "wb") as fh:
        save_arrays(fh, {"objects": np.array([{"a": 1}], dtype=object)})


def test_a_file_of_objects_is_not_whole_and_one_numpy_wrote_is(tmp_path: Path) -> None:
    """`--train` retrains a model whose arrays are not whole: one it could not read counts."""
    pickled, plain = tmp_path / "pickled.npz", tmp_path / "plain.npz"
    np.savez(pickled, allow_pickle=True, factors=ARRAYS["factors"],
             objects=np.array([{"a": 1}], dtype=object))
    np.savez(plain, **ARRAYS)
    assert (arrays_are_whole(pickled), arrays_are_whole(plain)) == (False, True)


def test_a_file_that_cannot_be_mapped_is_copied(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> mmap.mmap:
        raise OSError(19, "No such device")  # what a file system without mmap says

    path = _saved(tmp_path / "arrays.npz", ARRAYS)
    monkeypatch.setattr(mmap, "mmap", refuse)
    _assert_same(load_arrays(path, map_from=0), ARRAYS)


def _stamped(path: Path) -> Path:
    """`ARRAYS` saved and stamped, as a writer leaves them."""
    _saved(path, ARRAYS)
    write_stamp(path, from_bytes=0)
    return path


@pytest.fixture
def crc_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the buffers whose CRC-32 is computed while the test runs."""
    sizes: list[int] = []
    crc32 = zlib.crc32

    def counted(data: bytes | memoryview, value: int = 0) -> int:
        sizes.append(len(data))
        return crc32(data, value)

    monkeypatch.setattr(zlib, "crc32", counted)
    return sizes


def test_a_stamped_file_is_mapped_without_the_crc_pass(tmp_path: Path, crc_passes: list[int]) -> None:
    path = _stamped(tmp_path / "arrays.npz")
    _assert_same(load_arrays(path, map_from=0), ARRAYS)
    assert crc_passes == []
    assert arrays_are_whole(path) and crc_passes == []


def test_a_write_after_the_stamp_brings_the_crc_check_back(tmp_path: Path) -> None:
    path = _stamped(tmp_path / "arrays.npz")
    with open(path, "r+b") as fh:  # in place: the same file, size and inode
        fh.seek(path.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
        load_arrays(path, map_from=0)
    assert not arrays_are_whole(path)


def test_a_stamp_from_the_tick_of_the_last_write_is_not_trusted(tmp_path: Path,
                                                                 crc_passes: list[int]) -> None:
    path = _stamped(tmp_path / "arrays.npz")
    last_write = path.stat().st_mtime_ns
    os.utime(stamp_path(path), ns=(last_write, last_write))
    load_arrays(path, map_from=0)
    assert len(crc_passes) == len(ARRAYS)


def test_the_stamp_waits_for_the_file_clock_to_tick(tmp_path: Path,
                                                   crc_passes: list[int]) -> None:
    """A coarse file clock (most kernels': 1-10 ms a tick) dates the file and a stamp written
    right after it alike; here the file's last write is dated 30 ms ahead, as if its tick had
    not ended yet. The stamp is trusted once the clock has moved past it."""
    path = _saved(tmp_path / "arrays.npz", ARRAYS)
    this_tick = time.time_ns() + 30_000_000
    os.utime(path, ns=(this_tick, this_tick))
    write_stamp(path, from_bytes=0)
    assert stamp_path(path).stat().st_mtime_ns > this_tick
    _assert_same(load_arrays(path, map_from=0), ARRAYS)
    assert crc_passes == []


def test_a_file_dated_in_the_future_gets_no_stamp(tmp_path: Path, crc_passes: list[int]) -> None:
    """Its stamp could never be dated after it (a clock set back since it was written)."""
    path = _stamped(tmp_path / "arrays.npz")
    an_hour_ahead = time.time_ns() + 3600 * 10**9
    os.utime(path, ns=(an_hour_ahead, an_hour_ahead))
    write_stamp(path, from_bytes=0)
    assert not stamp_path(path).exists() and sorted(tmp_path.iterdir()) == [path]
    _assert_same(load_arrays(path, map_from=0), ARRAYS)
    assert len(crc_passes) == len(ARRAYS)


def test_a_copy_with_its_stamp_is_checked(tmp_path: Path, crc_passes: list[int]) -> None:
    path = _stamped(tmp_path / "arrays.npz")
    (tmp_path / "copy").mkdir()
    copy = Path(shutil.copy2(path, tmp_path / "copy" / path.name))
    shutil.copy2(stamp_path(path), stamp_path(copy))
    _assert_same(load_arrays(copy, map_from=0), ARRAYS)
    assert len(crc_passes) == len(ARRAYS)


def test_a_small_file_gets_no_stamp_and_loses_the_one_it_had(tmp_path: Path) -> None:
    path = _stamped(tmp_path / "arrays.npz")
    assert stamp_path(path).exists()
    _saved(path, ARRAYS)
    write_stamp(path)
    assert path.stat().st_size < MAP_FROM_BYTES and not stamp_path(path).exists()


def test_a_stamp_that_cannot_be_written_is_left_out(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    path = _saved(tmp_path / "arrays.npz", ARRAYS)
    monkeypatch.setattr(os, "replace", disk_full)  # once the stamp's bytes are written beside
    write_stamp(path, from_bytes=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arrays.npz"]
    _assert_same(load_arrays(path, map_from=0), ARRAYS)
