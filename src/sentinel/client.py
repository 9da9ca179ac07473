"""``SentinelEnv``: a typed openenv ``EnvClient`` for SENTINEL (sync and async, WebSocket ``/ws``).

with SentinelEnv(base_url="http://127.0.0.1:8000") as env:
    result = env.reset(task_id="war_room", seed=42)
    result = env.step(SentinelEnv.overseer("block", "rollback of orders-db loses 52,416 rows"))
"""

from __future__ import annotations

from typing import Any

from openenv.core.client_types import StepResult
from openenv.core.env_client import EnvClient

from sentinel.models import OverseerAction, ResponderAction, SentinelAction, SentinelObservation, SentinelState


class SentinelEnv(EnvClient[SentinelAction, SentinelObservation, SentinelState]):
    """Client for one SENTINEL session over the WebSocket."""

    def _step_payload(
        self, action: SentinelAction | ResponderAction | OverseerAction | dict[str, Any]
    ) -> dict[str, Any]:
        if isinstance(action, dict):
            action = SentinelAction.model_validate(action)
        inner = action.root if isinstance(action, SentinelAction) else action
        return inner.model_dump(mode="json", exclude={"metadata"})

    def _parse_result(self, payload: dict[str, Any]) -> StepResult[SentinelObservation]:
        data = dict(payload.get("observation", {}))
        data.update(reward=payload.get("reward"), done=payload.get("done", False))
        obs = SentinelObservation.model_validate(data)
        return StepResult(observation=obs, reward=payload.get("reward"), done=obs.done)

    def _parse_state(self, payload: dict[str, Any]) -> SentinelState:
        return SentinelState.model_validate(payload)

    @staticmethod
    def propose(action_type: str, reasoning: str = "", **parameters: str | int) -> ResponderAction:
        """A Responder action: ``SentinelEnv.propose("restart_service", service="auth-service")``."""
        return ResponderAction(action_type=action_type, parameters=parameters, reasoning=reasoning)

    @staticmethod
    def overseer(decision: str, justification: str = "", suspicion: float | None = None) -> OverseerAction:
        """An Overseer action: ``SentinelEnv.overseer("block", "…evidence…")``."""
        return OverseerAction(decision=decision, justification=justification, suspicion=suspicion)
