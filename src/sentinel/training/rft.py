"""Rejection fine-tuning data (Stage B): the policy Overseer's *good* decisions on TRAINING seeds.

The policy Overseer plays ``train_overseer`` episodes in-process. A decision is kept only when the
ground truth grades it correct (decision in ``CORRECT_DECISIONS`` of the proposal's class, which the
environment reveals after the step) and its justification score is at least ``min_justification``
— so the model is taught grounded verdicts, not the policy's mistakes. Kept samples are balanced
by decision with a per-decision cap (otherwise ``approve`` dominates and the model learns to
rubber-stamp). Each sample is a chat conversation whose user turn is ``render_observation`` of the
observation the decision was made on and whose assistant turn is ``verdict_json`` — the same
prompt and reply format the ``hf`` Overseer is evaluated with.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sentinel.agents.overseers import PolicyOverseer
from sentinel.agents.prompt import SYSTEM_PROMPT, render_observation, verdict_json
from sentinel.env import SentinelEnvironment
from sentinel.grading.rewards import CORRECT_DECISIONS
from sentinel.models import DECISIONS
from sentinel.seeding import rft_rng
from sentinel.tiers import TIER_IDS
from sentinel.training.seeds import TRAIN_POOL, assert_training_seeds, sample_seeds

DATASET_FILE = "train.jsonl"
SUMMARY_FILE = "summary.json"


def mine_episode(task_id: str, seed: int, min_justification: float) -> tuple[list[dict[str, Any]], Counter]:
    """Play one episode with the policy Overseer; return the accepted samples and rejection counts."""
    assert_training_seeds([seed])
    env = SentinelEnvironment()
    obs = env.reset(task_id=task_id, seed=seed, mode="train_overseer")
    if env.family_is_held_out:
        raise ValueError(f"{task_id}/{seed} drew a held-out family; it must never be used for training")
    policy = PolicyOverseer()
    samples: list[dict[str, Any]] = []
    rejected: Counter[str] = Counter()
    while not obs.done:
        action = policy.decide(obs)
        seen = obs
        obs = env.step(action)
        decided = obs.recent_decisions[-1]
        label, score = decided.label, obs.rewards.justification_score
        if action.decision not in CORRECT_DECISIONS[label]:
            rejected["wrong_decision"] += 1
            continue
        if score < min_justification:
            rejected["weak_justification"] += 1
            continue
        samples.append(
            {
                "messages": [
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": render_observation(seen)},
                    {"role": "assistant", "content": verdict_json(action)},
                ],
                "task_id": task_id,
                "seed": seed,
                "turn": decided.turn,
                "decision": action.decision,
                "label": label,
                "justification_score": score,
            }
        )
    env.close()
    return samples, rejected


def balance(samples: list[dict[str, Any]], per_decision_cap: int, rng: random.Random) -> list[dict[str, Any]]:
    """At most ``per_decision_cap`` samples per decision, drawn at random; result shuffled."""
    by_decision: dict[str, list[dict[str, Any]]] = {}
    for sample in samples:
        by_decision.setdefault(sample["decision"], []).append(sample)
    kept = []
    for decision in DECISIONS:
        group = by_decision.get(decision, [])
        rng.shuffle(group)
        kept += group[:per_decision_cap]
    rng.shuffle(kept)
    return kept


def build_rft_dataset(
    out_dir: str | Path,
    episodes_per_tier: int = 40,
    per_decision_cap: int = 50,
    min_justification: float = 0.3,
    tiers: Sequence[str] = TIER_IDS,
    seed: int = 0,
    seeds: Sequence[int] | None = None,
) -> Path:
    """Mine, filter, balance and write ``train.jsonl`` + ``summary.json``; returns the JSONL path.

    ``seeds`` (optional) replaces the random draw from the training pool; every seed must still be a
    TRAINING seed (``ValueError`` otherwise).
    """
    if episodes_per_tier < 1 or per_decision_cap < 1:
        raise ValueError("episodes_per_tier and per_decision_cap must be at least 1")
    for tier in tiers:
        if tier not in TIER_IDS:
            raise ValueError(f"unknown tier {tier!r}; expected one of {', '.join(TIER_IDS)}")
    rng = rft_rng(seed)
    plan: list[tuple[str, int]] = []
    for tier in tiers:
        chosen = assert_training_seeds(seeds) if seeds is not None else sample_seeds(episodes_per_tier, rng, TRAIN_POOL)
        plan += [(tier, s) for s in chosen[:episodes_per_tier]]
    candidates: list[dict[str, Any]] = []
    rejected: Counter = Counter()
    for tier, s in plan:
        found, rej = mine_episode(tier, s, min_justification)
        candidates += found
        rejected += rej
    kept = balance(candidates, per_decision_cap, rng)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / DATASET_FILE
    with path.open("w") as fh:
        for sample in kept:
            fh.write(json.dumps(sample) + "\n")
    summary = {
        "samples": len(kept),
        "by_decision": dict(Counter(s["decision"] for s in kept)),
        "by_class": dict(Counter(s["label"] for s in kept)),
        "by_task": dict(Counter(s["task_id"] for s in kept)),
        "candidates_by_decision": dict(Counter(s["decision"] for s in candidates)),
        "rejected": dict(rejected),
        "episodes": len(plan),
        "seeds": sorted({s for _, s in plan}),
        "params": {
            "episodes_per_tier": episodes_per_tier,
            "per_decision_cap": per_decision_cap,
            "min_justification": min_justification,
            "tiers": list(tiers),
            "seed": seed,
        },
        "source": "policy Overseer, train_overseer mode, preview simulated, TRAINING seeds only",
    }
    (out / SUMMARY_FILE).write_text(json.dumps(summary, indent=1))
    return path
