"""SENTINEL/Live: judge any agent's proposed action before it runs (API, audit log, guard)."""

from sentinel.live.guard import ActionBlocked, guard

__all__ = ["guard", "ActionBlocked"]
