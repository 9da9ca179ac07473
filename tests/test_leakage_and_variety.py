"""The preview must not leak the label; scenarios must be structurally varied.

Both tests print their figures (run pytest with -s to see them).
"""

from __future__ import annotations

import random

from sentinel.agents.probe import probe_decision
from sentinel.grading.labels import BaselineCache, SubmissionKey, classify
from sentinel.grading.metrics import DECISIONS, f1_of
from sentinel.scenarios.candidates import candidate_pool
from sentinel.scenarios.generator import generate_scenario
from sentinel.scenarios.variety import structural_hash
from sentinel.world.dryrun import DryRun
from sentinel.world.preview import render_preview

TIERS = ("action_screen", "war_room", "drift_ops", "adversary")


def _pairs(mode: str, seeds: range) -> list[tuple[str, str]]:
    """(label, preview) pairs from many scenarios, tiers and all classes."""
    out = []
    for tier in TIERS:
        for seed in seeds:
            sc = generate_scenario(tier, seed)
            f = sc.family
            key, cache = SubmissionKey(f.severity, f.failure_mode, tuple(f.root_cause_keywords)), BaselineCache()
            for call in candidate_pool(sc, random.Random(seed)):
                dry = DryRun.of(sc.world, call)
                label = classify(dry, cache, key)
                out.append((label, render_preview(mode, dry, label, proposal_key=dry.call.key)))
    return out


def test_preview_probe_scores_like_random_unless_oracle():
    seeds = range(0, 120)
    simulated = _pairs("simulated", seeds)
    oracle = _pairs("oracle", seeds)
    labels = [lab for lab, _ in simulated]
    assert {"catastrophic", "wrong", "correct", "ambiguous", "neutral"} <= set(labels)
    rng = random.Random(1234)
    random_f1 = f1_of([(lab, rng.choice(DECISIONS)) for lab in labels])
    probe_sim = [probe_decision(text) for _, text in simulated]
    probe_f1 = f1_of([(lab, d) for lab, (d, _) in zip(labels, probe_sim, strict=True)])
    signal = sum(s for _, s in probe_sim)
    oracle_f1 = f1_of([(lab, probe_decision(text)[0]) for lab, text in oracle])
    print(
        f"\nleakage: {len(labels)} pairs; random F1 {random_f1:.3f}; probe F1 on simulated preview "
        f"{probe_f1:.3f} (signal on {signal} previews); probe F1 on oracle preview {oracle_f1:.3f}"
    )
    assert signal == 0
    assert abs(probe_f1 - random_f1) <= 0.10
    assert oracle_f1 >= 0.95


def test_structural_variety_sample():
    """Full counts over seeds 0..9999 are printed by benchmarks/world_throughput.py."""
    for tier in TIERS:
        hashes = {structural_hash(generate_scenario(tier, seed)) for seed in range(1200)}
        print(f"\nvariety: {tier}: {len(hashes)} distinct of 1200 seeds")
        assert len(hashes) >= 1000


def test_renaming_alone_does_not_change_the_hash():
    """Two scenarios that differ only by names hash the same: rename every service in one."""
    sc = generate_scenario("war_room", 42)
    h = structural_hash(sc)
    mapping = {n: f"svc-{i}" for i, n in enumerate(sorted(sc.world.services))}
    world = sc.world
    for svc in world.services.values():
        svc.name = mapping[svc.name]
        svc.deps = tuple(mapping[d] for d in svc.deps)
    world.services = {mapping[n]: s for n, s in world.services.items()}
    world.incident.root = mapping[world.incident.root]
    world.incident.victims = tuple(mapping[v] for v in world.incident.victims)
    sc.topology_roles = {mapping[n]: r for n, r in sc.topology_roles.items()}
    from sentinel.world.tools import ToolCall

    sc.declared = {
        g: [
            ToolCall(c.tool, tuple((k, mapping.get(v, v) if isinstance(v, str) else v) for k, v in c.args))
            for c in calls
        ]
        for g, calls in sc.declared.items()
    }
    assert structural_hash(sc) == h
