"""Evaluation splits are seed ranges (DESIGN §3), so a scenario needs only its task and seed."""

from __future__ import annotations

from collections.abc import Iterator

from sentinel.tiers import REGISTRY, TIER_IDS

TRAINING = range(0, 9000)
HELDOUT50 = {t.id: t.heldout50 for t in REGISTRY.values() if t.heldout50 is not None}  # seed ranges per tier
EXTENDED = range(9300, 10000)
HELDOUT_FAMILIES = range(20000, 21000)
SPLIT_NAMES = ("train", "heldout50", "extended", "families")


def uses_heldout_families(seed: int) -> bool:
    """Only this seed range draws from held-out incident families; no other seed does."""
    return seed in HELDOUT_FAMILIES


def split_of(seed: int) -> str:
    if seed in TRAINING:
        return "train"
    if seed in HELDOUT_FAMILIES:
        return "families"
    if seed in EXTENDED:
        return "extended"
    if any(seed in r for r in HELDOUT50.values()):
        return "heldout50"
    return "unassigned"


def split_episodes(
    split: str,
    tiers: tuple[str, ...] = TIER_IDS,
    per_tier: int | None = None,
) -> Iterator[tuple[str, int]]:
    """(task, seed) pairs of a split; ``per_tier`` caps the extended and families splits."""
    if split == "heldout50":
        for task, seeds in HELDOUT50.items():
            if task in tiers:
                yield from ((task, s) for s in seeds)
        return
    ranges = {"train": TRAINING, "extended": EXTENDED, "families": HELDOUT_FAMILIES}
    if split not in ranges:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLIT_NAMES}")
    seeds = ranges[split]
    for i, task in enumerate(tiers):
        chosen = seeds if per_tier is None else seeds[i * per_tier % len(seeds) :][:per_tier]
        yield from ((task, s) for s in chosen)
