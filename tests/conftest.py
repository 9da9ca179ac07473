"""Shared test helpers."""

from __future__ import annotations

import os

# Hypothesis profile: bounded, deterministic example counts so the suite's time stays flat.
from hypothesis import settings

settings.register_profile(
    "sentinel", max_examples=int(os.environ.get("SENTINEL_HYPOTHESIS_EXAMPLES", "40")), deadline=None, derandomize=True
)
settings.load_profile("sentinel")
