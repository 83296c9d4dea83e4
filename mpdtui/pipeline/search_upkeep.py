"""The track search kept current by the data stages: a search head ranked at the catalog's
last popularity counts, and today's search index (an older catalog's is reindexed once)."""

from __future__ import annotations

import contextlib

from mpdtui.data.catalog import Catalog
from mpdtui.data.track_search import holds_index_text, search_head_is_stale
from mpdtui.pipeline.events import Notice
from mpdtui.pipeline.job import Job


def bring_search_up_to_date(job: Job) -> None:
    """With nothing to ingest, a catalog from before the search head or today's search index
    (or one an older mpdtui finalized) still gets them: opening it for writing does it."""
    with Catalog.open(job.locations) as catalog:
        stale = search_head_is_stale(catalog)
    if say_if_search_reindexed(job) or stale:
        with contextlib.suppress(PermissionError):  # a read-only catalog: searched as it is
            Catalog.create_or_open(job.locations).close()


def say_if_search_reindexed(job: Job) -> bool:
    """Whether the catalog's next writer reindexes its search (`reindex_older_search`), said
    as it takes a while: about 10 s a million tracks."""
    if not job.locations.catalog_db.exists():
        return False
    with Catalog.open(job.locations) as catalog:
        older = not holds_index_text(catalog)
    if older:
        job.emit(Notice("ingest", "reindexing the track search once, so that it finds emoji and "
                        "words inside Chinese, Japanese, Korean and Thai (about 10 s a million tracks)"))
    return older
