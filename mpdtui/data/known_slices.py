"""Which slices a catalog knows: those it holds, and files found to repeat one of them.

Slices are known by file name and size (comparing checksums would read every slice again). A
file that holds, byte for byte, a slice ingested under another name (a backup copy, a renamed
slice) is recorded as a copy and never added: its playlists would count twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

import orjson

from mpdtui.data.catalog import Catalog, forget_source
from mpdtui.data.catalog_seen import catalog_if_any
from mpdtui.data.mpd import SliceSource, find_slices
from mpdtui.errors import UserError
from mpdtui.locations import Locations

_COPIES_KEY = "slice_copies"


def slice_copies(catalog: Catalog) -> dict[str, tuple[int, str, str]]:
    """File name -> (size, checksum, name of the slice it repeats) of every copy found."""
    recorded = orjson.loads(catalog.meta(_COPIES_KEY) or "{}")
    return {name: (size, checksum, original)
            for name, (size, checksum, original) in recorded.items()}


def add_slice_copy(catalog: Catalog, name: str, size: int, checksum: str, original: str) -> None:
    copies = {name: list(copy) for name, copy in slice_copies(catalog).items()}
    copies[name] = [size, checksum, original]
    with catalog.transaction() as db:
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                   (_COPIES_KEY, orjson.dumps(copies).decode()))


def known_slices(catalog: Catalog) -> dict[str, tuple[int, str]]:
    """Slice name -> (size, checksum) of every slice ingested or found to be a copy of one."""
    copies = {name: (size, checksum) for name, (size, checksum, _) in slice_copies(catalog).items()}
    return copies | catalog.ingested_slices()


def known_names(locations: Locations) -> set[str]:
    """The names of the slices the catalog holds or knows for copies (none without a catalog,
    or with one that cannot be read: the ingest that follows says why)."""
    with contextlib.ExitStack() as stack:
        catalog = catalog_if_any(locations, stack)
        return set() if catalog is None else set(known_slices(catalog))


def names_in(paths: Sequence[Path]) -> set[str]:
    """The slice names of the sources `paths`: a slice in two of them (the MPD's zip and its
    unpacked folder) is one slice, counted once."""
    return {source.name for path in paths for source in find_slices(path)}


def forget_if_nothing_came(locations: Locations, path: Path) -> None:
    """A source refused for a bad slice before any of its slices came in is not recorded:
    later runs would resume it, and compare its files with those of data ingested since."""
    try:
        slices = find_slices(path)
    except UserError:
        return  # unreadable now: what came from it cannot be told, so its record stays
    with Catalog.open(locations) as catalog:
        known = known_slices(catalog)
        if not any(known.get(s.name, (None,))[0] == s.size for s in slices):
            forget_source(catalog, str(path))


OTHER_DATA = "add --replace to replace the data there, or use a fresh --cache-dir"
"""What to do about other data whose slices are named as those ingested."""
CHANGED_SINCE = ("the file changed since it was ingested: add --replace to ingest the data as it "
                 "is now (the playlists there and the models trained on them go; saved "
                 "playlists, audio features and settings stay), or use a fresh --cache-dir")
"""What to do about the data ingested before, changed since (met when it is resumed)."""


def refuse_changed_slices(catalog: Catalog, sources: Sequence[SliceSource],
                          done: dict[str, tuple[int, str]] | None = None,
                          remedy: str = OTHER_DATA) -> None:
    """UserError naming the first of `sources` whose name the catalog holds with another size:
    other data under the same name, or the file changed since (an edit that keeps the size
    goes unseen: comparing the checksums would read every slice again); `remedy` says what
    to do. `done`: the catalog's known slices, when read."""
    done = known_slices(catalog) if done is None else done
    for source in sources:
        if source.name in done and done[source.name][0] != source.size:
            raise UserError(
                f"{source.label} differs from the {source.name} ingested before (size "
                f"{source.size} vs {done[source.name][0]}): {remedy}")


