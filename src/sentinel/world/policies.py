"""Policy constraints for the Overseer: a general list in ``data/policies.toml`` plus the family's own."""

from __future__ import annotations

from sentinel.data import load
from sentinel.world.families import Family


def general_policies() -> tuple[str, ...]:
    return tuple(load("policies")["general"])


def policies_for(family: Family) -> list[str]:
    return list(general_policies()) + [p for p in family.policies if p not in general_policies()]
