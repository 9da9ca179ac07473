"""Training commands: ``sentinel dataset rft`` and ``sentinel train``.

They live beside the CLI, not in ``sentinel.training``, because ``train`` wires training to the eval
harness (for validation and the final evaluation) and training itself never imports eval.

``training_app`` holds both (``dataset`` is a sub-group); the main CLI mounts it with
``app.add_typer(training_app)`` (Typer merges a nameless sub-app's commands into the parent).
Heavy imports happen inside the commands so ``sentinel --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from sentinel.tiers import TIER_IDS

training_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Training: RFT datasets and runs.")
dataset_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Build training datasets.")
training_app.add_typer(dataset_app, name="dataset")
console = Console()


@dataset_app.command("rft")
def dataset_rft(
    out: Path = typer.Option(..., "--out", help="folder for train.jsonl and summary.json"),
    episodes_per_tier: int = typer.Option(40, min=1, help="policy episodes mined per tier"),
    per_decision_cap: int = typer.Option(50, min=1, help="at most this many samples per decision"),
    min_justification: float = typer.Option(0.3, min=0.0, max=1.0, help="minimum justification score of a kept sample"),
    tiers: str = typer.Option(",".join(TIER_IDS), help="comma-separated tiers"),
    seed: int = typer.Option(0, min=0, help="seed of the episode draw (TRAINING seeds only)"),
) -> None:
    """Mine the policy Overseer's correct, grounded decisions on TRAINING seeds into a chat JSONL."""
    from sentinel.training.rft import build_rft_dataset

    chosen = [t.strip() for t in tiers.split(",") if t.strip()]
    try:
        path = build_rft_dataset(
            out,
            episodes_per_tier=episodes_per_tier,
            per_decision_cap=per_decision_cap,
            min_justification=min_justification,
            tiers=chosen,
            seed=seed,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    summary = json.loads((path.parent / "summary.json").read_text())
    console.print(f"{summary['samples']} samples from {summary['episodes']} episodes -> {path}")
    console.print(f"by decision: {summary['by_decision']}  by class: {summary['by_class']}")


@training_app.command("train")
def train(
    config: Path = typer.Option(..., "--config", help="YAML or TOML training config (see configs/)"),
    output_dir: str = typer.Option("", help="override the config's output_dir"),
) -> None:
    """Run the three-stage recipe (GRPO warm-up, RFT SFT, curriculum GRPO), gates, keep-best and eval."""
    from pydantic import ValidationError

    from sentinel.training.config import ConfigError, load_config

    overrides = {"output_dir": output_dir} if output_dir else {}
    try:
        cfg = load_config(config, **overrides)
        cfg.resolved_device()
    except (ConfigError, ValidationError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--config") from None
    from sentinel.eval.harness import HFEvalHarness
    from sentinel.training.train import run_training

    summary = run_training(cfg, HFEvalHarness())
    console.print(f"kept: {summary.get('kept_stage')}; adapter: {summary.get('final_adapter')}")
    for name, res in (summary.get("eval") or {}).items():
        console.print(
            f"{name}: F1 {res['f1']:.3f}, invalid {res['invalid_rate']:.3f}, "
            f"mean binary reward {res['mean_binary_reward']:.3f} -> {res['file']}"
        )
