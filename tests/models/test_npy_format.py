"""The .npy header read without Python's `ast`: every header numpy writes for a plain array
reads as numpy reads it, and anything else is refused as damage, never handed to `ast`."""

from __future__ import annotations

import io
import re
import struct

import numpy as np
import pytest
from numpy.lib import _format_impl  # its `_read_array_header` reads every version
from numpy.lib import format as npy

from models.npy_format import (
    MAX_HEADER_CHARS,
    NpyFormatError,
    array_over,
    parse_header_text,
    read_array,
    read_header,
)

PLAIN = {
    "float32 2-d": np.arange(12, dtype=np.float32).reshape(3, 4),
    "float64 0-d": np.array(2.5),
    "int64 1-d": np.arange(13, dtype=np.int64),
    "int32 one value": np.array([7], dtype=np.int32),
    "uint8 3-d": np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
    "big-endian int64": np.arange(5, dtype=">i8"),
    "float16": np.linspace(0, 1, 7, dtype=np.float16),
    "complex128": np.array([1 + 2j, -3j]),
    "bool": np.array([True, False, True]),
    "text 0-d": np.array("0f3a9c"),
    "bytes": np.array([b"ab", b"c"]),
    "empty 2-d": np.zeros((0, 64), np.float32),
    "empty 1-d": np.zeros(0, np.int32),
    "fortran 2-d": np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)),
    "fortran 3-d": np.asfortranarray(np.arange(24, dtype=np.int16).reshape(2, 3, 4)),
    "long axis": np.zeros((1, 100_000), np.int8),
}
VERSIONS = [None, (1, 0), (2, 0), (3, 0)]
"""None: the version numpy picks (1.0 for these); 2.0 is what a header over 64 KiB takes."""


def _npy(array: np.ndarray, version: tuple[int, int] | None = None) -> bytes:
    out = io.BytesIO()
    npy.write_array(out, array, version=version, allow_pickle=True)
    return out.getvalue()


def _numpy_header(raw: bytes) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    stream = io.BytesIO(raw)
    major, minor = npy.read_magic(stream)
    shape, fortran_order, dtype = _format_impl._read_array_header(stream, (major, minor))
    return shape, fortran_order, dtype, stream.tell()


def _with_header(text: str, version: tuple[int, int] = (1, 0), data: bytes = b"") -> bytes:
    field = "<H" if version == (1, 0) else "<I"
    raw = text.encode("utf8" if version == (3, 0) else "latin1")
    return npy.MAGIC_PREFIX + bytes(version) + struct.pack(field, len(raw)) + raw + data


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", PLAIN)
def test_a_header_numpy_writes_reads_as_numpy_reads_it(name: str,
                                                       version: tuple[int, int] | None) -> None:
    raw = _npy(PLAIN[name], version)
    header = read_header(io.BytesIO(raw))
    assert (header.shape, header.fortran_order, header.dtype,
            header.data_offset) == _numpy_header(raw)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", PLAIN)
def test_the_array_reads_back_copied_and_over_the_bytes(name: str,
                                                        version: tuple[int, int] | None) -> None:
    array, raw = PLAIN[name], _npy(PLAIN[name], version)
    for read in (read_array(io.BytesIO(raw), len(raw)), array_over(memoryview(raw))):
        assert (read.dtype, read.shape) == (array.dtype, array.shape)
        assert read.flags.f_contiguous == array.flags.f_contiguous
        np.testing.assert_array_equal(read, array)
    copied = read_array(io.BytesIO(raw), len(raw))
    assert copied.flags.writeable


def test_an_array_over_a_buffer_shares_its_bytes() -> None:
    raw = bytearray(_npy(np.arange(16, dtype=np.int64)))
    array = array_over(memoryview(raw))
    raw[-8:] = struct.pack("<q", -1)
    assert array[-1] == -1


@pytest.mark.parametrize("text, shape, fortran_order", [
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", (3, 4), False),
    ("{'shape': (), 'descr': '|b1', 'fortran_order': True}", (), True),
    ('{"descr": "<i8", "fortran_order": False, "shape": (5,)}   \n', (5,), False),
    ("{'descr':'<u2','fortran_order':False,'shape':(0, 2 ,)}", (0, 2), False),
])
def test_other_writers_spacing_order_and_quotes_are_read(text: str, shape: tuple[int, ...],
                                                          fortran_order: bool) -> None:
    assert parse_header_text(text)[:2] == (shape, fortran_order)


