"""Arrays on disk as an uncompressed .npz (numpy's own format: `np.load` reads it) whose
arrays start at 64-byte boundaries of the file, so that reading maps them instead of copying.

A saved item-kNN model holds 200 neighbours a track (3.6 GB at the MPD's 2.26M tracks):
copied, every `mpdtui suggest` and every start of the app read all of it into memory of its
own first. Mapped, the pages are the OS's file cache, shared by every process that reads the
model, and a query touches only the rows it needs. Each member's CRC-32 is checked (one pass
over the mapped bytes, no copy), so a damaged file is refused as before, unless the file has a
stamp: its writer records beside it what `stat` says of it (size, inode, change times), and
while the file is still what was recorded, nothing has been written into it since. That pass
reads every byte, 1.2 s for 3.6 GB from the OS's cache and the whole file from a cold disk,
where a query reads a few pages. Files written before (`np.savez`, members at any offset) are
read too: a misaligned array is copied. mpdtui replaces these files whole (written beside, then
renamed over), never in place, so a mapped file does not change or shrink under the process
reading it."""

from __future__ import annotations

import json
import mmap
import os
import struct
import time
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import numpy as np
from numpy.lib import format as npy

from models.npy_format import NpyFormatError, array_over, read_array, read_header

ALIGNMENT = 64
"""Where each array's data starts (numpy pads an .npy header to a multiple of 64 bytes)."""
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length
_ZIP64_EXTRA = 20  # what `force_zip64` adds to a local header's extra field
_PADDING_FIELD = 0xD935  # the extra field's id that zipalign uses for the same purpose
MAP_FROM_BYTES = 8 << 20
"""Smaller files are copied: each mapping holds a file descriptor while its arrays live, and
the matrices are built from 1,000 slice chunks of about 300 KB each held at once."""
STAMP_FORMAT = "mpdtui-npz-stamp"
STAMP_VERSION = 1
STAMP_WAIT_SECONDS = 0.1
"""The longest `write_stamp` waits for the file clock to move past the file's last write."""


def save_arrays(fh: IO[bytes], arrays: Mapping[str, np.ndarray]) -> None:
    """Write `arrays` into the open file `fh` as an .npz with every array's data aligned."""
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, value in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.extra = _padding(fh.tell() + _LOCAL_HEADER.size + len(info.filename.encode())
                                  + _ZIP64_EXTRA)
            with archive.open(info, "w", force_zip64=True) as member:
                npy.write_array(member, np.asanyarray(value), allow_pickle=False)


def _padding(data_offset: int) -> bytes:
    """An extra field that moves a member's data from `data_offset` to the next boundary."""
    size = -(data_offset + 4) % ALIGNMENT
    return struct.pack("<HH", _PADDING_FIELD, size) + bytes(size)


def load_arrays(path: Path, map_from: int | None = None) -> dict[str, np.ndarray]:
    """Every array in the .npz at `path`, writable and copied on write: a change stays in
    this process (implicit's Cython wants writable buffers, even to read). `map_from`: the
    file size from which it is mapped (default MAP_FROM_BYTES). Raises what `np.load`
    raises for a damaged file (zipfile.BadZipFile for a failed CRC check), and
    models.npy_format.NpyFormatError (a ValueError) for a member that is not a plain array
    (of Python objects, which would need unpickling, or a header it does not read): headers
    are read without `ast` (see models.npy_format)."""
    map_from = MAP_FROM_BYTES if map_from is None else map_from
    with open(path, "rb") as fh, zipfile.ZipFile(fh) as archive:  # one file, even if replaced
        members = archive.infolist()
        stat = os.fstat(fh.fileno())
        mapped = _mapped(fh) if members and stat.st_size >= map_from else None
        check_crc = mapped is None or not _stamped(path, stat)
        return {_array_name(info): _named_read(archive, mapped, info, check_crc)
                for info in members}


def arrays_are_whole(path: Path) -> bool:
    """Whether `path` is a readable .npz whose members all pass their CRC check and are
    arrays `load_arrays` reads (none of Python objects), or whose stamp says it is as its
    writer left it."""
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as archive:
            if _stamped(path, os.fstat(fh.fileno())):
                return True
            return archive.testzip() is None and all(
                _holds_plain_array(archive, info) for info in archive.infolist())
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return False


