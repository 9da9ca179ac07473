"""The environment: ``Episode`` (the turn loop) and ``SentinelEnvironment`` (openenv), the one public API.

Everything above this package — the server, the UI, the REST store, the eval runner and training —
plays episodes through ``SentinelEnvironment`` only; ``Episode`` stays an implementation detail.
"""

from sentinel.env.environment import SentinelEnvironment

__all__ = ["SentinelEnvironment"]
