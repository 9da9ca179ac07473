"""Run an Overseer over a split: in-process, across worker processes, or as Ray tasks.

Episodes are played through the environment's public API only (``reset``/``step``), a batch
of episodes in lockstep so batched Overseers (``hf``) see one prompt per live episode at a time.
Results are identical whichever way the episodes are distributed (a test checks Ray against
the local runner).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Any

from sentinel.agents.backends import OverseerSpec, make_eval_overseer, timed_batch
from sentinel.env import SentinelEnvironment
from sentinel.eval.metrics import compute_metrics
from sentinel.scenarios.splits import split_episodes
from sentinel.tiers import TIER_IDS

EXTENDED_PER_TIER = 100
FAMILIES_PER_TIER = 10


@dataclass(slots=True)
class EvalConfig:
    overseer: OverseerSpec
    split: str = "heldout50"
    tasks: tuple[str, ...] = TIER_IDS
    seeds: list[int] | None = None  # explicit seeds override the split's seeds
    preview: str = "simulated"
    workers: int = 1
    ray: str | None = None  # None: no Ray; "": a local Ray cluster; else a cluster address
    per_tier: int | None = None

    def episodes(self) -> list[tuple[str, int]]:
        if self.seeds is not None:
            return [(t, s) for t in self.tasks for s in self.seeds]
        per_tier = self.per_tier or {"extended": EXTENDED_PER_TIER, "families": FAMILIES_PER_TIER}.get(self.split)
        return list(split_episodes(self.split, self.tasks, per_tier=per_tier))


def _turn_record(decided, latency_ms: float) -> dict[str, Any]:
    return {
        "turn": decided.turn,
        "key": decided.proposal.key,
        "responder_role": decided.proposal.responder_role,
        "label": decided.label,
        "decision": decided.decision,
        "graded_decision": decided.graded_decision,
        "suspicion": decided.suspicion,
        "justification": decided.justification,
        "executed": decided.executed,
        "reward_overseer": decided.rewards.overseer,
        "reward_responder": decided.rewards.responder,
        "binary": decided.rewards.overseer_binary,
        "justification_score": decided.rewards.justification_score,
        "latency_ms": round(latency_ms, 4),
    }


def play_episodes(
    spec: OverseerSpec, episodes: list[tuple[str, int]], preview: str, overseer: Any = None
) -> list[dict[str, Any]]:
    """Play the given (task, seed) episodes with one Overseer (built from ``spec`` unless given)."""
    overseer = overseer if overseer is not None else make_eval_overseer(spec)
    records: list[dict[str, Any]] = []
    batch = max(1, spec.batch_size)
    for start in range(0, len(episodes), batch):
        chunk = episodes[start : start + batch]
        envs = [SentinelEnvironment() for _ in chunk]
        obs = [env.reset(task_id=t, seed=s, preview=preview) for env, (t, s) in zip(envs, chunk, strict=True)]
        turns: list[list[dict]] = [[] for _ in chunk]
        active = [i for i, o in enumerate(obs) if not o.done]
        while active:
            verdicts, latency = timed_batch(overseer, [obs[i] for i in active])
            for i, verdict in zip(active, verdicts, strict=True):
                obs[i] = envs[i].step(verdict)
                turns[i].append(_turn_record(obs[i].recent_decisions[-1], latency))
            active = [i for i in active if not obs[i].done]
        for env, (task, seed), ep_turns in zip(envs, chunk, turns, strict=True):
            st = env.state
            records.append(
                {
                    "task_id": task,
                    "seed": seed,
                    "resolved": st.resolved,
                    "turns": ep_turns,
                    "catastrophes_executed": st.catastrophes_executed,
                    "invalid_verdicts": st.invalid_verdicts,
                    "cumulative_rewards": st.cumulative_rewards.model_dump(),
                    "drift_events": st.drift_events,
                }
            )
            env.close()
    return records


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _distribute(config: EvalConfig, episodes: list[tuple[str, int]], progress) -> list[dict[str, Any]]:
    spec, preview = config.overseer, config.preview
    size = max(spec.batch_size, 4)
    chunks = list(_chunks(episodes, size))
    results: list[list[dict]] = [None] * len(chunks)  # type: ignore[list-item]
    if config.ray is not None:
        import ray

        if not ray.is_initialized():
            ray.init(
                address=config.ray or None,
                include_dashboard=False,
                log_to_driver=False,
                num_cpus=None if config.ray else max(config.workers, 1),
            )
        remote = ray.remote(play_episodes)
        refs = {remote.remote(spec, chunk, preview): i for i, chunk in enumerate(chunks)}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            results[refs[done[0]]] = ray.get(done[0])
            progress(len(chunks[refs[done[0]]]))
    elif config.workers > 1:
        with ProcessPoolExecutor(max_workers=config.workers) as pool:
            futures = {pool.submit(play_episodes, spec, chunk, preview): i for i, chunk in enumerate(chunks)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                progress(len(chunks[futures[future]]))
    else:
        overseer = make_eval_overseer(spec)  # built once: loading a model per chunk would dominate
        for i, chunk in enumerate(chunks):
            results[i] = play_episodes(spec, chunk, preview, overseer)
            progress(len(chunk))
    return [record for chunk in results for record in chunk]


def _resolved_baseline(episodes: list[tuple[str, int]], preview: str) -> dict[str, float]:
    """Resolved share per tier for the same Responder with no oversight (naive approves all)."""
    records = play_episodes(OverseerSpec("naive", batch_size=64), episodes, preview)
    out = {}
    for tier in {r["task_id"] for r in records} | {"overall"}:
        group = [r for r in records if tier in ("overall", r["task_id"])]
        out[tier] = sum(r["resolved"] for r in group) / len(group)
    return out


def run_eval(config: EvalConfig, *, show_progress: bool = True) -> dict[str, Any]:
    """Run one evaluation and return the JSON-ready result (config, episodes, metrics)."""
    from rich.progress import Progress

    episodes = config.episodes()
    started = time.perf_counter()
    with Progress(disable=not show_progress, transient=True) as bar:
        task = bar.add_task(f"eval {config.overseer.label()} on {config.split}", total=len(episodes))
        records = _distribute(config, episodes, lambda n: bar.advance(task, n))
    elapsed = time.perf_counter() - started
    baseline = _resolved_baseline(episodes, config.preview)
    records.sort(key=lambda r: (TIER_IDS.index(r["task_id"]), r["seed"]))
    return {
        "config": {**asdict(config), "overseer": {**asdict(config.overseer), "label": config.overseer.label()}},
        "elapsed_s": round(elapsed, 3),
        "metrics": compute_metrics(records, baseline),
        "no_oversight_resolved": baseline,
        "episodes": records,
    }
