"""Every path mpdtui reads or writes, in one place.

The cache directory defaults to platformdirs' user cache dir for "mpdtui"; the
`--cache-dir` option and the `MPDTUI_CACHE_DIR` environment variable override it.
Exported playlist files go to `default_export_dir()` (platformdirs' user data dir for
"mpdtui", then `exports`) unless the cache dir's config.json names another folder
(`export_dir`, also set from the app's export dialog): never the current directory.
"""

from __future__ import annotations

import errno
import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from mpdtui.errors import UserError, user_name
from mpdtui.printable import quoted

APP_NAME = "mpdtui"
CACHE_DIR_ENV = "MPDTUI_CACHE_DIR"


def expand_home(path: str | os.PathLike[str]) -> Path:
    """`path` with a leading `~` or `~user` replaced by that home folder; UserError when there
    is none to take (no such user, or no HOME), where pathlib raises RuntimeError."""
    try:
        return Path(path).expanduser()
    except RuntimeError:
        head = Path(path).parts[0]
        whose = "HOME is not set" if head == "~" else f"there is no user {quoted(head[1:])}"
        raise UserError(f"{path}: {head} names no home folder ({whose}): give the full "
                        "path") from None


def real_path(path: str | os.PathLike[str]) -> Path:
    """`path` made absolute, `~` expanded and links followed; UserError for a link that leads
    back to itself (pathlib raises RuntimeError)."""
    try:
        return expand_home(path).resolve()
    except RuntimeError:
        raise UserError(f"{path} goes through a symlink loop (links that lead back to "
                        "themselves): give another path") from None


def dangling_link(path: Path) -> Path | None:
    """The link on `path` (it or a parent) that leads nowhere: a cache dir through it would be
    made at the link's target (a drive not mounted leaves its mount point bare), where
    `mkdir -p` refuses."""
    for part in (path, *path.parents):
        if part.is_symlink() and not part.exists():
            return part
    return None


def cache_dir_gone(root: Path) -> str:
    """What to say when the cache dir this process used is gone: nothing is made in its place."""
    return (f"the cache dir {root} is gone (moved, deleted, or its disk unmounted): put it back "
            "and try again (nothing was made in its place), or choose another folder (--cache-dir, "
            "or the app's setup: f2)")


def recordable(path: str | os.PathLike[str]) -> str:
    """`path` as text that mpdtui's JSON files can hold; UserError for a name with bytes that
    are not UTF-8 (Python keeps them as lone surrogates, which no JSON file takes)."""
    text = os.fspath(path)
    try:
        text.encode()
    except UnicodeEncodeError:
        raise UserError(f"{text}: its name is not UTF-8 text, and mpdtui records paths as "
                        "UTF-8: rename it") from None
    return text


def closed_to_this_user(locations: Locations) -> Path | None:
    """The cache dir, or the first of mpdtui's files and folders in it, that this user cannot
    read (a folder: or enter): a cache dir of another user's, or files a command run with sudo
    made there. None where all can be read, or the cache dir is not made yet."""
    root = locations.root
    if not root.is_dir():
        return None
    if not os.access(root, os.R_OK | os.X_OK):
        return root
    own = locations.own_names()
    for name in sorted(os.listdir(root)):
        if name in own and (closed := _closed_within(root / name)) is not None:
            return closed
    return None


def _closed_within(path: Path) -> Path | None:
    """`path`, or the first file or folder beneath it, that this user cannot read or enter."""
    if not path.is_dir():
        return None if os.access(path, os.R_OK) or not path.exists() else path
    if not os.access(path, os.R_OK | os.X_OK):
        return path
    for folder, folders, files in os.walk(path, onerror=None):
        for name in sorted(folders):
            if not os.access(os.path.join(folder, name), os.R_OK | os.X_OK):
                return Path(folder, name)
        for name in sorted(files):
            if not os.access(os.path.join(folder, name), os.R_OK):
                return Path(folder, name)
    return None


