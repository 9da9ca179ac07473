"""The eval harness as training sees it (``training.train.EvalHarness``): the ``hf`` Overseer run
through ``run_eval`` and saved with ``save_run`` — the same path as ``sentinel eval``.

Training never imports eval; the CLI (or a test) hands this object to ``run_training``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sentinel.agents.backends import OverseerSpec
from sentinel.eval.report import save_run
from sentinel.eval.runner import EvalConfig, run_eval
from sentinel.tiers import TIER_IDS


class HFEvalHarness:
    """Evaluate a local model (optionally with a LoRA adapter) with the ``hf`` Overseer."""

    def evaluate(
        self,
        model: str,
        adapter: str,
        *,
        split: str,
        tiers: list[str] | None,
        seeds: list[int] | None,
        batch_size: int,
        max_new_tokens: int,
    ) -> dict[str, Any]:
        spec = OverseerSpec("hf", model=model, adapter=adapter, batch_size=batch_size, max_new_tokens=max_new_tokens)
        cfg = EvalConfig(spec, split=split, tasks=tuple(tiers or TIER_IDS), seeds=seeds)
        return run_eval(cfg, show_progress=True)

    def save(self, result: dict[str, Any], folder: Path) -> Path:
        return save_run(result, folder)
