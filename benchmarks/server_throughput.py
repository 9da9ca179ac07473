"""Server throughput: steps/s and p50/p99 latency for 1 and 8 concurrent WebSocket clients and for
the REST API, against a real ``sentinel serve`` on 127.0.0.1 (load generator on the same cores).

Run: ``python benchmarks/server_throughput.py [--seconds 5] [--workers 1]``.
Writes ``benchmarks/out/server_throughput.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import httpx  # noqa: E402
import websockets  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from tests.servers import running_server  # noqa: E402

from _common import write_result  # noqa: E402

DECISION = {"role": "overseer", "decision": "block", "justification": "blocking pending evidence"}


def _summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    latencies.sort()
    n = len(latencies)
    return {
        "steps": n,
        "steps_per_s": round(n / elapsed, 1),
        "p50_ms": round(1000 * latencies[n // 2], 3),
        "p99_ms": round(1000 * latencies[int(n * 0.99)], 3),
        "mean_ms": round(1000 * statistics.fmean(latencies), 3),
    }


async def ws_client(base: str, seconds: float, seed: int, latencies: list[float]) -> None:
    url = base.replace("http", "ws") + "/ws"
    async with websockets.connect(url, max_size=2**22) as ws:
        deadline = time.perf_counter() + seconds
        episode = 0
        while time.perf_counter() < deadline:
            await ws.send(json.dumps({"type": "reset", "data": {"task_id": "war_room", "seed": seed * 1000 + episode}}))
            done = json.loads(await ws.recv())["data"]["done"]
            episode += 1
            while not done and time.perf_counter() < deadline:
                t0 = time.perf_counter()
                await ws.send(json.dumps({"type": "step", "data": DECISION}))
                reply = json.loads(await ws.recv())
                latencies.append(time.perf_counter() - t0)
                done = reply["data"]["done"]


async def rest_client(base: str, seconds: float, seed: int, latencies: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        deadline = time.perf_counter() + seconds
        episode = 0
        while time.perf_counter() < deadline:
            eid = (await http.post("/episodes", json={"task_id": "war_room", "seed": seed * 1000 + episode})).json()[
                "episode_id"
            ]
            episode += 1
            done = False
            while not done and time.perf_counter() < deadline:
                t0 = time.perf_counter()
                r = await http.post(f"/episodes/{eid}/step", json=DECISION)
                latencies.append(time.perf_counter() - t0)
                done = r.json()["done"]
            await http.delete(f"/episodes/{eid}")


async def scenario(kind, base: str, clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(kind(base, seconds, i, latencies) for i in range(clients)))
    return _summary(latencies, time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    console = Console()
    results = {}
    start = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as data,
        running_server(Path(data), "--no-ui", "--workers", str(args.workers)) as (base, _),
    ):
        results["startup_to_first_health_s"] = round(time.perf_counter() - start, 2)
        for name, kind, clients in (
            ("ws_1_client", ws_client, 1),
            ("ws_8_clients", ws_client, 8),
            ("rest_1_client", rest_client, 1),
            ("rest_8_clients", rest_client, 8),
        ):
            results[name] = asyncio.run(scenario(kind, base, clients, args.seconds))
    table = Table("scenario", "steps/s", "p50 ms", "p99 ms")
    for name, r in results.items():
        if not isinstance(r, dict):
            continue
        table.add_row(name, f"{r['steps_per_s']:,}", str(r["p50_ms"]), str(r["p99_ms"]))
    console.print(table)
    console.print(f"start to first /health: {results['startup_to_first_health_s']} s")
    path = write_result(
        "server_throughput",
        {
            "workers": args.workers,
            "seconds": args.seconds,
            **results,
            "target": {"ws_8_clients_steps_per_s": 2000, "p99_ms": 20},
        },
    )
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
