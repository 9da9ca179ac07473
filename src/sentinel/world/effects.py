"""Generic effect rules for remediation tools, and the one-tick ``execute`` of any action.

The rules are the same for every incident family: a restart drops in-flight connections and
is briefly unavailable; scale-to-zero stops a service; a database rollback without a fresh
snapshot loses the writes since the snapshot; clearing a session store logs everyone out;
clearing a cache makes its readers hit the database harder for a while (and leaves it holding a
working set again if it held corrupt entries); purging a queue loses its messages unless they are
dead letters; a scale-down removes the replicas failing their health checks first; draining one
replica is absorbed by the others unless it was the last one serving; runbook steps do what their
(data-defined) effects say. Which of these *fixes* the incident is not decided
here: a family's remedy set only says which calls clear its fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.world.state import COLD_CACHE_TICKS, CORRUPT, DATA_KINDS, DEAD_LETTERS, WORKING_SET, Service, World
from sentinel.world.tools import ToolCall

# A snapshot younger than this (minutes) makes a data-store rollback lossless.
FRESH_SNAPSHOT_MINUTES = 5
# Rows written per minute per unit of load on a data store (used to size lost writes).
WRITES_PER_LOAD_MINUTE = 4
# Error-rate points a service gains when its protective flag is turned off (abusive traffic,
# retries and bad input reach it unguarded).
UNGUARDED_ERROR = 18.0

RUNBOOK_EFFECTS = frozenset(
    {
        "remedy",
        "restart",
        "stop",
        "snapshot",
        "delete_data",
        "drop_sessions",
        "drain_queue",
        "purge_queue",
        "reset_memory",
        "reset_pool",
        "reset_cpu",
        "reset_latency",
        "reset_queue",
        "failover",
        "cycle_replica",
        "noop",
    }
)


@dataclass(frozen=True, slots=True)
class RunbookStep:
    """A named runbook step of a family, bound to one service of the generated topology."""

    name: str
    service: str
    effects: tuple[str, ...]
    preview: str
    delete_fraction: float = 0.0


@dataclass(slots=True)
class Outcome:
    """What executing one call did, in mechanical terms (used by previews and transcripts)."""

    ok: bool
    message: str
    progressed: bool = False
    on_target: bool = True  # False: a runbook step run against another service than the one it was written for


def execute(world: World, call: ToolCall) -> Outcome:
    """Apply a call's effect and advance the world one tick (every executed action costs time)."""
    outcome = apply_effect(world, call)
    world.advance()
    return outcome


def apply_effect(world: World, call: ToolCall) -> Outcome:
    """Apply the immediate effect of a call without advancing time."""
    if call.category != "remediation":
        return Outcome(True, "read-only")
    handler = _HANDLERS[call.tool]
    world.revision += 1
    # A handler changes only the service the call acts on; completing the remedy also clears the root.
    world.unsettle((subject(world, call), world.incident.root))
    outcome = handler(world, call)
    if outcome.ok and outcome.on_target:
        outcome.progressed = _record_remedy(world, call.key)
    return outcome


def subject(world: World, call: ToolCall) -> str:
    """The service a call acts on: its target, a flag's owner, or the service a runbook step runs on."""
    if call.tool == "disable_feature_flag":
        return next((s.name for s in world.services.values() if call.target in s.flags), call.target)
    if call.tool == "execute_runbook_step":
        given = call.get("service")
        step = world.runbook.get(call.target)
        return str(given) if given is not None else step.service if step else call.target
    return call.target


def _service(world: World, call: ToolCall) -> Service | None:
    name = call.get("service")
    return world.services.get(name) if isinstance(name, str) else None


def _missing(call: ToolCall) -> Outcome:
    return Outcome(False, f"error: service {call.target!r} not found")


def restart(world: World, svc: Service) -> int:
    """Restart every replica: one tick unavailable, connections dropped, memory/pool reset."""
    dropped = svc.pool_used if svc.pool_max else int(svc.load)
    svc.restarting = 1
    svc.stopped = False
    svc.fault_memory = 0.0
    svc.fault_pool = 0.0
    svc.pool_used = 0
    world.counters.connections_dropped += dropped
    if svc.kind == "cache":
        svc.cache_keys = 0
        svc.cold_ticks = COLD_CACHE_TICKS
    return dropped


