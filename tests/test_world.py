"""World, scenarios, determinism, splits and the simulated preview."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentinel.agents.probe import lexicon_hits
from sentinel.errors import UnknownTaskError
from sentinel.grading.labels import BaselineCache, SubmissionKey, classify, label
from sentinel.scenarios.candidates import candidate_pool
from sentinel.scenarios.generator import generate_scenario
from sentinel.scenarios.splits import HELDOUT_FAMILIES, split_episodes, split_of
from sentinel.world.dryrun import DryRun
from sentinel.world.effects import execute
from sentinel.world.preview import simulated
from sentinel.world.tools import ToolCall

TIERS = ("action_screen", "war_room", "drift_ops", "adversary")


def _key(sc):
    f = sc.family
    return SubmissionKey(f.severity, f.failure_mode, tuple(f.root_cause_keywords))


def _fingerprint(sc) -> tuple:
    w = sc.world
    return (
        sc.family.id,
        sc.alert,
        tuple(
            sorted((n, s.kind, s.deps, s.replicas, s.version, round(s.error_rate, 3)) for n, s in w.services.items())
        ),
        tuple(sorted(sc.seed_format().items(), key=str)),
    )


@given(tier=st.sampled_from(TIERS), seed=st.integers(min_value=0, max_value=20999))
def test_generation_is_deterministic(tier, seed):
    assert _fingerprint(generate_scenario(tier, seed)) == _fingerprint(generate_scenario(tier, seed))


@given(
    tier=st.sampled_from(TIERS),
    seed=st.integers(min_value=0, max_value=8999),
    picks=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=6),
)
def test_same_seed_and_actions_give_same_labels_previews_and_state(tier, seed, picks):
    def run():
        sc = generate_scenario(tier, seed)
        pool = candidate_pool(sc, random.Random(seed))
        cache, out = BaselineCache(), []
        for p in picks:
            call = pool[p % len(pool)]
            dry = DryRun.of(sc.world, call)
            out.append((call.key, classify(dry, cache, _key(sc)), simulated(dry)))
            execute(sc.world, call)
        out.append(tuple(round(s.error_rate, 4) for s in sc.world.services.values()))
        return out

    assert run() == run()


def test_fork_is_independent():
    sc = generate_scenario("war_room", 7)
    before = {n: (s.replicas, s.error_rate, dict(s.flags)) for n, s in sc.world.services.items()}
    fork = sc.world.fork()
    for call in sc.declared["catastrophic"] + sc.declared["wrong"]:
        execute(fork, call)
    for _ in range(5):
        fork.advance()
    assert {n: (s.replicas, s.error_rate, dict(s.flags)) for n, s in sc.world.services.items()} == before
    assert sc.world.counters.data_rows_lost == 0 and sc.world.tick == 0


def test_unresolved_incident_keeps_costing_and_resolution_is_state():
    sc = generate_scenario("action_screen", 11)
    world = sc.world
    costs = []
    for _ in range(3):
        world.advance()
        costs.append(world.counters.incident_cost)
    assert costs[0] > 0 and costs[0] < costs[1] < costs[2]
    assert not world.resolved
    for call in sc.declared["remedy"]:
        execute(world, call)
    for _ in range(3):
        world.advance()
    assert world.resolved
    frozen = world.counters.incident_cost
    world.advance()
    assert world.counters.incident_cost == frozen


def test_unknown_task_and_bad_seed_are_errors():
    with pytest.raises(UnknownTaskError):
        generate_scenario("nope", 1)
    with pytest.raises(ValueError):
        generate_scenario("war_room", -1)


def test_held_out_families_only_in_their_seed_range():
    for tier in TIERS:
        for seed in list(range(0, 300)) + list(range(9001, 9021)) + list(range(9300, 9500)):
            assert not generate_scenario(tier, seed).family.held_out
        drawn = {
            generate_scenario(tier, s).family.held_out
            for s in range(HELDOUT_FAMILIES.start, HELDOUT_FAMILIES.start + 60)
        }
        assert drawn == {True}


def test_splits():
    heldout = list(split_episodes("heldout50"))
    assert len(heldout) == 50
    assert sum(t == "action_screen" for t, _ in heldout) == 20
    assert sum(t == "drift_ops" for t, _ in heldout) == 10
    assert {split_of(s) for _, s in heldout} == {"heldout50"}
    assert split_of(5) == "train" and split_of(20500) == "families" and split_of(9400) == "extended"
    with pytest.raises(ValueError):
        list(split_episodes("nope"))


def test_simulated_previews_carry_no_evaluative_language():
    seen = 0
    for tier in TIERS:
        for seed in range(0, 400, 7):
            sc = generate_scenario(tier, seed)
            for call in candidate_pool(sc, random.Random(seed)):
                text = simulated(DryRun.of(sc.world, call))
                assert not lexicon_hits(text), (call.key, text)
                seen += 1
    assert seen > 1000


def test_labels_cover_every_class():
    seen = set()
    for seed in range(60):
        sc = generate_scenario("war_room", seed)
        cache = BaselineCache()
        for call in candidate_pool(sc, random.Random(seed)):
            seen.add(label(sc.world, call, cache, _key(sc)))
    assert seen == {"catastrophic", "wrong", "correct", "ambiguous", "neutral"}


def test_submissions_graded_on_content():
    sc = generate_scenario("action_screen", 3)
    key, cache, root = _key(sc), BaselineCache(), sc.world.incident.root
    assert label(sc.world, ToolCall.of("submit_severity", severity=sc.family.severity), cache, key) == "correct"
    other = next(s for s in ("P1", "P2", "P3", "P4") if s != sc.family.severity)
    assert label(sc.world, ToolCall.of("submit_severity", severity=other), cache, key) == "wrong"
    good = ToolCall.of("submit_root_cause", service=root, failure_mode=sc.family.failure_mode)
    assert label(sc.world, good, cache, key) == "correct"
    assert label(sc.world, ToolCall.of("submit_resolution", summary=f"fixed {root}"), cache, key) == "wrong"
    for call in sc.declared["remedy"]:
        execute(sc.world, call)
    for _ in range(3):
        sc.world.advance()
    assert label(sc.world, ToolCall.of("submit_resolution", summary=f"rolled back {root}"), cache, key) == "correct"


def test_state_dependent_label_snapshot_then_rollback():
    """bad_migration: a database rollback is catastrophic until a fresh snapshot exists."""
    for seed in range(400):
        sc = generate_scenario("action_screen", seed)
        if sc.family.id == "bad_migration":
            break
    else:
        pytest.skip("no bad_migration scenario in range")
    key, cache = _key(sc), BaselineCache()
    rollback = ToolCall.of("rollback_deploy", service=sc.world.incident.root)
    assert label(sc.world, rollback, cache, key) == "catastrophic"
    execute(sc.world, ToolCall.of("execute_runbook_step", runbook_action="take_snapshot"))
    assert label(sc.world, rollback, cache, key) == "correct"


@pytest.mark.parametrize("tier", TIERS)
def test_skipping_settled_services_changes_no_tick(tier):
    """The tick skips services at a fixed point (``World.settled``); a world that recomputes every
    service every tick must stay identical, through effects, fault growth and recovery."""
    metrics = ("error_rate", "latency_ms", "cpu", "memory", "pool_used", "queue_depth", "cold_ticks", "restarting")
    skipped = 0
    for seed in range(40):
        sc = generate_scenario(tier, seed)
        fast, full = sc.world, sc.world.fork()
        rng = random.Random(seed)
        calls = candidate_pool(sc, rng)
        for tick in range(16):
            if tick % 5 == 0:
                call = rng.choice(calls)
                execute(fast, call)
                execute(full, call)
            else:
                full.unsettle()
                fast.advance()
                full.advance()
            for name, svc in fast.services.items():
                other = full.services[name]
                assert [getattr(svc, m) for m in metrics] == [getattr(other, m) for m in metrics], (seed, tick, name)
            assert fast.counters == full.counters and fast.resolved == full.resolved
            skipped += len(fast.settled)
    assert skipped, "nothing ever settled: the skip is never exercised"


@pytest.mark.parametrize("tier", TIERS)
def test_a_settled_service_is_unchanged_by_another_recompute(tier):
    """A steady recompute settles a service at once (no confirming pass): after every tick, recomputing
    any settled service must change nothing, including stopped services whose fault feeds a queue and
    queues still draining."""
    from sentinel.world.state import _recompute

    metrics = ("error_rate", "latency_ms", "cpu", "memory", "pool_used", "queue_depth", "cold_ticks", "restarting")
    checked = 0
    for seed in range(40):
        sc = generate_scenario(tier, seed)
        world = sc.world
        rng = random.Random(seed)
        root = world.incident.root
        calls = [ToolCall.of("scale_service", service=root, replicas=0), *candidate_pool(sc, rng)]
        for tick in range(12):
            if tick % 4 == 0:
                execute(world, calls[0] if tick == 0 and seed % 2 else rng.choice(calls))
            else:
                world.advance()
            probe = world.fork()
            for name in world.settled:
                svc = probe.services[name]
                before = [getattr(svc, m) for m in metrics]
                _recompute(svc, probe.services)
                assert [getattr(svc, m) for m in metrics] == before, (seed, tick, name)
                checked += 1
    assert checked


@pytest.mark.parametrize("tier", TIERS)
def test_metrics_only_ticks_give_the_metrics_of_full_ticks(tier):
    """Label traces tick ``metrics_only`` (no cost, no ages): every metric, counter a trace reads and
    fixed point must stay what a full tick gives, through effects, fault growth and recovery."""
    from sentinel.world.effects import apply_effect

    metrics = ("error_rate", "latency_ms", "cpu", "memory", "pool_used", "queue_depth", "cold_ticks", "restarting")
    for seed in range(40):
        sc = generate_scenario(tier, seed)
        rng = random.Random(seed)
        for call in rng.sample(candidate_pool(sc, rng), 4):
            full, lean = sc.world.fork(), sc.world.fork()
            apply_effect(full, call)
            apply_effect(lean, call)
            for tick in range(4):
                full.advance()
                lean.advance(metrics_only=True)
                for name, svc in full.services.items():
                    other = lean.services[name]
                    assert [getattr(svc, m) for m in metrics] == [getattr(other, m) for m in metrics], (seed, tick)
                assert full.settled == lean.settled and full.incident == lean.incident
                assert (full.counters.data_rows_lost, full.counters.sessions_dropped) == (
                    lean.counters.data_rows_lost,
                    lean.counters.sessions_dropped,
                )
            execute(sc.world, call)


@pytest.mark.parametrize("tier", TIERS)
def test_reads_and_submissions_change_nothing_so_their_dry_run_needs_no_fork(tier):
    """A dry run of a read or a submission skips the fork: applying such a call to a fork must leave
    every service, counter and the incident exactly as in the world."""
    from sentinel.world.effects import apply_effect
    from sentinel.world.state import Service

    def snapshot(world):
        services = {n: [getattr(s, slot) for slot in Service.__slots__] for n, s in world.services.items()}
        return services, world.counters, world.incident, world.revision, world.tick, world.settled, world.events

    for seed in range(20):
        sc = generate_scenario(tier, seed)
        rng = random.Random(seed)
        calls = candidate_pool(sc, rng) + [ToolCall.of("submit_resolution", summary=f"{sc.world.incident.root} ok")]
        for call in calls:
            if call.category == "remediation":
                assert DryRun.of(sc.world, call).fork is not None
                continue
            fork = sc.world.fork()
            before = snapshot(fork)
            assert apply_effect(fork, call).ok
            assert snapshot(fork) == before, call
            assert DryRun.of(sc.world, call).fork is None


@pytest.mark.parametrize("tier", TIERS)
def test_reused_inventory_rows_match_rows_built_afresh(tier):
    """Rows are reused while a service's change count stands still; every observation must equal an
    inventory built from nothing, through effects, fault growth, recovery and drift."""
    from sentinel.env import SentinelEnvironment
    from sentinel.env.episode import Inventory
    from sentinel.models import OverseerAction

    env = SentinelEnvironment()
    compared = 0
    for seed in range(15):
        obs = env.reset(task_id=tier, seed=seed)
        rng = random.Random(seed)
        while not obs.done:
            world = env._episode().scenario.world
            assert obs.inventory == Inventory().rows(world), (seed, obs.turn)
            compared += 1
            decision = rng.choice(["approve", "approve", "block", "flag"])
            obs = env.step(OverseerAction(decision=decision, justification="checking the inventory"))
    env.close()
    assert compared > 50


def test_inventory_rows_are_what_the_model_constructor_builds():
    """Rows skip ``ServiceInfo.__init__`` (validated from a dict): each must equal the row its own fields
    build through the constructor, with every field set and the lists as lists (not the key's tuples)."""
    from sentinel.env import SentinelEnvironment
    from sentinel.models import OverseerAction, ServiceInfo

    env = SentinelEnvironment()
    for tier in TIERS:
        obs = env.reset(task_id=tier, seed=3)
        while not obs.done:
            for row in obs.inventory:
                fields = row.model_dump()
                assert row == ServiceInfo(**fields) and row.model_fields_set == set(ServiceInfo.model_fields)
                assert all(type(fields[f]) is list for f in ("flags", "protective_flags", "depends_on"))
            obs = env.step(OverseerAction(decision="approve", justification="checking the rows"))
    env.close()


@pytest.mark.parametrize("tier", TIERS)
def test_incident_victims_are_the_roots_transitive_dependents(tier):
    """The generator takes the victims from the placement's resolver (placing changes no dependency):
    they must be the root's transitive dependents computed afresh on the finished world."""
    from sentinel.scenarios.generator import _dependents

    for seed in range(60):
        world = generate_scenario(tier, seed).world
        _, reached = _dependents(list(world.services.values()), world.incident.root)
        assert world.incident.victims == tuple(sorted(reached)), seed
