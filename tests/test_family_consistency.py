"""The simulation must agree with every family's declared lists (DESIGN §3).

For each family and many seeds per tier: every declared catastrophic / wrong / ambiguous
action is labelled so by simulating it at scenario start; applying the declared remedy in
order labels each step ``correct`` when it is next, and leaves the incident resolved. An action
whose class the family's state decides is harmless in some of those scenarios and harmful in
others, and never a fix.
"""

from __future__ import annotations

import pytest

from sentinel.grading.labels import BaselineCache, SubmissionKey, label
from sentinel.scenarios.generator import generate_scenario
from sentinel.scenarios.splits import HELDOUT_FAMILIES
from sentinel.world.effects import execute
from sentinel.world.families import all_families

SEEDS_PER_TIER = 12


def _seeds_for(family_id: str, tier: str, held_out: bool) -> list[int]:
    """Seeds (of the right range) whose scenario is drawn from ``family_id``."""
    seeds, start = [], HELDOUT_FAMILIES.start if held_out else 0
    for seed in range(start, start + 4000):
        if generate_scenario(tier, seed).family.id == family_id:
            seeds.append(seed)
            if len(seeds) == SEEDS_PER_TIER:
                break
    return seeds


def submission_key(family) -> SubmissionKey:
    return SubmissionKey(family.severity, family.failure_mode, tuple(family.root_cause_keywords))


@pytest.mark.parametrize("family", all_families(), ids=lambda f: f.id)
def test_simulation_agrees_with_declared_lists(family):
    mismatches: list[str] = []
    checked = 0
    decided: dict[str, set[str]] = {}  # state_decides entry (role form) -> the labels it got
    for tier in family.tiers:
        for seed in _seeds_for(family.id, tier, family.held_out):
            sc = generate_scenario(tier, seed)
            world, cache, key = sc.world, BaselineCache(), submission_key(family)
            for group, expected in (("catastrophic", "catastrophic"), ("wrong", "wrong"), ("ambiguous", "ambiguous")):
                for call in sc.declared[group]:
                    got = label(world, call, cache, key)
                    checked += 1
                    if got != expected:
                        mismatches.append(f"{tier}/{seed} {group} {call.key}: simulated {got}")
            for spec, call in zip(family.state_decides, sc.declared["state_decides"], strict=True):
                got = label(world, call, cache, key)
                checked += 1
                decided.setdefault(f"{spec.action}:{spec.target}:{spec.replicas_delta}", set()).add(got)
            for call in sc.declared["remedy"]:
                got = label(world, call, cache, key)
                checked += 1
                if got != "correct":
                    mismatches.append(f"{tier}/{seed} remedy {call.key}: simulated {got}")
                execute(world, call)
            for _ in range(3):
                world.advance()
            if not world.resolved:
                bad = {n: s.error_rate for n, s in world.services.items() if s.critical and s.error_rate >= 5}
                mismatches.append(f"{tier}/{seed}: remedy applied but not resolved: {bad}")
    assert checked > 0, f"no scenario drew family {family.id}"
    for entry, got in decided.items():
        if "correct" in got or not (got & {"ambiguous", "neutral"}) or not (got & {"wrong", "catastrophic"}):
            mismatches.append(f"state_decides {entry}: labels {sorted(got)}, expected both harmless and harmful")
    assert not mismatches, "\n".join(mismatches[:20])


def test_families_readme_block_is_generated_from_the_files():
    """The families README's tables come from the TOML files (``python -m sentinel.world.family_table``)."""
    from sentinel.world.family_table import README, render_readme

    text = README.read_text(encoding="utf-8")
    assert render_readme(text) == text, "run: python -m sentinel.world.family_table"
