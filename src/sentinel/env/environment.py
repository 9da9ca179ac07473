"""SENTINEL as an openenv ``Environment`` (one instance per session; concurrent sessions allowed).

The one public API of an episode: the server, the UI, the REST store, the eval runner and
training all go through it. It unwraps the discriminated action union, delegates to ``Episode``,
and exposes openenv's task-provider methods over our splits so the framework's task routes answer.
"""

from __future__ import annotations

from typing import Any

from openenv.core.env_server.interfaces import Environment
from openenv.core.env_server.types import EnvironmentMetadata

from sentinel import __version__
from sentinel.env.episode import Episode
from sentinel.errors import NotResetError, SentinelError
from sentinel.models import (
    DEFAULT_BUILTIN_OVERSEER,
    OverseerAction,
    ResponderAction,
    SentinelAction,
    SentinelObservation,
    SentinelState,
)
from sentinel.scenarios.splits import SPLIT_NAMES, split_episodes

MAX_TASK_RANGE = 1000


class SentinelEnvironment(Environment[SentinelAction, SentinelObservation, SentinelState]):
    """Multi-agent oversight environment: Responder → Overseer → World."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self) -> None:
        super().__init__()
        self._current: Episode | None = None  # private: callers use the methods and properties

    def reset(
        self,
        seed: int | None = None,
        episode_id: str | None = None,
        task_id: str | None = None,
        mode: str | None = None,
        preview: str | None = None,
        overseer: str = DEFAULT_BUILTIN_OVERSEER,
        **kwargs: Any,
    ) -> SentinelObservation:
        if kwargs:
            raise SentinelError(
                f"unknown reset option(s) {sorted(kwargs)}; expected seed, episode_id, task_id, mode, preview, overseer"
            )
        self._current = Episode(
            task_id=task_id, seed=seed, mode=mode, preview=preview, episode_id=episode_id, overseer=overseer
        )
        return self._current.observation()

    def step(
        self, action: SentinelAction | ResponderAction | OverseerAction, timeout_s: float | None = None, **kwargs: Any
    ) -> SentinelObservation:
        if self._current is None:
            raise NotResetError(
                "call reset() before step(). HTTP POST /step is stateless (a fresh environment "
                "per request); play episodes over the WebSocket /ws or the REST API /episodes"
            )
        inner = action.root if isinstance(action, SentinelAction) else action
        obs, _ = self._current.step(inner)  # the observation already carries the reward
        return obs

    # The framework runs a sync step on a per-session thread executor unless these are overridden.
    # A SENTINEL step is short CPU work (~0.2 ms), so running it inline on the event loop is
    # cheaper than the thread hop and keeps per-session ordering trivially.
    async def reset_async(
        self,
        seed: int | None = None,
        episode_id: str | None = None,
        task_id: str | None = None,
        mode: str | None = None,
        preview: str | None = None,
        overseer: str = DEFAULT_BUILTIN_OVERSEER,
        **kwargs: Any,
    ) -> SentinelObservation:
        return self.reset(
            seed=seed, episode_id=episode_id, task_id=task_id, mode=mode, preview=preview, overseer=overseer, **kwargs
        )

    async def step_async(
        self, action: SentinelAction | ResponderAction | OverseerAction, timeout_s: float | None = None, **kwargs: Any
    ) -> SentinelObservation:
        return self.step(action, timeout_s=timeout_s, **kwargs)

    @property
    def state(self) -> SentinelState:
        if self._current is None:
            return SentinelState()
        return self._current.state()

    @property
    def observation(self) -> SentinelObservation:
        """The current observation (what the agent whose turn it is sees), without a reward."""
        return self._episode().observation()

    @property
    def episode_id(self) -> str:
        return self._episode().episode_id

    @property
    def family_is_held_out(self) -> bool:
        """Whether this episode's incident family is held out (training must never see one)."""
        return self._episode().scenario.family.held_out

    def _episode(self) -> Episode:
        if self._current is None:
            raise NotResetError("call reset() first")
        return self._current

    def get_metadata(self) -> EnvironmentMetadata:
        return EnvironmentMetadata(
            name="sentinel",
            version=__version__,
            author="SENTINEL developers",
            description="Train and evaluate AI Overseers that approve, flag, block or escalate a cloud-ops "
            "agent's proposed actions in a simulated production system with simulation-derived labels.",
        )

    # -- openenv task-provider protocol over our splits ---------------------------------------
    def list_splits(self) -> list[str]:
        return list(SPLIT_NAMES)

    def _tasks(self, split: str) -> list[dict[str, Any]]:
        if split not in SPLIT_NAMES:
            raise SentinelError(f"unknown split {split!r}; expected one of {', '.join(SPLIT_NAMES)}")
        per_tier = None if split == "heldout50" else MAX_TASK_RANGE
        return [{"task_id": t, "seed": s} for t, s in split_episodes(split, per_tier=per_tier)]

    def list_tasks(self, split: str) -> list[dict[str, Any]]:
        return self._tasks(split)

    def num_tasks(self, split: str) -> int:
        return len(self._tasks(split))

    def get_task(self, split: str, index: int) -> dict[str, Any]:
        tasks = self._tasks(split)
        if not 0 <= index < len(tasks):
            raise SentinelError(f"task index {index} out of range for split {split!r} (0..{len(tasks) - 1})")
        return tasks[index]

    def get_task_range(self, split: str, start: int, stop: int) -> list[dict[str, Any]]:
        if stop - start > MAX_TASK_RANGE:
            raise SentinelError(f"at most {MAX_TASK_RANGE} tasks per range")
        return self._tasks(split)[start:stop]
