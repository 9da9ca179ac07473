"""Incident families: data files (TOML) under ``sentinel/world/families``, validated on load.

A family says where the fault starts (a role, resolved against the generated topology), how
it degrades the root each tick, what each diagnostic shows, which calls clear it, which
runbook steps exist and what they do, and which interventions are harmful, tempting but
wrong, or gray. Targets are *roles*:

``root``, ``victim`` (a critical direct dependent of the root), ``culprit`` (a direct
dependent app/worker/batch whose traffic causes the fault), ``gateway``, ``decoy`` (the
root's look-alike, else any decoy), ``kind:<k>`` (a non-root service of kind k),
``healthy:<k>`` (a critical service of kind k that does not depend on the root),
``dep:<k>`` (a dependency of the root of kind k), ``flag:root`` / ``flag:culprit`` (the
flag that carries the fault), ``flag:healthy`` (a flag on a healthy app), and for
``execute_runbook_step`` the runbook step's name.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sentinel.data import load
from sentinel.models import TaskId
from sentinel.world.effects import RUNBOOK_EFFECTS
from sentinel.world.state import CONTENTS, KINDS
from sentinel.world.tools import DIAGNOSTICS, IncidentPriority, Remediation

# The lists a family declares: its remedy, what is harmful, what is gray, what its state decides.
DECLARED_GROUPS = ("remedy", "catastrophic", "wrong", "ambiguous", "state_decides")
FAULT_FIELDS = ("error", "latency", "cpu", "memory", "pool", "queue")
PLAIN_ROLES = ("root", "victim", "culprit", "gateway", "decoy")
PREFIX_ROLES = ("kind:", "healthy:", "dep:")
FLAG_ROLES = ("flag:root", "flag:culprit", "flag:healthy")


# Whose traffic can cause a fault (a culprit that carries the fault's feature flag is an app).
CULPRIT_KINDS = ("app", "worker", "batch")
# The kinds a structural role resolves to (see scenarios.generator's resolver).
_ROLE_KINDS = {
    "gateway": ("gateway",),
    "culprit": CULPRIT_KINDS,
    "decoy": ("app", "database", "cache", "worker"),
    **{role: ("app",) for role in FLAG_ROLES},
}


class FamilyError(ValueError):
    """A family file that cannot be loaded; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_role(role: str) -> str:
    if role in PLAIN_ROLES or role in FLAG_ROLES:
        return role
    for prefix in PREFIX_ROLES:
        if role.startswith(prefix):
            kind = role[len(prefix) :]
            if kind not in KINDS:
                raise ValueError(f"unknown service kind {kind!r} in role {role!r}")
            return role
    raise ValueError(f"unknown role {role!r}")


class ActionSpec(_Strict):
    """One declared intervention, with a role as its target."""

    action: Remediation
    target: str
    replicas: int | None = Field(default=None, ge=0, le=50)
    replicas_delta: int | None = Field(default=None, ge=-10, le=10)
    why: str = ""

    @model_validator(mode="after")
    def _check(self) -> ActionSpec:
        if self.action == "scale_service":
            if (self.replicas is None) == (self.replicas_delta is None):
                raise ValueError("scale_service needs exactly one of replicas / replicas_delta")
        elif self.replicas is not None or self.replicas_delta is not None:
            raise ValueError(f"{self.action} takes no replicas")
        if self.action == "disable_feature_flag":
            if self.target not in FLAG_ROLES:
                raise ValueError(f"flag target must be one of {FLAG_ROLES}")
        elif self.action != "execute_runbook_step":
            check_role(self.target)
        return self


class RootSpec(_Strict):
    kinds: list[Literal[KINDS]] = Field(min_length=1)  # type: ignore[valid-type]
    critical: bool | None = None
    contents: Literal[CONTENTS] | None = None  # type: ignore[valid-type]  # what the root must hold (a queue, a cache)