def closed_error(locations: Locations, closed: Path) -> UserError:
    """What to say of `closed` (`closed_to_this_user`): whose it is, and what to do."""
    root, me = shlex.quote(str(locations.root)), os.geteuid()
    try:
        status = closed.stat()
        owner, mode = status.st_uid, f"mode {status.st_mode & 0o777:o}"
    except OSError:
        owner, mode = me, "mode unknown"
    another = "give another directory with --cache-dir or $" + CACHE_DIR_ENV
    if closed == locations.root:
        what, left = f"the cache dir {closed}", ""
    else:
        what, left = f"{closed} in the cache dir", "; left by a command run with sudo?" * (owner == 0)
    if owner == me:
        return UserError(f"{what} is not readable, even by you ({mode}): make it readable with "
                         f"`chmod -R u+rwX {root}`, or {another}")
    return UserError(f"{what} belongs to user {user_name(owner)}, and you cannot read it "
                     f"({mode}{left}): make the cache dir yours with `sudo chown -R "
                     f"{user_name(me)} {root}`, or {another}")


def default_cache_dir() -> Path:
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        try:
            return expand_home(override)
        except UserError as exc:
            raise UserError(f"{CACHE_DIR_ENV}={exc}") from None
    return _under_home(platformdirs.user_cache_dir, "XDG_CACHE_HOME",
                       f"give one with --cache-dir DIR or ${CACHE_DIR_ENV}")


def default_export_dir() -> Path:
    """~/.local/share/mpdtui/exports on Linux: the user's files, not a cache to be wiped."""
    return _under_home(platformdirs.user_data_dir, "XDG_DATA_HOME",
                       "give a folder with --out, or `export_dir` in the cache dir's "
                       "config.json") / "exports"


def _under_home(user_dir: Callable[[str], str], variable: str, advice: str) -> Path:
    """platformdirs' folder for mpdtui; UserError where it has no home to put it in (HOME
    unset, a user id without a passwd entry: a container's `--user`), where platformdirs
    raises RuntimeError (an "unexpected error", exit code 1)."""
    try:
        return Path(user_dir(APP_NAME))
    except RuntimeError:
        raise UserError(f"no home folder to keep mpdtui's files in (HOME is not set, and user "
                        f"id {os.getuid()} has none): {advice}, or set HOME or "
                        f"${variable}") from None


