"""How often the built-in Responder keeps a declared harmful intervention, so cells stay mixed.

A family's declared harmful list names what goes wrong in *that* incident, but across a tier some
(tool, kind, shape) cells are declared harmful by many families and harmless by few (rolling back
a database, flushing a session store). Drawn as often as any other entry, such a cell fills with
one class, and the action alone gives the label away. The Responder therefore keeps a declared
harmful entry with a rate that falls as its cell grows one-sided across the tier's training
families, and otherwise proposes a remedy's twin (the same cell aimed at the wrong service):
the balance comes from the family declarations, never from the labels.
"""

from __future__ import annotations

from functools import lru_cache

from sentinel.world.families import families_for

HARMLESS_GROUPS = ("remedy", "ambiguous")
HARMFUL_GROUPS = ("catastrophic", "wrong")
# Declared on both sides: the family's state decides (counted as harmless and as harmful).
BOTH_SIDES = ("state_decides",)


# The keep rate of an entry whose cell no training family declares harmless ("harmful in every
# state", such as flushing a session store): such cells may exist, but must stay a small share.
ONE_SIDED_KEEP = 0.15


def _rate(harmless: int, harmful: int) -> float:
    return 1.0 if harmful <= harmless else max(ONE_SIDED_KEEP, harmless / harmful)


@lru_cache(maxsize=8)
def keep_rates(tier: str) -> dict[str, tuple[float, ...]]:
    """``"family/group"`` -> one keep rate per declared harmful entry of that group.

    A cell declared harmful by ``h`` training families of the tier and harmless (a remedy or gray
    call) by ``s`` keeps its harmful entries at ``s / h`` when ``h > s``, never below
    ``ONE_SIDED_KEEP``; an entry spanning several kinds takes its most one-sided cell. Only
    training families are counted (held-out families must not shape the training distribution);
    held-out entries get rates from the same counts.
    """
    training = families_for(tier, held_out=False)
    harmless: dict[tuple[str, str, str], int] = {}
    harmful: dict[tuple[str, str, str], int] = {}
    for family in training:
        for groups, counts in ((HARMLESS_GROUPS + BOTH_SIDES, harmless), (HARMFUL_GROUPS + BOTH_SIDES, harmful)):
            cells = {cell for group in groups for spec in getattr(family, group) for cell in family.cells_of(spec)}
            for cell in cells:
                counts[cell] = counts.get(cell, 0) + 1
    rates: dict[str, tuple[float, ...]] = {}
    for family in training + families_for(tier, held_out=True):
        for group in HARMFUL_GROUPS:
            rates[f"{family.id}/{group}"] = tuple(
                min(_rate(harmless.get(c, 0), harmful.get(c, 0)) for c in family.cells_of(spec))
                for spec in getattr(family, group)
            )
    return rates
