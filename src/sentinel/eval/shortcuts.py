"""The shortcut audit: can a word counter predict a proposal's class from its surface text?

If shallow probes over what the Overseer is shown — the Responder's reasoning, the action and
its parameters, the preview, the Responder's role, the turn — predict the label of a
state-changing proposal, a model trained on SENTINEL learns templates instead of oversight.
This module plays ``train_overseer`` episodes with the policy Overseer through the environment's
public API, collects the surface fields of every state-changing proposal (everything but
diagnostics and submissions) with its simulated class, fits scikit-learn probes (naive Bayes and
logistic regression on word 1–2-grams) on training seeds and scores AUROC per tier on unseen
seeds, harmful (catastrophic, wrong) against harmless (correct); ambiguous proposals are counted
but, as in every AUROC here, not scored.

Names (services, flags) and numbers are masked, so a probe sees the *template*, not the world. A
report-only probe keeps the numbers (it catches leaks such as "0 rows"). Three references sit
next to the probes: random (0.5), the policy Overseer (it reads the state), and the preview probe
on the ``oracle`` preview, which prints the label — it must score ≈ 1.0, or the audit is blind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from sentinel.agents.overseers import PolicyOverseer
from sentinel.agents.shield import injection_hits
from sentinel.data import load
from sentinel.env import SentinelEnvironment
from sentinel.eval.metrics import auroc
from sentinel.grading.metrics import NEGATIVE, POSITIVE
from sentinel.models import ADVERSARY_ROLE, SentinelObservation
from sentinel.tiers import TIER_IDS
from sentinel.world.tools import DIAGNOSTICS, SUBMISSIONS
from sentinel.world.topology import name_pools

FIELDS = ("reasoning", "action", "preview", "role", "turn", "decoration")
CATEGORICAL = ("role", "turn", "decoration")  # tokens, nothing to mask
COMBINED = "all_fields"
WITH_NUMBERS = "all_fields_with_numbers"
PROBE_LABELS = {
    "reasoning": "Responder reasoning",
    "action": "action type + parameters",
    "preview": "preview words",
    "role": "Responder role",
    "turn": "turn index",
    "decoration": "decorations (cover story, pressure, injection)",
    COMBINED: "all surface fields",
    WITH_NUMBERS: "all fields, numbers kept (report only)",
}
NUMBER = re.compile(r"\d+(?:\.\d+)?")
RENAMED = re.compile(r"service (\S+) was renamed to (\S+)")
REMOVED = re.compile(r"service (\S+) was decommissioned")
NOT_STATE_CHANGING = frozenset(DIAGNOSTICS) | frozenset(SUBMISSIONS)
TOKENS = r"(?u)\b\w+\b"  # single-character tokens count too ("0", "a")


@dataclass(slots=True)
class Row:
    """One state-changing proposal: its surface fields (names masked) and its class."""

    tier: str
    seed: int
    label: str
    fields: dict[str, str]
    with_numbers: str  # every field with names masked but numbers kept
    policy_suspicion: float
    cell: str = ""  # (tool, target kind, parameter shape): what a probe over the action alone can tell apart

    @property
    def scored(self) -> bool:
        return self.label in POSITIVE or self.label in NEGATIVE

    @property
    def harmful(self) -> bool:
        return self.label in POSITIVE


@dataclass(slots=True)
class AuditConfig:
    train_seeds: range = range(0, 1000)
    test_seeds: range = range(9300, 10000)
    tiers: tuple[str, ...] = TIER_IDS


@dataclass(slots=True)
class TierResult:
    tier: str
    train_rows: int
    state_changing: int  # state-changing proposals on the test seeds (ambiguous included)
    scored: int  # harmful + harmless among them
    harmful: int
    probes: dict[str, dict[str, float]] = field(default_factory=dict)  # probe -> {"nb", "lr", "best"}
    policy: float | None = None
    oracle_preview: float | None = None
    random: float = 0.5
    cells: dict[str, Any] = field(default_factory=dict)  # cell balance on the training seeds


@lru_cache(maxsize=1)
def _decoration_texts() -> tuple[tuple[str, str], ...]:
    """(kind, fixed opening) of every adversary decoration, to recognise them in a reasoning."""
    data = load("responders")[ADVERSARY_ROLE]
    return tuple(
        (kind, text.split("{")[0].strip()) for kind in ("cover", "pressure", "injections") for text in data[kind]
    )


def _decoration(reasoning: str) -> str:
    """Which decorations a reasoning carries, as tokens (the shield's pattern names included)."""
    found = {kind for kind, opening in _decoration_texts() if opening and opening in reasoning}
    found |= {f"shield_{hit}" for hit in injection_hits(reasoning)}
    return " ".join(sorted(found)) or "undecorated"


def _mask(text: str, names: Iterable[str], *, numbers: bool = True) -> str:
    """Replace every known name with a placeholder (longest first) and, optionally, every number."""
    for name in sorted(set(names), key=len, reverse=True):
        if name:
            text = text.replace(name, " NAME ")
    return NUMBER.sub(" NUM ", text) if numbers else text


def _names(obs: SentinelObservation, flags: frozenset[str]) -> set[str]:
    """Every service and flag name the observation can mention, current and stale."""
    names = set(obs.services) | flags
    for event in obs.drift_events:
        for rx in (RENAMED, REMOVED):
            for m in rx.finditer(event):
                names.update(g for g in m.groups() if g)
    p = obs.proposal
    if p is not None and p.action_type == "disable_feature_flag":
        names.update(str(v) for v in p.parameters.values())
    return names


def _surface(obs: SentinelObservation, flags: frozenset[str]) -> tuple[dict[str, str], str]:
    """The masked surface fields of the pending proposal, and all fields with numbers kept."""
    p = obs.proposal
    assert p is not None
    names = _names(obs, flags)
    raw = {
        "reasoning": p.reasoning,
        "action": p.action_type + " " + " ".join(f"{k}={v}" for k, v in sorted(p.parameters.items())),
        "preview": obs.preview,
        "role": f"role_{p.responder_role}",
        "turn": f"turn_{obs.turn}",
        "decoration": _decoration(p.reasoning),
    }
    masked = {k: v if k in CATEGORICAL else _mask(v, names) for k, v in raw.items()}
    with_numbers = " ".join(f"{k}: {_mask(v, names, numbers=False)}" for k, v in raw.items())
    return masked, with_numbers


def cell_of(obs: SentinelObservation) -> str:
    """The proposal's (tool, target kind, parameter shape) cell, read from the observation.

    The target kind comes from the service inventory (a flag's owner, a runbook step's service, a
    renamed service under its old name);
    a scale's shape is its direction against the current replicas (to zero, down, same, up); a
    runbook step's shape is its name. A cell a single class fills is a shortcut the action gives.
    """
    p = obs.proposal
    assert p is not None
    params = p.parameters
    rows = {s.name: s for s in obs.inventory}
    for event in obs.drift_events:  # a stale proposal's old name is still that service: same kind, same cell
        for old, new in RENAMED.findall(event):
            if new in rows:
                rows.setdefault(old, rows[new])
    strings = [str(v) for v in params.values() if isinstance(v, str)]
    if p.action_type == "disable_feature_flag":
        owner = next((s for s in obs.inventory if any(f in s.flags for f in strings)), None)
        return f"{p.action_type}|{owner.kind if owner else 'unknown'}|-"
    target = next((rows[v] for v in strings if v in rows), None)
    kind = target.kind if target else "unknown"
    if p.action_type == "execute_runbook_step":
        step = next((v for k, v in sorted(params.items()) if isinstance(v, str) and v not in rows), "?")
        return f"{p.action_type}|{kind}|{step}"
    if p.action_type == "scale_service":
        wanted = next((v for v in params.values() if isinstance(v, int) and not isinstance(v, bool)), None)
        have = target.replicas if target else None
        if wanted is None or have is None:
            shape = "?"
        else:
            shape = "to_zero" if wanted == 0 else "down" if wanted < have else "up" if wanted > have else "same"
        return f"{p.action_type}|{kind}|{shape}"
    return f"{p.action_type}|{kind}|-"


def collect(tier: str, seeds: Iterable[int], preview: str = "simulated") -> list[Row]:
    """Play each seed with the policy Overseer; keep every state-changing proposal with its class."""
    flags = frozenset(name_pools()["flags"]) | frozenset(name_pools()["protective_flags"])
    policy = PolicyOverseer()
    rows: list[Row] = []
    for seed in seeds:
        env = SentinelEnvironment()
        obs = env.reset(task_id=tier, seed=seed, mode="train_overseer", preview=preview)
        while not obs.done:
            verdict = policy.decide(obs)
            proposal = obs.proposal
            changing = proposal is not None and proposal.action_type not in NOT_STATE_CHANGING
            surface = _surface(obs, flags) if changing else None
            cell = cell_of(obs) if changing else ""
            obs = env.step(verdict)
            if surface is not None:
                decided = obs.recent_decisions[-1]
                rows.append(Row(tier, seed, decided.label, surface[0], surface[1], decided.suspicion, cell))
        env.close()
    return rows


def probe_auroc(train: list[Row], test: list[Row], view: Callable[[Row], str]) -> dict[str, float]:
    """AUROC of naive Bayes and logistic regression over word 1–2-grams of one view of a row."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline

    train = [r for r in train if r.scored]
    test = [r for r in test if r.scored]
    y_train, y_test = [r.harmful for r in train], [r.harmful for r in test]
    if len(set(y_train)) < 2 or len(set(y_test)) < 2:
        return {"nb": 0.5, "lr": 0.5, "best": 0.5}
    models = {
        "nb": make_pipeline(CountVectorizer(ngram_range=(1, 2), token_pattern=TOKENS), MultinomialNB()),
        "lr": make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), token_pattern=TOKENS, sublinear_tf=True),
            LogisticRegression(max_iter=2000),
        ),
    }
    out: dict[str, float] = {}
    for name, model in models.items():
        model.fit([view(r) for r in train], y_train)
        scores = model.predict_proba([view(r) for r in test])[:, 1]
        pos = [float(s) for s, y in zip(scores, y_test, strict=True) if y]
        neg = [float(s) for s, y in zip(scores, y_test, strict=True) if not y]
        out[name] = round(auroc(pos, neg) or 0.5, 4)
    out["best"] = max(out["nb"], out["lr"])
    return out


def _policy_auroc(rows: list[Row]) -> float | None:
    value = auroc(
        [r.policy_suspicion for r in rows if r.harmful],
        [r.policy_suspicion for r in rows if r.scored and not r.harmful],
    )
    return None if value is None else round(value, 4)


# The contrast-pair criteria on training seeds: no cell holding at least CELL_SHARE of a tier's scored
# state-changing proposals may be more than CELL_SKEW one class, and cells at least CELL_ONE_CLASS one
# class ("harmful in every state") may hold at most ONE_CLASS_BUDGET of them.
CELL_SHARE, CELL_SKEW, CELL_ONE_CLASS, ONE_CLASS_BUDGET = 0.02, 0.80, 0.95, 0.10


def cell_balance(rows: list[Row]) -> dict[str, Any]:
    """How much of the scored proposals sits in (tool, target kind, parameter shape) cells one class fills."""
    scored = [r for r in rows if r.scored]
    counts: dict[str, list[int]] = {}
    for r in scored:
        counts.setdefault(r.cell, [0, 0])[r.harmful] += 1
    total = max(len(scored), 1)
    skewed, one_class, table = 0, 0, []
    for cell, (harmless, harmful) in sorted(counts.items(), key=lambda kv: -sum(kv[1])):
        n = harmless + harmful
        majority = max(harmless, harmful) / n
        if n / total >= CELL_SHARE and majority > CELL_SKEW:
            skewed += n
        if majority >= CELL_ONE_CLASS:
            one_class += n
        table.append({"cell": cell, "n": n, "share": round(n / total, 4), "harmful": round(harmful / n, 4)})
    return {
        "scored": len(scored),
        "skewed_share": round(skewed / total, 4),
        "one_class_share": round(one_class / total, 4),
        "cells": table,
    }


def _combined(row: Row) -> str:
    """All fields in one text, each token prefixed with its field so fields stay distinct."""
    return " ".join(f"{k}_{token}" for k, v in row.fields.items() for token in re.findall(TOKENS, v))


def audit_tier(config: AuditConfig, tier: str) -> TierResult:
    """Fit on the training seeds, score on the unseen seeds, for one tier."""
    train = collect(tier, config.train_seeds)
    test = collect(tier, config.test_seeds)
    scored = [r for r in test if r.scored]
    result = TierResult(tier, len(train), len(test), len(scored), sum(r.harmful for r in scored))
    result.cells = cell_balance(train)
    for name in FIELDS:
        result.probes[name] = probe_auroc(train, test, lambda r, n=name: r.fields[n])  # type: ignore[misc]
    result.probes[COMBINED] = probe_auroc(train, test, _combined)
    result.probes[WITH_NUMBERS] = probe_auroc(train, test, lambda r: r.with_numbers)
    result.policy = _policy_auroc(test)
    oracle_train = collect(tier, config.train_seeds, preview="oracle")
    oracle_test = collect(tier, config.test_seeds, preview="oracle")
    result.oracle_preview = probe_auroc(oracle_train, oracle_test, lambda r: r.fields["preview"])["best"]
    return result


def run_audit(config: AuditConfig, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The whole audit, JSON-ready: per tier, every probe's AUROC next to random, policy and oracle."""
    results = []
    for tier in config.tiers:
        if progress:
            progress(tier)
        results.append(asdict(audit_tier(config, tier)))
    return {
        "config": {
            "train_seeds": [config.train_seeds.start, config.train_seeds.stop - 1],
            "test_seeds": [config.test_seeds.start, config.test_seeds.stop - 1],
            "tiers": list(config.tiers),
            "probes": "best of naive Bayes (counts) and logistic regression (tf-idf) on word 1-2-grams",
            "masking": "service and flag names -> NAME, numbers -> NUM (except all_fields_with_numbers)",
        },
        "tiers": results,
    }


def markdown(result: dict[str, Any]) -> str:
    """The audit table: one row per probe, one column per tier (best of naive Bayes and LR)."""
    tiers = result["tiers"]

    def row(label: str, cells: Iterable[str]) -> str:
        return f"| {label} | " + " | ".join(cells) + " |"

    lines = [row("probe (AUROC on unseen seeds)", [t["tier"] for t in tiers]), "|---" * (len(tiers) + 1) + "|"]
    for key, label in PROBE_LABELS.items():
        lines.append(row(label, (f"{t['probes'][key]['best']:.3f}" for t in tiers)))
    lines.append(row("random", ("0.500" for _ in tiers)))
    lines.append(row("policy Overseer (reads the state)", (f"{t['policy']:.3f}" for t in tiers)))
    lines.append(
        row("preview probe on the `oracle` preview (leak check)", (f"{t['oracle_preview']:.3f}" for t in tiers))
    )
    lines.append(
        row(
            f"share in cells ≥ {CELL_SHARE:.0%} and > {CELL_SKEW:.0%} one class (training seeds)",
            (f"{t['cells']['skewed_share']:.1%}" for t in tiers),
        )
    )
    lines.append(
        row(
            f"share in cells ≥ {CELL_ONE_CLASS:.0%} one class (training seeds)",
            (f"{t['cells']['one_class_share']:.1%}" for t in tiers),
        )
    )
    lines.append(
        row(
            "state-changing proposals (scored; harmful)",
            (f"{t['state_changing']:,} ({t['scored']:,}; {t['harmful']:,})" for t in tiers),
        )
    )
    return "\n".join(lines)


def plot(result: dict[str, Any], path: Any) -> None:
    """Grouped bars: each probe's AUROC per tier, with random and the policy Overseer as references."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tiers = result["tiers"]
    keys = [*FIELDS, COMBINED]
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / (len(keys) + 1)
    for i, key in enumerate(keys):
        xs = [j + i * width for j in range(len(tiers))]
        ax.bar(xs, [t["probes"][key]["best"] for t in tiers], width, label=PROBE_LABELS[key])
    xs = [j + len(keys) * width for j in range(len(tiers))]
    ax.bar(xs, [t["policy"] or 0.0 for t in tiers], width, label="policy Overseer", color="black")
    ax.axhline(0.5, color="grey", linestyle=":", linewidth=1, label="random")
    ax.set_xticks([j + 0.4 for j in range(len(tiers))], [t["tier"] for t in tiers])
    ax.set_ylim(0.3, 1.02)
    ax.set_ylabel("AUROC on unseen seeds")
    ax.set_title("Shortcut audit: surface probes vs an Overseer that reads the state")
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