class FaultSpec(_Strict):
    onset: dict[str, float] = Field(min_length=1)
    growth: dict[str, float] = {}
    caps: dict[str, float] = {}
    deploy: bool = False  # the fault arrived with a fresh deploy of the faulty service
    deploy_on: Literal["root", "culprit"] = "root"
    flag: bool = False  # the fault hides behind a newly enabled feature flag
    flag_on: Literal["root", "culprit"] = "root"
    warmup_ticks: int = Field(default=3, ge=1, le=10)
    fresh_snapshot: bool = False  # the root (a data store) was snapshotted moments before the incident
    scaled_out: int = Field(default=0, ge=0, le=5)  # the culprit's replicas were raised by this many
    contents: Literal[CONTENTS] | None = None  # type: ignore[valid-type]  # what the root holds once the fault starts
    standby_lag: int = Field(default=0, ge=0, le=3600)  # seconds the root's standby falls behind
    # The root keeps this many replicas passing their health checks (one drawn per scenario, capped at
    # its replicas); the others fail theirs. Drawing 1 leaves it on its last healthy replica.
    healthy_replicas: list[int] = Field(default=[], max_length=8)

    @field_validator("healthy_replicas")
    @classmethod
    def _some_healthy(cls, value: list[int]) -> list[int]:
        if any(n < 1 for n in value):
            raise ValueError("healthy_replicas entries must be at least 1 (a root with none is simply down)")
        return value

    @field_validator("onset", "growth", "caps")
    @classmethod
    def _known_fields(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(FAULT_FIELDS))
        if unknown:
            raise ValueError(f"unknown fault field(s) {unknown}; expected {FAULT_FIELDS}")
        return value


Relation = Literal["root", "victim", "culprit", "healthy"]