@dataclass(frozen=True)
class Locations:
    """Paths inside one cache directory."""

    root: Path
    found: bool = field(default=False, compare=False)
    """The cache dir was there when resolved: gone since, it was moved, deleted or unmounted
    while in use (the app open for hours), and is not made again, empty, where the user will
    put it back."""

    @classmethod
    def resolve(cls, cache_dir: str | os.PathLike[str] | None = None) -> Locations:
        root = expand_home(cache_dir) if cache_dir else default_cache_dir()
        path = Path(recordable(real_path(root)))  # the demo's source is recorded in it
        return cls(path, found=path.is_dir())

    def holds(self, path: Path) -> bool:
        """Whether `path` is the cache dir or lies inside it (links followed)."""
        return real_path(path).is_relative_to(real_path(self.root))

    def ensure(self, remake: bool = False) -> Locations:
        """Create the cache dir when missing, private (0700): it holds the Spotify login.
        FileNotFoundError when it was there when resolved and is gone (an app open while it was
        moved, deleted or its disk unmounted), unless `remake` (the user chose it again)."""
        if self.gone() and not remake:
            raise FileNotFoundError(errno.ENOENT, cache_dir_gone(self.root))
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self

    def gone(self) -> bool:
        """Whether the cache dir was there when resolved and is not now."""
        return self.found and not self.root.is_dir()

    @property
    def catalog_db(self) -> Path:
        """SQLite catalog: tracks, artists, albums, playlists, FTS index, ingest manifest."""
        return self.root / "catalog.sqlite3"

    @property
    def chunks_dir(self) -> Path:
        """One file of playlist-track rows per ingested slice."""
        return self.root / "chunks"

    @property
    def interactions_npz(self) -> Path:
        """Binary playlists x tracks CSR matrix."""
        return self.root / "interactions.npz"

    @property
    def sequences_npz(self) -> Path:
        """Every playlist's tracks in playlist order, repeats included."""
        return self.root / "sequences.npz"

    @property
    def demo_dir(self) -> Path:
        """Where `--demo` generates the demo dataset."""
        return self.root / "demo-mpd"

    @property
    def features_db(self) -> Path:
        """Track audio features (Spotify API, CSV imports) and download progress."""
        return self.root / "features.sqlite3"

    @property
    def feature_matrix_npz(self) -> Path:
        """The catalog's tracks' features as read from `features_db`, kept for the next read."""
        return self.root / "feature-matrix.npz"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    def model_dir(self, name: str) -> Path:
        return self.models_dir / name

    def checkpoint_dir(self, name: str) -> Path:
        """A model's between-epoch training state while its training is unfinished."""
        return self.checkpoints_dir / name

    def retrain_mark(self, name: str) -> Path:
        """Which saved model an unfinished `--retrain` of `name` replaces."""
        return self.checkpoint_dir(name) / "retrain.json"

    @property
    def checkpoints_dir(self) -> Path:
        return self.root / "checkpoints"

    @property
    def retrained_json(self) -> Path:
        """The models a `--retrain` job saved anew, kept until the job ends well."""
        return self.checkpoints_dir / "retrained.json"

    @property
    def split_npz(self) -> Path:
        """Which playlists models train on, and the held-out evaluation cases."""
        return self.root / "split.npz"

    def derived_from_playlists(self) -> list[Path]:
        """Everything built from the ingested playlists: the catalog, matrices (the features
        by catalog track among them), split, models, reports (not the features themselves,
        saved playlists, login or settings)."""
        catalog = self.catalog_db
        return [catalog, catalog.with_name(f"{catalog.name}-wal"),
                catalog.with_name(f"{catalog.name}-shm"), self.catalog_sources_json,
                self.chunks_dir, self.interactions_npz, self.feature_matrix_npz,
                self.sequences_npz, self.split_npz, self.models_dir, self.checkpoints_dir,
                self.reports_dir, self.train_state_json]

    def own_names(self) -> frozenset[str]:
        """The names of the files and folders mpdtui makes at the top of the cache dir."""
        paths = [getattr(self, name) for name, member in vars(Locations).items()
                 if isinstance(member, property)]
        return frozenset(path.name for path in paths
                         if isinstance(path, Path) and path.parent == self.root)

    def written_folders(self) -> list[Path]:
        """The folders whose files are written atomically, through a temporary one beside."""
        return [self.root, self.chunks_dir, self.models_dir, self.reports_dir, self.demo_dir]

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def evaluation_json(self) -> Path:
        return self.reports_dir / "evaluation.json"

    @property
    def train_state_json(self) -> Path:
        """Which `--train` stages are done, for which data."""
        return self.root / "train-state.json"

    @property
    def catalog_sources_json(self) -> Path:
        """A copy of the sources the catalog records, to rebuild it from should it be damaged."""
        return self.root / "catalog-sources.json"

    @property
    def writer_lock(self) -> Path:
        """Held (flock) by the one process writing to the cache dir."""
        return self.root / "writer.lock"

    @property
    def spotify_export_lock(self) -> Path:
        """Held (flock) while a saved playlist is exported to Spotify: one export at a time
        (two at once of the same playlist each sent its tracks)."""
        return self.root / "spotify-export.lock"

    @property
    def writer_json(self) -> Path:
        """What the writer does, its pid and since when (for a second writer's message)."""
        return self.root / "writer.json"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def job_log(self) -> Path:
        """stdout and stderr of job processes: TensorFlow's native log lines, warnings."""
        return self.logs_dir / "jobs.log"

    @property
    def config_json(self) -> Path:
        """User settings: Spotify client id, demo size, model settings, export folder."""
        return self.root / "config.json"

    @property
    def spotify_token(self) -> Path:
        """spotipy token cache (mode 600): one login per cache dir."""
        return self.root / "spotify-token.json"

    @property
    def spotify_import_fetched(self) -> Path:
        """The tracks of each playlist an unfinished Spotify import fetched, with its snapshot
        id: its rerun does not ask for them again (removed once an import is done)."""
        return self.root / "spotify-import.jsonl"

    @property
    def playlists_db(self) -> Path:
        """The builder's saved playlists."""
        return self.root / "playlists.sqlite3"

    @property
    def builder_drafts(self) -> Path:
        """The builders' playlists while they have unsaved changes, a file per app running
        (`builder_draft_of`): each window keeps its own, restored after a crash."""
        return self.root / "drafts"

    def builder_draft_of(self, pid: int) -> Path:
        return self.builder_drafts / f"builder-{pid}.json"

    @property
    def old_builder_draft(self) -> Path:
        """Where earlier mpdtui kept the one draft of a cache dir (its app's pid inside): one
        left there is still restored."""
        return self.root / "builder-draft.json"
