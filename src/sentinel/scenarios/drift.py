"""Schema drift: service renames and removals, parameter renames, changed tool signatures and
error injection, applied mid-episode with the episode's RNG.

Every identifier in the world and the ground truth is remapped (remedy keys, runbook bindings,
declared lists, victim sets). The episode keeps what the names *used to be*, so a proposal that
still uses an old service name, parameter name or signature can be recognised as stale — and
graded ``wrong`` (label rule 1), diagnostics included.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sentinel.data import load
from sentinel.scenarios.generator import Scenario
from sentinel.world.effects import RunbookStep
from sentinel.world.tools import BASE_SCHEMA, ParamSpec, ToolCall

DRIFT_KINDS = ("service_rename", "param_rename", "service_removal", "error_injection", "signature_change")
_TYPES = {"str": str, "int": int}


def drift_data() -> dict:
    return load("drift")


@dataclass(slots=True)
class DriftState:
    """What has drifted in one episode (owned by the episode; nothing module-level)."""

    schema: dict[str, tuple[ParamSpec, ...]] = field(default_factory=lambda: dict(BASE_SCHEMA))
    old_schemas: list[Mapping[str, tuple[ParamSpec, ...]]] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # old service name -> new
    removed: set[str] = field(default_factory=set)
    param_renames: dict[str, dict[str, str]] = field(default_factory=dict)  # tool -> {new: canonical}
    tool_errors: dict[str, int] = field(default_factory=dict)  # tool -> ticks left
    events: list[str] = field(default_factory=list)

    @property
    def stale_names(self) -> set[str]:
        return set(self.renamed) | self.removed

    def tick(self) -> None:
        for tool in list(self.tool_errors):
            self.tool_errors[tool] -= 1
            if self.tool_errors[tool] <= 0:
                del self.tool_errors[tool]
                self.events.append(f"{tool} is answering normally again")

    def translate(self, call: ToolCall) -> ToolCall:
        """The call with every renamed service replaced by its current name."""
        return _remap_call(call, self.renamed)

    def canonical_args(self, tool: str, args: Mapping[str, object]) -> dict[str, object]:
        """Translate current parameter names back to the simulation's canonical names."""
        renames = self.param_renames.get(tool, {})
        return {renames.get(k, k): v for k, v in args.items()}


def _remap_call(call: ToolCall, names: Mapping[str, str]) -> ToolCall:
    return ToolCall(call.tool, tuple((k, names.get(v, v) if isinstance(v, str) else v) for k, v in call.args))


def rename_service(sc: Scenario, drift: DriftState, old: str, new: str) -> None:
    """Rename a service everywhere: world, incident, runbook, declared lists, role map."""
    world = sc.world
    mapping = {old: new}
    svc = world.services.pop(old)
    svc.name = new
    world.services = {**world.services, new: svc}
    for other in world.services.values():
        if old in other.deps:
            other.deps = tuple(mapping.get(d, d) for d in other.deps)
        if other.fronts == old:
            other.fronts = new
    world.order = tuple(mapping.get(n, n) for n in world.order)
    world.unsettle()
    inc = world.incident
    inc.root = mapping.get(inc.root, inc.root)
    inc.victims = tuple(mapping.get(v, v) for v in inc.victims)
    inc.involved = frozenset(mapping.get(v, v) for v in inc.involved)
    inc.remedy_keys = tuple(remap_key(k, mapping) for k in inc.remedy_keys)
    inc.done_steps = frozenset(remap_key(k, mapping) for k in inc.done_steps)
    world.runbook = {
        name: RunbookStep(st.name, mapping.get(st.service, st.service), st.effects, st.preview, st.delete_fraction)
        for name, st in world.runbook.items()
    }
    sc.declared = {g: [_remap_call(c, mapping) for c in calls] for g, calls in sc.declared.items()}
    sc.role_map = {r: mapping.get(n, n) for r, n in sc.role_map.items()}
    sc.topology_roles = {mapping.get(n, n): r for n, r in sc.topology_roles.items()}
    world.revision += 1
    for prev_old, prev_new in list(drift.renamed.items()):
        if prev_new == old:
            drift.renamed[prev_old] = new
    drift.renamed[old] = new


def remap_key(key: str, mapping: Mapping[str, str]) -> str:
    """Remap every part of a seed-format key (``scale_service:<svc>:<n>`` included)."""
    return ":".join(mapping.get(part, part) for part in key.split(":"))


def _snapshot_schema(drift: DriftState) -> None:
    drift.old_schemas.append(MappingProxyType(dict(drift.schema)))


def apply_drift(sc: Scenario, drift: DriftState, rng: random.Random, kinds: tuple[str, ...]) -> list[str]:
    """Apply the given mutation kinds; return the drift events (also appended to ``drift.events``)."""
    data = drift_data()
    world = sc.world
    new_events: list[str] = []
    for kind in kinds:
        if kind == "service_rename":
            inc = world.incident
            candidates = [inc.root, *inc.victims[:2]]
            old = rng.choice([c for c in candidates if c in world.services])
            suffixes = [s for s in data["rename_suffixes"] if old + s not in world.services]
            new = old + rng.choice(suffixes)
            rename_service(sc, drift, old, new)
            new_events.append(f"service {old} was renamed to {new}")
        elif kind == "param_rename":
            options = [t for t in sorted(data["param_renames"]) if t not in drift.param_renames]
            if not options:
                continue
            tool = rng.choice(options)
            ((old_param, new_param),) = data["param_renames"][tool].items()
            _snapshot_schema(drift)
            drift.schema[tool] = tuple((new_param if n == old_param else n, t, r) for n, t, r in drift.schema[tool])
            drift.param_renames[tool] = {new_param: old_param}
            new_events.append(f"{tool} now takes parameter {new_param!r} instead of {old_param!r}")
        elif kind == "service_removal":
            users = {d for s in world.services.values() for d in s.deps}
            protected = {world.incident.root, *world.incident.victims}
            protected |= {st.service for st in world.runbook.values()}
            protected |= {c.target for calls in sc.declared.values() for c in calls}
            leaves = sorted(
                n for n, s in world.services.items() if n not in users and n not in protected and not s.critical
            )
            if not leaves:
                continue
            gone = rng.choice(leaves)
            del world.services[gone]
            world.order = tuple(n for n in world.order if n != gone)
            world.unsettle()
            world.revision += 1
            drift.removed.add(gone)
            new_events.append(f"service {gone} was decommissioned and no longer exists")
        elif kind == "error_injection":
            tool = rng.choice(data["error_injection"]["tools"])
            drift.tool_errors[tool] = int(data["error_injection"]["ticks"])
            new_events.append(
                f"{tool} is returning errors from its backend (for about {drift.tool_errors[tool]} minutes)"
            )
        elif kind == "signature_change":
            changes = data["signature_changes"]
            options = [
                t
                for t in sorted(changes)
                if not any(n in changes[t] and required for n, _, required in drift.schema[t])
            ]
            if not options:
                continue
            tool = rng.choice(options)
            ((param, typ),) = data["signature_changes"][tool].items()
            _snapshot_schema(drift)
            spec = [(n, t, r) for n, t, r in drift.schema[tool] if n != param]
            drift.schema[tool] = (*spec, (param, _TYPES[typ], True))
            new_events.append(f"{tool} now requires parameter {param!r}")
        else:
            raise ValueError(f"unknown drift kind {kind!r}")
    drift.events.extend(new_events)
    return new_events
