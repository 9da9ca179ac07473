"""SENTINEL: an OpenEnv environment, benchmark and live API for AI Overseers.

``import sentinel`` stays cheap; the client (which pulls in openenv) is loaded on first use.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

try:
    __version__ = metadata.version("sentinel-oversight")  # the one version: pyproject.toml
except metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.0.0+unknown"
__all__ = ["SentinelEnv", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "SentinelEnv":
        from sentinel.client import SentinelEnv

        return SentinelEnv
    raise AttributeError(f"module 'sentinel' has no attribute {name!r}")
