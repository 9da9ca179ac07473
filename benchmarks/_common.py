"""Shared benchmark plumbing: where results go and how they are written."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def write_result(name: str, data: dict) -> Path:
    """Write ``benchmarks/out/<name>.json`` with machine info, and return its path."""
    OUT.mkdir(exist_ok=True)
    data = {
        "benchmark": name,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **data,
    }
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2))
    return path
