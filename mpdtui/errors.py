"""Errors the user can fix: printed as one line, never as a traceback; and the exit codes
every command and job process ends with."""

import errno
import pwd
import shlex
import zipfile
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""

    exit_code: int = EXIT_BAD_INPUT


_FREE_SPACE = "free some space on that disk, then run it again: what was finished is kept"
_WHAT_TO_DO = {
    errno.ENOSPC: _FREE_SPACE,
    errno.EDQUOT: _FREE_SPACE,
    errno.EFBIG: "that disk takes no file this large (FAT32 stops at 4 GB): use a folder on "
                 "another disk",
    errno.EROFS: "that disk is mounted read-only: mount it writable, or use a folder on another "
                 "disk",
    errno.EIO: "the disk failed it: check that the disk is still there, has room and takes "
               "files this large (FAT32 stops at 4 GB), then run it again: what was finished is "
               "kept",
}


def what_to_do(error: OSError) -> str | None:
    """The advice for a write that failed for want of room or a working disk; None for the
    others (a path's own)."""
    return _WHAT_TO_DO.get(error.errno or 0)


def damaged_zip(path: Path, exc: Exception, inside: str) -> UserError:
    """A zip that cannot be read: download it again, or give what it holds (`inside`)."""
    return UserError(f"{path}: a damaged zip ({exc}): download it again, or give {inside}")


_ZIP_SIGNATURE = b"PK\x03\x04"


def unopened_zip(path: Path, start: bytes, inside: str) -> UserError | None:
    """The error for a file `zipfile` would not open that is a zip all the same, by its first
    bytes (`start`: one cut short, its directory, at its end, missing) or by its name; None:
    another kind of file."""
    if start.startswith(_ZIP_SIGNATURE):
        return damaged_zip(path, zipfile.BadZipFile("its end is missing"), inside)
    if path.suffix.lower() == ".zip":
        return damaged_zip(path, zipfile.BadZipFile("not a zip file"), inside)
    return None


def file_error_line(exc: OSError) -> str:
    """One line for a file that could not be read or written: which, why, what to do."""
    named = exc.filename2 or exc.filename  # a rename's: the file it replaces, not its temp file
    if exc.errno == errno.EEXIST and isinstance(named, str) and _leads_nowhere(Path(named)):
        target = Path(named).resolve()
        return (f"{named} is a link to {target}, which does not exist: make it (`mkdir -p "
                f"{shlex.quote(str(target))}`), or give another path")
    where = f"{named}: " if named else ""
    advice = _WHAT_TO_DO.get(exc.errno or 0, "check the path and permissions" if where else "")
    return f"{where}{exc.strerror or exc}" + (f" ({advice})" if advice else "")


def user_name(uid: int) -> str:
    """The login name of `uid`, or the number where it has none (a container's user)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def user_line(exc: Exception) -> str:
    """What a user-fixable error says: a file error's line with what to do, else its text."""
    return file_error_line(exc) if isinstance(exc, OSError) else str(exc)


def _leads_nowhere(path: Path) -> bool:
    """A link whose target is missing: making a folder there fails with "File exists"."""
    return path.is_symlink() and not path.exists()

