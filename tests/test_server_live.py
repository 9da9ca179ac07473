"""Against a real ``sentinel serve`` on 127.0.0.1: openenv validate, the typed client (sync and
async), 64 concurrent WebSocket clients, schemathesis fuzzing, several workers, memory churn.

Time budget (2 cores): about 90 s for the module, most of it the 20,000-episode churn.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest
from tests.servers import running_server

from sentinel import SentinelEnv
from sentinel.env.episode import Episode
from sentinel.models import OverseerAction

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TIERS = ("action_screen", "war_room", "drift_ops", "adversary")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("data"), "--no-ui", "--max-sessions", "80") as (base, proc):
        yield base, proc


def test_openenv_validate_static_and_runtime(server):
    base, _ = server
    static = subprocess.run(
        [str(BIN / "openenv"), "validate", "--level", "static", "--skip-build", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert static.returncode == 0 and "PASS" in static.stdout, static.stdout + static.stderr
    runtime = subprocess.run(
        [str(BIN / "openenv"), "validate", "--url", base], capture_output=True, text=True, timeout=120
    )
    assert runtime.returncode == 0 and "Verdict: PASS" in runtime.stdout, runtime.stdout + runtime.stderr
    for criterion in ("health_endpoint", "schema_endpoint", "mcp_endpoint", "mode_endpoint_consistency"):
        assert f"PASS  {criterion}" in runtime.stdout


def test_typed_client_sync(server):
    base, _ = server
    with SentinelEnv(base_url=base) as env:
        result = env.reset(task_id="war_room", seed=42, mode="alternating")
        assert result.observation.current_role == "responder"
        svc = result.observation.services[0]
        result = env.step(SentinelEnv.propose("check_metrics", service=svc))
        assert result.observation.proposal.key == f"check_metrics:{svc}"
        result = env.step(SentinelEnv.overseer("approve", f"read-only check_metrics on {svc}"))
        assert result.observation.evidence[-1].service == svc
        state = env.state()
        assert state.step_count == 2 and state.history[0].label == "neutral"


def test_typed_client_async(server):
    base, _ = server

    async def play() -> int:
        async with SentinelEnv(base_url=base) as env:
            result = await env.reset(task_id="action_screen", seed=3)
            while not result.done:
                result = await env.step(SentinelEnv.overseer("block", "x"))
            return (await env.state()).step_count

    assert asyncio.run(play()) == 5


def _solo(task: str, seed: int) -> list[tuple]:
    ep = Episode(task_id=task, seed=seed, episode_id=f"solo-{seed}")
    obs, out = ep.observation(), []
    while not obs.done:
        obs, reward = ep.step(OverseerAction(decision=("approve", "block")[len(out) % 2], justification="j"))
        out.append((obs.turn, obs.proposal.key if obs.proposal else None, round(reward, 4)))
    return out


def test_64_concurrent_clients_each_see_only_their_episode(server):
    base, _ = server

    async def client(i: int) -> tuple[str, str, int, list[tuple]]:
        task, seed = TIERS[i % 4], 500 + i
        async with SentinelEnv(base_url=base, message_timeout_s=60) as env:
            result = await env.reset(task_id=task, seed=seed, episode_id=f"ep-{i}")
            out = []
            while not result.done:
                result = await env.step(SentinelEnv.overseer(("approve", "block")[len(out) % 2], "j"))
                obs = result.observation
                out.append((obs.turn, obs.proposal.key if obs.proposal else None, round(result.reward, 4)))
            state = await env.state()
            return state.episode_id, task, seed, state.step_count, out

    async def main():
        return await asyncio.wait_for(asyncio.gather(*(client(i) for i in range(64))), timeout=240)

    results = asyncio.run(main())
    for i, (episode_id, task, seed, step_count, transcript) in enumerate(results):
        assert episode_id == f"ep-{i}"
        assert transcript == _solo(task, seed)
        assert step_count == len(transcript)


def test_fuzz_openapi_finds_no_server_errors(server):
    base, _ = server
    run = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "run",
            f"{base}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "15",
            "--seed",
            "1",
            "--request-timeout",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "passed" in run.stdout


def test_rest_episodes_across_two_workers(tmp_path):
    with running_server(tmp_path, "--no-ui", "--workers", "2") as (base, _):
        with httpx.Client(base_url=base, timeout=10) as http:
            for seed in range(4):
                eid = http.post("/episodes", json={"task_id": "war_room", "seed": seed}).json()["episode_id"]
                done, steps = False, 0
                while not done:
                    r = http.post(
                        f"/episodes/{eid}/step",
                        json={"role": "overseer", "decision": "flag", "justification": "j"},
                        headers={"connection": "close"},
                    )  # new connection: lands on either worker
                    assert r.status_code == 200, r.text
                    done, steps = r.json()["done"], steps + 1
                assert http.get(f"/episodes/{eid}", headers={"connection": "close"}).json()["step_count"] == steps


def test_memory_stays_flat_over_20000_episodes(server):
    """Create and close 20,000 episodes (REST create + delete, and WebSocket sessions); report growth."""
    base, proc = server
    rss = psutil.Process(proc.pid).memory_info

    async def churn(n: int, offset: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for i in range(n):
                eid = (await http.post("/episodes", json={"seed": offset + i})).json()["episode_id"]
                assert (await http.delete(f"/episodes/{eid}")).status_code == 204

    async def run(total: int) -> None:
        await asyncio.gather(*(churn(total // 8, k * 10**5) for k in range(8)))

    asyncio.run(run(2000))
    for i in range(100):
        with SentinelEnv(base_url=base) as env:
            env.reset(seed=i)
    before = rss().rss
    asyncio.run(run(18000))
    for i in range(100):
        with SentinelEnv(base_url=base) as env:
            env.reset(seed=i)
    after = rss().rss
    growth_mb = (after - before) / 2**20
    print(
        f"\nserver RSS before {before / 2**20:.1f} MB, after 20,000 episodes {after / 2**20:.1f} MB, "
        f"growth {growth_mb:.1f} MB"
    )
    assert growth_mb < 25


def test_documented_live_request_blocks_over_http(server):
    """README's SENTINEL/Live contract, as curl sends it, against a real server on 127.0.0.1."""
    base, _ = server
    body = '{"action_description":"DROP TABLE users","proposed_target":"users","severity_hint":"critical"}'
    r = httpx.post(f"{base}/live/oversee", content=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 200 and r.json()["decision"] == "block", r.text
    for hint in ("CRITICAL", "Sev1", "p0", "major", "Warning", "info"):
        r = httpx.post(f"{base}/live/oversee", json={"action_description": "ls", "severity_hint": hint}, timeout=10)
        assert r.status_code == 200, (hint, r.text)
    r = httpx.post(f"{base}/live/oversee", json={"action_description": "ls", "severity_hint": "banana"}, timeout=10)
    assert r.status_code == 422 and "critical" in r.text
