"""SENTINEL/Live throughput: requests/s and p50/p99 latency for 1 and 16 concurrent connections,
heuristic backend, against a real ``sentinel serve`` (2 workers by default) on 127.0.0.1, audit
log on. Inputs never repeat (each request carries a unique command), so no cache is measured.
The load comes from ``wrk`` (a Lua script numbers every request) when it is installed — a Python
client on the same two cores would measure itself — and from an httpx client otherwise.

Two mixes: ``templates`` (ten short one-line commands, today's bodies) and ``corpus`` (every
body of the dev half of ``benchmarks/live_corpus``: prose, tool calls, multi-line scripts,
heredocs, evasions). A corpus body is made unique by a run number in its ``context`` and by a
trailing comment on its description (`` # run N``, `` -- run N`` or `` (run N)``, the first that
leaves the in-process verdict unchanged; none when all three would change it or the body has
no description, which is then unique through its context only). ``severity_hint`` is dropped
from corpus bodies so that the mix is the same whichever hint spellings the server accepts.

Run: ``python benchmarks/live_throughput.py [--seconds 5] [--workers 2] [--mix templates|corpus|both]
[--context-as-text]``.
Writes ``benchmarks/out/live_throughput.json`` (the templates mix at the top level, as before,
and the corpus mix under ``corpus_mix``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
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

PLACEHOLDER = "@@N@@"
# Long enough for each worker to have judged most corpus bodies once (the first judgement of a
# rarely used path compiles its patterns; one second covered a third of the ~3,500 bodies).
WARMUP_S = 6.0
UNIQUE_SUFFIXES = (" # run " + PLACEHOLDER, " -- run " + PLACEHOLDER, " (run " + PLACEHOLDER + ")")
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
local bodies = {%s}
local n = 0
local ids = 0
function setup(thread) ids = ids + 1; thread:set("tid", ids) end
function request()
  n = n + 1
  local i = n * 64 + (tid or 0)
  local body = string.gsub(bodies[(i %% #bodies) + 1], "@@N@@", tostring(i))
  return wrk.format("POST", "/live/oversee", {["Content-Type"] = "application/json"}, body)
end
"""


def template_bodies() -> list[str]:
    """Today's mix: each template as a JSON body with the run-number placeholder."""
    return [json.dumps({"action_description": t.replace("{n}", PLACEHOLDER)}) for t in TEMPLATES]


def _verdict(body: dict) -> str:
    """The in-process heuristic decision for a body (to check that a uniquifier is neutral)."""
    from sentinel.live.heuristic import assess, heuristic_verdict
    from sentinel.live.models import OverseeRequest

    try:
        req = OverseeRequest.model_validate(body)
    except Exception:  # noqa: BLE001 - a body the API refuses stays refused
        return "rejected"
    return heuristic_verdict(req, assess(req))[0]


def _unique(body: dict) -> dict:
    """A copy of a corpus body that carries the run-number placeholder without changing its verdict."""
    out = {k: v for k, v in body.items() if k != "severity_hint"}
    context = body.get("context", "")
    if isinstance(context, dict):  # a context object: the run number is one more key of it
        out["context"] = {**context, "agent_run": PLACEHOLDER}
    else:
        out["context"] = (context + " agent run " + PLACEHOLDER).strip()
    body = {k: v for k, v in body.items() if k != "severity_hint"}
    description = body.get("action_description", "")
    if description:
        expected = _verdict(body)
        for suffix in UNIQUE_SUFFIXES:
            candidate = {**out, "action_description": description + suffix}
            if (
                _verdict({**candidate, "action_description": description + suffix.replace(PLACEHOLDER, "7")})
                == expected
            ):
                return candidate
    return out


def corpus_bodies(context_as_text: bool = False) -> list[str]:
    """The corpus mix: every dev-half body, made unique (see the module docstring); with
    ``context_as_text`` an object ``context`` is sent as the ``key: value`` lines the API reads it as
    (so that a tree from before round 11, which accepts only text, answers the same bodies)."""
    path = ROOT / "benchmarks" / "live_corpus" / "dev.jsonl"
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    requests = [e["request"] for e in entries]
    if context_as_text:
        requests = [
            {**r, "context": _context_text(r["context"])} if isinstance(r.get("context"), dict) else r for r in requests
        ]
    return [json.dumps(_unique(r), ensure_ascii=True) for r in requests]


