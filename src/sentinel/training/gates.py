"""Auto-abort gates and the keep-best rule (DESIGN §7), as pure functions of reward curves.

A GRPO stage that is not learning wastes the budget and can only damage the adapter it started
from, so at configured steps the mean reward over a trailing window must reach a minimum or the
stage is aborted (and rolled back by the caller). After Stage C, its checkpoint is kept only if it
beats Stage B by a margin on a validation slice of TRAINING seeds — never on an evaluation split.
No I/O and no ML imports here, so the logic is unit-tested with synthetic curves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from math import isfinite
from typing import Any

from sentinel.scenarios.splits import TRAINING


@dataclass(frozen=True, slots=True)
class GateResult:
    """What a gate saw at one step and whether the stage may go on."""

    step: int
    window_mean: float
    window: int
    minimum: float
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def window_mean(rewards: Sequence[float], window: int) -> float:
    """Mean of the last ``window`` finite rewards (fewer if fewer exist); 0.0 for an empty curve."""
    if window < 1:
        raise ValueError("window must be at least 1")
    finite = [r for r in rewards if isfinite(r)]
    tail = finite[-window:]
    return sum(tail) / len(tail) if tail else 0.0


def check_gate(
    rewards: Sequence[float], step: int, at_steps: Sequence[int], window: int, minimum: float
) -> GateResult | None:
    """The gate verdict at ``step`` (1-based, ``rewards[step-1]`` is its reward), or ``None`` off-gate."""
    if step not in at_steps:
        return None
    if len(rewards) < step:
        raise ValueError(f"gate at step {step} needs {step} rewards, got {len(rewards)}")
    mean = window_mean(rewards[:step], window)
    return GateResult(step=step, window_mean=round(mean, 6), window=window, minimum=minimum, passed=mean >= minimum)


def first_failed_gate(
    rewards: Sequence[float], at_steps: Sequence[int], window: int, minimum: float
) -> GateResult | None:
    """Replay a whole curve through the gates; the first failing gate, or ``None`` if all passed."""
    for step in range(1, len(rewards) + 1):
        result = check_gate(rewards, step, at_steps, window, minimum)
        if result is not None and not result.passed:
            return result
    return None


@dataclass(frozen=True, slots=True)
class KeepDecision:
    keep_stage_c: bool
    stage_b_score: float | None
    stage_c_score: float | None
    margin: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def keep_stage_c(stage_b_score: float | None, stage_c_score: float | None, margin: float) -> KeepDecision:
    """Keep Stage C only if it beats Stage B by at least ``margin`` (and strictly beats it)."""
    if margin < 0:
        raise ValueError("margin must be non-negative")
    if stage_c_score is None:
        return KeepDecision(False, stage_b_score, None, margin, "stage C produced no checkpoint")
    if stage_b_score is None:
        return KeepDecision(True, None, stage_c_score, margin, "no stage B checkpoint to compare with")
    gain = stage_c_score - stage_b_score
    keep = gain > 0 and gain >= margin
    reason = (
        f"stage C {stage_c_score:.4f} vs stage B {stage_b_score:.4f}: gain {gain:+.4f} "
        f"{'>=' if keep else '<'} margin {margin:.4f}"
    )
    return KeepDecision(keep, stage_b_score, stage_c_score, margin, reason)


def assert_validation_seeds(seeds: Sequence[int]) -> None:
    """The keep-best comparison may only look at TRAINING seeds."""
    bad = [s for s in seeds if s not in TRAINING]
    if bad:
        raise ValueError(f"validation must use TRAINING seeds only; got evaluation seeds {bad[:5]}")
