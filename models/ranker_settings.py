"""The ranker's settings, shared by its candidate features, its booster and the recommender."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RankerSettings:
    components: tuple[str, ...] = ("als", "two_tower", "item_knn", "title")
    """Retrievers proposing candidates, by registry name."""
    candidates: int = 300
    """Tracks each retriever proposes (the union is ranked)."""
    max_cases: int = 8000
    """Validation cases the booster learns from at most (a deterministic sample of them)."""
    negatives: int = 100
    """Candidates not in the playlist kept per case for training (a random sample; every one
    that is in it is kept): the same R-precision and NDCG as all ~600 on the demo, 8x faster."""
    learning_rate: float = 0.05
    num_leaves: int = 15
    """Leaves per tree. 31 before: R-precision 0.002-0.004 lower on MPD-like demos nobody had
    tuned on (5,000 playlists, seed 29: 0.0849 -> 0.0871, paired 95% interval +0.0006 to
    +0.0038; 2,000, seed 37: 0.0749 -> 0.0786, +0.0011 to +0.0064; means over two draws of
    the negatives), level on a dense one (3,000, seed 31: +0.0001, -0.0027 to +0.0028)."""
    min_data_in_leaf: int = 40
    max_rounds: int = 400
    early_stopping: int = 40
    """Rounds without a better validation NDCG before training stops."""
    min_improvement: float = 0.001
    """What counts as a better validation NDCG for early stopping. With 0 the booster ran all
    400 rounds on the 20k demo (NDCG@100 0.685 at round 100, 0.692 at 393) for no gain on the
    held-out playlists (R-precision 0.0956 at 100 rounds, 0.0950 at 393; NDCG 0.221 / 0.220);
    with 0.001 it stops when 40 rounds add less than that: the boosting costs about a third."""
    truncation: int = 100
    """LambdaRank's truncation level: pairs below this rank weigh nothing."""
    valid_share: float = 0.2
    """Cases kept out of the booster's training for early stopping."""
    seed: int = 0