def _holds_plain_array(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether the member is an .npy of plain values (read from its header alone): one of
    Python objects would need unpickling, which `load_arrays` refuses (NpyFormatError)."""
    _array_name(info)
    with archive.open(info) as member:
        read_header(member)
    return True


def stamp_path(path: Path) -> Path:
    """Where `write_stamp` records `path`: beside it, `<name>.stamp`."""
    return path.with_name(f"{path.name}.stamp")


def write_stamp(path: Path, from_bytes: int | None = None) -> None:
    """Record `path` as its writer leaves it, complete, so that reading it can skip the CRC
    pass while it stays so. Only files that are mapped (`from_bytes`, default MAP_FROM_BYTES)
    get one: the others are copied, and the copy checks the CRC in passing. Written beside,
    then renamed over the stamp of the file it replaced. A stamp that cannot be written (a
    full disk) is left out: the file is saved, and its readers check it."""
    stat = os.stat(path)
    stamp = stamp_path(path)
    staging = stamp.with_name(f".{stamp.name}.tmp-{os.getpid()}")
    try:
        if stat.st_size < (MAP_FROM_BYTES if from_bytes is None else from_bytes):
            stamp.unlink(missing_ok=True)
            return
        staging.write_text(json.dumps(_stamp_of(stat)))
        if _dated_after(staging, stat.st_mtime_ns):
            os.replace(staging, stamp)
        else:  # a file dated in the future (a skewed clock): never trusted, so not stamped
            staging.unlink()
            stamp.unlink(missing_ok=True)
    except OSError:
        staging.unlink(missing_ok=True)


def _dated_after(stamp: Path, last_write_ns: int) -> bool:
    """Whether `stamp` is dated in a later tick of the file clock than the file's last write,
    touched again as the clock ticks, for at most STAMP_WAIT_SECONDS. Most kernels date files
    by a clock that moves every 1-10 ms, and the stamp follows the file within microseconds:
    written once, it would share its tick, and `_stamped` would never trust it."""
    deadline = time.monotonic() + STAMP_WAIT_SECONDS
    while os.stat(stamp).st_mtime_ns <= last_write_ns:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.001)
        os.utime(stamp)
    return True


def _stamp_of(stat: os.stat_result) -> dict[str, object]:
    return {"format": STAMP_FORMAT, "version": STAMP_VERSION, "size": stat.st_size,
            "inode": stat.st_ino, "mtime_ns": stat.st_mtime_ns, "ctime_ns": stat.st_ctime_ns}


def _stamped(path: Path, stat: os.stat_result) -> bool:
    """Whether `path`'s stamp records the file as `stat` shows it, and was written in a
    later tick of the file clock than the file's last write. File times are coarse (a few
    milliseconds): a write in the tick the stamp records would not show, but any write
    after the stamp was written moves the file's times past the recorded ones."""
    try:
        with open(stamp_path(path), "rb") as fh:
            stamped_at = os.fstat(fh.fileno()).st_mtime_ns
            recorded = json.loads(fh.read())
    except (OSError, ValueError):
        return False
    return recorded == _stamp_of(stat) and stamped_at > stat.st_mtime_ns


def _mapped(fh: IO[bytes]) -> mmap.mmap | None:
    """The file mapped copy-on-write; None (copy it) where a mapped file would stop the model
    directory's swap (Windows does not rename a folder holding a mapped file), or where the
    file system cannot map it."""
    if os.name != "posix":
        return None
    try:
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
    except OSError:
        return None


def _array_name(info: zipfile.ZipInfo) -> str:
    if not info.filename.endswith(".npy"):
        raise ValueError(f"{info.filename!r} is not an array")
    return info.filename.removesuffix(".npy")


def _named_read(archive: zipfile.ZipFile, mapped: mmap.mmap | None,
                info: zipfile.ZipInfo, check_crc: bool) -> np.ndarray:
    try:
        return _read_member(archive, mapped, info, check_crc)
    except NpyFormatError as exc:
        raise NpyFormatError(f"{info.filename!r} is {exc}") from None


def _read_member(archive: zipfile.ZipFile, mapped: mmap.mmap | None,
                 info: zipfile.ZipInfo, check_crc: bool) -> np.ndarray:
    if mapped is None or info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        with archive.open(info) as member:  # not mapped, or compressed (not written here)
            return read_array(member, info.file_size)
    data = _member_bytes(mapped, info)
    if check_crc and zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return array_over(data)


def _member_bytes(mapped: mmap.mmap, info: zipfile.ZipInfo) -> memoryview:
    """A stored member's bytes, found through its local header as zipfile finds them."""
    start = info.header_offset
    header = mapped[start:start + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise zipfile.BadZipFile(f"Truncated file header of {info.filename!r}")
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"Bad magic number for file header of {info.filename!r}")
    start += _LOCAL_HEADER.size + name_length + extra_length
    data = memoryview(mapped)[start:start + info.file_size]
    if len(data) != info.file_size:
        raise zipfile.BadZipFile(f"Truncated data of {info.filename!r}")
    return data
