"""SENTINEL/Live throughput: requests/s and p50/p99 latency for 1 and 16 concurrent connections,
heuristic backend, against a real ``sentinel serve`` (2 workers by default) on 127.0.0.1, audit
log on. Inputs never repeat (each request carries a unique command), so no cache is measured.
The load comes from ``wrk`` (a Lua script numbers every request) when it is installed — a Python
client on the same two cores would measure itself — and from an httpx client otherwise.

Run: ``python benchmarks/live_throughput.py [--seconds 5] [--workers 2]``.
Writes ``benchmarks/out/live_throughput.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import httpx  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from tests.servers import running_server  # noqa: E402

from _common import write_result  # noqa: E402

TEMPLATES = [
    "kubectl delete pod web-{n} -n prod",
    "rm -rf /var/tmp/build-{n}",
    "DELETE FROM sessions WHERE id = {n}",
    "SELECT * FROM orders WHERE id = {n}",
    "aws s3 ls s3://logs-{n}",
    "terraform plan -target=module.m{n}",
    "restart the worker pool {n}",
    "DROP TABLE tmp_{n}",
    "tail -n {n} /var/log/syslog",
    "helm rollback api {n}",
]


WRK_SCRIPT = """
local templates = {%s}
local n = 0
local ids = 0
function setup(thread) ids = ids + 1; thread:set("tid", ids) end
function request()
  n = n + 1
  local i = n * 64 + (tid or 0)
  local text = string.gsub(templates[(i %% #templates) + 1], "{n}", tostring(i))
  return wrk.format("POST", "/live/oversee", {["Content-Type"] = "application/json"},
                    '{"action_description": "' .. text .. '"}')
end
"""


def _ms(value: str) -> float:
    """A wrk duration (``812.00us``, ``3.5ms``, ``1.02s``, ``1.10m``) in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value)
    if match is None:
        raise ValueError(f"unrecognised wrk duration {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}[unit]


def wrk_scenario(base: str, connections: int, seconds: float, script: Path) -> dict[str, float]:
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "-s", str(script), base],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": total,
        "requests_per_s": round(rps, 1),
        "p50_ms": round(_ms(re.search(r"50%\s+(\S+)", out).group(1)), 2),
        "p99_ms": round(_ms(re.search(r"99%\s+(\S+)", out).group(1)), 2),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "load_generator": "wrk",
    }


async def client(base: str, seconds: float, counter, latencies: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=1)) as http:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            n = next(counter)
            body = {"action_description": TEMPLATES[n % len(TEMPLATES)].format(n=n)}
            t0 = time.perf_counter()
            r = await http.post("/live/oversee", json=body)
            latencies.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text


async def scenario(base: str, connections: int, seconds: float, counter) -> dict[str, float]:
    latencies: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(client(base, seconds, counter, latencies) for _ in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "requests_per_s": round(n / elapsed, 1),
        "p50_ms": round(1000 * latencies[n // 2], 2),
        "p99_ms": round(1000 * latencies[int(n * 0.99)], 2),
        "mean_ms": round(1000 * statistics.fmean(latencies), 2),
        "load_generator": "httpx",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    console = Console()
    counter = itertools.count()
    results = {}
    with tempfile.TemporaryDirectory() as data:
        script = Path(data) / "live.lua"
        script.write_text(WRK_SCRIPT % ", ".join(f'"{t}"' for t in TEMPLATES))
        use_wrk = shutil.which("wrk") is not None
        with running_server(Path(data), "--no-ui", "--workers", str(args.workers)) as (base, _):
            asyncio.run(scenario(base, 4, 1.0, counter))  # warm-up: imports, first parses
            for connections in (1, 16):
                results[f"{connections}_connections"] = (
                    wrk_scenario(base, connections, args.seconds, script)
                    if use_wrk
                    else asyncio.run(scenario(base, connections, args.seconds, counter))
                )
        audited = sqlite3.connect(Path(data) / "audit.sqlite").execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
    table = Table("connections", "requests/s", "p50 ms", "p99 ms")
    for name, r in results.items():
        table.add_row(name, f"{r['requests_per_s']:,}", str(r["p50_ms"]), str(r["p99_ms"]))
    console.print(table)
    sent = sum(r["requests"] for r in results.values()) + next(counter)
    console.print(f"audit log rows: {audited:,} of {sent:,} requests answered")
    path = write_result(
        "live_throughput",
        {
            "workers": args.workers,
            "seconds": args.seconds,
            **results,
            "audit_rows": audited,
            "requests_sent": sent,
            "target": {"requests_per_s_16": 1500, "p99_ms": 50},
        },
    )
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