@pytest.mark.parametrize("array, says", [
    (np.array([{"a": 1}], dtype=object), "Python objects ('|O'): reading it would need pickle"),
    (np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]), "header that mpdtui does not read"),
    (np.zeros(2, "V4"), "dtype '|V4', which mpdtui never writes"),
    (np.zeros(2, "M8[D]"), "dtype '<M8[D]', which mpdtui never writes"),
])
def test_a_header_of_objects_or_records_is_refused(array: np.ndarray, says: str) -> None:
    raw = _npy(array)
    for read in (lambda: read_array(io.BytesIO(raw), len(raw)), lambda: array_over(memoryview(raw))):
        with pytest.raises(NpyFormatError, match=fr"^an \.npy .*{re.escape(says)}"):
            read()


@pytest.mark.parametrize("text, says", [
    ("['descr', '<f4']", "not a dict"),
    ("{'descr': '<f4', 'fortran_order': False}", "without shape"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}", "does not read"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'flags': ()}", "key 'flags'"),
    ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", "key 'descr'"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", "not a tuple of sizes"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "not a tuple of sizes"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (3L,)}", "not a tuple of sizes"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (03,)}", "not a tuple of sizes"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,,)}", "not a tuple of sizes"),
    ("{'descr': '<f4', 'fortran_order': 0, 'shape': (3,)}", "does not read"),
    ("{'descr': '<f4', 'fortran_order': 'no', 'shape': (3,)}", "fortran_order is not True"),
    ("{'descr': True, 'fortran_order': False, 'shape': (3,)}", "descr is not text"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': 'wide'}", "shape is not a tuple"),
    ("{'descr': '<f5', 'fortran_order': False, 'shape': (3,)}", "unknown dtype '<f5'"),
    ("{'descr': '<U0', 'fortran_order': False, 'shape': (3,)}", "empty values"),
    ("{'descr': __import__('os').getcwd(), 'fortran_order': False, 'shape': (3,)}", "does not read"),
    ("{'descr': '<f4' 'fortran_order': False, 'shape': (3,)}", "does not read"),
])
def test_a_header_that_is_not_a_plain_arrays_is_refused(text: str, says: str) -> None:
    with pytest.raises(NpyFormatError, match=re.escape(says)):
        parse_header_text(text)


def test_text_from_the_file_is_shown_escaped_and_cut_short() -> None:
    text = "{'descr': '\x1b[31mred', " + "x" * 500 + "}"
    with pytest.raises(NpyFormatError) as refused:
        parse_header_text(text)
    assert "\x1b" not in str(refused.value) and "\\x1b[31m" in str(refused.value)
    assert len(str(refused.value)) < 120


FLOATS = _npy(np.arange(12, dtype=np.float32).reshape(3, 4))


@pytest.mark.parametrize("raw, says", [
    (b"", "cut off in the magic"),
    (FLOATS[:7], "cut off in the magic"),
    (FLOATS[:9], "cut off in the header's length"),
    (FLOATS[:40], "cut off in the header"),
    (b"PK\x03\x04" + FLOATS[4:], "not an .npy array (it starts b'PK"),
    (npy.MAGIC_PREFIX + b"\x04\x00" + FLOATS[8:], "format version 4.0"),
    (_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}\n", (3, 0))[:-3]
     + b"\xff\xfe\n", "not utf8"),
    (npy.MAGIC_PREFIX + b"\x02\x00" + struct.pack("<I", 1 << 31), "longer than any mpdtui reads"),
    (_with_header(" " * (MAX_HEADER_CHARS + 1), (2, 0)), "longer than any mpdtui reads"),
])
def test_a_damaged_or_foreign_start_is_refused(raw: bytes, says: str) -> None:
    with pytest.raises(NpyFormatError, match=re.escape(says)):
        read_header(io.BytesIO(raw))


def test_data_shorter_than_the_shape_is_refused_before_memory_is_taken() -> None:
    huge = _with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,)}\n")
    for read in (lambda: read_array(io.BytesIO(huge), len(huge)), lambda: array_over(memoryview(huge))):
        with pytest.raises(NpyFormatError, match=r"shorter than its shape \(1000000000000,\)"):
            read()
    with pytest.raises(NpyFormatError, match="cut off after 40 of its 48 bytes"):
        read_array(io.BytesIO(FLOATS[:-8]), len(FLOATS))


def test_no_header_is_ever_read_by_ast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither a header it reads nor one it refuses builds a Python AST (CPython gh-106905)."""
    import ast

    built: list[str] = []
    monkeypatch.setattr(ast, "parse", lambda *args, **kwargs: built.append(str(args[:1])))
    for array in PLAIN.values():
        read_header(io.BytesIO(_npy(array)))
    with pytest.raises(NpyFormatError):
        read_header(io.BytesIO(_npy(np.array([None], dtype=object))))
    assert built == []
