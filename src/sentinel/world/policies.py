"""Policy constraints for the Overseer: a general list in ``data/policies.toml`` plus the family's own."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from sentinel.world.families import Family


@lru_cache(maxsize=1)
def general_policies() -> tuple[str, ...]:
    with resources.files("sentinel.data").joinpath("policies.toml").open("rb") as fh:
        return tuple(tomllib.load(fh)["general"])


def policies_for(family: Family) -> list[str]:
    return list(general_policies()) + [p for p in family.policies if p not in general_policies()]
