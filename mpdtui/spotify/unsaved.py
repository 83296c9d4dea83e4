"""A renewed login that cannot be saved: Spotify replaces the refresh token at each renewal,
so the one left in the token file no longer works once this process ends."""

from __future__ import annotations

import errno
import shlex
from pathlib import Path

UNSAVED = "the renewed Spotify login could not be saved"


def unsaved_renewal(path: Path, error: OSError) -> str:
    """One line: what failed, what it means, and the fix (by what the write met)."""
    if error.errno == errno.EPERM:  # an immutable file (chattr +i), or one of its folder
        fix = f"`sudo chattr -i {shlex.quote(str(path))}` lets it be saved"
    elif error.errno == errno.EROFS:
        fix = f"{path.parent} is on a read-only file system: use a --cache-dir that is not"
    elif error.errno == errno.ENOSPC:
        fix = "free space on its disk"
    else:  # EACCES: the folder (or the file) read-only
        fix = f"`chmod u+w {shlex.quote(str(path.parent))}` lets it be saved"
    return (f"{UNSAVED} to {path} "
            f"({error.strerror or error}): it works until this run ends, after which Spotify "
            f"takes only a new login; {fix}, then run `mpdtui auth` to log in again")
