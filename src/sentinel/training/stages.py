"""The three training stages (DESIGN §7) on TRL + PEFT, one LoRA adapter carried through them.

* Stage A — warm-up GRPO on ``action_screen`` (decisions are tool calls, see ``grpo_env``).
* Stage B — SFT on the RFT dataset (loss on the verdict only).
* Stage C — curriculum GRPO over tiers, one trainer per tier, stopping at the first aborted tier.

Every GRPO stage is watched by the auto-abort gate; an aborted stage is rolled back to the adapter
it started from. CPU settings follow the project notes: ``use_cpu``, no bf16, no gradient
checkpointing, no vLLM. Heavy libraries are imported inside functions so that importing this
module (e.g. for the CLI's ``--help``) stays cheap.
"""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentinel.agents.prompt import SYSTEM_PROMPT
from sentinel.seeding import stage_rng
from sentinel.tiers import SHOWCASE_TIER
from sentinel.tiers import tier as tier_of
from sentinel.training.config import GateSettings, GRPOSettings, SFTSettings, TrainConfig
from sentinel.training.gates import GateResult, check_gate
from sentinel.training.seeds import TRAIN_POOL, assert_training_seed, sample_seeds

SMOLLM2_NAMES = ("smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
REWARD_KEY = "reward"  # TRL's weighted reward = the binary reward (shaped has weight 0)
SHAPED_KEY = "rewards/shaped_reward/mean"


def say(message: str) -> None:
    """Progress on stderr (TRL's own tqdm bars show the steps)."""
    print(f"[sentinel train] {message}", file=sys.stderr, flush=True)


@dataclass
class StageReport:
    """What one stage (or one Stage C tier) did, for ``run_summary.json`` and the plots."""

    name: str
    tier: str | None = None
    planned_steps: int = 0
    steps_run: int = 0
    aborted: bool = False
    gate_results: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # one entry per logged step
    seconds: float = 0.0
    adapter: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


# ---------------------------------------------------------------------------------------------- models
def prepare_base_model(config: TrainConfig) -> Path:
    """A local safetensors folder for ``config.model``; a GGUF model is converted once (it refuses
    ``save_pretrained``, so training needs a normal copy; the weights are the same dequantized floats
    that ``load_causal_lm("smollm2")`` evaluates with)."""
    if config.model not in SMOLLM2_NAMES:
        path = Path(config.model)
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"model folder {path} has no config.json (nothing is downloaded)")
        return path
    target = Path(config.base_model_dir or Path(config.output_dir) / "base_model")
    if (target / "config.json").exists() and any(target.glob("*.safetensors")):
        return target
    say(f"converting the packaged SmolLM2 GGUF to {target} (once)")
    from transformers import AutoModelForCausalLM

    from sentinel.agents.backends import load_causal_lm

    lm, tokenizer = load_causal_lm("smollm2")
    config_ = lm.config
    for attr in ("quantization_config", "_pre_quantization_dtype"):  # the copy is plain float32, not GGUF
        if hasattr(config_, attr):
            delattr(config_, attr)
    fresh = AutoModelForCausalLM.from_config(config_)
    missing, unexpected = fresh.load_state_dict(lm.state_dict(), strict=False)
    missing = [k for k in missing if k != "lm_head.weight" or not lm.config.tie_word_embeddings]
    if missing or unexpected:
        raise RuntimeError(f"GGUF conversion lost weights: missing {missing[:5]}, unexpected {unexpected[:5]}")
    target.mkdir(parents=True, exist_ok=True)
    fresh.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def load_for_training(model_dir: Path, config: TrainConfig, device: str) -> tuple[Any, Any, dict[str, Any]]:
    """(PEFT model, tokenizer with the verdict tool format, facts for the summary)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sentinel.agents.prompt import build_messages
    from sentinel.env import SentinelEnvironment
    from sentinel.training.toolformat import VERDICT_CHAT_TEMPLATE, install_verdict_tool_format, renders_like

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    sample = build_messages(SentinelEnvironment().reset(task_id=SHOWCASE_TIER, seed=0))
    same_prompts = tokenizer.chat_template is not None and renders_like(tokenizer, VERDICT_CHAT_TEMPLATE, sample)
    install_verdict_tool_format(tokenizer)
    kwargs: dict[str, Any] = {"dtype": torch.float32 if device == "cpu" else torch.bfloat16}
    if config.load_in_4bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
        )
    model = AutoModelForCausalLM.from_pretrained(model_dir, **kwargs)
    if config.load_in_4bit:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    lora = config.lora
    model = get_peft_model(  # type: ignore[assignment]  # a PEFT wrapper of the same model
        model,
        LoraConfig(
            r=lora.r,
            lora_alpha=lora.alpha,
            lora_dropout=lora.dropout,
            target_modules=list(lora.target_modules),
            task_type="CAUSAL_LM",
        ),
    )
    trainable, total = model.get_nb_trainable_parameters()  # type: ignore[operator]  # PEFT method
    facts = {
        "model_dir": str(model_dir),
        "trainable_params": trainable,
        "total_params": total,
        "eval_prompts_match_training_prompts": same_prompts,
    }
    if not same_prompts:
        facts["warning"] = (
            "the model's own chat template renders the Overseer prompt differently from the "
            "training template; the hf evaluation will see slightly different prompts"
        )
    return model, tokenizer, facts


def snapshot(model: Any) -> dict[str, Any]:
    """A copy of the adapter weights (to roll an aborted stage back)."""
    from peft import get_peft_model_state_dict

    return {k: v.detach().clone() for k, v in get_peft_model_state_dict(model).items()}


def restore(model: Any, weights: dict[str, Any]) -> None:
    from peft import set_peft_model_state_dict

    set_peft_model_state_dict(model, weights)


def common_args(config: TrainConfig, device: str, out_dir: Path) -> dict[str, Any]:
    """TrainingArguments shared by SFT and GRPO (the CPU rules from the project notes)."""
    import torch

    on_gpu = device == "cuda"
    return {
        "output_dir": str(out_dir),
        "use_cpu": not on_gpu,
        "bf16": on_gpu and torch.cuda.is_bf16_supported(),
        "fp16": False,
        "gradient_checkpointing": False,
        "logging_steps": 1,
        "save_strategy": "no",
        "report_to": "none",
        "seed": config.seed,
        "dataloader_num_workers": 0,
        "disable_tqdm": False,
    }


def _train_timed(trainer: Any, report: StageReport) -> None:
    """Run a TRL trainer and record its wall time and the optimizer steps it actually took."""
    started = time.perf_counter()
    trainer.train()
    report.seconds = round(time.perf_counter() - started, 2)
    report.steps_run = trainer.state.global_step


# ---------------------------------------------------------------------------------------------- callbacks
def _callbacks(gates: GateSettings | None, report: StageReport):
    from transformers import TrainerCallback

    class Recorder(TrainerCallback):
        """Keeps every step's log and applies the auto-abort gate to the reward curve."""

        def __init__(self) -> None:
            self.rewards: list[float] = []

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or not any(k in logs for k in ("loss", REWARD_KEY)):
                return
            entry = {"step": state.global_step, **{k: float(v) for k, v in logs.items() if isinstance(v, (int, float))}}
            report.history.append(entry)
            if gates is None or REWARD_KEY not in logs:
                return
            self.rewards.append(float(logs[REWARD_KEY]))
            result: GateResult | None = check_gate(
                self.rewards, len(self.rewards), gates.at_steps, gates.window, gates.min_reward
            )
            if result is None:
                return
            report.gate_results.append(result.as_dict())
            say(
                f"{report.name}{'/' + report.tier if report.tier else ''} gate at step {result.step}: mean reward "
                f"{result.window_mean:.3f} over {result.window} vs minimum {result.minimum} -> "
                f"{'pass' if result.passed else 'ABORT'}"
            )
            if not result.passed:
                report.aborted = True
                control.should_training_stop = True

    return [Recorder()]