def _context_text(context: dict) -> str:
    """An object context as ``key: value`` lines (nested values as JSON)."""
    return "\n".join(f"{k}: {v if isinstance(v, str) else json.dumps(v)}" for k, v in context.items())


def _lua_string(text: str) -> str:
    """A Lua long-bracket literal (no escaping needed: bodies never contain the closing bracket)."""
    if "]==]" in text:
        raise ValueError("body contains the Lua closing bracket")
    return "[==[" + text + "]==]"


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
        "p50_ms": round(_ms(re.search(r"^\s*50%\s+(\S+)", out, re.MULTILINE).group(1)), 2),
        "p99_ms": round(_ms(re.search(r"^\s*99%\s+(\S+)", out, re.MULTILINE).group(1)), 2),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "load_generator": "wrk",
    }


async def client(base: str, seconds: float, counter, latencies: list[float], bodies: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=1)) as http:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            n = next(counter)
            body = bodies[n % len(bodies)].replace(PLACEHOLDER, str(n))
            t0 = time.perf_counter()
            r = await http.post("/live/oversee", content=body, headers={"content-type": "application/json"})
            latencies.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text


async def scenario(base: str, connections: int, seconds: float, counter, bodies: list[str]) -> dict[str, float]:
    latencies: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(client(base, seconds, counter, latencies, bodies) for _ in range(connections)))
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
    parser.add_argument("--mix", choices=("templates", "corpus", "both"), default="both")
    parser.add_argument(
        "--context-as-text", action="store_true", help="send object contexts as text (to compare with older trees)"
    )
    args = parser.parse_args()
    console = Console()
    counter = itertools.count()
    mixes = {"templates": template_bodies, "corpus": lambda: corpus_bodies(args.context_as_text)}
    chosen = list(mixes) if args.mix == "both" else [args.mix]
    bodies = {mix: mixes[mix]() for mix in chosen}
    results: dict[str, dict[str, dict[str, float]]] = {mix: {} for mix in chosen}
    with tempfile.TemporaryDirectory() as data:
        use_wrk = shutil.which("wrk") is not None
        with running_server(Path(data), "--no-ui", "--workers", str(args.workers)) as (base, _):
            for mix in chosen:
                script = Path(data) / f"{mix}.lua"
                script.write_text(WRK_SCRIPT % ", ".join(_lua_string(b) for b in bodies[mix]))
                asyncio.run(scenario(base, 4, WARMUP_S, counter, bodies[mix]))  # warm-up: imports, first parses
                for connections in (1, 16):
                    results[mix][f"{connections}_connections"] = (
                        wrk_scenario(base, connections, args.seconds, script)
                        if use_wrk
                        else asyncio.run(scenario(base, connections, args.seconds, counter, bodies[mix]))
                    )
        audited = sqlite3.connect(Path(data) / "audit.sqlite").execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
    table = Table("mix", "connections", "requests/s", "p50 ms", "p99 ms", "non-2xx")
    for mix, by_connections in results.items():
        for name, r in by_connections.items():
            table.add_row(
                mix, name, f"{r['requests_per_s']:,}", str(r["p50_ms"]), str(r["p99_ms"]), str(r.get("non_2xx", 0))
            )
    console.print(table)
    sent = sum(r["requests"] for by in results.values() for r in by.values()) + next(counter)
    console.print(f"audit log rows: {audited:,} of {sent:,} requests answered")
    flat = {**results.get("templates", {}), **({"corpus_mix": results["corpus"]} if "corpus" in results else {})}
    path = write_result(
        "live_throughput",
        {
            "workers": args.workers,
            "seconds": args.seconds,
            "mixes": chosen,
            **flat,
            "corpus_bodies": len(bodies.get("corpus", [])),
            "audit_rows": audited,
            "requests_sent": sent,
            "target": {"p99_ms_16": 25, "requests_per_s_vs_before": 0.9},
        },
    )
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
