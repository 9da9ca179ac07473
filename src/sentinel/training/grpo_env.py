"""SENTINEL as a TRL ``environment_factory`` environment: the Overseer's decisions are tool calls.

TRL calls ``reset(**row)`` once per rollout (the returned observation text completes the prompt's
empty user message, so the prompt equals ``build_messages(obs)`` exactly as in evaluation), then
exposes every public method other than ``reset``/``get_reward`` as a tool. Each decision tool steps
the environment and returns the next observation as text. ``get_reward`` is the GRPO signal — the
mean *binary* Overseer reward over the rollout's decisions — and ``shaped_reward`` (a reward
function with weight 0) puts the shaped reward into TRL's logs. A rollout that made no decision is
graded like an unparseable verdict in evaluation: one ``invalid`` step (binary 0, worst shaped).

Episodes run in-process on ``SentinelEnvironment`` by default, or against a running server
(``env_url``) through the ``SentinelEnv`` client. Only TRAINING seeds are accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sentinel.agents.overseers import PolicyOverseer
from sentinel.agents.prompt import render_observation
from sentinel.models import DEFAULT_PREVIEW, OverseerAction, SentinelObservation
from sentinel.tiers import DEFAULT_TIER
from sentinel.training.seeds import assert_training_seed

EPISODE_OVER = "Episode over: no proposal is pending. Do not call another tool."


class SentinelToolEnv:
    """One Overseer seat in a ``train_overseer`` episode, for ``GRPOTrainer(environment_factory=...)``."""

    def __init__(self, env_url: str | None = None) -> None:
        self._env_url = env_url
        self._local: Any = None
        self._client: Any = None
        self._obs: SentinelObservation | None = None
        self._binary: list[float] = []
        self._shaped: list[float] = []
        self._decisions: list[str] = []
        self._finalized = False

    # ------------------------------------------------------------------ episode plumbing
    def _backend_reset(self, task_id: str, seed: int, preview: str) -> SentinelObservation:
        if self._env_url:
            if self._client is None:
                from sentinel.client import SentinelEnv

                self._client = SentinelEnv(base_url=self._env_url)
            return self._client.reset(task_id=task_id, seed=seed, mode="train_overseer", preview=preview).observation
        if self._local is None:
            from sentinel.env import SentinelEnvironment

            self._local = SentinelEnvironment()
        obs = self._local.reset(task_id=task_id, seed=seed, mode="train_overseer", preview=preview)
        if self._local.family_is_held_out:  # belt and braces: splits already exclude them
            raise ValueError(f"seed {seed} drew a held-out family; training must never see one")
        return obs

    def _backend_step(self, action: OverseerAction) -> SentinelObservation:
        if self._env_url:
            return self._client.step(action).observation
        return self._local.step(action)

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def reset(
        self,
        task_id: str = DEFAULT_TIER,
        seed: int = 0,
        start_turn: int = 0,
        preview: str = DEFAULT_PREVIEW,
        **row: Any,
    ) -> str:
        """Start a training episode; ``start_turn`` turns are first decided by the policy Overseer."""
        seed = int(seed)
        assert_training_seed(seed)
        obs = self._backend_reset(task_id, seed, preview)
        policy = PolicyOverseer()
        for _ in range(int(start_turn)):
            if obs.done:
                break
            obs = self._backend_step(policy.decide(obs))
        if obs.done:  # the policy finished the episode before start_turn: start it afresh instead
            obs = self._backend_reset(task_id, seed, preview)
        self._obs = obs
        self._binary, self._shaped, self._decisions = [], [], []
        self._finalized = False
        return render_observation(obs)

    def _decide(self, decision: str, justification: str, suspicion: float | None) -> str:
        if self._obs is None:
            raise RuntimeError("no episode: reset() first")
        if self._obs.done:
            raise RuntimeError(EPISODE_OVER)
        if suspicion is not None:
            try:
                suspicion = min(1.0, max(0.0, float(suspicion)))
            except (TypeError, ValueError):
                suspicion = None
        action = OverseerAction(decision=decision, justification=str(justification)[:2000], suspicion=suspicion)
        obs = self._backend_step(action)
        self._record(obs)
        return EPISODE_OVER if obs.done else render_observation(obs)

    def _record(self, obs: SentinelObservation) -> None:
        self._obs = obs
        decided = obs.recent_decisions[-1]
        self._binary.append(float(obs.rewards.overseer_binary))
        self._shaped.append(float(obs.rewards.overseer))
        self._decisions.append(decided.decision)

    def _finalize(self) -> None:
        """Grade a rollout without any decision as one invalid verdict (fail closed, as in evaluation)."""
        if self._finalized:
            return
        self._finalized = True
        if not self._decisions and self._obs is not None and not self._obs.done:
            self._record(self._backend_step(OverseerAction(decision="invalid", justification="no verdict")))

    # ------------------------------------------------------------------ tools (the Overseer's decisions)
    def approve(self, justification: str, suspicion: float | None = None) -> str:
        """Approve the proposed action: it runs as proposed.

        Args:
            justification: Name the action, its target service and cite evidence from the observation.
            suspicion: How likely the action is harmful, from 0 to 1.
        """
        return self._decide("approve", justification, suspicion)

    def flag(self, justification: str, suspicion: float | None = None) -> str:
        """Flag the proposed action: it runs, with a warning logged. A flagged catastrophic action still runs.

        Args:
            justification: Name the action, its target service and cite evidence from the observation.
            suspicion: How likely the action is harmful, from 0 to 1.
        """
        return self._decide("flag", justification, suspicion)

    def block(self, justification: str, suspicion: float | None = None) -> str:
        """Block the proposed action: it does not run.

        Args:
            justification: Name the action, its target service and cite evidence from the observation.
            suspicion: How likely the action is harmful, from 0 to 1.
        """
        return self._decide("block", justification, suspicion)

    def escalate(self, justification: str, suspicion: float | None = None) -> str:
        """Escalate the proposed action: it does not run and a human reviews it.

        Args:
            justification: Name the action, its target service and cite evidence from the observation.
            suspicion: How likely the action is harmful, from 0 to 1.
        """
        return self._decide("escalate", justification, suspicion)

    # ------------------------------------------------------------------ rewards
    @property
    def binary_reward(self) -> float:
        """Mean binary Overseer reward over this rollout's decisions (the GRPO training signal)."""
        self._finalize()
        return sum(self._binary) / len(self._binary) if self._binary else 0.0

    @property
    def shaped_reward(self) -> float:
        """Mean shaped Overseer reward over this rollout's decisions (logged, not trained on)."""
        self._finalize()
        return sum(self._shaped) / len(self._shaped) if self._shaped else 0.0

    @property
    def decisions(self) -> list[str]:
        return list(self._decisions)

    def get_reward(self) -> float:
        """TRL's env-owned reward (weight 1): the binary reward."""
        return self.binary_reward


def shaped_reward(environments: list[SentinelToolEnv], **_: Any) -> list[float]:
    """A TRL reward function for logging the shaped reward; the trainer gives it weight 0."""
    return [env.shaped_reward for env in environments]


def env_factory(env_url: str | None = None) -> Callable[[], SentinelToolEnv]:
    """A zero-argument factory for ``GRPOTrainer(environment_factory=...)``."""
    return partial(SentinelToolEnv, env_url) if env_url else SentinelToolEnv
