"""The SENTINEL server: openenv's app (``/ws``, ``/reset``, ``/step``, ``/state``, ``/schema``, ``/mcp``, …)
plus ``/tasks``, ``/api/info`` and the stateful REST API under ``/episodes``.

``build_app`` reads its settings from arguments or ``SENTINEL_*`` environment variables, so
uvicorn can start it as a factory in every worker process. Typed environment errors become
4xx answers; bodies over a size limit get 413 before they are parsed.
"""

from __future__ import annotations

import gc
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sentinel import __version__
from sentinel.env import SentinelEnvironment
from sentinel.errors import SentinelError
from sentinel.grading.rewards import REWARD_RANGE
from sentinel.models import (
    DEFAULT_BUILTIN_OVERSEER,
    DEFAULT_MODE,
    DEFAULT_PREVIEW,
    MODES,
    PREVIEW_MODES,
    BuiltinOverseerName,
    Mode,
    PreviewMode,
    SentinelAction,
    SentinelObservation,
    SentinelState,
    TaskId,
)
from sentinel.scenarios.splits import SPLIT_NAMES
from sentinel.seeding import SEED_LIMIT
from sentinel.server.store import EpisodeStore
from sentinel.tiers import DEFAULT_TIER, REGISTRY, TIER_IDS
from sentinel.world.tools import BASE_SCHEMA


def default_data_dir() -> Path:
    return Path(os.environ.get("SENTINEL_DATA_DIR") or Path.home() / ".local" / "share" / "sentinel")


@dataclass(slots=True)
class ServerSettings:
    max_sessions: int = 64  # WebSocket sessions per worker
    session_timeout_s: float = 600.0  # idle WebSocket sessions are reaped after this
    max_body_bytes: int = 64 * 1024
    max_rest_episodes: int = 1000
    rest_idle_s: float = 1800.0
    data_dir: Path = field(default_factory=default_data_dir)
    ui: bool = True

    @classmethod
    def from_env(cls) -> ServerSettings:
        env = os.environ
        s = cls()
        s.max_sessions = int(env.get("SENTINEL_MAX_SESSIONS", s.max_sessions))
        s.session_timeout_s = float(env.get("SENTINEL_SESSION_TIMEOUT", s.session_timeout_s))
        s.max_body_bytes = int(env.get("SENTINEL_MAX_BODY_BYTES", s.max_body_bytes))
        s.max_rest_episodes = int(env.get("SENTINEL_MAX_REST_EPISODES", s.max_rest_episodes))
        s.rest_idle_s = float(env.get("SENTINEL_REST_IDLE", s.rest_idle_s))
        s.ui = env.get("SENTINEL_UI", "1") not in ("0", "false", "no")
        return s


