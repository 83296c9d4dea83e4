"""An .npy array (numpy's format, one member of an .npz) read without Python's `ast`.

numpy reads an .npy header, a Python dict literal, with `ast.literal_eval`. On Python 3.11
before 3.11.8, two threads building AST objects at once can upset each other's count of
their depth (CPython gh-106905): a model loaded in a worker thread while the app's main
thread parses a key binding's action (Textual parses them with `ast` too), or while another
thread loads a second model, made either raise "SystemError: AST constructor recursion depth
mismatch". This module reads the header with a strict parser of its own, and only what numpy
writes for an array of plain values: a header it does not recognise (an array of Python
objects, a structured dtype, anything malformed) is refused as a damaged file, never handed
to `ast`.

The header: the magic "\\x93NUMPY", the format version (1.0, 2.0 or 3.0), the length of the
text that follows (2 bytes in 1.0, 4 after), then the text, padded with spaces to a 64-byte
boundary and ended by a newline:

    {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from typing import Protocol

import numpy as np

MAGIC = b"\x93NUMPY"
_LENGTH_FIELDS = {(1, 0): (struct.Struct("<H"), "latin1"), (2, 0): (struct.Struct("<I"), "latin1"),
                  (3, 0): (struct.Struct("<I"), "utf8")}
MAX_HEADER_CHARS = 10_000
"""The longest header text read (numpy's own limit, `_MAX_HEADER_SIZE`, without pickle)."""
MAX_HEADER_BYTES = len(MAGIC) + 2 + 4 + MAX_HEADER_CHARS * 4
"""Enough bytes for any header that `read_header` accepts (utf-8: up to 4 bytes a char)."""
_KEYS = frozenset({"descr", "fortran_order", "shape"})
_ENTRY = re.compile(
    r"""\s*(?P<q>['"])(?P<key>\w+)(?P=q)\s*:\s*"""
    r"""(?:(?P<tq>['"])(?P<text>[^'"\\]*)(?P=tq)|(?P<flag>True|False)|\((?P<dims>[^()]*)\))"""
    r"""\s*(?:,\s*|\Z)""")
_DIMENSION = re.compile(r"0|[1-9][0-9]*")
_PLAIN_DESCR = re.compile(r"[<>|=]?[biufcSU][0-9]+")
"""Booleans, numbers, bytes and text: what mpdtui writes. Never 'O' (Python objects, which
need pickle), 'V' (raw or structured records) or a list (a structured dtype)."""
_SHOWN_CHARS = 60
_CHUNK_BYTES = 1 << 18


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


class NpyFormatError(ValueError):
    """An .npy member whose header is not one of a plain array (a damaged file): the message
    says what, with any text from the file shown escaped (`repr`)."""


@dataclass(frozen=True)
class NpyHeader:
    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype
    data_offset: int
    """Where the array's data starts, counted from the magic."""

    @property
    def count(self) -> int:
        return math.prod(self.shape)

    @property
    def data_bytes(self) -> int:
        return self.count * self.dtype.itemsize

    def arrange(self, flat: np.ndarray) -> np.ndarray:
        """The flat array of `count` values in this header's shape and order."""
        return flat.reshape(self.shape[::-1]).T if self.fortran_order else flat.reshape(self.shape)


def read_header(stream: Readable) -> NpyHeader:
    """The header at the stream's position; the stream is left at the array's data."""
    magic = _read_exactly(stream, len(MAGIC) + 2, "the magic")
    if magic[:len(MAGIC)] != MAGIC:
        raise NpyFormatError(f"not an .npy array (it starts {_shown(magic)})")
    version = (magic[-2], magic[-1])
    if version not in _LENGTH_FIELDS:
        raise NpyFormatError(f"an .npy array of format version {version[0]}.{version[1]}, "
                             "which mpdtui does not read")
    length_field, encoding = _LENGTH_FIELDS[version]
    (length,) = length_field.unpack(_read_exactly(stream, length_field.size, "the header's length"))
    if length > MAX_HEADER_BYTES:
        raise NpyFormatError(f"an .npy header of {length:,} bytes: longer than any mpdtui reads")
    raw = _read_exactly(stream, length, "the header")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise NpyFormatError(f"an .npy header that is not {encoding}: {_shown(raw)}") from None
    if len(text) > MAX_HEADER_CHARS:
        raise NpyFormatError(f"an .npy header of {len(text):,} characters: longer than any "
                             "mpdtui reads")
    shape, fortran_order, dtype = parse_header_text(text)
    return NpyHeader(shape, fortran_order, dtype, len(magic) + length_field.size + length)


def parse_header_text(text: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """The shape, order and dtype of a plain array's header dict; NpyFormatError for any
    other text."""
    entries = _entries(text)
    shape, fortran_order, descr = entries["shape"], entries["fortran_order"], entries["descr"]
    if not isinstance(shape, tuple):
        raise NpyFormatError(f"an .npy header whose shape is not a tuple: {_shown(text)}")
    if not isinstance(fortran_order, bool):
        raise NpyFormatError(f"an .npy header whose fortran_order is not True or False: "
                             f"{_shown(text)}")
    if not isinstance(descr, str):
        raise NpyFormatError(f"an .npy header whose descr is not text: {_shown(text)}")
    return shape, fortran_order, plain_dtype(descr)


def plain_dtype(descr: str) -> np.dtype:
    """The dtype of a plain array's descr ('<f4', '|b1', '<U16', ...); NpyFormatError for any
    other (Python objects, records, a dtype numpy does not know)."""
    if "O" in descr:
        raise NpyFormatError(f"an .npy array of Python objects ({_shown(descr)}): reading it "
                             "would need pickle, which mpdtui never uses")
    if not _PLAIN_DESCR.fullmatch(descr):
        raise NpyFormatError(f"an .npy array of dtype {_shown(descr)}, which mpdtui never writes")
    try:
        dtype = np.dtype(descr)
    except TypeError:
        raise NpyFormatError(f"an .npy array of an unknown dtype {_shown(descr)}") from None
    if dtype.itemsize == 0:
        raise NpyFormatError(f"an .npy array of empty values ({_shown(descr)})")
    return dtype


def _entries(text: str) -> dict[str, object]:
    """The header dict's three entries, each a str, a bool or a tuple of sizes."""
    body = text.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise NpyFormatError(f"an .npy header that is not a dict: {_shown(text)}")
    inner, position, entries = body[1:-1], 0, {}
    while position < len(inner):
        entry = _ENTRY.match(inner, position)
        if entry is None:
            raise NpyFormatError(f"an .npy header that mpdtui does not read: {_shown(text)}")
        key = entry["key"]
        if key not in _KEYS or key in entries:
            raise NpyFormatError(f"an .npy header with the key {_shown(key)} (once each of "
                                 f"descr, fortran_order, shape expected): {_shown(text)}")
        entries[key] = _value(entry, text)
        position = entry.end()
    if entries.keys() != _KEYS:
        raise NpyFormatError(f"an .npy header without {', '.join(sorted(_KEYS - entries.keys()))}"
                             f": {_shown(text)}")
    return entries


def _value(entry: re.Match[str], text: str) -> object:
    if entry["text"] is not None:
        return entry["text"]
    if entry["flag"] is not None:
        return entry["flag"] == "True"
    return _shape(entry["dims"], text)


def _shape(dims: str, text: str) -> tuple[int, ...]:
    """'3, 4' -> (3, 4); '3,' -> (3,); '' -> (). '3' alone is a number, not a tuple."""
    items = [item.strip() for item in dims.split(",")]
    if items == [""]:
        return ()
    if items[-1] == "":
        items.pop()
    elif len(items) == 1:
        items = []
    if not items or not all(_DIMENSION.fullmatch(item) for item in items):
        raise NpyFormatError(f"an .npy header whose shape is not a tuple of sizes: {_shown(text)}")
    return tuple(int(item) for item in items)


def read_array(stream: Readable, member_size: int) -> np.ndarray:
    """The .npy array at the stream's position, copied into memory of its own (writable),
    from a member of `member_size` bytes (its shape is checked against that before any
    memory is taken)."""
    header = read_header(stream)
    _check_size(header, member_size)
    flat = np.empty(header.count, header.dtype)
    into, filled = flat.view(np.uint8), 0
    while filled < header.data_bytes:
        chunk = stream.read(min(_CHUNK_BYTES, header.data_bytes - filled))
        if not chunk:
            raise NpyFormatError(f"an .npy array cut off after {filled:,} of its "
                                 f"{header.data_bytes:,} bytes")
        into[filled:filled + len(chunk)] = np.frombuffer(chunk, np.uint8)
        filled += len(chunk)
    return header.arrange(flat)


def array_over(data: memoryview) -> np.ndarray:
    """The .npy array in `data` as an array over the same bytes (copied when misaligned)."""
    header = read_header(_Reader(data))
    _check_size(header, len(data))
    flat = np.frombuffer(data, header.dtype, header.count, header.data_offset)
    array = header.arrange(flat)
    return array if array.flags.aligned else array.copy()


def _check_size(header: NpyHeader, member_size: int) -> None:
    if header.data_offset + header.data_bytes > member_size:
        raise NpyFormatError(f"an .npy array shorter than its shape {header.shape} of "
                             f"{header.dtype.str} needs")


class _Reader:
    """The start of a memoryview read as a stream, without copying the rest of it."""

    def __init__(self, data: memoryview) -> None:
        self._data, self._position = data, 0

    def read(self, size: int) -> bytes:
        chunk = bytes(self._data[self._position:self._position + size])
        self._position += len(chunk)
        return chunk


def _read_exactly(stream: Readable, size: int, what: str) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise NpyFormatError(f"an .npy array cut off in {what}")
    return data


def _shown(value: str | bytes) -> str:
    """Text from the file, escaped (never interpreted by a terminal) and cut short."""
    shown = repr(value)
    return shown if len(shown) <= _SHOWN_CHARS else f"{shown[:_SHOWN_CHARS - 3]}..."
