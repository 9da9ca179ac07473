"""Golden transcripts: fixed seeds of every tier in every mode, played through the environment's
public API, must give exactly the stored observations, labels, rewards and grader.

Written before the architecture consolidation so that moving code cannot change behaviour.
Comparison is by field: every field stored in the golden file must still exist with the same
value (new fields may be added). ``SENTINEL_GOLDEN_WRITE=1 pytest tests/test_golden.py``
rewrites the file — only when a behaviour change is intended and said so in the commit.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from sentinel.env import SentinelEnvironment
from sentinel.models import OverseerAction, ResponderAction

GOLDEN = Path(__file__).parent / "golden" / "transcripts.json.gz"
TIERS = ("action_screen", "war_room", "drift_ops", "adversary")
MODES = ("train_overseer", "alternating", "train_responder")
SEEDS = (7, 4242)
EXTRA_PREVIEWS = (("oracle", 11), ("none", 12))
VERDICTS = ("approve", "flag", "block", "escalate", "approve", "invalid")
# Responder script for alternating / train_responder: a fixed cycle of tools; targets are chosen
# from the observation's service list, parameters from the observation's current (drifted) schema.
SCRIPT = (
    "check_metrics",
    "query_logs",
    "restart_service",
    "check_recent_deploys",
    "rollback_deploy",
    "scale_service",
    "clear_cache",
    "check_service_status",
    "submit_severity",
    "disable_feature_flag",
    "check_dependencies",
    "submit_root_cause",
    "execute_runbook_step",
    "scale_service",
    "submit_resolution",
)


def _overseer(obs, i: int) -> OverseerAction:
    decision = VERDICTS[i % len(VERDICTS)]
    p = obs.proposal
    target = p.key.split(":")[1] if p is not None and ":" in p.key else ""
    return OverseerAction(
        decision=decision,
        suspicion=None if i % 3 else round(0.1 * (i % 10), 2),
        justification=f"{decision} {p.action_type if p else ''} on {target}: {obs.alert[:60]}",
    )


def _responder(obs, i: int) -> ResponderAction:
    tool = SCRIPT[i % len(SCRIPT)]
    services = obs.services
    service = services[(i * 7 + 3) % len(services)]
    values: dict[str, Any] = {
        "service": service,
        "target_service": service,
        "service_name": service,
        "replicas": (0, 1, 4)[i % 3],
        "flag": f"flag-{i}",
        "severity": ("P1", "P2")[i % 2],
        "failure_mode": "bad_deploy",
        "summary": f"Resolved {service}",
        "runbook_action": "restart_pods",
        "to_version": "v1.0.0",
        "cache_name": service,
        "replica_count": 2,
        "runbook": "restart_pods",
        "reason": "incident",
    }
    params = {name: values.get(name, "x") for name in obs.tools.get(tool, [])}
    if i % 5 == 4:  # sometimes a stale or wrong parameter name, to exercise rejection paths
        params = {("service" if "service" not in params else "svc"): service, **params}
    return ResponderAction(action_type=tool, parameters=params, reasoning=f"step {i} on {service}")


def _play(task: str, seed: int, mode: str, preview: str) -> dict[str, Any]:
    env = SentinelEnvironment()
    obs = env.reset(task_id=task, seed=seed, mode=mode, preview=preview)
    steps: list[dict[str, Any]] = [{"obs": obs.model_dump()}]
    i = 0
    while not obs.done and i < 80:
        if obs.current_role == "overseer":
            action: OverseerAction | ResponderAction = _overseer(obs, i)
        else:
            action = _responder(obs, i)
        try:
            obs = env.step(action)
            steps.append({"obs": obs.model_dump()})
        except ValueError as exc:  # typed refusals are part of the behaviour too
            steps.append({"error": str(exc)})
            if isinstance(action, ResponderAction):  # fall back to a plain diagnostic
                obs = env.step(
                    ResponderAction(
                        action_type="check_metrics", parameters={obs.tools["check_metrics"][0]: obs.services[0]}
                    )
                )
                steps.append({"obs": obs.model_dump()})
        i += 1
    state = env.state.model_dump()
    state.pop("episode_id")
    return {"task": task, "seed": seed, "mode": mode, "preview": preview, "steps": steps, "state": state}


def _cases() -> list[tuple[str, int, str, str]]:
    cases = [(t, s, m, "simulated") for t in TIERS for m in MODES for s in SEEDS]
    cases += [(t, s, "train_overseer", p) for t in TIERS for p, s in EXTRA_PREVIEWS]
    return cases


def _contains(old: Any, new: Any, path: str) -> str | None:
    """Where ``new`` differs from ``old`` on a field ``old`` has (``None`` if nowhere)."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return f"{path}: expected an object"
        for key, value in old.items():
            if key in ("episode_id",):
                continue
            if key not in new:
                return f"{path}.{key}: missing"
            where = _contains(value, new[key], f"{path}.{key}")
            if where:
                return where
        return None
    if isinstance(old, list):
        if not isinstance(new, list) or len(old) != len(new):
            return f"{path}: list length {len(old)} vs {len(new) if isinstance(new, list) else type(new).__name__}"
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            where = _contains(a, b, f"{path}[{i}]")
            if where:
                return where
        return None
    return None if old == new else f"{path}: {old!r} != {new!r}"


def _normalise(data: Any) -> Any:
    return json.loads(json.dumps(data))  # tuples -> lists, as stored


@pytest.mark.skipif(os.environ.get("SENTINEL_GOLDEN_WRITE") != "1", reason="writes the golden file only on request")
def test_write_golden():
    GOLDEN.parent.mkdir(exist_ok=True)
    data = [_play(*case) for case in _cases()]
    with gzip.open(GOLDEN, "wt", encoding="utf-8") as fh:
        json.dump(data, fh, sort_keys=True)


@pytest.mark.skipif(os.environ.get("SENTINEL_GOLDEN_WRITE") == "1", reason="the golden file is being written")
def test_golden_transcripts_unchanged():
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as fh:
        stored = json.load(fh)
    assert [(g["task"], g["seed"], g["mode"], g["preview"]) for g in stored] == _cases()
    for golden in stored:
        now = _normalise(_play(golden["task"], golden["seed"], golden["mode"], golden["preview"]))
        where = _contains(golden, now, f"{golden['task']}/{golden['seed']}/{golden['mode']}/{golden['preview']}")
        assert where is None, where
