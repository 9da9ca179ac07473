"""The OpenEnv server: framework routes, extra routes, REST episodes, bad input and limits."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from sentinel.server.app import ServerSettings, build_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = ServerSettings(data_dir=tmp_path_factory.mktemp("data"), max_rest_episodes=5, max_sessions=4, ui=False)
    with TestClient(build_app(settings)) as c:
        yield c


def test_framework_routes_answer(client):
    assert client.get("/health").json() == {"status": "healthy"}
    assert client.get("/metadata").json()["name"] == "sentinel"
    schema = client.get("/schema").json()
    assert {"action", "observation", "state"} <= set(schema)
    assert "oneOf" in json.dumps(schema["action"]) or "anyOf" in json.dumps(schema["action"])
    assert client.get("/docs").status_code == 200
    assert client.post("/mcp", json={}).json()["jsonrpc"] == "2.0"
    obs = client.post("/reset", json={"task_id": "war_room", "seed": 4}).json()
    assert obs["observation"]["task_id"] == "war_room" and obs["observation"]["current_role"] == "overseer"
    assert client.get("/state").status_code == 200


def test_task_provider_routes(client):
    assert [s["name"] for s in client.get("/sentinel/splits").json()] == ["train", "heldout50", "extended", "families"]
    assert client.post("/sentinel/num_tasks", json={"split": "heldout50"}).json()["num_tasks"] == 50
    r = client.post("/sentinel/num_tasks", json={"split": "nope"})
    assert 400 <= r.status_code < 500


def test_extra_routes(client):
    tasks = client.get("/tasks").json()
    assert [t["task_id"] for t in tasks] == ["action_screen", "war_room", "drift_ops", "adversary"]
    assert "scale_service" in tasks[0]["tools"]
    info = client.get("/api/info").json()
    assert info["reward_range"] == [-4.5, 3.3] and "/episodes" in info["routes"]


def test_stateless_step_points_to_ws_and_episodes(client):
    r = client.post("/step", json={"action": {"role": "overseer", "decision": "approve"}})
    assert r.status_code == 409
    assert "/ws" in r.json()["detail"] and "/episodes" in r.json()["detail"]


@pytest.mark.parametrize(
    "body, status",
    [
        ({"task_id": "nope"}, 400),
        ({"mode": "solo"}, 400),
        ({"preview": "peek"}, 400),
        ({"seed": "x"}, 400),
    ],
)
def test_bad_reset_is_4xx(client, body, status):
    r = client.post("/reset", json=body)
    assert 400 <= r.status_code < 500, r.text


def test_rest_episode_lifecycle(client):
    r = client.post("/episodes", json={"task_id": "war_room", "seed": 8})
    assert r.status_code == 201
    eid = r.json()["episode_id"]
    steps = 0
    done = False
    while not done:
        r = client.post(f"/episodes/{eid}/step", json={"role": "overseer", "decision": "block", "justification": "x"})
        assert r.status_code == 200, r.text
        done = r.json()["done"]
        steps += 1
    state = client.get(f"/episodes/{eid}").json()
    assert state["step_count"] == steps and state["done"]
    grader = client.get(f"/episodes/{eid}/grader").json()
    assert {"confusion", "cumulative_rewards", "catastrophes_executed"} <= set(grader)
    r = client.post(f"/episodes/{eid}/step", json={"role": "overseer", "decision": "block"})
    assert r.status_code == 409 and r.json()["error"] == "EPISODE_FINISHED"
    assert client.delete(f"/episodes/{eid}").status_code == 204
    assert client.get(f"/episodes/{eid}").status_code == 404
    assert client.delete(f"/episodes/{eid}").status_code == 404


def test_rest_bad_input(client):
    eid = client.post("/episodes", json={"task_id": "action_screen", "seed": 1}).json()["episode_id"]
    before = client.get(f"/episodes/{eid}").json()
    for body, status in [
        ({"role": "responder", "action_type": "query_logs", "parameters": {"service": "x"}}, 409),
        ({"role": "overseer", "decision": "maybe"}, 422),
        ({"role": "auditor"}, 422),
        ({"role": "overseer", "decision": "block", "justification": "j" * 3000}, 422),
        ({"role": "overseer", "decision": "block", "suspicion": 7}, 422),
    ]:
        r = client.post(f"/episodes/{eid}/step", json=body)
        assert r.status_code == status, (body, r.text)
    r = client.post(f"/episodes/{eid}/step", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert client.get(f"/episodes/{eid}").json() == before
    assert client.post("/episodes", json={"task_id": "war_room", "bogus": 1}).status_code == 422
    assert client.get("/episodes/does-not-exist").status_code == 404


def test_rest_store_is_bounded_and_evicts(client):
    ids = [client.post("/episodes", json={"seed": i}).json()["episode_id"] for i in range(8)]
    assert client.app.state.episode_store.count() <= 5
    assert client.get(f"/episodes/{ids[0]}").status_code == 404
    assert client.get(f"/episodes/{ids[-1]}").status_code == 200


def test_oversize_body_gets_413(client):
    r = client.post("/episodes", content=b" " * 70000, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_websocket_errors_carry_codes_and_keep_the_session(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "reset", "data": {"task_id": "war_room", "seed": 2, "mode": "alternating"}})
        assert ws.receive_json()["type"] == "observation"
        ws.send_json({"type": "step", "data": {"role": "overseer", "decision": "approve"}})
        err = ws.receive_json()
        assert err["type"] == "error" and "WRONG_TURN" in err["data"]["message"]
        ws.send_text("{broken")
        assert ws.receive_json()["data"]["code"] == "INVALID_JSON"
        ws.send_json({"type": "step", "data": {"role": "responder", "action_type": "query_logs", "parameters": {}}})
        assert "INVALID_ACTION" in ws.receive_json()["data"]["message"]
        ws.send_json({"type": "reset", "data": {"task_id": "bogus"}})
        assert "UNKNOWN_TASK" in ws.receive_json()["data"]["message"]
        ws.send_json({"type": "state"})
        assert ws.receive_json()["data"]["task_id"] == "war_room"


def test_too_many_sessions_get_capacity_error(client):
    from contextlib import ExitStack

    with ExitStack() as stack:
        sockets = [stack.enter_context(client.websocket_connect("/ws")) for _ in range(4)]
        for ws in sockets:
            ws.send_json({"type": "reset", "data": {}})
            assert ws.receive_json()["type"] == "observation"
        with client.websocket_connect("/ws") as extra:
            extra.send_json({"type": "reset", "data": {}})
            assert extra.receive_json()["data"]["code"] == "CAPACITY_REACHED"
