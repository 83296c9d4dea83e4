"""Every track's K nearest tracks, computed in blocks of tracks so that a fit can stop between
blocks and report progress after each.

implicit's `all_pairs_knn` does the whole catalog in one OpenMP call that nothing can interrupt
(minutes at MPD scale). Here each track's row goes through implicit's own
`NearestNeighboursScorer` instead: the same sparse accumulation (in the same order, in doubles)
and the same top-K heap, so the neighbours, their similarities and the choice among tied scores
are those of `all_pairs_knn`. Blocks run on a few Python threads (the scorer releases the GIL),
each with its own scorer; the calling thread reports each finished block and checks `cancel`
between them, so a stop waits for at most the blocks running, never for OpenMP threads.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from implicit.nearest_neighbours import NearestNeighboursScorer

from models.progress import check_cancel

BLOCK_WORK = 4_000_000
"""Multiply-adds per block (a few tenths of a second on one core): the longest a stop waits."""
ROW_WORK = 2_000
"""What one track's call costs beside its multiply-adds, in multiply-adds: bounds the tracks
in a block of rare tracks, and with them the block's output (at most K entries a track)."""

BlockDone = Callable[[int, int], None]
"""Called with (tracks done, tracks in all) after each block, in the calling thread."""


@dataclass(frozen=True)
class _Block:
    """The nearest tracks of the tracks `start`..`stop`-1, as CSR rows."""

    start: int
    stop: int
    counts: np.ndarray
    indices: np.ndarray
    scores: np.ndarray


def nearest_tracks(weighted: sp.csr_matrix, k: int, num_threads: int = 0,
                   block_done: BlockDone | None = None, cancel: threading.Event | None = None,
                   block_work: int | None = None) -> sp.csr_matrix:
    """The similarity (dot product of `weighted`'s columns, float64) of every track (column of
    the playlists x tracks matrix `weighted`) to its `k` most similar tracks, itself included:
    `implicit.nearest_neighbours.all_pairs_knn(weighted, k).tocsr()`, less the explicit zero
    that function leaves at (0, 0) when a track has fewer than k neighbours and track 0 is not
    its own. Raises `Cancelled` once `cancel` is set, after the blocks already running.
    `block_work`: multiply-adds per block (default `BLOCK_WORK`)."""
    weighted = sp.csr_matrix(weighted, dtype=np.float64)
    n_playlists, n_tracks = weighted.shape
    by_track = weighted.T.tocsr()
    by_track.sort_indices()  # all_pairs_knn's order of accumulation
    by_track.indptr, by_track.indices = (by_track.indptr.astype(np.int32),
                                         by_track.indices.astype(np.int32))  # the scorer's types
    bounds = _block_bounds(by_track, np.diff(weighted.indptr), block_work or BLOCK_WORK)
    scorer_rows = _square_rows(weighted, max(n_playlists, n_tracks))
    threads = num_threads or len(os.sched_getaffinity(0))
    local = threading.local()

    def run(start: int, stop: int) -> _Block:
        if not hasattr(local, "scorer"):
            local.scorer = NearestNeighboursScorer(scorer_rows)
        return _nearest_of_block(local.scorer, by_track, start, stop, k)

    blocks = _run_in_order(run, bounds, threads, n_tracks, block_done, cancel)
    return _assemble(blocks, n_tracks)


def _block_bounds(by_track: sp.csr_matrix, playlist_lengths: np.ndarray,
                  block_work: int) -> np.ndarray:
    """Track ids where blocks start (and the end), cut so that each block's work (the lengths
    of its tracks' playlists, plus `ROW_WORK` a track) is about `block_work`; a track whose
    own work is more makes a block of its own."""
    pattern = sp.csr_matrix((np.ones(by_track.nnz), by_track.indices, by_track.indptr),
                            shape=by_track.shape)  # the work is in entries, whatever they weigh
    work = pattern @ playlist_lengths.astype(np.float64) + ROW_WORK
    ends = np.cumsum(work)
    cuts = np.searchsorted(ends, np.arange(block_work, ends[-1], block_work) if len(ends) else [],
                           side="right")
    return np.unique(np.concatenate([[0], cuts, [len(work)]]).astype(np.int64))


def _square_rows(weighted: sp.csr_matrix, size: int) -> sp.csr_matrix:
    """`weighted` with empty rows appended up to `size`: the scorer sizes its accumulator by
    the rows of the matrix it is given, and it accumulates tracks (columns) in it."""
    indptr = np.concatenate([weighted.indptr, np.full(size - weighted.shape[0],
                                                      weighted.indptr[-1])]).astype(np.int32)
    return sp.csr_matrix((weighted.data, weighted.indices.astype(np.int32), indptr),
                         shape=(size, weighted.shape[1]))


def _nearest_of_block(scorer: NearestNeighboursScorer, by_track: sp.csr_matrix, start: int,
                      stop: int, k: int) -> _Block:
    indptr, indices = by_track.indptr, by_track.indices
    found = [scorer.recommend(indptr[track:track + 2], indices, by_track.data, K=k,
                              remove_own_likes=False) for track in range(start, stop)]
    counts = np.array([len(ids) for ids, _ in found], np.int64)
    rows = sp.csr_matrix((np.concatenate([s for _, s in found]),
                          np.concatenate([ids for ids, _ in found]),
                          np.concatenate([[0], np.cumsum(counts)])),
                         shape=(stop - start, by_track.shape[0]))
    rows.sort_indices()  # each row's tracks ascending, as all_pairs_knn's CSR has them
    return _Block(start, stop, counts, rows.indices, rows.data)


def _run_in_order(run: Callable[[int, int], _Block], bounds: np.ndarray, threads: int,
                  n_tracks: int, block_done: BlockDone | None,
                  cancel: threading.Event | None) -> list[_Block]:
    """Every block, computed `threads` at a time, reported in order; on a stop (or an error)
    the blocks not begun are dropped and those running are waited for."""
    spans: Iterator[tuple[int, int]] = zip(bounds[:-1].tolist(), bounds[1:].tolist(),
                                           strict=True)
    done: list[_Block] = []
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="item-knn") as pool:
        running: deque[Future[_Block]] = deque()
        try:
            for start, stop in spans:
                running.append(pool.submit(run, start, stop))
                if len(running) > threads:
                    _finish(running.popleft(), done, n_tracks, block_done, cancel)
            while running:
                _finish(running.popleft(), done, n_tracks, block_done, cancel)
        finally:
            for future in running:
                future.cancel()
    return done


def _finish(future: Future[_Block], done: list[_Block], n_tracks: int,
            block_done: BlockDone | None, cancel: threading.Event | None) -> None:
    check_cancel(cancel)
    done.append(future.result())
    if block_done is not None:
        block_done(done[-1].stop, n_tracks)
    check_cancel(cancel)


def _assemble(blocks: list[_Block], n_tracks: int) -> sp.csr_matrix:
    counts = np.concatenate([b.counts for b in blocks]) if blocks else np.zeros(0, np.int64)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    indices = (np.concatenate([b.indices for b in blocks]) if blocks
               else np.zeros(0, np.int32)).astype(np.int32)
    scores = np.concatenate([b.scores for b in blocks]) if blocks else np.zeros(0)
    return sp.csr_matrix((scores, indices, indptr), shape=(n_tracks, n_tracks))
