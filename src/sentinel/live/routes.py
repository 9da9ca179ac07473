"""``/live/*`` routes: oversee (single and batch), stats, health, audit. Optional API keys with a
per-key rate limit computed from the shared audit store (so it holds across workers)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request

from sentinel.live.models import BatchRequest, OverseeRequest, Verdict
from sentinel.live.service import LiveService, key_hash
from sentinel.models import Decision, RiskSeverity

router = APIRouter(prefix="/live", tags=["SENTINEL/Live"])
RATE_WINDOW_S = 60.0


def service(request: Request) -> LiveService:
    return request.app.state.live


def api_key(request: Request, authorization: str | None = Header(default=None)) -> str | None:
    """Check ``Authorization: Bearer KEY`` when keys are configured (401), then the rate limit (429)."""
    live = service(request)
    if not live.api_keys:
        return None
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(401, "missing Authorization: Bearer <key>", headers={"WWW-Authenticate": "Bearer"})
    key = authorization[7:].strip()
    if key not in live.api_keys:
        raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
    used = live.audit.count_since(key_hash(key), time.time() - RATE_WINDOW_S)
    if used >= live.rate_limit:
        raise HTTPException(
            429,
            f"rate limit of {live.rate_limit} verdicts per minute reached for this key",
            headers={"Retry-After": str(int(RATE_WINDOW_S))},
        )
    return key


@router.post("/oversee", response_model=Verdict, summary="Judge one proposed action")
async def oversee(req: OverseeRequest, request: Request, key: str | None = Depends(api_key)) -> Verdict:
    live = service(request)
    verdict = live.judge(req)
    await live.audit.record([live.audit_row(req, verdict, key)])
    return verdict


@router.post("/oversee/batch", response_model=list[Verdict], summary="Judge up to 100 proposed actions")
async def oversee_batch(batch: BatchRequest, request: Request, key: str | None = Depends(api_key)) -> list[Verdict]:
    live = service(request)
    verdicts = [live.judge(item) for item in batch.items]
    await live.audit.record([live.audit_row(item, v, key) for item, v in zip(batch.items, verdicts, strict=True)])
    return verdicts


@router.get("/stats", summary="Lifetime totals and recent latency (shared across workers)")
def stats(request: Request, key: str | None = Depends(api_key)) -> dict[str, Any]:
    return service(request).audit.stats()


@router.get("/health", summary="Live API health and backends")
def health(request: Request) -> dict[str, Any]:
    live = service(request)
    return {
        "status": "ok",
        "backends": live.backend_status(),
        "auth_required": bool(live.api_keys),
        "audit_log": live.audit.path,
    }


@router.get("/audit", summary="Page and filter the audit log")
def audit(
    request: Request,
    key: str | None = Depends(api_key),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10**9),
    decision: Decision | None = None,
    severity: RiskSeverity | None = None,
    backend: str | None = Query(None, max_length=64),
    since: float | None = Query(None, ge=0),
) -> dict[str, Any]:
    return service(request).audit.page(
        limit=limit, offset=offset, decision=decision, backend=backend, severity=severity, since=since
    )
