"""``run_training(config, harness)``: the whole recipe, its gates, keep-best rule, evaluation and artefacts.

Writes into ``config.output_dir``:

* ``rft/`` — the Stage B dataset (``train.jsonl``, ``summary.json``) unless one is given;
* ``stage_a/adapter``, ``stage_b/adapter``, ``stage_c/adapter`` — each stage's LoRA adapter;
* ``adapter/`` — the kept adapter (Stage C only if it beat Stage B by the margin on validation);
* ``rewards.png``, ``loss.png`` — GRPO reward curves and SFT/GRPO loss curves;
* ``run_summary.json`` — resolved config, per-stage history, gate verdicts, keep decision, eval metrics;
* the evaluation run files (``eval/`` or ``eval.results_dir``), written by the harness.

Evaluation is the eval harness's job, and training never imports it (layers point one way): the
caller injects an ``EvalHarness`` (``sentinel.eval.harness.HFEvalHarness`` in the CLI).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from sentinel.training.config import TrainConfig
from sentinel.training.gates import assert_validation_seeds, keep_stage_c
from sentinel.training.stages import StageReport, say

SUMMARY_FILE = "run_summary.json"


def _headline(result: dict[str, Any]) -> dict[str, Any]:
    """The numbers worth reading from one run_eval result."""
    overall = result["metrics"]["overall"]
    turns = [t for ep in result["episodes"] for t in ep["turns"]]
    keys = (
        "f1",
        "precision",
        "recall",
        "auroc",
        "tpr_at_5pct_fpr",
        "invalid_rate",
        "over_block_rate",
        "catastrophes_executed",
        "safety",
        "usefulness",
        "latency_ms_mean",
    )
    out = {k: overall.get(k) for k in keys}
    out["f1_per_tier"] = {t: m.get("f1") for t, m in result["metrics"].items() if t != "overall"}
    out["decisions"] = len(turns)
    out["mean_binary_reward"] = round(sum(t["binary"] for t in turns) / len(turns), 4) if turns else 0.0
    out["mean_shaped_reward"] = round(sum(t["reward_overseer"] for t in turns) / len(turns), 4) if turns else 0.0
    out["elapsed_s"] = result["elapsed_s"]
    return out


class EvalHarness(Protocol):
    """What training needs from the eval harness: run the ``hf`` Overseer on episodes, save a run."""

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
    ) -> dict[str, Any]: ...

    def save(self, result: dict[str, Any], folder: Path) -> Path: ...


def validation_score(
    config: TrainConfig, model_dir: Path, adapter: Path, harness: EvalHarness
) -> tuple[float, dict[str, Any]]:
    """Score an adapter on the validation slice of TRAINING seeds (the keep-best criterion)."""
    v = config.validation
    assert_validation_seeds(v.seeds)
    result = harness.evaluate(
        str(model_dir),
        str(adapter),
        split="train",
        tiers=list(v.tiers),
        seeds=list(v.seeds),
        batch_size=v.batch_size,
        max_new_tokens=v.max_new_tokens,
    )
    head = _headline(result)
    score = head["mean_binary_reward"] if config.gates.keep_metric == "mean_binary" else head["f1"]
    return float(score), head


def plot_curves(reports: list[StageReport], out_dir: Path) -> list[Path]:
    """``rewards.png`` (GRPO binary and shaped reward per step) and ``loss.png`` (every stage's loss)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    fig, ax = plt.subplots(figsize=(8, 4))
    stages = list(_concatenated(reports, "reward"))
    for rep, offset, xs, rows in stages:
        label = _stage_label(rep)
        ax.plot(xs, [h["reward"] for h in rows], marker="o", label=f"{label} binary")
        shaped = [h.get("rewards/shaped_reward/mean") for h in rows]
        if all(s is not None for s in shaped):
            ax.plot(
                xs,
                [float(s) for s in shaped if s is not None],
                linestyle="--",
                marker=".",
                label=f"{label} shaped (logged)",
            )
        for gate in rep.gate_results:
            ax.axvline(offset + gate["step"], color="red" if not gate["passed"] else "green", linewidth=0.8)
    paths.append(
        _finish(
            plt,
            fig,
            ax,
            len(stages),
            "no GRPO steps were run",
            "GRPO step (stages concatenated)",
            "mean reward per rollout",
            "GRPO rewards (gates: green pass, red abort)",
            out_dir / "rewards.png",
        )
    )

    fig, ax = plt.subplots(figsize=(8, 4))
    stages = list(_concatenated(reports, "loss"))
    for rep, _, xs, rows in stages:
        ax.plot(xs, [h["loss"] for h in rows], marker=".", label=_stage_label(rep))
    paths.append(
        _finish(
            plt,
            fig,
            ax,
            len(stages),
            "no training steps were run",
            "optimizer step (stages concatenated)",
            "training loss",
            "Training loss per stage",
            out_dir / "loss.png",
        )
    )
    return paths


def _stage_label(rep: StageReport) -> str:
    return rep.name + (f"/{rep.tier}" if rep.tier else "")


def _concatenated(reports: list[StageReport], key: str) -> Iterator[tuple[StageReport, int, list[int], list[dict]]]:
    """Each stage's logged rows that carry ``key``, placed one after another on a shared step axis.

    Yields (stage, offset of its first step, x positions, rows); stages without such rows are skipped.
    """
    offset = 0
    for rep in reports:
        rows = [h for h in rep.history if key in h]
        if rows:
            yield rep, offset, [offset + i + 1 for i in range(len(rows))], rows
            offset += len(rows)


def _finish(
    plt: Any, fig: Any, ax: Any, drawn: int, empty: str, xlabel: str, ylabel: str, title: str, path: Path
) -> Path:
    """Label, legend (or an 'empty' note) and save one figure — shared by the reward and loss plots."""
    if not drawn:
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if drawn:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _save_adapter(model: Any, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    return str(folder)


def run_training(config: TrainConfig, harness: EvalHarness) -> dict[str, Any]:
    """Run Stages A → B → C with gates, keep the best checkpoint, evaluate it, write the artefacts."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentinel.training.rft import DATASET_FILE, build_rft_dataset
    from sentinel.training.stages import load_for_training, prepare_base_model, restore, run_grpo, run_sft, snapshot

    started = time.perf_counter()
    device = config.resolved_device()
    if config.torch_threads:
        import torch

        torch.set_num_threads(config.torch_threads)
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {
        "config": config.model_dump(mode="json"),
        "device": device,
        "stages": [],
        "timings_s": {},
    }

    def write_summary() -> None:
        (out / SUMMARY_FILE).write_text(json.dumps(summary, indent=1))

    # -- data and model ------------------------------------------------------------------------
    t0 = time.perf_counter()
    if config.rft.dataset_dir:
        dataset_path = Path(config.rft.dataset_dir) / DATASET_FILE
        if not dataset_path.exists():
            raise FileNotFoundError(f"{dataset_path} does not exist")
    else:
        r = config.rft
        say(f"mining the RFT dataset ({r.episodes_per_tier} episodes per tier of {', '.join(r.tiers)})")
        dataset_path = build_rft_dataset(
            out / "rft",
            episodes_per_tier=r.episodes_per_tier,
            per_decision_cap=r.per_decision_cap,
            min_justification=r.min_justification,
            tiers=r.tiers,
            seed=r.seed,
        )
    summary["rft"] = (
        json.loads((dataset_path.parent / "summary.json").read_text())
        if (dataset_path.parent / "summary.json").exists()
        else {}
    )
    summary["rft"].pop("seeds", None)
    summary["rft_dataset"] = str(dataset_path)
    model_dir = prepare_base_model(config)
    model, tokenizer, facts = load_for_training(model_dir, config, device)
    summary["model"] = facts
    summary["timings_s"]["prepare"] = round(time.perf_counter() - t0, 2)
    write_summary()

    reports: list[StageReport] = []
    adapters: dict[str, str] = {}

    # -- Stage A: warm-up GRPO -----------------------------------------------------------------
    if config.stage_a.steps > 0:
        for tier in config.stage_a.tiers:
            rep = run_grpo("stage_a", model, tokenizer, config.stage_a, tier, config, device, out / "stage_a")
            reports.append(rep)
            if rep.aborted:
                break
        if not any(r.aborted for r in reports if r.name == "stage_a"):
            adapters["stage_a"] = _save_adapter(model, out / "stage_a" / "adapter")
        summary["stages"] = [r.as_dict() for r in reports]
        write_summary()

    # -- Stage B: SFT on the RFT dataset ---------------------------------------------------------
    if config.stage_b.steps > 0:
        rep = run_sft(model, tokenizer, config.stage_b, dataset_path, config, device, out / "stage_b")
        rep.adapter = adapters["stage_b"] = _save_adapter(model, out / "stage_b" / "adapter")
        reports.append(rep)
        summary["stages"] = [r.as_dict() for r in reports]
        write_summary()
    stage_b_weights = snapshot(model)

    # -- Stage C: curriculum GRPO ----------------------------------------------------------------
    stage_c_progress = False
    if config.stage_c.steps > 0:
        for tier in config.stage_c.tiers:
            rep = run_grpo("stage_c", model, tokenizer, config.stage_c, tier, config, device, out / "stage_c")
            reports.append(rep)
            summary["stages"] = [r.as_dict() for r in reports]
            write_summary()
            if rep.aborted:
                say(f"stage_c: curriculum stopped at {tier} (gate)")
                break
            stage_c_progress = True
        if stage_c_progress:
            adapters["stage_c"] = _save_adapter(model, out / "stage_c" / "adapter")

    # -- keep-best -----------------------------------------------------------------------------
    keep: dict[str, Any]
    if stage_c_progress:
        b_path = adapters.get("stage_b") or adapters.get("stage_a")
        say("validating stage B and stage C on the TRAINING validation slice")
        c_score, c_head = validation_score(config, model_dir, Path(adapters["stage_c"]), harness)
        b_score, b_head = validation_score(config, model_dir, Path(b_path), harness) if b_path else (None, None)
        decision = keep_stage_c(b_score, c_score, config.gates.margin)
        keep = {
            **decision.as_dict(),
            "validation": {"stage_b": b_head, "stage_c": c_head},
            "metric": config.gates.keep_metric,
            "seeds": config.validation.seeds,
            "tiers": config.validation.tiers,
        }
        chosen = "stage_c" if decision.keep_stage_c else ("stage_b" if "stage_b" in adapters else "stage_a")
        if not decision.keep_stage_c:
            restore(model, stage_b_weights)
    else:
        chosen = "stage_b" if "stage_b" in adapters else ("stage_a" if "stage_a" in adapters else "")
        keep = {
            "keep_stage_c": False,
            "reason": "stage C not run"
            if config.stage_c.steps == 0
            else "stage C aborted by its gate before completing a tier",
        }
    final_adapter = out / "adapter"
    if chosen:
        if final_adapter.exists():
            shutil.rmtree(final_adapter)
        shutil.copytree(adapters[chosen], final_adapter)
    summary.update(
        kept_stage=chosen or None,
        keep_decision=keep,
        final_adapter=str(final_adapter) if chosen else None,
        stages=[r.as_dict() for r in reports],
    )
    summary["timings_s"]["training"] = round(sum(r.seconds for r in reports), 2)
    summary["plots"] = [str(p) for p in plot_curves(reports, out)]
    write_summary()

    # -- held-out evaluation -------------------------------------------------------------------
    e = config.eval
    if e.enabled:
        results_dir = Path(e.results_dir or out / "eval")
        evals: dict[str, Any] = {}
        runs = [("zero_shot", "")] if e.zero_shot else []
        if chosen:
            runs.append(("trained", str(final_adapter)))
        del model  # free memory for the evaluation model
        for name, adapter in runs:
            say(f"evaluating {name} ({config.model}{' + ' + adapter if adapter else ''}) on {e.split}")
            t1 = time.perf_counter()
            result = harness.evaluate(
                config.model,
                adapter,
                split=e.split,
                tiers=list(e.tiers) if e.tiers else None,
                seeds=e.seeds,
                batch_size=e.batch_size,
                max_new_tokens=e.max_new_tokens,
            )
            path = harness.save(result, results_dir)
            evals[name] = {"file": str(path), "label": result["config"]["overseer"]["label"], **_headline(result)}
            summary["timings_s"][f"eval_{name}"] = round(time.perf_counter() - t1, 2)
            summary["eval"] = evals
            write_summary()
    summary["timings_s"]["total"] = round(time.perf_counter() - started, 2)
    write_summary()
    say(f"done in {summary['timings_s']['total']:.0f} s; summary: {out / SUMMARY_FILE}")
    return summary
