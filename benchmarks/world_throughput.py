"""World throughput: ground-truth labels/s, scenario generations/s, and structural variety.

Run: ``python benchmarks/world_throughput.py [--variety-seeds 10000]``. Single process (one
core). Prints a table and writes ``benchmarks/out/world_throughput.json``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rich.console import Console  # noqa: E402
from rich.progress import track  # noqa: E402

from _common import write_result  # noqa: E402
from sentinel.grading.labels import BaselineCache, SubmissionKey, classify  # noqa: E402
from sentinel.scenarios.candidates import candidate_pool  # noqa: E402
from sentinel.scenarios.generator import generate_scenario  # noqa: E402
from sentinel.scenarios.variety import structural_hash  # noqa: E402
from sentinel.tiers import TIER_IDS  # noqa: E402
from sentinel.world.dryrun import DryRun  # noqa: E402
from sentinel.world.effects import execute  # noqa: E402
from sentinel.world.preview import simulated  # noqa: E402

TIERS = TIER_IDS


def bench_labels(seconds: float) -> dict[str, float]:
    """Labels with the world advancing one tick after every proposal (the environment's pattern)."""
    labels, seed, elapsed = 0, 0, 0.0
    while elapsed < seconds:
        sc = generate_scenario(TIERS[seed % 4], seed)
        f = sc.family
        key, cache, rng = (
            SubmissionKey(f.severity, f.failure_mode, tuple(f.root_cause_keywords)),
            BaselineCache(),
            random.Random(seed),
        )
        pool = candidate_pool(sc, rng)
        t0 = time.perf_counter()
        for _ in range(20):
            call = rng.choice(pool)
            dry = DryRun.of(sc.world, call)
            simulated(dry)
            classify(dry, cache, key)
            labels += 1
            if call.category != "submission":
                execute(sc.world, call)
        seed += 1
        elapsed += time.perf_counter() - t0  # scenario generation is timed separately
    return {"labels": labels, "label_seconds": round(elapsed, 3), "labels_per_s": round(labels / elapsed, 1)}


def bench_labels_same_tick(seconds: float) -> dict[str, float]:
    """Many labels at one tick: the no-op baseline is shared (cached) across them."""
    sc = generate_scenario("war_room", 7)
    f = sc.family
    key, cache = SubmissionKey(f.severity, f.failure_mode, tuple(f.root_cause_keywords)), BaselineCache()
    pool = [c for c in candidate_pool(sc, random.Random(7)) if c.category == "remediation"]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for call in pool:
            classify(DryRun.of(sc.world, call), cache, key)
            n += 1
    elapsed = time.perf_counter() - start
    return {"labels": n, "labels_per_s": round(n / elapsed, 1)}


def bench_generation(count: int) -> dict[str, float]:
    start = time.perf_counter()
    for i in range(count):
        generate_scenario(TIERS[i % 4], i)
    elapsed = time.perf_counter() - start
    return {"scenarios": count, "scenarios_per_s": round(count / elapsed, 1)}


def variety(seeds: int) -> dict[str, int]:
    out = {}
    for tier in TIERS:
        hashes = {
            structural_hash(generate_scenario(tier, s)) for s in track(range(seeds), description=f"variety {tier}")
        }
        out[tier] = len(hashes)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--variety-seeds", type=int, default=10000)
    args = parser.parse_args()
    console = Console()
    labels = bench_labels(args.seconds)
    same_tick = bench_labels_same_tick(args.seconds)
    gen = bench_generation(2000)
    var = variety(args.variety_seeds)
    result = {
        "labels_with_preview_advancing_world": labels,
        "labels_same_tick": same_tick,
        "generation": gen,
        "distinct_scenarios": {"seeds": args.variety_seeds, **var},
        "target_labels_per_s": 5000,
    }
    path = write_result("world_throughput", result)
    console.print(f"labels+previews/s (world advancing): [bold]{labels['labels_per_s']:,}[/]")
    console.print(f"labels/s (same tick, cached baseline): [bold]{same_tick['labels_per_s']:,}[/]")
    console.print(f"scenario generations/s: [bold]{gen['scenarios_per_s']:,}[/]")
    for tier, count in var.items():
        console.print(f"distinct scenarios {tier}: [bold]{count:,}[/] of {args.variety_seeds:,} seeds")
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