# ---------------------------------------------------------------------------------------------- GRPO
def grpo_rows(settings: GRPOSettings, tier: str, rng: random.Random) -> list[dict[str, Any]]:
    """One row per episode: an empty user turn that ``reset`` fills with the observation."""
    n = settings.steps * settings.prompts_per_step
    seeds = sample_seeds(n, rng, TRAIN_POOL)
    last_start = min(settings.max_start_turn, tier_of(tier).max_turns - 1)
    rows = []
    for seed in seeds:
        assert_training_seed(seed)
        rows.append(
            {
                "prompt": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": ""}],
                "task_id": tier,
                "seed": seed,
                "start_turn": rng.randint(0, last_start),
            }
        )
    return rows


def run_grpo(
    name: str,
    model: Any,
    tokenizer: Any,
    settings: GRPOSettings,
    tier: str,
    config: TrainConfig,
    device: str,
    out_dir: Path,
) -> StageReport:
    """GRPO on one tier; rolled back to its starting adapter if a gate aborts it."""
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from sentinel.training.grpo_env import env_factory, shaped_reward

    report = StageReport(name=name, tier=tier, planned_steps=settings.steps)
    rng = stage_rng(name, tier, config.seed)
    dataset = Dataset.from_list(grpo_rows(settings, tier, rng))
    args = GRPOConfig(
        **common_args(config, device, out_dir),
        max_steps=settings.steps,
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.prompts_per_step * settings.num_generations,
        gradient_accumulation_steps=1,
        num_generations=settings.num_generations,
        max_completion_length=settings.max_completion_length,
        max_tool_calling_iterations=settings.max_tool_calling_iterations,
        temperature=settings.temperature,
        beta=settings.beta,
        use_vllm=config.use_vllm,
        vllm_mode="colocate",
        remove_unused_columns=False,
        shuffle_dataset=False,
        reward_weights=[0.0],
        log_completions=config.log_completions,
    )
    before = snapshot(model)
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[shaped_reward],  # type: ignore[list-item]  # TRL passes environments= by keyword
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        environment_factory=env_factory(config.env_url),
        callbacks=_callbacks(config.gates, report),
    )
    say(
        f"{name}: GRPO on {tier}, {settings.steps} steps × {settings.prompts_per_step} episode(s) × "
        f"{settings.num_generations} generations"
    )
    _train_timed(trainer, report)
    for env in sum(trainer._environment_pool.values(), []) if hasattr(trainer, "_environment_pool") else []:
        env._close()  # type: ignore[union-attr]  # our SentinelToolEnv
    if report.aborted:
        restore(model, before)
        report.notes.append("aborted by the gate: adapter rolled back to the stage's starting weights")
    return report