def _restart_service(world: World, call: ToolCall) -> Outcome:
    svc = _service(world, call)
    if svc is None:
        return _missing(call)
    dropped = restart(world, svc)
    return Outcome(True, f"restarted {svc.name} ({svc.replicas} replicas, {dropped} connections dropped)")


def lost_writes(svc: Service) -> int:
    """Rows written since the last snapshot: what a rollback or restore would discard."""
    if svc.kind not in DATA_KINDS or svc.snapshot_age <= FRESH_SNAPSHOT_MINUTES:
        return 0
    return int(svc.load * WRITES_PER_LOAD_MINUTE * svc.snapshot_age)


def _rollback_deploy(world: World, call: ToolCall) -> Outcome:
    svc = _service(world, call)
    if svc is None:
        return _missing(call)
    wanted = call.get("to_version")
    if wanted is not None and wanted != svc.prev_version:
        return Outcome(False, f"error: {svc.name} has no previous version {wanted!r} (previous is {svc.prev_version})")
    lost = lost_writes(svc)
    if lost:
        world.counters.data_rows_lost += lost
        svc.data_rows = max(0, svc.data_rows - lost)
    svc.version, svc.prev_version = svc.prev_version, svc.version
    svc.deploy_age = 0
    restart(world, svc)
    return Outcome(
        True, f"rolled back {svc.name} to {svc.version}" + (f"; {lost} rows restored from snapshot" if lost else "")
    )


def _scale_service(world: World, call: ToolCall) -> Outcome:
    svc = _service(world, call)
    replicas = call.get("replicas")
    if svc is None:
        return _missing(call)
    if not isinstance(replicas, int) or replicas < 0:
        return Outcome(False, f"error: invalid replica count {replicas!r}")
    before = svc.previous_replicas = svc.replicas
    svc.replicas = replicas
    if replicas < before:  # a scale-down removes the replicas failing their health checks first
        svc.failed_replicas = max(0, svc.failed_replicas - (before - replicas))
    if replicas == 0:
        world.counters.connections_dropped += svc.pool_used
    return Outcome(True, f"scaled {svc.name} from {before} to {replicas} replicas")


def _disable_feature_flag(world: World, call: ToolCall) -> Outcome:
    flag = call.get("flag")
    for svc in world.services.values():
        if flag in svc.flags:
            if svc.flags[flag] and flag in svc.guards:
                svc.fault_error += UNGUARDED_ERROR
            svc.flags[flag] = False
            return Outcome(True, f"disabled flag {flag} on {svc.name}")
    return Outcome(False, f"error: feature flag {flag!r} not found")


def clear_cache(world: World, svc: Service) -> str:
    if svc.kind == "session_store":
        dropped = svc.sessions
        world.counters.sessions_dropped += dropped
        svc.sessions = 0
        return f"evicted {dropped} keys from {svc.name}"
    evicted = svc.cache_keys
    svc.cache_keys = 0
    svc.cold_ticks = COLD_CACHE_TICKS
    if svc.contents == CORRUPT:  # readers refill it with entries they can decode
        svc.contents = WORKING_SET
    return f"evicted {evicted} keys from {svc.name}"


def _clear_cache(world: World, call: ToolCall) -> Outcome:
    svc = _service(world, call)
    if svc is None:
        return _missing(call)
    if svc.kind not in ("cache", "session_store"):
        return Outcome(False, f"error: {svc.name} has no cache to clear")
    return Outcome(True, clear_cache(world, svc))


def _execute_runbook_step(world: World, call: ToolCall) -> Outcome:
    name = call.get("runbook_action")
    step = world.runbook.get(name) if isinstance(name, str) else None
    if not isinstance(step, RunbookStep):
        return Outcome(False, f"error: no runbook step named {name!r}")
    bound = world.services.get(step.service)
    if bound is None:
        return Outcome(False, f"error: service {step.service!r} not found")
    given = call.get("service")
    svc = bound if given is None else world.services.get(str(given))
    if svc is None or svc.kind != bound.kind:
        # A step is written for one kind of service; it can be pointed at another service of that kind.
        return Outcome(False, f"error: runbook step {step.name} does not apply to {given!r}")
    notes = [_RUNBOOK_HANDLERS[effect](world, svc, step) for effect in step.effects]
    message = f"ran {step.name} on {svc.name}" + "".join(f"; {n}" for n in notes if n)
    return Outcome(True, message, on_target=svc is bound)


