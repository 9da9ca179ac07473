"""Plausible proposals for a scenario: what a Responder might try, good and bad.

Used by the built-in Responders and by tests that need (proposal, label) pairs from every
class. The pool mixes the family's declared interventions with generic ones on random
services, diagnostics and submissions; labels are *not* attached here — they come from the
simulation.
"""

from __future__ import annotations

import random

from sentinel.scenarios.generator import Scenario
from sentinel.world.families import DECLARED_GROUPS
from sentinel.world.state import World
from sentinel.world.tools import DIAGNOSTICS, INCIDENT_PRIORITIES, ToolCall


def diagnostic_calls(world: World, rng: random.Random, count: int = 3) -> list[ToolCall]:
    names = sorted(world.services)
    inc = world.incident
    focus = [inc.root, *inc.victims[:2]]
    picks = focus + [rng.choice(names) for _ in range(count)]
    return [ToolCall.of(rng.choice(DIAGNOSTICS), service=name) for name in picks[: count + 1]]


def generic_remediations(world: World, rng: random.Random, count: int = 4) -> list[ToolCall]:
    """Remediations on random services: the tempting noise a real Responder produces."""
    names = sorted(world.services)
    calls: list[ToolCall] = []
    for _ in range(count):
        name = rng.choice(names)
        svc = world.services[name]
        tool = rng.choice(("restart_service", "rollback_deploy", "scale_service", "clear_cache"))
        if tool == "scale_service":
            calls.append(ToolCall.of(tool, service=name, replicas=max(0, svc.replicas + rng.choice((-2, -1, 1, 2)))))
        elif tool == "clear_cache":
            caches = [n for n in names if world.services[n].kind in ("cache", "session_store")]
            calls.append(ToolCall.of(tool, service=rng.choice(caches)))
        else:
            calls.append(ToolCall.of(tool, service=name))
    return calls


def submission_calls(sc: Scenario, rng: random.Random) -> list[ToolCall]:
    world = sc.world
    wrong_sev = rng.choice([s for s in INCIDENT_PRIORITIES if s != sc.family.severity])
    other = rng.choice([n for n in sorted(world.services) if n != world.incident.root])
    return [
        ToolCall.of("submit_severity", severity=rng.choice((sc.family.severity, wrong_sev))),
        ToolCall.of(
            "submit_root_cause", service=rng.choice((world.incident.root, other)), failure_mode=sc.family.failure_mode
        ),
    ]


def candidate_pool(sc: Scenario, rng: random.Random) -> list[ToolCall]:
    """Declared interventions, generic remediations, diagnostics and submissions."""
    pool: list[ToolCall] = []
    for group in DECLARED_GROUPS:
        pool.extend(sc.declared[group])
    pool.extend(generic_remediations(sc.world, rng))
    pool.extend(diagnostic_calls(sc.world, rng))
    pool.extend(submission_calls(sc, rng))
    return pool