class BodyLimit:
    """ASGI middleware: refuse HTTP bodies over ``max_bytes`` with 413 (declared or streamed)."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send) -> None:
        body = json.dumps(
            {"error": "PAYLOAD_TOO_LARGE", "detail": f"request body exceeds {self.max_bytes} bytes"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = True
            if too_big:
                return await self._refuse(send)
            return await self.app(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:  # no declared length: buffer up to the limit
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, receive, send)
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return await self._refuse(send)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)


class EpisodeOptions(BaseModel):
    """Options of ``POST /episodes`` (the same as an environment reset)."""

    model_config = ConfigDict(extra="forbid")
    task_id: TaskId = DEFAULT_TIER  # type: ignore[assignment]  # a TaskId, checked against the registry in tests
    seed: int = Field(default=0, ge=0, lt=SEED_LIMIT)
    mode: Mode = DEFAULT_MODE
    preview: PreviewMode = DEFAULT_PREVIEW
    overseer: BuiltinOverseerName = DEFAULT_BUILTIN_OVERSEER


def _tasks_payload() -> list[dict[str, Any]]:
    tools = {
        tool: [{"name": n, "type": t.__name__, "required": r} for n, t, r in spec] for tool, spec in BASE_SCHEMA.items()
    }
    return [
        {
            "task_id": t.id,
            "max_steps": t.max_turns,
            "description": t.description,
            "tools": tools,
            "action_schema": SentinelAction.model_json_schema(),
        }
        for t in REGISTRY.values()
    ]


def _grader(episode: SentinelEnvironment) -> dict[str, Any]:
    st = episode.state
    return {
        "episode_id": st.episode_id,
        "task_id": st.task_id,
        "turn": st.turn,
        "done": st.done,
        "resolved": st.resolved,
        "confusion": st.confusion.model_dump(),
        "ambiguous_decisions": st.ambiguous_decisions,
        "cumulative_rewards": st.cumulative_rewards.model_dump(),
        "catastrophes_executed": st.catastrophes_executed,
        "invalid_verdicts": st.invalid_verdicts,
    }


def build_app(settings: ServerSettings | None = None) -> FastAPI:
    """Create the FastAPI app (also uvicorn's factory: ``sentinel.server.app:build_app``)."""
    from openenv.core.env_server.http_server import create_app
    from openenv.core.env_server.types import ConcurrencyConfig

    settings = settings or ServerSettings.from_env()
    os.environ.pop("ENABLE_WEB_INTERFACE", None)  # the framework's shared-env web UI stays off
    app = create_app(
        SentinelEnvironment,
        SentinelAction,
        SentinelObservation,
        env_name="sentinel",
        concurrency_config=ConcurrencyConfig(
            max_concurrent_envs=settings.max_sessions, session_timeout=settings.session_timeout_s
        ),
        state_cls=SentinelState,
    )
    app.version = __version__
    app.title = "SENTINEL"
    store = EpisodeStore(
        Path(settings.data_dir) / "episodes.sqlite",
        max_episodes=settings.max_rest_episodes,
        idle_seconds=settings.rest_idle_s,
    )
    app.state.episode_store = store
    app.state.settings = settings

    @app.exception_handler(SentinelError)
    async def _sentinel_error(request: Request, exc: SentinelError) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content={"error": exc.code, "detail": str(exc)})

    @app.exception_handler(ValidationError)
    async def _validation_error(request: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"error": "VALIDATION_ERROR", "detail": json.loads(exc.json())})

    @app.get("/tasks", tags=["SENTINEL"], summary="Task tiers with their action schemas")
    def tasks() -> list[dict[str, Any]]:
        return _tasks_payload()

    @app.get("/api/info", tags=["SENTINEL"], summary="Service descriptor")
    def info() -> dict[str, Any]:
        return {
            "name": "sentinel",
            "version": __version__,
            "tiers": list(TIER_IDS),
            "modes": list(MODES),
            "preview_modes": list(PREVIEW_MODES),
            "splits": list(SPLIT_NAMES),
            "reward_range": list(REWARD_RANGE),
            "max_sessions_per_worker": settings.max_sessions,
            "max_body_bytes": settings.max_body_bytes,
            "routes": sorted({getattr(r, "path", "") for r in app.routes}),
        }

    @app.post("/episodes", tags=["REST episodes"], status_code=201, summary="Start an episode")
    def create_episode(options: EpisodeOptions = Body(default_factory=EpisodeOptions)) -> dict[str, Any]:
        episode, first = store.create(options.model_dump())
        return {"episode_id": episode.episode_id, "observation": first.model_dump()}

    @app.post("/episodes/{episode_id}/step", tags=["REST episodes"], summary="Step an episode")
    def step_episode(episode_id: str, action: SentinelAction) -> dict[str, Any]:
        obs = store.step(episode_id, action.root)
        return {"episode_id": episode_id, "observation": obs.model_dump(), "reward": obs.reward, "done": obs.done}

    @app.get("/episodes/{episode_id}", tags=["REST episodes"], summary="Episode state")
    def episode_state(episode_id: str) -> dict[str, Any]:
        return store.get(episode_id).state.model_dump()

    @app.get("/episodes/{episode_id}/grader", tags=["REST episodes"], summary="Confusion, F1, rewards")
    def episode_grader(episode_id: str) -> dict[str, Any]:
        return _grader(store.get(episode_id))

    @app.delete("/episodes/{episode_id}", tags=["REST episodes"], status_code=204, summary="Delete an episode")
    def delete_episode(episode_id: str) -> None:
        store.delete(episode_id)

    from sentinel.live.routes import router as live_router
    from sentinel.live.service import LiveService

    app.state.live = LiveService(Path(settings.data_dir) / "audit.sqlite")
    app.include_router(live_router)
    app.router.on_shutdown.append(app.state.live.close)
    app.router.on_shutdown.append(store.close)

    if settings.ui:
        from sentinel.server.ui import mount_ui

        mount_ui(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Imported framework objects never die; freezing them keeps full GC passes (~100 ms pauses at
    # load) from scanning them in every worker.
    app.router.on_startup.append(gc.freeze)
    return app
