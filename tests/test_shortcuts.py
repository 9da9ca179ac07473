"""The shortcut audit on a CI-sized sample: the surface of an observation must not predict the label.

Targets of the benchmark-validity issue (every tier, AUROC of the best of naive Bayes and logistic
regression, names and numbers masked): Responder reasoning, role, turn and the adversary's
decorations ≤ 0.60. The audit must also *see* a leak: the preview probe on the label-printing
``oracle`` preview reaches ≈ 1.0. The full audit (≥ 2,000 state-changing proposals per tier) is
``benchmarks/shortcut_audit.py``; its committed result is ``results/shortcuts.json``.
"""

from __future__ import annotations

import pytest

from sentinel.eval.shortcuts import AuditConfig, markdown, run_audit
from sentinel.tiers import TIER_IDS

TEXT_TARGET = 0.60


@pytest.fixture(scope="module")
def audit():
    return run_audit(AuditConfig(train_seeds=range(0, 200), test_seeds=range(9300, 9450)))


def test_audit_covers_every_tier_and_sees_a_leak(audit):
    print("\n" + markdown(audit))
    assert [t["tier"] for t in audit["tiers"]] == list(TIER_IDS)
    for t in audit["tiers"]:
        assert t["scored"] >= 200, t["tier"]
        assert t["oracle_preview"] >= 0.95, t["tier"]


@pytest.mark.parametrize("probe", ["reasoning", "role", "turn", "decoration"])
def test_text_the_responder_writes_does_not_predict_the_label(audit, probe):
    for t in audit["tiers"]:
        assert t["probes"][probe]["best"] <= TEXT_TARGET, (t["tier"], probe, t["probes"][probe])


def test_masking_hides_names_and_numbers():
    from sentinel.eval.shortcuts import collect

    rows = collect("war_room", range(3))
    assert rows
    for r in rows:
        for key in ("reasoning", "action", "preview"):
            assert not any(ch.isdigit() for ch in r.fields[key]), r.fields[key]