class RunbookSpec(_Strict):
    """A runbook step: a family's own, or a shared one from ``data/runbook_steps.toml`` named by
    its neutral name alone (its effects and preview come from there, the same in every family)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{2,48}$")
    service: str
    effects: list[str] = Field(min_length=1)
    preview: str = Field(min_length=8)
    delete_fraction: float = Field(default=0.0, ge=0.0, le=1.0)

    @model_validator(mode="before")
    @classmethod
    def _shared(cls, data: object) -> object:
        shared = load("runbook_steps")
        if isinstance(data, dict) and data.get("name") in shared:
            own = sorted(set(data) - {"name", "service"})
            if own:
                raise ValueError(f"{data['name']} is a shared runbook step; it takes only a service, not {own}")
            return {**shared[data["name"]], **data}
        return data

    @field_validator("service")
    @classmethod
    def _role(cls, value: str) -> str:
        return check_role(value)

    @field_validator("effects")
    @classmethod
    def _effects(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - RUNBOOK_EFFECTS)
        if unknown:
            raise ValueError(f"unknown runbook effect(s) {unknown}; expected {sorted(RUNBOOK_EFFECTS)}")
        return value


class Family(_Strict):
    """One incident family, validated; see the module docstring for the role vocabulary."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{2,40}$")
    title: str
    tiers: list[TaskId] = Field(min_length=1)
    held_out: bool = False
    severity: IncidentPriority
    failure_mode: str
    root_cause_keywords: list[str] = Field(min_length=1)
    alert: str
    summary: str
    root: RootSpec
    fault: FaultSpec
    evidence: dict[Relation, dict[Literal[DIAGNOSTICS], list[str]]]  # type: ignore[valid-type]
    remedy: list[ActionSpec] = Field(min_length=1)
    runbook: list[RunbookSpec] = []
    catastrophic: list[ActionSpec] = Field(min_length=1)
    wrong: list[ActionSpec] = Field(min_length=1)
    ambiguous: list[ActionSpec] = []
    # Harmless in some of this family's scenarios and harmful in others, decided by state the family
    # draws per scenario (``fault.healthy_replicas``): the Responder proposes them as gray calls.
    state_decides: list[ActionSpec] = []
    policies: list[str] = []

    @model_validator(mode="after")
    def _cross_check(self) -> Family:
        names = {step.name for step in self.runbook}
        if len(names) != len(self.runbook):
            raise ValueError("runbook step names must be unique")
        for group in DECLARED_GROUPS:
            for i, spec in enumerate(getattr(self, group)):
                if spec.action == "execute_runbook_step" and spec.target not in names:
                    raise ValueError(
                        f"{group}[{i}] names runbook step {spec.target!r}, which is not in runbook {sorted(names)}"
                    )
        if "root" not in self.evidence:
            raise ValueError("evidence must describe the root")
        return self

    def kinds_of(self, role: str) -> set[str]:
        """The service kinds a role can resolve to (``any`` when the topology decides)."""
        if role == "root":
            return set(self.root.kinds)
        for prefix in PREFIX_ROLES:
            if role.startswith(prefix):
                return {role[len(prefix) :]}
        return set(_ROLE_KINDS.get(role, ("any",)))

    def acts_on(self, spec: ActionSpec) -> set[str]:
        """The kinds of service a declared intervention changes (a runbook step: its service's)."""
        if spec.action == "execute_runbook_step":
            step = next(s for s in self.runbook if s.name == spec.target)
            return self.kinds_of(step.service)
        return self.kinds_of(spec.target)

    def cells_of(self, spec: ActionSpec) -> set[tuple[str, str, str]]:
        """The (tool, kind of service acted on, parameter shape) cells a declared intervention falls in.

        The shape is what a reader of the action alone can see: a scale's direction (``to_zero``,
        ``down``, ``up``, or ``set`` for an absolute count), a runbook step's name, else ``-``.
        """
        if spec.action == "scale_service":
            if spec.replicas is not None:
                shape = "to_zero" if spec.replicas == 0 else "set"
            else:
                shape = "down" if (spec.replicas_delta or 0) < 0 else "up"
        elif spec.action == "execute_runbook_step":
            shape = spec.target
        else:
            shape = "-"
        return {(spec.action, kind, shape) for kind in self.acts_on(spec)}

    def roles(self) -> set[str]:
        """Every role this family needs the topology to provide."""
        used = {"root"}
        for group in (self.remedy, self.catastrophic, self.wrong, self.ambiguous):
            for spec in group:
                if spec.action != "execute_runbook_step":
                    used.add(spec.target)
        used.update(step.service for step in self.runbook)
        if self.fault.flag:
            used.add(self.fault.flag_on)
        if self.fault.deploy:
            used.add(self.fault.deploy_on)
        if self.fault.scaled_out:
            used.add("culprit")
        return used


def _format_error(path: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"{path}: field {where}: {err['msg']}")
    return "\n".join(lines)


def load_family(path: Path | str, text: str | None = None) -> Family:
    """Parse and validate one family file; errors name the file and the offending field."""
    path = str(path)
    try:
        data = tomllib.loads(text if text is not None else Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FamilyError(f"{path}: not valid TOML: {exc}") from None
    try:
        family = Family.model_validate(data)
    except ValidationError as exc:
        raise FamilyError(_format_error(path, exc)) from None
    stem = Path(path).stem
    if family.id != stem:
        raise FamilyError(f"{path}: field id: {family.id!r} must match the file name {stem!r}")
    return family


@lru_cache(maxsize=1)
def all_families() -> tuple[Family, ...]:
    """Every packaged family, sorted by id (loaded once per process; families are immutable)."""
    folder = resources.files("sentinel.world").joinpath("families")
    families = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            families.append(load_family(entry.name, entry.read_text(encoding="utf-8")))
    return tuple(families)


@lru_cache(maxsize=16)
def families_for(tier: str, *, held_out: bool) -> tuple[Family, ...]:
    """The families serving ``tier`` (held out or not), by id; every reset draws from one, so the
    filtered tuple is kept (immutable, like the families it holds)."""
    return tuple(f for f in all_families() if tier in f.tiers and f.held_out == held_out)
