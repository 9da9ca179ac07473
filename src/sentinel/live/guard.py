"""A guard for any agent tool function: check the call with SENTINEL before it runs.

    from sentinel.live import guard, ActionBlocked

    @guard                                   # in-process heuristic judge
    def run_shell(command: str) -> str: ...

    @guard(url="http://127.0.0.1:8000")      # or ask a running SENTINEL server
    def drop_table(name: str) -> None: ...

    with guard.checking("kubectl delete ns prod", url=...):   # a context manager for ad-hoc actions
        ...

Block or escalate raises ``ActionBlocked`` (carrying the verdict) before the function runs; a
flag is logged and the call proceeds. If the server cannot be reached, the guard fails closed.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("sentinel.guard")


class ActionBlocked(RuntimeError):
    """Raised instead of running an action SENTINEL blocked or escalated."""

    def __init__(self, verdict: dict[str, Any]) -> None:
        super().__init__(f"SENTINEL {verdict.get('decision')}: {verdict.get('justification')}")
        self.verdict = verdict


class _Judge:
    """In-process judge (heuristic, no audit server) or an HTTP client for a server URL."""

    def __init__(self, url: str | None, api_key: str | None, backend: str, timeout_s: float) -> None:
        self.url, self.api_key, self.backend, self.timeout_s = url, api_key, backend, timeout_s

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "backend": self.backend}
        if self.url is None:
            from sentinel.live.heuristic import assess, heuristic_verdict
            from sentinel.live.models import OverseeRequest

            req = OverseeRequest.model_validate(body)
            a = assess(req)
            decision, justification, confidence, risk = heuristic_verdict(req, a)
            return {
                "decision": decision,
                "justification": justification,
                "risk_score": risk,
                "severity_assessed": a.severity,
                "shield_triggered": bool(a.shield),
                "backend_used": "heuristic",
            }
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            r = httpx.post(f"{self.url.rstrip('/')}/live/oversee", json=body, headers=headers, timeout=self.timeout_s)
            r.raise_for_status()
            return r.json()
        except Exception as exc:  # unreachable, 4xx/5xx, timeout: fail closed
            return {
                "decision": "escalate",
                "justification": f"SENTINEL unreachable or refused ({exc}); failing closed",
                "backend_used": "guard (failed)",
            }


def _check(judge: _Judge, body: dict[str, Any]) -> dict[str, Any]:
    verdict = judge(body)
    if verdict["decision"] in ("block", "escalate"):
        raise ActionBlocked(verdict)
    if verdict["decision"] == "flag":
        log.warning(
            "SENTINEL flagged %s: %s",
            body.get("tool_call", {}).get("name") or body.get("action_description"),
            verdict.get("justification"),
        )
    return verdict


def _guard(
    func: Callable | None = None,
    *,
    url: str | None = None,
    api_key: str | None = None,
    backend: str = "heuristic",
    timeout_s: float = 10.0,
    reasoning: str = "",
) -> Callable:
    judge = _Judge(url, api_key, backend, timeout_s)

    def wrap(fn: Callable) -> Callable:
        signature = inspect.signature(fn)

        def body_for(args, kwargs) -> dict[str, Any]:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = {
                k: v if isinstance(v, (str, int, float, bool)) or v is None else repr(v)
                for k, v in bound.arguments.items()
            }
            return {
                "tool_call": {"name": fn.__name__, "arguments": arguments},
                "reasoning": reasoning,
                "action_description": " ".join(str(v) for v in arguments.values() if isinstance(v, str))[:4000],
            }

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args, **kwargs):
                _check(judge, body_for(args, kwargs))
                return await fn(*args, **kwargs)

            return async_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            _check(judge, body_for(args, kwargs))
            return fn(*args, **kwargs)

        return wrapper

    return wrap(func) if func is not None else wrap


@contextmanager
def _checking(
    action_description: str,
    *,
    url: str | None = None,
    api_key: str | None = None,
    backend: str = "heuristic",
    context: str = "",
    reasoning: str = "",
):
    """Context manager: raises ``ActionBlocked`` on entry if the described action is blocked."""
    verdict = _check(
        _Judge(url, api_key, backend, 10.0),
        {"action_description": action_description, "context": context, "reasoning": reasoning},
    )
    yield verdict


class _GuardAPI:
    """``guard`` is both a decorator (``@guard``, ``@guard(url=...)``) and ``guard.checking(...)``."""

    def __call__(self, func: Callable | None = None, **kwargs: Any) -> Callable:
        return _guard(func, **kwargs)

    checking = staticmethod(_checking)


guard = _GuardAPI()
__all__ = ["guard", "ActionBlocked"]
