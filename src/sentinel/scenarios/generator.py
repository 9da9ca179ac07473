"""``generate_scenario(task_id, seed)``: seed → family, topology, fault, declared lists, world.

Deterministic: one ``random.Random`` seeded from the task and seed string (Python seeds a
string through SHA-512, so it is stable across processes, unlike ``hash()``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sentinel.errors import UnknownTaskError
from sentinel.scenarios.splits import uses_heldout_families
from sentinel.seeding import check_seed, scenario_rng
from sentinel.tiers import REGISTRY, TIER_IDS
from sentinel.world.effects import RunbookStep, subject
from sentinel.world.families import CULPRIT_KINDS, DECLARED_GROUPS, ActionSpec, Family, families_for
from sentinel.world.state import DEAD_LETTERS, Incident, Service, World
from sentinel.world.tools import ToolCall
from sentinel.world.topology import RED_HERRING_DEPLOY_MINUTES, Topology, generate_topology, name_pools

MAX_TOPOLOGY_ATTEMPTS = 40
FAULT_ATTRS = {
    "error": "fault_error",
    "latency": "fault_latency",
    "cpu": "fault_cpu",
    "memory": "fault_memory",
    "pool": "fault_pool",
    "queue": "fault_queue",
}


@dataclass(slots=True)
class Scenario:
    """A generated incident: the world at tick 0 plus the truth the Overseer never sees."""

    task_id: str
    seed: int
    family: Family
    world: World
    topology_roles: dict[str, str]  # service name -> structural role
    role_map: dict[str, str]  # family role -> service / flag name
    alert: str
    summary: str
    declared: dict[str, list[ToolCall]] = field(default_factory=dict)
    policies: list[str] = field(default_factory=list)

    @property
    def catastrophic_actions(self) -> list[str]:
        return [c.key for c in self.declared["catastrophic"]]

    @property
    def wrong_actions(self) -> list[str]:
        return [c.key for c in self.declared["wrong"]]

    @property
    def correct_remediation_sequence(self) -> list[str]:
        return [c.key for c in self.declared["remedy"]]

    @property
    def ambiguous_actions(self) -> list[str]:
        return [c.key for c in self.declared["ambiguous"]]

    def seed_format(self) -> dict[str, object]:
        """The reference's per-scenario ground-truth lists, with real names filled in."""
        return {
            "task_id": self.task_id,
            "seed": self.seed,
            "family": self.family.id,
            "root_cause_service": self.world.incident.root,
            "catastrophic_actions": self.catastrophic_actions,
            "wrong_actions": self.wrong_actions,
            "correct_remediation_sequence": self.correct_remediation_sequence,
            "ambiguous_actions": self.ambiguous_actions,
        }


def _dependents(services: list[Service], root: str) -> tuple[list[str], set[str]]:
    """Direct and transitive dependents of ``root`` (the services its fault can reach)."""
    direct = [s.name for s in services if root in s.deps]
    reached: set[str] = set()
    frontier = [root]
    while frontier:
        current = frontier.pop()
        for s in services:
            if current in s.deps and s.name not in reached:
                reached.add(s.name)
                frontier.append(s.name)
    return direct, reached


