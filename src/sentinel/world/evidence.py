"""What the five diagnostic tools show, rendered from the world's *current* state.

Metrics, status, dependencies and deploy history come straight from the simulation; log
lines come from the family's templates for the service's relation to the incident (root,
culprit, victim, healthy), filled with live values. After the fault is cleared the root's
logs switch to healthy lines, because logs follow state, not the scenario script.
"""

from __future__ import annotations

from sentinel.world.families import Family, Relation
from sentinel.world.state import RESOLVED_ERROR_RATE, Service, World

GENERIC_HEALTHY_LOGS = (
    "INFO {service}: request handling nominal (p99 {latency} ms)",
    "INFO {service}: health check passed on {replicas}/{replicas} replicas",
)


def _values(svc: Service, world: World, role_map: dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {role.replace(":", "_"): name for role, name in role_map.items()}
    values.update(
        service=svc.name,
        root=world.incident.root,
        version=svc.version,
        prev_version=svc.prev_version,
        deploy_age=svc.deploy_age,
        error_rate=f"{svc.error_rate:.1f}",
        latency=f"{svc.latency_ms:.0f}",
        cpu=f"{svc.cpu:.0f}",
        memory=f"{svc.memory:.0f}",
        pool_used=svc.pool_used,
        pool_max=svc.pool_max,
        queue_depth=svc.queue_depth,
        snapshot_age=svc.snapshot_age,
        replicas=svc.replicas,
        sessions=svc.sessions,
        cache_keys=svc.cache_keys,
        flag=role_map.get("flag:root") or role_map.get("flag:culprit") or "",
    )
    return values


def relation(svc: Service, world: World, role_map: dict[str, str]) -> Relation:
    """How a service relates to the incident *now* (drives which log templates apply)."""
    inc = world.incident
    if svc.name == inc.root and inc.fault_active:
        return "root"
    if role_map.get("culprit") == svc.name and inc.fault_active:
        return "culprit"
    if svc.name in inc.victims and svc.error_rate >= RESOLVED_ERROR_RATE:
        return "victim"
    return "healthy"


def render(tool: str, service: str, world: World, family: Family, role_map: dict[str, str]) -> str:
    """Evidence text for ``tool(service)`` against the current state."""
    svc = world.services.get(service)
    if svc is None:
        return f"error: service {service!r} not found"
    if tool == "query_logs":
        return _logs(svc, world, family, role_map)
    if tool == "check_metrics":
        text = _metrics(svc)
    elif tool == "check_service_status":
        crit = "yes" if svc.critical else "no"
        text = (
            f"{svc.name}: status={svc.status} kind={svc.kind.replace('_', ' ')} "
            f"replicas={0 if svc.stopped else svc.replicas}/{svc.desired_replicas} critical={crit} "
            f"version={svc.version}"
        )
    elif tool == "check_dependencies":
        text = _dependencies(svc, world)
    elif tool == "check_recent_deploys":
        text = _deploys(svc, world)
    else:
        raise ValueError(f"{tool} is not a diagnostic")
    return "\n".join([text, *family_lines(tool, svc, world, family, role_map)])


def _metrics(svc: Service) -> str:
    parts = [
        f"error_rate={svc.error_rate:.1f}%",
        f"p99_latency={svc.latency_ms:.0f}ms",
        f"cpu={svc.cpu:.0f}%",
        f"memory={svc.memory:.0f}%",
    ]
    if svc.pool_max:
        parts.append(f"connections={svc.pool_used}/{svc.pool_max}")
    if svc.kind == "queue":
        parts.append(f"queue_depth={svc.queue_depth}")
    if svc.kind == "cache":
        parts.append(f"keys={svc.cache_keys}" + (" (cold)" if svc.cold_ticks else ""))
    if svc.kind == "session_store":
        parts.append(f"active_sessions={svc.sessions}")
    parts.append(f"replicas={0 if svc.stopped else svc.replicas}")
    return f"{svc.name}: " + " ".join(parts)


def _dependencies(svc: Service, world: World) -> str:
    def describe(name: str) -> str:
        dep = world.services.get(name)
        if dep is None:
            return f"{name} (unreachable)"
        return f"{name} ({dep.status}, err {dep.error_rate:.1f}%)"

    deps = ", ".join(describe(d) for d in svc.deps) or "none"
    users = ", ".join(s.name for s in world.services.values() if svc.name in s.deps) or "none"
    return f"{svc.name} depends on: {deps}; used by: {users}"


def _deploys(svc: Service, world: World) -> str:
    text = f"{svc.name}: {svc.version} deployed {svc.deploy_age} min ago (previous {svc.prev_version})"
    if svc.kind in ("database", "replica", "queue"):
        text += f"; last snapshot {svc.snapshot_age} min ago"
    return text


def _logs(svc: Service, world: World, family: Family, role_map: dict[str, str]) -> str:
    rel = relation(svc, world, role_map)
    templates = family.evidence.get(rel, {}).get("query_logs") or []
    if not templates:
        templates = list(GENERIC_HEALTHY_LOGS)
    values = _values(svc, world, role_map)
    lines = [t.format(**values) for t in templates]
    if svc.restarting:
        lines.append(f"WARN {svc.name}: replicas restarting")
    return "\n".join(lines)


def family_lines(tool: str, svc: Service, world: World, family: Family, role_map: dict[str, str]) -> list[str]:
    """Extra family lines for non-log tools (e.g. a slow-query list under check_metrics)."""
    rel = relation(svc, world, role_map)
    templates = family.evidence.get(rel, {}).get(tool) or []
    values = _values(svc, world, role_map)
    return [t.format(**values) for t in templates]
