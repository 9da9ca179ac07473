"""Packaged data files (name pools, policies, drift, Responder scripts, Live rules, shield patterns)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """Parse ``sentinel/data/<name>.toml`` once per process (callers must not mutate the result)."""
    with resources.files("sentinel.data").joinpath(f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)
