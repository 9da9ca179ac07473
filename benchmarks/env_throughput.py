"""Environment throughput and memory: Overseer decisions/s per tier (policy Overseer, train_overseer
mode, in-process, one core), memory per live episode, and memory after many episodes.

Run: ``python benchmarks/env_throughput.py [--seconds 3] [--churn 20000]``.
Writes ``benchmarks/out/env_throughput.json``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rich.console import Console  # noqa: E402
from rich.progress import track  # noqa: E402
from rich.table import Table  # noqa: E402

from _common import write_result  # noqa: E402
from sentinel.agents.overseers import make_overseer  # noqa: E402
from sentinel.env import SentinelEnvironment  # noqa: E402
from sentinel.models import OverseerAction  # noqa: E402
from sentinel.tiers import TIER_IDS  # noqa: E402

TIERS = TIER_IDS


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def throughput(task: str, seconds: float) -> dict[str, float]:
    env = SentinelEnvironment()
    overseer = make_overseer("policy")
    decisions = episodes = 0
    step_time = reset_time = 0.0
    seed = 0
    while step_time + reset_time < seconds:
        t0 = time.perf_counter()
        obs = env.reset(seed=seed, task_id=task)
        t1 = time.perf_counter()
        reset_time += t1 - t0
        while not obs.done:
            obs = env.step(overseer.decide(obs))
            decisions += 1
        step_time += time.perf_counter() - t1
        episodes += 1
        seed += 1
    total = step_time + reset_time
    return {
        "decisions": decisions,
        "episodes": episodes,
        "decisions_per_s_incl_reset": round(decisions / total, 1),
        "decisions_per_s_steps_only": round(decisions / step_time, 1),
        "reset_ms": round(1000 * reset_time / episodes, 3),
    }


def live_episode_memory(count: int = 200) -> float:
    """KiB per live episode (tracemalloc over ``count`` war_room episodes held at once, mid-episode)."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    envs = []
    for seed in range(count):
        env = SentinelEnvironment()
        obs = env.reset(seed=seed, task_id="war_room")
        for _ in range(5):
            if obs.done:
                break
            obs = env.step(OverseerAction(decision="block", justification="x"))
        envs.append(env)
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return round(used / count / 1024, 1)


def churn(count: int) -> dict[str, float]:
    """Play ``count`` whole episodes, each in a fresh environment that is then dropped."""
    overseer = make_overseer("naive")
    samples = []
    for i in track(range(count), description=f"churn {count} episodes"):
        env = SentinelEnvironment()
        obs = env.reset(seed=i % 9000, task_id=TIERS[i % 4])
        while not obs.done:
            obs = env.step(overseer.decide(obs))
        env.close()
        if i in (count // 10, count - 1):
            gc.collect()
            samples.append(rss_mb())
    return {
        "episodes": count,
        "rss_mb_after_10pct": round(samples[0], 1),
        "rss_mb_at_end": round(samples[-1], 1),
        "growth_mb": round(samples[-1] - samples[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--churn", type=int, default=20000)
    args = parser.parse_args()
    console = Console()
    per_tier = {task: throughput(task, args.seconds) for task in TIERS}
    per_episode_kib = live_episode_memory()
    mem = churn(args.churn)
    table = Table("tier", "decisions/s (incl. reset)", "decisions/s (steps)", "reset ms")
    for task, r in per_tier.items():
        table.add_row(
            task, f"{r['decisions_per_s_incl_reset']:,}", f"{r['decisions_per_s_steps_only']:,}", str(r["reset_ms"])
        )
    console.print(table)
    console.print(
        f"memory per live episode: {per_episode_kib} KiB; after {mem['episodes']:,} episodes: "
        f"RSS {mem['rss_mb_at_end']} MB, growth since 10% mark {mem['growth_mb']} MB"
    )
    path = write_result(
        "env_throughput",
        {"per_tier": per_tier, "kib_per_live_episode": per_episode_kib, "churn": mem, "target_decisions_per_s": 3000},
    )
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
