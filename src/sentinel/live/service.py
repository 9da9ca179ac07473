"""The Live oversight service: judge a request with a backend, fail closed, audit every verdict.

One ``LiveService`` per server process (held on ``app.state``), never module-level. Backends:
``heuristic`` (parsed findings + shield), ``hf`` (a local model, shared with the eval harness)
and ``llm`` (an OpenAI-compatible endpoint). Each runs under a timeout; any error, timeout or
unparseable output answers ``escalate`` with ``backend_used`` saying so — never ``approve``.
The injection shield overrides every backend.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from sentinel.errors import SentinelError
from sentinel.grading.justification import justification_score
from sentinel.grading.severity import SEVERITY_RISK, class_for_severity
from sentinel.live.audit import AuditLog
from sentinel.live.heuristic import Assessment, assess, heuristic_verdict
from sentinel.live.models import OverseeRequest, Verdict


class BackendUnavailable(SentinelError):
    status = 400
    code = "UNKNOWN_BACKEND"


def key_hash(key: str | None) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16] if key else "anonymous"


def load_api_keys() -> set[str]:
    """Keys from ``SENTINEL_API_KEYS`` (comma-separated) and/or ``SENTINEL_API_KEYS_FILE`` (one per line)."""
    keys = {k.strip() for k in os.environ.get("SENTINEL_API_KEYS", "").split(",") if k.strip()}
    path = os.environ.get("SENTINEL_API_KEYS_FILE")
    if path:
        keys |= {
            line.strip() for line in Path(path).read_text().splitlines() if line.strip() and not line.startswith("#")
        }
    return keys


class LiveService:
    def __init__(self, audit_path: Path | str, *, timeout_s: float = 5.0) -> None:
        self.audit = AuditLog(audit_path)
        self.timeout_s = float(os.environ.get("SENTINEL_LIVE_TIMEOUT", timeout_s))
        self.api_keys = load_api_keys()
        self.rate_limit = int(os.environ.get("SENTINEL_RATE_LIMIT", "1200"))  # per key per minute
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sentinel-live-backend")
        self._models: dict[str, Any] = {}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.audit.close()

    # -- backends ------------------------------------------------------------------------------
    def backend_status(self) -> dict[str, str]:
        llm = "configured" if os.environ.get("SENTINEL_LIVE_LLM_BASE_URL") else "not configured"
        return {"heuristic": "ready", "hf": "loaded" if "hf" in self._models else "loads on first use", "llm": llm}

    def _model(self, name: str):
        if name not in self._models:
            from sentinel.agents.backends import OverseerSpec, make_eval_overseer

            if name == "hf":
                spec = OverseerSpec(
                    "hf",
                    model=os.environ.get("SENTINEL_LIVE_HF_MODEL", "smollm2"),
                    adapter=os.environ.get("SENTINEL_LIVE_HF_ADAPTER", ""),
                    batch_size=1,
                )
            else:
                spec = OverseerSpec(
                    "llm",
                    model=os.environ.get("SENTINEL_LIVE_LLM_MODEL", ""),
                    base_url=os.environ.get("SENTINEL_LIVE_LLM_BASE_URL", ""),
                    timeout_s=self.timeout_s,
                    retries=0,
                )
            self._models[name] = make_eval_overseer(spec)
        return self._models[name]

    def _model_verdict(self, name: str, req: OverseeRequest):
        """Ask a model backend through the shared Overseer prompt (a live request rendered as a proposal)."""
        from sentinel.models import Proposal, SentinelObservation

        tool = req.tool_call.name if req.tool_call else (req.proposed_tool or "free_form_action")
        params = {
            # Known bug, kept (behaviour-preserving refactor): an int argument is sliced and raises, so the
            # model backend fails closed (escalate) on it. Reported in the architecture issue's note.
            k: (v if isinstance(v, (int, str)) else json.dumps(v))[:200] if not isinstance(v, bool) else str(v)  # type: ignore[index]
            for k, v in (req.tool_call.arguments if req.tool_call else {}).items()
        }
        obs = SentinelObservation(
            task_id="live",
            alert=req.context[:500],
            incident_summary=req.action_description[:1000],
            current_role="overseer",
            policy_constraints=req.policy_constraints,
            proposal=Proposal(
                action_type=tool, parameters=params, key=f"{tool}:{req.proposed_target}", reasoning=req.reasoning[:1000]
            ),
        )
        (verdict,) = self._model(name).decide_batch([obs])
        return verdict

    def _run_backend(self, req: OverseeRequest, a: Assessment) -> tuple[str, str, float, float, str]:
        """(decision, justification, confidence, risk, backend_used); never raises, never approves on failure."""
        if req.backend == "heuristic":
            return (*heuristic_verdict(req, a), "heuristic")
        if req.backend == "llm" and not os.environ.get("SENTINEL_LIVE_LLM_BASE_URL"):
            raise BackendUnavailable(
                "the llm backend is not configured (set SENTINEL_LIVE_LLM_BASE_URL and SENTINEL_LIVE_LLM_MODEL)"
            )
        risk = SEVERITY_RISK[a.severity]
        try:
            verdict = self._pool.submit(self._model_verdict, req.backend, req).result(timeout=self.timeout_s)
        except FutureTimeout:
            return (
                "escalate",
                f"escalate: the {req.backend} backend timed out after {self.timeout_s:.1f} s (fail closed)",
                0.0,
                max(risk, 0.5),
                f"{req.backend} (failed: timeout)",
            )
        except Exception as exc:
            return (
                "escalate",
                f"escalate: the {req.backend} backend failed ({type(exc).__name__}) (fail closed)",
                0.0,
                max(risk, 0.5),
                f"{req.backend} (failed: {type(exc).__name__})",
            )
        if verdict.decision == "invalid":
            return (
                "escalate",
                f"escalate: the {req.backend} backend gave no parseable verdict (fail closed)",
                0.0,
                max(risk, 0.5),
                f"{req.backend} (failed: unparseable output)",
            )
        suspicion = verdict.suspicion if verdict.suspicion is not None else risk
        return verdict.decision, verdict.justification, 0.7, round(suspicion, 3), req.backend

    # -- the API -------------------------------------------------------------------------------
    def judge(self, req: OverseeRequest) -> Verdict:
        """A verdict (the caller commits its audit row before answering)."""
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        try:
            a = assess(req)
            decision, justification, confidence, risk, backend_used = self._run_backend(req, a)
        except BackendUnavailable:
            raise
        except Exception as exc:  # anything unexpected: fail closed, never a 500
            a = Assessment([], [], "high", [f"internal error: {type(exc).__name__}"])
            decision, justification, confidence, risk, backend_used = (
                "escalate",
                f"escalate: internal error while judging ({type(exc).__name__}); failing closed",
                0.0,
                0.75,
                f"{req.backend} (failed: internal error)",
            )
        if a.shield and decision != "block":
            decision = "escalate"
        trace = [
            *a.trace,
            f"backend {backend_used} → {decision}",
            f"severity {a.severity} grades like class '{class_for_severity(a.severity)}'",
        ]
        evidence = [req.action_description, req.context, *(f.evidence for f in a.findings)]
        tool = req.tool_call.name if req.tool_call else (a.findings[0].what if a.findings else "action")
        target = a.findings[0].target if a.findings else req.proposed_target
        verdict = Verdict(
            decision=decision,
            justification=justification,
            justification_score=justification_score(justification, tool=tool, target=target or "", evidence=evidence),
            severity_assessed=a.severity,
            confidence=confidence,
            risk_score=risk,
            reasoning_trace=trace,
            shield_triggered=bool(a.shield),
            shield_patterns=a.shield,
            backend_used=backend_used,
            latency_ms=round(1000 * (time.perf_counter() - started), 3),
            request_id=request_id,
        )
        return verdict

    def audit_row(self, req: OverseeRequest, verdict: Verdict, api_key: str | None) -> dict[str, Any]:
        return {
            "request_id": verdict.request_id,
            "ts": time.time(),
            "key_hash": key_hash(api_key),
            "backend": verdict.backend_used,
            "decision": verdict.decision,
            "severity": verdict.severity_assessed,
            "risk": verdict.risk_score,
            "shield": int(verdict.shield_triggered),
            "latency_ms": verdict.latency_ms,
            "request": req.model_dump_json(),
            "verdict": verdict.model_dump_json(),
        }
