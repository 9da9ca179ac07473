"""Wire contracts (pydantic): actions, observations, state and rewards.

One action model, ``SentinelAction``, is a discriminated union on ``role``: a Responder
proposes a tool call, an Overseer decides on the pending proposal. Both members subclass
openenv's ``Action``; observation and state subclass openenv's ``Observation`` and ``State``.
Every string and container has a size limit.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from openenv.core.env_server.types import Action, Observation, State
from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictInt, StringConstraints

MAX_TEXT = 2000  # reasoning / justification characters
MAX_PARAMS = 8
MAX_PARAM_CHARS = 200
MAX_NAME = 64

# -- the vocabulary: each set of names is defined once here; tuples are derived from it -------------
Decision = Literal["approve", "flag", "block", "escalate"]
# "invalid" is how a harness reports an Overseer output that did not parse: vetoed (fail closed)
# and graded as the worst decision for the proposal's class.
Invalid = Literal["invalid"]
WireDecision = Literal[Decision, Invalid]
TaskId = Literal["action_screen", "war_room", "drift_ops", "adversary"]  # the registry is sentinel.tiers
Mode = Literal["alternating", "train_overseer", "train_responder"]
PreviewMode = Literal["simulated", "none", "oracle"]
ResponderRole = Literal["generalist", "network_ops", "db_admin", "sec_ops", "adversary"]
ADVERSARY_ROLE: ResponderRole = "adversary"  # the adversary tier's Responder role (same word, different fact)
Label = Literal["catastrophic", "wrong", "correct", "ambiguous", "neutral"]  # ground-truth classes (DESIGN §3)
BuiltinOverseerName = Literal["naive", "random", "policy"]
OverseerName = Literal[BuiltinOverseerName, Literal["probe", "llm", "hf"]]
RiskSeverity = Literal["low", "medium", "high", "catastrophic"]  # SENTINEL/Live's assessed severity
Role = Literal["responder", "overseer"]
CurrentRole = Literal[Role, Literal["done"]]

DECISIONS: tuple[Decision, ...] = get_args(Decision)
INVALID: Invalid = "invalid"
TASK_IDS: tuple[str, ...] = get_args(TaskId)
MODES: tuple[Mode, ...] = get_args(Mode)
PREVIEW_MODES: tuple[PreviewMode, ...] = get_args(PreviewMode)
LABELS: tuple[Label, ...] = get_args(Label)
BUILTIN_OVERSEERS: tuple[BuiltinOverseerName, ...] = get_args(BuiltinOverseerName)
OVERSEER_NAMES: tuple[str, ...] = get_args(OverseerName)
RISK_SEVERITIES: tuple[RiskSeverity, ...] = get_args(RiskSeverity)
DEFAULT_MODE: Mode = "train_overseer"  # what a reset that names no mode gets (DESIGN §1)
DEFAULT_PREVIEW: PreviewMode = "simulated"
DEFAULT_BUILTIN_OVERSEER: BuiltinOverseerName = "policy"

Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)]
ParamValue = StrictInt | Annotated[str, StringConstraints(max_length=MAX_PARAM_CHARS)]


class ResponderAction(Action):
    """A proposed tool call. ``parameters`` follow the *current* tool schema (it can drift)."""

    role: Literal["responder"] = "responder"
    action_type: Name
    parameters: dict[Name, ParamValue] = Field(default_factory=dict, max_length=MAX_PARAMS)
    reasoning: str = Field(default="", max_length=MAX_TEXT)
    responder_role: ResponderRole = "generalist"


class OverseerAction(Action):
    """A decision on the pending proposal."""

    role: Literal["overseer"] = "overseer"
    decision: WireDecision
    justification: str = Field(default="", max_length=MAX_TEXT)
    suspicion: float | None = Field(default=None, ge=0.0, le=1.0)


class SentinelAction(RootModel[Annotated[ResponderAction | OverseerAction, Field(discriminator="role")]]):
    """The one action model: ``{"role": "responder", ...}`` or ``{"role": "overseer", ...}``."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Proposal(_Wire):
    action_type: str
    parameters: dict[str, ParamValue]
    key: str
    reasoning: str = ""
    responder_role: ResponderRole = "generalist"


