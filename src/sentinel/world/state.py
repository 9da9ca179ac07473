"""Mutable simulation state: services, the world, and one generic tick.

The inner loop (labels fork the world and simulate a few ticks thousands of times per second)
uses plain slotted classes with hand-written ``clone`` methods; pydantic is only used at the
wire. Nothing here draws random numbers: a tick is a pure function of the state, so the
world is deterministic once a scenario has been generated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # effects builds on state; the annotation only needs the name
    from sentinel.world.effects import RunbookStep

# How much of its worst dependency's error rate a service inherits each tick.
PROPAGATION = 0.6
# How much of its worst dependency's extra latency a service inherits each tick.
LATENCY_PROPAGATION = 0.8
# CPU above this level starts to produce errors (overload).
CPU_OVERLOAD = 85.0
# Memory above this level starts to produce errors (GC thrash, OOM kills).
MEMORY_PRESSURE = 90.0
# A critical service above this error rate means the incident is still open.
RESOLVED_ERROR_RATE = 5.0
# Ticks a cache stays cold after it has been cleared.
COLD_CACHE_TICKS = 2
# Minutes one tick represents.
MINUTES_PER_TICK = 1

KINDS = (
    "gateway",
    "app",
    "database",
    "replica",
    "cache",
    "session_store",
    "queue",
    "worker",
    "batch",
    "network",
    "dns",
    "config",
)
DATA_KINDS = frozenset({"database", "replica", "queue"})
# What a queue or a cache holds (the inventory shows it). Purging dead letters (messages already set
# aside as undeliverable) loses nothing still to be delivered; evicting corrupt entries removes only
# what no reader can use. The same call on pending messages or a working set does real damage.
PENDING, DEAD_LETTERS = "pending messages", "dead letters"
WORKING_SET, CORRUPT = "working set", "corrupt entries"
CONTENTS = (PENDING, DEAD_LETTERS, WORKING_SET, CORRUPT)
# Messages a queue's consumers take off it per tick (nobody consumes a dead-letter queue).
CONSUMED_PER_TICK = 50


class Service:
    """One service of the simulated production system (mutable, cheap to clone)."""

    __slots__ = (
        "name",
        "kind",
        "critical",
        "decoy",
        "deps",
        "replicas",
        "desired_replicas",
        "previous_replicas",
        "failed_replicas",
        "stopped",
        "restarting",
        "version",
        "prev_version",
        "deploy_age",
        "base_error",
        "base_latency",
        "load",
        "base_memory",
        "pool_max",
        "pool_used",
        "error_rate",
        "latency_ms",
        "cpu",
        "memory",
        "flags",
        "guards",
        "data_rows",
        "snapshot_age",
        "sessions",
        "cache_keys",
        "queue_depth",
        "contents",
        "standby_lag",
        "fronts",
        "cold_ticks",
        "fault_error",
        "fault_latency",
        "fault_cpu",
        "fault_memory",
        "fault_pool",
        "fault_queue",
        "dropped_connections",
        "changes",
    )

    def __init__(
        self,
        name: str,
        kind: str,
        *,
        critical: bool,
        decoy: bool = False,
        deps: tuple[str, ...] = (),
        replicas: int = 3,
        version: str = "v1.0.0",
        prev_version: str = "v0.9.0",
        deploy_age: int = 1440,
        base_error: float = 0.2,
        base_latency: float = 40.0,
        load: float = 120.0,
        base_memory: float = 45.0,
        pool_max: int = 0,
        flags: dict[str, bool] | None = None,
        guards: tuple[str, ...] = (),
        data_rows: int = 0,
        snapshot_age: int = 0,
        sessions: int = 0,
        cache_keys: int = 0,
        queue_depth: int = 0,
        contents: str = "",
        standby_lag: int = 0,
        fronts: str = "",
    ) -> None:
        self.name = name
        self.kind = kind
        self.critical = critical
        self.decoy = decoy
        self.deps = deps
        self.replicas = replicas
        self.desired_replicas = replicas
        self.previous_replicas = replicas  # before the last scale (an autoscaler's or an operator's)
        self.failed_replicas = 0  # replicas failing their health checks: counted, out of rotation, serving nothing
        self.stopped = False
        self.restarting = 0
        self.version = version
        self.prev_version = prev_version
        self.deploy_age = deploy_age
        self.base_error = base_error
        self.base_latency = base_latency
        self.load = load
        self.base_memory = base_memory
        self.pool_max = pool_max
        self.pool_used = pool_max // 4
        self.error_rate = base_error
        self.latency_ms = base_latency
        self.cpu = load / max(replicas, 1)
        self.memory = base_memory
        self.flags = flags or {}
        self.guards = guards  # sorted protective flags (limiter, breaker): turning one off removes a guard
        self.data_rows = data_rows
        self.snapshot_age = snapshot_age
        self.sessions = sessions
        self.cache_keys = cache_keys
        self.queue_depth = queue_depth
        self.contents = contents  # queues and caches: one of CONTENTS
        self.standby_lag = standby_lag  # databases: seconds of writes their standby has not replayed yet
        self.fronts = fronts
        self.cold_ticks = 0
        self.fault_error = 0.0
        self.fault_latency = 0.0
        self.fault_cpu = 0.0
        self.fault_memory = 0.0
        self.fault_pool = 0.0
        self.fault_queue = 0.0
        self.dropped_connections = 0
        self.changes = 0  # bumped whenever what the service shows may have changed (lets views reuse rows)

    def clone(self) -> Service:  # replaced below by a generated straight-line copy
        """Copy every slot; only ``flags`` is a mutable container and gets its own copy."""
        raise NotImplementedError

    @property
    def serving(self) -> int:
        """Replicas in rotation: a failed replica is counted in ``replicas`` but takes no traffic."""
        return 0 if self.stopped or self.replicas <= self.failed_replicas else self.replicas - self.failed_replicas

    @property
    def available(self) -> bool:
        return self.restarting == 0 and self.serving > 0

    @property
    def status(self) -> str:
        """Operational status derived from state, never stored (so it cannot go stale)."""
        if self.serving == 0:
            return "down"
        if self.restarting:
            return "restarting"
        if self.error_rate >= 25.0:
            return "critical"
        if self.error_rate >= RESOLVED_ERROR_RATE or self.latency_ms >= 3 * self.base_latency:
            return "degraded"
        return "healthy"

    @property
    def healthy(self) -> bool:
        return self.status == "healthy"


def _compile_clone() -> None:
    """Generate ``Service.clone`` as straight-line attribute copies (as ``dataclasses`` does).

    Forking the world is the innermost operation of labelling; a loop over ``__slots__``
    with getattr/setattr is about 3x slower than this generated body.
    """
    lines = ["def clone(self):", "    new = _new(Service)"]
    lines += [f"    new.{slot} = self.{slot}" for slot in Service.__slots__ if slot != "flags"]
    lines += ["    new.flags = dict(self.flags)", "    return new"]
    namespace: dict[str, object] = {"_new": object.__new__, "Service": Service}
    exec("\n".join(lines), namespace)  # noqa: S102 - generated from __slots__ only
    clone: Any = namespace["clone"]
    clone.__doc__ = "Copy every slot; only ``flags`` is a mutable container and gets its own copy."
    Service.clone = clone  # type: ignore[method-assign]


_compile_clone()


@dataclass(slots=True)
class Incident:
    """The hidden truth of the scenario: which family, where it started, what is left to fix."""

    family_id: str
    root: str
    victims: tuple[str, ...]
    remedy_keys: tuple[str, ...]
    growth: dict[str, float]
    caps: dict[str, float]
    done_steps: frozenset[str] = frozenset()
    fault_active: bool = True
    involved: frozenset[str] = frozenset()  # the root and every service a remedy step changes


@dataclass(slots=True)
class Counters:
    """Irreversible outcomes: what the simulation must never lose track of."""

    data_rows_lost: int = 0
    sessions_dropped: int = 0
    connections_dropped: int = 0
    incident_cost: float = 0.0


@dataclass(slots=True)
class World:
    """The whole simulated system at one tick."""

    services: dict[str, Service]
    order: tuple[str, ...]  # dependency order: every service after its dependencies
    incident: Incident
    tick: int = 0
    revision: int = 0  # bumped on every mutation; keys caches such as the no-op baseline
    counters: Counters = field(default_factory=Counters)
    events: list[str] = field(default_factory=list)
    runbook: dict[str, RunbookStep] = field(default_factory=dict)  # name -> the scenario's runbook step
    # Services at a fixed point: recomputing them again changes nothing until one of their
    # dependencies changes (their last recompute was steady: not cold, not restarting, no queue still
    # moving). Anything that mutates a service outside ``advance`` (an effect, drift) must call ``unsettle``.
    settled: set[str] = field(default_factory=set)

    def fork(self) -> World:
        """An independent copy for what-if simulation (labels, previews)."""
        inc = self.incident
        return World(
            services={name: svc.clone() for name, svc in self.services.items()},
            order=self.order,
            incident=Incident(
                inc.family_id,
                inc.root,
                inc.victims,
                inc.remedy_keys,
                inc.growth,
                inc.caps,
                inc.done_steps,
                inc.fault_active,
                inc.involved,
            ),
            tick=self.tick,
            counters=Counters(
                self.counters.data_rows_lost,
                self.counters.sessions_dropped,
                self.counters.connections_dropped,
                self.counters.incident_cost,
            ),
            events=[],
            runbook=self.runbook,
            settled=set(self.settled),  # the clones are in the same state
        )

    def unsettle(self, names: Iterable[str] | None = None) -> None:
        """Forget the fixed points of the named services (all when ``names`` is None) after a change
        from outside the tick; their dependents follow on the next tick if their outputs change."""
        services = self.services
        if names is None:
            self.settled.clear()
            names = services
        else:
            self.settled.difference_update(names)
        for name in names:
            svc = services.get(name)
            if svc is not None:
                svc.changes += 1

    @property
    def resolved(self) -> bool:
        """Resolution is a state of the world: fault gone and every critical service healthy."""
        if self.incident.fault_active:
            return False
        for svc in self.services.values():
            if svc.critical and (not svc.available or svc.error_rate >= RESOLVED_ERROR_RATE):
                return False
        return True

    def advance(self, *, metrics_only: bool = False) -> None:
        """One tick: fault growth, per-service recomputation in dependency order, costs and ages.

        ``metrics_only`` leaves the incident cost and the deploy and snapshot ages as they are: no
        metric reads them, so a what-if trace that only reads metrics (``grading.labels.trace``) need
        not keep them.
        """
        self.tick += 1
        self.revision += 1
        inc = self.incident
        services = self.services
        settled = self.settled
        if inc.fault_active and inc.growth:
            root = services.get(inc.root)
            if root is not None:
                _grow_fault(root, inc.growth, inc.caps)
                settled.discard(root.name)
        cost = 0.0
        unresolved = inc.fault_active  # ``resolved``, computed in the same pass
        changed: set[str] = set()  # services whose outputs (what dependents read) changed this tick
        for name in self.order:  # one pass: a service's metrics never read another's ages
            svc = services[name]
            if name not in settled or (changed and not changed.isdisjoint(svc.deps)):
                transient = svc.cold_ticks or svc.restarting
                before = (svc.error_rate, svc.latency_ms, svc.cpu, svc.memory, svc.pool_used, svc.queue_depth)
                steady = _recompute(svc, services) and not transient
                if transient or before != (
                    svc.error_rate,
                    svc.latency_ms,
                    svc.cpu,
                    svc.memory,
                    svc.pool_used,
                    svc.queue_depth,
                ):
                    changed.add(name)
                    svc.changes += 1
                if steady:  # settled at once: a confirming recompute next tick would change nothing
                    settled.add(name)
                else:
                    settled.discard(name)
            if metrics_only:
                continue
            if svc.critical:
                error = svc.error_rate
                cost += error
                if error >= RESOLVED_ERROR_RATE or svc.stopped or svc.replicas <= svc.failed_replicas or svc.restarting:
                    unresolved = True
            if svc.snapshot_age or svc.kind in DATA_KINDS:
                svc.snapshot_age += MINUTES_PER_TICK
            svc.deploy_age += MINUTES_PER_TICK
        if unresolved and not metrics_only:
            self.counters.incident_cost += cost


def _grow_fault(root: Service, growth: dict[str, float], caps: dict[str, float]) -> None:
    for attr, delta in growth.items():
        value = getattr(root, attr) + delta
        cap = caps.get(attr)
        if cap is not None and value > cap:
            value = cap
        setattr(root, attr, value)


def _recompute(svc: Service, services: dict[str, Service]) -> bool:
    """Derive metrics of one service from its own state and its dependencies' metrics.

    Returns whether the pass is steady: no metric reads its own previous value except a queue's depth,
    so unless that depth would move again (or the service is cold or restarting, which the caller
    checks), a second pass over the same dependencies' outputs would change nothing.
    """
    worst_dep_error = 0.0
    worst_dep_latency = 0.0
    load = svc.load
    for dep_name in svc.deps:
        dep = services.get(dep_name)
        if dep is None:
            # A dependency that no longer exists fails every call through it.
            worst_dep_error = 100.0
            continue
        if dep.error_rate > worst_dep_error:
            worst_dep_error = dep.error_rate
        extra = dep.latency_ms - dep.base_latency
        if extra > worst_dep_latency:
            worst_dep_latency = extra
        if dep.cold_ticks and dep.kind == "cache":
            load *= 1.6
    if svc.cold_ticks:
        svc.cold_ticks -= 1
    replicas = 0 if svc.stopped else svc.replicas - svc.failed_replicas
    if replicas <= 0:
        svc.cpu = 0.0
        svc.error_rate = 100.0
        svc.latency_ms = svc.base_latency
        svc.queue_depth += int(svc.fault_queue)
        return int(svc.fault_queue) == 0
    cpu = load / replicas + svc.fault_cpu
    svc.cpu = cpu = cpu if cpu < 100.0 else 100.0
    memory = svc.base_memory + svc.fault_memory
    svc.memory = memory = memory if memory < 100.0 else 100.0
    error = svc.base_error + svc.fault_error + PROPAGATION * worst_dep_error
    if svc.pool_max:
        used = int(svc.pool_max // 4 + svc.fault_pool * svc.pool_max / 100)
        svc.pool_used = used = used if used < svc.pool_max else svc.pool_max
        if used >= svc.pool_max:
            error += 15.0
    steady = True
    if svc.kind == "queue":
        consumed = 0 if svc.contents == DEAD_LETTERS else CONSUMED_PER_TICK
        svc.queue_depth = depth = max(0, svc.queue_depth + int(svc.fault_queue) - consumed)
        steady = max(0, depth + int(svc.fault_queue) - consumed) == depth  # another pass leaves it there
    if cpu > CPU_OVERLOAD:
        error += (cpu - CPU_OVERLOAD) * 1.5
    if memory > MEMORY_PRESSURE:
        error += (memory - MEMORY_PRESSURE) * 2.0
    if svc.restarting:
        svc.restarting -= 1
        error = 100.0
    svc.error_rate = error if error < 100.0 else 100.0
    svc.latency_ms = (
        svc.base_latency
        + svc.fault_latency
        + LATENCY_PROPAGATION * worst_dep_latency
        + (cpu - 70.0 if cpu > 70.0 else 0.0) * 6.0
    )
    return steady
