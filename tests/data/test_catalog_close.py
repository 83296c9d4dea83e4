"""The catalog closed (a job ended: `Services.forget_loaded`) while another thread reads it (the
builder's suggestions): the reader finishes, nothing crashes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from mpdtui.locations import Locations

RACE = textwrap.dedent("""
    import sys, threading, time
    from mpdtui.locations import Locations
    from mpdtui.services.catalog import CatalogService

    catalog = CatalogService(Locations.resolve(sys.argv[1]))
    ids = list(range(2000))
    stop, failures = threading.Event(), []

    def read() -> None:
        while not stop.is_set():
            try:
                READ
            except Exception as exc:
                failures.append(repr(exc))

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(2000):
        catalog.close()
        time.sleep(0.001)
    stop.set()
    reader.join()
    print(failures[:3])
    sys.exit(1 if failures else 0)
""")


def run_race(small_store: Locations, read: str) -> None:
    """`read` (a statement) in a thread, over and over, while the main thread closes the
    catalog 2,000 times, as jobs ending do (`Services.forget_loaded`)."""
    race = subprocess.run([sys.executable, "-c", RACE.replace("READ", read),
                           str(small_store.root)], capture_output=True, text=True, timeout=120)
    assert race.returncode == 0, (race.returncode, race.stdout, race.stderr[-2000:])


def test_closing_the_catalog_while_a_thread_reads_it_crashes_nothing(
        small_store: Locations) -> None:
    """It closed the connection under the query: SQLite crashed the process (a segmentation
    fault ended a test process of the suite, as a job ended beside the builder's suggestions).
    A read of a catalog closed between its taking and its query is made again, not failed."""
    run_race(small_store, "assert len(catalog.tracks(ids)) == len(ids)")


def test_a_catalog_held_across_a_close_reads_on(small_store: Locations) -> None:
    """Only some of the service's reads were made again: the builder's search, a challenge's
    submission and the growth since a split hold `catalog()` across their queries, and a job
    ending between two of them failed them ("Cannot operate on a closed database")."""
    run_race(small_store, "held = catalog.catalog(); assert len(held.tracks(ids)) == len(ids); "
                          "assert catalog.search('a'); assert held.n_tracks() > len(ids)")