class _Resolver:
    """Resolve family roles to names in one topology; ``None`` when the topology lacks one."""

    def __init__(
        self, topo: Topology, root: Service, flags: dict[str, str], culprit_kinds: tuple[str, ...] = CULPRIT_KINDS
    ) -> None:
        self.services = topo.services
        self.by_name = {s.name: s for s in topo.services}
        self.root = root
        self.direct, self.victims = _dependents(topo.services, root.name)
        self.flags = flags
        self.culprit_kinds = culprit_kinds  # a culprit carrying the fault's feature flag must be an app

    def _first(self, pred) -> str | None:
        return next((s.name for s in self.services if pred(s)), None)

    def resolve(self, role: str) -> str | None:
        root = self.root
        if role == "root":
            return root.name
        if role == "victim":
            return next(  # a serving dependent: a batch job is not what users wait on
                (
                    n
                    for n in self.direct
                    if self.by_name[n].critical and not self.by_name[n].decoy and self.by_name[n].kind != "batch"
                ),
                None,
            )
        if role == "culprit":
            return next(
                (n for n in self.direct if self.by_name[n].kind in self.culprit_kinds and not self.by_name[n].decoy),
                None,
            )
        if role == "gateway":
            return self._first(lambda s: s.kind == "gateway")
        if role == "decoy":
            return self._first(lambda s: s.decoy and s.name.startswith(root.name)) or self._first(lambda s: s.decoy)
        if role.startswith("kind:"):  # a working instance of the kind (a dead-letter queue holds no work)
            kind = role[5:]
            return self._first(
                lambda s: s.kind == kind and s is not root and not s.decoy and s.contents != DEAD_LETTERS
            )
        if role.startswith("healthy:"):
            kind = role[8:]
            return self._first(
                lambda s: s.kind == kind and s.critical and s is not root and not s.decoy and s.name not in self.victims
            )
        if role.startswith("dep:"):
            kind = role[4:]
            return next(
                (
                    d
                    for d in root.deps
                    if d in self.by_name and self.by_name[d].kind == kind and not self.by_name[d].decoy
                ),
                None,
            )
        if role in ("flag:root", "flag:culprit"):
            return self.flags.get(role)
        if role == "flag:healthy":
            for s in self.services:
                if s.kind == "app" and s is not root and s.name not in self.victims and s.flags:
                    return next(iter(s.flags))
            return None
        raise KeyError(role)


def _pick_flag_name(rng: random.Random, topo: Topology) -> str:
    used = {f for s in topo.services for f in s.flags}
    free = [f for f in name_pools()["flags"] if f not in used]
    return rng.choice(free) if free else f"flag-{rng.randrange(10**6)}"


def _try_place(family: Family, topo: Topology, rng: random.Random) -> tuple[Service, dict[str, str], set[str]] | None:
    """Choose a root and resolve every role the family needs, or give up on this topology; with the
    root's transitive dependents (the resolver has them, and placing changes no dependency)."""
    spec = family.root
    candidates = [
        s
        for s in topo.services
        if s.kind in spec.kinds
        and not s.decoy
        and (spec.critical is None or s.critical == spec.critical)
        and (s.contents == spec.contents if spec.contents else s.contents != DEAD_LETTERS)
    ]
    rng.shuffle(candidates)
    roles = sorted(family.roles())
    for root in candidates:
        flags: dict[str, str] = {}
        flagged_culprit = family.fault.flag and family.fault.flag_on == "culprit"
        resolver = _Resolver(topo, root, flags, ("app",) if flagged_culprit else CULPRIT_KINDS)
        if family.fault.flag:
            owner = resolver.resolve(family.fault.flag_on)
            if owner is None or resolver.by_name[owner].kind != "app":
                continue
            flags[f"flag:{family.fault.flag_on}"] = _pick_flag_name(rng, topo)
        role_map: dict[str, str] = {}
        for role in roles:
            name = resolver.resolve(role)
            if name is None:
                break
            role_map[role] = name
        else:
            return root, role_map, resolver.victims
    return None


def _call(
    spec: ActionSpec, role_map: dict[str, str], services: dict[str, Service], runbook: dict[str, RunbookStep]
) -> ToolCall:
    if spec.action == "execute_runbook_step":  # the service it runs on is always stated, as in a twin
        return ToolCall.of(spec.action, runbook_action=spec.target, service=runbook[spec.target].service)
    target = role_map[spec.target]
    if spec.action == "disable_feature_flag":
        return ToolCall.of(spec.action, flag=target)
    if spec.action == "scale_service":
        delta = spec.replicas_delta or 0  # the family validator guarantees one of replicas / replicas_delta
        replicas = spec.replicas if spec.replicas is not None else max(0, services[target].replicas + delta)
        return ToolCall.of(spec.action, service=target, replicas=replicas)
    return ToolCall.of(spec.action, service=target)


def _fill(template: str, role_map: dict[str, str], world: World) -> str:
    root = world.services[world.incident.root]
    values = {role.replace(":", "_"): name for role, name in role_map.items()}
    values.update(
        service=root.name,
        error_rate=f"{root.error_rate:.1f}",
        latency=f"{root.latency_ms:.0f}",
        version=root.version,
        prev_version=root.prev_version,
    )
    try:
        return template.format(**values)
    except (KeyError, IndexError) as exc:
        raise ValueError(f"family {world.incident.family_id}: template {template!r} uses unknown field {exc}") from None