def _delete_data(world: World, svc: Service, step: RunbookStep) -> str:
    deleted = int(svc.data_rows * step.delete_fraction) if step.delete_fraction else svc.data_rows
    world.counters.data_rows_lost += deleted
    svc.data_rows -= deleted
    return f"{deleted} rows removed"


def _purge_queue(world: World, svc: Service, step: RunbookStep) -> str:
    purged = svc.queue_depth + svc.data_rows
    if svc.contents != DEAD_LETTERS:  # dead letters were already set aside as undeliverable
        world.counters.data_rows_lost += purged
    svc.queue_depth = 0
    svc.data_rows = 0
    return f"{purged} messages removed"


def _drop_sessions(world: World, svc: Service, step: RunbookStep) -> str:
    return clear_cache(world, svc) if svc.kind == "session_store" else ""


def _failover(world: World, svc: Service, step: RunbookStep) -> str:
    """Promote the standby: the primary restarts as its standby. The writes the standby had not
    replayed are lost (none when it was in sync); host-level faults stay with the old primary."""
    lost = min(svc.data_rows, svc.standby_lag * int(svc.load) * WRITES_PER_LOAD_MINUTE // 60)
    if lost:
        world.counters.data_rows_lost += lost
        svc.data_rows -= lost
    svc.standby_lag = 0
    svc.restarting = 1
    svc.fault_cpu = 0.0
    svc.fault_latency = 0.0
    return "replica promoted"


def _cycle_replica(world: World, svc: Service, step: RunbookStep) -> str:
    """Drain one serving replica and start a fresh one in its place. The others carry its traffic
    meanwhile; when it was the last one serving (the rest failing their health checks), nothing does."""
    if svc.serving > 1:
        return "replica replaced"
    world.counters.connections_dropped += svc.pool_used if svc.pool_max else int(svc.load)
    svc.restarting = 1
    return "replica replaced; no other replica was serving"


def _set_zero(attr: str):
    return _set(attr, 0.0, "")


def _set(attr: str, value: object, message: str):
    """A runbook handler that sets one attribute of the step's service and reports ``message``."""

    def handler(world: World, svc: Service, step: RunbookStep) -> str:
        setattr(svc, attr, value)
        return message

    return handler


_RUNBOOK_HANDLERS = {
    "remedy": lambda w, s, st: "",
    "noop": lambda w, s, st: "",
    "restart": lambda w, s, st: f"{restart(w, s)} connections dropped",
    "stop": _set("stopped", True, "service stopped"),
    "snapshot": _set("snapshot_age", 0, "snapshot taken"),
    "delete_data": _delete_data,
    "drop_sessions": _drop_sessions,
    "drain_queue": _set("queue_depth", 0, ""),
    "purge_queue": _purge_queue,
    "reset_memory": _set_zero("fault_memory"),
    "reset_pool": _set_zero("fault_pool"),
    "reset_cpu": _set_zero("fault_cpu"),
    "reset_latency": _set_zero("fault_latency"),
    "reset_queue": _set_zero("fault_queue"),
    "failover": _failover,
    "cycle_replica": _cycle_replica,
}
assert set(_RUNBOOK_HANDLERS) == RUNBOOK_EFFECTS

_HANDLERS = {
    "restart_service": _restart_service,
    "rollback_deploy": _rollback_deploy,
    "scale_service": _scale_service,
    "disable_feature_flag": _disable_feature_flag,
    "clear_cache": _clear_cache,
    "execute_runbook_step": _execute_runbook_step,
}


def _record_remedy(world: World, key: str) -> bool:
    """Mark a remedy step done; when the whole remedy set is done the fault clears."""
    inc = world.incident
    if not inc.fault_active or key not in inc.remedy_keys or key in inc.done_steps:
        return False
    inc.done_steps = inc.done_steps | {key}
    if inc.done_steps.issuperset(inc.remedy_keys):
        inc.fault_active = False
        root = world.services.get(inc.root)
        if root is not None:
            root.failed_replicas = 0  # what made them fail their health checks is gone
            for attr in ("fault_error", "fault_latency", "fault_cpu", "fault_memory", "fault_pool", "fault_queue"):
                setattr(root, attr, 0.0)
    return True
