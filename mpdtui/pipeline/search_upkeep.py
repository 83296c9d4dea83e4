"""The track search kept current by the data stages: a search head ranked at the catalog's
last popularity counts, and today's search index (an older catalog's is reindexed once)."""

from __future__ import annotations

import errno

from mpdtui.data.catalog import Catalog
from mpdtui.data.track_search import holds_index_text, search_head_is_stale
from mpdtui.pipeline.events import Notice
from mpdtui.pipeline.job import Job

REINDEX_NOTICE = ("reindexing the track search once, so that it finds emoji and words inside "
                  "Chinese, Japanese, Korean and Thai (about 10 s a million tracks)")


def bring_search_up_to_date(job: Job) -> None:
    """The one place a job brings an existing catalog's search up to date, before anything
    else writes it (`SourceStage`, the first data stage): a catalog from before the search
    head or today's search index (or one an older mpdtui finalized) gets them. The reindex is
    said as it starts, since it takes a while; a catalog that cannot be written is searched
    as it is, and nothing is said."""
    if not job.locations.catalog_db.exists():
        return
    with Catalog.open(job.locations) as catalog:
        behind = not holds_index_text(catalog) or search_head_is_stale(catalog)
    if not behind:
        return
    try:
        Catalog.create_or_open(job.locations,
                               on_reindex=lambda: job.emit(Notice("ingest", REINDEX_NOTICE))).close()
    except OSError as exc:
        if not _cannot_write(exc):
            raise


def _cannot_write(exc: OSError) -> bool:
    """A read-only catalog: its file, or the disk it is on (a read-only mount)."""
    return isinstance(exc, PermissionError) or exc.errno == errno.EROFS
