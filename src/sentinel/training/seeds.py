"""Which seeds training may touch: TRAINING only, never an evaluation seed or a held-out family.

TRAINING (0..8999) is split once more so that the keep-best validation slice is not also a
source of training samples: datasets and GRPO rollouts draw from ``TRAIN_POOL``, validation
defaults to ``VALIDATION_POOL``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from sentinel.scenarios.splits import TRAINING, uses_heldout_families

TRAIN_POOL = range(0, 8000)
VALIDATION_POOL = range(8000, 9000)


def assert_training_seed(seed: int) -> None:
    """Raise ``ValueError`` for any seed outside TRAINING or one that draws held-out families."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    if seed not in TRAINING or uses_heldout_families(seed):
        raise ValueError(
            f"seed {seed} is not a TRAINING seed (0..8999); evaluation seeds and held-out families "
            "must never be used for training"
        )


def assert_training_seeds(seeds: Iterable[int]) -> list[int]:
    seeds = list(seeds)
    for seed in seeds:
        assert_training_seed(seed)
    return seeds


def sample_seeds(n: int, rng: random.Random, pool: range = TRAIN_POOL) -> list[int]:
    """``n`` distinct seeds from ``pool`` (a TRAINING sub-range), checked."""
    if n > len(pool):
        raise ValueError(f"cannot draw {n} distinct seeds from a pool of {len(pool)}")
    return assert_training_seeds(rng.sample(pool, n))
