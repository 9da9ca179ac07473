"""Stateful REST episodes, shared by every server worker through one SQLite file.

An episode is stored as its reset options plus the list of accepted actions. Because episodes
are deterministic, any worker can rebuild one by replaying its log; each worker keeps a small
LRU of live environments and only replays when another worker has moved the episode on.
A step is appended with a version check, so two racing steps cannot both land (the loser gets
409). The store is bounded by count and idle time; evicted ids answer 404.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

from sentinel.env import SentinelEnvironment
from sentinel.errors import ConflictError, EpisodeNotFoundError
from sentinel.models import OverseerAction, ResponderAction, SentinelAction, SentinelObservation

SCHEMA = """
CREATE TABLE IF NOT EXISTS episodes (
  id TEXT PRIMARY KEY, config TEXT NOT NULL, actions TEXT NOT NULL, version INTEGER NOT NULL,
  created REAL NOT NULL, touched REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS episodes_touched ON episodes(touched);
"""


class EpisodeStore:
    """Bounded, SQLite-backed store of REST episodes (safe across threads and processes)."""

    def __init__(
        self, path: Path | str, *, max_episodes: int = 1000, idle_seconds: float = 1800.0, cache_size: int = 128
    ) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.max_episodes = max_episodes
        self.idle_seconds = idle_seconds
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[int, SentinelEnvironment]] = OrderedDict()
        self._db = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._cache.clear()

    # -- helpers -------------------------------------------------------------------------------
    def _remember(self, episode_id: str, version: int, episode: SentinelEnvironment) -> None:
        self._cache[episode_id] = (version, episode)
        self._cache.move_to_end(episode_id)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _evict(self, now: float) -> None:
        self._db.execute("DELETE FROM episodes WHERE touched < ?", (now - self.idle_seconds,))
        (count,) = self._db.execute("SELECT COUNT(*) FROM episodes").fetchone()
        if count >= self.max_episodes:
            self._db.execute(
                "DELETE FROM episodes WHERE id IN (SELECT id FROM episodes ORDER BY touched LIMIT ?)",
                (count - self.max_episodes + 1,),
            )

    def _load(self, episode_id: str) -> tuple[int, SentinelEnvironment]:
        row = self._db.execute(
            "SELECT config, actions, version, touched FROM episodes WHERE id = ?", (episode_id,)
        ).fetchone()
        if row is None or row[3] < time.time() - self.idle_seconds:
            self._cache.pop(episode_id, None)
            raise EpisodeNotFoundError(
                f"no episode {episode_id!r} (unknown, deleted, or evicted after "
                f"{self.idle_seconds:.0f} s idle / beyond {self.max_episodes} episodes)"
            )
        config, actions, version, _ = row
        cached = self._cache.get(episode_id)
        if cached is not None and cached[0] == version:
            return version, cached[1]
        episode = _replayed(episode_id, json.loads(config), json.loads(actions))
        return version, episode

    # -- API -----------------------------------------------------------------------------------
    def create(self, options: dict[str, Any]) -> tuple[SentinelEnvironment, SentinelObservation]:
        episode_id = str(uuid.uuid4())
        episode = SentinelEnvironment()
        first = episode.reset(episode_id=episode_id, **options)  # validates the options first
        now = time.time()
        with self._lock:
            self._evict(now)
            self._db.execute(
                "INSERT INTO episodes VALUES (?, ?, ?, 0, ?, ?)", (episode_id, json.dumps(options), "[]", now, now)
            )
            self._remember(episode_id, 0, episode)
        return episode, first

    def get(self, episode_id: str) -> SentinelEnvironment:
        with self._lock:
            version, episode = self._load(episode_id)
            self._remember(episode_id, version, episode)
            return episode

    def step(self, episode_id: str, action: ResponderAction | OverseerAction) -> SentinelObservation:
        with self._lock:
            version, episode = self._load(episode_id)
            obs = episode.step(action)  # raises (and changes nothing) on bad input
            row = self._db.execute(
                "SELECT actions FROM episodes WHERE id = ? AND version = ?", (episode_id, version)
            ).fetchone()
            if row is None:
                self._cache.pop(episode_id, None)
                raise ConflictError(f"episode {episode_id} was changed by another request; retry")
            actions = json.loads(row[0])
            actions.append(action.model_dump(mode="json", exclude={"metadata"}))
            cur = self._db.execute(
                "UPDATE episodes SET actions = ?, version = ?, touched = ? WHERE id = ? AND version = ?",
                (json.dumps(actions), version + 1, time.time(), episode_id, version),
            )
            if cur.rowcount != 1:
                self._cache.pop(episode_id, None)
                raise ConflictError(f"episode {episode_id} was changed by another request; retry")
            self._remember(episode_id, version + 1, episode)
            return obs

    def delete(self, episode_id: str) -> None:
        with self._lock:
            cur = self._db.execute("DELETE FROM episodes WHERE id = ?", (episode_id,))
            self._cache.pop(episode_id, None)
            if cur.rowcount == 0:
                raise EpisodeNotFoundError(f"no episode {episode_id!r}")

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM episodes").fetchone()[0]


def _replayed(episode_id: str, options: dict[str, Any], actions: list[dict[str, Any]]) -> SentinelEnvironment:
    """Rebuild an episode from its reset options and accepted actions (episodes are deterministic)."""
    env = SentinelEnvironment()
    env.reset(episode_id=episode_id, **options)
    for data in actions:
        env.step(SentinelAction.model_validate(data).root)
    return env