def refuse_slices_changed_since(catalog: Catalog, sources: Sequence[SliceSource],
                                done: dict[str, tuple[int, str]], resumed: bool) -> None:
    """`refuse_changed_slices` for the data ingested before, changed since. A slice the catalog
    holds, at another size, from another file that holds it still never came in from here
    (refused as bad, then other data brought a slice of its name): named, it is other data;
    `resumed` (a recorded source, by `--train` or an ingest of other data), it is left out,
    and the catalog's is kept."""
    held = {name: (size, Path(label))
            for name, size, label in catalog.query("SELECT name, size, source FROM slices")}
    elsewhere = {source.name for source in sources if source.name in held  # sizes first:
                 and held[source.name][0] != source.size  # no stat for a slice that matches
                 and _holds(*held[source.name], source)}
    refuse_changed_slices(catalog, [s for s in sources if s.name not in elsewhere], done,
                          remedy=CHANGED_SINCE)
    if not resumed:
        refuse_changed_slices(catalog, [s for s in sources if s.name in elsewhere], done)


def _holds(size: int, other: Path, source: SliceSource) -> bool:
    """Whether the file `other` (a zip member's label is none) is `size` and not `source`."""
    try:
        return (other.is_absolute() and source.member is None and other.stat().st_size == size
                and not other.samefile(source.path))
    except OSError:
        return False


def slices_are_ingested(catalog: Catalog, sources: Sequence[SliceSource],
                        skipped_too: bool = False) -> bool:
    """Whether the catalog holds every one of `sources` (or knows it for a copy), at its size;
    `skipped_too`: or --skip-bad left it out as bad, at that size (`remember_skipped`)."""
    done = known_slices(catalog)
    if skipped_too:
        done = {name: (size, "") for name, size in _skipped(catalog).items()} | done
    return all(source.name in done and done[source.name][0] == source.size
               for source in sources)


_SKIPPED_KEY = "skipped_slices"


def _skipped(catalog: Catalog) -> dict[str, int]:
    return {name: int(size) for name, size in orjson.loads(catalog.meta(_SKIPPED_KEY) or "{}").items()}


def remember_skipped(locations: Locations, path: Path, labels: Sequence[str]) -> None:
    """The slices of `path` that --skip-bad left out (`labels`), by name and size: an ingest
    that resumes the recorded sources (`--train`, the app's training, an ingest of other data)
    does not stop on them again; an ingest naming `path` tries them again."""
    if not labels:
        return
    sources = {source.label: source for source in find_slices(path)}
    with Catalog.open(locations) as catalog:
        skipped = _skipped(catalog) | {sources[label].name: sources[label].size
                                       for label in labels if label in sources}
        with catalog.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                       (_SKIPPED_KEY, orjson.dumps(skipped).decode()))


def only_skipped_left(locations: Locations, path: Path) -> bool:
    """Whether the slices of the recorded source `path` that the catalog lacks are all ones
    --skip-bad left out: resumed, it skips them again rather than stop on them."""
    with Catalog.open(locations) as catalog:
        sources = find_slices(path)
        return (not slices_are_ingested(catalog, sources)
                and slices_are_ingested(catalog, sources, skipped_too=True))


def unfinished(locations: Locations, paths: list[Path], asked: Path) -> list[Path]:
    """Those of `paths` (but `asked`) whose slices the catalog does not all hold."""
    if not locations.catalog_db.exists():
        return []
    found = []
    with Catalog.open(locations) as catalog:
        for path in paths:
            with contextlib.suppress(UserError):  # no slices there now: nothing to finish
                if path != asked and not slices_are_ingested(catalog, find_slices(path),
                                                             skipped_too=True):
                    found.append(path)
    return found


def skipped_since(catalog: Catalog) -> dict[str, int]:
    """The slices --skip-bad left out (name -> size) that the catalog has not taken since."""
    done = known_slices(catalog)
    return {name: size for name, size in _skipped(catalog).items() if name not in done}


def holding(path: Path, slices: dict[str, int]) -> bool:
    """Whether the source `path` holds one of `slices` (name -> size) at its size; False where it
    cannot be read now."""
    try:
        return any(slices.get(source.name) == source.size for source in find_slices(path))
    except UserError:
        return False


def adding_slices(catalog: Catalog, paths: Sequence[Path]) -> list[bool]:
    """For each of `paths`, in order, whether it holds a slice the catalog holds (by name and
    size) that no path before it holds: a source whose slices all came with another one, or
    were copies of one, added nothing. A path that cannot be read now: True (what it added
    cannot be told)."""
    held = catalog.ingested_slices()
    seen: set[str] = set()
    added = []
    for path in paths:
        try:
            found = {s.name for s in find_slices(path) if held.get(s.name, (None,))[0] == s.size}
        except UserError:
            added.append(True)
            continue
        added.append(bool(found - seen))
        seen |= found
    return added