# ---------------------------------------------------------------------------------------------- SFT
def sft_dataset(path: Path, tokenizer: Any, max_length: int) -> tuple[Any, dict[str, int]]:
    """Prompt/completion conversations from the RFT JSONL; samples over ``max_length`` are dropped."""
    from datasets import Dataset, load_dataset

    raw = load_dataset("json", data_files=str(path), split="train")
    rows, dropped = [], 0
    for row in raw:
        messages = row["messages"]
        ids = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=False)
        if len(ids) > max_length:
            dropped += 1
            continue
        rows.append({"prompt": messages[:-1], "completion": messages[-1:]})
    if not rows:
        raise ValueError(f"no RFT sample fits max_length={max_length}")
    return Dataset.from_list(rows), {"samples": len(rows), "dropped_too_long": dropped}


def run_sft(
    model: Any,
    tokenizer: Any,
    settings: SFTSettings,
    dataset_path: Path,
    config: TrainConfig,
    device: str,
    out_dir: Path,
) -> StageReport:
    from trl import SFTConfig, SFTTrainer

    report = StageReport(name="stage_b", planned_steps=settings.steps)
    dataset, counts = sft_dataset(dataset_path, tokenizer, settings.max_length)
    report.notes.append(
        f"{counts['samples']} samples ({counts['dropped_too_long']} dropped as longer than "
        f"{settings.max_length} tokens)"
    )
    args = SFTConfig(
        **common_args(config, device, out_dir),
        max_steps=settings.steps,
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation_steps,
        warmup_steps=int(settings.warmup_ratio * settings.steps),
        max_length=settings.max_length,
        completion_only_loss=True,
        packing=False,
    )
    trainer = SFTTrainer(
        model=model, args=args, train_dataset=dataset, processing_class=tokenizer, callbacks=_callbacks(None, report)
    )
    say(
        f"stage_b: SFT on {counts['samples']} RFT samples, {settings.steps} steps × {settings.batch_size} × "
        f"{settings.gradient_accumulation_steps}"
    )
    _train_timed(trainer, report)
    return report
