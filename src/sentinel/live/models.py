"""Wire models of SENTINEL/Live. Every field has a size limit; blank descriptions are refused."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sentinel.data import load
from sentinel.models import RISK_SEVERITIES, Decision, RiskSeverity

MAX_DESCRIPTION = 4000
MAX_CONTEXT = 4000
MAX_ARGS = 32
MAX_BATCH = 100
Backend = Literal["heuristic", "hf", "llm"]
Severity = RiskSeverity
_ALIAS_SEPARATORS = re.compile(r"[\s_-]+")


@lru_cache(maxsize=1)
def severity_aliases() -> dict[str, RiskSeverity]:
    """Every accepted ``severity_hint`` spelling (separator-free, lower case) → its severity, from
    ``data/severity_aliases.toml``, so the table is documented and changed in one place."""
    table = load("severity_aliases")
    return {_ALIAS_SEPARATORS.sub("", alias.lower()): sev for sev in RISK_SEVERITIES for alias in table[sev]}


def canonical_severity(value: object) -> object:
    """Map a client's spelling of a severity (``critical``, ``SEV-1``, ``Low``) to ours; anything
    unknown is refused with the accepted spellings, so nonsense never silently means "low"."""
    if value is None or not isinstance(value, str):
        return value
    key = _ALIAS_SEPARATORS.sub("", value.strip().lower())
    if key in severity_aliases():
        return severity_aliases()[key]
    table = load("severity_aliases")
    accepted = "; ".join(f"{sev}: {', '.join(table[sev])}" for sev in reversed(RISK_SEVERITIES))
    raise ValueError(f"unknown severity_hint {value[:40]!r}; accepted (case-insensitive): {accepted}")


class ToolCallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128)
    arguments: dict[str, Any] = Field(default_factory=dict, max_length=MAX_ARGS)

    @model_validator(mode="before")
    @classmethod
    def _openai_shape(cls, value: Any) -> Any:
        """Accept the shapes agents send: OpenAI's ``{"type": "function", "function": {"name",
        "arguments"}}`` (an ``id`` beside it) and ``arguments`` as JSON text; text that is no JSON
        object is refused (4xx), never guessed at."""
        import json

        if isinstance(value, dict) and isinstance(value.get("function"), dict) and "name" not in value:
            value = {k: v for k, v in value["function"].items() if k in ("name", "arguments")}
        if isinstance(value, dict) and isinstance(value.get("arguments"), str):
            text = value["arguments"]
            if len(text) > MAX_DESCRIPTION:
                raise ValueError(f"tool_call.arguments must be at most {MAX_DESCRIPTION} characters")
            try:
                parsed = json.loads(text) if text.strip() else {}
            except ValueError as err:
                raise ValueError("tool_call.arguments given as text must be a JSON object") from err
            if not isinstance(parsed, dict):
                raise ValueError("tool_call.arguments given as text must be a JSON object")
            value = {**value, "arguments": parsed}
        if isinstance(value, dict):  # OpenAI's call id and type say nothing about what runs
            value = {k: v for k, v in value.items() if k not in ("id", "type")}
        return value

    @field_validator("arguments")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        import json

        if len(json.dumps(value, default=str)) > MAX_DESCRIPTION:
            raise ValueError(f"tool_call.arguments must serialise to at most {MAX_DESCRIPTION} characters")
        return value


class OverseeRequest(BaseModel):
    """A proposed action: free-form ``action_description`` and/or a structured ``tool_call``."""

    model_config = ConfigDict(extra="forbid")
    action_description: str = Field(default="", max_length=MAX_DESCRIPTION)
    tool_call: ToolCallIn | None = None
    proposed_tool: str = Field(default="", max_length=128)
    proposed_target: str = Field(default="", max_length=256)
    context: str = Field(default="", max_length=MAX_CONTEXT)
    reasoning: str = Field(default="", max_length=MAX_CONTEXT)
    severity_hint: Severity | None = Field(
        default=None,
        description="low, medium, high or catastrophic; common spellings are accepted case-insensitively "
        "(critical, SEV1, P0 → catastrophic; major, P2 → high; warning → medium; info → low; see "
        "data/severity_aliases.toml). It can only raise the assessed severity.",
    )
    policy_constraints: list[str] = Field(default_factory=list, max_length=32)
    backend: Backend = "heuristic"

    @field_validator("severity_hint", mode="before")
    @classmethod
    def _severity_alias(cls, value: object) -> object:
        return canonical_severity(value)

    @field_validator("context", mode="before")
    @classmethod
    def _context_object(cls, value: object) -> object:
        """Agents often send their context as an object (``{"environment": "production", "host":
        "pg-prod-01"}``): it is read as ``key: value`` lines (nested values as JSON), bounded like text."""
        if not isinstance(value, dict):
            return value
        import json

        lines = [f"{k}: {v if isinstance(v, str) else json.dumps(v, default=str)}" for k, v in value.items()]
        return "\n".join(lines)

    @field_validator("policy_constraints")
    @classmethod
    def _short_policies(cls, value: list[str]) -> list[str]:
        if any(len(p) > 500 for p in value):
            raise ValueError("each policy constraint must be at most 500 characters")
        return value

    @model_validator(mode="after")
    def _something_to_judge(self) -> OverseeRequest:
        if not self.action_description.strip() and self.tool_call is None and not self.proposed_tool.strip():
            raise ValueError("give a non-blank action_description, a tool_call or a proposed_tool")
        return self


class Verdict(BaseModel):
    decision: Decision
    justification: str
    justification_score: float
    severity_assessed: Severity
    confidence: float
    risk_score: float
    reasoning_trace: list[str]
    shield_triggered: bool
    shield_patterns: list[str] = Field(default_factory=list)
    backend_used: str
    latency_ms: float
    request_id: str


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[OverseeRequest] = Field(min_length=1, max_length=MAX_BATCH)
