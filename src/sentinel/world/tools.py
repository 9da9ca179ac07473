"""The 14 tools a Responder can propose, their parameters, and the seed-format action key.

A ``ToolCall`` is the simulation's own immutable view of a proposal; the wire models in
``sentinel.models`` convert to it. The parameter table is the *initial* schema; schema drift
(``sentinel.scenarios.drift``) renames parameters per episode, so validation takes a schema argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

DIAGNOSTICS = ("query_logs", "check_metrics", "check_dependencies", "check_recent_deploys", "check_service_status")
Remediation = Literal[
    "restart_service",
    "rollback_deploy",
    "scale_service",
    "disable_feature_flag",
    "clear_cache",
    "execute_runbook_step",
]
REMEDIATIONS: tuple[str, ...] = get_args(Remediation)
SUBMISSIONS = ("submit_severity", "submit_root_cause", "submit_resolution")
TOOLS = DIAGNOSTICS + REMEDIATIONS + SUBMISSIONS

# An incident's priority, as ``submit_severity`` states it and a family declares it (not Live's risk severity).
IncidentPriority = Literal["P1", "P2", "P3", "P4"]
INCIDENT_PRIORITIES: tuple[IncidentPriority, ...] = get_args(IncidentPriority)

# tool -> ((param, type, required), ...) in the initial (undrifted) schema.
ParamSpec = tuple[str, type, bool]
BASE_SCHEMA: Mapping[str, tuple[ParamSpec, ...]] = MappingProxyType(
    {
        **{tool: (("service", str, True),) for tool in DIAGNOSTICS},
        "restart_service": (("service", str, True),),
        "rollback_deploy": (("service", str, True),),
        "scale_service": (("service", str, True), ("replicas", int, True)),
        "disable_feature_flag": (("flag", str, True),),
        "clear_cache": (("service", str, True),),
        "execute_runbook_step": (("runbook_action", str, True), ("service", str, False)),
        "submit_severity": (("severity", str, True),),
        "submit_root_cause": (("service", str, True), ("failure_mode", str, True)),
        "submit_resolution": (("summary", str, True),),
    }
)

# Which parameter names the action key's target (seed format `action_type:target`).
KEY_TARGET_PARAM = {
    **{tool: "service" for tool in DIAGNOSTICS},
    "restart_service": "service",
    "rollback_deploy": "service",
    "scale_service": "service",
    "clear_cache": "service",
    "disable_feature_flag": "flag",
    "execute_runbook_step": "runbook_action",
    "submit_severity": "severity",
    "submit_root_cause": "service",
    "submit_resolution": "",
}


class InvalidToolCall(ValueError):
    """A proposal that names an unknown tool or has missing/ill-typed parameters."""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """An immutable proposed tool call: the tool and its arguments, sorted for hashing."""

    tool: str
    args: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, tool: str, **args: object) -> ToolCall:
        return cls(tool, tuple(sorted(args.items())))

    def get(self, name: str, default: object = None) -> object:
        for key, value in self.args:
            if key == name:
                return value
        return default

    @property
    def arg_dict(self) -> dict[str, object]:
        return dict(self.args)

    @property
    def category(self) -> str:
        if self.tool in DIAGNOSTICS:
            return "diagnostic"
        if self.tool in SUBMISSIONS:
            return "submission"
        return "remediation"

    @property
    def target(self) -> str:
        """The service, flag, runbook step or severity the call is about (may be empty)."""
        param = KEY_TARGET_PARAM.get(self.tool, "")
        value = self.get(param) if param else None
        if value is None:
            # A drifted parameter name still carries a target: take the first string argument.
            for _, v in self.args:
                if isinstance(v, str):
                    return v
            return ""
        return str(value)

    @property
    def key(self) -> str:
        """Seed-format key: ``tool:target`` plus ``:replicas`` for ``scale_service``."""
        if self.tool == "submit_resolution":
            return self.tool
        key = f"{self.tool}:{self.target}"
        if self.tool == "scale_service":
            replicas = self.get("replicas")
            if replicas is None:
                replicas = next((v for k, v in self.args if isinstance(v, int)), "")
            key += f":{replicas}"
        return key


def validate_call(call: ToolCall, schema: Mapping[str, tuple[ParamSpec, ...]] = BASE_SCHEMA) -> None:
    """Raise ``InvalidToolCall`` unless the call matches the given tool schema exactly."""
    spec = schema.get(call.tool)
    if spec is None:
        raise InvalidToolCall(f"unknown action type {call.tool!r}; expected one of {', '.join(TOOLS)}")
    allowed = {name for name, _, _ in spec}
    given = call.arg_dict
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise InvalidToolCall(f"{call.tool} does not take parameter(s) {unknown}; it takes {sorted(allowed)}")
    for name, typ, required in spec:
        if name not in given:
            if required:
                raise InvalidToolCall(f"{call.tool} requires parameter {name!r} ({typ.__name__})")
            continue
        value = given[name]
        if typ is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidToolCall(f"{call.tool}.{name} must be an integer, got {value!r}")
        if typ is str and not isinstance(value, str):
            raise InvalidToolCall(f"{call.tool}.{name} must be a string, got {value!r}")