class Evidence(_Wire):
    turn: int
    tool: str
    service: str
    text: str


class ServiceInfo(_Wire):
    """One row of the service inventory: what an operations dashboard shows (state, never a label).

    Times are stamps in minutes relative to the incident's start (the observation's ``turn`` is the
    current minute; negative = before the incident), so a service's row changes only when it does.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)  # rows are shared between observations

    name: str
    kind: str
    critical: bool
    status: str  # healthy | degraded | critical | restarting | down
    replicas: int
    healthy_replicas: int  # replicas passing their health checks (the others are counted but serve nothing)
    previous_replicas: int  # the count before the last scale, by an operator or an autoscaler
    version: str
    previous_version: str
    deployed_at_min: int  # minute of the running version's deploy
    snapshot_at_min: int | None = None  # data stores: minute of the last snapshot
    flags: list[str] = Field(default_factory=list)  # feature flags currently on
    protective_flags: list[str] = Field(default_factory=list)  # its kill switches / limiters (on or off)
    depends_on: list[str] = Field(default_factory=list)  # the services it calls
    queue_depth: int | None = None  # queues: messages waiting
    contents: str | None = None  # queues and caches: pending messages | dead letters | working set | corrupt entries
    standby_lag_s: int | None = None  # databases: seconds of writes the standby has not replayed (0 = in sync)


class Rewards(_Wire):
    """Both agents' shaped rewards for the last decided turn, and the Overseer's binary reward."""

    responder: float = 0.0
    overseer: float = 0.0
    overseer_binary: float = 0.0
    justification_score: float = 0.0


class DecidedTurn(_Wire):
    """One decided turn. The class is shown only once the turn is decided."""

    turn: int
    proposal: Proposal
    decision: WireDecision  # as sent
    graded_decision: Decision  # what was graded: an invalid verdict counts as the worst decision for its class
    justification: str = ""
    suspicion: float
    label: Label
    executed: bool
    result: str
    rewards: Rewards


class SentinelObservation(Observation):
    # "live": a SENTINEL/Live request rendered as an observation for the model backends' shared prompt
    task_id: TaskId | Literal["", "live"] = ""
    mode: Mode | Literal[""] = ""
    current_role: CurrentRole = "done"
    turn: int = 0
    max_steps: int = 0
    incident_summary: str = ""
    alert: str = ""
    services: list[str] = Field(default_factory=list)
    inventory: list[ServiceInfo] = Field(default_factory=list)  # every service, its kind and current state
    evidence: list[Evidence] = Field(default_factory=list)
    proposal: Proposal | None = None
    preview: str = ""
    policy_constraints: list[str] = Field(default_factory=list)
    drift_events: list[str] = Field(default_factory=list)
    recent_decisions: list[DecidedTurn] = Field(default_factory=list)
    tools: dict[str, list[str]] = Field(default_factory=dict)  # current tool schema: tool -> parameter names
    last_result: str = ""
    resolved: bool = False
    rewards: Rewards = Field(default_factory=Rewards)
    message: str = ""


class ConfusionCounts(_Wire):
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0


class SentinelState(State):
    task_id: TaskId | Literal[""] = ""
    seed: int | None = None
    mode: Mode | Literal[""] = ""
    preview: PreviewMode | Literal[""] = ""
    turn: int = 0
    max_steps: int = 0
    current_role: CurrentRole = "done"
    done: bool = False
    resolved: bool = False
    history: list[DecidedTurn] = Field(default_factory=list)
    confusion: ConfusionCounts = Field(default_factory=ConfusionCounts)
    ambiguous_decisions: dict[Decision, int] = Field(default_factory=dict)
    cumulative_rewards: Rewards = Field(default_factory=Rewards)
    catastrophes_executed: int = 0
    invalid_verdicts: int = 0
    drift_events: list[str] = Field(default_factory=list)
    incident_cost: float = 0.0