def choose_family(task_id: str, seed: int, rng: random.Random) -> Family:
    if task_id not in REGISTRY:
        raise UnknownTaskError(f"unknown task {task_id!r}; expected one of {', '.join(TIER_IDS)}")
    pool = families_for(task_id, held_out=uses_heldout_families(seed))
    if not pool:
        raise ValueError(f"no incident family serves task {task_id!r} for seed {seed}")
    return pool[rng.randrange(len(pool))]


def generate_scenario(task_id: str, seed: int) -> Scenario:
    """Deterministically build the scenario for ``(task_id, seed)``."""
    rng = scenario_rng(task_id, check_seed(seed))
    family = choose_family(task_id, seed, rng)
    for _ in range(MAX_TOPOLOGY_ATTEMPTS):
        topo = generate_topology(rng)
        placed = _try_place(family, topo, rng)
        if placed is not None:
            break
    else:
        raise RuntimeError(f"family {family.id}: no topology satisfied its roles in {MAX_TOPOLOGY_ATTEMPTS} tries")
    root, role_map, victims = placed
    services = {s.name: s for s in topo.services}
    fault = family.fault

    # Onset: the fault lands on the root (and possibly a deploy or a flag on root/culprit).
    for key, value in fault.onset.items():
        setattr(root, FAULT_ATTRS[key], value)
    if not (fault.deploy and fault.deploy_on == "root") and root.deploy_age <= RED_HERRING_DEPLOY_MINUTES[1]:
        # the topology's red-herring deploy is meant for a bystander: a root whose fault did not arrive
        # with a deploy runs an old build, so "rollback or restart?" has an answer in the inventory
        root.deploy_age += 1440
    if fault.deploy:
        svc = services[role_map[fault.deploy_on]]
        svc.prev_version = svc.version
        major, minor, patch = svc.version[1:].split(".")
        svc.version = f"v{major}.{int(minor) + 1}.0"
        svc.deploy_age = rng.randint(6, 25)
    if fault.contents:
        root.contents = fault.contents
    if fault.standby_lag:
        root.standby_lag = fault.standby_lag
    if fault.healthy_replicas:
        healthy = fault.healthy_replicas[rng.randrange(len(fault.healthy_replicas))]
        root.failed_replicas = max(0, root.replicas - healthy)
    if fault.scaled_out:
        culprit = services[role_map["culprit"]]
        culprit.previous_replicas = culprit.replicas
        culprit.replicas = culprit.desired_replicas = culprit.replicas + fault.scaled_out
    if fault.flag:
        owner = services[role_map[fault.flag_on]]
        owner.flags[role_map[f"flag:{fault.flag_on}"]] = True

    runbook = {
        step.name: RunbookStep(
            step.name, role_map[step.service], tuple(step.effects), step.preview, step.delete_fraction
        )
        for step in family.runbook
    }
    declared = {
        group: [_call(spec, role_map, services, runbook) for spec in getattr(family, group)]
        for group in DECLARED_GROUPS
    }
    incident = Incident(
        family_id=family.id,
        root=root.name,
        victims=tuple(sorted(victims)),
        remedy_keys=tuple(c.key for c in declared["remedy"]),
        growth={FAULT_ATTRS[k]: v for k, v in fault.growth.items()},
        caps={FAULT_ATTRS[k]: v for k, v in fault.caps.items()},
    )
    world = World(services=services, order=tuple(s.name for s in topo.services), incident=incident, runbook=runbook)
    # The services the incident involves: the root and those a remedy step changes (a flag's remedy
    # changes the flag, not the service that owns it: restarting that service is still a misdiagnosis).
    acted_on = (subject(world, c) for c in declared["remedy"] if c.tool != "disable_feature_flag")
    incident.involved = frozenset({root.name, *acted_on})
    for _ in range(fault.warmup_ticks):
        world.advance()
    world.tick = 0
    world.counters.incident_cost = 0.0
    if fault.fresh_snapshot:
        root.snapshot_age = rng.randint(0, 2)

    from sentinel.world.policies import policies_for  # data file; imported late to keep this light

    return Scenario(
        task_id=task_id,
        seed=seed,
        family=family,
        world=world,
        topology_roles=topo.roles,
        role_map=role_map,
        alert=_fill(family.alert, role_map, world),
        summary=_fill(family.summary, role_map, world),
        declared=declared,
        policies=policies_for(family),
    )
