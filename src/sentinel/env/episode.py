"""One SENTINEL episode: the Responder → Overseer → World turn loop (DESIGN §1, §2, §5).

Pure Python and free of server concerns; ``SentinelEnvironment`` wraps it as an openenv
``Environment`` and is the only public way in. Everything random comes from per-episode streams
(``sentinel.seeding``): the Responder's own stream (never influenced by the Overseer) and an
environment stream for drift timing and preview outages. Labels come from grading, rewards from
``grading.rewards.turn_rewards``; the episode only reports what happened. Every request is
validated before anything changes, so a rejected step leaves the episode exactly as it was.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

from sentinel.agents.overseers import Overseer, make_overseer
from sentinel.agents.responders import ScriptedResponder
from sentinel.errors import (
    EpisodeFinishedError,
    InvalidActionError,
    UnknownModeError,
    UnknownPreviewError,
    UnknownTaskError,
    WrongTurnError,
)
from sentinel.grading.labels import BaselineCache, SubmissionKey, classify
from sentinel.grading.metrics import DEFAULT_SUSPICION, LETS_RUN, Confusion
from sentinel.grading.rewards import Query, TurnFacts, accumulate, graded_decision, turn_rewards
from sentinel.models import (
    DEFAULT_MODE,
    DEFAULT_PREVIEW,
    INVALID,
    MODES,
    PREVIEW_MODES,
    ConfusionCounts,
    DecidedTurn,
    Decision,
    Evidence,
    Label,
    OverseerAction,
    Proposal,
    ResponderAction,
    Rewards,
    SentinelObservation,
    SentinelState,
    ServiceInfo,
)
from sentinel.scenarios.drift import DRIFT_KINDS, DriftState, apply_drift
from sentinel.scenarios.generator import generate_scenario
from sentinel.seeding import check_seed, environment_rng
from sentinel.tiers import DEFAULT_TIER, REGISTRY, TIER_IDS
from sentinel.world.dryrun import DryRun
from sentinel.world.effects import execute
from sentinel.world.evidence import render
from sentinel.world.preview import render_preview
from sentinel.world.state import DATA_KINDS, World
from sentinel.world.tools import TOOLS, InvalidToolCall, ToolCall, validate_call

PREVIEW_UNAVAILABLE_RATE = 0.08
STALE_PREVIEW_RATE = 0.5
RECENT_DECISIONS = 5
EVIDENCE_IN_OBSERVATION = 20
SERVICE_PARAMS = frozenset({"service", "target_service", "service_name", "cache_name"})


@dataclass(slots=True)
class Pending:
    """The proposal awaiting a decision. Its label never leaves this object before the decision."""

    action: ResponderAction
    call: ToolCall
    stale: str  # why the call is stale ("" if it is not)
    label: Label
    preview: str
    proposal: Proposal


ROW_FIELDS = (
    "kind",
    "critical",
    "status",
    "replicas",
    "healthy_replicas",
    "previous_replicas",
    "version",
    "previous_version",
    "deployed_at_min",
    "snapshot_at_min",
    "flags",
    "protective_flags",
    "queue_depth",
    "contents",
    "standby_lag_s",
    "depends_on",
)


def _row(name: str, key: tuple[object, ...]) -> ServiceInfo:
    """A row from its key (ROW_FIELDS order), validated as ``ServiceInfo(name=..., **fields)`` is (tuples
    become lists) but without the keyword round trip: a reset builds every row afresh (~1.5 µs a row)."""
    fields = dict(zip(ROW_FIELDS, key, strict=True))
    fields["name"] = name
    return ServiceInfo.__pydantic_validator__.validate_python(fields)


class Inventory:
    """The service inventory shown to every agent, in the world's service order.

    It is part of every observation, so rows are reused while a service's state is unchanged (times
    are stamps, not ages: an idle service's row stays the same from turn to turn). One per episode.
    """

    __slots__ = ("_rows",)

    def __init__(self) -> None:
        # name -> (the service object and its change count when checked, the row's key, the row)
        self._rows: dict[str, tuple[tuple[int, int], tuple[object, ...], ServiceInfo]] = {}

    def rows(self, world: World) -> list[ServiceInfo]:
        now = world.tick
        out = []
        for svc in world.services.values():
            stamp = (id(svc), svc.changes)
            cached = self._rows.get(svc.name)
            if cached is not None and cached[0] == stamp:  # nothing it shows has changed since
                out.append(cached[2])
                continue
            key = (  # in ROW_FIELDS order; a tuple, because this runs for every service of every observation
                svc.kind,
                svc.critical,
                svc.status,
                0 if svc.stopped else svc.replicas,
                svc.serving,
                svc.previous_replicas,
                svc.version,
                svc.prev_version,
                now - svc.deploy_age,
                now - svc.snapshot_age if svc.kind in DATA_KINDS else None,
                tuple(sorted(f for f, on in svc.flags.items() if on)) if svc.flags else (),
                svc.guards,  # a sorted tuple, fixed at generation
                svc.queue_depth if svc.kind == "queue" else None,
                svc.contents or None,
                svc.standby_lag if svc.kind == "database" else None,
                svc.deps,
            )
            row = cached[2] if cached is not None and cached[1] == key else None
            if row is None:
                row = _row(svc.name, key)
            self._rows[svc.name] = (stamp, key, row)
            out.append(row)
        return out


class Episode:
    """State and rules of one episode (one per environment session)."""

    def __init__(
        self,
        *,
        task_id: str | None = None,
        seed: int | None = None,
        mode: str | None = None,
        preview: str | None = None,
        episode_id: str | None = None,
        overseer: str = "policy",
    ) -> None:
        task_id = DEFAULT_TIER if task_id is None else task_id
        mode = DEFAULT_MODE if mode is None else mode
        preview = DEFAULT_PREVIEW if preview is None else preview
        if task_id not in REGISTRY:
            raise UnknownTaskError(f"unknown task_id {task_id!r}; expected one of {', '.join(TIER_IDS)}")
        if mode not in MODES:
            raise UnknownModeError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        if preview not in PREVIEW_MODES:
            raise UnknownPreviewError(f"unknown preview {preview!r}; expected one of {', '.join(PREVIEW_MODES)}")
        seed = check_seed(0 if seed is None else seed)
        self.tier = REGISTRY[task_id]
        self.task_id, self.seed, self.mode, self.preview_mode = task_id, seed, mode, preview
        self.episode_id = episode_id or str(uuid.uuid4())
        self.builtin_overseer: Overseer | None = make_overseer(overseer, seed) if mode == "train_responder" else None
        self.scenario = generate_scenario(task_id, seed)
        fam = self.scenario.family
        self.key = SubmissionKey(fam.severity, fam.failure_mode, tuple(fam.root_cause_keywords))
        self.baselines = BaselineCache()
        self.inventory = Inventory()
        self.env_rng = environment_rng(task_id, seed)
        self.drift = DriftState()
        plan = self.tier.drift
        self.drift_turn: int | None = None
        self.drift_kinds: tuple[str, ...] = ()
        if plan is not None:
            self.drift_turn, self.drift_kinds = plan.draw(self.env_rng, DRIFT_KINDS)
        self.responder = ScriptedResponder(task_id, seed) if mode == "train_overseer" else None
        self.max_steps = self.tier.max_turns
        self.step_count = 0
        self.turn = 0
        self.done = False
        self.evidence: list[Evidence] = []
        self.queried: set[tuple[str, str]] = set()
        self.history: list[DecidedTurn] = []
        self.confusion = Confusion()
        self.ambiguous: Counter[Decision] = Counter()
        self.cumulative = Rewards()
        self.catastrophes_executed = 0
        self.invalid_verdicts = 0
        self.resolution_bonus_paid = False
        self.last_rewards = Rewards()
        self.last_result = ""
        self.pending: Pending | None = None
        self.phase = "responder"
        if mode == "train_overseer":
            self._builtin_proposal()

    # ------------------------------------------------------------------ public API
    def step(self, action: ResponderAction | OverseerAction) -> tuple[SentinelObservation, float]:
        """Apply one action of the agent whose turn it is; return its observation (carrying the reward)
        and scalar reward."""
        if self.done:
            raise EpisodeFinishedError(f"episode {self.episode_id} has ended; reset to start a new one")
        role = action.role
        if role != self.phase:
            raise WrongTurnError(
                f"it is the {self.phase}'s turn, not the {role}'s (mode {self.mode}, turn {self.turn})"
            )
        if isinstance(action, ResponderAction):
            pending = self._intake(action)  # validates everything; raises before any change
            self.step_count += 1
            self.pending = pending
            if self.builtin_overseer is None:  # alternating: the external Overseer decides next
                self.phase = "overseer"
                return self._reply(0.0)
            verdict = self.builtin_overseer.decide(self.observation())
            self._decide(verdict)
            self.phase = "responder"
            return self._reply(self.last_rewards.responder)
        self.step_count += 1
        self._decide(action)
        if not self.done:
            if self.responder is not None:
                self._builtin_proposal()
            else:
                self.phase = "responder"
        return self._reply(self.last_rewards.overseer)

    def _reply(self, reward: float) -> tuple[SentinelObservation, float]:
        """The observation built with its reward (assigning it afterwards re-validates the whole model)."""
        return self.observation(reward), reward

    def observation(self, reward: float | None = None) -> SentinelObservation:
        sc = self.scenario
        pending = self.pending if self.phase == "overseer" else None
        return SentinelObservation(
            done=self.done,
            reward=reward,
            task_id=self.task_id,
            mode=self.mode,
            current_role="done" if self.done else self.phase,
            turn=self.turn,
            max_steps=self.max_steps,
            incident_summary=sc.summary,
            alert=sc.alert,
            services=sorted(sc.world.services),
            inventory=self.inventory.rows(sc.world),
            evidence=self.evidence[-EVIDENCE_IN_OBSERVATION:],
            proposal=pending.proposal if pending else None,
            preview=pending.preview if pending else "",
            policy_constraints=sc.policies,
            drift_events=list(self.drift.events),
            recent_decisions=self.history[-RECENT_DECISIONS:],
            tools={tool: [name for name, _, _ in spec] for tool, spec in self.drift.schema.items()},
            last_result=self.last_result,
            resolved=sc.world.resolved,
            rewards=self.last_rewards,
        )

    def state(self) -> SentinelState:
        return SentinelState(
            episode_id=self.episode_id,
            step_count=self.step_count,
            task_id=self.task_id,
            seed=self.seed,
            mode=self.mode,
            preview=self.preview_mode,
            turn=self.turn,
            max_steps=self.max_steps,
            current_role="done" if self.done else self.phase,
            done=self.done,
            resolved=self.scenario.world.resolved,
            history=list(self.history),
            confusion=ConfusionCounts(**self.confusion.as_dict()),
            ambiguous_decisions=dict(self.ambiguous),
            cumulative_rewards=self.cumulative,
            catastrophes_executed=self.catastrophes_executed,
            invalid_verdicts=self.invalid_verdicts,
            drift_events=list(self.drift.events),
            incident_cost=round(self.scenario.world.counters.incident_cost, 3),
        )

    # ------------------------------------------------------------------ proposals
    def _builtin_proposal(self) -> None:
        assert self.responder is not None
        action = self.responder.propose(self.scenario, self.turn, self.drift)
        self.pending = self._intake(action)
        self.phase = "overseer"

    def _interpret(self, action: ResponderAction) -> tuple[ToolCall, str]:
        """Canonical call and staleness, or ``InvalidActionError`` if no schema accepts it."""
        tool = action.action_type
        if tool not in TOOLS:
            raise InvalidActionError(f"unknown action_type {tool!r}; expected one of {', '.join(TOOLS)}")
        given = ToolCall(tool, tuple(sorted(action.parameters.items())))
        drift = self.drift
        try:
            validate_call(given, drift.schema)
        except InvalidToolCall as current_error:
            for old in reversed(drift.old_schemas):
                try:
                    validate_call(given, old)
                except InvalidToolCall:
                    continue
                return ToolCall(tool, tuple(sorted(drift.canonical_args(tool, action.parameters).items()))), (
                    f"uses the pre-drift signature of {tool}: {current_error}"
                )
            raise InvalidActionError(str(current_error)) from None
        call = ToolCall(tool, tuple(sorted(drift.canonical_args(tool, action.parameters).items())))
        for value in action.parameters.values():
            if isinstance(value, str) and value in drift.stale_names:
                now = drift.renamed.get(value)
                return call, f"names {value}, which " + (f"was renamed to {now}" if now else "no longer exists")
        return call, ""

    def _intake(self, action: ResponderAction) -> Pending:
        call, stale = self._interpret(action)
        world = self.scenario.world
        available = self.env_rng.random() >= PREVIEW_UNAVAILABLE_RATE
        stale_preview = self.env_rng.random() < STALE_PREVIEW_RATE
        label: Label
        renamed: dict[str, str] = {}
        if stale:
            label = "wrong"
            if stale_preview:  # computed against the stale schema: the old name, the new name's effects
                dry = DryRun.of(world, self.drift.translate(call))
                renamed = self.drift.renamed
            else:
                dry = DryRun.of(world, call)
        else:
            dry = DryRun.of(world, call)
            label = classify(dry, self.baselines, self.key)
        preview = render_preview(
            self.preview_mode, dry, label, proposal_key=call.key, available=available, shown_as_old=renamed
        )
        proposal = Proposal(
            action_type=action.action_type,
            parameters=dict(action.parameters),
            key=call.key,
            reasoning=action.reasoning,
            responder_role=action.responder_role,
        )
        return Pending(action, call, stale, label, preview, proposal)

    # ------------------------------------------------------------------ decisions
    def _visible_texts(self, pending: Pending) -> tuple[str, ...]:
        sc = self.scenario
        return (
            sc.alert,
            sc.summary,
            pending.preview,
            *self.drift.events,
            *(e.text for e in self.evidence[-EVIDENCE_IN_OBSERVATION:]),
        )

    def _decide(self, verdict: OverseerAction) -> None:
        pending = self.pending
        assert pending is not None, "a decision needs a pending proposal"
        label, call = pending.label, pending.call
        invalid = verdict.decision == INVALID
        decision = graded_decision(label, verdict.decision)
        visible = self._visible_texts(pending)
        suspicion = verdict.suspicion if verdict.suspicion is not None else DEFAULT_SUSPICION[decision]
        self.confusion.add(label, decision)
        if label == "ambiguous":
            self.ambiguous[decision] += 1
        self.invalid_verdicts += invalid
        world = self.scenario.world
        named = [v for k, v in call.args if k in SERVICE_PARAMS and isinstance(v, str)]
        unknown_service = any(n not in world.services for n in named)

        executes = not invalid and decision in LETS_RUN
        query: Query | None = None
        if executes:
            if label == "catastrophic":
                self.catastrophes_executed += 1
            result, query = self._execute(pending)
        else:
            self._tick()
            result = (
                "escalated to human review; not executed"
                if decision == "escalate"
                else (
                    "vetoed (unparseable verdict, failing closed)"
                    if invalid
                    else "blocked by the overseer; not executed"
                )
            )
        bonus = world.resolved and not self.resolution_bonus_paid
        self.resolution_bonus_paid = self.resolution_bonus_paid or bonus
        self.turn += 1
        timed_out = False
        if executes and call.tool == "submit_resolution":
            self.done = True
        elif self.turn >= self.max_steps:
            self.done = True
            timed_out = not world.resolved
        rewards = turn_rewards(
            TurnFacts(
                task_id=self.task_id,
                label=label,
                decision=verdict.decision,
                justification=verdict.justification,
                tool=call.tool,
                category=call.category,
                target=call.target,
                key=call.key,
                visible_texts=visible,
                names_unknown_service=unknown_service,
                query=query,
                resolution_bonus=bonus,
                turn=self.turn,
                max_turns=self.max_steps,
                timed_out=timed_out,
            )
        )
        self.history.append(
            DecidedTurn(
                turn=self.turn,
                proposal=pending.proposal,
                decision=verdict.decision,
                graded_decision=decision,
                justification=verdict.justification,
                suspicion=suspicion,
                label=label,
                executed=executes,
                result=result,
                rewards=rewards,
            )
        )
        self.last_rewards = rewards
        self.last_result = result
        self.cumulative = accumulate(self.cumulative, rewards)
        self.pending = None
        if not self.done and self.drift_turn is not None and self.turn == self.drift_turn:
            apply_drift(self.scenario, self.drift, self.env_rng, self.drift_kinds)

    def _tick(self) -> None:
        self.scenario.world.advance()
        self.drift.tick()

    def _execute(self, pending: Pending) -> tuple[str, Query | None]:
        """Run an approved or flagged call for real; return its result and how new a diagnostic query was."""
        call, world = pending.call, self.scenario.world
        if pending.stale:
            self._tick()
            return f"error: the call {pending.stale}", None
        query: Query | None = None
        if call.category == "diagnostic":
            service = call.target
            if call.tool in self.drift.tool_errors:
                text = f"error: {call.tool} backend returned HTTP 503"
            else:
                text = render(call.tool, service, world, self.scenario.family, self.scenario.role_map)
                if service in world.services:
                    services_seen = {s for _, s in self.queried}
                    if (call.tool, service) in self.queried:
                        query = "repeat_query"
                    elif service in services_seen:
                        query = "new_tool_on_service"
                    else:
                        query = "query_new_service"
                    self.queried.add((call.tool, service))
            self.evidence.append(Evidence(turn=self.turn + 1, tool=call.tool, service=service, text=text))
            self._tick()
            return text, query
        if call.category == "submission":
            self._tick()
            return f"recorded {call.key}", None
        outcome = execute(world, call)
        self.drift.tick()
        return outcome.message, None
